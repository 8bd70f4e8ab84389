//! The SQL of enrolment: class facts and eligibility, drafts, seats, the trainee's
//! registrations, the provider's review queue and the applicant.

use super::super::{
    api::{MyRegistration, NoticeView, ReviewFilter, ReviewLine},
    domain::{Application, ApplicationForm, ClassRules, Status, total_fen},
};
use crate::platform::text::mask_phone;
use crate::{
    accounts::{
        domain::identity::{UNVERIFIED_NOTICE, mask_stored_id_number},
        domain::roles::CurrentUser,
    },
    catalogue::{
        domain::{ClassState, Mode, region_allows},
        server::repo::{accepting, lodgings, provider_scope},
    },
    error::{AppError, AppResult, ErrorKind},
    platform::{
        money::Fen,
        paging::{Page, limit_offset},
        server::db::Tx,
        text::lines,
        time::format_date,
    },
};

/// What the registration rules need to know of a class.
pub struct ClassFacts {
    pub id: i64,
    pub provider_id: i64,
    pub title: String,
    pub state: ClassState,
    pub opens_on: String,
    pub closes_on: String,
    pub needs_review: bool,
    pub fee_fen: Fen,
    pub region_code: String,
    pub notice: String,
    pub rules: ClassRules,
}

#[derive(sqlx::FromRow)]
struct ClassFactsRow {
    provider_id: i64,
    title: String,
    #[sqlx(try_from = "String")]
    state: ClassState,
    opens_on: String,
    closes_on: String,
    needs_review: i64,
    fee_fen: Fen,
    region_code: String,
    notice: String,
    needs_job_title: i64,
    needs_photo: i64,
    exam_subjects: String,
    exam_types: String,
}

pub async fn class_facts(pool: &sqlx::AnyPool, class_id: i64) -> AppResult<ClassFacts> {
    let row: Option<ClassFactsRow> = sqlx::query_as(
        "SELECT provider_id, title, state, opens_on, closes_on, needs_review, fee_fen, region_code, notice,
                    needs_job_title, needs_photo, exam_subjects, exam_types
             FROM classes WHERE id = $1 AND state <> $2",
    )
    .bind(class_id)
    .bind(ClassState::Draft.code())
    .fetch_optional(pool)
    .await?;
    let row = row.ok_or_else(|| AppError::not_found("培训班不存在或尚未发布"))?;
    let session_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM class_sessions WHERE class_id = $1")
        .bind(class_id)
        .fetch_all(pool)
        .await?;
    Ok(ClassFacts {
        id: class_id,
        provider_id: row.provider_id,
        title: row.title,
        state: row.state,
        opens_on: row.opens_on,
        closes_on: row.closes_on,
        needs_review: row.needs_review != 0,
        fee_fen: row.fee_fen,
        region_code: row.region_code,
        notice: row.notice,
        rules: ClassRules {
            needs_job_title: row.needs_job_title != 0,
            needs_photo: row.needs_photo != 0,
            lodgings: lodgings(pool, class_id).await?,
            exam_subjects: lines(&row.exam_subjects),
            exam_types: lines(&row.exam_types),
            session_ids,
        },
    })
}

/// Who may register at all: verified accounts, in the class's region when it has one.
pub async fn check_eligible(
    pool: &sqlx::AnyPool,
    user: &CurrentUser,
    class: &ClassFacts,
    now: i64,
) -> AppResult<()> {
    if !user.real_name_verified {
        return Err(AppError::new(ErrorKind::Forbidden, UNVERIFIED_NOTICE));
    }
    if !accepting(class.state, &class.opens_on, &class.closes_on, now) {
        return Err(AppError::conflict("该培训班当前不在报名时间内"));
    }
    if !class.region_code.is_empty() {
        let unit_region: Option<String> = sqlx::query_scalar(
            "SELECT un.region_code FROM users u JOIN units un ON un.id = u.unit_id
             WHERE u.id = $1 AND u.unit_status = 'approved'",
        )
        .bind(user.id)
        .fetch_optional(pool)
        .await?;
        if !region_allows(&class.region_code, unit_region.as_deref()) {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                "该培训班仅面向指定地区单位的人员，您所在单位不在范围内",
            ));
        }
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct OwnedRegistration {
    user_id: i64,
    class_id: i64,
    #[sqlx(try_from = "String")]
    status: Status,
}

