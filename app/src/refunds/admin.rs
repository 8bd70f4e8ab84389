//! 财务 → 退款审核: approve (the gateway pays back) or refuse with a reason.

use super::{
    FinanceRefund,
    api::{ReviewRefund, list_recent_refunds, list_refunds},
    domain::{RefundKind, RefundStatus},
};
use crate::shell::page_data::PageData;
use crate::{
    platform::time::format_datetime,
    shell::{
        components::{
            Card, EmptyState, FormError, INPUT, LABEL, Notice, PRIMARY_BUTTON, SECONDARY_BUTTON,
            notice_from_query,
        },
        frame::Loaded,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RefundsPage() -> impl IntoView {
    let list = PageData::new(list_refunds());
    let recent = PageData::new(list_recent_refunds());
    let review = ServerAction::<ReviewRefund>::new();
    let error = Signal::derive(move || review.value().get().and_then(Result::err));
    let notice = notice_from_query(&[
        ("approved", "", "已同意退款，款项将原路退回"),
        ("rejected", "", "已驳回，已通知学员"),
    ]);
    view! {
        <Title text="退款审核" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"退款审核"</h1>
        <div class="space-y-4">
            <Notice message=notice />
            <FormError error />
            <Loaded data=list render={move |items: Vec<FinanceRefund>| {
                    match items {
                        items if items.is_empty() => view! { <Card><EmptyState message="没有待处理的退款" /></Card> }.into_any(),
                        items => view! {
                            <ul class="space-y-3" aria-label="退款申请">
                                {items.into_iter().map(|r| {
                                    let reviewing = r.status == RefundStatus::Review;
                                    view! {
                                        <li class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
                                            <div class="flex flex-wrap items-start gap-2">
                                                <p class="min-w-0 flex-1 font-medium text-slate-900">{format!("订单号 {}", r.order_no)}</p>
                                                <span class="rounded-full bg-amber-50 px-2.5 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-inset ring-amber-200">{r.status.label()}</span>
                                            </div>
                                            <p class="mt-1 text-sm text-slate-600">
                                                {format!("{} · {} · 已付 {} · 申请于 {}", r.trainee, r.class_title, r.paid_fen, format_datetime(r.created_at))}
                                            </p>
                                            <p class="mt-1 text-sm text-slate-900">
                                                {format!("{}：{}", r.kind.label(), r.amount_fen)}
                                                {r.by_transfer.then_some("（线下转账订单，请转账退回后同意）")}
                                            </p>
                                            <p class="mt-1 text-sm text-slate-600">{format!("退款原因：{}", r.reason)}</p>
                                            {(r.kind == RefundKind::Return).then_some(view! {
                                                <p class="mt-1 text-sm text-slate-600">"支付渠道多收的款项，系统已自动原路退回，无需审核。"</p>
                                            })}
                                            <SettleAttempts refund=r.clone() />
                                            {r.invoice_issued.then(|| view! {
                                                <p role="alert" class="mt-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800">
                                                    "该订单已开具发票，需先在 " <a href="/admin/finance/invoices?status=issued" class="font-medium underline">"发票管理"</a> " 作废发票后才能完成退款。"
                                                </p>
                                            })}
                                            {reviewing.then(|| view! {
                                                <ActionForm action=review attr:class="mt-3 grid gap-3 sm:grid-cols-4" attr:aria-label=format!("审核退款 {}", r.order_no)>
                                                    <input type="hidden" name="refund_id" value=r.id />
                                                    <div class="sm:col-span-4">
                                                        <label class=LABEL for=format!("reason-{}", r.id)>"驳回原因（驳回时必填）"</label>
                                                        <input id=format!("reason-{}", r.id) name="reason" class=INPUT maxlength="200" />
                                                    </div>
                                                    <div class="flex gap-3 sm:col-span-4">
                                                        <button type="submit" name="decision" value="approve" class=PRIMARY_BUTTON>"同意退款"</button>
                                                        <button type="submit" name="decision" value="reject" class=SECONDARY_BUTTON>"驳回"</button>
                                                    </div>
                                                </ActionForm>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                }} />
            <h2 class="pt-4 text-lg font-semibold text-slate-900">"最近处理"</h2>
            <Loaded data=recent render={move |items: Vec<FinanceRefund>| {
                    match items {
                        items if items.is_empty() => view! { <Card><EmptyState message="暂无已处理的退款" /></Card> }.into_any(),
                        items => view! {
                            <ul class="space-y-2" aria-label="最近处理的退款">
                                {items.into_iter().map(|r| view! {
                                    <li class="rounded-xl border border-slate-200 bg-white p-3 text-sm shadow-sm">
                                        <div class="flex flex-wrap items-start gap-2">
                                            <p class="min-w-0 flex-1 font-medium text-slate-900">{format!("订单号 {}", r.order_no)}</p>
                                            <span class="rounded-full bg-slate-100 px-2.5 py-0.5 text-xs font-medium text-slate-700">{r.status.label()}</span>
                                        </div>
                                        <p class="mt-1 text-slate-600">
                                            {format!("{} · {} · {}：{} · 原因：{}", r.trainee, r.class_title, r.kind.label(), r.amount_fen, r.reason)}
                                        </p>
                                        {r.completed_at.map(|at| view! { <p class="mt-1 text-xs text-slate-500">{format!("完成于 {}", format_datetime(at))}</p> })}
                                        <SettleAttempts refund=r.clone() />
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                }} />
        </div>
    }
}

/// Settlement tries that did not get through, so finance can see a refund is stuck.
#[component]
fn SettleAttempts(refund: FinanceRefund) -> impl IntoView {
    (refund.attempts > 0 && refund.status == RefundStatus::Processing).then(|| {
        let next = refund.next_attempt_at.map(|at| format!("，下次重试 {}", format_datetime(at))).unwrap_or_default();
        view! {
            <p role="status" class="mt-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800">
                {format!("已尝试 {} 次未成功：{}{next}", refund.attempts, refund.last_error)}
            </p>
        }
    })
}
