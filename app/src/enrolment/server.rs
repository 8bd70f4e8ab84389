//! Registrations in the database: the two steps of 提交订单 (form, then "我已知晓"
//! after the 10-second notice), seats held under concurrency, the provider's review,
//! and what trainees see of their own registrations.

use super::{
    api::{MyRegistration, NoticeView, ReviewFilter, ReviewLine},
    domain::{
        Application, ApplicationForm, ClassRules, Event, Status, check_application,
        notice_acknowledged_in_time, total_fen,
    },
};
use crate::state::AppState;
use crate::{
    accounts::{
        identity::{IdNumber, mask_phone},
        pages::UNVERIFIED_NOTICE,
        roles::CurrentUser,
    },
    catalogue::{
        domain::{ClassState, Mode, is_one_inch_photo, region_allows},
        server::{accepting, lodgings, may_manage, provider_scope},
    },
    error::{AppError, AppResult, ErrorKind},
    messages::server as messages,
    orders::server as orders,
    platform::{
        money::Fen,
        paging::{Page, limit_offset},
        server::{
            audit::{self, AuditEntry},
            crypto::random_token,
            db::{Tx, is_unique_violation},
            files::{self, Upload},
            storage::FileKind,
        },
        text::lines,
        time::format_date,
    },
};
use bytes::Bytes;

pub const PHOTO_MAX_BYTES: usize = 2 * 1024 * 1024;

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
    state: &AppState,
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
        .fetch_optional(state.db.reader())
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
async fn rejected_registration(state: &AppState, user_id: i64, class_id: i64, id: i64) -> AppResult<()> {
    let row: Option<OwnedRegistration> =
        sqlx::query_as("SELECT user_id, class_id, status FROM registrations WHERE id = $1")
            .bind(id)
            .fetch_optional(state.db.reader())
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

/// Checks a 1-inch photo by its content: JPEG or PNG, portrait 5:7.
fn check_photo(bytes: &Bytes) -> AppResult<()> {
    let photo_error = |message: &str| AppError::invalid_field("photo", message);
    if bytes.len() > PHOTO_MAX_BYTES {
        return Err(photo_error("照片不能超过 2 MB"));
    }
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes.as_ref()))
        .with_guessed_format()
        .map_err(|_| photo_error("请上传 JPEG 或 PNG 格式的照片"))?;
    if !matches!(reader.format(), Some(image::ImageFormat::Jpeg | image::ImageFormat::Png)) {
        return Err(photo_error("请上传 JPEG 或 PNG 格式的照片"));
    }
    let (width, height) =
        reader.into_dimensions().map_err(|_| photo_error("照片无法识别，请重新拍摄或扫描"))?;
    if !is_one_inch_photo(width, height) {
        return Err(photo_error(&format!(
            "请上传一寸证件照（竖版，宽高比约 5:7，至少 200×280 像素）；当前为 {width}×{height}"
        )));
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SessionSeats {
    capacity: i64,
    seats_taken: i64,
}

pub struct Submission {
    pub class_id: i64,
    pub again: Option<i64>,
    pub form: ApplicationForm,
    pub photo: Option<(String, Bytes)>,
}

/// Step one of 提交订单: checks everything, keeps the photo and the form, and issues
/// the 报名须知. Returns the draft id the notice page confirms.
pub async fn start(state: &AppState, user: &CurrentUser, s: Submission, now: i64) -> AppResult<String> {
    let pool = state.db.reader();
    let class = class_facts(pool, s.class_id).await?;
    check_eligible(state, user, &class, now).await?;
    if let Some(id) = s.again {
        rejected_registration(state, user.id, class.id, id).await?;
    }
    let application = check_application(&s.form, &class.rules, s.photo.is_some())?;
    if let Some(title_id) = application.invoice_title_id {
        let owner: Option<i64> = sqlx::query_scalar("SELECT user_id FROM invoice_titles WHERE id = $1")
            .bind(title_id)
            .fetch_optional(pool)
            .await?;
        if owner != Some(user.id) {
            return Err(AppError::invalid_field("invoice_title_id", "请选择发票抬头"));
        }
    }
    let seats: SessionSeats =
        sqlx::query_as("SELECT capacity, seats_taken FROM class_sessions WHERE id = $1")
            .bind(application.session_id)
            .fetch_one(pool)
            .await?;
    if seats.seats_taken >= seats.capacity {
        return Err(AppError::invalid_field("session_id", "该期次名额已满，请选择其他期次"));
    }
    let live: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM registrations WHERE user_id = $1 AND session_id = $2 AND status IN ({})",
        live_statuses()
    ))
    .bind(user.id)
    .bind(application.session_id)
    .fetch_one(pool)
    .await?;
    if live > 0 {
        return Err(AppError::conflict("您已报名该期次，请勿重复报名"));
    }
    if let Some((_, bytes)) = &s.photo {
        check_photo(bytes)?;
    }

    let draft_id = random_token(16);
    // The photo is stored before the transaction (the writer is not held while it is
    // written) and deleted again if the draft does not commit.
    let stored = match s.photo {
        Some((filename, bytes)) => {
            let upload = Upload {
                purpose: "registration_photo",
                filename: &filename,
                bytes,
                max_bytes: PHOTO_MAX_BYTES,
                accepted: &[FileKind::Jpeg, FileKind::Png],
                owner_user_id: user.id,
            };
            let file = files::put(&state.storage, upload).await.map_err(|mut e| {
                for f in &mut e.fields {
                    f.field = "photo".to_owned();
                }
                e
            })?;
            Some(file)
        }
        None => None,
    };
    let outcome = async {
        let mut tx = state.db.begin().await?;
        if let Some(file) = &stored {
            files::record(&mut tx, file).await?;
        }
        let photo_file_id = stored.as_ref().map(|file| file.record.id.clone());
        // One draft per user and class: a new submission replaces an unconfirmed one;
        // drafts whose notice has lapsed are swept on the way.
        sqlx::query("DELETE FROM registration_drafts WHERE (user_id = $1 AND class_id = $2) OR notice_issued_at < $3")
            .bind(user.id)
            .bind(class.id)
            .bind(now - super::domain::NOTICE_VALID_MS)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO registration_drafts (id, user_id, class_id, registration_id, form, photo_file_id, notice_issued_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&draft_id)
        .bind(user.id)
        .bind(class.id)
        .bind(s.again)
        .bind(serde_json::to_string(&application).map_err(AppError::internal)?)
        .bind(photo_file_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        AppResult::Ok(())
    }
    .await;
    if let (Err(_), Some(file)) = (&outcome, &stored) {
        files::discard(&state.storage, &file.record).await;
    }
    outcome.map(|()| draft_id)
}

