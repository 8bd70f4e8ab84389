//! Image captchas. Ids are issued by the server: the page that shows a form asks for
//! one ([`issue`]), which draws the image and stores it with its answer; the image at
//! `/captcha/<id>` is only read back, so an id nobody issued draws nothing and writes
//! nothing. "换一张" redraws an issued id ([`redraw`]) a few times. Issuing is counted
//! per client address in the database (so the limit holds across app servers), which
//! bounds the drawing and the writes one address can cause. Checking the answer deletes
//! it, right or wrong: one use, five minutes at most.

use crate::{
    error::{AppError, AppResult},
    platform::server::{config::Config, crypto, db::Db},
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use captcha_rs::CaptchaBuilder;

const LIFETIME_MS: i64 = 5 * 60 * 1000;
/// The window over which [`Config::captcha_issue_limit`] counts one address's captchas.
pub const ISSUE_WINDOW_MS: i64 = 60 * 1000;
/// How often one captcha may be redrawn ("看不清？换一张") before the form needs a new one.
pub const MAX_REDRAWS: i64 = 5;
const TOO_MANY: &str = "获取验证码过于频繁，请稍后再试";
/// Letters and digits that cannot be mistaken for one another.
const ALPHABET: &str = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

fn new_id() -> String {
    crypto::random_token(16)
}

/// Ids are what [`new_id`] makes; anything else is refused before touching the database.
pub fn is_valid_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[derive(sqlx::FromRow)]
struct Issues {
    issued: i64,
    window_started_at: i64,
}

/// Issues a captcha for a form shown to `address`: draws it, stores its answer and
/// image, and returns its id. Past the address's limit per minute: 429, nothing drawn.
pub async fn issue(db: &Db, config: &Config, address: &str, now: i64) -> AppResult<String> {
    let limit = config.captcha_issue_limit;
    let window_start = now - ISSUE_WINDOW_MS;
    // A flood past the limit is refused by a read: no drawing, no write.
    let counted: Option<Issues> =
        sqlx::query_as("SELECT issued, window_started_at FROM captcha_issues WHERE address = $1")
            .bind(address)
            .fetch_optional(db.reader())
            .await?;
    if counted.is_some_and(|c| c.window_started_at > window_start && c.issued >= limit) {
        return Err(AppError::too_many_requests(TOO_MANY));
    }
    // Drawn before the transaction: SQLite's one writer is not held while it draws.
    let (answer, jpeg) = draw_blocking(config).await?;
    let id = new_id();
    let mut tx = db.begin().await?;
    // Counted and checked in one statement, so concurrent requests cannot all pass.
    let issued: i64 = sqlx::query_scalar(
        "INSERT INTO captcha_issues (address, issued, window_started_at) VALUES ($1, 1, $2)
         ON CONFLICT (address) DO UPDATE SET
             issued = CASE WHEN captcha_issues.window_started_at <= $3 THEN 1 ELSE captcha_issues.issued + 1 END,
             window_started_at = CASE WHEN captcha_issues.window_started_at <= $3 THEN $2
                                      ELSE captcha_issues.window_started_at END
         RETURNING issued",
    )
    .bind(address)
    .bind(now)
    .bind(window_start)
    .fetch_one(&mut *tx)
    .await?;
    if issued > limit {
        // Dropping the transaction rolls the count back; it already stands at the limit.
        return Err(AppError::too_many_requests(TOO_MANY));
    }
    sqlx::query("INSERT INTO captchas (id, answer, expires_at, image, redraws) VALUES ($1, $2, $3, $4, 0)")
        .bind(&id)
        .bind(&answer)
        .bind(now + LIFETIME_MS)
        .bind(jpeg)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// The image of an issued, unexpired captcha; `None` for any other id (nothing drawn,
/// nothing written).
pub async fn image(db: &Db, id: &str, now: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
    if !is_valid_id(id) {
        return Ok(None);
    }
    let image: Option<Option<Vec<u8>>> =
        sqlx::query_scalar("SELECT image FROM captchas WHERE id = $1 AND expires_at >= $2")
            .bind(id)
            .bind(now)
            .fetch_optional(db.reader())
            .await?;
    Ok(image.flatten())
}

/// "看不清？换一张": a new answer and image for an issued captcha, at most
/// [`MAX_REDRAWS`] times; its five minutes start again.
pub async fn redraw(db: &Db, config: &Config, id: &str, now: i64) -> AppResult<()> {
    const GONE: &str = "验证码已失效，请刷新页面";
    if !is_valid_id(id) {
        return Err(AppError::not_found(GONE));
    }
    let redraws: Option<i64> =
        sqlx::query_scalar("SELECT redraws FROM captchas WHERE id = $1 AND expires_at >= $2")
            .bind(id)
            .bind(now)
            .fetch_optional(db.reader())
            .await?;
    match redraws {
        None => return Err(AppError::not_found(GONE)),
        Some(n) if n >= MAX_REDRAWS => return Err(AppError::too_many_requests("换图次数过多，请刷新页面")),
        Some(_) => {}
    }
    let (answer, jpeg) = draw_blocking(config).await?;
    let updated = sqlx::query(
        "UPDATE captchas SET answer = $1, image = $2, redraws = redraws + 1, expires_at = $3
         WHERE id = $4 AND redraws < $5 AND expires_at >= $6",
    )
    .bind(&answer)
    .bind(jpeg)
    .bind(now + LIFETIME_MS)
    .bind(id)
    .bind(MAX_REDRAWS)
    .bind(now)
    .execute(db.writer())
    .await?;
    if updated.rows_affected() == 0 {
        // Checked (so deleted) or redrawn to the limit meanwhile.
        return Err(AppError::not_found(GONE));
    }
    Ok(())
}

async fn draw_blocking(config: &Config) -> AppResult<(String, Vec<u8>)> {
    let fixed = config.captcha_fixed.clone();
    tokio::task::spawn_blocking(move || draw(fixed))
        .await
        .map_err(|e| AppError::internal(format!("captcha drawing failed: {e}")))
}

fn draw(fixed: Option<String>) -> (String, Vec<u8>) {
    let mut builder = CaptchaBuilder::new()
        .chars(ALPHABET.chars().collect())
        .length(4)
        .width(120)
        .height(44)
        .complexity(2)
        .compression(60);
    if let Some(text) = fixed {
        builder = builder.text(text);
    }
    let captcha = builder.build();
    let data_uri = captcha.to_base64();
    let encoded = data_uri.split_once(',').map(|(_, data)| data).unwrap_or_default();
    let jpeg = STANDARD.decode(encoded).unwrap_or_default();
    (captcha.text.to_ascii_uppercase(), jpeg)
}

#[derive(sqlx::FromRow)]
struct StoredCaptcha {
    answer: String,
    expires_at: i64,
}

/// Checks and consumes the captcha.
pub async fn check(db: &Db, id: &str, answer: &str, now: i64) -> Result<bool, sqlx::Error> {
    if !is_valid_id(id) {
        return Ok(false);
    }
    let stored: Option<StoredCaptcha> =
        sqlx::query_as("DELETE FROM captchas WHERE id = $1 RETURNING answer, expires_at")
            .bind(id)
            .fetch_optional(db.writer())
            .await?;
    Ok(match stored {
        Some(stored) => stored.expires_at >= now && stored.answer.eq_ignore_ascii_case(answer.trim()),
        None => false,
    })
}

/// Deletes expired captchas and the issue counts of windows that have ended.
pub async fn purge_expired(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let captchas =
        sqlx::query("DELETE FROM captchas WHERE expires_at < $1").bind(now).execute(db.writer()).await?;
    let counts = sqlx::query("DELETE FROM captcha_issues WHERE window_started_at <= $1")
        .bind(now - ISSUE_WINDOW_MS)
        .execute(db.writer())
        .await?;
    Ok(captchas.rows_affected() + counts.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_valid_id(&new_id()));
        assert!(!is_valid_id("short"));
        assert!(!is_valid_id("../../../../etc/passwd!!"));
    }

    #[test]
    fn draws_a_jpeg_with_the_fixed_answer() {
        let (answer, jpeg) = draw(Some("8888".into()));
        assert_eq!(answer, "8888");
        assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF]);
        let (random, _) = draw(None);
        assert_eq!(random.len(), 4);
        assert!(random.chars().all(|c| ALPHABET.contains(c)));
    }
}
