//! The authority's 学时管理 (a person of its region by ID number: their years, one
//! year's rows with 冲销, and 学时调整) and 单位申报学时 (the units' declarations, with
//! 撤销).

use crate::{
    catalogue::domain::Category,
    credits::{
        api::{
            AdjustHours, LedgerLine, PersonHours, ReverseLedgerRow, RevokeUnitDeclaration,
            UnitDeclarationLine, authority_person, list_unit_declarations,
        },
        pages::{LedgerItem, YearCard},
    },
    platform::{paging::Page as ListPage, time::format_date},
    shell::{
        components::{
            Card, EmptyState, Field, INPUT, LABEL, PRIMARY_BUTTON, PagedList, SECONDARY_BUTTON, SearchForm,
            notice_from_query,
        },
        frame::{Loaded, PAGE_HEADING, Page},
        page_data::PageData,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn CreditsManagementPage() -> impl IntoView {
    let query = use_query_map();
    let (id_number, year) = query.with_untracked(|q| {
        (q.get("id_number").unwrap_or_default(), q.get("year").and_then(|y| y.parse::<i64>().ok()))
    });
    let searched = !id_number.trim().is_empty();
    // Asked only once there is something to look up (an empty search is no error).
    let data = searched.then(|| PageData::new(authority_person(id_number.clone(), year)));
    let adjust = ServerAction::<AdjustHours>::new();
    let reverse = ServerAction::<ReverseLedgerRow>::new();
    let error = Signal::derive(move || {
        adjust.value().get().and_then(Result::err).or_else(|| reverse.value().get().and_then(Result::err))
    });
    let notice = notice_from_query(&[
        ("adjusted", "", "已计入学时调整，已通知本人"),
        ("reversed", "", "已冲销，已通知本人"),
    ]);
    let value = Signal::derive(move || query.with(|q| q.get("id_number").unwrap_or_default()));
    view! {
        <Title text="学时管理" />
        <h1 class=PAGE_HEADING>"学时管理"</h1>
        <div class="space-y-4">
            <SearchForm name="id_number" label="身份证号" value placeholder="输入本辖区人员的身份证号" button="查询" />
            {move || notice.get().map(|text| view! { <p role="status" class="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-700">{text}</p> })}
            {move || error.get().map(|e| view! { <p role="alert" class="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">{e.message}</p> })}
            {match data {
                Some(data) => {
                    let id_number = id_number.clone();
                    view! { <Loaded data render={move |person: PersonHours| view! { <PersonView person id_number=id_number.clone() adjust reverse /> }} /> }.into_any()
                }
                None => view! { <Card><EmptyState message="输入身份证号查询人员的学时记录" /></Card> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn PersonView(
    person: PersonHours,
    id_number: String,
    adjust: ServerAction<AdjustHours>,
    reverse: ServerAction<ReverseLedgerRow>,
) -> impl IntoView {
    let year = person.year;
    let shown = person.years.iter().find(|c| c.year == year).cloned();
    let other_years: Vec<i64> = person.years.iter().map(|c| c.year).filter(|y| *y != year).collect();
    let who = format!(
        "{}（{}）{}",
        person.name,
        person.id_number,
        if person.unit_name.is_empty() { String::new() } else { format!(" · {}", person.unit_name) }
    );
    let year_link = {
        let id_number = id_number.clone();
        move |y: i64| format!("/admin/credits?id_number={id_number}&year={y}")
    };
    let rows = {
        let id_number = id_number.clone();
        person
            .rows
            .into_iter()
            .map(move |row| view! { <AuthorityRow row id_number=id_number.clone() year reverse /> })
            .collect_view()
    };
    let has_rows = !rows.is_empty();
    view! {
        <Card>
            <p class="font-medium text-slate-900">{who}</p>
            {(!other_years.is_empty()).then(|| view! {
                <p class="mt-1 text-sm text-slate-600">"其他年度："
                    {other_years.into_iter().map(|y| view! { <a href=year_link(y) class="mr-2 text-blue-700 hover:underline">{format!("{y}年度")}</a> }).collect_view()}
                </p>
            })}
        </Card>
        {shown.map(|completion| view! { <YearCard completion link=false /> })}
        <Card title=format!("{year}年度学时记录")>
            {if has_rows {
                view! { <ul class="divide-y divide-slate-100" aria-label="学时记录">{rows}</ul> }.into_any()
            } else {
                view! { <EmptyState message="本年度没有学时记录" /> }.into_any()
            }}
        </Card>
        <Card title="学时调整">
            <ActionForm action=adjust attr:class="grid gap-3 sm:grid-cols-2" attr:novalidate="">
                <input type="hidden" name="id_number" value=id_number.clone() />
                <div>
                    <label for="adjust-year" class=LABEL>"计入年度"</label>
                    <select id="adjust-year" name="year" class=INPUT>
                        {person.adjustable_years.iter().map(|y| {
                            let selected = *y == year;
                            view! { <option value=y.to_string() selected=selected>{format!("{y}年度")}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="adjust-category" class=LABEL>"学时类别"</label>
                    <select id="adjust-category" name="category" class=INPUT>
                        {Category::ALL.iter().map(|c| view! { <option value=c.code()>{c.label()}</option> }).collect_view()}
                    </select>
                </div>
                <Field label="调整学时" name="hours" error=Signal::derive(move || adjust.value().get().and_then(Result::err)) inputmode="decimal" />
                <Field label="调整原因" name="reason" error=Signal::derive(move || adjust.value().get().and_then(Result::err)) />
                <p class="text-sm text-slate-600 sm:col-span-2">"更正错误的学时：先冲销那条记录，再按正确学时调整。"</p>
                <div class="sm:col-span-2"><button type="submit" class=PRIMARY_BUTTON>"确认调整"</button></div>
            </ActionForm>
        </Card>
    }
}

#[component]
fn AuthorityRow(
    row: LedgerLine,
    id_number: String,
    year: i64,
    reverse: ServerAction<ReverseLedgerRow>,
) -> impl IntoView {
    let live = row.reverses.is_none() && row.tenths > 0;
    let reason_id = format!("reason-{}", row.id);
    view! {
        <LedgerItem row=row.clone()>
            {live.then(|| view! {
                <ActionForm action=reverse attr:class="mt-2 flex flex-wrap items-center gap-2">
                    <input type="hidden" name="id_number" value=id_number.clone() />
                    <input type="hidden" name="year" value=year />
                    <input type="hidden" name="ledger_id" value=row.id />
                    <label for=reason_id.clone() class="sr-only">"冲销原因"</label>
                    <input id=reason_id name="reason" placeholder="冲销原因" class="min-w-0 flex-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
                    <button type="submit" class=SECONDARY_BUTTON>"冲销"</button>
                </ActionForm>
            })}
        </LedgerItem>
    }
}

#[component]
pub fn UnitDeclarationsPage() -> impl IntoView {
    let query = use_query_map();
    let page = query.with_untracked(|q| q.get("page").and_then(|p| p.parse::<u32>().ok()));
    let data = PageData::new(list_unit_declarations(page));
    let revoke = ServerAction::<RevokeUnitDeclaration>::new();
    let error = Signal::derive(move || revoke.value().get().and_then(Result::err));
    let notice = Signal::derive(move || {
        query.with(|q| q.get("revoked").map(|n| format!("已撤销，{n} 人的学时已冲销并通知本人")))
    });
    view! {
        <Page title="单位申报学时" data notice error render={move |list: ListPage<UnitDeclarationLine>| view! {
            <PagedList page=list empty="本辖区还没有单位申报学时" href=|p| format!("/admin/unit-declarations?page={p}") row={move |line: UnitDeclarationLine| view! { <UnitDeclarationItem line revoke /> }} />
        }} />
    }
}

#[component]
fn UnitDeclarationItem(
    line: UnitDeclarationLine,
    revoke: ServerAction<RevokeUnitDeclaration>,
) -> impl IntoView {
    let hours = if line.imported {
        format!("{} 人合计 {} 学时", line.people, line.hours)
    } else {
        format!("每人 {} 学时 · {} 人", line.hours, line.people)
    };
    let facts =
        format!("{}年度 · {} · {hours} · {}", line.year, line.category.label(), format_date(line.created_at));
    let reason_id = format!("revoke-{}", line.id);
    view! {
        <li class="py-3">
            <div class="flex flex-wrap items-baseline gap-2">
                <span class="font-medium text-slate-900">{line.title.clone()}</span>
                <span class="text-sm text-slate-500">{line.unit_name.clone()}</span>
                {line.revoked_at.map(|at| view! { <span class="rounded bg-slate-100 px-1.5 text-xs text-slate-600">{format!("已撤销 {}", format_date(at))}</span> })}
            </div>
            <p class="mt-1 text-sm text-slate-600">{facts}</p>
            {(!line.revoke_reason.is_empty()).then(|| view! { <p class="mt-1 text-sm text-slate-500">{format!("撤销原因：{}", line.revoke_reason)}</p> })}
            {line.revoked_at.is_none().then(|| view! {
                <ActionForm action=revoke attr:class="mt-2 flex flex-wrap items-center gap-2">
                    <input type="hidden" name="id" value=line.id />
                    <label for=reason_id.clone() class="sr-only">"撤销原因"</label>
                    <input id=reason_id name="reason" placeholder="撤销原因" class="min-w-0 flex-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
                    <button type="submit" class=SECONDARY_BUTTON>"撤销"</button>
                </ActionForm>
            })}
        </li>
    }
}