/// A registration the trainee may submit again: their own, rejected, of this class.
pub async fn rejected_registration(
    pool: &sqlx::AnyPool,
    user_id: i64,
    class_id: i64,
    id: i64,
) -> AppResult<()> {
    let row: Option<OwnedRegistration> =
        sqlx::query_as("SELECT user_id, class_id, status FROM registrations WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    match row {
        Some(r) if r.user_id == user_id && r.class_id == class_id => {
            if r.status == Status::Rejected {
                Ok(())
            } else {
                Err(AppError::conflict("只有审核不通过的报名可以重新报名"))
            }
        }
        _ => Err(AppError::not_found("报名记录不存在")),
    }
}

pub struct Draft {
    pub class_id: i64,
    pub registration_id: Option<i64>,
    pub application: Application,
    pub photo_file_id: Option<String>,
    pub notice_issued_at: i64,
}

#[derive(sqlx::FromRow)]
struct DraftRow {
    user_id: i64,
    class_id: i64,
    registration_id: Option<i64>,
    form: String,
    photo_file_id: Option<String>,
    notice_issued_at: i64,
}

pub async fn load_draft(pool: &sqlx::AnyPool, user_id: i64, draft_id: &str) -> AppResult<Draft> {
    let row: Option<DraftRow> = sqlx::query_as(
        "SELECT user_id, class_id, registration_id, form, photo_file_id, notice_issued_at
         FROM registration_drafts WHERE id = $1",
    )
    .bind(draft_id)
    .fetch_optional(pool)
    .await?;
    match row {
        Some(row) if row.user_id == user_id => Ok(Draft {
            class_id: row.class_id,
            registration_id: row.registration_id,
            application: serde_json::from_str(&row.form).map_err(AppError::internal)?,
            photo_file_id: row.photo_file_id,
            notice_issued_at: row.notice_issued_at,
        }),
        _ => Err(AppError::not_found("报名信息已失效，请重新提交订单")),
    }
}

#[derive(sqlx::FromRow)]
struct SessionDates {
    name: String,
    starts_on: String,
    ends_on: String,
}

/// 培训费 + 住宿费 of stored amounts; a sum past `i64` is corruption.
pub fn total(fee_fen: Fen, lodging_fen: Fen) -> AppResult<Fen> {
    total_fen(fee_fen, lodging_fen).ok_or_else(|| {
        AppError::internal(format!("total of {} and {} overflows", fee_fen.fen(), lodging_fen.fen()))
    })
}

pub async fn notice(pool: &sqlx::AnyPool, user_id: i64, draft_id: &str, now: i64) -> AppResult<NoticeView> {
    let draft = load_draft(pool, user_id, draft_id).await?;
    let class = class_facts(pool, draft.class_id).await?;
    let session: SessionDates =
        sqlx::query_as("SELECT name, starts_on, ends_on FROM class_sessions WHERE id = $1")
            .bind(draft.application.session_id)
            .fetch_one(pool)
            .await?;
    let lodging_fen = draft.application.lodging.as_ref().map_or(Fen::ZERO, |l| l.price_fen);
    Ok(NoticeView {
        draft_id: draft_id.to_owned(),
        class_id: class.id,
        class_title: class.title,
        notice: class.notice,
        session: format!("{}（{} 至 {}）", session.name, session.starts_on, session.ends_on),
        lodging: draft.application.lodging.map(|l| format!("{}（{}）", l.name, l.price_fen)),
        total_fen: total(class.fee_fen, lodging_fen)?,
        wait_ms: (super::super::domain::NOTICE_READING_MS - (now - draft.notice_issued_at)).max(0),
    })
}

