//! The SQL of the catalogue: classes, sessions, lodgings and favourites as the public
//! list, the class page and the provider's console read them, and who manages a class.

use super::super::{
    api::{ClassDetail, ClassFilter, ClassForEdit, ClassSummary, SessionInfo},
    domain::{Category, ClassForm, ClassState, Hours, Lodging, Mode},
};
use crate::{
    accounts::domain::roles::{CurrentUser, Role},
    error::{AppError, AppResult},
    platform::{
        money::Fen,
        paging::{Page, limit_offset},
        server::{
            db::{Db, Tx},
            markdown,
        },
        text::lines,
        time::format_date,
    },
};
/// Which provider's classes `user` manages: `Some(id)` for a provider, `None` (every
/// provider) for the platform admin.
pub fn provider_scope(user: &CurrentUser) -> AppResult<Option<i64>> {
    if user.has_role(Role::PlatformAdmin) {
        return Ok(None);
    }
    user.grants
        .iter()
        .find(|g| g.role == Role::Provider)
        .and_then(|g| g.scope_id)
        .map(Some)
        .ok_or_else(AppError::forbidden)
}

pub fn may_manage(user: &CurrentUser, provider_id: i64) -> bool {
    user.has_role(Role::PlatformAdmin) || user.has_scoped_role(Role::Provider, provider_id)
}

const SUMMARY_COLUMNS: &str = "c.id, c.title, p.name AS provider_name, c.mode, c.year, c.hours_public,
     c.hours_professional, c.hours_elective, c.fee_fen, c.state, c.opens_on, c.closes_on,
     COALESCE(r.name, '') AS region_name, c.capacity - c.seats_taken AS seats_left, c.needs_review";
const SUMMARY_FROM: &str =
    "classes c JOIN providers p ON p.id = c.provider_id LEFT JOIN regions r ON r.code = c.region_code";

/// A class as [`SUMMARY_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    title: String,
    provider_name: String,
    #[sqlx(try_from = "String")]
    mode: Mode,
    year: i64,
    hours_public: i64,
    hours_professional: i64,
    hours_elective: i64,
    fee_fen: Fen,
    #[sqlx(try_from = "String")]
    state: ClassState,
    opens_on: String,
    closes_on: String,
    region_name: String,
    seats_left: i64,
    needs_review: i64,
}

fn summary(row: SummaryRow) -> ClassSummary {
    ClassSummary {
        id: row.id,
        title: row.title,
        provider_name: row.provider_name,
        mode: row.mode,
        year: row.year,
        hours: [Hours(row.hours_public), Hours(row.hours_professional), Hours(row.hours_elective)],
        fee_fen: row.fee_fen,
        state: row.state,
        opens_on: row.opens_on,
        closes_on: row.closes_on,
        region_name: if row.region_name.is_empty() { "不限".to_owned() } else { row.region_name },
        seats_left: row.seats_left.max(0),
        needs_review: row.needs_review != 0,
    }
}

/// Whether a class takes registrations today (China time).
pub fn accepting(state: ClassState, opens_on: &str, closes_on: &str, now: i64) -> bool {
    let today = format_date(now);
    state == ClassState::Open && opens_on <= today.as_str() && today.as_str() <= closes_on
}

pub async fn list_public(
    db: &Db,
    filter: &ClassFilter,
    page: u32,
    now: i64,
) -> AppResult<Page<ClassSummary>> {
    let per_page = super::super::api::CLASS_PAGE_SIZE;
    let (limit, offset) = limit_offset(page, per_page);
    let pattern = format!("%{}%", filter.q.trim().replace(['%', '_'], ""));
    let mode = Mode::from_code(&filter.mode).map(Mode::code).unwrap_or("");
    let year = filter.year.trim().parse::<i64>().unwrap_or(0);
    let category = Category::from_code(&filter.category).map(Category::code).unwrap_or("");
    let region = filter.region.trim();
    let region = if region.len() == 6 && region.bytes().all(|b| b.is_ascii_digit()) { region } else { "" };
    let province = if region.is_empty() { String::new() } else { format!("{}0000", &region[..2]) };
    let today = format_date(now);
    let conditions = "c.state = $8 AND c.closes_on >= $7
        AND ($1 = '%%' OR c.title LIKE $1)
        AND ($2 = '' OR c.mode = $2)
        AND ($3 = 0 OR c.year = $3)
        AND ($4 = '' OR ($4 = 'public' AND c.hours_public > 0) OR ($4 = 'professional' AND c.hours_professional > 0)
             OR ($4 = 'elective' AND c.hours_elective > 0))
        AND ($5 = '' OR c.region_code = '' OR c.region_code = $5 OR c.region_code = $6)";
    // The same parameters, $1 to $8, for the count and the page.
    macro_rules! bind_filter {
        ($query:expr) => {
            $query
                .bind(&pattern)
                .bind(mode)
                .bind(year)
                .bind(category)
                .bind(region)
                .bind(&province)
                .bind(&today)
                .bind(ClassState::Open.code())
        };
    }
    let total: i64 =
        bind_filter!(sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {SUMMARY_FROM} WHERE {conditions}")))
            .fetch_one(db.reader())
            .await?;
    let rows: Vec<SummaryRow> = bind_filter!(sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM {SUMMARY_FROM} WHERE {conditions}
         ORDER BY c.closes_on ASC, c.id DESC LIMIT $9 OFFSET $10"
    )))
    .bind(limit)
    .bind(offset)
    .fetch_all(db.reader())
    .await?;
    Ok(Page { items: rows.into_iter().map(summary).collect(), page, per_page, total })
}

