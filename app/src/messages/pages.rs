//! 消息, the trainee's list of what the platform told them.

use super::api::{MarkMessagesRead, Message, list_messages};
use crate::shell::page_data::PageData;
use crate::{
    accounts::pages::use_auth,
    platform::time::format_datetime,
    shell::{
        components::{Card, EmptyState, PRIMARY_BUTTON},
        errors::LoginRequiredPage,
        frame::Loaded,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MessagesPage() -> impl IntoView {
    let signed_in = use_auth().current().is_some();
    let messages = PageData::new(list_messages());
    let read = ServerAction::<MarkMessagesRead>::new();
    view! {
        <Title text="消息" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"消息"</h1>
        {if !signed_in {
            view! { <LoginRequiredPage next="/me/messages" /> }.into_any()
        } else {
            view! { <Loaded data=messages render={move |list: Vec<Message>| {
                    if list.is_empty() {
                        return view! { <Card><EmptyState message="暂无消息" /></Card> }.into_any();
                    }
                    {
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
            }} /> }.into_any()
        }}
    }
}
