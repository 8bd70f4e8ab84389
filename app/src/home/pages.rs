//! The home page: the banner, the classes open for registration, the latest 通知公告
//! and 办事指南, and the links to the public queries.

use crate::{
    announcements::{
        api::load_home_feed,
        domain::{AnnouncementSummary, Category},
        pages::SummaryList,
    },
    catalogue::{api::latest_open_classes, pages::ClassCard},
    shell::{components::EmptyState, errors::ErrorPage, page_data::PageData},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let feed = PageData::new(load_home_feed());
    let classes = PageData::new(latest_open_classes());
    view! {
        <Title text="" />
        <section class="overflow-hidden rounded-2xl bg-gradient-to-br from-blue-700 to-sky-600 px-5 py-8 text-white shadow md:px-10 md:py-12">
            <h1 class="text-2xl font-bold md:text-3xl">"专业技术人员继续教育平台"</h1>
            <p class="mt-2 max-w-2xl text-blue-50">
                "培训报名、在线缴费、课程学习、课后测验、学时登记与证书打印，一站办理。"
            </p>
            <div class="mt-6 flex flex-wrap gap-3">
                <a href="/enroll" class="rounded-md bg-white px-4 py-2 font-medium text-blue-700 shadow-sm hover:bg-blue-50">"报名中心"</a>
                <a href="/learn" class="rounded-md border border-white/60 px-4 py-2 font-medium text-white hover:bg-white/10">"进入学习"</a>
            </div>
        </section>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                classes.await.ok().filter(|c| !c.is_empty()).map(|classes| view! {
                    <section class="mt-6" aria-labelledby="open-classes">
                        <div class="mb-2 flex items-center justify-between">
                            <h2 id="open-classes" class="text-base font-semibold text-slate-900">"正在报名的培训"</h2>
                            <a href="/enroll" class="text-sm text-blue-700 hover:underline">"更多"</a>
                        </div>
                        <ul class="grid gap-3 md:grid-cols-2">
                            {classes.into_iter().map(|class| view! { <li><ClassCard class /></li> }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Suspense>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match feed.await {
                    Ok(feed) => view! {
                        <div class="mt-6 grid gap-4 md:grid-cols-2">
                            <FeedColumn category=Category::Notice items=feed.notices />
                            <FeedColumn category=Category::Guide items=feed.guides />
                        </div>
                        <nav aria-label="公共查询" class="mt-6 grid grid-cols-3 gap-3 text-center text-sm">
                            <a href="/query/certificate" class="rounded-xl border border-slate-200 bg-white p-4 font-medium text-slate-700 shadow-sm hover:border-blue-300">"证书查询"</a>
                            <a href="/query/score" class="rounded-xl border border-slate-200 bg-white p-4 font-medium text-slate-700 shadow-sm hover:border-blue-300">"成绩查询"</a>
                            <a href="/query/hours" class="rounded-xl border border-slate-200 bg-white p-4 font-medium text-slate-700 shadow-sm hover:border-blue-300">"学时查询"</a>
                        </nav>
                    }
                        .into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FeedColumn(category: Category, items: Vec<AnnouncementSummary>) -> impl IntoView {
    let more = format!("/news?category={}", category.code());
    view! {
        <section class="min-w-0 rounded-xl border border-slate-200 bg-white p-4 shadow-sm md:p-5" aria-labelledby=format!("feed-{}", category.code())>
            <div class="mb-2 flex items-center justify-between">
                <h2 id=format!("feed-{}", category.code()) class="text-base font-semibold text-slate-900">{category.label()}</h2>
                <a href=more class="text-sm text-blue-700 hover:underline">"更多"</a>
            </div>
            {if items.is_empty() {
                view! { <EmptyState message="暂无内容" /> }.into_any()
            } else {
                view! { <SummaryList items show_category=false /> }.into_any()
            }}
        </section>
    }
}
