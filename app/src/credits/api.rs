//! Server functions for 学时: the trainee's 学时完成情况 and its ledger rows, and the
//! authority's yearly requirements.

use super::domain::{
    Completion, Requirement, RequirementForm,
    declarations::{DeclarationStatus, DeclarationType},
};
use crate::{
    catalogue::domain::{Category, Hours},
    error::AppResult,
    platform::paging::Page,
};
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::{
        domain::{
            declarable_years,
            declarations::{FieldKind, TypeForm, check_type},
            unit_declaration::{check_title, required_hours},
        },
        server::{declarations, repo, service},
    },
    crate::{
        accounts::domain::{
            identity::{IdNumber, mask_stored_id_number},
            roles::Role,
        },
        error::{AppError, FieldError},
        platform::{
            paging::clamp_page,
            server::{multipart::MultipartForm, respond},
            time::year_of,
        },
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
    /// A page showing where the hours came from (the class, the record); '' for none.
    pub evidence: String,
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
    /// The 继续教育类型 (code, name) a cap may be set for.
    pub kinds: Vec<(String, String)>,
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
        let rows = ledger_lines(rows, Reader::Holder);
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
        let items = found
            .page
            .items
            .into_iter()
            .map(|s| StaffHoursLine {
                name: s.staff.name,
                id_number: mask_stored_id_number(s.staff.id_number.as_deref()),
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
        let kinds =
            declarations::types(cx.state.db.reader()).await?.into_iter().map(|t| (t.code, t.name)).collect();
        Ok(RequirementsView { region_code, region_name, kinds, lines })
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/credit-requirements/save")]
pub async fn save_requirement(#[server(flatten)] form: RequirementForm) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(REQUIREMENT_MAKERS).await?;
        let kinds: Vec<(String, String)> =
            declarations::types(cx.state.db.reader()).await?.into_iter().map(|t| (t.code, t.name)).collect();
        let new = form.parse(&kinds).map_err(|(field, message)| AppError::invalid_field(&field, message))?;
        let version = service::save_requirement(&cx, &new).await?;
        leptos_axum::redirect(&format!("/admin/credit-requirements?saved={}-{version}", new.year));
        Ok(())
    })
    .await
}

// ---- 继续教育记录申报 ----

/// One line of 继续教育记录: a declaration (with its status) or a ledger row from
/// elsewhere (a course, an import…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordLine {
    /// The declaration's id, for 详细; None for a ledger row.
    pub declaration_id: Option<i64>,
    pub title: String,
    pub year: i64,
    pub category: Category,
    pub tenths: i64,
    /// 在线学习, 个人申报 …
    pub source: String,
    /// 草稿, 待单位审核 … for a declaration; 已计入 or 已冲销 for a ledger row.
    pub status: String,
    /// What the filters match: the status's code ("credited" for a ledger row) and
    /// the source's.
    pub status_code: String,
    pub source_code: String,
    pub at: i64,
}

/// 继续教育记录 with its filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordsView {
    pub this_year: i64,
    pub years: Vec<i64>,
    pub lines: Vec<RecordLine>,
}

/// 继续教育记录's filters, as the GET form sends them ('' for any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecordFilter {
    pub year: String,
    pub category: String,
    pub source: String,
    pub status: String,
}

/// A field of a record as it is shown: its label and value, or the file it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldValue {
    pub label: String,
    pub value: String,
    /// `/files/<id>` for a file field.
    pub file: Option<String>,
}

/// An attachment: its name and where to read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentLink {
    pub name: String,
    pub href: String,
}

/// One declaration, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclarationDetail {
    pub id: i64,
    pub user_name: String,
    pub department: String,
    pub type_code: String,
    pub type_name: String,
    pub year: i64,
    pub category: Category,
    pub title: String,
    pub claimed: Hours,
    pub granted: Option<Hours>,
    pub fields: Vec<FieldValue>,
    /// The values as stored, by key (to fill the form again).
    pub values: std::collections::BTreeMap<String, String>,
    pub remark: String,
    pub status: DeclarationStatus,
    pub review_note: String,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<i64>,
    pub submitted_at: Option<i64>,
    pub attachments: Vec<AttachmentLink>,
}

