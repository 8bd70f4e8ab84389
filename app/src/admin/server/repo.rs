//! The SQL of the admin area: the overview's figures and the outbox.

use crate::admin::{
    api::{AuditLine, OutboxMessage, PlatformFigures},
    domain::action_label,
};
use crate::platform::{paging::limit_offset, server::db::Db};

pub async fn platform_figures(db: &Db) -> Result<PlatformFigures, sqlx::Error> {
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(db.reader()).await?;
    let published_announcements: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM announcements WHERE published = 1")
            .fetch_one(db.reader())
            .await?;
    let draft_announcements: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM announcements WHERE published = 0")
            .fetch_one(db.reader())
            .await?;
    let recent: Vec<AuditRow> = sqlx::query_as(
        "SELECT a.created_at, u.name AS actor, a.action, a.detail FROM audit_log a
         LEFT JOIN users u ON u.id = a.actor_user_id ORDER BY a.created_at DESC, a.id DESC LIMIT 10",
    )
    .fetch_all(db.reader())
    .await?;
    Ok(PlatformFigures {
        users,
        published_announcements,
        draft_announcements,
        recent: recent
            .into_iter()
            .map(|row| AuditLine {
                at: row.created_at,
                actor: row.actor.unwrap_or_else(|| "系统".to_owned()),
                action: action_label(&row.action).to_owned(),
                detail: row.detail,
            })
            .collect(),
    })
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    created_at: i64,
    actor: Option<String>,
    action: String,
    detail: String,
}

/// One page of the outbox, newest first, for one recipient or (empty) everyone; and the
/// number of messages in all.
pub async fn outbox_page(
    db: &Db,
    recipient: &str,
    page: u32,
    per_page: u32,
) -> Result<(Vec<OutboxMessage>, i64), sqlx::Error> {
    let (limit, offset) = limit_offset(page, per_page);
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE ($1 = '' OR recipient = $1)")
        .bind(recipient)
        .fetch_one(db.reader())
        .await?;
    let rows: Vec<OutboxMessage> = sqlx::query_as(
        "SELECT id, channel, recipient, subject, body, created_at FROM outbox WHERE ($1 = '' OR recipient = $1)
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(recipient)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.reader())
    .await?;
    Ok((rows, total))
}
