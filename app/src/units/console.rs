//! The unit admin's console: 单位信息, 审核注册账号, 人员管理 (with adding by phone and
//! batch import), 部门管理 and 管理员. Every server function works on the caller's own
//! unit only, found from the caller's unit_admin grant.

use super::domain::DepartmentNode;
use crate::shell::page_data::PageData;
#[cfg(feature = "ssr")]
use crate::state::app_state;
use crate::{
    error::AppResult,
    platform::{paging::Page, time::format_datetime},
    shell::{
        components::{
            Card, EmptyState, Field, FileField, FormError, INPUT, InfoRow, LABEL, Notice, PRIMARY_BUTTON,
            Pager, SECONDARY_BUTTON, SelectField, notice_from_query, url_error,
        },
        errors::ErrorPage,
    },
};
use leptos::{
    prelude::*,
    server_fn::{
        ServerFn,
        codec::{MultipartData, MultipartFormData},
    },
};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::server::{staff, units},
    crate::{
        accounts::server::guard,
        error::AppError,
        platform::{
            paging::clamp_page,
            server::{
                request::{client_ip, request_parts},
                respond,
            },
            time::now_ms,
        },
    },
};

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
        let (_, unit_id) = guard::require_unit_admin().await?;
        units::overview(&app_state()?, unit_id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/staff/pending")]
pub async fn list_pending_staff(page: Option<u32>) -> AppResult<Page<StaffLine>> {
    respond(async move {
        let (_, unit_id) = guard::require_unit_admin().await?;
        staff::list(&app_state()?, unit_id, staff::Listing::Pending, "", clamp_page(page, 10_000)).await
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
        let (admin, unit_id) = guard::require_unit_admin().await?;
        let approve = match decision.as_str() {
            "approve" => true,
            "reject" => false,
            _ => return Err(AppError::bad_request("请选择审核结果")),
        };
        let state = app_state()?;
        let ip = client_ip(&request_parts()?, &state.config);
        staff::review(&state, &admin, unit_id, user_id, approve, &reason, &ip, now_ms()).await?;
        leptos_axum::redirect("/admin/unit/reviews?reviewed=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/staff/list")]
pub async fn list_staff(#[server(default)] q: String, page: Option<u32>) -> AppResult<Page<StaffLine>> {
    respond(async move {
        let (_, unit_id) = guard::require_unit_admin().await?;
        staff::list(&app_state()?, unit_id, staff::Listing::Members, q.trim(), clamp_page(page, 10_000)).await
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
        let (admin, unit_id) = guard::require_unit_admin().await?;
        let state = app_state()?;
        let ip = client_ip(&request_parts()?, &state.config);
        let outcome =
            staff::add_by_phone(&state, &admin, unit_id, &phone, &name, department_id, &ip, now_ms()).await?;
        let flag = if outcome == ImportOutcome::Created { "created" } else { "linked" };
        leptos_axum::redirect(&format!("/admin/unit/staff?added={flag}"));
        Ok(())
    })
    .await
}

/// A multipart form with `file`: a CSV of 姓名, 身份证号, 手机号, 部门 (UTF-8 or GBK).
#[server(prefix = "/api", endpoint = "unit/staff/import/upload", input = MultipartFormData)]
pub async fn import_staff(data: MultipartData) -> AppResult<()> {
    respond(async move {
        let (admin, unit_id) = guard::require_unit_admin().await?;
        let state = app_state()?;
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
            .ok_or_else(|| AppError::invalid_field("file", "请选择要导入的CSV文件"))?;
        let ip = client_ip(&request_parts()?, &state.config);
        let report_id = staff::import(&state, &admin, unit_id, &file, &ip, now_ms()).await?;
        leptos_axum::redirect(&format!("/admin/unit/imports/{report_id}"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/staff/imports/get")]
pub async fn get_import_report(id: i64) -> AppResult<ImportReport> {
    respond(async move {
        let (_, unit_id) = guard::require_unit_admin().await?;
        staff::import_report(&app_state()?, unit_id, id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/departments")]
pub async fn load_departments() -> AppResult<Vec<DepartmentNode>> {
    respond(async move {
        let (_, unit_id) = guard::require_unit_admin().await?;
        Ok(super::server::directory::department_tree(&app_state()?.db, unit_id).await?)
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
        let (admin, unit_id) = guard::require_unit_admin().await?;
        let state = app_state()?;
        let ip = client_ip(&request_parts()?, &state.config);
        units::save_department(&state, &admin, unit_id, id, &name, parent_id, &ip, now_ms()).await?;
        leptos_axum::redirect("/admin/unit/departments?saved=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/departments/delete")]
pub async fn delete_department(id: i64) -> AppResult<()> {
    respond(async move {
        let (admin, unit_id) = guard::require_unit_admin().await?;
        let state = app_state()?;
        let ip = client_ip(&request_parts()?, &state.config);
        units::delete_department(&state, &admin, unit_id, id, &ip).await?;
        leptos_axum::redirect("/admin/unit/departments?deleted=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/managers")]
pub async fn list_managers() -> AppResult<Vec<ManagerLine>> {
    respond(async move {
        let (admin, unit_id) = guard::require_unit_admin().await?;
        units::managers(&app_state()?, unit_id, admin.id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/managers/add")]
pub async fn add_manager(account: String) -> AppResult<()> {
    respond(async move {
        let (admin, unit_id) = guard::require_unit_admin().await?;
        let state = app_state()?;
        let ip = client_ip(&request_parts()?, &state.config);
        units::add_manager(&state, &admin, unit_id, &account, &ip).await?;
        leptos_axum::redirect("/admin/unit/managers?added=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "unit/managers/remove")]
pub async fn remove_manager(user_id: i64) -> AppResult<()> {
    respond(async move {
        let (admin, unit_id) = guard::require_unit_admin().await?;
        let state = app_state()?;
        let ip = client_ip(&request_parts()?, &state.config);
        units::remove_manager(&state, &admin, unit_id, user_id, &ip).await?;
        leptos_axum::redirect("/admin/unit/managers?removed=1");
        Ok(())
    })
    .await
}

#[component]
pub fn UnitInfoPage() -> impl IntoView {
    let overview = PageData::new(load_unit_overview());
    view! {
        <Title text="单位信息" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"单位信息"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => view! {
                        <div class="space-y-4">
                            <div class="grid grid-cols-2 gap-3">
                                <a href="/admin/unit/staff" class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
                                    <p class="text-sm text-slate-500">"本单位人员"</p>
                                    <p class="mt-1 text-2xl font-semibold text-slate-900">{o.staff_count}</p>
                                </a>
                                <a href="/admin/unit/reviews" class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
                                    <p class="text-sm text-slate-500">"待审核注册账号"</p>
                                    <p class="mt-1 text-2xl font-semibold text-slate-900">{o.pending_count}</p>
                                </a>
                            </div>
                            <Card title=o.name.clone()>
                                <dl class="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
                                    <InfoRow label="统一社会信用代码" value=o.credit_code />
                                    <InfoRow label="单位性质" value=o.nature />
                                    <InfoRow label="所属行业" value=o.industry />
                                    <InfoRow label="单位级别" value=o.level />
                                    <InfoRow label="所在地区" value=o.region_name />
                                    <InfoRow label="详细地址" value=o.address />
                                </dl>
                            </Card>
                        </div>
                    }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn StaffTable(
    items: Vec<StaffLine>,
    #[prop(optional)] review: Option<ServerAction<ReviewStaff>>,
) -> impl IntoView {
    view! {
        <ul class="divide-y divide-slate-100">
            {items.into_iter().map(|s| view! {
                <li class="py-3">
                    <div class="flex flex-wrap items-center gap-x-3 gap-y-1">
                        <span class="font-medium text-slate-900">{s.name.clone()}</span>
                        <span class="text-sm text-slate-500">{s.gender.clone()}</span>
                        <span class="text-sm text-slate-500">{s.id_number_masked.clone()}</span>
                        <span class="text-sm text-slate-500">{s.phone_masked.clone()}</span>
                        <span class="text-sm text-slate-500">{s.department.clone()}</span>
                        {s.verified.then(|| view! { <span class="rounded bg-green-50 px-1.5 py-0.5 text-xs text-green-700">"已实名"</span> })}
                        <time class="ml-auto text-xs text-slate-400">{format_datetime(s.registered_at)}</time>
                    </div>
                    {review.map(|action| view! {
                        <ActionForm action attr:class="mt-2 flex flex-wrap items-center gap-2">
                            <input type="hidden" name="user_id" value=s.user_id />
                            <label class="sr-only" for=format!("reason-{}", s.user_id)>"不通过原因"</label>
                            <input id=format!("reason-{}", s.user_id) name="reason" placeholder="不通过原因（驳回时必填）" class="min-w-0 flex-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
                            <button type="submit" name="decision" value="approve" class=PRIMARY_BUTTON>"通过"</button>
                            <button type="submit" name="decision" value="reject" class=SECONDARY_BUTTON>"驳回"</button>
                        </ActionForm>
                    })}
                </li>
            }).collect_view()}
        </ul>
    }
}

/// 审核注册账号.
#[component]
pub fn StaffReviewPage() -> impl IntoView {
    let query = use_query_map();
    let page = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok());
    let review = ServerAction::<ReviewStaff>::new();
    let list = PageData::new(list_pending_staff(page()));
    let error = Signal::derive(move || review.value().get().and_then(Result::err));
    let notice = notice_from_query(&[("reviewed", "", "审核结果已保存，已通知本人")]);
    view! {
        <Title text="审核注册账号" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"审核注册账号"</h1>
        <div class="space-y-4">
            <Notice message=notice />
            <FormError error />
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(page) => {
                            let total_pages = page.total_pages();
                            let current = page.page;
                            view! {
                                <Card>
                                    {if page.items.is_empty() {
                                        view! { <EmptyState message="没有待审核的注册账号" /> }.into_any()
                                    } else {
                                        view! { <StaffTable items=page.items review /> }.into_any()
                                    }}
                                </Card>
                                <Pager page=current total_pages href=|p| format!("/admin/unit/reviews?page={p}") />
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorPage error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

/// 人员管理: search, paging, add by phone, import.
#[component]
pub fn StaffPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let page = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok());
    let add = ServerAction::<AddStaff>::new();
    let list = PageData::new(list_staff(q(), page()));
    let departments = PageData::new(load_departments());
    let add_error = Signal::derive(move || add.value().get().and_then(Result::err));
    let import_error = url_error::<ImportStaff>();
    let notice = notice_from_query(&[
        ("added", "created", "已创建账号，初始密码已通过短信发送给本人，首次登录须修改密码"),
        ("added", "linked", "该手机号已有账号，已向本人发出加入邀请，待本人确认"),
    ]);
    view! {
        <Title text="人员管理" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"人员管理"</h1>
        <div class="space-y-4">
            <Notice message=notice />
            <Card>
                <form method="get" class="flex gap-2" role="search">
                    <label for="q" class="sr-only">"搜索人员"</label>
                    <input id="q" name="q" value=q placeholder="姓名、手机号或身份证号" class="min-w-0 flex-1 rounded-md border border-slate-300 px-3 py-2" />
                    <button type="submit" class=SECONDARY_BUTTON>"搜索"</button>
                </form>
            </Card>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(page) => {
                            let total_pages = page.total_pages();
                            let current = page.page;
                            let q = q();
                            view! {
                                <Card title=format!("本单位人员（{}人）", page.total)>
                                    {if page.items.is_empty() {
                                        view! { <EmptyState message="没有找到人员" /> }.into_any()
                                    } else {
                                        view! { <StaffTable items=page.items /> }.into_any()
                                    }}
                                </Card>
                                <Pager page=current total_pages href=move |p| format!("/admin/unit/staff?q={}&page={p}", crate::platform::url::percent_encode(&q)) />
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorPage error /> }.into_any(),
                    }
                })}
            </Suspense>
            <Card title="按手机号添加人员">
                <p class="mb-3 text-sm text-slate-500">"已有账号的人员会收到加入邀请，本人确认后加入；没有账号的将自动创建账号，初始密码通过短信发送，首次登录须修改密码。"</p>
                <ActionForm action=add attr:class="grid gap-3 sm:grid-cols-3" attr:novalidate="">
                    <div class="sm:col-span-3"><FormError error=add_error /></div>
                    <Field label="手机号" name="phone" error=add_error maxlength=11 inputmode="numeric" />
                    <Field label="姓名（新建账号时必填）" name="name" error=add_error />
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let options = departments
                                .await
                                .map(|tree| super::domain::department_options(&tree).into_iter().map(|(id, label)| (id.to_string(), label)).collect())
                                .unwrap_or_default();
                            view! { <SelectField label="部门" name="department_id" error=add_error options placeholder="不选择部门" /> }
                        })}
                    </Suspense>
                    <div class="sm:col-span-3"><button type="submit" class=PRIMARY_BUTTON>"添加"</button></div>
                </ActionForm>
            </Card>
            <Card title="批量添加">
                <p class="mb-3 text-sm text-slate-500">
                    "上传CSV文件（UTF-8或Excel默认的GBK编码），每行：姓名,身份证号,手机号,部门。部门填写名称或“上级 / 下级”，可留空；首行可为表头。每行单独处理，有问题的行不影响其他行。"
                </p>
                <form method="post" enctype="multipart/form-data" action=ImportStaff::url() class="space-y-3">
                    <FormError error=import_error />
                    <FileField label="CSV文件" name="file" accept=".csv,text/csv" error=import_error />
                    <button type="submit" class=PRIMARY_BUTTON>"导入"</button>
                </form>
            </Card>
        </div>
    }
}

#[component]
pub fn ImportReportPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let report = PageData::new(get_import_report(id()));
    view! {
        <Title text="导入结果" />
        <div class="mb-4 flex items-center justify-between">
            <h1 class="text-xl font-semibold text-slate-900">"导入结果"</h1>
            <a href="/admin/unit/staff" class=SECONDARY_BUTTON>"返回人员管理"</a>
        </div>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(report) => {
                        let count = |o: ImportOutcome| report.rows.iter().filter(|r| r.outcome == o).count();
                        let summary = format!(
                            "新建 {} 人，关联 {} 人，未导入 {} 行",
                            count(ImportOutcome::Created),
                            count(ImportOutcome::Linked),
                            count(ImportOutcome::Rejected)
                        );
                        view! {
                            <Card title=summary>
                                <p class="mb-3 text-xs text-slate-400">{format_datetime(report.created_at)}</p>
                                <table class="w-full text-left text-sm">
                                    <thead class="text-slate-500">
                                        <tr><th class="py-1 pr-3">"行号"</th><th class="py-1 pr-3">"姓名"</th><th class="py-1 pr-3">"结果"</th><th class="py-1">"说明"</th></tr>
                                    </thead>
                                    <tbody class="divide-y divide-slate-100">
                                        {report.rows.into_iter().map(|r| view! {
                                            <tr>
                                                <td class="py-1.5 pr-3">{r.line}</td>
                                                <td class="py-1.5 pr-3">{r.name}</td>
                                                <td class=if r.outcome == ImportOutcome::Rejected { "py-1.5 pr-3 text-red-600" } else { "py-1.5 pr-3 text-green-700" }>{r.outcome.label()}</td>
                                                <td class="py-1.5 text-slate-600">{r.note}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </Card>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn DepartmentsPage() -> impl IntoView {
    let save = ServerAction::<SaveDepartment>::new();
    let delete = ServerAction::<DeleteDepartment>::new();
    let tree = PageData::new(load_departments());
    let error = Signal::derive(move || {
        save.value().get().and_then(Result::err).or_else(|| delete.value().get().and_then(Result::err))
    });
    let notice = notice_from_query(&[("saved", "", "已保存"), ("deleted", "", "已删除")]);
    view! {
        <Title text="部门管理" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"部门管理"</h1>
        <div class="space-y-4">
            <Notice message=notice />
            <FormError error />
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match tree.await {
                        Ok(tree) => {
                            let options: Vec<(String, String)> = super::domain::department_options(&tree).into_iter().map(|(id, label)| (id.to_string(), label)).collect();
                            view! {
                                <Card title="组织机构">
                                    {if tree.is_empty() {
                                        view! { <EmptyState message="还没有部门" /> }.into_any()
                                    } else {
                                        view! { <DepartmentList nodes=tree save delete /> }.into_any()
                                    }}
                                </Card>
                                <Card title="新增部门">
                                    <ActionForm action=save attr:class="grid gap-3 sm:grid-cols-2" attr:novalidate="">
                                        <Field label="部门名称" name="name" error maxlength=50 />
                                        <SelectField label="上级部门" name="parent_id" error options placeholder="无（一级部门）" />
                                        <div class="sm:col-span-2"><button type="submit" class=PRIMARY_BUTTON>"新增"</button></div>
                                    </ActionForm>
                                </Card>
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorPage error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn DepartmentList(
    nodes: Vec<DepartmentNode>,
    save: ServerAction<SaveDepartment>,
    delete: ServerAction<DeleteDepartment>,
) -> impl IntoView {
    view! {
        <ul class="space-y-1 border-l border-slate-200 pl-4">
            {nodes.into_iter().map(|node| {
                let children = node.children.clone();
                view! {
                    <li>
                        <div class="flex flex-wrap items-center gap-2 py-1">
                            <ActionForm action=save attr:class="flex items-center gap-2">
                                <input type="hidden" name="id" value=node.id />
                                <label class="sr-only" for=format!("dept-{}", node.id)>"部门名称"</label>
                                <input id=format!("dept-{}", node.id) name="name" value=node.name.clone() class="rounded-md border border-slate-300 px-2 py-1 text-sm" />
                                <button type="submit" class="text-sm text-blue-700 hover:underline">"改名"</button>
                            </ActionForm>
                            <ActionForm action=delete>
                                <input type="hidden" name="id" value=node.id />
                                <button type="submit" class="text-sm text-red-600 hover:underline">"删除"</button>
                            </ActionForm>
                        </div>
                        {(!children.is_empty()).then(|| view! { <DepartmentList nodes=children save delete /> }.into_any())}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
pub fn ManagersPage() -> impl IntoView {
    let add = ServerAction::<AddManager>::new();
    let remove = ServerAction::<RemoveManager>::new();
    let managers = PageData::new(list_managers());
    let error = Signal::derive(move || {
        add.value().get().and_then(Result::err).or_else(|| remove.value().get().and_then(Result::err))
    });
    let notice = notice_from_query(&[("added", "", "已添加管理员"), ("removed", "", "已移除管理员")]);
    view! {
        <Title text="单位管理员" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"单位管理员"</h1>
        <div class="space-y-4">
            <Notice message=notice />
            <FormError error />
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match managers.await {
                        Ok(list) => view! {
                            <Card>
                                <ul class="divide-y divide-slate-100">
                                    {list.into_iter().map(|m| view! {
                                        <li class="flex items-center gap-3 py-2">
                                            <span class="flex-1 text-slate-900">{m.name.clone()} {m.is_me.then_some("（我）")}</span>
                                            <span class="text-sm text-slate-500">{m.phone_masked.clone()}</span>
                                            <ActionForm action=remove>
                                                <input type="hidden" name="user_id" value=m.user_id />
                                                <button type="submit" class="text-sm text-red-600 hover:underline">"移除"</button>
                                            </ActionForm>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </Card>
                        }.into_any(),
                        Err(error) => view! { <ErrorPage error /> }.into_any(),
                    }
                })}
            </Suspense>
            <Card title="添加管理员">
                <p class="mb-3 text-sm text-slate-500">"只能添加本单位已审核通过的人员。"</p>
                <ActionForm action=add attr:class="flex flex-wrap items-end gap-3" attr:novalidate="">
                    <div class="min-w-0 flex-1">
                        <label for="account" class=LABEL>"手机号或身份证号"</label>
                        <input id="account" name="account" class=INPUT />
                    </div>
                    <button type="submit" class=PRIMARY_BUTTON>"添加"</button>
                </ActionForm>
            </Card>
        </div>
    }
}
