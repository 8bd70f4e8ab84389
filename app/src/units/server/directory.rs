use crate::{
    platform::server::db::Db,
    units::{
        api::{RegionOption, UnitOption},
        domain::{Department, DepartmentNode, UnitStatus, department_tree as build_tree, region_prefix},
    },
};

/// Provinces, each followed by its cities.
pub async fn regions(db: &Db) -> Result<Vec<RegionOption>, sqlx::Error> {
    let rows: Vec<RegionRow> =
        sqlx::query_as("SELECT code, name, level FROM regions ORDER BY code").fetch_all(db.reader()).await?;
    Ok(rows
        .into_iter()
        .map(|row| RegionOption { code: row.code, name: row.name, level: row.level })
        .collect())
}

#[derive(sqlx::FromRow)]
struct RegionRow {
    code: String,
    name: String,
    level: i64,
}

#[derive(sqlx::FromRow)]
struct UnitRow {
    id: i64,
    name: String,
}

pub async fn region_name(db: &Db, code: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM regions WHERE code = $1")
        .bind(code)
        .fetch_optional(db.reader())
        .await
}

/// Approved units registered in the region or below it.
pub async fn approved_units_in(db: &Db, region: &str) -> Result<Vec<UnitOption>, sqlx::Error> {
    let pattern = format!("{}%", region_prefix(region));
    let rows: Vec<UnitRow> = sqlx::query_as(
        "SELECT id, name FROM units WHERE status = $2 AND region_code LIKE $1 ORDER BY name, id",
    )
    .bind(pattern)
    .bind(UnitStatus::Approved.code())
    .fetch_all(db.reader())
    .await?;
    Ok(rows.into_iter().map(|row| UnitOption { id: row.id, name: row.name }).collect())
}

pub async fn approved_unit_name(db: &Db, unit_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM units WHERE id = $1 AND status = $2")
        .bind(unit_id)
        .bind(UnitStatus::Approved.code())
        .fetch_optional(db.reader())
        .await
}

pub async fn department_tree(db: &Db, unit_id: i64) -> Result<Vec<DepartmentNode>, sqlx::Error> {
    let rows: Vec<Department> =
        sqlx::query_as("SELECT id, parent_id, name FROM departments WHERE unit_id = $1 ORDER BY name, id")
            .bind(unit_id)
            .fetch_all(db.reader())
            .await?;
    Ok(build_tree(&rows))
}

/// Whether the department belongs to the unit.
pub async fn department_in_unit(
    executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
    department_id: i64,
    unit_id: i64,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM departments WHERE id = $1 AND unit_id = $2")
        .bind(department_id)
        .bind(unit_id)
        .fetch_optional(executor)
        .await?;
    Ok(found.is_some())
}
