//! How long the platform keeps what it no longer needs: the counters behind public
//! query limits, the development outbox, SMS codes, and 提交订单 drafts never confirmed
//! (with their photos). Run by the `sweep_retention` job; each period is configurable
//! (`XUESHI_KEEP_*_DAYS`, see the README). A photo's stored object goes with the orphan
//! sweep once its `files` row is gone.

use app::platform::server::config::Retention;
use app::state::AppState;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn before(now: i64, days: u64) -> i64 {
    now.saturating_sub(i64::try_from(days).unwrap_or(i64::MAX / DAY_MS).saturating_mul(DAY_MS))
}

/// What one sweep deleted, per table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    pub public_queries: u64,
    pub query_results: u64,
    pub outbox: u64,
    pub sms_codes: u64,
    pub drafts: u64,
    pub draft_photos: u64,
}

impl std::fmt::Display for Swept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} query counters, {} query results, {} outbox messages, {} sms codes, {} drafts ({} photos) deleted",
            self.public_queries,
            self.query_results,
            self.outbox,
            self.sms_codes,
            self.drafts,
            self.draft_photos
        )
    }
}

pub async fn sweep(state: &AppState, now: i64) -> Result<Swept, sqlx::Error> {
    let keep: &Retention = &state.config.retention;
    let writer = state.db.writer();
    let delete = |sql: &'static str, cutoff: i64| async move {
        sqlx::query(sql).bind(cutoff).execute(writer).await.map(|done| done.rows_affected())
    };
    let mut swept = Swept {
        public_queries: delete(
            "DELETE FROM public_queries WHERE at < $1",
            before(now, keep.public_queries_days),
        )
        .await?,
        // Answers are shown for ten minutes; a day is plenty.
        query_results: delete("DELETE FROM public_query_results WHERE created_at < $1", before(now, 1))
            .await?,
        outbox: delete("DELETE FROM outbox WHERE created_at < $1", before(now, keep.outbox_days)).await?,
        sms_codes: delete("DELETE FROM sms_codes WHERE created_at < $1", before(now, keep.sms_codes_days))
            .await?,
        ..Swept::default()
    };
    // Drafts never confirmed, then the photos only they pointed at (a confirmed draft's
    // photo belongs to its registration and stays).
    let lapsed = before(now, keep.drafts_days);
    let mut tx = state.db.begin().await?;
    let photos: Vec<String> = sqlx::query_scalar(
        "SELECT photo_file_id FROM registration_drafts
         WHERE registration_id IS NULL AND notice_issued_at < $1 AND photo_file_id IS NOT NULL",
    )
    .bind(lapsed)
    .fetch_all(&mut *tx)
    .await?;
    swept.drafts = sqlx::query(
        "DELETE FROM registration_drafts WHERE registration_id IS NULL AND notice_issued_at < $1",
    )
    .bind(lapsed)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    for photo in photos {
        swept.draft_photos += sqlx::query(
            "DELETE FROM files WHERE id = $1
               AND NOT EXISTS (SELECT 1 FROM registration_drafts WHERE photo_file_id = $1)
               AND NOT EXISTS (SELECT 1 FROM registrations WHERE photo_file_id = $1)",
        )
        .bind(&photo)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(swept)
}
