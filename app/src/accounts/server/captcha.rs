//! Image captchas. A page carries a random captcha id in a hidden field; the image at
//! `/captcha/<id>` draws a fresh answer for that id each time it is fetched (so
//! "换一张" is just a reload of the image), and checking the answer deletes it, right
//! or wrong: one use, five minutes at most.

use crate::platform::server::{config::Config, crypto, db::Db};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use captcha_rs::CaptchaBuilder;

const LIFETIME_MS: i64 = 5 * 60 * 1000;
/// Letters and digits that cannot be mistaken for one another.
const ALPHABET: &str = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

pub fn new_id() -> String {
    crypto::random_token(16)
}

/// Ids are what [`new_id`] makes; anything else is refused before touching the database.
pub fn is_valid_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Draws a new answer for `id`, stores it, and returns the JPEG.
pub async fn issue_image(db: &Db, config: &Config, id: &str, now: i64) -> Result<Vec<u8>, sqlx::Error> {
    let fixed = config.captcha_fixed.clone();
    let (answer, jpeg) = tokio::task::spawn_blocking(move || draw(fixed))
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("captcha drawing failed: {e}")))?;
    sqlx::query(
        "INSERT INTO captchas (id, answer, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET answer = excluded.answer, expires_at = excluded.expires_at",
    )
    .bind(id)
    .bind(&answer)
    .bind(now + LIFETIME_MS)
    .execute(db.writer())
    .await?;
    Ok(jpeg)
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

/// Checks and consumes the captcha.
pub async fn check(db: &Db, id: &str, answer: &str, now: i64) -> Result<bool, sqlx::Error> {
    if !is_valid_id(id) {
        return Ok(false);
    }
    let stored: Option<(String, i64)> =
        sqlx::query_as("DELETE FROM captchas WHERE id = $1 RETURNING answer, expires_at")
            .bind(id)
            .fetch_optional(db.writer())
            .await?;
    Ok(match stored {
        Some((expected, expires_at)) => expires_at >= now && expected.eq_ignore_ascii_case(answer.trim()),
        None => false,
    })
}

pub async fn purge_expired(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM captchas WHERE expires_at < $1")
        .bind(now)
        .execute(db.writer())
        .await?
        .rows_affected())
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
