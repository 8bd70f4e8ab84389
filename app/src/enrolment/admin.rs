//! The provider's review queue (报名审核): filter by class, session and status; tick
//! registrations and approve them, or reject them with a reason, one or many at once.

use super::{
    api::{ReviewFilter, ReviewLine, ReviewRegistrations, list_registrations_for_review},
    domain::Status,
    pages::StatusTag,
};
use crate::shell::page_data::PageData;
use crate::{
    catalogue::api::{ClassSummary, SessionInfo, get_class_for_edit, list_provider_classes},
    platform::{paging, time::format_datetime},
    shell::{
        components::{Card, EmptyState, FormError, INPUT, LABEL, PRIMARY_BUTTON, Pager, SECONDARY_BUTTON},
        frame::Page,
    },
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::future::IntoFuture;

#[component]
pub fn ReviewQueuePage() -> impl IntoView {
    let query = use_query_map();
    let filter = move || {
        let q = query.read();
        ReviewFilter {
            class_id: q.get("class_id").unwrap_or_default(),
            session_id: q.get("session_id").unwrap_or_default(),
            status: q.get("status").unwrap_or_else(|| Status::UnderReview.code().to_owned()),
        }
    };
    let page = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok());
    let list = PageData::new(list_registrations_for_review(filter(), page()));
    let classes = PageData::new(list_provider_classes(Some(1)));
    let chosen_class = move || query.read().get("class_id").and_then(|id| id.parse::<i64>().ok());
    let class_id = chosen_class();
    let sessions = PageData::new(async move {
        match class_id {
            Some(id) => get_class_for_edit(id).await.map(|c| c.sessions),
            None => Ok(Vec::new()),
        }
    });
    let review = ServerAction::<ReviewRegistrations>::new();
    let error = Signal::derive(move || review.value().get().and_then(Result::err));
    // The queue, with the classes and sessions of the filter (loaded side by side).
    let data = PageData::new(async move {
        let (list, classes, sessions) =
            futures::join!(list.into_future(), classes.into_future(), sessions.into_future());
        list.map(|page| (page, classes.map(|p| p.items).unwrap_or_default(), sessions.unwrap_or_default()))
    });
    view! {
        <Page title="报名审核" data render={move |(page, classes, sessions): (paging::Page<ReviewLine>, Vec<ClassSummary>, Vec<SessionInfo>)| {
                        let current = filter();
                        let total_pages = page.total_pages();
                        let number = page.page;
                        let link_filter = current.clone();
                        view! {
                            <form method="get" class="mb-4 grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-5" aria-label="筛选">
                                <div class="sm:col-span-2">
                                    <label for="class_id" class=LABEL>"培训班"</label>
                                    <select id="class_id" name="class_id" class=INPUT>
                                        <option value="">"全部培训班"</option>
                                        {classes.iter().map(|c| view! {
                                            <option value=c.id selected=current.class_id == c.id.to_string()>{c.title.clone()}</option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                <div>
                                    <label for="status" class=LABEL>"状态"</label>
                                    <select id="status" name="status" class=INPUT>
                                        <option value="all" selected=current.status == "all">"全部状态"</option>
                                        {Status::ALL.into_iter().map(|s| view! {
                                            <option value=s.code() selected=current.status == s.code()>{s.label()}</option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                <div>
                                    <label for="session_id" class=LABEL>"期次"</label>
                                    <select id="session_id" name="session_id" class=INPUT>
                                        <option value="">"全部期次"</option>
                                        {sessions.iter().map(|x| view! {
                                            <option value=x.id selected=current.session_id == x.id.to_string()>{x.name.clone()}</option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                <div class="flex items-end">
                                    <button type="submit" class=format!("{SECONDARY_BUTTON} w-full")>"筛选"</button>
                                </div>
                            </form>
                            <ActionForm action=review attr:class="space-y-3">
                                <FormError error />
                                <Card>
                                    {if page.items.is_empty() {
                                        view! { <EmptyState message="没有符合条件的报名" /> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="divide-y divide-slate-100" aria-label="报名列表">
                                                {page.items.into_iter().enumerate().map(|(i, r)| {
                                                    let label = format!("选择 {} 的报名", r.trainee);
                                                    view! {
                                                        <li class="flex gap-3 py-3">
                                                            <input type="checkbox" name=format!("ids[{i}]") value=r.id aria-label=label class="mt-1 h-4 w-4 shrink-0" />
                                                            <div class="min-w-0 flex-1 text-sm">
                                                                <div class="flex flex-wrap items-center gap-2">
                                                                    <span class="font-medium text-slate-900">{r.trainee.clone()}</span>
                                                                    <span class="text-slate-500">{r.id_number_masked.clone()}</span>
                                                                    <span class="text-slate-500">{r.phone_masked.clone()}</span>
                                                                    <StatusTag status=r.status />
                                                                </div>
                                                                <p class="mt-1 text-slate-600">{format!("{} · {}", r.class_title, r.session)}</p>
                                                                <p class="mt-1 text-slate-500">
                                                                    {(!r.job_title.is_empty()).then(|| format!("职务：{} ", r.job_title))}
                                                                    {(!r.lodging.is_empty()).then(|| format!("住宿：{} ", r.lodging))}
                                                                    {format!("提交于 {}", format_datetime(r.submitted_at))}
                                                                </p>
                                                                {(!r.reject_reason.is_empty()).then(|| view! {
                                                                    <p class="mt-1 text-red-700">{format!("不通过原因：{}", r.reject_reason)}</p>
                                                                })}
                                                                {r.photo_url.clone().map(|url| view! {
                                                                    <a href=url class="mt-1 inline-block text-blue-700 hover:underline">"查看证件照"</a>
                                                                })}
                                                            </div>
                                                        </li>
                                                    }
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </Card>
                                <Card title="审核勾选的报名">
                                    <label for="reason" class=LABEL>"不通过原因（审核不通过时必填）"</label>
                                    <textarea id="reason" name="reason" rows="2" maxlength="200" class=INPUT></textarea>
                                    <div class="mt-3 flex gap-3">
                                        <button type="submit" name="decision" value="approve" class=PRIMARY_BUTTON>"审核通过"</button>
                                        <button type="submit" name="decision" value="reject" class=SECONDARY_BUTTON>"审核不通过"</button>
                                    </div>
                                </Card>
                            </ActionForm>
                            <Pager page=number total_pages href=move |p| format!(
                                "/admin/registrations?class_id={}&session_id={}&status={}&page={p}",
                                link_filter.class_id, link_filter.session_id, link_filter.status
                            ) />
                        }
        }} />
    }
}
