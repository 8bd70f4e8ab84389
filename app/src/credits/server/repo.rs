//! The ledger and the requirements in SQL. The ledger is append-only: rows are
//! inserted, never updated; `credit_claims` holds the one live row per person and
//! thing credited.

use crate::{
    catalogue::domain::{Category, Hours},
    credits::domain::{Cap, LedgerSum, NewRequirement, Requirement, Source},
    error::AppResult,
    platform::server::db::Tx,
};
use sqlx::{Any, Executor};

/// A row about to enter the ledger.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub user_id: i64,
    pub year: i64,
    pub category: Category,
    pub tenths: i64,
    pub source: Source,
    pub source_id: i64,
    pub kind: String,
    pub title: String,
    pub evidence: String,
    pub note: String,
    pub approved_by: Option<i64>,
    pub created_at: i64,
}

/// What crediting did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credited {
    Entered {
        ledger_id: i64,
    },
    /// The person already holds hours for this thing: the row that does.
    AlreadyHeld {
        ledger_id: i64,
        title: String,
        year: i64,
    },
}

#[derive(sqlx::FromRow)]
struct HeldRow {
    id: i64,
    title: String,
    year: i64,
}

/// Enters `entry` unless the person already holds hours for its source; never counts
/// one thing twice, whatever runs at the same time (the claim's key decides).
pub async fn credit(tx: &mut Tx, entry: &NewEntry) -> AppResult<Credited> {
    if let Some(held) = held(tx, entry.user_id, entry.source, entry.source_id).await? {
        return Ok(Credited::AlreadyHeld { ledger_id: held.id, title: held.title, year: held.year });
    }
    let ledger_id: i64 = sqlx::query_scalar(
        "INSERT INTO credit_ledger (user_id, year, category, tenths, source, source_id, kind, title, evidence, note,
                                    approved_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(entry.user_id)
    .bind(entry.year)
    .bind(entry.category.code())
    .bind(entry.tenths)
    .bind(entry.source.code())
    .bind(entry.source_id)
    .bind(&entry.kind)
    .bind(&entry.title)
    .bind(&entry.evidence)
    .bind(&entry.note)
    .bind(entry.approved_by)
    .bind(entry.created_at)
    .fetch_one(&mut **tx)
    .await?;
    let claimed = sqlx::query(
        "INSERT INTO credit_claims (user_id, source, source_id, ledger_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, source, source_id) DO NOTHING",
    )
    .bind(entry.user_id)
    .bind(entry.source.code())
    .bind(entry.source_id)
    .bind(ledger_id)
    .execute(&mut **tx)
    .await?;
    if claimed.rows_affected() == 0 {
        // Another request credited the same thing first: this transaction's own row,
        // never seen by anyone, goes again.
        sqlx::query("DELETE FROM credit_ledger WHERE id = $1").bind(ledger_id).execute(&mut **tx).await?;
        let held = held(tx, entry.user_id, entry.source, entry.source_id).await?;
        let held =
            held.ok_or_else(|| crate::error::AppError::internal("a claim vanished while crediting"))?;
        return Ok(Credited::AlreadyHeld { ledger_id: held.id, title: held.title, year: held.year });
    }
    Ok(Credited::Entered { ledger_id })
}

async fn held(tx: &mut Tx, user_id: i64, source: Source, source_id: i64) -> AppResult<Option<HeldRow>> {
    Ok(sqlx::query_as(
        "SELECT l.id, l.title, l.year FROM credit_claims c JOIN credit_ledger l ON l.id = c.ledger_id
         WHERE c.user_id = $1 AND c.source = $2 AND c.source_id = $3",
    )
    .bind(user_id)
    .bind(source.code())
    .bind(source_id)
    .fetch_optional(&mut **tx)
    .await?)
}

#[derive(sqlx::FromRow)]
struct ReversedRow {
    user_id: i64,
    year: i64,
    category: String,
    tenths: i64,
    source: String,
    source_id: i64,
    kind: String,
    title: String,
}

/// Reverses a live row: a row of the opposite hours pointing at it (never an edit),
/// and its claim given up, so the thing may be credited again. Returns the person, or
/// None when the row was reversed already or is itself a reversal.
pub async fn reverse(tx: &mut Tx, ledger_id: i64, by: i64, note: &str, now: i64) -> AppResult<Option<i64>> {
    let row: Option<ReversedRow> = sqlx::query_as(
        "SELECT user_id, year, category, tenths, source, source_id, kind, title FROM credit_ledger
         WHERE id = $1 AND reverses_id IS NULL",
    )
    .bind(ledger_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    // The unique index on reverses_id lets a row be reversed once, whatever runs at once.
    let inserted = sqlx::query(
        "INSERT INTO credit_ledger (user_id, year, category, tenths, source, source_id, kind, title, note, reverses_id,
                                    approved_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (reverses_id) WHERE reverses_id IS NOT NULL DO NOTHING",
    )
    .bind(row.user_id)
    .bind(row.year)
    .bind(&row.category)
    .bind(-row.tenths)
    .bind(&row.source)
    .bind(row.source_id)
    .bind(&row.kind)
    .bind(&row.title)
    .bind(note)
    .bind(ledger_id)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() != 1 {
        return Ok(None);
    }
    sqlx::query("DELETE FROM credit_claims WHERE ledger_id = $1").bind(ledger_id).execute(&mut **tx).await?;
    Ok(Some(row.user_id))
}

/// A ledger sum under its key: the year (one person's years) or the person (a unit's year).
#[derive(sqlx::FromRow)]
struct KeyedSumRow {
    grouped_by: i64,
    #[sqlx(try_from = "String")]
    category: Category,
    #[sqlx(try_from = "String")]
    source: Source,
    kind: String,
    tenths: i64,
}

fn keyed(rows: Vec<KeyedSumRow>) -> Vec<(i64, LedgerSum)> {
    rows.into_iter()
        .map(|r| {
            (
                r.grouped_by,
                LedgerSum { category: r.category, source: r.source, kind: r.kind, tenths: r.tenths },
            )
        })
        .collect()
}

/// Every year's sums of one person, by year: one query on the ledger's (user, year) index.
pub async fn sums<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> AppResult<Vec<(i64, LedgerSum)>> {
    let rows: Vec<KeyedSumRow> = sqlx::query_as(
        "SELECT year AS grouped_by, category, source, kind, CAST(SUM(tenths) AS BIGINT) AS tenths FROM credit_ledger
         WHERE user_id = $1 GROUP BY year, category, source, kind ORDER BY year DESC",
    )
    .bind(user_id)
    .fetch_all(executor)
    .await?;
    Ok(keyed(rows))
}

/// One year's sums of every approved member of a unit, by person, in one query.
pub async fn unit_sums<'e>(
    executor: impl Executor<'e, Database = Any>,
    unit_id: i64,
    year: i64,
) -> AppResult<Vec<(i64, LedgerSum)>> {
    let rows: Vec<KeyedSumRow> = sqlx::query_as(
        "SELECT l.user_id AS grouped_by, l.category, l.source, l.kind, CAST(SUM(l.tenths) AS BIGINT) AS tenths
         FROM users u JOIN credit_ledger l ON l.user_id = u.id AND l.year = $2
         WHERE u.unit_id = $1 AND u.unit_status = 'approved'
         GROUP BY l.user_id, l.category, l.source, l.kind",
    )
    .bind(unit_id)
    .bind(year)
    .fetch_all(executor)
    .await?;
    Ok(keyed(rows))
}

/// An approved member of a unit.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRow {
    pub id: i64,
    pub name: String,
    pub id_number: Option<String>,
    pub department: String,
}

