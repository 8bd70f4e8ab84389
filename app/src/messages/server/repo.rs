//! The SQL of 消息.

use crate::messages::{api::Message, domain::Outgoing};
use crate::platform::server::db::{Db, Tx};

/// Puts a message in the user's 消息 list, inside `tx`.
pub async fn insert(tx: &mut Tx, message: &Outgoing<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO messages (user_id, title, body, link, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(message.user_id)
        .bind(message.title)
        .bind(message.body)
        .bind(message.link)
        .bind(message.at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn list(db: &Db, user_id: i64) -> Result<Vec<Message>, sqlx::Error> {
    let rows: Vec<MessageRow> = sqlx::query_as(
        "SELECT id, title, body, link, created_at, read_at FROM messages WHERE user_id = $1
         ORDER BY created_at DESC, id DESC LIMIT 100",
    )
    .bind(user_id)
    .fetch_all(db.reader())
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

pub async fn mark_all_read(db: &Db, user_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE messages SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now)
        .bind(user_id)
        .execute(db.writer())
        .await?;
    Ok(())
}

pub async fn unread_count(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(db.reader())
        .await
}
