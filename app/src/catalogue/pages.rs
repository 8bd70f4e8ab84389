//! 报名中心 → 培训 (the list with its filters), the class page with 提交订单 and
//! 收藏, and 我的收藏.

use super::{
    api::{
        ClassDetail, ClassFilter, ClassSummary, ToggleFavourite, favourite_class_ids, get_class,
        list_favourites, list_open_classes, open_class_years,
    },
    domain::{Category, Mode},
};
use crate::shell::page_data::PageData;
use crate::{
    accounts::{domain::identity::UNVERIFIED_NOTICE, pages::use_auth},
    shell::{
        components::{Card, EmptyState, INPUT, InfoRow, LABEL, PRIMARY_BUTTON, Pager, SECONDARY_BUTTON},
        errors::{ErrorPage, LoginRequiredPage},
        frame::Loaded,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// "公需 6 · 专业 24" for the hours a class grants.
pub fn hours_text(hours: &[super::domain::Hours; 3]) -> String {
    Category::ALL
        .into_iter()
        .zip(hours)
        .filter(|(_, h)| h.0 > 0)
        .map(|(c, h)| format!("{} {}学时", c.label(), h))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// One class in a list, linking to its page.
#[component]
pub fn ClassCard(class: ClassSummary) -> impl IntoView {
    view! {
        <a href=format!("/classes/{}", class.id) class="block rounded-xl border border-slate-200 bg-white p-4 pr-12 shadow-sm hover:border-blue-300">
                <div class="flex items-start gap-3">
                    <p class="min-w-0 flex-1 font-medium text-slate-900">{class.title.clone()}</p>
                    <span class="shrink-0 rounded-full bg-blue-50 px-2.5 py-0.5 text-xs font-medium text-blue-700 ring-1 ring-inset ring-blue-200">
                        {class.mode.label()}
                    </span>
                </div>
                <p class="mt-1 text-sm text-slate-500">{format!("{} · {}年度 · {}", class.provider_name, class.year, hours_text(&class.hours))}</p>
                <p class="mt-2 flex flex-wrap gap-x-4 text-sm text-slate-600">
                    <span class="font-medium text-slate-900">{class.fee_fen.to_string()}</span>
                    <span>{format!("报名截止 {}", class.closes_on)}</span>
                    <span>{format!("面向地区：{}", class.region_name)}</span>
                    <span>{format!("剩余名额 {}", class.seats_left)}</span>
                </p>
            </a>
    }
}

#[component]
pub fn EnrollPage() -> impl IntoView {
    let user = use_auth().current();
    let unverified = user.as_ref().is_some_and(|u| !u.real_name_verified);
    let signed_in = user.is_some();
    let query = use_query_map();
    let filter = move || {
        let q = query.read();
        ClassFilter {
            q: q.get("q").unwrap_or_default(),
            mode: q.get("mode").unwrap_or_default(),
            year: q.get("year").unwrap_or_default(),
            category: q.get("category").unwrap_or_default(),
            region: q.get("region").unwrap_or_default(),
        }
    };
    let page = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok());
    let list = PageData::new(list_open_classes(filter(), page()));
    let regions = PageData::new(crate::units::api::load_directory(None, None));
    let years = PageData::new(open_class_years());
    let favourites = PageData::new(favourite_class_ids());
    let favourite = ServerAction::<ToggleFavourite>::new();
    view! {
        <Title text="报名中心" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"报名中心"</h1>
        {unverified.then(|| view! {
            <p role="note" class="mb-4 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800">
                {UNVERIFIED_NOTICE} " " <a href="/me/verify" class="font-medium underline">"实名认证"</a>
            </p>
        })}
        <nav aria-label="报名类别" class="mb-4 flex gap-2">
            <span class="rounded-full bg-blue-700 px-3 py-1.5 text-sm text-white" aria-current="page">"培训"</span>
            <a href="/news?category=notice" class="rounded-full border border-slate-200 bg-white px-3 py-1.5 text-sm text-slate-600">"报名通知"</a>
        </nav>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let f = filter();
                let regions = regions.await.map(|d| d.regions).unwrap_or_default();
                let years = years.await.unwrap_or_default();
                let favourites = favourites.await.unwrap_or_default();
                let back = format!(
                    "/enroll?q={}&mode={}&year={}&category={}&region={}",
                    crate::platform::url::percent_encode(&f.q), f.mode, f.year, f.category, f.region
                );
                match list.await {
                    Ok(page) => {
                        let total_pages = page.total_pages();
                        let number = page.page;
                        let link = f.clone();
                        view! {
                            <form method="get" class="mb-4 grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-3 lg:grid-cols-6" aria-label="筛选培训">
                                <div class="sm:col-span-3 lg:col-span-2">
                                    <label for="q" class=LABEL>"搜索"</label>
                                    <input id="q" name="q" type="search" class=INPUT value=f.q.clone() placeholder="培训班名称" />
                                </div>
                                <div>
                                    <label for="mode" class=LABEL>"培训方式"</label>
                                    <select id="mode" name="mode" class=INPUT>
                                        <option value="">"全部"</option>
                                        {[Mode::Online, Mode::Offline].into_iter().map(|m| view! {
                                            <option value=m.code() selected=f.mode == m.code()>{m.label()}</option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                <div>
                                    <label for="year" class=LABEL>"年度"</label>
                                    <select id="year" name="year" class=INPUT>
                                        <option value="">"全部"</option>
                                        {years.into_iter().map(|y| view! {
                                            <option value=y selected=f.year == y.to_string()>{format!("{y}年")}</option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                <div>
                                    <label for="category" class=LABEL>"学时类别"</label>
                                    <select id="category" name="category" class=INPUT>
                                        <option value="">"全部"</option>
                                        {Category::ALL.into_iter().map(|c| view! {
                                            <option value=c.code() selected=f.category == c.code()>{c.label()}</option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                <div>
                                    <label for="region" class=LABEL>"地区"</label>
                                    <select id="region" name="region" class=INPUT>
                                        <option value="">"全部"</option>
                                        {regions.iter().map(|r| {
                                            let label = if r.level == 1 { r.name.clone() } else { format!("　{}", r.name) };
                                            view! { <option value=r.code.clone() selected=f.region == r.code>{label}</option> }
                                        }).collect_view()}
                                    </select>
                                </div>
                                <div class="flex items-end sm:col-span-3 lg:col-span-6">
                                    <button type="submit" class=PRIMARY_BUTTON>"查询"</button>
                                </div>
                            </form>
                            {if page.items.is_empty() {
                                view! {
                                    <Card>
                                        <EmptyState message="没有符合条件、正在接受报名的培训班。" />
                                        <p class="text-center text-sm"><a href="/news?category=notice" class="text-blue-700 hover:underline">"查看通知公告"</a></p>
                                    </Card>
                                }.into_any()
                            } else {
                                view! {
                                    <ul class="space-y-3" aria-label="培训班列表">
                                        {page.items.into_iter().map(|class| {
                                            let id = class.id;
                                            let on = favourites.contains(&id);
                                            let label = format!("{}{}", if on { "取消收藏 " } else { "收藏 " }, class.title);
                                            let back = back.clone();
                                            view! {
                                                <li class="relative">
                                                    <ClassCard class />
                                                    {signed_in.then(|| view! {
                                                        <ActionForm action=favourite attr:class="absolute bottom-3 right-3">
                                                            <input type="hidden" name="class_id" value=id />
                                                            <input type="hidden" name="favourite" value=if on { "0" } else { "1" } />
                                                            <input type="hidden" name="back" value=back />
                                                            <button type="submit" aria-label=label aria-pressed=if on { "true" } else { "false" }
                                                                class="rounded-full px-2 py-1 text-lg leading-none text-amber-500 hover:bg-amber-50">
                                                                {if on { "★" } else { "☆" }}
                                                            </button>
                                                        </ActionForm>
                                                    })}
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            <Pager page=number total_pages href=move |p| {
                                let e = crate::platform::url::percent_encode;
                                format!("/enroll?q={}&mode={}&year={}&category={}&region={}&page={p}",
                                    e(&link.q), e(&link.mode), e(&link.year), e(&link.category), e(&link.region))
                            } />
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ClassPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let class = PageData::new(get_class(id()));
    let favourite = ServerAction::<ToggleFavourite>::new();
    view! {
        <Loaded data=class render={move |c: ClassDetail| {
                        let s = c.summary.clone();
                        let lodgings = c
                            .lodgings
                            .iter()
                            .map(|l| format!("{} {}", l.name, l.price_fen))
                            .collect::<Vec<_>>()
                            .join("；");
                        view! {
                            <Title text="培训详情" />
                            <div class="mx-auto max-w-3xl space-y-4">
                                <a href="/enroll" class="text-sm text-blue-700 hover:underline">"‹ 报名中心"</a>
                                <Card>
                                    <div class="flex items-start gap-3">
                                        <h1 class="min-w-0 flex-1 text-xl font-semibold text-slate-900">{s.title.clone()}</h1>
                                        <span class="shrink-0 rounded-full bg-slate-100 px-2.5 py-0.5 text-xs text-slate-600">{s.state.label()}</span>
                                    </div>
                                    <dl class="mt-3 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
                                        <InfoRow label="施教机构" value=s.provider_name.clone() />
                                        <InfoRow label="培训方式" value=s.mode.label().to_owned() />
                                        <InfoRow label="年度" value=format!("{}年", s.year) />
                                        <InfoRow label="学时" value=hours_text(&s.hours) />
                                        <InfoRow label="培训费" value=s.fee_fen.to_string() />
                                        <InfoRow label="报名时间" value=format!("{} 至 {}", s.opens_on, s.closes_on) />
                                        <InfoRow label="面向地区" value=s.region_name.clone() />
                                        <InfoRow label="剩余名额" value=s.seats_left.to_string() />
                                        {(!lodgings.is_empty()).then(|| view! { <InfoRow label="住宿" value=lodgings.clone() /> })}
                                        <InfoRow label="报名审核" value=if s.needs_review { "需要审核".to_owned() } else { "无需审核".to_owned() } />
                                    </dl>
                                    <div class="mt-4 flex flex-wrap gap-3">
                                        {if c.accepting {
                                            view! { <a href=format!("/classes/{}/apply", s.id) class=PRIMARY_BUTTON>"提交订单"</a> }.into_any()
                                        } else {
                                            view! { <span class=format!("{PRIMARY_BUTTON} opacity-60") aria-disabled="true">"当前不可报名"</span> }.into_any()
                                        }}
                                        <ActionForm action=favourite>
                                            <input type="hidden" name="class_id" value=s.id />
                                            <input type="hidden" name="favourite" value=if c.favourite { "0" } else { "1" } />
                                            <button type="submit" class=SECONDARY_BUTTON aria-pressed=if c.favourite { "true" } else { "false" }>
                                                {if c.favourite { "★ 已收藏" } else { "☆ 收藏" }}
                                            </button>
                                        </ActionForm>
                                        {c.manageable.then(|| view! {
                                            <a href=format!("/admin/classes/{}", s.id) class=SECONDARY_BUTTON>"管理培训班"</a>
                                        })}
                                    </div>
                                </Card>
                                <Card title="期次">
                                    {if c.sessions.is_empty() {
                                        view! { <EmptyState message="暂无期次" /> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="divide-y divide-slate-100 text-sm">
                                                {c.sessions.iter().map(|x| view! {
                                                    <li class="flex flex-wrap gap-x-4 py-2">
                                                        <span class="font-medium text-slate-900">{x.name.clone()}</span>
                                                        <span class="text-slate-600">{format!("{} 至 {}", x.starts_on, x.ends_on)}</span>
                                                        {(!x.place.is_empty()).then(|| view! { <span class="text-slate-600">{x.place.clone()}</span> })}
                                                        <span class="text-slate-500">{format!("余 {} / {}", x.seats_left(), x.capacity)}</span>
                                                    </li>
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </Card>
                                {(!c.description_html.is_empty()).then(|| view! {
                                    <Card title="培训简介">
                                        <div class="prose max-w-none" inner_html=c.description_html.clone()></div>
                                    </Card>
                                })}
                                <Card title="报名须知">
                                    <p class="whitespace-pre-line text-sm leading-relaxed text-slate-700">{c.notice.clone()}</p>
                                </Card>
                            </div>
                        }
        }} />
    }
}

#[component]
pub fn FavouritesPage() -> impl IntoView {
    let list = PageData::new(list_favourites());
    view! {
        <Title text="我的收藏" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"我的收藏"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(items) if items.is_empty() => view! { <Card><EmptyState message="还没有收藏的培训班或课程" /></Card> }.into_any(),
                    Ok(items) => view! {
                        <ul class="space-y-3" aria-label="收藏列表">
                            {items.into_iter().map(|class| view! { <li><ClassCard class /></li> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) if e.kind == crate::error::ErrorKind::Unauthenticated => view! { <LoginRequiredPage next="/me/favourites" /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
