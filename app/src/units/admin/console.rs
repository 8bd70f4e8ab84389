//! The unit admin's console: 单位信息, 审核注册账号, 人员管理 (with adding by phone and
//! batch import), 部门管理 and 管理员. Its server functions are in `units::api`.

use crate::{
    platform::{paging, time::format_datetime},
    shell::{
        components::{
            Card, EmptyState, Field, FileField, FormError, INPUT, InfoRow, LABEL, Notice, PRIMARY_BUTTON,
            PagedList, SECONDARY_BUTTON, SearchForm, SelectField, notice_from_query, url_error,
        },
        frame::{Loaded, PAGE_HEADING, Page},
        page_data::PageData,
    },
    units::{
        api::{
            AddManager, AddStaff, DeleteDepartment, ImportOutcome, ImportReport, ImportStaff, ManagerLine,
            RemoveManager, ReviewStaff, SaveDepartment, StaffLine, UnitOverview, get_import_report,
            list_managers, list_pending_staff, list_staff, load_departments, load_unit_overview,
        },
        domain::DepartmentNode,
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn UnitInfoPage() -> impl IntoView {
    let overview = PageData::new(load_unit_overview());
    view! {
        <Page title="单位信息" data=overview render={|o: UnitOverview| view! {
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
        }} />
    }
}

/// One person of the unit, with 通过 / 驳回 when `review` is given.
#[component]
fn StaffRow(staff: StaffLine, #[prop(optional)] review: Option<ServerAction<ReviewStaff>>) -> impl IntoView {
    let s = staff;
    view! {
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
        <Page title="审核注册账号" data=list notice error render={move |page: paging::Page<StaffLine>| view! {
            <PagedList page empty="没有待审核的注册账号" href={|p| format!("/admin/unit/reviews?page={p}")}
                row={move |staff| view! { <StaffRow staff review /> }} />
        }} />
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
        <h1 class=PAGE_HEADING>"人员管理"</h1>
        <div class="space-y-4">
            <Notice message=notice />
            <SearchForm name="q" label="搜索人员" value=Signal::derive(q) placeholder="姓名、手机号或身份证号" button="搜索" />
            <Loaded data=list render={move |page: paging::Page<StaffLine>| {
                let q = q();
                let title = format!("本单位人员（{}人）", page.total);
                view! {
                    <PagedList page title empty="没有找到人员"
                        href={move |p| format!("/admin/unit/staff?q={}&page={p}", crate::platform::url::percent_encode(&q))}
                        row={|staff| view! { <StaffRow staff /> }} />
                }
            }} />
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
                                .map(|tree| crate::units::domain::department_options(&tree).into_iter().map(|(id, label)| (id.to_string(), label)).collect())
                                .unwrap_or_default();
                            view! { <SelectField label="部门" name="department_id" error=add_error options placeholder="不选择部门" /> }
                        })}
                    </Suspense>
                    <div class="sm:col-span-3"><button type="submit" class=PRIMARY_BUTTON>"添加"</button></div>
                </ActionForm>
            </Card>
            <Card title="批量添加">
                <p class="mb-3 text-sm text-slate-500">
                    "上传 Excel（.xlsx）或 CSV 文件（UTF-8或Excel默认的GBK编码），每行：姓名、身份证号、手机号、部门。部门填写名称或“上级 / 下级”，可留空；首行可为表头。每行单独处理，有问题的行不影响其他行。"
                </p>
                <form method="post" enctype="multipart/form-data" action=ImportStaff::url() class="space-y-3">
                    <FormError error=import_error />
                    <FileField label="表格文件" name="file" accept=".xlsx,.csv,text/csv" error=import_error />
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
        <Loaded data=report render={|report: ImportReport| {
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
                }
        }} />
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
        <Page title="部门管理" data=tree notice error render={move |tree: Vec<DepartmentNode>| {
            let options: Vec<(String, String)> = crate::units::domain::department_options(&tree)
                .into_iter()
                .map(|(id, label)| (id.to_string(), label))
                .collect();
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
            }
        }} />
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
        <h1 class=PAGE_HEADING>"单位管理员"</h1>
        <div class="space-y-4">
            <Notice message=notice />
            <FormError error />
            <Loaded data=managers render={move |list: Vec<ManagerLine>| view! {
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
            }} />
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
