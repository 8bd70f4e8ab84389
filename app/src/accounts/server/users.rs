//! User records as the session and login code need them.

use crate::{
    accounts::{
        identity::LoginAccount,
        roles::{CurrentUser, Role, RoleGrant},
    },
    platform::server::db::Db,
};

/// Account states stored in `users.status`.
pub mod status {
    pub const ACTIVE: &str = "active";
    /// Registered under a unit that has not approved the account yet.
    pub const PENDING: &str = "pending";
    pub const DISABLED: &str = "disabled";
}

pub struct LoginCandidate {
    pub id: i64,
    pub password_hash: String,
    pub status: String,
}

pub async fn find_for_login(db: &Db, account: &LoginAccount) -> Result<Option<LoginCandidate>, sqlx::Error> {
    let sql = match account {
        LoginAccount::Phone(_) => "SELECT id, password_hash, status FROM users WHERE phone = $1",
        LoginAccount::IdNumber(_) => "SELECT id, password_hash, status FROM users WHERE id_number = $1",
    };
    let row: Option<(i64, String, String)> =
        sqlx::query_as(sql).bind(account.canonical()).fetch_optional(db.reader()).await?;
    Ok(row.map(|(id, password_hash, status)| LoginCandidate { id, password_hash, status }))
}

/// The user behind a session, if the account is still active.
pub async fn load_current_user(db: &Db, user_id: i64) -> Result<Option<CurrentUser>, sqlx::Error> {
    let row: Option<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT name, status, real_name_verified, must_change_password FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(db.reader())
    .await?;
    let Some((name, user_status, verified, must_change)) = row else {
        return Ok(None);
    };
    if user_status != status::ACTIVE {
        return Ok(None);
    }
    let grants = load_grants(db, user_id).await?;
    Ok(Some(CurrentUser {
        id: user_id,
        name,
        grants,
        real_name_verified: verified != 0,
        must_change_password: must_change != 0,
    }))
}

async fn load_grants(db: &Db, user_id: i64) -> Result<Vec<RoleGrant>, sqlx::Error> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT role, scope_id FROM user_roles WHERE user_id = $1 ORDER BY role, scope_id")
            .bind(user_id)
            .fetch_all(db.reader())
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(code, scope)| {
            Role::from_code(&code).map(|role| RoleGrant { role, scope_id: (scope != 0).then_some(scope) })
        })
        .collect())
}
