//! The unit admin's 继续教育信息管理 (the records its staff sent: filters, 批量通过, one
//! record with 通过 / 不通过) and 其它继续教育形式申报(公需)/(专业) (hours the unit
//! declares for chosen staff or imports from a spreadsheet, counted at once).

use crate::{
    catalogue::domain::Category,
    credits::{
        api::{
            ApproveDeclarations, DeclarationDetail, DeclareForStaff, ImportStaffHours, QueueLine,
            ReviewDeclaration, StaffChoice, UnitDeclareView, UnitRecordsView, unit_declare_form, unit_record,
            unit_records,
        },
        domain::declarations::DeclarationStatus,
        pages::records::DeclarationCard,
    },
    platform::time::format_datetime,
    shell::{
        components::{
            CARD_HEADING, Card, EmptyState, Field, FileField, FormError, INPUT, LABEL, PRIMARY_BUTTON, Pager,
            SECONDARY_BUTTON, notice_from_query, url_error,
        },
        frame::Page,
        page_data::PageData,
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn UnitRecordsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = query.with_untracked(|q| crate::credits::api::QueueFilterForm {
        status: q.get("status").unwrap_or_default(),
        year: q.get("year").unwrap_or_default(),
        kind: q.get("kind").unwrap_or_default(),
        department: q.get("department").unwrap_or_default(),
        page: q.get("page").unwrap_or_default(),
    });
    let data = PageData::new(unit_records(filter));
    let approve = ServerAction::<ApproveDeclarations>::new();
    let error = Signal::derive(move || approve.value().get().and_then(Result::err));
    let approved = Signal::derive(move || {
        query.with(|q| {
            q.get("approved")
                .map(|n| format!("已通过 {n} 条（共勾选 {} 条）", q.get("of").unwrap_or_default()))
        })
    });
    let reviewed = notice_from_query(&[("reviewed", "", "审核结果已保存，已通知本人")]);
    let notice = Signal::derive(move || approved.get().or_else(|| reviewed.get()));
    view! {
        <Page title="继续教育信息管理" data notice error render={move |view: UnitRecordsView| {
            let f = view.filter.clone();
            let href = move |page: u32| {
                format!("/admin/unit/records?status={}&year={}&kind={}&department={}&page={page}", f.status, f.year, f.kind, f.department)
            };
            let pending_shown = view.page.items.iter().any(|l| l.status == DeclarationStatus::Pending);
            let (current, total_pages) = (view.page.page, view.page.total_pages());
            view! {
                <QueueFilter view=view.clone() />
                <Card>
                    {if view.page.items.is_empty() {
                        view! { <EmptyState message="没有符合条件的继续教育记录" /> }.into_any()
                    } else {
                        view! {
                            <ActionForm action=approve>
                                <ul class="divide-y divide-slate-100" aria-label="继续教育记录">
                                    {view.page.items.into_iter().map(|line| view! { <QueueItem line /> }).collect_view()}
                                </ul>
                                {pending_shown.then(|| view! {
                                    <div class="mt-3 text-right"><button type="submit" class=PRIMARY_BUTTON>"批量通过"</button></div>
                                })}
                            </ActionForm>
                        }.into_any()
                    }}
                </Card>
                <Pager page=current total_pages href />
            }
        }} />
    }
}

#[component]
fn QueueFilter(view: UnitRecordsView) -> impl IntoView {
    let f = view.filter;
    let status_options: Vec<(String, String)> = [("".to_owned(), "待单位审核".to_owned())]
        .into_iter()
        .chain(
            [DeclarationStatus::Approved, DeclarationStatus::Rejected]
                .iter()
                .map(|s| (s.code().to_owned(), s.label().to_owned())),
        )
        .chain([("all".to_owned(), "全部".to_owned())])
        .collect();
    let select = |id: &'static str,
                  label: &'static str,
                  options: Vec<(String, String)>,
                  selected: String,
                  any: Option<&'static str>| {
        view! {
            <div>
                <label for=id class=LABEL>{label}</label>
                <select id=id name=id class=INPUT>
                    {any.map(|text| view! { <option value="">{text}</option> })}
                    {options.into_iter().map(|(value, text)| {
                        let is_selected = value == selected;
                        view! { <option value=value selected=is_selected>{text}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    let years: Vec<(String, String)> =
        view.years.iter().map(|y| (y.to_string(), format!("{y}年度"))).collect();
    view! {
        <Card>
            <form method="get" class="grid grid-cols-2 gap-3 sm:grid-cols-5 sm:items-end" aria-label="筛选">
                {select("status", "状态", status_options, f.status, None)}
                {select("year", "计入年度", years, f.year, Some("全部"))}
                {select("kind", "继续教育类型", view.types, f.kind, Some("全部"))}
                {select("department", "部门", view.departments, f.department, Some("全部"))}
                <button type="submit" class=SECONDARY_BUTTON>"查询"</button>
            </form>
        </Card>
    }
}

#[component]
fn QueueItem(line: QueueLine) -> impl IntoView {
    let pending = line.status == DeclarationStatus::Pending;
    let who = if line.department.is_empty() {
        line.user_name.clone()
    } else {
        format!("{} · {}", line.user_name, line.department)
    };
    let facts = format!(
        "{} · {}年度 · {} · 申报 {} 学时",
        line.type_name,
        line.year,
        line.category.label(),
        line.claimed
    );
    let id = line.id;
    view! {
        <li class="flex gap-3 py-3">
            {pending.then(|| view! {
                <input type="checkbox" name=format!("pick_{id}") value="1" class="mt-1 h-4 w-4" aria-label=format!("选择 {}", line.title) />
            })}
            <div class="min-w-0 flex-1">
                <div class="flex flex-wrap items-baseline gap-2">
                    <span class="font-medium text-slate-900">{line.title.clone()}</span>
                    <span class="rounded bg-slate-100 px-1.5 text-xs text-slate-700">{line.status.label()}</span>
                    <a href=format!("/admin/unit/records/{id}") class="ml-auto text-sm text-blue-700 hover:underline">
                        {if pending { "审核" } else { "查看" }}
                    </a>
                </div>
                <p class="mt-1 text-sm text-slate-600">{who}</p>
                <p class="mt-1 text-sm text-slate-600">{facts}</p>
                {line.submitted_at.map(|at| view! { <p class="mt-1 text-xs text-slate-400">{format!("送审于 {}", format_datetime(at))}</p> })}
            </div>
        </li>
    }
}

#[component]
pub fn UnitRecordPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.read_untracked().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    let data = PageData::new(unit_record(id));
    let review = ServerAction::<ReviewDeclaration>::new();
    let error = Signal::derive(move || review.value().get().and_then(Result::err));
    view! {
        <Page title="继续教育记录审核" data error render={move |detail: DeclarationDetail| {
            let pending = detail.status == DeclarationStatus::Pending;
            let (id, claimed) = (detail.id, detail.claimed.to_string());
            view! {
                <DeclarationCard detail />
                {pending.then(|| view! {
                    <Card title="通过">
                        <ActionForm action=review attr:class="grid gap-3 sm:grid-cols-2" attr:novalidate="">
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="decision" value="approve" />
                            <Field label="核定学时" name="granted" error value=claimed.clone() inputmode="decimal" hint="不超过申报学时" />
                            <Field label="审核意见" name="note" error hint="选填，如核减学时的原因" />
                            <div class="sm:col-span-2"><button type="submit" class=PRIMARY_BUTTON>"通过"</button></div>
                        </ActionForm>
                    </Card>
                    <Card title="不通过">
                        <ActionForm action=review attr:class="space-y-3" attr:novalidate="">
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="decision" value="reject" />
                            <div>
                                <label for="reason" class=LABEL>"不通过原因"</label>
                                <textarea id="reason" name="note" rows="2" class=INPUT></textarea>
                            </div>
                            <button type="submit" class=SECONDARY_BUTTON>"不通过"</button>
                        </ActionForm>
                    </Card>
                })}
                <p><a href="/admin/unit/records" class="text-sm text-blue-700 hover:underline">"返回继续教育信息管理"</a></p>
            }
        }} />
    }
}

/// 其它继续教育形式申报(公需) and (专业).
#[component]
pub fn UnitDeclarePage() -> impl IntoView {
    let params = use_params_map();
    let category = params.read_untracked().get("category").unwrap_or_default();
    let title = match Category::from_code(&category) {
        Some(c) => format!("其它继续教育形式申报({})", c.label()),
        None => "其它继续教育形式申报".to_owned(),
    };
    let (department, search) = use_query_map().with_untracked(|q| (q.get("department"), q.get("search")));
    let data = PageData::new(unit_declare_form(category, department, search));
    let declare = ServerAction::<DeclareForStaff>::new();
    let error = Signal::derive(move || declare.value().get().and_then(Result::err));
    let query = use_query_map();
    let notice = Signal::derive(move || {
        query.with(|q| q.get("declared").map(|n| format!("已为 {n} 人申报学时，即时计入学时完成情况")))
    });
    view! {
        <Page title data notice error render={move |view: UnitDeclareView| view! { <UnitDeclareForm view declare /> }} />
    }
}

#[component]
fn UnitDeclareForm(view: UnitDeclareView, declare: ServerAction<DeclareForStaff>) -> impl IntoView {
    let error = Signal::derive(move || declare.value().get().and_then(Result::err));
    let staff_error = move || error.get().and_then(|e| e.field("user_ids").map(str::to_owned));
    let chosen_department = view.department.clone();
    let (category, years) = (view.category, view.years.clone());
    view! {
        <Card>
            <form method="get" class="grid gap-3 sm:grid-cols-3 sm:items-end" aria-label="查找人员">
                <div>
                    <label for="department" class=LABEL>"部门"</label>
                    <select id="department" name="department" class=INPUT>
                        <option value="">"全部"</option>
                        {view.departments.iter().map(|(id, name)| {
                            let selected = *id == chosen_department;
                            view! { <option value=id.clone() selected=selected>{name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="search" class=LABEL>"姓名或身份证号"</label>
                    <input id="search" name="search" value=view.search.clone() class=INPUT />
                </div>
                <button type="submit" class=SECONDARY_BUTTON>"查找人员"</button>
            </form>
        </Card>
        <ActionForm action=declare attr:class="space-y-4" attr:novalidate="" attr:aria-label="按人员申报">
            <input type="hidden" name="category" value=view.category.code() />
            <Card title="申报内容">
                <div class="grid gap-3 sm:grid-cols-3">
                    <div>
                        <label for="year" class=LABEL>"计入年度"</label>
                        <select id="year" name="year" class=INPUT>
                            {view.years.iter().map(|y| view! { <option value=y.to_string()>{format!("{y}年度")}</option> }).collect_view()}
                        </select>
                    </div>
                    <Field label="培训内容" name="title" error maxlength=100 placeholder="如 2026年度单位安全生产培训" />
                    <Field label="学时" name="hours" error inputmode="decimal" hint="每人计入的学时" />
                </div>
                <p class="mt-2 text-sm text-slate-600">{format!("单位申报的学时直接计入所选人员的{}学时，人社部门可查看和撤销。", view.category.label())}</p>
            </Card>
            <Card>
                <h2 class=CARD_HEADING>"选择人员"</h2>
                <p class="text-sm text-red-600">{staff_error}</p>
                {if view.staff.is_empty() {
                    view! { <EmptyState message="本单位还没有审核通过的人员" /> }.into_any()
                } else {
                    view! {
                        <ul class="divide-y divide-slate-100" aria-label="人员">
                            {view.staff.into_iter().map(|s: StaffChoice| {
                                let id = format!("pick_{}", s.id);
                                let department = if s.department.is_empty() { "未分配部门".to_owned() } else { s.department.clone() };
                                view! {
                                    <li class="py-2">
                                        <label for=id.clone() class="flex items-center gap-3 text-sm">
                                            <input id=id.clone() type="checkbox" name=id.clone() value="1" class="h-4 w-4" />
                                            <span class="font-medium text-slate-900">{s.name.clone()}</span>
                                            <span class="text-slate-500">{format!("{} · {department}", s.id_number)}</span>
                                        </label>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </Card>
            <button type="submit" class=PRIMARY_BUTTON>"提交申报"</button>
        </ActionForm>
        <ImportCard category years />
    }
}

/// 表格导入: the same declaration for many people at once, each with their own hours.
#[component]
fn ImportCard(category: Category, years: Vec<i64>) -> impl IntoView {
    let error = url_error::<ImportStaffHours>();
    // A file's problems can be many lines: shown once, under the file.
    let headline = Signal::derive(move || error.get().filter(|e| e.field("file").is_none()));
    view! {
        <Card title="表格导入">
            <p class="mb-3 text-sm text-slate-600">
                "每人一行：身份证号、姓名（可留空，填写时须与系统中一致）、学时、培训内容。支持 Excel（.xlsx）和 CSV 文件。整个文件一起申报：有问题时不导入，并列出每一行的问题。"
            </p>
            <a href="/exports/unit-hours-template.xlsx" download="" class="text-sm text-blue-700 hover:underline">"下载导入模板"</a>
            <form method="post" enctype="multipart/form-data" action=ImportStaffHours::url() class="mt-3 space-y-3" aria-label="表格导入">
                <FormError error=headline />
                <input type="hidden" name="category" value=category.code() />
                <div class="grid gap-3 sm:grid-cols-2">
                    <div>
                        <label for="import-year" class=LABEL>"计入年度"</label>
                        <select id="import-year" name="year" class=INPUT>
                            {years.iter().map(|y| view! { <option value=y.to_string()>{format!("{y}年度")}</option> }).collect_view()}
                        </select>
                    </div>
                    <FileField label="表格文件" name="file" accept=".xlsx,.csv,text/csv" error />
                </div>
                <button type="submit" class=PRIMARY_BUTTON>"导入并申报"</button>
            </form>
        </Card>
    }
}
