//! The console's frame and its own pages: the layout with its navigation (staff only),
//! the overview (/admin) and the outbox (/admin/outbox). What the development SMS and
//! e-mail providers "sent" is shown to the platform admin (and for trying the site
//! without a real SMS gateway). Bodies hold codes and one-time passwords: a
//! production-mode server (a staging one; production proper refuses the outbox) shows
//! only the masked recipient and the title.

use super::api::{AdminOverview, OutboxMessage, list_outbox, load_admin_overview};
use crate::shell::page_data::PageData;
use crate::{
    accounts::{
        domain::roles::{CurrentUser, Role},
        pages::use_auth,
    },
    platform::{paging::Page, time::format_datetime},
    shell::{
        components::{Card, EmptyState, PagedList, SearchForm},
        errors::{ErrorPage, ForbiddenPage, LoginRequiredPage},
        frame::{Loaded, Page as PageFrame},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{A, Outlet},
    hooks::{use_location, use_query_map},
};

/// Shows the admin area to staff roles only. This decides what is shown; every
/// admin server function checks the caller again.
#[component]
pub fn AdminLayout() -> impl IntoView {
    let location = use_location();
    view! {
                {match use_auth().result() {
                    Ok(Some(user)) if user.is_staff() => view! {
                        <div class="md:flex md:gap-6">
                            <AdminNav user />
                            <div class="min-w-0 flex-1"><Outlet /></div>
                        </div>
                    }
                        .into_any(),
                    Ok(Some(_)) => view! { <ForbiddenPage /> }.into_any(),
                    Ok(None) => view! { <LoginRequiredPage next=location.pathname.get_untracked() /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }}
    }
}

const SIDE_LINK: &str = "block whitespace-nowrap md:whitespace-normal rounded-md px-3 py-2 text-sm text-slate-600 hover:bg-slate-100 aria-[current=page]:bg-blue-50 aria-[current=page]:font-medium aria-[current=page]:text-blue-700";

#[component]
fn AdminNav(user: CurrentUser) -> impl IntoView {
    view! {
        <nav aria-label="管理菜单" class="mb-4 flex gap-1 overflow-x-auto rounded-xl border border-slate-200 bg-white p-2 md:mb-0 md:w-48 md:shrink-0 md:flex-col md:self-start">
            <A href="/admin" exact=true attr:class=SIDE_LINK>"概览"</A>
            {user.has_role(Role::PlatformAdmin).then(|| view! {
                <A href="/admin/announcements" attr:class=SIDE_LINK>"通知公告管理"</A>
                <A href="/admin/outbox" attr:class=SIDE_LINK>"发件箱"</A>
            })}
            {(user.has_role(Role::Provider) || user.has_role(Role::PlatformAdmin)).then(|| view! {
                <A href="/admin/classes" attr:class=SIDE_LINK>"培训班管理"</A>
                <A href="/admin/registrations" attr:class=SIDE_LINK>"报名审核"</A>
                <A href="/admin/courses" attr:class=SIDE_LINK>"课程管理"</A>
            })}
            {(user.has_role(Role::Finance) || user.has_role(Role::PlatformAdmin)).then(|| view! {
                <A href="/admin/finance/transfers" attr:class=SIDE_LINK>"线下转账确认"</A>
                <A href="/admin/finance/refunds" attr:class=SIDE_LINK>"退款审核"</A>
                <A href="/admin/finance/invoices" attr:class=SIDE_LINK>"发票管理"</A>
            })}
            {(user.has_role(Role::Authority) || user.has_role(Role::PlatformAdmin)).then(|| view! {
                <A href="/admin/units" attr:class=SIDE_LINK>"单位注册审核"</A>
                <A href="/admin/identity" attr:class=SIDE_LINK>"实名审核"</A>
                <A href="/admin/credit-requirements" attr:class=SIDE_LINK>"学时要求"</A>
                <A href="/admin/credits" attr:class=SIDE_LINK>"学时管理"</A>
                <A href="/admin/declaration-types" attr:class=SIDE_LINK>"继续教育类型"</A>
                <A href="/admin/unit-declarations" attr:class=SIDE_LINK>"单位申报学时"</A>
                <A href="/admin/certificates" attr:class=SIDE_LINK>"证书管理"</A>
            })}
            {user.has_role(Role::UnitAdmin).then(|| view! {
                <A href="/admin/unit" exact=true attr:class=SIDE_LINK>"单位信息"</A>
                <A href="/admin/unit/reviews" attr:class=SIDE_LINK>"审核注册账号"</A>
                <A href="/admin/unit/staff" attr:class=SIDE_LINK>"人员管理"</A>
                <A href="/admin/unit/records" attr:class=SIDE_LINK>"继续教育信息管理"</A>
                <A href="/admin/unit/declare/public" attr:class=SIDE_LINK>"其它继续教育形式申报(公需)"</A>
                <A href="/admin/unit/declare/professional" attr:class=SIDE_LINK>"其它继续教育形式申报(专业)"</A>
                <A href="/admin/unit/hours" attr:class=SIDE_LINK>"学时完成情况"</A>
                <A href="/admin/unit/certificates" attr:class=SIDE_LINK>"证书打印"</A>
                <A href="/admin/unit/departments" attr:class=SIDE_LINK>"部门管理"</A>
                <A href="/admin/unit/managers" attr:class=SIDE_LINK>"单位管理员"</A>
            })}
        </nav>
    }
}

#[component]
pub fn AdminHome() -> impl IntoView {
    let overview = PageData::new(load_admin_overview());
    view! {
        <PageFrame title="管理后台" data=overview render={|overview: AdminOverview| view! {
            <Card title="我的角色">
                <p class="text-slate-700">{overview.roles.join("、")}</p>
            </Card>
            {overview.platform.map(|p| view! {
                <div class="grid grid-cols-3 gap-3">
                    <Stat label="用户" value=p.users />
                    <Stat label="已发布公告" value=p.published_announcements />
                    <Stat label="草稿" value=p.draft_announcements />
                </div>
                <Card title="最近操作">
                    {if p.recent.is_empty() {
                        view! { <EmptyState message="暂无操作记录" /> }.into_any()
                    } else {
                        view! {
                            <ul class="divide-y divide-slate-100 text-sm">
                                {p.recent.into_iter().map(|entry| view! {
                                    <li class="flex flex-wrap gap-x-3 py-2">
                                        <time class="text-slate-400">{format_datetime(entry.at)}</time>
                                        <span class="text-slate-700">{entry.actor}</span>
                                        <span class="text-slate-900">{entry.action}</span>
                                        <span class="min-w-0 truncate text-slate-500">{entry.detail}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </Card>
            })}
        }} />
    }
}

#[component]
fn Stat(label: &'static str, value: i64) -> impl IntoView {
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
            <p class="text-sm text-slate-500">{label}</p>
            <p class="mt-1 text-2xl font-semibold text-slate-900">{value}</p>
        </div>
    }
}

#[component]
pub fn OutboxPage() -> impl IntoView {
    let query = use_query_map();
    let recipient = move || query.read().get("recipient").unwrap_or_default();
    let page = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok());
    let list = PageData::new(list_outbox(recipient(), page()));
    view! {
        <Title text="发件箱" />
        <h1 class="mb-1 text-xl font-semibold text-slate-900">"发件箱"</h1>
        <p class="mb-4 text-sm text-slate-500">"平台发出的短信和电子邮件（默认的短信、邮件通道把消息记录在这里）。"</p>
        <SearchForm name="recipient" label="收件人" value=Signal::derive(recipient) placeholder="手机号或邮箱" button="筛选" />
        <Loaded data=list render={move |page: Page<OutboxMessage>| {
            let recipient = recipient();
            view! {
                <div class="mt-4">
                    <PagedList
                        page
                        empty="没有消息"
                        href={move |p| format!("/admin/outbox?recipient={}&page={p}", crate::platform::url::percent_encode(&recipient))}
                        row=|m: OutboxMessage| view! {
                            <li class="py-3" data-testid="outbox-message">
                                <p class="flex flex-wrap gap-x-3 text-sm">
                                    <span class="rounded bg-slate-100 px-1.5 text-xs leading-5 text-slate-600">{if m.channel == "sms" { "短信" } else { "邮件" }}</span>
                                    <span class="font-medium text-slate-900">{m.recipient}</span>
                                    <span class="text-slate-700">{m.subject}</span>
                                    <time class="ml-auto text-xs text-slate-400">{format_datetime(m.created_at)}</time>
                                </p>
                                <p class="mt-1 break-all text-sm text-slate-700" data-testid="outbox-body">{m.body}</p>
                            </li>
                        }
                    />
                </div>
            }
        }} />
    }
}
