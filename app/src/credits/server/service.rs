//! 学时 steps above the SQL: a person's years judged against their requirements (the
//! one evaluation every view reads), and a new requirement version with its audit.

use super::{
    declarations,
    repo::{self, LedgerRow},
};
use crate::credits::{
    api::{RecordFilter, RecordLine},
    domain::Source,
};
use crate::{
    credits::domain::{Completion, NewRequirement, evaluate},
    error::{AppError, AppResult},
    platform::{
        paging::{Page, limit_offset},
        server::{audit, db::Db},
    },
    state::Ctx,
};
use std::collections::BTreeSet;

/// Every year a person holds hours in, and `this_year` (so a newcomer sees what this
/// year asks), newest first, each judged against the requirement in force for it.
/// Exact at every moment: it reads the ledger itself, no batch.
pub async fn completions(db: &Db, user_id: i64, this_year: i64) -> AppResult<Vec<Completion>> {
    let pool = db.reader();
    let region = repo::region_of(pool, user_id).await?;
    let requirements = repo::in_force(pool, &region).await?;
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
    let region = repo::region_of(pool, user_id).await?;
    let requirements = repo::in_force(pool, &region).await?;
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
        None if cx.user.has_role(crate::accounts::domain::roles::Role::PlatformAdmin) => Ok(String::new()),
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