pub fn live_statuses() -> String {
    Status::ALL
        .into_iter()
        .filter(|s| s.holds_seat())
        .map(|s| format!("'{}'", s.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Takes one seat of the session and of the class, or says which is full. Conditional
/// updates: under concurrent submissions only as many succeed as there are seats.
pub async fn take_seat(tx: &mut Tx, class_id: i64, session_id: i64) -> AppResult<()> {
    let session = sqlx::query(
        "UPDATE class_sessions SET seats_taken = seats_taken + 1
         WHERE id = $1 AND class_id = $2 AND seats_taken < capacity",
    )
    .bind(session_id)
    .bind(class_id)
    .execute(&mut **tx)
    .await?;
    if session.rows_affected() != 1 {
        return Err(AppError::conflict("该期次名额已满，请选择其他期次"));
    }
    let class = sqlx::query(
        "UPDATE classes SET seats_taken = seats_taken + 1 WHERE id = $1 AND seats_taken < capacity",
    )
    .bind(class_id)
    .execute(&mut **tx)
    .await?;
    if class.rows_affected() != 1 {
        return Err(AppError::conflict("该培训班名额已满"));
    }
    Ok(())
}

/// Gives a seat of the session and of the class back.
pub async fn free_seat(tx: &mut Tx, class_id: i64, session_id: i64) -> AppResult<()> {
    sqlx::query("UPDATE class_sessions SET seats_taken = seats_taken - 1 WHERE id = $1 AND seats_taken > 0")
        .bind(session_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE classes SET seats_taken = seats_taken - 1 WHERE id = $1 AND seats_taken > 0")
        .bind(class_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct MineRow {
    id: i64,
    class_id: i64,
    class_title: String,
    #[sqlx(try_from = "String")]
    mode: Mode,
    session_name: String,
    starts_on: String,
    ends_on: String,
    #[sqlx(try_from = "String")]
    status: Status,
    fee_fen: Fen,
    lodging_price_fen: Fen,
    lodging_name: String,
    reject_reason: String,
    submitted_at: i64,
    order_no: Option<String>,
    order_expires_at: Option<i64>,
}

const MINE_SELECT: &str =
    "SELECT r.id, r.class_id, c.title AS class_title, c.mode, s.name AS session_name, s.starts_on, s.ends_on,
        r.status, r.fee_fen, r.lodging_price_fen, r.lodging_name, r.reject_reason, r.submitted_at, o.order_no,
        o.expires_at AS order_expires_at
     FROM registrations r JOIN classes c ON c.id = r.class_id JOIN class_sessions s ON s.id = r.session_id
     LEFT JOIN orders o ON o.registration_id = r.id";

fn mine(row: MineRow, today: &str) -> AppResult<MyRegistration> {
    Ok(MyRegistration {
        id: row.id,
        class_id: row.class_id,
        class_title: row.class_title,
        offline: row.mode == Mode::Offline,
        session: format!("{}（{} 至 {}）", row.session_name, row.starts_on, row.ends_on),
        status: row.status.effective(row.ends_on.as_str() < today),
        fee_fen: row.fee_fen,
        lodging: row.lodging_name,
        lodging_fen: row.lodging_price_fen,
        total_fen: total(row.fee_fen, row.lodging_price_fen)?,
        reject_reason: row.reject_reason,
        submitted_at: row.submitted_at,
        order_no: row.order_no,
        order_expires_at: row.order_expires_at,
        latest_refund: None,
        invoice: None,
    })
}

pub async fn mine_list(
    pool: &sqlx::AnyPool,
    user_id: i64,
    orders_only: bool,
    now: i64,
) -> AppResult<Vec<MyRegistration>> {
    let rows: Vec<MineRow> = sqlx::query_as(&format!(
        "{MINE_SELECT} WHERE r.user_id = $1 ORDER BY r.submitted_at DESC, r.id DESC LIMIT 200"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    let today = format_date(now);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let registration = mine(row, &today)?;
        if !orders_only || registration.status.is_order() {
            out.push(registration);
        }
    }
    Ok(out)
}

pub async fn mine_one(pool: &sqlx::AnyPool, user_id: i64, id: i64, now: i64) -> AppResult<MyRegistration> {
    let row: Option<MineRow> = sqlx::query_as(&format!("{MINE_SELECT} WHERE r.id = $1 AND r.user_id = $2"))
        .bind(id)
        .bind(user_id)
        .fetch_optional(pool)
        .await?;
    mine(row.ok_or_else(|| AppError::not_found("报名记录不存在"))?, &format_date(now))
}

#[derive(sqlx::FromRow)]
struct PreviousRow {
    class_id: i64,
    session_id: i64,
    job_title: String,
    lodging_name: String,
    exam_subjects: String,
    exam_type: String,
    invoice_title_id: Option<i64>,
    joint_invoice_note: String,
}

/// The form of a rejected registration, for "重新报名".
pub async fn previous_form(pool: &sqlx::AnyPool, user_id: i64, id: i64) -> AppResult<(i64, ApplicationForm)> {
    let row: Option<PreviousRow> = sqlx::query_as(
        "SELECT class_id, session_id, job_title, lodging_name, exam_subjects, exam_type, invoice_title_id,
                joint_invoice_note
         FROM registrations WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    let row = row.ok_or_else(|| AppError::not_found("报名记录不存在"))?;
    Ok((
        row.class_id,
        ApplicationForm {
            session_id: row.session_id.to_string(),
            job_title: row.job_title,
            lodging: row.lodging_name,
            exam_subjects: lines(&row.exam_subjects),
            exam_type: row.exam_type,
            invoice_title_id: row.invoice_title_id.map(|i| i.to_string()).unwrap_or_default(),
            joint_invoice_note: row.joint_invoice_note,
        },
    ))
}

// ---- the provider's review ----------------------------------------------------------

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: i64,
    trainee: String,
    id_number: Option<String>,
    phone: Option<String>,
    class_title: String,
    session_name: String,
    ends_on: String,
    #[sqlx(try_from = "String")]
    status: Status,
    job_title: String,
    lodging_name: String,
    reject_reason: String,
    photo_file_id: Option<String>,
    submitted_at: i64,
}

pub async fn review_queue(
    pool: &sqlx::AnyPool,
    user: &CurrentUser,
    filter: &ReviewFilter,
    page: u32,
    now: i64,
) -> AppResult<Page<ReviewLine>> {
    let scope = provider_scope(user)?.unwrap_or(0);
    let per_page = 20;
    let (limit, offset) = limit_offset(page, per_page);
    let class_id = filter.class_id.trim().parse::<i64>().unwrap_or(0);
    let session_id = filter.session_id.trim().parse::<i64>().unwrap_or(0);
    let status = Status::from_code(filter.status.trim()).map(Status::code).unwrap_or("");
    let conditions =
        "($1 = 0 OR c.provider_id = $1) AND ($2 = 0 OR r.class_id = $2) AND ($3 = 0 OR r.session_id = $3)
                      AND ($4 = '' OR r.status = $4)";
    let from =
        "registrations r JOIN classes c ON c.id = r.class_id JOIN class_sessions s ON s.id = r.session_id
                JOIN users u ON u.id = r.user_id";
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {from} WHERE {conditions}"))
        .bind(scope)
        .bind(class_id)
        .bind(session_id)
        .bind(status)
        .fetch_one(pool)
        .await?;
    let rows: Vec<ReviewRow> = sqlx::query_as(&format!(
        "SELECT r.id, u.name AS trainee, u.id_number, u.phone, c.title AS class_title, s.name AS session_name,
                s.ends_on, r.status, r.job_title, r.lodging_name, r.reject_reason, r.photo_file_id, r.submitted_at
         FROM {from} WHERE {conditions} ORDER BY r.submitted_at DESC, r.id DESC LIMIT $5 OFFSET $6"
    ))
    .bind(scope)
    .bind(class_id)
    .bind(session_id)
    .bind(status)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let today = format_date(now);
    let items = rows
        .into_iter()
        .map(|row| ReviewLine {
            id: row.id,
            trainee: row.trainee,
            id_number_masked: mask_stored_id_number(row.id_number.as_deref()),
            phone_masked: row.phone.as_deref().map(mask_phone).unwrap_or_default(),
            class_title: row.class_title,
            session: row.session_name,
            status: row.status.effective(row.ends_on.as_str() < today.as_str()),
            job_title: row.job_title,
            lodging: row.lodging_name,
            reject_reason: row.reject_reason,
            photo_url: row.photo_file_id.map(|id| format!("/files/{id}")),
            submitted_at: row.submitted_at,
        })
        .collect();
    Ok(Page { items, page, per_page, total })
}

/// The applicant as the 提交订单 form shows them, masked.
pub struct Applicant {
    pub name: String,
    pub gender: String,
    pub id_number_masked: String,
    pub phone_masked: String,
    pub unit: String,
    /// Saved invoice titles: id, title, default.
    pub invoice_titles: Vec<(i64, String, bool)>,
}

#[derive(sqlx::FromRow)]
struct ApplicantRow {
    name: String,
    gender: String,
    id_number: Option<String>,
    phone: Option<String>,
    unit_name: Option<String>,
}

#[derive(sqlx::FromRow)]
struct InvoiceTitleRow {
    id: i64,
    title: String,
    is_default: i64,
}

/// The applicant as the form confirms them (personal info), and their invoice titles.
pub async fn applicant(pool: &sqlx::AnyPool, user_id: i64) -> AppResult<Applicant> {
    let row: ApplicantRow = sqlx::query_as(
        "SELECT u.name, u.gender, u.id_number, u.phone, un.name AS unit_name
         FROM users u LEFT JOIN units un ON un.id = u.unit_id AND u.unit_status = 'approved' WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_one(pool)
    .await?;
    let titles: Vec<InvoiceTitleRow> = sqlx::query_as(
        "SELECT id, title, is_default FROM invoice_titles WHERE user_id = $1 ORDER BY is_default DESC, id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    Ok(Applicant {
        name: row.name,
        gender: match row.gender.as_str() {
            "male" => "男".to_owned(),
            "female" => "女".to_owned(),
            _ => String::new(),
        },
        id_number_masked: mask_stored_id_number(row.id_number.as_deref()),
        phone_masked: row.phone.as_deref().map(mask_phone).unwrap_or_default(),
        unit: row.unit_name.unwrap_or_default(),
        invoice_titles: titles.into_iter().map(|t| (t.id, t.title, t.is_default != 0)).collect(),
    })
}