pub async fn open_years(db: &Db) -> AppResult<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT DISTINCT year FROM classes WHERE state = $1 ORDER BY year DESC")
        .bind(ClassState::Open.code())
        .fetch_all(db.reader())
        .await?)
}

pub async fn list_for_provider(db: &Db, user: &CurrentUser, page: u32) -> AppResult<Page<ClassSummary>> {
    let scope = provider_scope(user)?.unwrap_or(0);
    let per_page = 20;
    let (limit, offset) = limit_offset(page, per_page);
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM {SUMMARY_FROM} WHERE ($1 = 0 OR c.provider_id = $1)"
    ))
    .bind(scope)
    .fetch_one(db.reader())
    .await?;
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM {SUMMARY_FROM} WHERE ($1 = 0 OR c.provider_id = $1)
         ORDER BY c.updated_at DESC, c.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(scope)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.reader())
    .await?;
    Ok(Page { items: rows.into_iter().map(summary).collect(), page, per_page, total })
}

/// What the class page shows beyond the summary.
#[derive(sqlx::FromRow)]
struct DetailRow {
    provider_id: i64,
    description: String,
    notice: String,
    needs_job_title: i64,
    needs_photo: i64,
    region_code: String,
    exam_subjects: String,
    exam_types: String,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    name: String,
    starts_on: String,
    ends_on: String,
    place: String,
    checkin_opens: String,
    checkin_closes: String,
    capacity: i64,
    seats_taken: i64,
}

#[derive(sqlx::FromRow)]
struct LodgingRow {
    name: String,
    price_fen: Fen,
}

pub async fn sessions(pool: &sqlx::AnyPool, class_id: i64) -> AppResult<Vec<SessionInfo>> {
    let rows: Vec<SessionRow> = sqlx::query_as(
        "SELECT id, name, starts_on, ends_on, place, checkin_opens, checkin_closes, capacity, seats_taken
         FROM class_sessions WHERE class_id = $1 ORDER BY starts_on, id",
    )
    .bind(class_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| SessionInfo {
            id: row.id,
            name: row.name,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            place: row.place,
            checkin_opens: row.checkin_opens,
            checkin_closes: row.checkin_closes,
            capacity: row.capacity,
            seats_taken: row.seats_taken,
        })
        .collect())
}

pub async fn lodgings(pool: &sqlx::AnyPool, class_id: i64) -> AppResult<Vec<Lodging>> {
    let rows: Vec<LodgingRow> =
        sqlx::query_as("SELECT name, price_fen FROM class_lodgings WHERE class_id = $1 ORDER BY position")
            .bind(class_id)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|row| Lodging { name: row.name, price_fen: row.price_fen }).collect())
}