/// What the 申报 page needs: the kinds, the chosen one, the years allowed, and the
/// record being changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclareView {
    pub types: Vec<DeclarationType>,
    pub chosen: Option<DeclarationType>,
    pub years: Vec<i64>,
    pub existing: Option<DeclarationDetail>,
    /// The caller belongs to an approved unit (else 确认送审 is refused).
    pub has_unit: bool,
}

#[cfg(feature = "ssr")]
fn detail_of(
    row: declarations::DeclarationRow,
    kind: &DeclarationType,
    files: Vec<declarations::AttachmentRow>,
) -> AppResult<DeclarationDetail> {
    let values = row.values()?;
    let fields = kind
        .fields
        .iter()
        .filter_map(|spec| {
            let value = values.get(&spec.key)?;
            Some(match spec.kind {
                FieldKind::File => FieldValue {
                    label: spec.label.clone(),
                    value: "查看".to_owned(),
                    file: Some(format!("/files/{value}")),
                },
                _ => FieldValue { label: spec.label.clone(), value: value.clone(), file: None },
            })
        })
        .collect();
    Ok(DeclarationDetail {
        id: row.id,
        user_name: row.user_name,
        department: row.department,
        type_code: row.type_code,
        type_name: row.type_name,
        year: row.year,
        category: row.category,
        title: row.title,
        claimed: Hours(row.claimed_tenths),
        granted: row.granted_tenths.map(Hours),
        fields,
        values,
        remark: row.remark,
        status: row.status,
        review_note: row.review_note,
        reviewer: row.reviewer,
        reviewed_at: row.reviewed_at,
        submitted_at: row.submitted_at,
        attachments: files
            .into_iter()
            .map(|f| AttachmentLink { name: f.filename, href: format!("/files/{}", f.file_id) })
            .collect(),
    })
}

#[cfg(feature = "ssr")]
async fn load_detail(
    db: &crate::platform::server::db::Db,
    row: declarations::DeclarationRow,
) -> AppResult<DeclarationDetail> {
    let kind = declarations::find_type(db.reader(), &row.type_code).await?;
    let files = declarations::attachments(db.reader(), row.id).await?;
    detail_of(row, &kind, files)
}

#[server(prefix = "/api", endpoint = "me/records")]
pub async fn my_records(#[server(flatten)] filter: RecordFilter) -> AppResult<RecordsView> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let this_year = year_of(cx.now);
        let lines = service::records(&cx.state.db, cx.user.id, &filter).await?;
        let mut years: Vec<i64> = lines.iter().map(|l| l.year).chain([this_year, this_year - 1]).collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        Ok(RecordsView { this_year, years, lines })
    })
    .await
}

#[server(prefix = "/api", endpoint = "me/records/one")]
pub async fn my_record(id: i64) -> AppResult<DeclarationDetail> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let row = declarations::own(&cx.state.db, cx.user.id, id).await?;
        load_detail(&cx.state.db, row).await
    })
    .await
}

/// The 申报 page: `kind` chosen (or not yet), `id` when changing a record.
#[server(prefix = "/api", endpoint = "me/records/form")]
pub async fn declare_form(kind: Option<String>, id: Option<i64>) -> AppResult<DeclareView> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let db = &cx.state.db;
        let existing = match id {
            Some(id) => {
                let detail = load_detail(db, declarations::own(db, cx.user.id, id).await?).await?;
                if !detail.status.editable() {
                    return Err(AppError::conflict("这条记录已送审或已审核，不能再修改"));
                }
                Some(detail)
            }
            None => None,
        };
        let types = declarations::types(db.reader()).await?;
        let wanted =
            kind.filter(|k| !k.is_empty()).or_else(|| existing.as_ref().map(|e| e.type_code.clone()));
        let chosen = wanted.and_then(|code| types.iter().find(|t| t.code == code).cloned());
        let has_unit = !repo::region_of(db.reader(), cx.user.id).await?.is_empty();
        Ok(DeclareView {
            types,
            chosen,
            years: declarable_years(year_of(cx.now)).to_vec(),
            existing,
            has_unit,
        })
    })
    .await
}

