//! Server-side sessions. The browser holds a random 256-bit token in an HttpOnly,
//! SameSite=Lax cookie; the database holds only its keyed hash, with the user, the
//! creation time (absolute timeout) and the last activity (idle timeout).

use crate::platform::server::{config::Config, crypto, db::Db};
use http::{HeaderMap, HeaderValue, header};

/// How stale `last_seen_at` may get before a request refreshes it; keeps reads from
/// turning into writes on every page.
const TOUCH_INTERVAL_MS: i64 = 60_000;

pub fn cookie_name(config: &Config) -> &'static str {
    // The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only
    // and for path /, so a sibling subdomain cannot plant one.
    if config.secure_cookies() { "__Host-xueshi_sid" } else { "xueshi_sid" }
}

/// The session token from the request's cookies, if any.
pub fn token_from_headers(headers: &HeaderMap, config: &Config) -> Option<String> {
    let name = cookie_name(config);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

pub fn set_cookie(config: &Config, token: &str) -> HeaderValue {
    let secure = if config.secure_cookies() { "; Secure" } else { "" };
    let max_age = config.session_absolute.as_secs();
    HeaderValue::from_str(&format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        cookie_name(config)
    ))
    .expect("token is base64url")
}

pub fn clear_cookie(config: &Config) -> HeaderValue {
    let secure = if config.secure_cookies() { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        cookie_name(config)
    ))
    .expect("static cookie")
}

fn session_id(config: &Config, token: &str) -> String {
    crypto::keyed_hash(config.session_secret.expose(), token)
}

pub struct NewSession<'a> {
    pub user_id: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

/// Creates a session and returns the token for the cookie. Always a fresh id, so a
/// token planted before login is worthless after it.
pub async fn create(db: &Db, config: &Config, new: NewSession<'_>, now: i64) -> Result<String, sqlx::Error> {
    let token = crypto::random_token(32);
    sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $3, $4, $5)",
    )
    .bind(session_id(config, &token))
    .bind(new.user_id)
    .bind(now)
    .bind(new.ip)
    .bind(new.user_agent)
    .execute(db.writer())
    .await?;
    Ok(token)
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: i64,
    created_at: i64,
    last_seen_at: i64,
}

/// The user of a live session. An expired session is deleted on sight.
pub async fn resolve(db: &Db, config: &Config, token: &str, now: i64) -> Result<Option<i64>, sqlx::Error> {
    let id = session_id(config, token);
    let row: Option<SessionRow> =
        sqlx::query_as("SELECT user_id, created_at, last_seen_at FROM sessions WHERE id = $1")
            .bind(&id)
            .fetch_optional(db.reader())
            .await?;
    let Some(SessionRow { user_id, created_at, last_seen_at }) = row else {
        return Ok(None);
    };
    let idle_ms = i64::try_from(config.session_idle.as_millis()).unwrap_or(i64::MAX);
    let absolute_ms = i64::try_from(config.session_absolute.as_millis()).unwrap_or(i64::MAX);
    if now - last_seen_at > idle_ms || now - created_at > absolute_ms {
        sqlx::query("DELETE FROM sessions WHERE id = $1").bind(&id).execute(db.writer()).await?;
        return Ok(None);
    }
    if now - last_seen_at > TOUCH_INTERVAL_MS {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(&id)
            .execute(db.writer())
            .await?;
    }
    Ok(Some(user_id))
}

pub async fn delete(db: &Db, config: &Config, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(session_id(config, token))
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Ends every session of a user but the one holding `keep_token` (password change).
pub async fn delete_others(
    db: &Db,
    config: &Config,
    user_id: i64,
    keep_token: Option<&str>,
) -> Result<(), sqlx::Error> {
    let keep = keep_token.map(|t| session_id(config, t)).unwrap_or_default();
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Deletes sessions past either timeout; run periodically.
pub async fn purge_expired(db: &Db, config: &Config, now: i64) -> Result<u64, sqlx::Error> {
    let idle_ms = i64::try_from(config.session_idle.as_millis()).unwrap_or(i64::MAX);
    let absolute_ms = i64::try_from(config.session_absolute.as_millis()).unwrap_or(i64::MAX);
    let result = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
        .bind(now.saturating_sub(idle_ms))
        .bind(now.saturating_sub(absolute_ms))
        .execute(db.writer())
        .await?;
    Ok(result.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_session_cookie_among_others() {
        let config = Config::from_pairs([]).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; xueshi_sid=abc; b=2".parse().unwrap());
        assert_eq!(token_from_headers(&headers, &config), Some("abc".into()));
        headers.insert(header::COOKIE, "xueshi_sid=".parse().unwrap());
        assert_eq!(token_from_headers(&headers, &config), None);
    }

    #[test]
    fn production_cookies_are_secure_and_host_bound() {
        let secret = "x".repeat(32);
        let config =
            Config::from_pairs([("env", "production"), ("session_secret", secret.as_str())]).unwrap();
        let cookie = set_cookie(&config, "tok");
        let cookie = cookie.to_str().unwrap();
        assert!(cookie.starts_with("__Host-xueshi_sid=tok;"));
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Secure"));
    }
}
