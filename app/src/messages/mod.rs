//! 消息: what the platform tells a trainee (registration reviewed, payment received, …).
//! Each message is also sent by SMS through the messenger.

#[cfg(feature = "ssr")]
pub mod server;

use crate::shell::page_data::PageData;
#[cfg(feature = "ssr")]
use crate::state::app_state;
use crate::{
    accounts::pages::use_auth,
    error::AppResult,
    platform::time::format_datetime,
    shell::{
        components::{Card, EmptyState, PRIMARY_BUTTON},
        errors::{ErrorPage, LoginRequiredPage},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    accounts::server::guard,
    platform::{
        server::{request::redirect_without_js, respond},
        time::now_ms,
    },
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: i64,
    pub unread: bool,
}

#[server(prefix = "/api", endpoint = "me/messages")]
pub async fn list_messages() -> AppResult<Vec<Message>> {
    respond(async move {
        let user = guard::require_user().await?;
        server::list(&app_state()?, user.id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "me/messages/read")]
pub async fn mark_messages_read() -> AppResult<()> {
    respond(async move {
        let user = guard::require_user().await?;
        server::mark_all_read(&app_state()?, user.id, now_ms()).await?;
        redirect_without_js("/me/messages");
        Ok(())
    })
    .await
}

#[component]
pub fn MessagesPage() -> impl IntoView {
    let signed_in = use_auth().current().is_some();
    let messages = PageData::new(list_messages());
    let read = ServerAction::<MarkMessagesRead>::new();
    view! {
        <Title text="消息" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"消息"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                if !signed_in {
                    return view! { <LoginRequiredPage next="/me/messages" /> }.into_any();
                }
                match messages.await {
                    Ok(list) if list.is_empty() => view! { <Card><EmptyState message="暂无消息" /></Card> }.into_any(),
                    Ok(list) => {
                        let any_unread = list.iter().any(|m| m.unread);
                        view! {
                            <Card>
                                <ul class="divide-y divide-slate-100" aria-label="消息列表">
                                    {list.into_iter().map(|m| view! {
                                        <li class="py-3">
                                            <div class="flex items-center gap-2">
                                                {m.unread.then(|| view! { <span class="h-2 w-2 rounded-full bg-red-500" aria-label="未读"></span> })}
                                                <a href=m.link.clone() class="font-medium text-slate-900 hover:text-blue-700">{m.title.clone()}</a>
                                                <time class="ml-auto shrink-0 text-xs text-slate-400">{format_datetime(m.created_at)}</time>
                                            </div>
                                            <p class="mt-1 text-sm text-slate-600">{m.body.clone()}</p>
                                        </li>
                                    }).collect_view()}
                                </ul>
                                {any_unread.then(|| view! {
                                    <ActionForm action=read attr:class="mt-3 text-right">
                                        <button type="submit" class=PRIMARY_BUTTON>"全部标为已读"</button>
                                    </ActionForm>
                                })}
                            </Card>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
