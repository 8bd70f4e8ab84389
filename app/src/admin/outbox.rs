//! /admin/outbox: what the development SMS and e-mail providers "sent", for the platform
//! admin (and for trying the site without a real SMS gateway). Bodies hold codes and
//! one-time passwords: a production-mode server (a staging one; production proper
//! refuses the outbox) shows only the masked recipient and the title.

use crate::shell::page_data::PageData;
#[cfg(feature = "ssr")]
use crate::state::app_state;
use crate::{
    error::AppResult,
    platform::{paging::Page, time::format_datetime},
    shell::{
        components::{Card, EmptyState, Pager, SECONDARY_BUTTON},
        errors::ErrorPage,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    accounts::{roles::Role, server::guard},
    platform::{
        paging::{clamp_page, limit_offset},
        server::respond,
    },
};

/// What a production-mode outbox shows instead of a body.
pub const BODY_HIDDEN: &str = "（生产环境不显示内容）";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OutboxMessage {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
}

#[server(prefix = "/api", endpoint = "admin/outbox")]
pub async fn list_outbox(
    #[server(default)] recipient: String,
    page: Option<u32>,
) -> AppResult<Page<OutboxMessage>> {
    respond(async move {
        guard::require_role(Role::PlatformAdmin).await?;
        let state = app_state()?;
        let page = clamp_page(page, 10_000);
        let per_page = 20;
        let (limit, offset) = limit_offset(page, per_page);
        let recipient = recipient.trim().to_owned();
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE ($1 = '' OR recipient = $1)")
            .bind(&recipient)
            .fetch_one(state.db.reader())
            .await?;
        let rows: Vec<OutboxMessage> = sqlx::query_as(
            "SELECT id, channel, recipient, subject, body, created_at FROM outbox WHERE ($1 = '' OR recipient = $1)
             ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
        )
        .bind(&recipient)
        .bind(limit)
        .bind(offset)
        .fetch_all(state.db.reader())
        .await?;
        let production = state.config.is_production();
        let items = rows.into_iter().map(|m| for_viewer(m, production)).collect();
        Ok(Page { items, page, per_page, total })
    })
    .await
}

/// Outside production the message as it was sent; in production mode its body is
/// replaced and its recipient masked.
#[cfg(feature = "ssr")]
fn for_viewer(message: OutboxMessage, production: bool) -> OutboxMessage {
    use crate::platform::server::messaging::{Channel, mask_recipient};
    if !production {
        return message;
    }
    let channel = if message.channel == "sms" { Channel::Sms } else { Channel::Email };
    OutboxMessage {
        recipient: mask_recipient(channel, &message.recipient),
        body: BODY_HIDDEN.to_owned(),
        ..message
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
        <Card>
            <form method="get" class="flex gap-2" role="search">
                <label for="recipient" class="sr-only">"收件人"</label>
                <input id="recipient" name="recipient" value=recipient placeholder="手机号或邮箱" class="min-w-0 flex-1 rounded-md border border-slate-300 px-3 py-2" />
                <button type="submit" class=SECONDARY_BUTTON>"筛选"</button>
            </form>
        </Card>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) => {
                        let total_pages = page.total_pages();
                        let current = page.page;
                        let recipient = recipient();
                        view! {
                            <div class="mt-4">
                                <Card>
                                    {if page.items.is_empty() {
                                        view! { <EmptyState message="没有消息" /> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="divide-y divide-slate-100">
                                                {page.items.into_iter().map(|m| view! {
                                                    <li class="py-3" data-testid="outbox-message">
                                                        <p class="flex flex-wrap gap-x-3 text-sm">
                                                            <span class="rounded bg-slate-100 px-1.5 text-xs leading-5 text-slate-600">{if m.channel == "sms" { "短信" } else { "邮件" }}</span>
                                                            <span class="font-medium text-slate-900">{m.recipient}</span>
                                                            <span class="text-slate-700">{m.subject}</span>
                                                            <time class="ml-auto text-xs text-slate-400">{format_datetime(m.created_at)}</time>
                                                        </p>
                                                        <p class="mt-1 break-all text-sm text-slate-700" data-testid="outbox-body">{m.body}</p>
                                                    </li>
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </Card>
                                <Pager page=current total_pages href=move |p| format!("/admin/outbox?recipient={}&page={p}", crate::platform::url::percent_encode(&recipient)) />
                            </div>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn production_shows_no_body_and_a_masked_recipient() {
        let message = OutboxMessage {
            id: 1,
            channel: "sms".into(),
            recipient: "13800000011".into(),
            subject: "注册验证码".into(),
            body: "【学时】您的注册验证码为493027".into(),
            created_at: 0,
        };
        assert_eq!(for_viewer(message.clone(), false), message);
        let shown = for_viewer(message, true);
        assert_eq!(shown.recipient, "138****0011");
        assert_eq!(shown.subject, "注册验证码");
        assert_eq!(shown.body, BODY_HIDDEN);
    }
}
