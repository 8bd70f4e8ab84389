//! The trainee's 退款申请 page.

use super::{
    api::{RequestRefund, load_refund_form},
    domain::RefundKind,
};
use crate::shell::page_data::PageData;
use crate::{
    platform::money::Fen,
    shell::{
        components::{Card, FormError, INPUT, InfoRow, LABEL, PRIMARY_BUTTON},
        errors::{ErrorPage, LoginRequiredPage},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn RefundPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let form = PageData::new(load_refund_form(id()));
    let request = ServerAction::<RequestRefund>::new();
    let error = Signal::derive(move || request.value().get().and_then(Result::err));
    let field_error =
        move |field: &'static str| move || error.get().and_then(|e| e.field(field).map(str::to_owned));
    view! {
        <Title text="退款申请" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match form.await {
                    Ok(f) => view! {
                        <div class="mx-auto max-w-xl space-y-4">
                            <a href=format!("/me/exams/{}", f.registration_id) class="text-sm text-blue-700 hover:underline">"‹ 报名详情"</a>
                            <h1 class="text-xl font-semibold text-slate-900">"退款申请"</h1>
                            <Card>
                                <p class="font-medium text-slate-900">{f.class_title.clone()}</p>
                                <dl class="mt-3 grid gap-2 text-sm">
                                    <InfoRow label="订单号" value=f.order_no.clone() />
                                    <InfoRow label="已付金额" value=f.paid_fen.to_string() />
                                    {(f.refunded_fen > Fen::ZERO).then(|| view! { <InfoRow label="已退金额" value=f.refunded_fen.to_string() /> })}
                                </dl>
                            </Card>
                            {match (f.refusal.clone(), f.full_fen) {
                                (Some(message), _) => view! { <Card><p role="alert" class="text-sm text-red-700">{message}</p></Card> }.into_any(),
                                (None, None) => view! { <Card><p role="alert" class="text-sm text-red-700">"该订单已没有可退金额"</p></Card> }.into_any(),
                                (None, Some(full_fen)) => view! {
                                    <Card>
                                        <ActionForm action=request attr:class="space-y-4" attr:novalidate="">
                                            <FormError error />
                                            <input type="hidden" name="registration_id" value=f.registration_id />
                                            {match f.partial_fen {
                                                Some(partial_fen) => view! {
                                                    <fieldset>
                                                        <legend class=LABEL>"退款类型"</legend>
                                                        <div class="mt-2 space-y-2">
                                                            <label class="flex items-start gap-2 rounded-md border border-slate-200 p-3 text-sm">
                                                                <input type="radio" name="kind" value=RefundKind::Full.code() class="mt-0.5" />
                                                                <span><span class="font-medium">"全额退款"</span>{format!("（培训费和住宿费，{full_fen}）")}</span>
                                                            </label>
                                                            <label class="flex items-start gap-2 rounded-md border border-slate-200 p-3 text-sm">
                                                                <input type="radio" name="kind" value=RefundKind::Partial.code() class="mt-0.5" />
                                                                <span><span class="font-medium">"部分退款"</span>{format!("（仅退住宿费，{partial_fen}，保留培训名额）")}</span>
                                                            </label>
                                                        </div>
                                                        <p class="mt-1 text-sm text-red-600">{field_error("kind")}</p>
                                                    </fieldset>
                                                }.into_any(),
                                                None => view! {
                                                    <p class="text-sm text-slate-700">{format!("退款类型：全额退款（{full_fen}）")}</p>
                                                    <p class="text-sm text-red-600">{field_error("kind")}</p>
                                                }.into_any(),
                                            }}
                                            <div>
                                                <label for="reason" class=LABEL>"退款原因"</label>
                                                <textarea id="reason" name="reason" rows="3" maxlength="200" class=INPUT
                                                    aria-invalid=move || error.get().is_some_and(|e| e.field("reason").is_some()).to_string()
                                                    aria-describedby="reason-error"></textarea>
                                                <p id="reason-error" class="mt-1 text-sm text-red-600">{field_error("reason")}</p>
                                            </div>
                                            <p class="text-xs text-slate-500">"提交后请耐心等待财务审核。退款将原路退回支付账户；线下转账的订单由财务转账退回。"</p>
                                            <button type="submit" class=format!("{PRIMARY_BUTTON} w-full")>"提交退款申请"</button>
                                        </ActionForm>
                                    </Card>
                                }.into_any(),
                            }}
                        </div>
                    }.into_any(),
                    Err(e) if e.kind == crate::error::ErrorKind::Unauthenticated => view! { <LoginRequiredPage next="/me/orders" /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
