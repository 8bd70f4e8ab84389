//! `xueshi seed-demo`: demo data for trying the site. Idempotent (a second run
//! inserts nothing) and refused in production mode by the command.

use crate::{
    accounts::server::seed as accounts_seed,
    announcements::server::seed as announcements_seed,
    platform::{server::db::Db, time::now_ms},
};

pub struct SeedReport {
    pub announcements_added: u64,
}

pub async fn seed_demo(db: &Db) -> Result<SeedReport, sqlx::Error> {
    let mut tx = db.begin().await?;
    let admin_id = accounts_seed::seed(&mut tx, now_ms()).await?;
    let announcements_added = announcements_seed::seed(&mut tx, admin_id).await?;
    tx.commit().await?;
    Ok(SeedReport { announcements_added })
}