/// Every approved member of a unit, by name.
pub async fn unit_staff<'e>(
    executor: impl Executor<'e, Database = Any>,
    unit_id: i64,
) -> AppResult<Vec<StaffRow>> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.name, u.id_number, COALESCE(d.name, '') AS department
         FROM users u LEFT JOIN departments d ON d.id = u.department_id
         WHERE u.unit_id = $1 AND u.unit_status = 'approved' ORDER BY u.name, u.id",
    )
    .bind(unit_id)
    .fetch_all(executor)
    .await?)
}

/// A unit's region.
pub async fn unit_region<'e>(executor: impl Executor<'e, Database = Any>, unit_id: i64) -> AppResult<String> {
    let region: Option<String> = sqlx::query_scalar("SELECT region_code FROM units WHERE id = $1")
        .bind(unit_id)
        .fetch_optional(executor)
        .await?;
    Ok(region.unwrap_or_default())
}

/// One ledger row as its holder reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LedgerRow {
    pub id: i64,
    pub year: i64,
    #[sqlx(try_from = "String")]
    pub category: Category,
    pub tenths: i64,
    #[sqlx(try_from = "String")]
    pub source: Source,
    pub title: String,
    pub evidence: String,
    pub note: String,
    pub reverses_id: Option<i64>,
    pub approver: Option<String>,
    pub created_at: i64,
}

