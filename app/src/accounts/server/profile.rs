//! 我的信息, 修改密码, 发票信息 and unit invitations: each touches only the caller's
//! own rows (every statement is scoped by the caller's user id).

use super::{passwords, session, throttle};
use crate::platform::text::mask_phone;
use crate::state::AppState;
use crate::{
    accounts::{
        api::{Affiliation, Invitation, MyInfo, ProfileForm},
        domain::identity::IdNumber,
        domain::invoice_rules::{self, InvoiceTitle},
        domain::profile_rules::{ETHNICITIES, Gender, check_email, check_real_name, check_short_text},
    },
    error::{AppError, AppResult, Validation},
    units::server::directory,
};

#[derive(sqlx::FromRow)]
struct ProfileRow {
    phone: Option<String>,
    id_number: Option<String>,
    name: String,
    email: String,
    gender: String,
    birth_date: String,
    ethnicity: String,
    native_place: String,
    school: String,
    major: String,
}

#[derive(sqlx::FromRow)]
struct AffiliationRow {
    job_title: String,
    real_name_verified: i64,
    identity_locked: i64,
    unit_id: Option<i64>,
    department_id: Option<i64>,
    unit_status: String,
    unit_review_reason: String,
}

#[derive(sqlx::FromRow)]
struct InvitationLineRow {
    id: i64,
    unit_name: String,
    department: Option<String>,
}

