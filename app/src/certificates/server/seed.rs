//! Demo certificates: 张三 met last year's requirement (credits' demo ledger), so he
//! holds last year's 继续教育证书, issued on the rule like any other. Idempotent: a live
//! certificate is never issued twice.

use super::service;
use crate::{
    accounts::server::seed::DEMO_ACCOUNTS, credits::domain::declarable_years, error::AppResult,
    platform::time::year_of, state::AppState,
};

/// 张三, the demo trainee who met last year's requirement.
const HOLDER_PHONE: &str = "13800000011";

pub async fn seed(state: &AppState, now: i64) -> AppResult<()> {
    debug_assert!(DEMO_ACCOUNTS.iter().any(|a| a.phone == HOLDER_PHONE));
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE phone = $1")
        .bind(HOLDER_PHONE)
        .fetch_one(state.db.reader())
        .await?;
    let last_year = declarable_years(year_of(now))[1];
    service::yearly(state, user_id, last_year, now).await?.ok();
    Ok(())
}