const LEDGER_ROW_SELECT: &str =
    "SELECT l.id, l.year, l.category, l.tenths, l.source, l.title, l.evidence, l.note,
        l.reverses_id, u.name AS approver, l.created_at
     FROM credit_ledger l LEFT JOIN users u ON u.id = l.approved_by";

/// The rows of one person's year, newest first.
pub async fn rows<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: i64,
    year: i64,
) -> AppResult<Vec<LedgerRow>> {
    Ok(sqlx::query_as(&format!(
        "{LEDGER_ROW_SELECT} WHERE l.user_id = $1 AND l.year = $2 ORDER BY l.created_at DESC, l.id DESC"
    ))
    .bind(user_id)
    .bind(year)
    .fetch_all(executor)
    .await?)
}

/// Every row of one person that did not come from a declaration (those show as the
/// declaration itself), newest first; with the ids of the rows that were reversed.
pub async fn rows_not_declared<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> AppResult<Vec<LedgerRow>> {
    Ok(sqlx::query_as(
        &format!(
            "{LEDGER_ROW_SELECT} WHERE l.user_id = $1 AND l.source <> 'declaration' ORDER BY l.created_at DESC, l.id DESC"
        ),
    )
    .bind(user_id)
    .fetch_all(executor)
    .await?)
}

#[derive(sqlx::FromRow)]
struct DepartmentRow {
    id: i64,
    name: String,
}

/// A unit's departments as (id, name) options, by name.
pub async fn departments<'e>(
    executor: impl Executor<'e, Database = Any>,
    unit_id: i64,
) -> AppResult<Vec<(String, String)>> {
    let rows: Vec<DepartmentRow> =
        sqlx::query_as("SELECT id, name FROM departments WHERE unit_id = $1 ORDER BY name, id")
            .bind(unit_id)
            .fetch_all(executor)
            .await?;
    Ok(rows.into_iter().map(|d| (d.id.to_string(), d.name)).collect())
}

/// The region whose requirements apply to a person: their approved unit's, else none.
pub async fn region_of<'e>(executor: impl Executor<'e, Database = Any>, user_id: i64) -> AppResult<String> {
    let region: Option<String> = sqlx::query_scalar(
        "SELECT n.region_code FROM users u JOIN units n ON n.id = u.unit_id
         WHERE u.id = $1 AND u.unit_status = 'approved'",
    )
    .bind(user_id)
    .fetch_optional(executor)
    .await?;
    Ok(region.unwrap_or_default())
}

