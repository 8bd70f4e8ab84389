//! 学时 steps above the SQL: a person's years judged against their requirements (the
//! one evaluation every view reads), and a new requirement version with its audit.

use super::{
    declarations,
    repo::{self, LedgerRow},
};
use crate::{
    accounts::domain::{
        identity::{IdNumber, mask_stored_id_number},
        roles::Role,
    },
    catalogue::domain::{Category, Hours},
    credits::{
        api::{RecordFilter, RecordLine},
        domain::Source,
        server::repo::NewEntry,
    },
    messages::{domain::Outgoing, server::service as messages},
    units::domain::{region_covers, region_prefix},
};
use crate::{
    credits::domain::{Completion, NewRequirement, evaluate, unit_declaration::IMPORT_COLUMNS},
    error::{AppError, AppResult},
    platform::{
        paging::{Page, limit_offset},
        server::{audit, db::Db, sheet::Table},
    },
    state::Ctx,
};
use std::collections::BTreeSet;

/// Every year a person holds hours in, and `this_year` (so a newcomer sees what this
/// year asks), newest first, each judged against the requirement in force for it.
/// Exact at every moment: it reads the ledger itself, no batch.
pub async fn completions(db: &Db, user_id: i64, this_year: i64) -> AppResult<Vec<Completion>> {
    let pool = db.reader();
    // Two queries: the requirements (region found inside), the ledger's sums.
    let requirements = repo::in_force_for(pool, user_id).await?;
    let sums = repo::sums(pool, user_id).await?;
    let years: BTreeSet<i64> = sums.iter().map(|(year, _)| *year).chain([this_year]).collect();
    Ok(years
        .into_iter()
        .rev()
        .map(|year| {
            let of_year: Vec<_> = sums.iter().filter(|(y, _)| *y == year).map(|(_, s)| s.clone()).collect();
            evaluate(year, requirements.iter().find(|r| r.year == year), &of_year)
        })
        .collect())
}

/// One year of a person: its evaluation and the ledger rows behind it.
pub async fn year(db: &Db, user_id: i64, year: i64) -> AppResult<(Completion, Vec<LedgerRow>)> {
    let pool = db.reader();
    let requirements = repo::in_force_for(pool, user_id).await?;
    let sums: Vec<_> =
        repo::sums(pool, user_id).await?.into_iter().filter(|(y, _)| *y == year).map(|(_, s)| s).collect();
    let rows = repo::rows(pool, user_id, year).await?;
    Ok((evaluate(year, requirements.iter().find(|r| r.year == year), &sums), rows))
}

/// The region a requirement maker sets requirements for: an authority its own, the
/// platform admin everywhere ('').
pub fn maker_region(cx: &Ctx) -> AppResult<String> {
    match cx.user.authority_region() {
        Some(region) => Ok(region),
        None if cx.user.has_role(Role::PlatformAdmin) => Ok(String::new()),
        None => Err(AppError::forbidden()),
    }
}

