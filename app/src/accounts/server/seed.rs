//! Demo accounts: one per role, and verified trainees of a demo unit. Demo only:
//! the seed command refuses to run in production mode.

use super::{passwords, users::status};
use crate::{
    accounts::{domain::identity::IdNumber, domain::roles::Role},
    platform::server::db::Tx,
    units::domain::UnitStatus,
};

pub const DEMO_PASSWORD: &str = "Xueshi@2026";

pub struct DemoAccount {
    pub phone: &'static str,
    pub id_number: &'static str,
    pub name: &'static str,
    pub role: Role,
}

pub const DEMO_UNIT_NAME: &str = "四川示范水利工程有限公司";
pub const DEMO_UNIT_CREDIT_CODE: &str = "91510100MA6CX00019";
pub const DEMO_UNIT_REGION: &str = "510100";
pub const DEMO_PROVIDER_NAME: &str = "四川水利职业培训中心";
pub const DEMO_DEPARTMENTS: [&str; 3] = ["工程管理部", "设计部", "质量安全部"];
/// The authority's scope: the province of Sichuan.
pub const DEMO_AUTHORITY_REGION: i64 = 510_000;

pub const DEMO_ACCOUNTS: [DemoAccount; 7] = [
    DemoAccount {
        phone: "13800000001",
        id_number: "510102197801010031",
        name: "王敏",
        role: Role::PlatformAdmin,
    },
    DemoAccount {
        phone: "13800000002",
        id_number: "510103198202020044",
        name: "刘洋",
        role: Role::Authority,
    },
    DemoAccount {
        phone: "13800000003",
        id_number: "510104198509210025",
        name: "陈静",
        role: Role::UnitAdmin,
    },
    DemoAccount {
        phone: "13800000004", id_number: "510106197503030056", name: "赵磊", role: Role::Provider
    },
    DemoAccount {
        phone: "13800000005", id_number: "510107199204040065", name: "孙丽", role: Role::Finance
    },
    DemoAccount {
        phone: "13800000011", id_number: "510101199003074578", name: "张三", role: Role::Trainee
    },
    DemoAccount {
        phone: "13800000012", id_number: "510105198805121234", name: "李四", role: Role::Trainee
    },
];

/// Inserts what is missing; returns the platform admin's id.
pub async fn seed(tx: &mut Tx, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO units (name, credit_code, region_code, status, created_at) VALUES ($1, $2, $3, $5, $4)
         ON CONFLICT (credit_code) DO NOTHING",
    )
    .bind(DEMO_UNIT_NAME)
    .bind(DEMO_UNIT_CREDIT_CODE)
    .bind(DEMO_UNIT_REGION)
    .bind(now)
    .bind(UnitStatus::Approved.code())
    .execute(&mut **tx)
    .await?;
    let unit_id: i64 = sqlx::query_scalar("SELECT id FROM units WHERE credit_code = $1")
        .bind(DEMO_UNIT_CREDIT_CODE)
        .fetch_one(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO providers (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(DEMO_PROVIDER_NAME)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    let provider_id: i64 = sqlx::query_scalar("SELECT id FROM providers WHERE name = $1")
        .bind(DEMO_PROVIDER_NAME)
        .fetch_one(&mut **tx)
        .await?;

    for department in DEMO_DEPARTMENTS {
        sqlx::query(
            "INSERT INTO departments (unit_id, parent_id, name, created_at)
             SELECT $1, NULL, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM departments WHERE unit_id = $1 AND name = $2)",
        )
        .bind(unit_id)
        .bind(department)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }

    let mut admin_id = 0;
    for account in &DEMO_ACCOUNTS {
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE phone = $1")
            .bind(account.phone)
            .fetch_optional(&mut **tx)
            .await?;
        let user_id = match existing {
            Some(id) => id,
            None => {
                let affiliated = matches!(account.role, Role::Trainee | Role::UnitAdmin).then_some(unit_id);
                let id = IdNumber::parse(account.id_number).expect("demo ID numbers are valid");
                sqlx::query_scalar(
                    "INSERT INTO users (phone, id_number, name, password_hash, status, real_name_verified,
                                        must_change_password, unit_id, unit_status, gender, birth_date, ethnicity,
                                        email, verified_at, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, 1, 0, $6, $7, $8, $9, '汉族', $10, $11, $11, $11) RETURNING id",
                )
                .bind(account.phone)
                .bind(account.id_number)
                .bind(account.name)
                .bind(passwords::hash_blocking(DEMO_PASSWORD))
                .bind(status::ACTIVE)
                .bind(affiliated)
                .bind(if affiliated.is_some() { "approved" } else { "" })
                .bind(if id.is_male() { "male" } else { "female" })
                .bind(id.birth_date().to_string())
                .bind(format!("{}@demo.xueshi.cn", account.phone))
                .bind(now)
                .fetch_one(&mut **tx)
                .await?
            }
        };
        let scope = match account.role {
            Role::UnitAdmin => unit_id,
            Role::Provider => provider_id,
            Role::Authority => DEMO_AUTHORITY_REGION,
            _ => 0,
        };
        sqlx::query(
            "INSERT INTO user_roles (user_id, role, scope_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(account.role.code())
        .bind(scope)
        .execute(&mut **tx)
        .await?;
        if account.role == Role::PlatformAdmin {
            admin_id = user_id;
        }
    }
    Ok(admin_id)
}
