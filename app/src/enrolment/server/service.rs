//! The steps of enrolment that write: 提交订单 in two steps (the draft with its photo,
//! then the registration with its seat and, at 待支付, its order) and the provider's
//! review with its messages and audit.

use super::{
    super::domain::{ApplicationForm, Event, Status, check_application, notice_acknowledged_in_time},
    repo::{
        check_eligible, class_facts, free_seat, live_statuses, load_draft, rejected_registration, take_seat,
    },
};
use crate::{
    catalogue::{domain::is_one_inch_photo, server::repo::may_manage},
    error::{AppError, AppResult},
    messages::server as messages,
    orders::server as orders,
    platform::{
        money::Fen,
        server::{
            audit,
            crypto::random_token,
            db::is_unique_violation,
            files::{self, Upload},
            storage::FileKind,
        },
        time::format_date,
    },
    state::Ctx,
};
use bytes::Bytes;

pub const PHOTO_MAX_BYTES: usize = 2 * 1024 * 1024;

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
pub async fn start(cx: &Ctx, s: Submission) -> AppResult<String> {
    let (state, user, now) = (&cx.state, &cx.user, cx.now);
    let pool = state.db.reader();
    let class = class_facts(pool, s.class_id).await?;
    check_eligible(pool, user, &class, now).await?;
    if let Some(id) = s.again {
        rejected_registration(pool, user.id, class.id, id).await?;
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
            .bind(now - super::super::domain::NOTICE_VALID_MS)
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

/// Step two: "我已知晓". Refused sooner than 10 seconds after the notice was issued.
/// Everything is checked again and written in one transaction.
pub async fn confirm(cx: &Ctx, draft_id: &str) -> AppResult<i64> {
    let (state, user, now) = (&cx.state, &cx.user, cx.now);
    let draft = load_draft(state.db.reader(), user.id, draft_id).await?;
    notice_acknowledged_in_time(draft.notice_issued_at, now).map_err(AppError::conflict)?;
    let class = class_facts(state.db.reader(), draft.class_id).await?;
    check_eligible(state.db.reader(), user, &class, now).await?;
    let a = &draft.application;
    let status = Status::initial(class.needs_review);
    let (lodging_name, lodging_fen) =
        a.lodging.as_ref().map_or((String::new(), Fen::ZERO), |l| (l.name.clone(), l.price_fen));

    // The registration's form columns, `job_title` … `joint_invoice_note`, in the order
    // both the resubmission's UPDATE and the INSERT list them.
    macro_rules! bind_form {
        ($query:expr) => {
            $query
                .bind(&a.job_title)
                .bind(&lodging_name)
                .bind(lodging_fen)
                .bind(class.fee_fen)
                .bind(a.exam_subjects.join("\n"))
                .bind(&a.exam_type)
                .bind(&draft.photo_file_id)
                .bind(a.invoice_title_id)
                .bind(&a.joint_invoice_note)
        };
    }
    let mut tx = state.db.begin().await?;
    take_seat(&mut tx, class.id, a.session_id).await?;
    let registration_id = match draft.registration_id {
        Some(id) => {
            let next = Status::Rejected
                .apply(Event::Resubmit { needs_review: class.needs_review })
                .map_err(|refused| AppError::conflict(refused.message()))?;
            let update = sqlx::query(
                "UPDATE registrations SET status = $1, session_id = $2, job_title = $3, lodging_name = $4,
                     lodging_price_fen = $5, fee_fen = $6, exam_subjects = $7, exam_type = $8,
                     photo_file_id = COALESCE($9, photo_file_id), invoice_title_id = $10, joint_invoice_note = $11,
                     reject_reason = '', reviewed_by = NULL, reviewed_at = NULL, submitted_at = $12, updated_at = $12
                 WHERE id = $13 AND user_id = $14 AND status = $15",
            )
            .bind(next.code())
            .bind(a.session_id);
            let updated = bind_form!(update)
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
        None => {
            let insert = sqlx::query_scalar(
                "INSERT INTO registrations (user_id, class_id, session_id, status, job_title, lodging_name,
                 lodging_price_fen, fee_fen, exam_subjects, exam_type, photo_file_id, invoice_title_id,
                 joint_invoice_note, submitted_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $14) RETURNING id",
            )
            .bind(user.id)
            .bind(class.id)
            .bind(a.session_id)
            .bind(status.code());
            bind_form!(insert).bind(now).fetch_one(&mut *tx).await.map_err(duplicate_registration)?
        }
    };
    if status == Status::AwaitingPayment {
        let lodging = a.lodging.as_ref().map(|l| (l.name.as_str(), l.price_fen));
        orders::open_for_registration(&mut tx, registration_id, user.id, class.fee_fen, lodging, now).await?;
    }
    // Name, gender and ID number are fixed by the first registration: later ones and
    // every certificate must name the same person.
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
pub async fn review(cx: &Ctx, ids: &[i64], approve: bool, reason: &str) -> AppResult<usize> {
    let (state, user, now) = (&cx.state, &cx.user, cx.now);
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
    if reason.chars().count() > super::super::domain::REJECT_REASON_MAX_CHARS {
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
            cx.audit(
                if approve { "报名审核通过" } else { "报名审核不通过" },
                "registration",
                id.to_string(),
                if approve { title.clone() } else { format!("{title}：{reason}") },
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ids.len())
}
