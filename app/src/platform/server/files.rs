//! Uploaded files: content checked, stored under a server-made key, recorded in
//! `files`. Pages link to `/files/<id>`; the handler there decides who may read.

use super::{
    crypto::{random_token, sha256_hex},
    db::Tx,
    storage::{FileKind, Storage, StorageError, display_filename},
};
use crate::{
    error::{AppError, AppResult},
    platform::time::now_ms,
};
use bytes::Bytes;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileRecord {
    pub id: String,
    pub storage_key: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub purpose: String,
    pub owner_user_id: Option<i64>,
}

pub struct Upload<'a> {
    pub purpose: &'static str,
    pub filename: &'a str,
    pub bytes: Bytes,
    pub max_bytes: usize,
    pub accepted: &'a [FileKind],
    pub owner_user_id: i64,
}

/// Stores the object, then records it inside `tx`. If the transaction is later rolled
/// back the object stays unreferenced; callers delete it with [`discard`].
pub async fn store(storage: &Storage, tx: &mut Tx, upload: Upload<'_>) -> AppResult<FileRecord> {
    let sha256 = sha256_hex(&upload.bytes);
    let size_bytes = i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);
    let (storage_key, kind) = storage
        .put_checked(upload.purpose, upload.bytes, upload.max_bytes, upload.accepted)
        .await
        .map_err(|err| upload_error(err, upload.accepted))?;
    let record = FileRecord {
        id: random_token(16),
        storage_key,
        filename: display_filename(upload.filename),
        content_type: kind.content_type().to_owned(),
        size_bytes,
        purpose: upload.purpose.to_owned(),
        owner_user_id: Some(upload.owner_user_id),
    };
    let inserted = sqlx::query(
        "INSERT INTO files (id, storage_key, filename, content_type, size_bytes, sha256, purpose, owner_user_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&record.id)
    .bind(&record.storage_key)
    .bind(&record.filename)
    .bind(&record.content_type)
    .bind(record.size_bytes)
    .bind(sha256)
    .bind(&record.purpose)
    .bind(record.owner_user_id)
    .bind(now_ms())
    .execute(&mut **tx)
    .await;
    if let Err(err) = inserted {
        discard(storage, &record).await;
        return Err(err.into());
    }
    Ok(record)
}

/// Removes a stored object whose record did not commit.
pub async fn discard(storage: &Storage, record: &FileRecord) {
    if let Err(err) = storage.delete(&record.storage_key).await {
        tracing::warn!(key = %record.storage_key, error = %err, "could not delete an orphaned upload");
    }
}

pub async fn find(pool: &sqlx::AnyPool, id: &str) -> AppResult<Option<FileRecord>> {
    Ok(sqlx::query_as(
        "SELECT id, storage_key, filename, content_type, size_bytes, purpose, owner_user_id FROM files WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

fn upload_error(err: StorageError, accepted: &[FileKind]) -> AppError {
    match err {
        StorageError::Empty => AppError::invalid_field("file", "请选择要上传的文件"),
        StorageError::TooLarge { limit } => {
            AppError::invalid_field("file", format!("文件不能超过 {} MB", limit.div_ceil(1024 * 1024)))
        }
        StorageError::WrongKind => {
            let kinds: Vec<&str> = accepted.iter().map(|k| k.label()).collect();
            AppError::invalid_field("file", format!("只能上传 {} 文件", kinds.join("、")))
        }
        StorageError::Backend(err) => AppError::internal(format!("storage: {err}")),
    }
}
