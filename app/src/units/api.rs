//! The units' server functions and the data they take and return: the public
//! directory, 单位注册, the authority's review and the unit admin's console. Every
//! console function works on the caller's own unit only, found from the caller's
//! unit_admin grant.

use super::domain::{DepartmentNode, UnitStatus};
use crate::{error::AppResult, platform::paging::Page};
use leptos::{
    prelude::*,
    server_fn::codec::{MultipartData, MultipartFormData},
};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::{
        domain::{UnitApplication, department_options},
        server::{directory as repo, staff, units},
    },
    crate::{
        accounts::{
            domain::identity::Phone,
            domain::roles::Role,
            server::{captcha, sms_codes},
        },
        error::AppError,
        platform::{paging::clamp_page, server::respond, url::percent_encode},
        state::{Ctx, Visitor, app_state},
    },
};

// --- the public directory (regions → units → departments) ---

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionOption {
    pub code: String,
    pub name: String,
    /// 1 province, 2 city.
    pub level: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitOption {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    pub regions: Vec<RegionOption>,
    /// Approved units of the chosen region, if one is chosen.
    pub units: Vec<UnitOption>,
    /// Departments of the chosen unit as (id, "上级 / 下级").
    pub departments: Vec<(i64, String)>,
    /// The chosen unit's name, if it is an approved unit.
    pub unit_name: Option<String>,
}

/// The lists for a region and unit choice, in one round trip.
#[server(prefix = "/api", endpoint = "directory")]
pub async fn load_directory(region: Option<String>, unit: Option<i64>) -> AppResult<Directory> {
    respond(async move {
        let state = app_state()?;
        let db = &state.db;
        let regions = state.public_cache.get_or_load("directory:regions".into(), repo::regions(db)).await?;
        let units = match region.as_deref().filter(|r| r.len() == 6) {
            Some(region) => repo::approved_units_in(db, region).await?,
            None => Vec::new(),
        };
        let (departments, unit_name) = match unit {
            Some(unit_id) => match repo::approved_unit_name(db, unit_id).await? {
                Some(name) => (department_options(&repo::department_tree(db, unit_id).await?), Some(name)),
                None => (Vec::new(), None),
            },
            None => (Vec::new(), None),
        };
        Ok(Directory { regions: Vec::clone(&regions), units, departments, unit_name })
    })
    .await
}

// --- 单位注册 ---

/// Sends the 单位注册 code to the applicant's phone once the image captcha is right.
#[server(prefix = "/api", endpoint = "units/register/code")]
pub async fn send_unit_register_code(phone: String, captcha_id: String, captcha: String) -> AppResult<()> {
    respond(async move {
        let Visitor { state, ip, now } = Visitor::current()?;
        let phone = Phone::parse(&phone).map_err(|e| AppError::invalid_field("phone", e))?;
        if !captcha::check(&state.db, &captcha_id, &captcha, now).await? {
            return Err(AppError::invalid_field("captcha", "验证码错误或已过期，请重新输入"));
        }
        units::may_send_code(&state, phone.as_str()).await?;
        sms_codes::send(&state, phone.as_str(), sms_codes::Purpose::UnitRegister, &ip, now).await?;
        leptos_axum::redirect(&format!("/register/unit?phone={}&sent=1", percent_encode(phone.as_str())));
        Ok(())
    })
    .await
}

/// A multipart form: the fields of [`UnitApplication`] and `licence`.
#[server(prefix = "/api", endpoint = "units/register/upload", input = MultipartFormData)]
pub async fn register_unit(data: MultipartData) -> AppResult<()> {
    respond(async move {
        let Visitor { state, now, .. } = Visitor::current()?;
        let mut data = data.into_inner().ok_or_else(|| AppError::bad_request("请求格式不正确"))?;
        let mut form = UnitApplication::default();
        let mut licence = None;
        while let Ok(Some(field)) = data.next_field().await {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "licence" {
                let filename = field.file_name().unwrap_or("营业执照").to_owned();
                let bytes =
                    field.bytes().await.map_err(|_| AppError::bad_request("文件上传不完整，请重试"))?;
                licence = (!bytes.is_empty()).then_some((filename, bytes));
                continue;
            }
            let value = field.text().await.unwrap_or_default();
            let slot = match name.as_str() {
                "credit_code" => &mut form.credit_code,
                "name" => &mut form.name,
                "nature" => &mut form.nature,
                "industry" => &mut form.industry,
                "supervisor" => &mut form.supervisor,
                "level" => &mut form.level,
                "region_code" => &mut form.region_code,
                "address" => &mut form.address,
                "applicant_id_number" => &mut form.applicant_id_number,
                "applicant_name" => &mut form.applicant_name,
                "applicant_phone" => &mut form.applicant_phone,
                "code" => &mut form.code,
                "password" => &mut form.password,
                "password_confirm" => &mut form.password_confirm,
                _ => continue,
            };
            *slot = value;
        }
        units::register(&state, &form, licence, now).await?;
        leptos_axum::redirect("/register/done?kind=unit");
        Ok(())
    })
    .await
}
// --- the authority's review (单位审核) ---

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitApplicationLine {
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub region_name: String,
    pub status: UnitStatus,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitApplicationDetail {
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub nature: String,
    pub industry: String,
    pub supervisor: String,
    pub level: String,
    pub region_name: String,
    pub address: String,
    pub licence_url: Option<String>,
    pub applicant_name: String,
    pub applicant_phone_masked: String,
    pub status: UnitStatus,
    pub review_reason: String,
    pub created_at: i64,
}

#[server(prefix = "/api", endpoint = "admin/units/list")]
pub async fn list_unit_applications(
    status: Option<String>,
    page: Option<u32>,
) -> AppResult<Page<UnitApplicationLine>> {
    respond(async move {
        let cx = Ctx::require_any(&[Role::Authority, Role::PlatformAdmin]).await?;
        let status = status.as_deref().and_then(UnitStatus::from_code).unwrap_or(UnitStatus::Pending);
        units::list_applications(&cx.state, &cx.user, status, clamp_page(page, 10_000)).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/units/get")]
pub async fn get_unit_application(id: i64) -> AppResult<UnitApplicationDetail> {
    respond(async move {
        let cx = Ctx::require_any(&[Role::Authority, Role::PlatformAdmin]).await?;
        units::application(&cx.state, &cx.user, id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/units/review")]
pub async fn review_unit(id: i64, decision: String, #[server(default)] reason: String) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(&[Role::Authority, Role::PlatformAdmin]).await?;
        let approve = match decision.as_str() {
            "approve" => true,
            "reject" => false,
            _ => return Err(AppError::bad_request("请选择审核结果")),
        };
        units::review(&cx, id, approve, &reason).await?;
        leptos_axum::redirect(&format!("/admin/units/{id}?reviewed=1"));
        Ok(())
    })
    .await
}
// --- the unit admin's console ---

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitOverview {
    pub name: String,
    pub credit_code: String,
    pub nature: String,
    pub industry: String,
    pub level: String,
    pub region_name: String,
    pub address: String,
    pub staff_count: i64,
    pub pending_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffLine {
    pub user_id: i64,
    pub name: String,
    pub gender: String,
    pub id_number_masked: String,
    pub phone_masked: String,
    pub department: String,
    pub verified: bool,
    pub registered_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportOutcome {
    Created,
    Linked,
    Rejected,
}

impl ImportOutcome {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Created => "已新建账号",
            Self::Linked => "已关联，待本人确认",
            Self::Rejected => "未导入",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    pub line: u32,
    pub name: String,
    pub outcome: ImportOutcome,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub id: i64,
    pub created_at: i64,
    pub rows: Vec<ImportRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagerLine {
    pub user_id: i64,
    pub name: String,
    pub phone_masked: String,
    pub is_me: bool,
}

#[server(prefix = "/api", endpoint = "unit/overview")]
pub async fn load_unit_overview() -> AppResult<UnitOverview> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        units::overview(&cx.state, unit_id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/staff/pending")]
pub async fn list_pending_staff(page: Option<u32>) -> AppResult<Page<StaffLine>> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        staff::list(&cx.state, unit_id, staff::Listing::Pending, "", clamp_page(page, 10_000)).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/staff/review")]
pub async fn review_staff(
    user_id: i64,
    decision: String,
    #[server(default)] reason: String,
) -> AppResult<()> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        let approve = match decision.as_str() {
            "approve" => true,
            "reject" => false,
            _ => return Err(AppError::bad_request("请选择审核结果")),
        };
        staff::review(&cx, unit_id, user_id, approve, &reason).await?;
        leptos_axum::redirect("/admin/unit/reviews?reviewed=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/staff/list")]
pub async fn list_staff(#[server(default)] q: String, page: Option<u32>) -> AppResult<Page<StaffLine>> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        staff::list(&cx.state, unit_id, staff::Listing::Members, q.trim(), clamp_page(page, 10_000)).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/staff/add")]
pub async fn add_staff(
    phone: String,
    #[server(default)] name: String,
    #[server(default)] department_id: Option<i64>,
) -> AppResult<()> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        let outcome = staff::add_by_phone(&cx, unit_id, &phone, &name, department_id).await?;
        let flag = if outcome == ImportOutcome::Created { "created" } else { "linked" };
        leptos_axum::redirect(&format!("/admin/unit/staff?added={flag}"));
        Ok(())
    })
    .await
}

/// A multipart form with `file`: a workbook or CSV of 姓名, 身份证号, 手机号, 部门.
#[server(prefix = "/api", endpoint = "unit/staff/import/upload", input = MultipartFormData)]
pub async fn import_staff(data: MultipartData) -> AppResult<()> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        let mut data = data.into_inner().ok_or_else(|| AppError::bad_request("请求格式不正确"))?;
        let mut file = None;
        while let Ok(Some(field)) = data.next_field().await {
            if field.name() == Some("file") {
                file =
                    Some(field.bytes().await.map_err(|_| AppError::bad_request("文件上传不完整，请重试"))?);
            }
        }
        let file = file
            .filter(|f| !f.is_empty())
            .ok_or_else(|| AppError::invalid_field("file", "请选择要导入的表格文件"))?;
        let report_id = staff::import(&cx, unit_id, &file).await?;
        leptos_axum::redirect(&format!("/admin/unit/imports/{report_id}"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/staff/imports/get")]
pub async fn get_import_report(id: i64) -> AppResult<ImportReport> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        staff::import_report(&cx.state, unit_id, id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/departments")]
pub async fn load_departments() -> AppResult<Vec<DepartmentNode>> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        Ok(super::server::directory::department_tree(&cx.state.db, unit_id).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/departments/save")]
pub async fn save_department(
    #[server(default)] id: Option<i64>,
    name: String,
    #[server(default)] parent_id: Option<i64>,
) -> AppResult<()> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        units::save_department(&cx, unit_id, id, &name, parent_id).await?;
        leptos_axum::redirect("/admin/unit/departments?saved=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/departments/delete")]
pub async fn delete_department(id: i64) -> AppResult<()> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        units::delete_department(&cx, unit_id, id).await?;
        leptos_axum::redirect("/admin/unit/departments?deleted=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/managers")]
pub async fn list_managers() -> AppResult<Vec<ManagerLine>> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        units::managers(&cx.state, unit_id, cx.user.id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/managers/add")]
pub async fn add_manager(account: String) -> AppResult<()> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        units::add_manager(&cx, unit_id, &account).await?;
        leptos_axum::redirect("/admin/unit/managers?added=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/managers/remove")]
pub async fn remove_manager(user_id: i64) -> AppResult<()> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        units::remove_manager(&cx, unit_id, user_id).await?;
        leptos_axum::redirect("/admin/unit/managers?removed=1");
        Ok(())
    })
    .await
}
