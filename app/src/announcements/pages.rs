//! The announcement list with its category tabs, and the detail page.

use super::{
    api::{get_announcement, list_announcements},
    domain::{Announcement, AnnouncementSummary, Category},
};
use crate::shell::page_data::PageData;
use crate::{
    platform::{paging::Page, time::format_date},
    shell::{
        components::{Card, EmptyState, Pager},
        frame::Loaded,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// A list of announcement titles with their dates (and categories, when asked).
#[component]
pub fn SummaryList(items: Vec<AnnouncementSummary>, show_category: bool) -> impl IntoView {
    view! {
        <ul class="divide-y divide-slate-100">
            {items
                .into_iter()
                .map(|item| {
                    let href = format!("/news/{}", item.id);
                    view! {
                        <li class="py-2.5 md:flex md:items-baseline md:gap-3">
                            <a href=href class="line-clamp-2 min-w-0 text-slate-800 hover:text-blue-700 md:flex-1 md:truncate">{item.title}</a>
                            <p class="mt-1 flex items-center gap-2 text-xs text-slate-400 md:mt-0 md:shrink-0">
                                {show_category.then(|| view! {
                                    <span class="rounded bg-blue-50 px-1.5 py-0.5 text-blue-700">{item.category.label()}</span>
                                })}
                                <time>{item.published_at.map(format_date).unwrap_or_default()}</time>
                            </p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// 信息中心: every published announcement, by category, ten a page.
#[component]
pub fn NewsListPage() -> impl IntoView {
    let query = use_query_map();
    let category = move || query.read().get("category").filter(|c| Category::from_code(c).is_some());
    let page = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok());
    let list = PageData::new(list_announcements(category(), page()));
    let tab = "rounded-full px-3 py-1.5 text-sm whitespace-nowrap";
    let tab_class = move |code: Option<&'static str>| {
        if category().as_deref() == code {
            format!("{tab} bg-blue-700 text-white")
        } else {
            format!("{tab} bg-white text-slate-600 border border-slate-200 hover:bg-slate-50")
        }
    };
    let title =
        move || category().and_then(|c| Category::from_code(&c)).map(Category::label).unwrap_or("信息中心");
    view! {
        <h1 class="mb-3 text-xl font-semibold text-slate-900">{title}</h1>
        <nav aria-label="栏目" class="mb-4 flex gap-2 overflow-x-auto pb-1">
            <a href="/news" class=move || tab_class(None) aria-current=move || category().is_none().then_some("page")>"全部"</a>
            {Category::ALL
                .into_iter()
                .map(|c| {
                    view! {
                        <a
                            href=format!("/news?category={}", c.code())
                            class=move || tab_class(Some(c.code()))
                            aria-current=move || (category().as_deref() == Some(c.code())).then_some("page")
                        >
                            {c.label()}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
        <Loaded data=list render={move |page: Page<AnnouncementSummary>| {
                        let category = category();
                        let total_pages = page.total_pages();
                        let current = page.page;
                        let empty = page.items.is_empty();
                        let show_category = category.is_none();
                        // A plain string, set when the list arrives: a reactive <Title>
                        // stalled concurrent server renders (leptos_meta 0.8).
                        view! {
                            <Title text=title() />
                            <Card>
                                {if empty {
                                    view! { <EmptyState message="暂无内容" /> }.into_any()
                                } else {
                                    view! { <SummaryList items=page.items show_category /> }.into_any()
                                }}
                            </Card>
                            <Pager
                                page=current
                                total_pages
                                href=move |p| match &category {
                                    Some(c) => format!("/news?category={c}&page={p}"),
                                    None => format!("/news?page={p}"),
                                }
                            />
                        }
        }} />
    }
}

#[component]
pub fn NewsDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let id = id();
    let announcement = PageData::new(async move {
        match id {
            Some(id) => get_announcement(id).await,
            None => Err(crate::error::AppError::not_found("该公告不存在或已下线")),
        }
    });
    view! {
        <Loaded data=announcement render={|item: Announcement| {
                        let back = format!("/news?category={}", item.category.code());
                        view! {
                            <Title text=item.title.clone() />
                            <nav aria-label="位置" class="mb-3 text-sm text-slate-500">
                                <a href="/news" class="hover:text-blue-700">"信息中心"</a>
                                " / "
                                <a href=back class="hover:text-blue-700">{item.category.label()}</a>
                            </nav>
                            <article class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm md:p-8">
                                <h1 class="text-xl font-semibold leading-snug text-slate-900 md:text-2xl">{item.title.clone()}</h1>
                                <p class="mt-2 text-sm text-slate-500">
                                    {match item.published_at {
                                        Some(at) => format!("发布日期：{}", format_date(at)),
                                        None => "草稿（仅管理员可见）".to_owned(),
                                    }}
                                </p>
                                <div class="prose mt-6" inner_html=item.body_html.clone()></div>
                                {(!item.attachments.is_empty()).then(|| view! {
                                    <section class="mt-8 border-t border-slate-100 pt-4" aria-labelledby="attachments">
                                        <h2 id="attachments" class="text-sm font-semibold text-slate-900">"附件"</h2>
                                        <ul class="mt-2 space-y-1">
                                            {item.attachments.iter().map(|a| view! {
                                                <li>
                                                    <a href=a.url() class="text-blue-700 hover:underline" download="">{a.filename.clone()}</a>
                                                    <span class="ml-2 text-xs text-slate-400">{a.size_label()}</span>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    </section>
                                })}
                            </article>
                        }
        }} />
    }
}
