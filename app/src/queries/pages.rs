//! 证书查询, 成绩查询 and 学时查询: the form, and the answer under its token.

use super::{
    api::{Answer, PublicQuery, get_answer},
    domain::QueryKind,
};
use crate::shell::page_data::PageData;
use crate::{
    accounts::pages::CaptchaField,
    shell::components::{Card, EmptyState, Field, FormError, INPUT, LABEL, PRIMARY_BUTTON, SECONDARY_BUTTON},
    shell::frame::Loaded,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

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
            {move || (kind() == QueryKind::Certificate).then(|| view! {
                <div class="mt-4"><Card title="按证书编号验证">
                    <form method="get" action="/verify" class="space-y-3" aria-label="按证书编号验证">
                        <div>
                            <label for="serial" class=LABEL>"证书编号"</label>
                            <input id="serial" name="serial" maxlength=40 placeholder="如 7K3Q-…（17 位）" class=INPUT autocomplete="off" />
                        </div>
                        <button type="submit" class=format!("{SECONDARY_BUTTON} w-full")>"验证"</button>
                    </form>
                </Card></div>
            })}
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
            <Loaded data=answer render={|a: Answer| view! {
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
            }} />
        </div>
    }
}
