//! The audit log: one row per administrative action, written in the action's transaction.

use super::db::Tx;

pub struct AuditEntry<'a> {
    pub actor_user_id: i64,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub detail: String,
    pub ip: &'a str,
    /// The request's time (`Ctx::now`), like every other write of the request.
    pub at: i64,
}

pub async fn record(tx: &mut Tx, entry: AuditEntry<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (actor_user_id, action, object_type, object_id, detail, ip, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(entry.actor_user_id)
    .bind(entry.action)
    .bind(entry.object_type)
    .bind(entry.object_id)
    .bind(entry.detail)
    .bind(entry.ip)
    .bind(entry.at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
