//! Demo 学时: Sichuan's requirement for this year and last (set by the demo authority),
//! one trainee who met last year's in every category (张三) and one who did not (李四),
//! and a 学术会议 李四 sent to the demo unit, waiting for 陈静 in 继续教育信息管理.
//! Idempotent: a second run adds nothing (the requirement once per year, the ledger
//! rows by their claims).

use super::repo::{self, NewEntry};
use crate::{
    accounts::server::seed::{DEMO_ACCOUNTS, DEMO_AUTHORITY_REGION},
    catalogue::domain::{Category, Hours},
    credits::domain::{Cap, NewRequirement, Source, declarations::DeclarationStatus},
    platform::{server::db::Tx, time::year_of},
};

/// The national rule: 90 学时 a year, 专业 at least two thirds; Sichuan also asks 30 of
/// 公需 and counts at most 30 declared by the unit.
fn demo_requirement(year: i64) -> NewRequirement {
    NewRequirement {
        year,
        total: Hours(900),
        public: Hours(300),
        professional: Hours(0),
        elective: Hours(0),
        professional_two_thirds: true,
        caps: vec![Cap {
            kind: Source::UnitDeclared.code().to_owned(),
            label: Source::UnitDeclared.label().to_owned(),
            max: Hours(300),
        }],
    }
}

/// Last year's imported records: (phone, category, tenths, title).
const LAST_YEAR: [(&str, Category, i64, &str); 5] = [
    ("13800000011", Category::Public, 300, "专业技术人员公需科目培训"),
    ("13800000011", Category::Professional, 480, "水利工程建设质量管理专题研修"),
    ("13800000011", Category::Professional, 160, "水工建筑物安全监测技术"),
    ("13800000012", Category::Public, 240, "专业技术人员公需科目培训"),
    ("13800000012", Category::Professional, 400, "水利工程建设质量管理专题研修"),
];

pub async fn seed(tx: &mut Tx, now: i64) -> Result<(), crate::error::AppError> {
    let region = format!("{DEMO_AUTHORITY_REGION:06}");
    let authority = DEMO_ACCOUNTS.iter().find(|a| a.role == crate::accounts::domain::roles::Role::Authority);
    let authority_id: Option<i64> = match authority {
        Some(a) => {
            sqlx::query_scalar("SELECT id FROM users WHERE phone = $1")
                .bind(a.phone)
                .fetch_optional(&mut **tx)
                .await?
        }
        None => None,
    };
    let this_year = year_of(now);
    for year in [this_year - 1, this_year] {
        let exists: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM credit_requirements WHERE region_code = $1 AND year = $2",
        )
        .bind(&region)
        .bind(year)
        .fetch_one(&mut **tx)
        .await?;
        if exists == 0 {
            repo::insert(tx, &region, &demo_requirement(year), authority_id, now).await?;
        }
    }
    for (i, (phone, category, tenths, title)) in LAST_YEAR.into_iter().enumerate() {
        let user_id: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE phone = $1")
            .bind(phone)
            .fetch_optional(&mut **tx)
            .await?;
        let Some(user_id) = user_id else { continue };
        let entry = NewEntry {
            user_id,
            year: this_year - 1,
            category,
            tenths,
            source: Source::Import,
            source_id: i64::try_from(i).unwrap_or_default() + 1,
            kind: String::new(),
            title: title.to_owned(),
            evidence: String::new(),
            note: "原系统已审核通过的学时记录".to_owned(),
            approved_by: authority_id,
            created_at: now,
        };
        repo::credit(tx, &entry).await?;
    }
    seed_pending_declaration(tx, this_year, now).await
}

const DEMO_DECLARATION_TITLE: &str = "四川省水利学会学术年会";

async fn seed_pending_declaration(tx: &mut Tx, year: i64, now: i64) -> Result<(), crate::error::AppError> {
    let user: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE phone = $1 AND unit_status = 'approved'")
            .bind("13800000012")
            .fetch_optional(&mut **tx)
            .await?;
    let Some(user_id) = user else { return Ok(()) };
    let unit_id: Option<i64> = sqlx::query_scalar("SELECT unit_id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await?;
    let exists: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM declarations WHERE user_id = $1 AND title = $2")
            .bind(user_id)
            .bind(DEMO_DECLARATION_TITLE)
            .fetch_one(&mut **tx)
            .await?;
    if exists > 0 {
        return Ok(());
    }
    let values = serde_json::json!({
        "name": DEMO_DECLARATION_TITLE,
        "organizer": "四川省水利学会",
        "date": format!("{year}-05-20"),
        "role": "交流发言",
    });
    sqlx::query(
        "INSERT INTO declarations (user_id, unit_id, type_code, year, category, title, claimed_tenths, field_values,
                                   remark, status, submitted_at, created_at, updated_at)
         VALUES ($1, $2, 'conference', $3, $4, $5, 80, $6, $7, $8, $9, $9, $9)",
    )
    .bind(user_id)
    .bind(unit_id)
    .bind(year)
    .bind(Category::Professional.code())
    .bind(DEMO_DECLARATION_TITLE)
    .bind(values.to_string())
    .bind("在年会水资源分会场作交流发言。")
    .bind(DeclarationStatus::Pending.code())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