/// 保存 (a draft) or 确认送审, with the attachments.
#[server(prefix = "/api", endpoint = "me/records/upload", input = MultipartFormData)]
pub async fn save_declaration(data: MultipartData) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let file_inputs = declarations::file_inputs(&cx.state.db).await?;
        let names: Vec<&str> = file_inputs.iter().map(String::as_str).collect();
        let form = MultipartForm::read(data, &names).await?;
        let (id, sent) = declarations::save_form(&cx, form).await?;
        leptos_axum::redirect(&format!("/me/records/{id}?{}=1", if sent { "sent" } else { "saved" }));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "me/records/send")]
pub async fn send_declaration(id: i64) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        declarations::send(&cx, id).await?;
        leptos_axum::redirect(&format!("/me/records/{id}?sent=1"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "me/records/delete")]
pub async fn delete_declaration(id: i64) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        declarations::delete(&cx, id).await?;
        leptos_axum::redirect("/me/records?deleted=1");
        Ok(())
    })
    .await
}

// ---- the unit's 继续教育信息管理 and 其它继续教育形式申报 ----

/// One record in the unit's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueLine {
    pub id: i64,
    pub user_name: String,
    pub department: String,
    pub type_name: String,
    pub title: String,
    pub year: i64,
    pub category: Category,
    pub claimed: Hours,
    pub status: DeclarationStatus,
    pub submitted_at: Option<i64>,
}

/// The queue's filters as the GET form sends them ('' for any; the status defaults
/// to 待单位审核).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueFilterForm {
    pub status: String,
    pub year: String,
    pub kind: String,
    pub department: String,
    pub page: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRecordsView {
    pub filter: QueueFilterForm,
    /// The years to filter by: this year and the two before.
    pub years: Vec<i64>,
    pub types: Vec<(String, String)>,
    pub departments: Vec<(String, String)>,
    pub page: Page<QueueLine>,
}

#[cfg(feature = "ssr")]
const QUEUE_PER_PAGE: u32 = 20;

#[server(prefix = "/api", endpoint = "unit/records")]
pub async fn unit_records(#[server(flatten)] filter: QueueFilterForm) -> AppResult<UnitRecordsView> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        let db = &cx.state.db;
        let status = match filter.status.as_str() {
            "" => Some(DeclarationStatus::Pending),
            "all" => None,
            code => Some(
                DeclarationStatus::from_code(code).ok_or_else(|| AppError::bad_request("没有这个状态"))?,
            ),
        };
        let query = declarations::QueueFilter {
            status,
            year: filter.year.trim().parse().ok(),
            type_code: Some(filter.kind.trim().to_owned()).filter(|k| !k.is_empty()),
            department_id: filter.department.trim().parse().ok(),
        };
        let page = clamp_page(filter.page.trim().parse().ok(), u32::MAX);
        let found = declarations::unit_queue(db, unit_id, &query, page, QUEUE_PER_PAGE).await?;
        let types = declarations::types(db.reader()).await?.into_iter().map(|t| (t.code, t.name)).collect();
        let departments = service::department_options(db, unit_id).await?;
        let items = found
            .items
            .into_iter()
            .map(|r| QueueLine {
                id: r.id,
                user_name: r.user_name,
                department: r.department,
                type_name: r.type_name,
                title: r.title,
                year: r.year,
                category: r.category,
                claimed: Hours(r.claimed_tenths),
                status: r.status,
                submitted_at: r.submitted_at,
            })
            .collect();
        let this_year = year_of(cx.now);
        Ok(UnitRecordsView {
            filter,
            years: vec![this_year, this_year - 1, this_year - 2],
            types,
            departments,
            page: Page { items, page: found.page, per_page: found.per_page, total: found.total },
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/records/one")]
pub async fn unit_record(id: i64) -> AppResult<DeclarationDetail> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        let row = declarations::of_unit(&cx.state.db, unit_id, id).await?;
        load_detail(&cx.state.db, row).await
    })
    .await
}

