//! Announcement storage.

use crate::{
    announcements::domain::{
        Announcement, AnnouncementForEdit, AnnouncementSummary, Attachment, Category, HomeFeed, ValidDraft,
    },
    platform::{
        paging::{Page, limit_offset},
        server::db::{Db, Tx},
    },
};
use sqlx::any::AnyRow;

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    #[sqlx(try_from = "String")]
    category: Category,
    title: String,
    published_at: Option<i64>,
}

fn summary(row: SummaryRow) -> AnnouncementSummary {
    AnnouncementSummary {
        id: row.id,
        category: row.category,
        title: row.title,
        published_at: row.published_at,
    }
}

/// A line of the admin list: drafts too.
#[derive(sqlx::FromRow)]
struct AdminLineRow {
    id: i64,
    #[sqlx(try_from = "String")]
    category: Category,
    title: String,
    published_at: Option<i64>,
    published: i64,
}

#[derive(sqlx::FromRow)]
struct AnnouncementRow {
    id: i64,
    #[sqlx(try_from = "String")]
    category: Category,
    title: String,
    body_html: String,
    published: i64,
    published_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct EditRow {
    id: i64,
    #[sqlx(try_from = "String")]
    category: Category,
    title: String,
    body_markdown: String,
    published: i64,
}

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    file_id: String,
    filename: String,
    size_bytes: i64,
}

const SUMMARY_COLUMNS: &str = "id, category, title, published_at";

/// Published announcements, newest first, optionally of one category.
pub async fn list_published(
    db: &Db,
    category: Option<Category>,
    page: u32,
    per_page: u32,
) -> Result<Page<AnnouncementSummary>, sqlx::Error> {
    let (limit, offset) = limit_offset(page, per_page);
    let (total, rows): (i64, Vec<SummaryRow>) = match category {
        Some(category) => (
            sqlx::query_scalar("SELECT COUNT(*) FROM announcements WHERE published = 1 AND category = $1")
                .bind(category.code())
                .fetch_one(db.reader())
                .await?,
            sqlx::query_as(&format!(
                "SELECT {SUMMARY_COLUMNS} FROM announcements WHERE published = 1 AND category = $1
                 ORDER BY published_at DESC, id DESC LIMIT $2 OFFSET $3"
            ))
            .bind(category.code())
            .bind(limit)
            .bind(offset)
            .fetch_all(db.reader())
            .await?,
        ),
        None => (
            sqlx::query_scalar("SELECT COUNT(*) FROM announcements WHERE published = 1")
                .fetch_one(db.reader())
                .await?,
            sqlx::query_as(&format!(
                "SELECT {SUMMARY_COLUMNS} FROM announcements WHERE published = 1
                 ORDER BY published_at DESC, id DESC LIMIT $1 OFFSET $2"
            ))
            .bind(limit)
            .bind(offset)
            .fetch_all(db.reader())
            .await?,
        ),
    };
    Ok(Page { items: rows.into_iter().map(summary).collect(), page, per_page, total })
}

/// Every announcement, drafts too, most recently edited first (admin list).
pub async fn list_all(db: &Db, page: u32, per_page: u32) -> Result<Page<AnnouncementSummary>, sqlx::Error> {
    let (limit, offset) = limit_offset(page, per_page);
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM announcements").fetch_one(db.reader()).await?;
    let rows: Vec<AdminLineRow> = sqlx::query_as(
        "SELECT id, category, title, published_at, published FROM announcements
         ORDER BY updated_at DESC, id DESC LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(db.reader())
    .await?;
    let items = rows
        .into_iter()
        .map(|row| AnnouncementSummary {
            id: row.id,
            category: row.category,
            title: row.title,
            published_at: (row.published != 0).then_some(row.published_at).flatten(),
        })
        .collect();
    Ok(Page { items, page, per_page, total })
}

pub async fn home_feed(db: &Db, per_category: i64) -> Result<HomeFeed, sqlx::Error> {
    let latest = |category: Category| async move {
        let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM announcements WHERE published = 1 AND category = $1
             ORDER BY published_at DESC, id DESC LIMIT $2"
        ))
        .bind(category.code())
        .bind(per_category)
        .fetch_all(db.reader())
        .await?;
        Ok::<_, sqlx::Error>(rows.into_iter().map(summary).collect::<Vec<_>>())
    };
    let (notices, guides) = futures::try_join!(latest(Category::Notice), latest(Category::Guide))?;
    Ok(HomeFeed { notices, guides })
}

