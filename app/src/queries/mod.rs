//! Public queries for visitors (000): 证书查询, 成绩查询, 学时查询 by ID number, name
//! and captcha. They answer only what is public and say "未查询到" when nothing
//! matches (or the name does not belong to the ID number); they are rate limited per
//! client address, and each answer is shown under a one-time token.

#[cfg(feature = "ssr")]
pub mod server;

use crate::shell::page_data::PageData;
#[cfg(feature = "ssr")]
use crate::state::app_state;
use crate::{
    accounts::pages::CaptchaField,
    error::AppResult,
    shell::components::{Card, EmptyState, Field, FormError, PRIMARY_BUTTON},
    shell::errors::ErrorPage,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    accounts::server::captcha,
    error::AppError,
    platform::{
        server::{
            request::{client_ip, request_parts},
            respond,
        },
        time::now_ms,
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryKind {
    Certificate,
    Score,
    Hours,
}

impl QueryKind {
    pub const ALL: [QueryKind; 3] = [Self::Certificate, Self::Score, Self::Hours];

    pub fn code(self) -> &'static str {
        match self {
            Self::Certificate => "certificate",
            Self::Score => "score",
            Self::Hours => "hours",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Certificate => "证书查询",
            Self::Score => "成绩查询",
            Self::Hours => "学时查询",
        }
    }
}

crate::stored_code!(QueryKind);

/// One line of an answer: what it is, and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerLine {
    pub title: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub kind: QueryKind,
    /// The name as typed, with the ID number masked.
    pub who: String,
    pub lines: Vec<AnswerLine>,
}

#[server(prefix = "/api", endpoint = "public/query")]
pub async fn public_query(
    kind: String,
    id_number: String,
    name: String,
    captcha_id: String,
    captcha: String,
) -> AppResult<()> {
    respond(async move {
        let kind = QueryKind::from_code(&kind).ok_or_else(|| AppError::bad_request("请选择查询类型"))?;
        let state = app_state()?;
        let now = now_ms();
        let ip = client_ip(&request_parts()?, &state.config);
        server::check_rate(&state, &ip, now).await?;
        if !captcha::check(&state.db, &captcha_id, &captcha, now).await? {
            return Err(AppError::invalid_field("captcha", "验证码错误或已过期，请重新输入"));
        }
        let token = server::answer(&state, kind, &id_number, &name, now).await?;
        leptos_axum::redirect(&format!("/query/{}/{token}", kind.code()));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "public/answer")]
pub async fn get_answer(token: String) -> AppResult<Answer> {
    respond(async move { server::load_answer(&app_state()?, &token, now_ms()).await }).await
}

fn tabs(active: QueryKind) -> impl IntoView {
    view! {
        <nav aria-label="查询类型" class="mb-4 grid grid-cols-3 gap-1 rounded-lg bg-slate-100 p-1 text-center text-sm">
            {QueryKind::ALL.into_iter().map(|k| {
                let current = k == active;
                view! {
                    <a href=format!("/query/{}", k.code())
                        class=if current { "rounded-md bg-white py-1.5 font-medium text-blue-700 shadow-sm" } else { "rounded-md py-1.5 text-slate-600" }
                        aria-current=current.then_some("page")>{k.label()}</a>
                }
            }).collect_view()}
        </nav>
    }
}

#[component]
pub fn QueryPage() -> impl IntoView {
    let params = use_params_map();
    let kind = move || {
        params.read().get("kind").and_then(|k| QueryKind::from_code(&k)).unwrap_or(QueryKind::Certificate)
    };
    let query = ServerAction::<PublicQuery>::new();
    let error = Signal::derive(move || query.value().get().and_then(Result::err));
    view! {
        <Title text="公共查询" />
        <div class="mx-auto max-w-md py-2 md:py-6">
            <h1 class="mb-4 text-xl font-semibold text-slate-900">{move || kind().label()}</h1>
            {move || tabs(kind())}
            <Card>
                <ActionForm action=query attr:class="space-y-4" attr:novalidate="">
                    <FormError error />
                    <input type="hidden" name="kind" value=move || kind().code() />
                    <Field label="身份证号" name="id_number" error maxlength=18 />
                    <Field label="姓名" name="name" error autocomplete="name" />
                    <CaptchaField error />
                    <button type="submit" class=format!("{PRIMARY_BUTTON} w-full")>"查询"</button>
                </ActionForm>
            </Card>
            <p class="mt-3 text-center text-xs text-slate-500">"仅显示公开信息。每个地址每小时最多查询30次。"</p>
        </div>
    }
}

#[component]
pub fn AnswerPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let answer = PageData::new(get_answer(token()));
    view! {
        <Title text="查询结果" />
        <div class="mx-auto max-w-md py-2 md:py-6">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match answer.await {
                        Ok(a) => view! {
                            <h1 class="mb-4 text-xl font-semibold text-slate-900">{a.kind.label()}</h1>
                            <Card title=a.who.clone()>
                                {if a.lines.is_empty() {
                                    view! { <EmptyState message="未查询到" /> }.into_any()
                                } else {
                                    view! {
                                        <ul class="divide-y divide-slate-100 text-sm" aria-label="查询结果">
                                            {a.lines.into_iter().map(|l| view! {
                                                <li class="py-2">
                                                    <p class="font-medium text-slate-900">{l.title}</p>
                                                    <p class="text-slate-600">{l.detail}</p>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </Card>
                            <a href=format!("/query/{}", a.kind.code()) class="mt-4 inline-block text-sm text-blue-700 hover:underline">"重新查询"</a>
                        }.into_any(),
                        Err(error) => view! { <ErrorPage error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}
