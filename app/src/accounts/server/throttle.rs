//! Login failure counting per account and per client address, kept in the database
//! so the limits hold across app servers. Past the limit within the window, further
//! attempts are refused until the lock ends, whether the password is right or not.

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

/// Milliseconds until the longest lock on any of `keys` ends, if one is in force.
pub async fn locked_for(db: &Db, keys: &[&str], now: i64) -> Result<Option<i64>, sqlx::Error> {
    let mut longest: Option<i64> = None;
    for key in keys {
        let until: Option<i64> =
            sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE throttle_key = $1")
                .bind(*key)
                .fetch_optional(db.reader())
                .await?;
        if let Some(until) = until.filter(|until| *until > now) {
            longest = Some(longest.map_or(until - now, |l| l.max(until - now)));
        }
    }
    Ok(longest)
}

/// Counts one failure against `key`; locks it when the count reaches `limit`.
pub async fn record_failure(db: &Db, key: &str, limit: i64, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let failures: i64 = sqlx::query_scalar(
        "INSERT INTO login_throttle (throttle_key, failures, window_started_at, locked_until)
         VALUES ($1, 1, $2, 0)
         ON CONFLICT (throttle_key) DO UPDATE SET
             failures = CASE WHEN login_throttle.window_started_at < $3 THEN 1 ELSE login_throttle.failures + 1 END,
             window_started_at = CASE WHEN login_throttle.window_started_at < $3 THEN $2 ELSE login_throttle.window_started_at END
         RETURNING failures",
    )
    .bind(key)
    .bind(now)
    .bind(now - WINDOW_MS)
    .fetch_one(&mut *tx)
    .await?;
    if failures >= limit {
        sqlx::query("UPDATE login_throttle SET locked_until = $1, failures = 0, window_started_at = $2 WHERE throttle_key = $3")
            .bind(now + LOCK_MS)
            .bind(now)
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

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
