//! 证书打印 of a unit: the unit admin chooses staff and a year; a batch row is queued, and
//! the `certificate_batches` job (claimed once across app servers) issues each person's
//! certificate when due, reports its progress on the row, and stores one PDF of them
//! all. The request that asks never waits for the rendering.

use super::{
    pdf,
    repo::{self, Subject},
    service,
};
use crate::{
    certificates::domain::{BATCH_MAX_PEOPLE, BatchStatus},
    error::{AppError, AppResult},
    platform::server::{
        audit,
        files::{self, Upload},
        storage::FileKind,
    },
    state::{AppState, Ctx},
};

/// People handled between two progress updates.
const PROGRESS_EVERY: usize = 25;
/// The largest batch file (a thousand pages are a few megabytes).
const BATCH_MAX_BYTES: usize = 256 * 1024 * 1024;

/// Queues a batch for approved staff of the unit; anyone else refuses it (422).
pub async fn create(cx: &Ctx, unit_id: i64, year: i64, user_ids: &[i64]) -> AppResult<i64> {
    if user_ids.is_empty() {
        return Err(AppError::invalid_field("user_ids", "请选择人员"));
    }
    if user_ids.len() > BATCH_MAX_PEOPLE {
        return Err(AppError::invalid_field("user_ids", format!("一次最多打印 {BATCH_MAX_PEOPLE} 人")));
    }
    let mut tx = cx.state.db.begin().await?;
    for user_id in user_ids {
        let staff: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM users WHERE id = $1 AND unit_id = $2 AND unit_status = 'approved'",
        )
        .bind(user_id)
        .bind(unit_id)
        .fetch_optional(&mut *tx)
        .await?;
        if staff.is_none() {
            return Err(AppError::invalid_field("user_ids", "所选人员不属于本单位"));
        }
    }
    let ids = serde_json::to_string(user_ids).map_err(AppError::internal)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO certificate_batches (unit_id, requested_by, year, user_ids, total, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(unit_id)
    .bind(cx.user.id)
    .bind(year)
    .bind(ids)
    .bind(i64::try_from(user_ids.len()).unwrap_or(i64::MAX))
    .bind(BatchStatus::Queued.code())
    .bind(cx.now)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        cx.audit(
            "certificate_batch.create",
            "unit",
            unit_id.to_string(),
            format!("{year}年度 {} 人", user_ids.len()),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A batch as its page shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BatchRow {
    pub id: i64,
    pub unit_id: i64,
    pub year: i64,
    pub total: i64,
    pub done: i64,
    pub printed: i64,
    #[sqlx(try_from = "String")]
    pub status: BatchStatus,
    pub file_id: Option<String>,
    pub error: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

const BATCH_COLUMNS: &str =
    "id, unit_id, year, total, done, printed, status, file_id, error, created_at, finished_at";

/// One batch of the unit (another unit's answers as missing).
pub async fn of_unit(state: &AppState, unit_id: i64, id: i64) -> AppResult<BatchRow> {
    sqlx::query_as(&format!("SELECT {BATCH_COLUMNS} FROM certificate_batches WHERE id = $1 AND unit_id = $2"))
        .bind(id)
        .bind(unit_id)
        .fetch_optional(state.db.reader())
        .await?
        .ok_or_else(|| AppError::not_found("没有这个打印任务"))
}

/// The unit's latest batches, newest first.
pub async fn recent(state: &AppState, unit_id: i64) -> AppResult<Vec<BatchRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {BATCH_COLUMNS} FROM certificate_batches WHERE unit_id = $1 ORDER BY id DESC LIMIT 5"
    ))
    .bind(unit_id)
    .fetch_all(state.db.reader())
    .await?)
}

#[derive(sqlx::FromRow)]
struct OpenBatch {
    id: i64,
    unit_id: i64,
    requested_by: i64,
    year: i64,
    user_ids: String,
    attempts: i64,
}

/// How long a claim on a batch holds; a batch still running after that was left by a
/// server that stopped, and is taken over (issuing is idempotent).
pub const CLAIM_MS: i64 = 10 * 60 * 1000;
/// A batch taken this many times without finishing is given up.
const MAX_ATTEMPTS: i64 = 3;