/// The regions whose requirements may apply in `region` (GB/T 2260), widest first:
/// everywhere, the province, the city, the county.
pub fn covering_regions(region: &str) -> Vec<String> {
    let mut regions = vec![String::new()];
    if region.len() == 6 && region.bytes().all(|b| b.is_ascii_digit()) {
        for cut in [2, 4, 6] {
            let code = format!("{:0<6}", &region[..cut]);
            if !regions.contains(&code) {
                regions.push(code);
            }
        }
    }
    regions
}

#[derive(sqlx::FromRow)]
struct RequirementRow {
    id: i64,
    region_code: String,
    /// The region's name ('' for everywhere).
    region_name: String,
    year: i64,
    version: i64,
    total_tenths: i64,
    public_tenths: i64,
    professional_tenths: i64,
    elective_tenths: i64,
    professional_two_thirds: i64,
}

/// A region's name, '' when unknown or for everywhere.
pub async fn region_name<'e>(executor: impl Executor<'e, Database = Any>, code: &str) -> AppResult<String> {
    let name: Option<String> = sqlx::query_scalar("SELECT name FROM regions WHERE code = $1")
        .bind(code)
        .fetch_optional(executor)
        .await?;
    Ok(name.unwrap_or_default())
}

/// A stored requirement version and where it applies.
#[derive(Debug, Clone)]
pub struct StoredRequirement {
    pub region_code: String,
    pub region_name: String,
    pub requirement: Requirement,
}

#[derive(sqlx::FromRow)]
struct RequirementCapRow {
    #[sqlx(flatten)]
    requirement: RequirementRow,
    cap_kind: Option<String>,
    cap_label: Option<String>,
    cap_max: Option<i64>,
}

/// Every version with its caps (one row per cap, none: one row), and its region's name.
const VERSIONS_SELECT: &str =
    "SELECT q.id, q.region_code, COALESCE(g.name, '') AS region_name, q.year, q.version,
        q.total_tenths, q.public_tenths, q.professional_tenths, q.elective_tenths, q.professional_two_thirds,
        c.kind AS cap_kind, c.label AS cap_label, c.max_tenths AS cap_max
     FROM credit_requirements q LEFT JOIN regions g ON g.code = q.region_code
     LEFT JOIN credit_caps c ON c.requirement_id = q.id";
/// Per year, the narrowest region first ('' is the shortest code), then the newest version.
const IN_FORCE_ORDER: &str = "ORDER BY q.year, LENGTH(q.region_code) DESC, q.version DESC, c.kind";

/// The versions of rows that keep a version's caps together.
fn versions(rows: Vec<RequirementCapRow>) -> Vec<StoredRequirement> {
    let mut versions: Vec<(i64, StoredRequirement)> = Vec::new();
    for row in rows {
        let r = row.requirement;
        if versions.last().is_none_or(|(id, _)| *id != r.id) {
            let requirement = Requirement {
                year: r.year,
                version: r.version,
                total: Hours(r.total_tenths),
                public: Hours(r.public_tenths),
                professional: Hours(r.professional_tenths),
                elective: Hours(r.elective_tenths),
                professional_two_thirds: r.professional_two_thirds != 0,
                caps: Vec::new(),
            };
            versions.push((
                r.id,
                StoredRequirement { region_code: r.region_code, region_name: r.region_name, requirement },
            ));
        }
        if let (Some((_, stored)), Some(kind), Some(label), Some(max)) =
            (versions.last_mut(), row.cap_kind, row.cap_label, row.cap_max)
        {
            stored.requirement.caps.push(Cap { kind, label, max: Hours(max) });
        }
    }
    versions.into_iter().map(|(_, stored)| stored).collect()
}

/// Per year, the first version of rows in [`IN_FORCE_ORDER`].
fn first_per_year(rows: Vec<RequirementCapRow>) -> Vec<Requirement> {
    let mut chosen: Vec<Requirement> = Vec::new();
    for stored in versions(rows) {
        if chosen.last().is_none_or(|last| last.year != stored.requirement.year) {
            chosen.push(stored.requirement);
        }
    }
    chosen
}

