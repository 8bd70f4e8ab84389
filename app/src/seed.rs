//! `xueshi seed-demo`: demo data for trying the site. Idempotent (a second run
//! inserts nothing) and refused in production mode by the command.

use crate::state::AppState;
use crate::{
    accounts::server::seed as accounts_seed, announcements::server::seed as announcements_seed,
    catalogue::server::seed as catalogue_seed, credits::server::seed as credits_seed, error::AppResult,
    learning::server::seed as learning_seed, platform::time::now_ms,
};

pub struct SeedReport {
    pub announcements_added: u64,
    pub classes_added: u64,
    pub courses_added: u64,
}

pub async fn seed_demo(state: &AppState) -> AppResult<SeedReport> {
    let mut tx = state.db.begin().await?;
    let admin_id = accounts_seed::seed(&mut tx, now_ms()).await?;
    let announcements_added = announcements_seed::seed(&mut tx, admin_id).await?;
    let provider_id: i64 = sqlx::query_scalar("SELECT id FROM providers WHERE name = $1")
        .bind(accounts_seed::DEMO_PROVIDER_NAME)
        .fetch_one(&mut *tx)
        .await?;
    let classes_added = catalogue_seed::seed(&mut tx, provider_id, admin_id, now_ms()).await?;
    let courses_added = learning_seed::seed(state, &mut tx, provider_id, now_ms()).await?;
    credits_seed::seed(&mut tx, now_ms()).await?;
    tx.commit().await?;
    // Issued after the ledger is committed: a certificate reads it like any request.
    crate::certificates::server::seed::seed(state, now_ms()).await?;
    Ok(SeedReport { announcements_added, classes_added, courses_added })
}