/// The job: claims the oldest queued batch (else one whose claim lapsed) with one
/// conditional update, and makes it. Answers a summary for the log; a failure is
/// recorded on the batch, so the job itself goes on with the next.
pub async fn run(state: &AppState, now: i64) -> Result<String, String> {
    let batch: Option<OpenBatch> = sqlx::query_as(
        "SELECT id, unit_id, requested_by, year, user_ids, attempts FROM certificate_batches
         WHERE status = $1 OR (status = $2 AND claimed_at < $3)
         ORDER BY CASE WHEN status = $1 THEN 0 ELSE 1 END, id LIMIT 1",
    )
    .bind(BatchStatus::Queued.code())
    .bind(BatchStatus::Running.code())
    .bind(now - CLAIM_MS)
    .fetch_optional(state.db.reader())
    .await
    .map_err(|e| e.to_string())?;
    let Some(batch) = batch else { return Ok(String::new()) };
    // The claim: this server's, at `now`, unless another server took it first.
    let claimed = sqlx::query(
        "UPDATE certificate_batches SET status = $1, claimed_at = $2, attempts = attempts + 1
         WHERE id = $3 AND attempts = $4 AND (status = $5 OR (status = $1 AND claimed_at < $6))",
    )
    .bind(BatchStatus::Running.code())
    .bind(now)
    .bind(batch.id)
    .bind(batch.attempts)
    .bind(BatchStatus::Queued.code())
    .bind(now - CLAIM_MS)
    .execute(state.db.writer())
    .await
    .map_err(|e| e.to_string())?
    .rows_affected();
    if claimed != 1 {
        return Ok(String::new());
    }
    let outcome = if batch.attempts + 1 > MAX_ATTEMPTS {
        Err(AppError::internal("the batch did not finish in its attempts"))
    } else {
        make(state, &batch, now).await
    };
    match outcome {
        Ok(printed) => Ok(format!("certificate batch {} ready: {printed} certificates", batch.id)),
        Err(err) => {
            tracing::error!(batch = batch.id, error = %err.message, "certificate batch failed");
            finish_failed(state, batch.id, now).await.map_err(|e| e.message)?;
            Ok(format!("certificate batch {} failed", batch.id))
        }
    }
}

/// Marks our claim failed (a claim taken over since is left alone).
async fn finish_failed(state: &AppState, id: i64, claimed_at: i64) -> AppResult<()> {
    sqlx::query(
        "UPDATE certificate_batches SET status = $1, error = $2, finished_at = $3
         WHERE id = $4 AND status = $5 AND claimed_at = $3",
    )
    .bind(BatchStatus::Failed.code())
    .bind("生成失败，请重新提交")
    .bind(claimed_at)
    .bind(id)
    .bind(BatchStatus::Running.code())
    .execute(state.db.writer())
    .await?;
    Ok(())
}

/// Issues, renders and stores the batch under the claim made at `now`.
async fn make(state: &AppState, batch: &OpenBatch, now: i64) -> AppResult<i64> {
    let user_ids: Vec<i64> = serde_json::from_str(&batch.user_ids).map_err(AppError::internal)?;
    let mut pages = Vec::new();
    for (index, user_id) in user_ids.iter().enumerate() {
        // Still staff of the unit: someone who left since is skipped.
        let staff: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM users WHERE id = $1 AND unit_id = $2 AND unit_status = 'approved'",
        )
        .bind(user_id)
        .bind(batch.unit_id)
        .fetch_optional(state.db.reader())
        .await?;
        if staff.is_some() {
            // Issued now when due; a revoked certificate is not printed.
            let row = match service::yearly(state, *user_id, batch.year, now).await? {
                Ok(row) => Some(row),
                Err(_) => repo::issued_for(state.db.reader(), *user_id, Subject::Year(batch.year)).await?,
            };
            if let Some(row) = row.filter(|r| r.revoked_at.is_none()) {
                pages.push(service::printable(state, &row)?);
            }
        }
        if (index + 1) % PROGRESS_EVERY == 0 || index + 1 == user_ids.len() {
            // Under our claim only; a server that took the batch over goes on alone.
            let ours = sqlx::query(
                "UPDATE certificate_batches SET done = $1 WHERE id = $2 AND status = $3 AND claimed_at = $4",
            )
            .bind(i64::try_from(index + 1).unwrap_or(i64::MAX))
            .bind(batch.id)
            .bind(BatchStatus::Running.code())
            .bind(now)
            .execute(state.db.writer())
            .await?
            .rows_affected();
            if ours != 1 {
                return Ok(0);
            }
        }
    }
    let printed = i64::try_from(pages.len()).unwrap_or(i64::MAX);
    let file = if pages.is_empty() {
        None
    } else {
        let bytes = pdf::render(&state.pdf_font, pages).await?;
        let filename = format!("{}年度继续教育证书-{}人.pdf", batch.year, printed);
        Some(
            files::put(
                &state.storage,
                Upload {
                    purpose: "certificate_batch",
                    filename: &filename,
                    bytes: bytes.into(),
                    max_bytes: BATCH_MAX_BYTES,
                    accepted: &[FileKind::Pdf],
                    owner_user_id: batch.requested_by,
                },
            )
            .await?,
        )
    };
    let mut tx = state.db.begin().await?;
    if let Some(file) = &file {
        files::record(&mut tx, file).await?;
    }
    // Only under our own claim: a server that took the batch over finishes it instead.
    let finished = sqlx::query(
        "UPDATE certificate_batches SET status = $1, printed = $2, file_id = $3, finished_at = $4
         WHERE id = $5 AND status = $6 AND claimed_at = $4",
    )
    .bind(BatchStatus::Ready.code())
    .bind(printed)
    .bind(file.as_ref().map(|f| f.record.id.clone()))
    .bind(now)
    .bind(batch.id)
    .bind(BatchStatus::Running.code())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if finished != 1 {
        // Another server took it over: theirs stands.
        drop(tx);
        if let Some(file) = &file {
            files::discard(&state.storage, &file.record).await;
        }
        return Ok(printed);
    }
    tx.commit().await?;
    Ok(printed)
}
