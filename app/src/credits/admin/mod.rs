//! The console's 学时 pages: 学时要求 for the authority (every version of each year's
//! requirement for its region, and the form that saves a new version; a version is
//! never edited), and the unit admin's 学时完成情况 of its staff.

use super::api::{
    RequirementLine, RequirementsView, SaveRequirement, StaffHoursLine, StaffHoursView, list_requirements,
    unit_staff_hours,
};
use crate::shell::{
    components::{
        Card, EmptyState, Field, INPUT, LABEL, PRIMARY_BUTTON, PagedList, SECONDARY_BUTTON, YearSelect,
        notice_from_query,
    },
    frame::Page,
    page_data::PageData,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

pub mod authority;
pub mod records;
pub mod types;
pub use authority::{CreditsManagementPage, UnitDeclarationsPage};
pub use records::{UnitDeclarePage, UnitRecordPage, UnitRecordsPage};
pub use types::DeclarationTypesPage;

#[component]
pub fn RequirementsPage() -> impl IntoView {
    let save = ServerAction::<SaveRequirement>::new();
    let data = PageData::new(list_requirements());
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let notice = notice_from_query(&[("saved", "", "已保存为新版本，即时生效")]);
    view! {
        <Page title="学时要求" data notice error render={move |view: RequirementsView| {
            let scope = if view.region_code.is_empty() { "全部地区（各地未另行设置时适用）".to_owned() } else if view.region_name.is_empty() { view.region_code.clone() } else { view.region_name.clone() };
            view! {
                <Card title="各年度学时要求">
                    <p class="mb-2 text-sm text-slate-600">{format!("适用范围：{scope}。修改即保存为新版本，已按旧版本判定的证书仍可查到依据。")}</p>
                    {if view.lines.is_empty() {
                        view! { <EmptyState message="还没有设置学时要求" /> }.into_any()
                    } else {
                        view! {
                            <ul class="divide-y divide-slate-100" aria-label="学时要求">
                                {view.lines.into_iter().map(|line| view! { <RequirementItem line /> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </Card>
                <Card title="设置学时要求">
                    <ActionForm action=save attr:class="grid gap-3 sm:grid-cols-2" attr:novalidate="">
                        <Field label="年度" name="year" error inputmode="numeric" placeholder="如 2026" />
                        <Field label="总学时" name="total" error inputmode="decimal" hint="可填小数，如 90 或 90.5" />
                        <Field label="公需科目最低学时" name="public" error inputmode="decimal" />
                        <Field label="专业科目最低学时" name="professional" error inputmode="decimal" />
                        <Field label="选修科目最低学时" name="elective" error inputmode="decimal" />
                        <Field label="单位申报每年上限" name="unit_declared_cap" error inputmode="decimal" hint="留空为不设上限" />
                        <Field label="个人申报每年上限" name="declaration_cap" error inputmode="decimal" hint="留空为不设上限" />
                        {view.kinds.iter().map(|(code, name)| {
                            let field = format!("cap_{code}");
                            let message = {
                                let field = field.clone();
                                move || error.get().and_then(|e| e.field(&field).map(str::to_owned))
                            };
                            view! {
                                <div>
                                    <label for=field.clone() class=LABEL>{format!("{name}每年上限")}</label>
                                    <input id=field.clone() name=field.clone() inputmode="decimal" placeholder="留空为不设上限" class=INPUT />
                                    <p class="mt-1 text-sm text-red-600">{message}</p>
                                </div>
                            }
                        }).collect_view()}
                        <label class="inline-flex items-center gap-2 self-end text-sm text-slate-700">
                            <input type="checkbox" name="professional_two_thirds" class="h-4 w-4" />
                            "专业科目不少于总学时的三分之二"
                        </label>
                        <div class="sm:col-span-2"><button type="submit" class=PRIMARY_BUTTON>"保存为新版本"</button></div>
                    </ActionForm>
                </Card>
            }
        }} />
    }
}

#[component]
fn RequirementItem(line: RequirementLine) -> impl IntoView {
    let region = match (line.region_code.is_empty(), line.region_name.is_empty()) {
        (true, _) => "全部地区".to_owned(),
        (false, true) => line.region_code.clone(),
        (false, false) => line.region_name.clone(),
    };
    let requirement = line.requirement;
    view! {
        <li class="py-3">
            <p class="flex flex-wrap items-center gap-2 font-medium text-slate-900">
                {format!("{}年度 · 第 {} 版 · {region}", requirement.year, requirement.version)}
                {line.in_force.then(|| view! { <span class="rounded bg-green-50 px-1.5 text-xs font-normal text-green-700">"现行"</span> })}
            </p>
            <p class="mt-1 text-sm text-slate-600">{requirement.describe().join("")}</p>
        </li>
    }
}

#[component]
pub fn UnitHoursPage() -> impl IntoView {
    let query = use_query_map();
    let (year, unmet, page) = query.with_untracked(|q| {
        (
            q.get("year").and_then(|y| y.parse::<i64>().ok()),
            q.get("unmet"),
            q.get("page").and_then(|p| p.parse::<u32>().ok()),
        )
    });
    let data = PageData::new(unit_staff_hours(year, unmet, page));
    view! {
        <Page title="学时完成情况" data render={move |view: StaffHoursView| {
            let (year, unmet_only) = (view.year, view.unmet_only);
            let href = move |page: u32| format!("/admin/unit/hours?year={year}&unmet={}&page={page}", u8::from(unmet_only));
            view! {
                <Card>
                    <form method="get" class="flex flex-wrap items-end gap-3" aria-label="筛选">
                        <YearSelect years=vec![view.this_year, view.this_year - 1] selected=year />
                        <label class="inline-flex items-center gap-2 pb-2 text-sm text-slate-700">
                            <input type="checkbox" name="unmet" value="1" checked=unmet_only class="h-4 w-4" />
                            "只看未达标"
                        </label>
                        <button type="submit" class=SECONDARY_BUTTON>"查询"</button>
                    </form>
                    <p class="mt-2 flex flex-wrap items-center gap-3 text-sm text-slate-600">
                        {format!("{year}年度未达标 {} 人", view.unmet)}
                        <a href=format!("/exports/unit-hours.xlsx?year={year}&unmet={}", u8::from(unmet_only)) class="text-blue-700 hover:underline" download="">"导出Excel"</a>
                        <a href=format!("/exports/unit-hours.csv?year={year}&unmet={}", u8::from(unmet_only)) class="text-blue-700 hover:underline" download="">"导出CSV"</a>
                    </p>
                </Card>
                <PagedList page=view.page empty="没有符合条件的人员" href row={move |line: StaffHoursLine| view! { <StaffHoursItem line /> }} />
            }
        }} />
    }
}

#[component]
fn StaffHoursItem(line: StaffHoursLine) -> impl IntoView {
    let c = &line.completion;
    let figures = format!("已获得 {} / 要求 {} 学时", c.earned, c.required);
    let verdict = c.verdict();
    let shortfall = c.shortfall();
    let department =
        if line.department.is_empty() { "未分配部门".to_owned() } else { line.department.clone() };
    view! {
        <li class="py-3">
            <div class="flex flex-wrap items-baseline gap-2">
                <span class="font-medium text-slate-900">{line.name.clone()}</span>
                <span class="text-sm text-slate-500">{format!("{} · {department}", line.id_number)}</span>
                <span class="ml-auto text-sm">{verdict}</span>
            </div>
            <p class="mt-1 text-sm text-slate-600">{figures}</p>
            {(!shortfall.is_empty()).then(|| view! { <p class="mt-1 text-sm text-amber-800">{format!("还需：{shortfall}")}</p> })}
        </li>
    }
}