/// 通过 (`decision` = "approve", with 核定学时 and a note) or 不通过 ("reject", with the reason).
#[server(prefix = "/api", endpoint = "unit/records/review")]
pub async fn review_declaration(
    id: i64,
    decision: String,
    granted: Option<String>,
    note: Option<String>,
) -> AppResult<()> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        let note = note.unwrap_or_default().trim().to_owned();
        if note.chars().count() > 200 {
            return Err(AppError::invalid_field("note", "审核意见不能超过 200 字"));
        }
        let decision = match decision.as_str() {
            "approve" => {
                let granted = match granted.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(text) => {
                        Some(Hours::parse(text).map_err(|m| AppError::invalid_field("granted", m))?)
                    }
                };
                declarations::Decision::Approve { granted, note }
            }
            "reject" if note.is_empty() => return Err(AppError::invalid_field("note", "请填写不通过的原因")),
            "reject" => declarations::Decision::Reject { reason: note },
            _ => return Err(AppError::bad_request("请选择审核结果")),
        };
        declarations::review(&cx, unit_id, id, &decision).await?;
        leptos_axum::redirect("/admin/unit/records?reviewed=1");
        Ok(())
    })
    .await
}

/// A form whose field names carry data (`pick_<id>` checkboxes, the kind editor's
/// `field_<i>_…` rows), as its name/value pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormPairs {
    #[serde(flatten)]
    pub pairs: std::collections::HashMap<String, String>,
}

/// 批量通过: every ticked record (`pick_<id>`) approved with the hours claimed.
#[server(prefix = "/api", endpoint = "unit/records/approve")]
pub async fn approve_declarations(#[server(flatten)] form: FormPairs) -> AppResult<()> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        let ids = crate::platform::text::ticked_ids(form.pairs.keys(), "pick_");
        if ids.is_empty() {
            return Err(AppError::bad_request("请先勾选要通过的记录"));
        }
        let approved = service::approve_all(&cx, unit_id, &ids).await?;
        leptos_axum::redirect(&format!("/admin/unit/records?approved={approved}&of={}", ids.len()));
        Ok(())
    })
    .await
}

/// The staff a unit may declare hours for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffChoice {
    pub id: i64,
    pub name: String,
    pub id_number: String,
    pub department: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitDeclareView {
    pub category: Category,
    pub years: Vec<i64>,
    /// The unit's departments, to pick people by.
    pub departments: Vec<(String, String)>,
    /// The filter as given: a department's id and a name or ID number ('' for any).
    pub department: String,
    pub search: String,
    pub staff: Vec<StaffChoice>,
}

/// 其它继续教育形式申报(公需) or (专业): the unit's staff to choose from.
#[server(prefix = "/api", endpoint = "unit/declare/form")]
pub async fn unit_declare_form(
    category: String,
    department: Option<String>,
    search: Option<String>,
) -> AppResult<UnitDeclareView> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        let category = unit_category(&category)?;
        let department = department.unwrap_or_default().trim().to_owned();
        let search = search.unwrap_or_default().trim().to_owned();
        let departments = service::department_options(&cx.state.db, unit_id).await?;
        let department_name =
            departments.iter().find(|(id, _)| *id == department).map(|(_, name)| name.clone());
        let staff = repo::unit_staff(cx.state.db.reader(), unit_id)
            .await?
            .into_iter()
            .filter(|s| department_name.as_ref().is_none_or(|name| &s.department == name))
            .filter(|s| {
                search.is_empty()
                    || s.name.contains(search.as_str())
                    || s.id_number.as_deref() == Some(search.as_str())
            })
            .map(|s| StaffChoice {
                id: s.id,
                name: s.name,
                id_number: mask_stored_id_number(s.id_number.as_deref()),
                department: s.department,
            })
            .collect();
        Ok(UnitDeclareView {
            category,
            years: declarable_years(year_of(cx.now)).to_vec(),
            departments,
            department,
            search,
            staff,
        })
    })
    .await
}