pub async fn detail(db: &Db, viewer: Option<&CurrentUser>, id: i64, now: i64) -> AppResult<ClassDetail> {
    let pool = db.reader();
    let row: Option<SummaryRow> =
        sqlx::query_as(&format!("SELECT {SUMMARY_COLUMNS} FROM {SUMMARY_FROM} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?;
    let not_found = || AppError::not_found("培训班不存在或尚未发布");
    let summary = summary(row.ok_or_else(not_found)?);
    let extra: DetailRow = sqlx::query_as(
        "SELECT provider_id, description, notice, needs_job_title, needs_photo, region_code, exam_subjects, exam_types
         FROM classes WHERE id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    let manageable = viewer.is_some_and(|u| may_manage(u, extra.provider_id));
    if summary.state == ClassState::Draft && !manageable {
        return Err(not_found());
    }
    let favourite =
        match viewer {
            Some(user) => sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM favourites WHERE user_id = $1 AND kind = 'class' AND target_id = $2",
            )
            .bind(user.id)
            .bind(id)
            .fetch_one(pool)
            .await?
                > 0,
            None => false,
        };
    Ok(ClassDetail {
        accepting: accepting(summary.state, &summary.opens_on, &summary.closes_on, now),
        summary,
        description_html: markdown::render(&extra.description),
        notice: extra.notice,
        region_code: extra.region_code,
        needs_job_title: extra.needs_job_title != 0,
        needs_photo: extra.needs_photo != 0,
        exam_subjects: lines(&extra.exam_subjects),
        exam_types: lines(&extra.exam_types),
        lodgings: lodgings(pool, id).await?,
        sessions: sessions(pool, id).await?,
        favourite,
        manageable,
    })
}

/// A class its manager is about to change.
#[derive(sqlx::FromRow)]
pub struct ManagedClass {
    pub provider_id: i64,
    #[sqlx(try_from = "String")]
    pub state: ClassState,
    #[sqlx(try_from = "String")]
    pub mode: Mode,
    pub seats_taken: i64,
}

/// The class, after checking that `user` manages it.
pub async fn managed_class(tx: &mut Tx, user: &CurrentUser, id: i64) -> AppResult<ManagedClass> {
    let row: Option<ManagedClass> =
        sqlx::query_as("SELECT provider_id, state, mode, seats_taken FROM classes WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    let class = row.ok_or_else(|| AppError::not_found("培训班不存在"))?;
    if !may_manage(user, class.provider_id) {
        return Err(AppError::forbidden());
    }
    Ok(class)
}

/// The provider's form of a stored class, in two reads.
#[derive(sqlx::FromRow)]
struct EditRow {
    title: String,
    description: String,
    #[sqlx(try_from = "String")]
    mode: Mode,
    year: i64,
    hours_public: i64,
    hours_professional: i64,
    hours_elective: i64,
    fee_fen: Fen,
    capacity: i64,
}

#[derive(sqlx::FromRow)]
struct EditRulesRow {
    opens_on: String,
    closes_on: String,
    region_code: String,
    needs_review: i64,
    needs_job_title: i64,
    needs_photo: i64,
    exam_subjects: String,
    exam_types: String,
    notice: String,
}

pub async fn for_edit(db: &Db, user: &CurrentUser, id: i64) -> AppResult<ClassForEdit> {
    let mut tx = db.reader().begin().await?;
    let managed = managed_class(&mut tx, user, id).await?;
    let class: EditRow = sqlx::query_as(
        "SELECT title, description, mode, year, hours_public, hours_professional, hours_elective, fee_fen, capacity
         FROM classes WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let rules: EditRulesRow = sqlx::query_as(
        "SELECT opens_on, closes_on, region_code, needs_review, needs_job_title, needs_photo, exam_subjects,
                exam_types, notice
         FROM classes WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let pool = db.reader();
    let lodgings = lodgings(pool, id).await?;
    let flag = |v: i64| if v != 0 { "on".to_owned() } else { String::new() };
    let yuan = |fen: Fen| fen.to_string().trim_start_matches('¥').replace(',', "");
    let form = ClassForm {
        id: id.to_string(),
        title: class.title,
        description: class.description,
        mode: class.mode.code().to_owned(),
        year: class.year.to_string(),
        hours_public: Hours(class.hours_public).to_string(),
        hours_professional: Hours(class.hours_professional).to_string(),
        hours_elective: Hours(class.hours_elective).to_string(),
        fee_yuan: yuan(class.fee_fen),
        capacity: class.capacity.to_string(),
        opens_on: rules.opens_on,
        closes_on: rules.closes_on,
        region_code: rules.region_code,
        needs_review: flag(rules.needs_review),
        needs_job_title: flag(rules.needs_job_title),
        needs_photo: flag(rules.needs_photo),
        exam_subjects: rules.exam_subjects,
        exam_types: rules.exam_types,
        lodgings: lodgings
            .iter()
            .map(|l| format!("{} {}", l.name, yuan(l.price_fen)))
            .collect::<Vec<_>>()
            .join("\n"),
        notice: rules.notice,
    };
    Ok(ClassForEdit {
        id,
        form,
        state: managed.state,
        sessions: sessions(pool, id).await?,
        seats_taken: managed.seats_taken,
    })
}

pub async fn set_favourite(db: &Db, user_id: i64, class_id: i64, on: bool, now: i64) -> AppResult<()> {
    let visible: Option<String> =
        sqlx::query_scalar("SELECT state FROM classes WHERE id = $1 AND state <> $2")
            .bind(class_id)
            .bind(ClassState::Draft.code())
            .fetch_optional(db.reader())
            .await?;
    if visible.is_none() {
        return Err(AppError::not_found("培训班不存在或尚未发布"));
    }
    let sql = if on {
        "INSERT INTO favourites (user_id, kind, target_id, created_at) VALUES ($1, 'class', $2, $3)
         ON CONFLICT (user_id, kind, target_id) DO NOTHING"
    } else {
        "DELETE FROM favourites WHERE user_id = $1 AND kind = 'class' AND target_id = $2 AND $3 >= 0"
    };
    sqlx::query(sql).bind(user_id).bind(class_id).bind(now).execute(db.writer()).await?;
    Ok(())
}

pub async fn favourites(db: &Db, user_id: i64) -> AppResult<Vec<ClassSummary>> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM {SUMMARY_FROM}
         JOIN favourites f ON f.kind = 'class' AND f.target_id = c.id AND f.user_id = $1
         WHERE c.state <> $2 ORDER BY f.created_at DESC LIMIT 200"
    ))
    .bind(user_id)
    .bind(ClassState::Draft.code())
    .fetch_all(db.reader())
    .await?;
    Ok(rows.into_iter().map(summary).collect())
}