/// Stores a new version of a year's requirement for the caller's region.
pub async fn save_requirement(cx: &Ctx, new: &NewRequirement) -> AppResult<i64> {
    let region = maker_region(cx)?;
    let mut tx = cx.state.db.begin().await?;
    let version = repo::insert(&mut tx, &region, new, Some(cx.user.id), cx.now).await?;
    audit::record(
        &mut tx,
        cx.audit(
            "credit_requirement.save",
            "credit_requirement",
            format!("{region}/{}/{version}", new.year),
            format!(
                "总学时 {} 公需 {} 专业 {} 选修 {}",
                new.total, new.public, new.professional, new.elective
            ),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// One member of a unit and their year.
#[derive(Debug, Clone)]
pub struct StaffCompletion {
    pub staff: repo::StaffRow,
    pub completion: Completion,
}

/// One page of a unit's staff for a year, and how many have not met it.
#[derive(Debug, Clone)]
pub struct UnitHours {
    pub unmet: i64,
    pub page: Page<StaffCompletion>,
}

/// Every approved member of `unit_id` judged for `year` by the same evaluation as the
/// trainee's own page (one query for the sums of all of them), then one page of them,
/// `unmet_only` keeping those who have not met it.
pub async fn unit_hours(
    db: &Db,
    unit_id: i64,
    year: i64,
    unmet_only: bool,
    page: u32,
    per_page: u32,
) -> AppResult<UnitHours> {
    let all = unit_completions(db, unit_id, year).await?;
    let unmet = i64::try_from(all.iter().filter(|s| !s.completion.met).count()).unwrap_or(i64::MAX);
    let shown: Vec<_> = all.into_iter().filter(|s| !unmet_only || !s.completion.met).collect();
    let total = i64::try_from(shown.len()).unwrap_or(i64::MAX);
    let (limit, offset) = limit_offset(page, per_page);
    let items = shown
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or_default())
        .collect();
    Ok(UnitHours { unmet, page: Page { items, page, per_page, total } })
}

/// Every approved member of `unit_id` judged for `year`.
pub async fn unit_completions(db: &Db, unit_id: i64, year: i64) -> AppResult<Vec<StaffCompletion>> {
    let pool = db.reader();
    let region = repo::unit_region(pool, unit_id).await?;
    let requirements = repo::in_force(pool, &region).await?;
    let requirement = requirements.iter().find(|r| r.year == year);
    let staff = repo::unit_staff(pool, unit_id).await?;
    let sums = repo::unit_sums(pool, unit_id, year).await?;
    let mut by_user: std::collections::HashMap<i64, Vec<crate::credits::domain::LedgerSum>> =
        std::collections::HashMap::new();
    for (user_id, sum) in sums {
        by_user.entry(user_id).or_default().push(sum);
    }
    Ok(staff
        .into_iter()
        .map(|staff| {
            let completion =
                evaluate(year, requirement, by_user.get(&staff.id).map(Vec::as_slice).unwrap_or_default());
            StaffCompletion { staff, completion }
        })
        .collect())
}

/// 继续教育记录: the person's declarations and the ledger rows from elsewhere, newest
/// first, filtered.
pub async fn records(db: &Db, user_id: i64, filter: &RecordFilter) -> AppResult<Vec<RecordLine>> {
    let mut lines: Vec<RecordLine> = declarations::list_own(db, user_id)
        .await?
        .into_iter()
        .map(|d| RecordLine {
            declaration_id: Some(d.id),
            title: d.title,
            year: d.year,
            category: d.category,
            tenths: d.granted_tenths.unwrap_or(d.claimed_tenths),
            source: Source::Declaration.label().to_owned(),
            status: d.status.label().to_owned(),
            status_code: d.status.code().to_owned(),
            source_code: Source::Declaration.code().to_owned(),
            at: d.submitted_at.unwrap_or(d.created_at),
        })
        .collect();
    let rows = repo::rows_not_declared(db.reader(), user_id).await?;
    let reversed: BTreeSet<i64> = rows.iter().filter_map(|r| r.reverses_id).collect();
    lines.extend(rows.into_iter().map(|r| RecordLine {
        declaration_id: None,
        status:
            if r.reverses_id.is_some() || reversed.contains(&r.id) { "已冲销" } else { "已计入" }.to_owned(),
        status_code: CREDITED.to_owned(),
        source_code: r.source.code().to_owned(),
        title: r.title,
        year: r.year,
        category: r.category,
        tenths: r.tenths,
        source: r.source.label().to_owned(),
        at: r.created_at,
    }));
    lines.sort_by_key(|l| std::cmp::Reverse(l.at));
    let year: Option<i64> = filter.year.trim().parse().ok();
    Ok(lines
        .into_iter()
        .filter(|l| year.is_none_or(|y| l.year == y))
        .filter(|l| filter.category.is_empty() || l.category.code() == filter.category)
        .filter(|l| filter.source.is_empty() || l.source_code == filter.source)
        .filter(|l| filter.status.is_empty() || l.status_code == filter.status)
        .collect())
}

/// The status filter's value for ledger rows (已计入 or 已冲销).
pub const CREDITED: &str = "credited";

/// A unit's departments, for the queue's filter.
pub async fn department_options(db: &Db, unit_id: i64) -> AppResult<Vec<(String, String)>> {
    repo::departments(db.reader(), unit_id).await
}

/// 批量通过: each record approved with the hours claimed, each in its own transaction
/// (one already reviewed, or refused as counted twice, does not hold up the rest).
/// Returns how many were approved.
pub async fn approve_all(cx: &Ctx, unit_id: i64, ids: &[i64]) -> AppResult<usize> {
    let mut approved = 0;
    let decision = declarations::Decision::Approve { granted: None, note: String::new() };
    for id in ids {
        match declarations::review(cx, unit_id, *id, &decision).await {
            Ok(()) => approved += 1,
            Err(error) if error.kind != crate::error::ErrorKind::Internal => {}
            Err(error) => return Err(error),
        }
    }
    Ok(approved)
}

/// Whether the caller answers for `region`: the platform admin everywhere, an
/// authority inside its own region.
pub fn covers(cx: &Ctx, region: &str) -> bool {
    cx.user.has_role(Role::PlatformAdmin)
        || cx.user.authority_region().is_some_and(|scope| region_covers(&scope, region))
}

/// A person the authority looks up by ID number.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonRow {
    pub id: i64,
    pub name: String,
    pub id_number: Option<String>,
    pub unit_name: String,
    pub region_code: String,
}

/// The person with this ID number, if the caller answers for their unit's region; any
/// other answers like one that does not exist.
pub async fn person_in_scope(cx: &Ctx, id_number: &IdNumber) -> AppResult<PersonRow> {
    let person: Option<PersonRow> = sqlx::query_as(
        "SELECT u.id, u.name, u.id_number, COALESCE(n.name, '') AS unit_name, COALESCE(n.region_code, '') AS region_code
         FROM users u LEFT JOIN units n ON n.id = u.unit_id AND u.unit_status = 'approved'
         WHERE u.id_number = $1",
    )
    .bind(id_number.as_str())
    .fetch_optional(cx.state.db.reader())
    .await?;
    person
        .filter(|p| covers(cx, &p.region_code))
        .ok_or_else(|| AppError::not_found("本辖区没有这个身份证号的人员"))
}

/// 学时调整: hours the authority adds, with its reason (a correction of a wrong row is
/// 冲销 of that row plus an adjustment).
pub async fn adjust(
    cx: &Ctx,
    person: &PersonRow,
    year: i64,
    category: Category,
    hours: Hours,
    reason: &str,
) -> AppResult<()> {
    let mut tx = cx.state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO credit_adjustments (user_id, year, category, tenths, reason, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(person.id)
    .bind(year)
    .bind(category.code())
    .bind(hours.0)
    .bind(reason)
    .bind(cx.user.id)
    .bind(cx.now)
    .fetch_one(&mut *tx)
    .await?;
    let entry = NewEntry {
        user_id: person.id,
        year,
        category,
        tenths: hours.0,
        source: Source::Adjustment,
        source_id: id,
        kind: String::new(),
        title: "学时调整".to_owned(),
        evidence: String::new(),
        note: reason.to_owned(),
        approved_by: Some(cx.user.id),
        created_at: cx.now,
    };
    repo::credit(&mut tx, &entry).await?;
    audit::record(
        &mut tx,
        cx.audit(
            "credit.adjust",
            "user",
            person.id.to_string(),
            format!("{year} {} {hours} {reason}", category.code()),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 冲销 of one of the person's rows, with the reason; the person is told.
pub async fn reverse_row(cx: &Ctx, person: &PersonRow, ledger_id: i64, reason: &str) -> AppResult<()> {
    let mut tx = cx.state.db.begin().await?;
    let owner: Option<i64> = sqlx::query_scalar("SELECT user_id FROM credit_ledger WHERE id = $1")
        .bind(ledger_id)
        .fetch_optional(&mut *tx)
        .await?;
    if owner != Some(person.id) {
        return Err(AppError::not_found("没有这条学时记录"));
    }
    if repo::reverse(&mut tx, ledger_id, cx.user.id, &format!("冲销：{reason}"), cx.now).await?.is_none() {
        return Err(AppError::conflict("这条学时记录已冲销"));
    }
    tell(&mut tx, cx, person.id, &format!("您的一条学时记录已被人社部门冲销：{reason}。")).await?;
    audit::record(&mut tx, cx.audit("credit.reverse", "credit_ledger", ledger_id.to_string(), reason))
        .await?;
    tx.commit().await?;
    Ok(())
}

async fn tell(tx: &mut crate::platform::server::db::Tx, cx: &Ctx, user_id: i64, body: &str) -> AppResult<()> {
    let phone: Option<String> = sqlx::query_scalar("SELECT phone FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?
        .flatten();
    messages::send(
        tx,
        &cx.state,
        Outgoing {
            user_id, phone: phone.as_deref(), title: "学时变更", body, link: "/me/hours", at: cx.now
        },
    )
    .await
}

/// A unit's declaration, as the authority lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitDeclarationRow {
    pub id: i64,
    pub unit_name: String,
    pub year: i64,
    #[sqlx(try_from = "String")]
    pub category: Category,
    pub title: String,
    pub tenths: i64,
    pub people: i64,
    pub file_name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub revoke_reason: String,
}

/// The declarations of the units in the caller's region, newest first.
pub async fn unit_declarations(cx: &Ctx, page: u32, per_page: u32) -> AppResult<Page<UnitDeclarationRow>> {
    let pattern = match cx.user.authority_region() {
        Some(scope) => format!("{}%", region_prefix(&scope)),
        None if cx.user.has_role(Role::PlatformAdmin) => "%".to_owned(),
        None => return Err(AppError::forbidden()),
    };
    let pool = cx.state.db.reader();
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM unit_declarations d JOIN units n ON n.id = d.unit_id WHERE n.region_code LIKE $1",
    )
    .bind(&pattern)
    .fetch_one(pool)
    .await?;
    let (limit, offset) = limit_offset(page, per_page);
    let items: Vec<UnitDeclarationRow> = sqlx::query_as(
        "SELECT d.id, n.name AS unit_name, d.year, d.category, d.title, d.tenths, d.people, d.file_name, d.created_at,
                d.revoked_at, d.revoke_reason
         FROM unit_declarations d JOIN units n ON n.id = d.unit_id WHERE n.region_code LIKE $1
         ORDER BY d.created_at DESC, d.id DESC LIMIT $2 OFFSET $3",
    )
    .bind(&pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok(Page { items, page, per_page, total })
}

/// 撤销 of a unit's declaration: every row it credited is reversed, each person told,
/// in one transaction; a second revocation is refused. Returns how many rows.
pub async fn revoke_unit_declaration(cx: &Ctx, id: i64, reason: &str) -> AppResult<usize> {
    let mut tx = cx.state.db.begin().await?;
    let region: Option<String> = sqlx::query_scalar(
        "SELECT n.region_code FROM unit_declarations d JOIN units n ON n.id = d.unit_id WHERE d.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    if !region.is_some_and(|region| covers(cx, &region)) {
        return Err(AppError::not_found("没有这条单位申报"));
    }
    let revoked = sqlx::query(
        "UPDATE unit_declarations SET revoked_at = $1, revoked_by = $2, revoke_reason = $3
         WHERE id = $4 AND revoked_at IS NULL",
    )
    .bind(cx.now)
    .bind(cx.user.id)
    .bind(reason)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if revoked.rows_affected() != 1 {
        return Err(AppError::conflict("这条单位申报已撤销"));
    }
    let rows: Vec<i64> = sqlx::query_scalar(
        "SELECT ledger_id FROM credit_claims WHERE source = $1 AND source_id = $2 ORDER BY ledger_id",
    )
    .bind(Source::UnitDeclared.code())
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let mut reversed = 0;
    for ledger_id in rows {
        if let Some(user_id) =
            repo::reverse(&mut tx, ledger_id, cx.user.id, &format!("撤销：{reason}"), cx.now).await?
        {
            tell(&mut tx, cx, user_id, &format!("单位为您申报的学时已被人社部门撤销：{reason}。")).await?;
            reversed += 1;
        }
    }
    audit::record(&mut tx, cx.audit("unit_declaration.revoke", "unit_declaration", id.to_string(), reason))
        .await?;
    tx.commit().await?;
    Ok(reversed)
}

/// The unit's 学时完成情况 for `year` as a table to download: one line per member, the
/// same figures as the page.
pub async fn unit_hours_table(db: &Db, unit_id: i64, year: i64, unmet_only: bool) -> AppResult<Table> {
    let staff = unit_completions(db, unit_id, year).await?;
    let header = ["姓名", "身份证号", "部门", "公需", "专业", "选修", "合计", "要求", "还差", "状态", "还需"];
    let rows = staff
        .iter()
        .filter(|s| !unmet_only || !s.completion.met)
        .map(|s| {
            let c = &s.completion;
            let earned = |category| c.category(category).map(|p| p.earned.to_string()).unwrap_or_default();
            vec![
                s.staff.name.clone(),
                mask_stored_id_number(s.staff.id_number.as_deref()),
                s.staff.department.clone(),
                earned(Category::Public),
                earned(Category::Professional),
                earned(Category::Elective),
                c.earned.to_string(),
                c.required.to_string(),
                c.missing.to_string(),
                c.verdict().to_owned(),
                c.shortfall(),
            ]
        })
        .collect();
    Ok(Table { header: header.map(str::to_owned).to_vec(), rows, text_columns: vec![1] })
}

/// The empty file a unit fills in to import 单位申报学时 (身份证号 kept as text).
pub fn import_template() -> Table {
    Table { header: IMPORT_COLUMNS.map(str::to_owned).to_vec(), rows: Vec::new(), text_columns: vec![0] }
}