#[cfg(feature = "ssr")]
fn unit_category(code: &str) -> AppResult<Category> {
    match Category::from_code(code) {
        Some(category @ (Category::Public | Category::Professional)) => Ok(category),
        _ => Err(AppError::not_found("单位只能申报公需或专业学时")),
    }
}

/// The unit's declaration for chosen staff (`pick_<id>`): approved at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StaffDeclarationForm {
    pub category: String,
    pub year: String,
    pub title: String,
    pub hours: String,
    #[serde(flatten)]
    pub ticked: std::collections::HashMap<String, String>,
}

#[server(prefix = "/api", endpoint = "unit/declare")]
pub async fn declare_for_staff(#[server(flatten)] form: StaffDeclarationForm) -> AppResult<()> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        let category = unit_category(&form.category)?;
        let mut errors = Vec::new();
        let years = declarable_years(year_of(cx.now));
        let year = form.year.trim().parse::<i64>().ok().filter(|y| years.contains(y));
        if year.is_none() {
            errors.push(("year", format!("计入年度只能选择 {} 或 {} 年", years[0], years[1])));
        }
        let title = check_title(&form.title).unwrap_or_else(|message| {
            errors.push(("title", message.to_owned()));
            ""
        });
        let hours = required_hours(&form.hours).unwrap_or_else(|message| {
            errors.push(("hours", message.to_owned()));
            Hours(0)
        });
        let user_ids = crate::platform::text::ticked_ids(form.ticked.keys(), "pick_");
        if user_ids.is_empty() {
            errors.push(("user_ids", "请选择人员".to_owned()));
        }
        if !errors.is_empty() {
            return Err(AppError::invalid_fields(
                errors
                    .into_iter()
                    .map(|(field, message)| FieldError { field: field.to_owned(), message })
                    .collect(),
            ));
        }
        let people: Vec<declarations::StaffHours> = user_ids
            .into_iter()
            .map(|user_id| declarations::StaffHours { user_id, hours, title: title.to_owned() })
            .collect();
        let declaration = declarations::UnitDeclaration {
            year: year.unwrap_or_default(),
            category,
            title,
            file_name: "",
            people,
        };
        let credited = declarations::declare_for_staff(&cx, unit_id, &declaration).await?;
        leptos_axum::redirect(&format!("/admin/unit/declare/{}?declared={credited}", category.code()));
        Ok(())
    })
    .await
}

/// 导入表格: a multipart form with `category`, `year` and `file` (a workbook or CSV of
/// 身份证号, 姓名, 学时, 培训内容). The whole file is declared, or nothing and every
/// problem is named.
#[server(prefix = "/api", endpoint = "unit/declare/import/upload", input = MultipartFormData)]
pub async fn import_staff_hours(data: MultipartData) -> AppResult<()> {
    respond(async move {
        let (cx, unit_id) = Ctx::require_unit_admin().await?;
        let mut form = MultipartForm::read(data, &["file"]).await?;
        let category = unit_category(&form.text("category"))?;
        let years = declarable_years(year_of(cx.now));
        let year =
            form.text("year").trim().parse::<i64>().ok().filter(|y| years.contains(y)).ok_or_else(|| {
                AppError::invalid_field("year", format!("计入年度只能选择 {} 或 {} 年", years[0], years[1]))
            })?;
        let file = form
            .take_file("file", "导入.xlsx")
            .ok_or_else(|| AppError::invalid_field("file", "请选择要导入的表格文件"))?;
        let credited = declarations::import_for_staff(&cx, unit_id, year, category, &file).await?;
        leptos_axum::redirect(&format!("/admin/unit/declare/{}?declared={credited}", category.code()));
        Ok(())
    })
    .await
}

