//! 个人用户注册: a phone proven by an SMS code and a password make an account; with a
//! unit chosen (专技人员注册) the personal fields (民族, 学历, 职称, 工作岗位, …) are required and the account waits
//! for the unit's approval.

use super::{passwords, session, sms_codes, users::status};
use crate::state::AppState;
use crate::{
    accounts::{
        api::RegistrationForm,
        domain::identity::{IdNumber, Phone},
        domain::profile_rules::{ETHNICITIES, check_email, check_real_name, check_short_text},
    },
    error::{AppError, AppResult, Validation},
    platform::server::db::is_unique_violation,
    units::server::directory,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    Login,
    Verify,
    AwaitUnit,
}

pub struct Registered {
    pub user_id: i64,
    pub next: NextStep,
}

struct StaffDetails {
    unit_id: i64,
    department_id: Option<i64>,
    id_number: IdNumber,
}

pub async fn register(state: &AppState, form: RegistrationForm, now: i64) -> AppResult<Registered> {
    let mut v = Validation::new();
    let unit_id: Option<i64> = form.unit_id.trim().parse().ok();
    let department_id: Option<i64> = form.department_id.trim().parse().ok();
    let phone = Phone::parse(&form.phone);
    if let Err(e) = &phone {
        v.add("phone", *e);
    }
    v.check(form.code.trim().len() == 6, "code", "请输入6位短信验证码");
    let staff = form.then == "staff" || unit_id.is_some();
    let id_number = if staff {
        match IdNumber::parse(&form.id_number) {
            Ok(id) => Some(id),
            Err(e) => {
                v.add("id_number", e.message());
                None
            }
        }
    } else {
        None
    };
    let identifiers = [form.phone.trim(), id_number.as_ref().map_or("", IdNumber::as_str)];
    if let Err(err) = passwords::check_new(&state.common_passwords, "password", &form.password, &identifiers)
    {
        v.add("password", err.message);
    }
    v.check(form.password == form.password_confirm, "password_confirm", "两次输入的密码不一致");
    let email = form.email.trim();
    if staff && email.is_empty() {
        v.add("email", "请输入电子邮箱");
    } else if !email.is_empty()
        && let Err(e) = check_email(email)
    {
        v.add("email", e);
    }
    if staff {
        match unit_id {
            Some(unit_id) if directory::approved_unit_name(&state.db, unit_id).await?.is_some() => {
                if let Some(department_id) = department_id
                    && !directory::department_in_unit(state.db.reader(), department_id, unit_id).await?
                {
                    v.add("department_id", "请选择本单位的部门");
                }
            }
            _ => {
                v.add("unit", "请先选择所在地区和所属单位");
            }
        }
        if let Err(e) = check_real_name(&form.name) {
            v.add("name", e);
        }
        v.check(ETHNICITIES.contains(&form.ethnicity.as_str()), "ethnicity", "请选择民族");
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
    }
    v.finish()?;
    let phone = phone.expect("validated");
    let details = match (staff, unit_id, id_number) {
        (true, Some(unit_id), Some(id_number)) => Some(StaffDetails { unit_id, department_id, id_number }),
        _ => None,
    };

    // The cheap check first: a wrong code costs no argon2 work. The slow hash then
    // happens before the transaction takes the writer, and the transaction checks the
    // code again as it uses it.
    sms_codes::check(state, phone.as_str(), sms_codes::Purpose::Register, &form.code, "code", now).await?;
    let password_hash = passwords::hash(state, form.password.clone()).await;
    let tx = state.db.begin().await?;
    let mut tx =
        sms_codes::require(state, tx, phone.as_str(), sms_codes::Purpose::Register, &form.code, "code", now)
            .await?;
    let phone_taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE phone = $1")
        .bind(phone.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    if phone_taken.is_some() {
        return Err(AppError::invalid_field("phone", "该手机号已注册，请直接登录"));
    }
    if let Some(details) = &details {
        let id_taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id_number = $1")
            .bind(details.id_number.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if id_taken.is_some() {
            return Err(AppError::invalid_field("id_number", "该身份证号已注册，请直接登录或找回密码"));
        }
    }
    let inserted = match &details {
        None => {
            sqlx::query_scalar(
                "INSERT INTO users (phone, name, password_hash, status, email, created_at, updated_at)
                 VALUES ($1, '', $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(phone.as_str())
            .bind(&password_hash)
            .bind(status::ACTIVE)
            .bind(email)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
        }
        Some(details) => {
            sqlx::query_scalar(
                "INSERT INTO users (phone, id_number, name, password_hash, status, email, gender, birth_date,
                                    ethnicity, native_place, school, major, job_title, unit_id, department_id,
                                    unit_status, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'pending', $16, $16)
                 RETURNING id",
            )
            .bind(phone.as_str())
            .bind(details.id_number.as_str())
            .bind(form.name.trim())
            .bind(&password_hash)
            .bind(status::PENDING)
            .bind(email)
            .bind(if details.id_number.is_male() { "male" } else { "female" })
            .bind(details.id_number.birth_date().to_string())
            .bind(&form.ethnicity)
            .bind(form.native_place.trim())
            .bind(form.school.trim())
            .bind(form.major.trim())
            .bind(form.job_title.trim())
            .bind(details.unit_id)
            .bind(details.department_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
        }
    };
    let user_id: i64 = match inserted {
        Ok(id) => id,
        // Another registration with the same phone or ID number won the race.
        Err(err) if is_unique_violation(&err) => {
            return Err(AppError::conflict("该手机号或身份证号已注册，请直接登录"));
        }
        Err(err) => return Err(err.into()),
    };
    sqlx::query("INSERT INTO user_roles (user_id, role, scope_id) VALUES ($1, 'trainee', 0)")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let next = match (&details, form.then.as_str()) {
        (Some(_), _) => NextStep::AwaitUnit,
        (None, "verify") => NextStep::Verify,
        (None, _) => NextStep::Login,
    };
    Ok(Registered { user_id, next })
}

/// Signs a newly registered user in (for 实名认证 right after registering).
pub async fn sign_in(
    state: &AppState,
    user_id: i64,
    ip: &str,
    user_agent: &str,
    now: i64,
) -> AppResult<String> {
    Ok(session::create(&state.db, &state.config, session::NewSession { user_id, ip, user_agent }, now)
        .await?)
}

/// Whether an account already holds `phone` (注册 refuses to send it a code).
pub async fn phone_registered(db: &crate::platform::server::db::Db, phone: &str) -> AppResult<bool> {
    let registered: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE phone = $1")
        .bind(phone)
        .fetch_optional(db.reader())
        .await?;
    Ok(registered.is_some())
}