pub async fn my_info(state: &AppState, user_id: i64) -> AppResult<MyInfo> {
    let profile: ProfileRow = sqlx::query_as(
        "SELECT phone, id_number, name, email, gender, birth_date, ethnicity, native_place, school, major
         FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_one(state.db.reader())
    .await?;
    let AffiliationRow {
        job_title,
        real_name_verified: verified,
        identity_locked: locked,
        unit_id,
        department_id,
        unit_status,
        unit_review_reason: reason,
    }: AffiliationRow = sqlx::query_as(
        "SELECT job_title, real_name_verified, identity_locked, unit_id, department_id, unit_status, unit_review_reason
         FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_one(state.db.reader())
    .await?;
    let affiliation = match unit_id {
        Some(unit_id) => {
            let unit_name: String = sqlx::query_scalar("SELECT name FROM units WHERE id = $1")
                .bind(unit_id)
                .fetch_one(state.db.reader())
                .await?;
            let department: Option<String> = match department_id {
                Some(id) => {
                    sqlx::query_scalar("SELECT name FROM departments WHERE id = $1")
                        .bind(id)
                        .fetch_optional(state.db.reader())
                        .await?
                }
                None => None,
            };
            Some(Affiliation { unit_id, unit_name, department, approved: unit_status == "approved" })
        }
        None => None,
    };
    let invitations: Vec<InvitationLineRow> = sqlx::query_as(
        "SELECT i.id, u.name AS unit_name, d.name AS department FROM staff_invitations i JOIN units u ON u.id = i.unit_id
         LEFT JOIN departments d ON d.id = i.department_id
         WHERE i.user_id = $1 AND i.status = 'pending' ORDER BY i.created_at",
    )
    .bind(user_id)
    .fetch_all(state.db.reader())
    .await?;
    Ok(MyInfo {
        phone_masked: profile.phone.as_deref().map(mask_phone).unwrap_or_default(),
        id_number_masked: profile
            .id_number
            .as_deref()
            .and_then(|id| IdNumber::parse(id).ok())
            .map(|id| id.masked()),
        name: profile.name,
        email: profile.email,
        gender: Gender::from_stored(&profile.gender)?,
        birth_date: profile.birth_date,
        ethnicity: profile.ethnicity,
        native_place: profile.native_place,
        school: profile.school,
        major: profile.major,
        job_title,
        verified: verified != 0,
        identity_locked: verified != 0 || locked != 0,
        affiliation,
        rejected_reason: (unit_id.is_none() && !reason.is_empty()).then_some(reason),
        invitations: invitations
            .into_iter()
            .map(|row| Invitation { id: row.id, unit_name: row.unit_name, department: row.department })
            .collect(),
    })
}

#[derive(sqlx::FromRow)]
struct LockRow {
    real_name_verified: i64,
    identity_locked: i64,
}

pub async fn update_profile(state: &AppState, user_id: i64, form: &ProfileForm, now: i64) -> AppResult<()> {
    let locked: LockRow =
        sqlx::query_as("SELECT real_name_verified, identity_locked FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(state.db.reader())
            .await?;
    let identity_locked = locked.real_name_verified != 0 || locked.identity_locked != 0;
    let mut v = Validation::new();
    if !identity_locked {
        if !form.name.trim().is_empty()
            && let Err(e) = check_real_name(&form.name)
        {
            v.add("name", e);
        }
        v.check(form.gender.is_empty() || Gender::from_code(&form.gender).is_some(), "gender", "请选择性别");
    }
    if !form.email.trim().is_empty()
        && let Err(e) = check_email(&form.email)
    {
        v.add("email", e);
    }
    v.check(
        form.ethnicity.is_empty() || ETHNICITIES.contains(&form.ethnicity.as_str()),
        "ethnicity",
        "请选择民族",
    );
    for (field, value) in [
        ("native_place", &form.native_place),
        ("school", &form.school),
        ("major", &form.major),
        ("job_title", &form.job_title),
    ] {
        if let Err(e) = check_short_text(value, 50) {
            v.add(field, e);
        }
    }
    v.finish()?;
    if identity_locked {
        sqlx::query(
            "UPDATE users SET email = $1, ethnicity = $2, native_place = $3, school = $4, major = $5, job_title = $6,
                 updated_at = $7 WHERE id = $8",
        )
        .bind(form.email.trim())
        .bind(&form.ethnicity)
        .bind(form.native_place.trim())
        .bind(form.school.trim())
        .bind(form.major.trim())
        .bind(form.job_title.trim())
        .bind(now)
        .bind(user_id)
        .execute(state.db.writer())
        .await?;
    } else {
        sqlx::query(
            "UPDATE users SET name = $1, gender = $2, email = $3, ethnicity = $4, native_place = $5, school = $6,
                 major = $7, job_title = $8, updated_at = $9 WHERE id = $10",
        )
        .bind(form.name.trim())
        .bind(&form.gender)
        .bind(form.email.trim())
        .bind(&form.ethnicity)
        .bind(form.native_place.trim())
        .bind(form.school.trim())
        .bind(form.major.trim())
        .bind(form.job_title.trim())
        .bind(now)
        .bind(user_id)
        .execute(state.db.writer())
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct MembershipRow {
    unit_id: Option<i64>,
    unit_status: String,
}

/// Asks to join a unit (the unit admin approves); within the same approved unit only
/// the department changes.
pub async fn join_unit(
    state: &AppState,
    user_id: i64,
    unit_id: i64,
    department_id: Option<i64>,
    now: i64,
) -> AppResult<()> {
    if directory::approved_unit_name(&state.db, unit_id).await?.is_none() {
        return Err(AppError::invalid_field("unit", "请先选择所在地区和所属单位"));
    }
    if let Some(department_id) = department_id
        && !directory::department_in_unit(state.db.reader(), department_id, unit_id).await?
    {
        return Err(AppError::invalid_field("department_id", "请选择本单位的部门"));
    }
    let current: MembershipRow = sqlx::query_as("SELECT unit_id, unit_status FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(state.db.reader())
        .await?;
    let status = if current.unit_id == Some(unit_id) && current.unit_status == "approved" {
        "approved"
    } else {
        "pending"
    };
    sqlx::query(
        "UPDATE users SET unit_id = $1, department_id = $2, unit_status = $3, unit_review_reason = '', updated_at = $4
         WHERE id = $5",
    )
    .bind(unit_id)
    .bind(department_id)
    .bind(status)
    .bind(now)
    .bind(user_id)
    .execute(state.db.writer())
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct InvitationRow {
    unit_id: i64,
    department_id: Option<i64>,
}

/// Accepts or declines an invitation addressed to this user.
pub async fn answer_invitation(
    state: &AppState,
    user_id: i64,
    invitation_id: i64,
    accept: bool,
    now: i64,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let invitation: Option<InvitationRow> = sqlx::query_as(
        "SELECT unit_id, department_id FROM staff_invitations WHERE id = $1 AND user_id = $2 AND status = 'pending'",
    )
    .bind(invitation_id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(InvitationRow { unit_id, department_id }) = invitation else {
        return Err(AppError::not_found("该邀请不存在或已处理"));
    };
    sqlx::query("UPDATE staff_invitations SET status = $1, decided_at = $2 WHERE id = $3")
        .bind(if accept { "accepted" } else { "declined" })
        .bind(now)
        .bind(invitation_id)
        .execute(&mut *tx)
        .await?;
    if accept {
        sqlx::query(
            "UPDATE users SET unit_id = $1, department_id = $2, unit_status = 'approved', unit_review_reason = '',
                 updated_at = $3 WHERE id = $4",
        )
        .bind(unit_id)
        .bind(department_id)
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        // Other invitations lapse once the user belongs to a unit.
        sqlx::query("UPDATE staff_invitations SET status = 'lapsed', decided_at = $1 WHERE user_id = $2 AND status = 'pending'")
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub struct PasswordChange<'a> {
    pub old_password: &'a str,
    pub password: &'a str,
    pub password_confirm: &'a str,
}

#[derive(sqlx::FromRow)]
struct CredentialsRow {
    password_hash: String,
    phone: Option<String>,
    id_number: Option<String>,
}

/// Checks the old password, sets the new one and ends the user's other sessions.
pub async fn change_password(
    state: &AppState,
    user_id: i64,
    current_token: Option<&str>,
    form: PasswordChange<'_>,
    now: i64,
) -> AppResult<()> {
    let CredentialsRow { password_hash: hash, phone, id_number }: CredentialsRow =
        sqlx::query_as("SELECT password_hash, phone, id_number FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(state.db.reader())
            .await?;
    // A stolen session must not become a way to guess the password: the old-password
    // check is throttled per account like login (counted before the check).
    let key = throttle::password_key(user_id);
    if let throttle::Attempt::Refused { remaining_ms } =
        throttle::take(&state.db, &key, throttle::ACCOUNT_LIMIT, now).await?
    {
        let minutes = throttle::minutes(remaining_ms);
        return Err(AppError::too_many_requests(format!("原密码错误次数过多，请{minutes}分钟后再试")));
    }
    if !passwords::verify(state, form.old_password.to_owned(), hash).await {
        return Err(AppError::invalid_field("old_password", "原密码不正确"));
    }
    throttle::clear(&state.db, &key).await?;
    let mut v = Validation::new();
    let identifiers = [phone.as_deref().unwrap_or_default(), id_number.as_deref().unwrap_or_default()];
    if let Err(err) = passwords::check_new(&state.common_passwords, "password", form.password, &identifiers) {
        v.add("password", err.message);
    }
    v.check(form.password != form.old_password, "password", "新密码不能与原密码相同");
    v.check(form.password == form.password_confirm, "password_confirm", "两次输入的密码不一致");
    v.finish()?;
    let new_hash = passwords::hash(state, form.password.to_owned()).await;
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = 0, updated_at = $2 WHERE id = $3",
    )
    .bind(new_hash)
    .bind(now)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    session::delete_others(&state.db, &state.config, user_id, current_token).await?;
    Ok(())
}

pub async fn invoice_titles(state: &AppState, user_id: i64) -> AppResult<Vec<InvoiceTitle>> {
    let rows: Vec<InvoiceTitleRow> = sqlx::query_as(
        "SELECT id, title, tax_number, address, phone, bank_name, bank_account, is_default FROM invoice_titles
         WHERE user_id = $1 ORDER BY is_default DESC, updated_at DESC, id DESC",
    )
    .bind(user_id)
    .fetch_all(state.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| InvoiceTitle {
            id: row.id,
            title: row.title,
            tax_number: row.tax_number,
            address: row.address,
            phone: row.phone,
            bank_name: row.bank_name,
            bank_account: row.bank_account,
            is_default: row.is_default != 0,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct InvoiceTitleRow {
    id: i64,
    title: String,
    tax_number: String,
    address: String,
    phone: String,
    bank_name: String,
    bank_account: String,
    is_default: i64,
}

pub const MAX_INVOICE_TITLES: i64 = 20;

/// Saves a title of this user (a new one when `id` is 0); at most one is the default.
pub async fn save_invoice_title(
    state: &AppState,
    user_id: i64,
    input: &InvoiceTitle,
    now: i64,
) -> AppResult<i64> {
    let title = invoice_rules::validate(input)?;
    let mut tx = state.db.begin().await?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invoice_titles WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
    let make_default = title.is_default || count == 0;
    if make_default {
        sqlx::query("UPDATE invoice_titles SET is_default = 0 WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    let id = if title.id == 0 {
        if count >= MAX_INVOICE_TITLES {
            return Err(AppError::conflict("最多保存20个发票抬头"));
        }
        sqlx::query_scalar(
            "INSERT INTO invoice_titles (user_id, title, tax_number, address, phone, bank_name, bank_account, is_default,
                                         created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(user_id)
        .bind(&title.title)
        .bind(&title.tax_number)
        .bind(&title.address)
        .bind(&title.phone)
        .bind(&title.bank_name)
        .bind(&title.bank_account)
        .bind(i64::from(make_default))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
    } else {
        let updated = sqlx::query(
            "UPDATE invoice_titles SET title = $1, tax_number = $2, address = $3, phone = $4, bank_name = $5,
                 bank_account = $6, is_default = CASE WHEN $7 = 1 THEN 1 ELSE is_default END, updated_at = $8
             WHERE id = $9 AND user_id = $10",
        )
        .bind(&title.title)
        .bind(&title.tax_number)
        .bind(&title.address)
        .bind(&title.phone)
        .bind(&title.bank_name)
        .bind(&title.bank_account)
        .bind(i64::from(make_default))
        .bind(now)
        .bind(title.id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(AppError::not_found("该发票抬头不存在"));
        }
        title.id
    };
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_invoice_title(state: &AppState, user_id: i64, id: i64) -> AppResult<()> {
    let deleted = sqlx::query("DELETE FROM invoice_titles WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(state.db.writer())
        .await?;
    if deleted.rows_affected() != 1 {
        return Err(AppError::not_found("该发票抬头不存在"));
    }
    Ok(())
}