// ---- the authority's 学时管理 and 单位申报学时 ----

/// One person as the authority sees them: their years and one year's rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonHours {
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub unit_name: String,
    pub years: Vec<Completion>,
    pub year: i64,
    pub rows: Vec<LedgerLine>,
    /// The years an adjustment may name.
    pub adjustable_years: Vec<i64>,
}

#[cfg(feature = "ssr")]
fn parse_id_number(text: &str) -> AppResult<IdNumber> {
    IdNumber::parse(text).map_err(|e| AppError::invalid_field("id_number", e.message()))
}

#[cfg(feature = "ssr")]
fn ledger_lines(rows: Vec<repo::LedgerRow>, reader: Reader) -> Vec<LedgerLine> {
    rows.into_iter()
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
            // The stored evidence is a page of the holder's own (their class, their record).
            evidence: if reader == Reader::Holder { r.evidence } else { String::new() },
        })
        .collect()
}

/// Who reads ledger rows: the holder may follow each row to its evidence.
#[cfg(feature = "ssr")]
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    Holder,
    Authority,
}

/// 学时管理: a person of the caller's region by ID number, and one year of their ledger.
#[server(prefix = "/api", endpoint = "admin/credits/person")]
pub async fn authority_person(id_number: String, year: Option<i64>) -> AppResult<PersonHours> {
    respond(async move {
        let cx = Ctx::require_any(REQUIREMENT_MAKERS).await?;
        let person = service::person_in_scope(&cx, &parse_id_number(&id_number)?).await?;
        let this_year = year_of(cx.now);
        let year = year
            .filter(|y| (super::domain::YEAR_MIN..=super::domain::YEAR_MAX).contains(y))
            .unwrap_or(this_year);
        let years = service::completions(&cx.state.db, person.id, this_year).await?;
        // The year's evaluation is among `years`; only its rows are still needed.
        let rows = repo::rows(cx.state.db.reader(), person.id, year).await?;
        Ok(PersonHours {
            name: person.name,
            id_number: mask_stored_id_number(person.id_number.as_deref()),
            unit_name: person.unit_name,
            years,
            year,
            rows: ledger_lines(rows, Reader::Authority),
            adjustable_years: (0..5).map(|back| this_year - back).collect(),
        })
    })
    .await
}

#[cfg(feature = "ssr")]
fn reason_of(reason: &str) -> AppResult<String> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 || reason.chars().any(char::is_control) {
        return Err(AppError::invalid_field("reason", "请填写原因（不超过 200 字）"));
    }
    Ok(reason.to_owned())
}

#[cfg(feature = "ssr")]
fn back_to_person(id_number: &IdNumber, year: i64, flag: &str) {
    leptos_axum::redirect(&format!("/admin/credits?id_number={}&year={year}&{flag}=1", id_number.as_str()));
}

/// 学时调整: hours added to a person, with the reason.
#[server(prefix = "/api", endpoint = "admin/credits/adjust")]
pub async fn adjust_hours(
    id_number: String,
    year: String,
    category: String,
    hours: String,
    reason: String,
) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(REQUIREMENT_MAKERS).await?;
        let id_number = parse_id_number(&id_number)?;
        let person = service::person_in_scope(&cx, &id_number).await?;
        let this_year = year_of(cx.now);
        let year = year
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|y| (this_year - 4..=this_year).contains(y))
            .ok_or_else(|| AppError::invalid_field("year", "请选择近五年内的年度"))?;
        let category = Category::from_code(category.trim())
            .ok_or_else(|| AppError::invalid_field("category", "请选择学时类别"))?;
        let hours = required_hours(&hours).map_err(|message| AppError::invalid_field("hours", message))?;
        let reason = reason_of(&reason)?;
        service::adjust(&cx, &person, year, category, hours, &reason).await?;
        back_to_person(&id_number, year, "adjusted");
        Ok(())
    })
    .await
}

