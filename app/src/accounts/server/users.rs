//! User records as the session and login code need them.

use crate::{
    accounts::{
        domain::identity::LoginAccount,
        domain::roles::{CurrentUser, Role, RoleGrant},
    },
    platform::server::db::Db,
    units::domain::UnitStatus,
};

/// Account states stored in `users.status`.
pub mod status {
    pub const ACTIVE: &str = "active";
    /// Registered under a unit that has not approved the account yet.
    pub const PENDING: &str = "pending";
    pub const DISABLED: &str = "disabled";
    /// A unit applicant whose unit registration the authority turned down.
    pub const REJECTED: &str = "rejected";
}

/// A unit as its admin's login sees it.
#[derive(sqlx::FromRow)]
pub struct AdministeredUnit {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub status: UnitStatus,
}

/// The unit with this credit code, if the user is one of its admins.
pub async fn administered_unit(
    db: &Db,
    user_id: i64,
    credit_code: &str,
) -> Result<Option<AdministeredUnit>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.status FROM units u JOIN user_roles r ON r.scope_id = u.id AND r.role = 'unit_admin'
         WHERE u.credit_code = $1 AND r.user_id = $2",
    )
    .bind(credit_code)
    .bind(user_id)
    .fetch_optional(db.reader())
    .await
}

/// Why the authority turned down the unit this user applied for.
pub async fn rejection_reason(db: &Db, user_id: i64) -> Result<String, sqlx::Error> {
    let reason: Option<String> = sqlx::query_scalar(
        "SELECT review_reason FROM units WHERE applicant_user_id = $1 AND status = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(UnitStatus::Rejected.code())
    .fetch_optional(db.reader())
    .await?;
    Ok(reason.unwrap_or_default())
}

/// A 单位注册 application not approved yet (pending or rejected) whose applicant has
/// this phone or ID number: the applicant learns its state at login.
#[derive(sqlx::FromRow)]
pub struct UnitApplicant {
    pub password_hash: String,
    #[sqlx(try_from = "String")]
    pub status: UnitStatus,
    pub review_reason: String,
}

/// The newest such application; with a credit code (单位 login), only that unit's.
pub async fn find_unit_applicant(
    db: &Db,
    account: &LoginAccount,
    credit_code: Option<&str>,
) -> Result<Option<UnitApplicant>, sqlx::Error> {
    let column = match account {
        LoginAccount::Phone(_) => "applicant_phone",
        LoginAccount::IdNumber(_) => "applicant_id_number",
    };
    sqlx::query_as(&format!(
        "SELECT applicant_password_hash AS password_hash, status, review_reason FROM units
         WHERE {column} = $1 AND status IN ($3, $4) AND applicant_user_id IS NULL
           AND applicant_password_hash <> '' AND ($2 = '' OR credit_code = $2)
         ORDER BY created_at DESC, id DESC LIMIT 1"
    ))
    .bind(account.canonical())
    .bind(credit_code.unwrap_or(""))
    .bind(UnitStatus::Pending.code())
    .bind(UnitStatus::Rejected.code())
    .fetch_optional(db.reader())
    .await
}

#[derive(sqlx::FromRow)]
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
    sqlx::query_as(sql).bind(account.canonical()).fetch_optional(db.reader()).await
}

#[derive(sqlx::FromRow)]
struct CurrentUserRow {
    name: String,
    status: String,
    real_name_verified: i64,
    must_change_password: i64,
}

/// The user behind a session, if the account is still active.
pub async fn load_current_user(db: &Db, user_id: i64) -> Result<Option<CurrentUser>, sqlx::Error> {
    let row: Option<CurrentUserRow> = sqlx::query_as(
        "SELECT name, status, real_name_verified, must_change_password FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(db.reader())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if row.status != status::ACTIVE {
        return Ok(None);
    }
    let grants = load_grants(db, user_id).await?;
    Ok(Some(CurrentUser {
        id: user_id,
        name: row.name,
        grants,
        real_name_verified: row.real_name_verified != 0,
        must_change_password: row.must_change_password != 0,
    }))
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    #[sqlx(try_from = "String")]
    role: Role,
    scope_id: i64,
}

async fn load_grants(db: &Db, user_id: i64) -> Result<Vec<RoleGrant>, sqlx::Error> {
    let rows: Vec<GrantRow> =
        sqlx::query_as("SELECT role, scope_id FROM user_roles WHERE user_id = $1 ORDER BY role, scope_id")
            .bind(user_id)
            .fetch_all(db.reader())
            .await?;
    Ok(rows
        .into_iter()
        .map(|row| RoleGrant { role: row.role, scope_id: (row.scope_id != 0).then_some(row.scope_id) })
        .collect())
}
