//! Server functions for 学时: the trainee's 学时完成情况 and its ledger rows, and the
//! authority's yearly requirements.

use super::domain::{Completion, Requirement, RequirementForm};
use crate::{catalogue::domain::Category, error::AppResult, platform::paging::Page};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::server::{repo, service},
    crate::{
        accounts::domain::{identity::IdNumber, roles::Role},
        error::AppError,
        platform::{paging::clamp_page, server::respond, time::year_of},
        state::Ctx,
    },
};

/// 学时完成情况: every year the trainee holds hours in, and this year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursOverview {
    pub this_year: i64,
    pub years: Vec<Completion>,
}

/// One ledger row as its holder reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerLine {
    pub id: i64,
    pub category: Category,
    /// In tenths; negative for a reversal.
    pub tenths: i64,
    pub source: String,
    pub title: String,
    pub note: String,
    /// The row this one reverses.
    pub reverses: Option<i64>,
    pub approver: Option<String>,
    pub created_at: i64,
}

/// One year of 学时完成情况 and the rows behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursYear {
    pub completion: Completion,
    pub rows: Vec<LedgerLine>,
}

/// A stored requirement version, for the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementLine {
    /// '' for everywhere.
    pub region_code: String,
    /// '' for everywhere.
    pub region_name: String,
    /// The newest version of its region and year: the one in force.
    pub in_force: bool,
    pub requirement: Requirement,
}

/// The console's list of requirements and the region the caller sets them for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementsView {
    /// '' for the platform admin (everywhere).
    pub region_code: String,
    pub region_name: String,
    pub lines: Vec<RequirementLine>,
}

#[server(prefix = "/api", endpoint = "me/hours")]
pub async fn my_hours() -> AppResult<HoursOverview> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let this_year = year_of(cx.now);
        let years = service::completions(&cx.state.db, cx.user.id, this_year).await?;
        Ok(HoursOverview { this_year, years })
    })
    .await
}

#[server(prefix = "/api", endpoint = "me/hours/year")]
pub async fn my_hours_year(year: i64) -> AppResult<HoursYear> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        if !(super::domain::YEAR_MIN..=super::domain::YEAR_MAX).contains(&year) {
            return Err(AppError::not_found("没有这个年度"));
        }
        let (completion, rows) = service::year(&cx.state.db, cx.user.id, year).await?;
        let rows = rows
            .into_iter()
            .map(|r| LedgerLine {
                id: r.id,
                category: r.category,
                tenths: r.tenths,
                source: r.source.label().to_owned(),
                title: r.title,
                note: r.note,
                reverses: r.reverses_id,
                approver: r.approver,
                created_at: r.created_at,
            })
            .collect();
        Ok(HoursYear { completion, rows })
    })
    .await
}

/// One member of the unit in the unit's 学时完成情况.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffHoursLine {
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub department: String,
    pub completion: Completion,
}

/// The unit's 学时完成情况 for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffHoursView {
    pub year: i64,
    pub this_year: i64,
    pub unmet_only: bool,
    /// How many of the unit's staff have not met the year's requirement.
    pub unmet: i64,
    pub page: Page<StaffHoursLine>,
}

#[cfg(feature = "ssr")]
const STAFF_PER_PAGE: u32 = 20;

/// The unit admin's view of its staff for a year (this year or last), optionally only
/// those who have not met it.
#[server(prefix = "/api", endpoint = "unit/hours")]
pub async fn unit_staff_hours(
    year: Option<i64>,
    unmet: Option<String>,
    page: Option<u32>,
) -> AppResult<StaffHoursView> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        let this_year = year_of(cx.now);
        let year = year.unwrap_or(this_year);
        if !super::domain::declarable_years(this_year).contains(&year) {
            return Err(AppError::not_found("只能查看本年度和上一年度"));
        }
        let unmet_only = unmet.as_deref() == Some("1");
        let page = clamp_page(page, u32::MAX);
        let found =
            service::unit_hours(&cx.state.db, unit_id, year, unmet_only, page, STAFF_PER_PAGE).await?;
        let masked = |n: Option<String>| n.and_then(|n| IdNumber::parse(&n).ok()).map(|n| n.masked());
        let items = found
            .page
            .items
            .into_iter()
            .map(|s| StaffHoursLine {
                name: s.staff.name,
                id_number: masked(s.staff.id_number).unwrap_or_default(),
                department: s.staff.department,
                completion: s.completion,
            })
            .collect();
        Ok(StaffHoursView {
            year,
            this_year,
            unmet_only,
            unmet: found.unmet,
            page: Page { items, page, per_page: STAFF_PER_PAGE, total: found.page.total },
        })
    })
    .await
}

#[cfg(feature = "ssr")]
const REQUIREMENT_MAKERS: &[Role] = &[Role::Authority, Role::PlatformAdmin];

#[server(prefix = "/api", endpoint = "admin/credit-requirements")]
pub async fn list_requirements() -> AppResult<RequirementsView> {
    respond(async move {
        let cx = Ctx::require_any(REQUIREMENT_MAKERS).await?;
        let region_code = service::maker_region(&cx)?;
        // An authority sees its own region's versions; the platform admin all.
        let pattern = if region_code.is_empty() { "%".to_owned() } else { region_code.clone() };
        let mut seen = std::collections::HashSet::new();
        // Newest version first within each region and year.
        let lines = repo::list(cx.state.db.reader(), &pattern)
            .await?
            .into_iter()
            .map(|s| RequirementLine {
                in_force: seen.insert((s.region_code.clone(), s.requirement.year)),
                region_code: s.region_code,
                region_name: s.region_name,
                requirement: s.requirement,
            })
            .collect();
        let region_name = repo::region_name(cx.state.db.reader(), &region_code).await?;
        Ok(RequirementsView { region_code, region_name, lines })
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/credit-requirements/save")]
pub async fn save_requirement(#[server(flatten)] form: RequirementForm) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(REQUIREMENT_MAKERS).await?;
        let new = form.parse().map_err(|(field, message)| AppError::invalid_field(field, message))?;
        let version = service::save_requirement(&cx, &new).await?;
        leptos_axum::redirect(&format!("/admin/credit-requirements?saved={}-{version}", new.year));
        Ok(())
    })
    .await
}
