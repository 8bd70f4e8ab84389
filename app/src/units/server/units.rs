//! Unit registration, the authority's review, and the unit's own records (overview,
//! departments, managers).

use super::directory;
use crate::platform::text::mask_phone;
use crate::state::{AppState, Ctx};
use crate::{
    accounts::{
        domain::identity::{CreditCode, IdNumber, LoginAccount},
        domain::roles::{CurrentUser, Role},
        server::{passwords, sms_codes, users::status},
    },
    error::{AppError, AppResult},
    platform::{
        paging::{Page, limit_offset},
        server::{
            audit,
            db::{Tx, is_unique_violation},
            files::{self, Upload},
            storage::FileKind,
        },
    },
    units::{
        api::{ManagerLine, UnitApplicationDetail, UnitApplicationLine, UnitOverview},
        domain::{UnitApplication, UnitStatus, region_covers, region_prefix, validate_application},
    },
};
use bytes::Bytes;

pub const LICENCE_MAX_BYTES: usize = 10 * 1024 * 1024;

/// How long an application waits for the authority before it lapses ([`expire_pending`]).
pub const PENDING_LIFETIME_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// 单位注册: the unit (pending) with its licence and its applicant, in one
/// transaction. The applicant proves the phone with an SMS code (sent once the image
/// captcha was right, see `register::send_unit_register_code`). The applicant's
/// account is made only when the authority approves ([`review`]): until then the
/// application holds the name, phone, ID number and password hash itself, so a pending
/// application takes no phone or ID number away from anyone.
pub async fn register(
    state: &AppState,
    form: &UnitApplication,
    licence: Option<(String, Bytes)>,
    now: i64,
) -> AppResult<()> {
    let mut fields = validate_application(form).err().map(|e| e.fields).unwrap_or_default();
    let id_number = IdNumber::parse(&form.applicant_id_number).ok();
    let identifiers = [form.applicant_phone.trim(), id_number.as_ref().map_or("", IdNumber::as_str)];
    if let Err(err) = passwords::check_new(&state.common_passwords, "password", &form.password, &identifiers)
    {
        fields.extend(err.fields);
    }
    if form.code.trim().len() != 6 {
        fields.push(crate::error::FieldError {
            field: "code".into(), message: "请输入6位短信验证码".into()
        });
    }
    if licence.is_none() {
        fields.push(crate::error::FieldError {
            field: "licence".into(),
            message: "请上传营业执照或登记证书扫描件".into(),
        });
    }
    // Only a well-formed code is looked up (a NUL in it would fail the query on PostgreSQL).
    if !fields.iter().any(|f| f.field == "region_code")
        && directory::region_name(&state.db, &form.region_code).await?.is_none()
    {
        fields
            .push(crate::error::FieldError {
                field: "region_code".into(), message: "请选择所在地区".into()
            });
    }
    if !fields.is_empty() {
        return Err(AppError::invalid_fields(fields));
    }
    let code = CreditCode::parse(&form.credit_code).expect("validated");
    let id_number = id_number.expect("validated");
    let phone = form.applicant_phone.trim();
    let (licence_name, licence_bytes) = licence.expect("validated");
    // The cheap check first: a wrong code costs no argon2 work and stores nothing.
    sms_codes::check(state, phone, sms_codes::Purpose::UnitRegister, &form.code, "code", now).await?;
    let hash = passwords::hash(state, form.password.clone()).await;
    // Stored before the transaction, so the writer is not held while it is written;
    // deleted again below if the registration does not commit.
    let mut licence = files::put(
        &state.storage,
        Upload {
            purpose: "licence",
            filename: &licence_name,
            bytes: licence_bytes,
            max_bytes: LICENCE_MAX_BYTES,
            accepted: &[FileKind::Pdf, FileKind::Jpeg, FileKind::Png],
            owner_user_id: 0,
        },
    )
    .await
    .map_err(|mut err| {
        for f in &mut err.fields {
            f.field = "licence".into();
        }
        err
    })?;
    // The applicant's account is made on approval; the licence is theirs from then on.
    licence.record.owner_user_id = None;
    let registered = async {
        let tx = state.db.begin().await?;
        let mut tx =
            sms_codes::require(state, tx, phone, sms_codes::Purpose::UnitRegister, &form.code, "code", now)
                .await?;
        let code_taken: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE credit_code = $1")
            .bind(code.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if code_taken.is_some() {
            return Err(AppError::invalid_field("credit_code", "该统一社会信用代码已注册"));
        }
        applicant_is_free(&mut tx, phone, id_number.as_str()).await?;
        files::record(&mut tx, &licence).await?;
        let inserted = sqlx::query(
            "INSERT INTO units (name, credit_code, region_code, status, created_at, nature, industry, supervisor,
                                unit_level, address, licence_file_id, applicant_name, applicant_phone,
                                applicant_id_number, applicant_password_hash)
             VALUES ($1, $2, $3, $15, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(form.name.trim())
        .bind(code.as_str())
        .bind(&form.region_code)
        .bind(now)
        .bind(&form.nature)
        .bind(&form.industry)
        .bind(form.supervisor.trim())
        .bind(&form.level)
        .bind(form.address.trim())
        .bind(&licence.record.id)
        .bind(form.applicant_name.trim())
        .bind(phone)
        .bind(id_number.as_str())
        .bind(&hash)
        .bind(UnitStatus::Pending.code())
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(err) if is_unique_violation(&err) => {
                return Err(AppError::invalid_field("credit_code", "该统一社会信用代码已注册"));
            }
            Err(err) => return Err(err.into()),
        }
        tx.commit().await?;
        AppResult::Ok(())
    }
    .await;
    if registered.is_err() {
        files::discard(&state.storage, &licence.record).await;
    }
    registered
}

/// An applicant needs a phone and an ID number no account has, and one pending
/// application per phone (the phone is proven, so only its owner can hold it). Another
/// pending application with the same ID number does not block: that number is not
/// proven, and the authority sees both.
async fn applicant_is_free(tx: &mut Tx, phone: &str, id_number: &str) -> AppResult<()> {
    let person_taken: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE phone = $1 OR id_number = $2")
            .bind(phone)
            .bind(id_number)
            .fetch_optional(&mut **tx)
            .await?;
    if person_taken.is_some() {
        return Err(AppError::invalid_field(
            "applicant_id_number",
            "该身份证号或手机号已有账号，请使用其他管理员的信息，或联系人社部门",
        ));
    }
    let pending: Option<i64> =
        sqlx::query_scalar("SELECT id FROM units WHERE applicant_phone = $1 AND status = $2")
            .bind(phone)
            .bind(UnitStatus::Pending.code())
            .fetch_optional(&mut **tx)
            .await?;
    if pending.is_some() {
        return Err(AppError::invalid_field("applicant_phone", PHONE_HAS_PENDING_APPLICATION));
    }
    Ok(())
}

pub const PHONE_HAS_PENDING_APPLICATION: &str = "该手机号已有待审核的单位注册申请，请等待审核结果";

/// Whether `phone` may receive a 单位注册 code: no account has it and no pending
/// application names it (checked again when the form is posted).
pub async fn may_send_code(state: &AppState, phone: &str) -> AppResult<()> {
    let account: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE phone = $1")
        .bind(phone)
        .fetch_optional(state.db.reader())
        .await?;
    if account.is_some() {
        return Err(AppError::invalid_field(
            "phone",
            "该手机号已有账号，请使用其他管理员的手机号，或联系人社部门",
        ));
    }
    let pending: Option<i64> =
        sqlx::query_scalar("SELECT id FROM units WHERE applicant_phone = $1 AND status = $2")
            .bind(phone)
            .bind(UnitStatus::Pending.code())
            .fetch_optional(state.db.reader())
            .await?;
    if pending.is_some() {
        return Err(AppError::invalid_field("phone", PHONE_HAS_PENDING_APPLICATION));
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct LapsedApplication {
    id: i64,
    name: String,
    credit_code: String,
    applicant_phone: String,
    licence_file_id: Option<String>,
}

/// Deletes the applications still pending [`PENDING_LIFETIME_MS`] after they were
/// made, and tells each applicant: the credit code, phone and ID number are free again
/// and a stale application can no longer be approved. Each in its own transaction,
/// conditional on still being pending (a reviewer may decide at the same moment). The
/// licence's row goes too; its stored object is swept as an orphan. Applications made
/// before the applicant data moved to `units` (they have an account already) are left
/// to the reviewer. Returns how many lapsed.
pub async fn expire_pending(state: &AppState, now: i64) -> AppResult<u64> {
    let due: Vec<LapsedApplication> = sqlx::query_as(
        "SELECT id, name, credit_code, applicant_phone, licence_file_id FROM units
         WHERE status = $2 AND applicant_user_id IS NULL AND created_at <= $1
         ORDER BY created_at, id LIMIT 500",
    )
    .bind(now - PENDING_LIFETIME_MS)
    .bind(UnitStatus::Pending.code())
    .fetch_all(state.db.reader())
    .await?;
    let mut lapsed = 0;
    for application in due {
        let mut tx = state.db.begin().await?;
        let deleted =
            sqlx::query("DELETE FROM units WHERE id = $1 AND status = $2 AND applicant_user_id IS NULL")
                .bind(application.id)
                .bind(UnitStatus::Pending.code())
                .execute(&mut *tx)
                .await?;
        if deleted.rows_affected() != 1 {
            continue;
        }
        if let Some(file_id) = &application.licence_file_id {
            sqlx::query("DELETE FROM files WHERE id = $1").bind(file_id).execute(&mut *tx).await?;
        }
        if !application.applicant_phone.is_empty() {
            let text = format!(
                "您提交的“{}”单位注册申请超过30天未审核，已失效。如仍需注册，请重新提交。",
                application.name
            );
            state.messenger.sms(&mut tx, &application.applicant_phone, &text).await?;
        }
        // No person did this: the audit row has no actor.
        sqlx::query(
            "INSERT INTO audit_log (actor_user_id, action, object_type, object_id, detail, ip, created_at)
             VALUES (NULL, 'unit.expire', 'unit', $1, $2, '', $3)",
        )
        .bind(application.id.to_string())
        .bind(format!("{}（{}）超过30天未审核，已失效", application.name, application.credit_code))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        lapsed += 1;
    }
    Ok(lapsed)
}

/// The region an authority reviews: its scope (a region code); the platform admin
/// reviews all.
fn reviewer_scope(reviewer: &CurrentUser) -> Option<String> {
    if reviewer.has_role(Role::PlatformAdmin) {
        return None;
    }
    reviewer.authority_region()
}

fn covers(reviewer: &CurrentUser, region_code: &str) -> bool {
    match reviewer_scope(reviewer) {
        None => reviewer.has_role(Role::PlatformAdmin),
        Some(scope) => region_covers(&scope, region_code),
    }
}

pub async fn list_applications(
    state: &AppState,
    reviewer: &CurrentUser,
    status: UnitStatus,
    page: u32,
) -> AppResult<Page<UnitApplicationLine>> {
    let pattern = match reviewer_scope(reviewer) {
        Some(scope) => format!("{}%", region_prefix(&scope)),
        None => "%".to_owned(),
    };
    let per_page = 20;
    let (limit, offset) = limit_offset(page, per_page);
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM units WHERE status = $1 AND region_code LIKE $2")
            .bind(status.code())
            .bind(&pattern)
            .fetch_one(state.db.reader())
            .await?;
    let rows: Vec<ApplicationLineRow> = sqlx::query_as(
        "SELECT u.id, u.name, u.credit_code, r.name AS region_name, u.created_at FROM units u
         LEFT JOIN regions r ON r.code = u.region_code
         WHERE u.status = $1 AND u.region_code LIKE $2 ORDER BY u.created_at DESC, u.id DESC LIMIT $3 OFFSET $4",
    )
    .bind(status.code())
    .bind(&pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(state.db.reader())
    .await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(|row| UnitApplicationLine {
                id: row.id,
                name: row.name,
                credit_code: row.credit_code,
                region_name: row.region_name.unwrap_or_default(),
                status,
                created_at: row.created_at,
            })
            .collect(),
        page,
        per_page,
        total,
    })
}

#[derive(sqlx::FromRow)]
struct ApplicationLineRow {
    id: i64,
    name: String,
    credit_code: String,
    region_name: Option<String>,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    id: i64,
    name: String,
    credit_code: String,
    nature: String,
    industry: String,
    supervisor: String,
    unit_level: String,
    region_code: String,
    address: String,
    licence_file_id: Option<String>,
    #[sqlx(try_from = "String")]
    status: UnitStatus,
    created_at: i64,
}

#[derive(Default, sqlx::FromRow)]
struct ApplicantRow {
    applicant_name: String,
    applicant_phone: Option<String>,
}

pub async fn application(
    state: &AppState,
    reviewer: &CurrentUser,
    id: i64,
) -> AppResult<UnitApplicationDetail> {
    let row: Option<DetailRow> = sqlx::query_as(
        "SELECT u.id, u.name, u.credit_code, u.nature, u.industry, u.supervisor, u.unit_level, u.region_code,
                u.address, u.licence_file_id, u.status, u.created_at
         FROM units u WHERE u.id = $1",
    )
    .bind(id)
    .fetch_optional(state.db.reader())
    .await?;
    let Some(row) = row else {
        return Err(AppError::not_found("该单位不存在"));
    };
    let id = row.id;
    // Outside the reviewer's region the unit does not exist for them.
    if !covers(reviewer, &row.region_code) {
        return Err(AppError::not_found("该单位不存在"));
    }
    let applicant: Option<ApplicantRow> =
        sqlx::query_as("SELECT applicant_name, applicant_phone FROM units WHERE id = $1")
            .bind(id)
            .fetch_optional(state.db.reader())
            .await?;
    let review_reason: String = sqlx::query_scalar("SELECT review_reason FROM units WHERE id = $1")
        .bind(id)
        .fetch_one(state.db.reader())
        .await?;
    let applicant = applicant.unwrap_or_default();
    Ok(UnitApplicationDetail {
        id,
        name: row.name,
        credit_code: row.credit_code,
        nature: row.nature,
        industry: row.industry,
        supervisor: row.supervisor,
        level: row.unit_level,
        region_name: directory::region_name(&state.db, &row.region_code).await?.unwrap_or(row.region_code),
        address: row.address,
        licence_url: row.licence_file_id.map(|file_id| format!("/files/{file_id}")),
        applicant_name: applicant.applicant_name,
        applicant_phone_masked: applicant.applicant_phone.as_deref().map(mask_phone).unwrap_or_default(),
        status: row.status,
        review_reason,
        created_at: row.created_at,
    })
}

/// Approves or rejects a pending unit in the reviewer's region and tells the applicant.
pub async fn review(cx: &Ctx, unit_id: i64, approve: bool, reason: &str) -> AppResult<()> {
    let reason = crate::units::domain::review_reason(approve, reason)?;
    let mut tx = cx.state.db.begin().await?;
    let unit: Option<ReviewedUnit> = sqlx::query_as(
        "SELECT name, region_code, status, applicant_user_id, applicant_name, applicant_phone, applicant_id_number,
                applicant_password_hash, licence_file_id
         FROM units WHERE id = $1",
    )
    .bind(unit_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(unit) = unit else {
        return Err(AppError::not_found("该单位不存在"));
    };
    if !covers(&cx.user, &unit.region_code) {
        return Err(AppError::not_found("该单位不存在"));
    }
    if unit.status != UnitStatus::Pending {
        return Err(AppError::conflict("该单位已审核，请刷新页面"));
    }
    // The condition keeps two reviewers from deciding twice.
    let updated = sqlx::query(
        "UPDATE units SET status = $1, review_reason = $2, reviewed_by = $3, reviewed_at = $4
         WHERE id = $5 AND status = $6",
    )
    .bind((if approve { UnitStatus::Approved } else { UnitStatus::Rejected }).code())
    .bind(if approve { "" } else { reason })
    .bind(cx.user.id)
    .bind(cx.now)
    .bind(unit_id)
    .bind(UnitStatus::Pending.code())
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(AppError::conflict("该单位已审核，请刷新页面"));
    }
    let name = unit.name.clone();
    let text = if approve {
        format!("您提交的“{name}”单位注册申请已审核通过，请在登录页选择“单位”登录。")
    } else {
        format!("您提交的“{name}”单位注册申请未通过审核，原因：{reason}。")
    };
    let contact = match unit.applicant_user_id {
        // An application made before applicants waited outside `users`: its account exists.
        Some(applicant) => {
            if approve {
                sqlx::query(
                    "UPDATE users SET status = 'active', unit_status = 'approved', updated_at = $1 WHERE id = $2",
                )
                .bind(cx.now)
                .bind(applicant)
                .execute(&mut *tx)
                .await?;
            } else {
                sqlx::query("UPDATE users SET status = 'rejected', updated_at = $1 WHERE id = $2")
                    .bind(cx.now)
                    .bind(applicant)
                    .execute(&mut *tx)
                    .await?;
            }
            let contact: ContactRow = sqlx::query_as("SELECT phone, email FROM users WHERE id = $1")
                .bind(applicant)
                .fetch_one(&mut *tx)
                .await?;
            contact
        }
        None => {
            if approve {
                create_applicant_account(&mut tx, unit_id, &unit, cx.now).await?;
            }
            ContactRow {
                phone: Some(unit.applicant_phone.clone()).filter(|p| !p.is_empty()),
                email: String::new(),
            }
        }
    };
    if let Some(phone) = contact.phone {
        cx.state.messenger.sms(&mut tx, &phone, &text).await?;
    }
    cx.state.messenger.email(&mut tx, &contact.email, "单位注册审核结果", &text).await?;
    audit::record(
        &mut tx,
        cx.audit(
            if approve { "unit.approve" } else { "unit.reject" },
            "unit",
            unit_id.to_string(),
            if approve { name } else { format!("{name}：{reason}") },
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ReviewedUnit {
    name: String,
    region_code: String,
    #[sqlx(try_from = "String")]
    status: UnitStatus,
    applicant_user_id: Option<i64>,
    applicant_name: String,
    applicant_phone: String,
    applicant_id_number: String,
    applicant_password_hash: String,
    licence_file_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ContactRow {
    phone: Option<String>,
    email: String,
}

/// On approval: the applicant's account (active, this unit's admin, approved member)
/// from what the application held. If the phone or the ID number found an account
/// while the application waited, approval is refused: the reviewer rejects instead.
async fn create_applicant_account(tx: &mut Tx, unit_id: i64, unit: &ReviewedUnit, now: i64) -> AppResult<()> {
    const TAKEN: &str = "申请人的手机号或身份证号已被其他账号使用，不能通过。请驳回，并在原因中说明。";
    let id_number = IdNumber::parse(&unit.applicant_id_number).map_err(|_| AppError::conflict(TAKEN))?;
    if unit.applicant_password_hash.is_empty() {
        return Err(AppError::conflict(TAKEN));
    }
    let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO users (phone, id_number, name, password_hash, status, gender, birth_date, unit_id, unit_status,
                            created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'approved', $9, $9) RETURNING id",
    )
    .bind(&unit.applicant_phone)
    .bind(id_number.as_str())
    .bind(&unit.applicant_name)
    .bind(&unit.applicant_password_hash)
    .bind(status::ACTIVE)
    .bind(if id_number.is_male() { "male" } else { "female" })
    .bind(id_number.birth_date().to_string())
    .bind(unit_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await;
    let user_id = match inserted {
        Ok(id) => id,
        Err(err) if is_unique_violation(&err) => return Err(AppError::conflict(TAKEN)),
        Err(err) => return Err(err.into()),
    };
    for (role, scope) in [(Role::UnitAdmin, unit_id), (Role::Trainee, 0)] {
        sqlx::query("INSERT INTO user_roles (user_id, role, scope_id) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(role.code())
            .bind(scope)
            .execute(&mut **tx)
            .await?;
    }
    // The hash now lives with the account only.
    sqlx::query("UPDATE units SET applicant_user_id = $1, applicant_password_hash = '' WHERE id = $2")
        .bind(user_id)
        .bind(unit_id)
        .execute(&mut **tx)
        .await?;
    if let Some(file_id) = &unit.licence_file_id {
        sqlx::query("UPDATE files SET owner_user_id = $1 WHERE id = $2")
            .bind(user_id)
            .bind(file_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub async fn overview(state: &AppState, unit_id: i64) -> AppResult<UnitOverview> {
    let unit: OverviewRow =
        sqlx::query_as(
            "SELECT name, credit_code, nature, industry, unit_level, region_code, address FROM units WHERE id = $1",
        )
        .bind(unit_id)
        .fetch_one(state.db.reader())
        .await?;
    let staff_count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE unit_id = $1 AND unit_status = 'approved'")
            .bind(unit_id)
            .fetch_one(state.db.reader())
            .await?;
    let pending_count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE unit_id = $1 AND unit_status = 'pending'")
            .bind(unit_id)
            .fetch_one(state.db.reader())
            .await?;
    Ok(UnitOverview {
        name: unit.name,
        credit_code: unit.credit_code,
        nature: unit.nature,
        industry: unit.industry,
        level: unit.unit_level,
        region_name: directory::region_name(&state.db, &unit.region_code).await?.unwrap_or(unit.region_code),
        address: unit.address,
        staff_count,
        pending_count,
    })
}

#[derive(sqlx::FromRow)]
struct OverviewRow {
    name: String,
    credit_code: String,
    nature: String,
    industry: String,
    unit_level: String,
    region_code: String,
    address: String,
}

pub async fn save_department(
    cx: &Ctx,
    unit_id: i64,
    id: Option<i64>,
    name: &str,
    parent_id: Option<i64>,
) -> AppResult<()> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 50 || name.contains('/') {
        return Err(AppError::invalid_field("name", "请输入部门名称（不超过50个字，不含“/”）"));
    }
    let mut tx = cx.state.db.begin().await?;
    if let Some(parent) = parent_id
        && !directory::department_in_unit(&mut *tx, parent, unit_id).await?
    {
        return Err(AppError::invalid_field("parent_id", "请选择本单位的部门"));
    }
    let sibling: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM departments WHERE unit_id = $1 AND name = $2
         AND ((parent_id IS NULL AND $3 = 0) OR parent_id = $3) AND id <> $4",
    )
    .bind(unit_id)
    .bind(name)
    .bind(parent_id.unwrap_or(0))
    .bind(id.unwrap_or(0))
    .fetch_optional(&mut *tx)
    .await?;
    if sibling.is_some() {
        return Err(AppError::invalid_field("name", "同一上级下已有同名部门"));
    }
    let (object_id, action) = match id {
        Some(id) => {
            let renamed = sqlx::query("UPDATE departments SET name = $1 WHERE id = $2 AND unit_id = $3")
                .bind(name)
                .bind(id)
                .bind(unit_id)
                .execute(&mut *tx)
                .await?;
            if renamed.rows_affected() != 1 {
                return Err(AppError::not_found("该部门不存在"));
            }
            (id, "department.rename")
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO departments (unit_id, parent_id, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(unit_id)
            .bind(parent_id)
            .bind(name)
            .bind(cx.now)
            .fetch_one(&mut *tx)
            .await?;
            (id, "department.create")
        }
    };
    audit::record(&mut tx, cx.audit(action, "department", object_id.to_string(), name.to_owned())).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_department(cx: &Ctx, unit_id: i64, id: i64) -> AppResult<()> {
    let mut tx = cx.state.db.begin().await?;
    if !directory::department_in_unit(&mut *tx, id, unit_id).await? {
        return Err(AppError::not_found("该部门不存在"));
    }
    let children: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM departments WHERE parent_id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE department_id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if children > 0 || members > 0 {
        return Err(AppError::conflict("该部门下还有下级部门或人员，不能删除"));
    }
    sqlx::query("UPDATE staff_invitations SET department_id = NULL WHERE department_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM departments WHERE id = $1").bind(id).execute(&mut *tx).await?;
    audit::record(&mut tx, cx.audit("department.delete", "department", id.to_string(), "")).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn managers(state: &AppState, unit_id: i64, me: i64) -> AppResult<Vec<ManagerLine>> {
    let rows: Vec<ManagerRow> = sqlx::query_as(
        "SELECT u.id, u.name, u.phone FROM user_roles r JOIN users u ON u.id = r.user_id
         WHERE r.role = 'unit_admin' AND r.scope_id = $1 ORDER BY u.name, u.id",
    )
    .bind(unit_id)
    .fetch_all(state.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ManagerLine {
            user_id: row.id,
            name: row.name,
            phone_masked: row.phone.as_deref().map(mask_phone).unwrap_or_default(),
            is_me: row.id == me,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct ManagerRow {
    id: i64,
    name: String,
    phone: Option<String>,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    id: i64,
    name: String,
}

pub async fn add_manager(cx: &Ctx, unit_id: i64, account: &str) -> AppResult<()> {
    let account = LoginAccount::parse(account)
        .ok_or_else(|| AppError::invalid_field("account", "请输入手机号或身份证号"))?;
    let column = match account {
        LoginAccount::Phone(_) => "phone",
        LoginAccount::IdNumber(_) => "id_number",
    };
    let mut tx = cx.state.db.begin().await?;
    let member: Option<MemberRow> = sqlx::query_as(&format!(
        "SELECT id, name FROM users WHERE {column} = $1 AND unit_id = $2 AND unit_status = 'approved' AND status = 'active'"
    ))
    .bind(account.canonical())
    .bind(unit_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(MemberRow { id: user_id, name }) = member else {
        return Err(AppError::invalid_field("account", "本单位没有这位已审核通过的人员"));
    };
    sqlx::query("INSERT INTO user_roles (user_id, role, scope_id) VALUES ($1, 'unit_admin', $2) ON CONFLICT DO NOTHING")
        .bind(user_id)
        .bind(unit_id)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, cx.audit("unit.manager.add", "unit", unit_id.to_string(), name)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_manager(cx: &Ctx, unit_id: i64, user_id: i64) -> AppResult<()> {
    let mut tx = cx.state.db.begin().await?;
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM user_roles WHERE role = 'unit_admin' AND scope_id = $1")
            .bind(unit_id)
            .fetch_one(&mut *tx)
            .await?;
    if count <= 1 {
        return Err(AppError::conflict("单位至少需要一名管理员"));
    }
    let removed =
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1 AND role = 'unit_admin' AND scope_id = $2")
            .bind(user_id)
            .bind(unit_id)
            .execute(&mut *tx)
            .await?;
    if removed.rows_affected() != 1 {
        return Err(AppError::not_found("该管理员不存在"));
    }
    audit::record(&mut tx, cx.audit("unit.manager.remove", "unit", unit_id.to_string(), user_id.to_string()))
        .await?;
    tx.commit().await?;
    Ok(())
}
