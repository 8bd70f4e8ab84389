//! One-time SMS codes: 6 digits, kept only as a keyed hash, valid 5 minutes, used once,
//! at most 5 wrong tries; a new one no sooner than 60 s after the last; at most 10 a
//! day per phone and 30 a day per client address (counted in the database, so the
//! limits hold across app servers).

use crate::state::AppState;
use crate::{
    error::{AppError, AppResult},
    platform::server::{crypto, db::Tx},
};
use rand::Rng;

pub const TTL_MS: i64 = 5 * 60 * 1000;
pub const RESEND_AFTER_MS: i64 = 60 * 1000;
pub const MAX_ATTEMPTS: i64 = 5;
pub const DAILY_PER_PHONE: i64 = 10;
pub const DAILY_PER_ADDRESS: i64 = 30;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Register,
    ResetPassword,
    /// 单位注册: proves the applicant's phone.
    UnitRegister,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::ResetPassword => "reset_password",
            Self::UnitRegister => "unit_register",
        }
    }

    /// The template's title: what the log and the production outbox show.
    fn title(self) -> &'static str {
        match self {
            Self::Register => "注册验证码",
            Self::ResetPassword => "找回密码验证码",
            Self::UnitRegister => "单位注册验证码",
        }
    }

    fn text(self, code: &str) -> String {
        match self {
            Self::Register => format!("您的注册验证码为{code}，5分钟内有效。如非本人操作，请忽略本短信。"),
            Self::ResetPassword => {
                format!("您正在找回密码，验证码为{code}，5分钟内有效。请勿将验证码告诉他人。")
            }
            Self::UnitRegister => {
                format!("您正在申请单位注册，验证码为{code}，5分钟内有效。如非本人操作，请忽略本短信。")
            }
        }
    }
}

fn code_hash(state: &AppState, phone: &str, purpose: Purpose, code: &str) -> String {
    crypto::keyed_hash(
        state.config.session_secret.expose(),
        &format!("sms:{}:{phone}:{code}", purpose.code()),
    )
}

/// Issues a code and hands the SMS to the provider, in one transaction.
pub async fn send(state: &AppState, phone: &str, purpose: Purpose, ip: &str, now: i64) -> AppResult<()> {
    issue(state, phone, purpose, ip, now, true).await
}

/// Issues a code nobody is sent, under `key` instead of a phone: for a form that must
/// do the same work (and give the same answers) whether or not a person exists. 找回密码
/// issues one for a name and ID number that match no account, and checks the typed
/// code against it as it would against the account's.
pub async fn decoy(state: &AppState, key: &str, purpose: Purpose, ip: &str, now: i64) -> AppResult<()> {
    issue(state, key, purpose, ip, now, false).await
}

async fn issue(
    state: &AppState,
    phone: &str,
    purpose: Purpose,
    ip: &str,
    now: i64,
    deliver: bool,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let last: Option<i64> =
        sqlx::query_scalar("SELECT MAX(created_at) FROM sms_codes WHERE phone = $1 AND purpose = $2")
            .bind(phone)
            .bind(purpose.code())
            .fetch_one(&mut *tx)
            .await?;
    if let Some(last) = last.filter(|last| now - last < RESEND_AFTER_MS) {
        let seconds = (RESEND_AFTER_MS - (now - last) + 999) / 1000;
        return Err(AppError::too_many_requests(format!("验证码已发送，请{seconds}秒后再重新获取")));
    }
    let today_for_phone: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sms_codes WHERE phone = $1 AND created_at > $2")
            .bind(phone)
            .bind(now - DAY_MS)
            .fetch_one(&mut *tx)
            .await?;
    let today_for_address: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sms_codes WHERE ip = $1 AND created_at > $2")
            .bind(ip)
            .bind(now - DAY_MS)
            .fetch_one(&mut *tx)
            .await?;
    if today_for_phone >= DAILY_PER_PHONE || today_for_address >= DAILY_PER_ADDRESS {
        return Err(AppError::too_many_requests("今日获取验证码的次数已达上限，请明天再试"));
    }
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
    sqlx::query(
        "INSERT INTO sms_codes (phone, purpose, code_hash, expires_at, attempts, consumed_at, ip, created_at)
         VALUES ($1, $2, $3, $4, 0, NULL, $5, $6)",
    )
    .bind(phone)
    .bind(purpose.code())
    .bind(code_hash(state, phone, purpose, &code))
    .bind(now + TTL_MS)
    .bind(ip)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if deliver {
        state.messenger.sms_titled(&mut tx, phone, purpose.title(), &purpose.text(&code)).await?;
    }
    tx.commit().await?;
    Ok(())
}

const LIVE_CODE: &str = "SELECT id, code_hash, attempts FROM sms_codes
     WHERE phone = $1 AND purpose = $2 AND consumed_at IS NULL AND expires_at > $3
     ORDER BY created_at DESC, id DESC LIMIT 1";

#[derive(sqlx::FromRow)]
struct LiveCode {
    id: i64,
    code_hash: String,
    attempts: i64,
}

fn missing(field: &str) -> AppError {
    AppError::invalid_field(field, "验证码错误或已失效，请重新获取")
}

/// Checks the code without using it, before the expensive part of a form (the password
/// hash) and outside any transaction: a wrong code is counted and refused here, so it
/// costs no argon2 work. [`require`] checks again, atomically, when the change is written.
pub async fn check(
    state: &AppState,
    phone: &str,
    purpose: Purpose,
    code: &str,
    field: &str,
    now: i64,
) -> AppResult<()> {
    let live: Option<LiveCode> = sqlx::query_as(LIVE_CODE)
        .bind(phone)
        .bind(purpose.code())
        .bind(now)
        .fetch_optional(state.db.reader())
        .await?;
    let Some(live) = live.filter(|live| live.attempts < MAX_ATTEMPTS) else {
        return Err(missing(field));
    };
    if code_hash(state, phone, purpose, code.trim()) != live.code_hash {
        sqlx::query("UPDATE sms_codes SET attempts = attempts + 1 WHERE id = $1")
            .bind(live.id)
            .execute(state.db.writer())
            .await?;
        return Err(AppError::invalid_field(field, "验证码错误"));
    }
    Ok(())
}

/// Checks the latest live code for `phone` and marks it used, as the first write of a
/// transaction: on success the transaction comes back for the rest of the change; a
/// wrong code is counted (and that count committed) and the transaction ends.
pub async fn require(
    state: &AppState,
    mut tx: Tx,
    phone: &str,
    purpose: Purpose,
    code: &str,
    field: &str,
    now: i64,
) -> AppResult<Tx> {
    let live: Option<LiveCode> =
        sqlx::query_as(LIVE_CODE).bind(phone).bind(purpose.code()).bind(now).fetch_optional(&mut *tx).await?;
    let Some(LiveCode { id: code_id, code_hash: expected, attempts }) = live else {
        return Err(missing(field));
    };
    if attempts >= MAX_ATTEMPTS {
        return Err(missing(field));
    }
    if code_hash(state, phone, purpose, code.trim()) != expected {
        sqlx::query("UPDATE sms_codes SET attempts = attempts + 1 WHERE id = $1")
            .bind(code_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Err(AppError::invalid_field(field, "验证码错误"));
    }
    // The condition makes a concurrent second use of the same code fail.
    let used = sqlx::query("UPDATE sms_codes SET consumed_at = $1 WHERE id = $2 AND consumed_at IS NULL")
        .bind(now)
        .bind(code_id)
        .execute(&mut *tx)
        .await?;
    if used.rows_affected() != 1 {
        return Err(missing(field));
    }
    Ok(tx)
}