/// The requirement in force for each year in `region`: the narrowest region that has
/// one, its newest version, with its caps; one query.
pub async fn in_force(pool: &sqlx::AnyPool, region: &str) -> AppResult<Vec<Requirement>> {
    let regions = covering_regions(region);
    let placeholders: Vec<String> = (1..=regions.len()).map(|i| format!("${i}")).collect();
    let sql =
        format!("{VERSIONS_SELECT} WHERE q.region_code IN ({}) {IN_FORCE_ORDER}", placeholders.join(","));
    let mut query = sqlx::query_as::<_, RequirementCapRow>(&sql);
    for region in &regions {
        query = query.bind(region);
    }
    Ok(first_per_year(query.fetch_all(pool).await?))
}

/// [`in_force`] for a person's region (their approved unit's; none: only what applies
/// everywhere), found in the same query.
pub async fn in_force_for<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> AppResult<Vec<Requirement>> {
    let rows: Vec<RequirementCapRow> = sqlx::query_as(&format!(
        "{VERSIONS_SELECT} WHERE q.region_code = '' OR EXISTS (
             SELECT 1 FROM users u JOIN units n ON n.id = u.unit_id
             WHERE u.id = $1 AND u.unit_status = 'approved' AND LENGTH(n.region_code) = 6
               AND q.region_code IN (n.region_code, SUBSTR(n.region_code, 1, 4) || '00', SUBSTR(n.region_code, 1, 2) || '0000'))
         {IN_FORCE_ORDER}"
    ))
    .bind(user_id)
    .fetch_all(executor)
    .await?;
    Ok(first_per_year(rows))
}

/// Every version stored for regions under `prefix` ('' for all), newest first.
pub async fn list(pool: &sqlx::AnyPool, region_pattern: &str) -> AppResult<Vec<StoredRequirement>> {
    let rows: Vec<RequirementCapRow> = sqlx::query_as(&format!(
        "{VERSIONS_SELECT} WHERE q.region_code LIKE $1 ORDER BY q.year DESC, q.region_code, q.version DESC, c.kind"
    ))
    .bind(region_pattern)
    .fetch_all(pool)
    .await?;
    Ok(versions(rows))
}

/// Stores `new` as the next version of its year in `region`; returns the version.
pub async fn insert(
    tx: &mut Tx,
    region: &str,
    new: &NewRequirement,
    by: Option<i64>,
    now: i64,
) -> AppResult<i64> {
    let latest: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(version) FROM credit_requirements WHERE region_code = $1 AND year = $2",
    )
    .bind(region)
    .bind(new.year)
    .fetch_one(&mut **tx)
    .await?;
    let version = latest.unwrap_or_default() + 1;
    // Two saves at once both pick the same version: the UNIQUE key refuses the second.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO credit_requirements (region_code, year, version, total_tenths, public_tenths, professional_tenths,
                                          elective_tenths, professional_two_thirds, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(region)
    .bind(new.year)
    .bind(version)
    .bind(new.total.0)
    .bind(new.public.0)
    .bind(new.professional.0)
    .bind(new.elective.0)
    .bind(i64::from(new.professional_two_thirds))
    .bind(by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    for cap in &new.caps {
        sqlx::query(
            "INSERT INTO credit_caps (requirement_id, kind, label, max_tenths) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(&cap.kind)
        .bind(&cap.label)
        .bind(cap.max.0)
        .execute(&mut **tx)
        .await?;
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::covering_regions;

    #[test]
    fn a_county_is_covered_by_its_city_province_and_everywhere() {
        assert_eq!(covering_regions("510104"), ["", "510000", "510100", "510104"]);
        assert_eq!(covering_regions("510000"), ["", "510000"]);
        assert_eq!(covering_regions(""), [""]);
        assert_eq!(covering_regions("51０104"), [""], "odd text never panics");
    }
}
