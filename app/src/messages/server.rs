//! Writes and reads 消息.

use super::Message;
use crate::state::AppState;
use crate::{error::AppResult, platform::server::db::Tx};

/// A message for one user's 消息 list, and by SMS when a phone is given.
pub struct Outgoing<'a> {
    pub user_id: i64,
    pub phone: Option<&'a str>,
    pub title: &'a str,
    pub body: &'a str,
    /// Where the message leads (a path of this site).
    pub link: &'a str,
    /// The request's time, like every other write of the request.
    pub at: i64,
}

/// Puts a message in the user's 消息 list and sends its text by SMS (through the
/// messenger, so the default provider writes it to the outbox), inside `tx`.
pub async fn send(tx: &mut Tx, state: &AppState, message: Outgoing<'_>) -> AppResult<()> {
    sqlx::query("INSERT INTO messages (user_id, title, body, link, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(message.user_id)
        .bind(message.title)
        .bind(message.body)
        .bind(message.link)
        .bind(message.at)
        .execute(&mut **tx)
        .await?;
    if let Some(phone) = message.phone.filter(|p| !p.is_empty()) {
        state.messenger.sms(tx, phone, message.body).await?;
    }
    Ok(())
}

pub async fn list(state: &AppState, user_id: i64) -> AppResult<Vec<Message>> {
    let rows: Vec<MessageRow> = sqlx::query_as(
        "SELECT id, title, body, link, created_at, read_at FROM messages WHERE user_id = $1
         ORDER BY created_at DESC, id DESC LIMIT 100",
    )
    .bind(user_id)
    .fetch_all(state.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Message {
            id: row.id,
            title: row.title,
            body: row.body,
            link: row.link,
            created_at: row.created_at,
            unread: row.read_at.is_none(),
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    title: String,
    body: String,
    link: String,
    created_at: i64,
    read_at: Option<i64>,
}

pub async fn mark_all_read(state: &AppState, user_id: i64, now: i64) -> AppResult<()> {
    sqlx::query("UPDATE messages SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now)
        .bind(user_id)
        .execute(state.db.writer())
        .await?;
    Ok(())
}

pub async fn unread_count(state: &AppState, user_id: i64) -> AppResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(state.db.reader())
        .await?)
}
