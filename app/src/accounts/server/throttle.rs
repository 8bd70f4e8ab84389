//! Login failure counting per account and per client address (and per account for the
//! old-password check of 修改密码), kept in the database so the limits hold across app
//! servers. Past the limit within the window, further attempts are refused until the
//! lock ends, whether the password is right or not.

use crate::platform::server::db::Db;

pub const WINDOW_MS: i64 = 15 * 60 * 1000;
pub const LOCK_MS: i64 = 15 * 60 * 1000;
pub const ACCOUNT_LIMIT: i64 = 5;
pub const ADDRESS_LIMIT: i64 = 20;

pub fn account_key(normalized_account: &str) -> String {
    format!("account:{normalized_account}")
}

pub fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
}

pub fn password_key(user_id: i64) -> String {
    format!("password:{user_id}")
}

/// One attempt taken on a key before the password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The attempt may go on to the password; `locked_until` is set when it was the
    /// last one the limit allows (the key is locked from now on).
    Allowed { locked_until: Option<i64> },
    /// Locked: no password check; the lock ends in this many milliseconds.
    Refused { remaining_ms: i64 },
}

#[derive(sqlx::FromRow)]
struct Taken {
    locked_until: i64,
}

/// Counts an attempt against `key` *before* the password is checked, and says whether
/// it may go on, in one statement: an attempt counts as a failure until [`clear`] or
/// [`give_back`] says otherwise. Checking first and recording after let parallel
/// guesses all pass the check; here the row's lock (PostgreSQL) or the single writer
/// (SQLite) orders them, so at most `limit` attempts reach the password per lock.
/// The attempt that reaches the limit locks the key for [`LOCK_MS`].
pub async fn take(db: &Db, key: &str, limit: i64, now: i64) -> Result<Attempt, sqlx::Error> {
    debug_assert!(limit >= 2, "the first attempt is inserted unlocked");
    // `count` is the attempt's number in the current window (a stale window starts over).
    let count = "CASE WHEN login_throttle.window_started_at < $3 THEN 1 ELSE login_throttle.failures + 1 END";
    let sql = format!(
        "INSERT INTO login_throttle (throttle_key, failures, window_started_at, locked_until)
         VALUES ($1, 1, $2, 0)
         ON CONFLICT (throttle_key) DO UPDATE SET
             failures = CASE WHEN {count} >= $4 THEN 0 ELSE {count} END,
             window_started_at = CASE WHEN login_throttle.window_started_at < $3 OR {count} >= $4
                                      THEN $2 ELSE login_throttle.window_started_at END,
             locked_until = CASE WHEN {count} >= $4 THEN $5 ELSE login_throttle.locked_until END
         WHERE login_throttle.locked_until <= $2
         RETURNING locked_until"
    );
    let taken: Option<Taken> = sqlx::query_as(&sql)
        .bind(key)
        .bind(now)
        .bind(now - WINDOW_MS)
        .bind(limit)
        .bind(now + LOCK_MS)
        .fetch_optional(db.writer())
        .await?;
    if let Some(taken) = taken {
        return Ok(Attempt::Allowed {
            locked_until: (taken.locked_until > now).then_some(taken.locked_until),
        });
    }
    let until: Option<i64> =
        sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE throttle_key = $1")
            .bind(key)
            .fetch_optional(db.reader())
            .await?;
    Ok(Attempt::Refused { remaining_ms: until.map_or(0, |until| until - now).max(1) })
}

/// The attempt turned out not to be a failure (the password was right, or another key
/// refused it first): uncounts it, and lifts the lock it set if that lock still stands.
pub async fn give_back(db: &Db, key: &str, attempt: Attempt, limit: i64) -> Result<(), sqlx::Error> {
    match attempt {
        Attempt::Refused { .. } => {}
        Attempt::Allowed { locked_until: Some(until) } => {
            sqlx::query(
                "UPDATE login_throttle SET locked_until = 0, failures = $1 WHERE throttle_key = $2 AND locked_until = $3",
            )
            .bind(limit - 1)
            .bind(key)
            .bind(until)
            .execute(db.writer())
            .await?;
        }
        Attempt::Allowed { locked_until: None } => {
            sqlx::query(
                "UPDATE login_throttle SET failures = failures - 1 WHERE throttle_key = $1 AND failures > 0",
            )
            .bind(key)
            .execute(db.writer())
            .await?;
        }
    }
    Ok(())
}

/// Whole minutes (rounded up) for the refusal message.
pub fn minutes(remaining_ms: i64) -> i64 {
    ((remaining_ms + 59_999) / 60_000).max(1)
}

/// The right password: the key's failures and lock are forgotten.
pub async fn clear(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1").bind(key).execute(db.writer()).await?;
    Ok(())
}

pub async fn purge_stale(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM login_throttle WHERE locked_until < $1 AND window_started_at < $2")
        .bind(now)
        .bind(now - WINDOW_MS)
        .execute(db.writer())
        .await?
        .rows_affected())
}
