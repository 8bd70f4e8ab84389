//! Writes and reads 消息.

use super::Message;
use crate::state::AppState;
use crate::{
    error::AppResult,
    platform::{server::db::Tx, time::now_ms},
};

/// Puts a message in the user's 消息 list and sends its text by SMS (through the
/// messenger, so the default provider writes it to the outbox), inside `tx`.
pub async fn send(
    tx: &mut Tx,
    state: &AppState,
    user_id: i64,
    phone: Option<&str>,
    title: &str,
    body: &str,
    link: &str,
) -> AppResult<()> {
    sqlx::query("INSERT INTO messages (user_id, title, body, link, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(user_id)
        .bind(title)
        .bind(body)
        .bind(link)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
    if let Some(phone) = phone.filter(|p| !p.is_empty()) {
        state.messenger.sms(tx, phone, body).await?;
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
