//! 找回密码: name and ID number, then a code to the bound phone, then a new password.
//! Both steps answer the same, and do the same work, whether or not the account
//! exists: for a name and ID number that match nobody, step one issues a decoy code
//! that is never sent ([`sms_codes::decoy`]), and step two checks the typed code
//! against it exactly as it would against the account's.

use super::{passwords, sms_codes, users::status};
use crate::state::AppState;
use crate::{
    accounts::{domain::identity::IdNumber, domain::profile_rules::check_real_name},
    error::{AppError, AppResult, Validation},
    platform::server::crypto,
};

const TICKET_TTL_MS: i64 = 15 * 60 * 1000;

fn ticket_id(state: &AppState, ticket: &str) -> String {
    crypto::keyed_hash(state.config.session_secret.expose(), &format!("reset:{ticket}"))
}

/// Where the decoy code of a ticket that matched no account is kept (never a phone).
fn decoy_key(state: &AppState, ticket: &str) -> String {
    format!("decoy:{}", ticket_id(state, ticket))
}

/// Every refusal of the code reads the same: "wrong" and "expired or never sent" would
/// otherwise tell a live code (an account) from none.
const CODE_REFUSED: &str = "验证码错误或已失效，请重新获取";

fn same_code_answer(err: AppError) -> AppError {
    if err.field("code").is_some() { AppError::invalid_field("code", CODE_REFUSED) } else { err }
}

/// Step one: returns the ticket for step two. Sends the code only when the name and
/// ID number match an active account with a phone; the caller cannot tell.
pub async fn start(state: &AppState, name: &str, id_number: &str, ip: &str, now: i64) -> AppResult<String> {
    let mut v = Validation::new();
    if let Err(e) = check_real_name(name) {
        v.add("name", e);
    }
    let id = IdNumber::parse(id_number);
    if let Err(e) = &id {
        v.add("id_number", e.message());
    }
    v.finish()?;
    let id = id.expect("validated");
    let ticket = crypto::random_token(24);
    sqlx::query(
        "INSERT INTO password_resets (id, id_number, name, expires_at, used_at, created_at) VALUES ($1, $2, $3, $4, NULL, $5)",
    )
    .bind(ticket_id(state, &ticket))
    .bind(id.as_str())
    .bind(name.trim())
    .bind(now + TICKET_TTL_MS)
    .bind(now)
    .execute(state.db.writer())
    .await?;
    let sent = match account(state, id.as_str(), name.trim()).await? {
        Some((_, phone)) => sms_codes::send(state, &phone, sms_codes::Purpose::ResetPassword, ip, now).await,
        None => {
            let key = decoy_key(state, &ticket);
            sms_codes::decoy(state, &key, sms_codes::Purpose::ResetPassword, ip, now).await
        }
    };
    if let Err(err) = sent {
        // Saying so would tell that the account exists.
        tracing::info!(error = %err.message, "password reset code not issued");
    }
    Ok(ticket)
}

async fn account(state: &AppState, id_number: &str, name: &str) -> AppResult<Option<(i64, String)>> {
    let row: Option<AccountRow> =
        sqlx::query_as("SELECT id, phone FROM users WHERE id_number = $1 AND name = $2 AND status = $3")
            .bind(id_number)
            .bind(name)
            .bind(status::ACTIVE)
            .fetch_optional(state.db.reader())
            .await?;
    Ok(row.and_then(|row| row.phone.map(|phone| (row.id, phone))))
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    phone: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TicketRow {
    id_number: String,
    name: String,
}

pub struct NewPassword<'a> {
    pub ticket: &'a str,
    pub code: &'a str,
    pub password: &'a str,
    pub password_confirm: &'a str,
}

/// Step two: sets the new password and ends every session of the account.
pub async fn finish(state: &AppState, form: NewPassword<'_>, now: i64) -> AppResult<()> {
    let ticket: Option<TicketRow> = sqlx::query_as(
        "SELECT id_number, name FROM password_resets WHERE id = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(ticket_id(state, form.ticket))
    .bind(now)
    .fetch_optional(state.db.reader())
    .await?;
    let Some(TicketRow { id_number, name }) = ticket else {
        return Err(AppError::bad_request("找回密码的操作已超时，请重新开始"));
    };
    let account = account(state, &id_number, &name).await?;
    let mut v = Validation::new();
    v.check(form.code.trim().len() == 6, "code", "请输入6位短信验证码");
    // Not the phone yet: refusing a password equal to it would name the account's phone
    // (and so its existence) to someone who has not proven it. Checked below, after the code.
    if let Err(err) =
        passwords::check_new(&state.common_passwords, "password", form.password, &[id_number.as_str()])
    {
        v.add("password", err.message);
    }
    v.check(form.password == form.password_confirm, "password_confirm", "两次输入的密码不一致");
    v.finish()?;
    // The same check either way: against the account's code, or the ticket's decoy.
    let (user_id, phone) = match account {
        Some((user_id, phone)) => (Some(user_id), phone),
        None => (None, decoy_key(state, form.ticket)),
    };
    // A wrong code is refused before the argon2 work (see `sms_codes::check`).
    sms_codes::check(state, &phone, sms_codes::Purpose::ResetPassword, form.code, "code", now)
        .await
        .map_err(same_code_answer)?;
    let Some(user_id) = user_id else {
        // A decoy's code is never sent, so nobody gets here; if they did, the same answer.
        return Err(AppError::invalid_field("code", CODE_REFUSED));
    };
    let identifiers = [phone.as_str(), id_number.as_str()];
    passwords::check_new(&state.common_passwords, "password", form.password, &identifiers)?;
    let hash = passwords::hash(state, form.password.to_owned()).await;
    let tx = state.db.begin().await?;
    let mut tx =
        sms_codes::require(state, tx, &phone, sms_codes::Purpose::ResetPassword, form.code, "code", now)
            .await
            .map_err(same_code_answer)?;
    sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = 0, updated_at = $2 WHERE id = $3",
    )
    .bind(&hash)
    .bind(now)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE password_resets SET used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(ticket_id(state, form.ticket))
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    // A locked account is usable again with its new password.
    sqlx::query("DELETE FROM login_throttle WHERE throttle_key IN ($1, $2, $3)")
        .bind(super::throttle::account_key(&id_number))
        .bind(super::throttle::account_key(&phone))
        .bind(super::throttle::password_key(user_id))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