/// 冲销 of one ledger row of a person, with the reason.
#[server(prefix = "/api", endpoint = "admin/credits/reverse")]
pub async fn reverse_ledger_row(
    id_number: String,
    year: i64,
    ledger_id: i64,
    reason: String,
) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(REQUIREMENT_MAKERS).await?;
        let id_number = parse_id_number(&id_number)?;
        let person = service::person_in_scope(&cx, &id_number).await?;
        let reason = reason_of(&reason)?;
        service::reverse_row(&cx, &person, ledger_id, &reason).await?;
        back_to_person(&id_number, year, "reversed");
        Ok(())
    })
    .await
}

/// A unit's declaration in the authority's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitDeclarationLine {
    pub id: i64,
    pub unit_name: String,
    pub year: i64,
    pub category: Category,
    pub title: String,
    /// Each person's hours; for an imported file (`imported`), their total.
    pub hours: Hours,
    pub people: i64,
    pub imported: bool,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub revoke_reason: String,
}

#[server(prefix = "/api", endpoint = "admin/unit-declarations")]
pub async fn list_unit_declarations(page: Option<u32>) -> AppResult<Page<UnitDeclarationLine>> {
    respond(async move {
        let cx = Ctx::require_any(REQUIREMENT_MAKERS).await?;
        let found = service::unit_declarations(&cx, clamp_page(page, u32::MAX), 20).await?;
        let items = found
            .items
            .into_iter()
            .map(|d| UnitDeclarationLine {
                id: d.id,
                unit_name: d.unit_name,
                year: d.year,
                category: d.category,
                title: d.title,
                hours: Hours(d.tenths),
                people: d.people,
                imported: !d.file_name.is_empty(),
                created_at: d.created_at,
                revoked_at: d.revoked_at,
                revoke_reason: d.revoke_reason,
            })
            .collect();
        Ok(Page { items, page: found.page, per_page: found.per_page, total: found.total })
    })
    .await
}

/// 撤销 of a unit's declaration: the hours it credited are taken back.
#[server(prefix = "/api", endpoint = "admin/unit-declarations/revoke")]
pub async fn revoke_unit_declaration(id: i64, reason: String) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(REQUIREMENT_MAKERS).await?;
        let reason = reason_of(&reason)?;
        let reversed = service::revoke_unit_declaration(&cx, id, &reason).await?;
        leptos_axum::redirect(&format!("/admin/unit-declarations?revoked={reversed}"));
        Ok(())
    })
    .await
}

// ---- 继续教育类型, the kinds of record and their fields ----

/// A kind in the editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeLine {
    pub kind: DeclarationType,
    pub active: bool,
}

#[server(prefix = "/api", endpoint = "admin/declaration-types")]
pub async fn admin_declaration_types() -> AppResult<Vec<TypeLine>> {
    respond(async move {
        let cx = Ctx::require_any(REQUIREMENT_MAKERS).await?;
        Ok(declarations::all_types(cx.state.db.reader())
            .await?
            .into_iter()
            .map(|(kind, active)| TypeLine { kind, active })
            .collect())
    })
    .await
}

/// The kind editor's form (see `TypeForm::from_pairs`).
#[server(prefix = "/api", endpoint = "admin/declaration-types/save")]
pub async fn save_declaration_type(#[server(flatten)] form: FormPairs) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(REQUIREMENT_MAKERS).await?;
        let (kind, active) =
            check_type(&TypeForm::from_pairs(&form.pairs)).map_err(AppError::invalid_fields)?;
        let code = declarations::save_type(&cx, &kind, active).await?;
        leptos_axum::redirect(&format!("/admin/declaration-types?saved={code}"));
        Ok(())
    })
    .await
}
