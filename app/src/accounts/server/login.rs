//! The login rule: captcha first, then the lock (which counts the attempt), then the
//! password, answering a wrong account and a wrong password with the same words and
//! the same work.

use super::{captcha, passwords, session, throttle, users};
use crate::state::AppState;
use crate::{
    accounts::domain::identity::{CreditCode, LoginAccount},
    error::{AppError, AppResult, ErrorKind},
    units::domain::UnitStatus,
};

pub const WRONG_CREDENTIALS: &str = "账号或密码错误";

pub struct LoginAttempt {
    /// Set for the user type 单位: the unit the account administers.
    pub credit_code: Option<String>,
    pub account: String,
    pub password: String,
    pub captcha_id: String,
    pub captcha_answer: String,
    pub ip: String,
    pub user_agent: String,
}

pub struct LoggedIn {
    pub user_id: i64,
    pub session_token: String,
}

pub async fn login(state: &AppState, attempt: LoginAttempt, now: i64) -> AppResult<LoggedIn> {
    if attempt.captcha_answer.trim().is_empty() {
        return Err(AppError::invalid_field("captcha", "请输入验证码"));
    }
    if !captcha::check(&state.db, &attempt.captcha_id, &attempt.captcha_answer, now).await? {
        return Err(AppError::invalid_field("captcha", "验证码错误或已过期，请重新输入"));
    }
    let credit_code = match attempt.credit_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => {
            Some(CreditCode::parse(code).map_err(|e| AppError::invalid_field("credit_code", e.message()))?)
        }
        None => None,
    };

    let parsed = LoginAccount::parse(&attempt.account);
    let canonical = parsed
        .as_ref()
        .map(|a| a.canonical().to_owned())
        .unwrap_or_else(|| attempt.account.trim().to_uppercase());
    let account_key = throttle::account_key(&canonical);
    let address_key = throttle::address_key(&attempt.ip);
    // Each attempt is counted before the password is checked (see `throttle::take`).
    let locked = |remaining_ms: i64| {
        let minutes = throttle::minutes(remaining_ms);
        AppError::too_many_requests(format!("登录失败次数过多，请{minutes}分钟后再试"))
    };
    let account_attempt = throttle::take(&state.db, &account_key, throttle::ACCOUNT_LIMIT, now).await?;
    if let throttle::Attempt::Refused { remaining_ms } = account_attempt {
        return Err(locked(remaining_ms));
    }
    let address_attempt = throttle::take(&state.db, &address_key, throttle::ADDRESS_LIMIT, now).await?;
    if let throttle::Attempt::Refused { remaining_ms } = address_attempt {
        throttle::give_back(&state.db, &account_key, account_attempt, throttle::ACCOUNT_LIMIT).await?;
        return Err(locked(remaining_ms));
    }

    let candidate = match &parsed {
        Some(account) => users::find_for_login(&state.db, account).await?,
        None => None,
    };
    // A 单位注册 applicant has no account until approval; the application holds the hash.
    let applicant = match (&candidate, &parsed) {
        (None, Some(account)) => {
            let code = credit_code.as_ref().map(CreditCode::as_str);
            users::find_unit_applicant(&state.db, account, code).await?
        }
        _ => None,
    };
    // Verify against a real hash even when there is no account, so both cost the same.
    let hash = candidate
        .as_ref()
        .map(|c| c.password_hash.clone())
        .or_else(|| applicant.as_ref().map(|a| a.password_hash.clone()))
        .unwrap_or_else(|| state.dummy_password_hash.to_string());
    let password_ok = passwords::verify(state, attempt.password, hash).await;
    // Only someone who knows the applicant's password learns the application's state.
    if let Some(applicant) = applicant.filter(|_| password_ok) {
        throttle::clear(&state.db, &account_key).await?;
        throttle::give_back(&state.db, &address_key, address_attempt, throttle::ADDRESS_LIMIT).await?;
        return Err(match applicant.status {
            UnitStatus::Pending => AppError::new(ErrorKind::Forbidden, "此帐号还未被审核"),
            _ => AppError::new(
                ErrorKind::Forbidden,
                format!("注册申请未通过审核：{}", applicant.review_reason),
            ),
        });
    }

    // For 单位, the account must administer the unit with that code: otherwise the
    // answer is the same as for a wrong password.
    let unit = match (&candidate, &credit_code) {
        (Some(user), Some(code)) if password_ok => {
            users::administered_unit(&state.db, user.id, code.as_str()).await?
        }
        _ => None,
    };
    let unit_ok = credit_code.is_none() || unit.is_some();
    let Some(user) = candidate.filter(|_| password_ok && unit_ok) else {
        // Both attempts stay counted as failures.
        return Err(AppError::new(ErrorKind::Unauthenticated, WRONG_CREDENTIALS));
    };
    throttle::clear(&state.db, &account_key).await?;
    throttle::give_back(&state.db, &address_key, address_attempt, throttle::ADDRESS_LIMIT).await?;

    // Only someone who knows the password learns the account's state.
    match user.status.as_str() {
        users::status::ACTIVE => {}
        users::status::PENDING => return Err(AppError::new(ErrorKind::Forbidden, "此帐号还未被审核")),
        users::status::REJECTED => {
            let reason = users::rejection_reason(&state.db, user.id).await?;
            return Err(AppError::new(ErrorKind::Forbidden, format!("注册申请未通过审核：{reason}")));
        }
        _ => return Err(AppError::new(ErrorKind::Forbidden, "此帐号已停用，请联系管理员")),
    }
    if let Some(unit) = &unit
        && unit.status != UnitStatus::Approved
    {
        return Err(AppError::new(ErrorKind::Forbidden, "此帐号还未被审核"));
    }

    let session_token = session::create(
        &state.db,
        &state.config,
        session::NewSession { user_id: user.id, ip: &attempt.ip, user_agent: &attempt.user_agent },
        now,
    )
    .await?;
    Ok(LoggedIn { user_id: user.id, session_token })
}