/// One announcement; drafts only when `include_drafts` (the admin's preview).
pub async fn find(db: &Db, id: i64, include_drafts: bool) -> Result<Option<Announcement>, sqlx::Error> {
    let row: Option<AnnouncementRow> = sqlx::query_as(
        "SELECT id, category, title, body_html, published, published_at FROM announcements WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.reader())
    .await?;
    let Some(AnnouncementRow { id, category, title, body_html, published, published_at }) = row else {
        return Ok(None);
    };
    if published == 0 && !include_drafts {
        return Ok(None);
    }
    let attachments = attachments(db, id).await?;
    Ok(Some(Announcement {
        id,
        category,
        title,
        body_html,
        published_at: (published != 0).then_some(published_at).flatten(),
        attachments,
    }))
}

pub async fn load_for_edit(db: &Db, id: i64) -> Result<Option<AnnouncementForEdit>, sqlx::Error> {
    let row: Option<EditRow> = sqlx::query_as(
        "SELECT id, category, title, body_markdown, published FROM announcements WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.reader())
    .await?;
    let Some(EditRow { id, category, title, body_markdown, published }) = row else {
        return Ok(None);
    };
    Ok(Some(AnnouncementForEdit {
        id,
        category,
        title,
        body_markdown,
        published: published != 0,
        attachments: attachments(db, id).await?,
    }))
}

pub async fn attachments(db: &Db, announcement_id: i64) -> Result<Vec<Attachment>, sqlx::Error> {
    let rows: Vec<AttachmentRow> = sqlx::query_as(
        "SELECT f.id AS file_id, f.filename, f.size_bytes FROM announcement_attachments a
         JOIN files f ON f.id = a.file_id WHERE a.announcement_id = $1 ORDER BY a.position, f.created_at",
    )
    .bind(announcement_id)
    .fetch_all(db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Attachment { file_id: row.file_id, filename: row.filename, size_bytes: row.size_bytes })
        .collect())
}

pub async fn create(
    tx: &mut Tx,
    draft: &ValidDraft,
    body_html: &str,
    actor: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO announcements
             (category, title, body_markdown, body_html, published, published_at, created_by, updated_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $8)
         RETURNING id",
    )
    .bind(draft.category.code())
    .bind(&draft.title)
    .bind(&draft.body_markdown)
    .bind(body_html)
    .bind(i64::from(draft.published))
    .bind(draft.published.then_some(now))
    .bind(actor)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// Updates an announcement; the first publication fixes its date. False if absent.
pub async fn update(
    tx: &mut Tx,
    id: i64,
    draft: &ValidDraft,
    body_html: &str,
    actor: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE announcements SET category = $1, title = $2, body_markdown = $3, body_html = $4, published = $5,
             published_at = CASE WHEN $5 = 1 AND published_at IS NULL THEN $6 ELSE published_at END,
             updated_by = $7, updated_at = $6
         WHERE id = $8",
    )
    .bind(draft.category.code())
    .bind(&draft.title)
    .bind(&draft.body_markdown)
    .bind(body_html)
    .bind(i64::from(draft.published))
    .bind(now)
    .bind(actor)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn exists(tx: &mut Tx, id: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM announcements WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(found.is_some())
}

pub async fn add_attachment(tx: &mut Tx, announcement_id: i64, file_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO announcement_attachments (announcement_id, file_id, position)
         VALUES ($1, $2, (SELECT COUNT(*) FROM announcement_attachments WHERE announcement_id = $1))",
    )
    .bind(announcement_id)
    .bind(file_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn remove_attachment(
    tx: &mut Tx,
    announcement_id: i64,
    file_id: &str,
) -> Result<bool, sqlx::Error> {
    let result =
        sqlx::query("DELETE FROM announcement_attachments WHERE announcement_id = $1 AND file_id = $2")
            .bind(announcement_id)
            .bind(file_id)
            .execute(&mut **tx)
            .await?;
    Ok(result.rows_affected() == 1)
}

/// Whether a file is attached to a published announcement (anyone may download it).
pub async fn file_is_public(db: &Db, file_id: &str) -> Result<bool, sqlx::Error> {
    let row: Option<AnyRow> = sqlx::query(
        "SELECT 1 FROM announcement_attachments a JOIN announcements n ON n.id = a.announcement_id
         WHERE a.file_id = $1 AND n.published = 1 LIMIT 1",
    )
    .bind(file_id)
    .fetch_optional(db.reader())
    .await?;
    Ok(row.is_some())
}
