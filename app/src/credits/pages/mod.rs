//! 学时完成情况: each year the trainee holds hours in, against its requirement, with a
//! chart drawn on the server (readable without JavaScript, the same figures in a table
//! beside it), and one year's ledger rows behind the figures.

use super::{
    api::{HoursOverview, HoursYear, LedgerLine, my_hours, my_hours_year},
    domain::{Completion, signed_hours},
};
use crate::{
    catalogue::domain::Hours,
    platform::time::format_date,
    shell::{
        components::{CARD_HEADING, Card, EmptyState},
        frame::Page,
        page_data::PageData,
    },
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

pub mod records;
pub use records::{DeclarePage, RecordPage, RecordsPage};

#[component]
pub fn HoursPage() -> impl IntoView {
    let data = PageData::new(my_hours());
    view! {
        <Page title="学时完成情况" data render={move |overview: HoursOverview| {
            view! {
                {overview.years.into_iter().map(|completion| view! { <YearCard completion link=true /> }).collect_view()}
            }
        }} />
    }
}

#[component]
pub fn HoursYearPage() -> impl IntoView {
    let params = use_params_map();
    let year = params.read_untracked().get("year").and_then(|y| y.parse::<i64>().ok()).unwrap_or_default();
    let data = PageData::new(my_hours_year(year));
    view! {
        <Page title=format!("{year}年度学时明细") data render={move |detail: HoursYear| {
            view! {
                <YearCard completion=detail.completion link=false />
                <LedgerList rows=detail.rows />
                <p><a href="/me/hours" class="text-sm text-blue-700 hover:underline">"返回学时完成情况"</a></p>
            }
        }} />
    }
}

/// One year: verdict, the requirement in words, chart and table.
#[component]
pub fn YearCard(completion: Completion, link: bool) -> impl IntoView {
    let year = completion.year;
    let verdict = completion.verdict();
    let badge = if completion.met {
        "rounded bg-green-50 px-2 py-0.5 text-sm text-green-700"
    } else {
        "rounded bg-amber-50 px-2 py-0.5 text-sm text-amber-800"
    };
    let shortfall = completion.shortfall();
    let described = completion.requirement.as_ref().map(|r| r.describe()).unwrap_or_default();
    let capped: Vec<String> = completion
        .capped
        .iter()
        .map(|c| format!("{}共 {} 学时，按上限计 {} 学时。", c.label, c.held, c.max))
        .collect();
    view! {
        <Card>
            <section aria-label=format!("{year}年度")>
                <div class="flex flex-wrap items-center gap-2">
                    <h2 class=CARD_HEADING>{format!("{year}年度")}</h2>
                    <span class=badge>{verdict}</span>
                    {link.then(|| view! {
                        <a href=format!("/me/hours/{year}") class="ml-auto text-sm text-blue-700 hover:underline">"查看明细"</a>
                    })}
                </div>
                {(!shortfall.is_empty()).then(|| view! { <p class="mt-1 text-sm text-amber-800">{format!("还需：{shortfall}")}</p> })}
                <div class="mt-3 grid gap-4 md:grid-cols-2">
                    <HoursChart completion=completion.clone() />
                    <HoursTable completion />
                </div>
                {(!described.is_empty() || !capped.is_empty()).then(|| view! {
                    <ul class="mt-3 space-y-1 text-sm text-slate-600">
                        {described.into_iter().chain(capped).map(|line| view! { <li>{line}</li> }).collect_view()}
                    </ul>
                })}
            </section>
        </Card>
    }
}

#[component]
fn HoursTable(completion: Completion) -> impl IntoView {
    let has_requirement = completion.requirement.is_some();
    let shown = move |hours: Hours| if has_requirement { hours.to_string() } else { "—".to_owned() };
    view! {
        <table class="w-full text-sm">
            <thead>
                <tr class="text-left text-slate-500">
                    <th class="py-1 font-normal">"类别"</th>
                    <th class="py-1 font-normal">"已获得"</th>
                    <th class="py-1 font-normal">"要求"</th>
                    <th class="py-1 font-normal">"还差"</th>
                </tr>
            </thead>
            <tbody class="divide-y divide-slate-100">
                {completion.categories.iter().map(|p| view! {
                    <tr>
                        <th class="py-1 text-left font-normal">{p.category.label()}</th>
                        <td class="py-1">{p.earned.to_string()}</td>
                        <td class="py-1">{shown(p.required)}</td>
                        <td class="py-1">{shown(p.missing)}</td>
                    </tr>
                }).collect_view()}
                <tr class="font-medium">
                    <th class="py-1 text-left">"合计"</th>
                    <td class="py-1">{completion.earned.to_string()}</td>
                    <td class="py-1">{shown(completion.required)}</td>
                    <td class="py-1">{shown(completion.missing)}</td>
                </tr>
            </tbody>
        </table>
    }
}

const CHART_WIDTH: i64 = 320;
const LABEL_WIDTH: i64 = 44;
const ROW_HEIGHT: i64 = 30;

/// Horizontal bars, one per category and the total: filled to what was earned, the
/// outline to what is required. The table beside it carries the same figures.
#[component]
fn HoursChart(completion: Completion) -> impl IntoView {
    let mut rows: Vec<(&'static str, Hours, Hours)> =
        completion.categories.iter().map(|p| (p.category.label(), p.earned, p.required)).collect();
    rows.push(("合计", completion.earned, completion.required));
    let scale =
        rows.iter().map(|(_, earned, required)| earned.0.max(required.0)).max().unwrap_or_default().max(1);
    let bar_space = CHART_WIDTH - LABEL_WIDTH - 8;
    let width_of = move |hours: Hours| hours.0.max(0) * bar_space / scale;
    let height = ROW_HEIGHT * i64::try_from(rows.len()).unwrap_or_default();
    let title = format!("{}年度学时完成情况图", completion.year);
    let label = title.clone();
    view! {
        <svg viewBox=format!("0 0 {CHART_WIDTH} {height}") class="w-full max-w-sm" role="img" aria-label=label>
            <title>{title}</title>
            {rows.into_iter().enumerate().map(|(i, (label, earned, required))| {
                let y = i64::try_from(i).unwrap_or_default() * ROW_HEIGHT;
                let fill = if earned >= required { "#15803d" } else { "#d97706" };
                view! {
                    <g>
                        <text x="0" y=y + 19 font-size="13" fill="#334155">{label}</text>
                        <rect x=LABEL_WIDTH y=y + 6 width=bar_space height="16" rx="3" fill="#f1f5f9" />
                        <rect x=LABEL_WIDTH y=y + 6 width=width_of(earned) height="16" rx="3" fill=fill />
                        {(required.0 > 0).then(|| view! {
                            <rect x=LABEL_WIDTH y=y + 6 width=width_of(required) height="16" rx="3" fill="none" stroke="#334155" stroke-dasharray="3 2" />
                        })}
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

#[component]
fn LedgerList(rows: Vec<LedgerLine>) -> impl IntoView {
    view! {
        <Card title="学时记录">
            {if rows.is_empty() {
                view! { <EmptyState message="本年度还没有学时记录" /> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100" aria-label="学时记录">
                        {rows.into_iter().map(|row| view! { <LedgerItem row /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </Card>
    }
}

/// One ledger row: what, from where, the hours with their sign, who approved it, its
/// note; `children` adds what the viewer may do with it (the authority's 冲销).
#[component]
pub fn LedgerItem(row: LedgerLine, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    view! {
        <li class="py-3">
            <div class="flex flex-wrap items-baseline gap-2">
                <span class="font-medium text-slate-900">{row.title.clone()}</span>
                {row.reverses.map(|_| view! { <span class="rounded bg-slate-100 px-1.5 text-xs text-slate-600">"冲销"</span> })}
                <span class="ml-auto shrink-0 font-medium">{signed_hours(row.tenths)}</span>
            </div>
            <p class="mt-1 text-sm text-slate-600">
                {format!("{} · {} · {}", row.source, row.category.label(), format_date(row.created_at))}
                {row.approver.clone().map(|name| format!(" · 审核人 {name}"))}
            </p>
            {(!row.note.is_empty()).then(|| view! { <p class="mt-1 text-sm text-slate-500">{row.note.clone()}</p> })}
            {(!row.evidence.is_empty()).then(|| view! { <a href=row.evidence.clone() class="mt-1 inline-block text-sm text-blue-700 hover:underline">"查看依据"</a> })}
            {children.map(|children| children())}
        </li>
    }
}
