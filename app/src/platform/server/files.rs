//! Uploaded files: content checked, stored under a server-made key, recorded in
//! `files`. Pages link to `/files/<id>`; the handler there decides who may read.
//!
//! The object is stored first, outside any transaction ([`put`], [`put_stream`]); only
//! its row is written in the transaction that uses it ([`record`]). An object whose row
//! never committed is deleted by [`sweep_orphans`] (housekeeping) after an hour.

use super::{
    crypto::{random_token, sha256_hex},
    db::{Db, Tx},
    storage::{FileKind, Storage, StorageError, display_filename},
};
use crate::{
    error::{AppError, AppResult},
    platform::time::now_ms,
};
use bytes::Bytes;
use futures::StreamExt;

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

/// An upload read from a stream (a chapter video): the same as [`Upload`] without the bytes.
pub struct StreamUpload<'a> {
    pub purpose: &'static str,
    pub filename: &'a str,
    pub max_bytes: usize,
    pub accepted: &'a [FileKind],
    pub owner_user_id: i64,
}

/// Every folder uploads are stored under (the `purpose` of an upload); the orphan sweep
/// looks in these.
pub const PURPOSES: [&str; 9] = [
    "announcement",
    "certificate_batch",
    "chapter_video",
    "course_cover",
    "declaration",
    "id_card",
    "invoice",
    "licence",
    "registration_photo",
];

/// How long a stored object may go without its `files` row before the sweep deletes it:
/// longer than any upload takes between storing the object and committing the row.
pub const ORPHAN_GRACE_MS: i64 = 60 * 60 * 1000;

/// A stored object whose row is not written yet: [`record`] writes it inside the
/// transaction that uses the file; [`discard`] removes the object if that fails.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub record: FileRecord,
    sha256: String,
}

/// Checks and stores the object. Call it before `begin()`: storing a file inside a
/// transaction would hold the (SQLite) writer for as long as the storage takes.
pub async fn put(storage: &Storage, upload: Upload<'_>) -> AppResult<NewFile> {
    debug_assert!(PURPOSES.contains(&upload.purpose), "unknown upload purpose {}", upload.purpose);
    let sha256 = sha256_hex(&upload.bytes);
    let size_bytes = i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);
    let (storage_key, kind) = storage
        .put_checked(upload.purpose, upload.bytes, upload.max_bytes, upload.accepted)
        .await
        .map_err(|err| upload_error(err, upload.accepted))?;
    Ok(new_file(storage_key, kind, size_bytes, sha256, upload.purpose, upload.filename, upload.owner_user_id))
}

/// [`put`] for a body read as a stream: written in parts, never whole in memory.
pub async fn put_stream<S, E>(storage: &Storage, upload: StreamUpload<'_>, body: S) -> AppResult<NewFile>
where
    S: futures::Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    debug_assert!(PURPOSES.contains(&upload.purpose), "unknown upload purpose {}", upload.purpose);
    let stored = storage
        .put_stream_checked(upload.purpose, body, upload.max_bytes, upload.accepted)
        .await
        .map_err(|err| upload_error(err, upload.accepted))?;
    let size_bytes = i64::try_from(stored.size).unwrap_or(i64::MAX);
    Ok(new_file(
        stored.key,
        stored.kind,
        size_bytes,
        stored.sha256,
        upload.purpose,
        upload.filename,
        upload.owner_user_id,
    ))
}

fn new_file(
    storage_key: String,
    kind: FileKind,
    size_bytes: i64,
    sha256: String,
    purpose: &'static str,
    filename: &str,
    owner_user_id: i64,
) -> NewFile {
    NewFile {
        record: FileRecord {
            id: random_token(16),
            storage_key,
            filename: display_filename(filename),
            content_type: kind.content_type().to_owned(),
            size_bytes,
            purpose: purpose.to_owned(),
            owner_user_id: Some(owner_user_id),
        },
        sha256,
    }
}

/// Writes the row of a stored file inside the caller's transaction.
pub async fn record(tx: &mut Tx, file: &NewFile) -> AppResult<()> {
    let record = &file.record;
    sqlx::query(
        "INSERT INTO files (id, storage_key, filename, content_type, size_bytes, sha256, purpose, owner_user_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&record.id)
    .bind(&record.storage_key)
    .bind(&record.filename)
    .bind(&record.content_type)
    .bind(record.size_bytes)
    .bind(&file.sha256)
    .bind(&record.purpose)
    .bind(record.owner_user_id)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes a stored object whose record did not commit.
pub async fn discard(storage: &Storage, record: &FileRecord) {
    if let Err(err) = storage.delete(&record.storage_key).await {
        tracing::warn!(key = %record.storage_key, error = %err, "could not delete an orphaned upload");
    }
}

/// Deletes stored objects under the upload folders that no `files` row names and that
/// were last written before `before_ms` (a row that never committed: a failed or
/// interrupted upload, a crash between storing and committing), and the staging files
/// of uploads a crash cut short. Returns how many.
pub async fn sweep_orphans(db: &Db, storage: &Storage, before_ms: i64) -> AppResult<u64> {
    const BATCH: usize = 200;
    let mut swept = 0;
    for folder in PURPOSES {
        swept += storage
            .sweep_staging(folder, before_ms)
            .await
            .map_err(|err| AppError::internal(format!("storage: {err}")))?;
        let mut keys = storage.list_older(folder, before_ms);
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            let next = keys.next().await.transpose();
            let done = match next {
                Ok(Some(key)) => {
                    batch.push(key);
                    false
                }
                Ok(None) => true,
                // A folder nothing was ever uploaded to does not exist yet.
                Err(StorageError::Backend(object_store::Error::NotFound { .. })) => true,
                Err(err) => return Err(AppError::internal(format!("storage: {err}"))),
            };
            if batch.len() == BATCH || (done && !batch.is_empty()) {
                swept += sweep_batch(db, storage, &batch).await?;
                batch.clear();
            }
            if done {
                break;
            }
        }
    }
    Ok(swept)
}

async fn sweep_batch(db: &Db, storage: &Storage, keys: &[String]) -> AppResult<u64> {
    let placeholders: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
    let sql = format!("SELECT storage_key FROM files WHERE storage_key IN ({})", placeholders.join(", "));
    let mut query = sqlx::query_scalar::<_, String>(&sql);
    for key in keys {
        query = query.bind(key);
    }
    let recorded: std::collections::HashSet<String> =
        query.fetch_all(db.reader()).await?.into_iter().collect();
    let mut swept = 0;
    for key in keys.iter().filter(|key| !recorded.contains(*key)) {
        match storage.delete(key).await {
            Ok(()) => swept += 1,
            Err(err) => tracing::warn!(key = %key, error = %err, "could not delete an orphaned upload"),
        }
    }
    if swept > 0 {
        tracing::info!(swept, "deleted stored files whose row never committed");
    }
    Ok(swept)
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
        StorageError::Incomplete(_) => AppError::bad_request("文件上传不完整，请重试"),
        StorageError::Backend(err) => AppError::internal(format!("storage: {err}")),
        StorageError::Io(err) => AppError::internal(format!("storage: {err}")),
    }
}