struct Draft {
    class_id: i64,
    registration_id: Option<i64>,
    application: Application,
    photo_file_id: Option<String>,
    notice_issued_at: i64,
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

async fn load_draft(pool: &sqlx::AnyPool, user_id: i64, draft_id: &str) -> AppResult<Draft> {
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
fn total(fee_fen: Fen, lodging_fen: Fen) -> AppResult<Fen> {
    total_fen(fee_fen, lodging_fen).ok_or_else(|| {
        AppError::internal(format!("total of {} and {} overflows", fee_fen.fen(), lodging_fen.fen()))
    })
}

pub async fn notice(state: &AppState, user_id: i64, draft_id: &str, now: i64) -> AppResult<NoticeView> {
    let pool = state.db.reader();
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
        wait_ms: (super::domain::NOTICE_READING_MS - (now - draft.notice_issued_at)).max(0),
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
async fn take_seat(tx: &mut Tx, class_id: i64, session_id: i64) -> AppResult<()> {
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

/// Step two: "我已知晓". Refused sooner than 10 seconds after the notice was issued.
/// Everything is checked again and written in one transaction.
pub async fn confirm(state: &AppState, user: &CurrentUser, draft_id: &str, now: i64) -> AppResult<i64> {
    let draft = load_draft(state.db.reader(), user.id, draft_id).await?;
    notice_acknowledged_in_time(draft.notice_issued_at, now).map_err(AppError::conflict)?;
    let class = class_facts(state.db.reader(), draft.class_id).await?;
    check_eligible(state, user, &class, now).await?;
    let a = &draft.application;
    let status = Status::initial(class.needs_review);
    let (lodging_name, lodging_fen) =
        a.lodging.as_ref().map_or((String::new(), Fen::ZERO), |l| (l.name.clone(), l.price_fen));

    let mut tx = state.db.begin().await?;
    take_seat(&mut tx, class.id, a.session_id).await?;
    let registration_id = match draft.registration_id {
        Some(id) => {
            let next = Status::Rejected
                .apply(Event::Resubmit { needs_review: class.needs_review })
                .map_err(|refused| AppError::conflict(refused.message()))?;
            let updated = sqlx::query(
                "UPDATE registrations SET status = $1, session_id = $2, job_title = $3, lodging_name = $4,
                     lodging_price_fen = $5, fee_fen = $6, exam_subjects = $7, exam_type = $8,
                     photo_file_id = COALESCE($9, photo_file_id), invoice_title_id = $10, joint_invoice_note = $11,
                     reject_reason = '', reviewed_by = NULL, reviewed_at = NULL, submitted_at = $12, updated_at = $12
                 WHERE id = $13 AND user_id = $14 AND status = $15",
            )
            .bind(next.code())
            .bind(a.session_id)
            .bind(&a.job_title)
            .bind(&lodging_name)
            .bind(lodging_fen)
            .bind(class.fee_fen)
            .bind(a.exam_subjects.join("\n"))
            .bind(&a.exam_type)
            .bind(&draft.photo_file_id)
            .bind(a.invoice_title_id)
            .bind(&a.joint_invoice_note)
            .bind(now)
            .bind(id)
            .bind(user.id)
            .bind(Status::Rejected.code())
            .execute(&mut *tx)
            .await
            .map_err(duplicate_registration)?;
            if updated.rows_affected() != 1 {
                return Err(AppError::conflict("只有审核不通过的报名可以重新报名"));
            }
            id
        }
        None => sqlx::query_scalar(
            "INSERT INTO registrations (user_id, class_id, session_id, status, job_title, lodging_name,
                 lodging_price_fen, fee_fen, exam_subjects, exam_type, photo_file_id, invoice_title_id,
                 joint_invoice_note, submitted_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $14) RETURNING id",
        )
        .bind(user.id)
        .bind(class.id)
        .bind(a.session_id)
        .bind(status.code())
        .bind(&a.job_title)
        .bind(&lodging_name)
        .bind(lodging_fen)
        .bind(class.fee_fen)
        .bind(a.exam_subjects.join("\n"))
        .bind(&a.exam_type)
        .bind(&draft.photo_file_id)
        .bind(a.invoice_title_id)
        .bind(&a.joint_invoice_note)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(duplicate_registration)?,
    };
    if status == Status::AwaitingPayment {
        let lodging = a.lodging.as_ref().map(|l| (l.name.as_str(), l.price_fen));
        orders::open_for_registration(&mut tx, registration_id, user.id, class.fee_fen, lodging, now).await?;
    }
    // 001: name, gender and ID number are fixed by the first registration.
    sqlx::query("UPDATE users SET identity_locked = 1 WHERE id = $1").bind(user.id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM registration_drafts WHERE id = $1").bind(draft_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(registration_id)
}

fn duplicate_registration(err: sqlx::Error) -> AppError {
    if is_unique_violation(&err) {
        AppError::conflict("您已报名该期次，请勿重复报名")
    } else {
        err.into()
    }
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
    state: &AppState,
    user_id: i64,
    orders_only: bool,
    now: i64,
) -> AppResult<Vec<MyRegistration>> {
    let rows: Vec<MineRow> = sqlx::query_as(&format!(
        "{MINE_SELECT} WHERE r.user_id = $1 ORDER BY r.submitted_at DESC, r.id DESC LIMIT 200"
    ))
    .bind(user_id)
    .fetch_all(state.db.reader())
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

pub async fn mine_one(state: &AppState, user_id: i64, id: i64, now: i64) -> AppResult<MyRegistration> {
    let row: Option<MineRow> = sqlx::query_as(&format!("{MINE_SELECT} WHERE r.id = $1 AND r.user_id = $2"))
        .bind(id)
        .bind(user_id)
        .fetch_optional(state.db.reader())
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
pub async fn previous_form(state: &AppState, user_id: i64, id: i64) -> AppResult<(i64, ApplicationForm)> {
    let row: Option<PreviousRow> = sqlx::query_as(
        "SELECT class_id, session_id, job_title, lodging_name, exam_subjects, exam_type, invoice_title_id,
                joint_invoice_note
         FROM registrations WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(state.db.reader())
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
    state: &AppState,
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
        .fetch_one(state.db.reader())
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
    .fetch_all(state.db.reader())
    .await?;
    let today = format_date(now);
    let items = rows
        .into_iter()
        .map(|row| ReviewLine {
            id: row.id,
            trainee: row.trainee,
            id_number_masked: row
                .id_number
                .as_deref()
                .and_then(|id| IdNumber::parse(id).ok())
                .map(|id| id.masked())
                .unwrap_or_default(),
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

/// A registration about to be reviewed, with what the review needs of its class.
#[derive(sqlx::FromRow)]
struct ReviewedRow {
    user_id: i64,
    class_id: i64,
    session_id: i64,
    #[sqlx(try_from = "String")]
    status: Status,
    ends_on: String,
    provider_id: i64,
    title: String,
    phone: Option<String>,
}

/// What the order of an approved registration charges.
#[derive(sqlx::FromRow)]
struct RegistrationAmounts {
    fee_fen: Fen,
    lodging_name: String,
    lodging_price_fen: Fen,
}

/// Approves or rejects registrations, all or none: one refused (another provider's,
/// or not 审核中) leaves every one unchanged. Tells each trainee in 消息 and by SMS.
pub async fn review(
    state: &AppState,
    user: &CurrentUser,
    ids: &[i64],
    approve: bool,
    reason: &str,
    ip: &str,
    now: i64,
) -> AppResult<usize> {
    let reason = reason.trim();
    if ids.is_empty() {
        return Err(AppError::bad_request("请先勾选要审核的报名"));
    }
    if ids.len() > 200 {
        return Err(AppError::bad_request("一次最多审核200条"));
    }
    if !approve && reason.is_empty() {
        return Err(AppError::invalid_field("reason", "请填写不通过的原因"));
    }
    if reason.chars().count() > super::domain::REJECT_REASON_MAX_CHARS {
        return Err(AppError::invalid_field("reason", "原因不超过200字"));
    }
    let event = if approve { Event::Approve } else { Event::Reject };
    let today = format_date(now);
    let mut tx = state.db.begin().await?;
    for &id in ids {
        let row: Option<ReviewedRow> = sqlx::query_as(
            "SELECT r.user_id, r.class_id, r.session_id, r.status, s.ends_on, c.provider_id, c.title, u.phone
             FROM registrations r JOIN classes c ON c.id = r.class_id JOIN class_sessions s ON s.id = r.session_id
             JOIN users u ON u.id = r.user_id WHERE r.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let ReviewedRow {
            user_id: trainee,
            class_id,
            session_id,
            status,
            ends_on,
            provider_id,
            title,
            phone,
        } = row.ok_or_else(|| AppError::not_found("报名记录不存在"))?;
        if !may_manage(user, provider_id) {
            return Err(AppError::forbidden());
        }
        let current = status.effective(ends_on.as_str() < today.as_str());
        let next = current.apply(event).map_err(|refused| AppError::conflict(refused.message()))?;
        let changed = sqlx::query(
            "UPDATE registrations SET status = $1, reject_reason = $2, reviewed_by = $3, reviewed_at = $4, updated_at = $4
             WHERE id = $5 AND status = $6",
        )
        .bind(next.code())
        .bind(if approve { "" } else { reason })
        .bind(user.id)
        .bind(now)
        .bind(id)
        .bind(status.code())
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() != 1 {
            return Err(AppError::conflict("报名状态已变化，请刷新后重试"));
        }
        if !next.holds_seat() {
            free_seat(&mut tx, class_id, session_id).await?;
        }
        if next == Status::AwaitingPayment {
            let amounts: RegistrationAmounts = sqlx::query_as(
                "SELECT fee_fen, lodging_name, lodging_price_fen FROM registrations WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let lodging = (!amounts.lodging_name.is_empty())
                .then_some((amounts.lodging_name.as_str(), amounts.lodging_price_fen));
            orders::open_for_registration(&mut tx, id, trainee, amounts.fee_fen, lodging, now).await?;
        }
        let (subject, body) = if approve {
            (
                "报名审核通过".to_owned(),
                format!("您报名的“{title}”已审核通过，请在“我的订单”中尽快完成支付。"),
            )
        } else {
            (
                "报名审核不通过".to_owned(),
                format!("您报名的“{title}”审核不通过，原因：{reason}。可在“我的考试”中修改后重新报名。"),
            )
        };
        messages::send(
            &mut tx,
            state,
            messages::Outgoing {
                user_id: trainee,
                phone: phone.as_deref(),
                title: &subject,
                body: &body,
                link: &format!("/me/exams/{id}"),
                at: now,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            AuditEntry {
                actor_user_id: user.id,
                action: if approve { "报名审核通过" } else { "报名审核不通过" },
                object_type: "registration",
                object_id: id.to_string(),
                detail: if approve { title.clone() } else { format!("{title}：{reason}") },
                ip,
                at: now,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ids.len())
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
pub async fn applicant(state: &AppState, user_id: i64) -> AppResult<Applicant> {
    let pool = state.db.reader();
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
        id_number_masked: row
            .id_number
            .as_deref()
            .and_then(|id| IdNumber::parse(id).ok())
            .map(|id| id.masked())
            .unwrap_or_default(),
        phone_masked: row.phone.as_deref().map(mask_phone).unwrap_or_default(),
        unit: row.unit_name.unwrap_or_default(),
        invoice_titles: titles.into_iter().map(|t| (t.id, t.title, t.is_default != 0)).collect(),
    })
}
