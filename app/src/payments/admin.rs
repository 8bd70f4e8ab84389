//! 线下转账确认 (finance's console): the bank transfers trainees chose, each confirmed
//! with the amount and date received (which pays the order exactly like a gateway
//! notification) or refused with a reason (the order can be paid again).

use super::api::{ReviewTransfer, TransferLine, list_transfers};
use crate::{
    platform::time::format_datetime,
    shell::{
        components::{Card, EmptyState, INPUT, LABEL, PRIMARY_BUTTON, SECONDARY_BUTTON, notice_from_query},
        frame::Page,
        page_data::PageData,
    },
};
use leptos::prelude::*;

/// 财务 → 线下转账确认.
#[component]
pub fn TransfersPage() -> impl IntoView {
    let list = PageData::new(list_transfers());
    let review = ServerAction::<ReviewTransfer>::new();
    let error = Signal::derive(move || review.value().get().and_then(Result::err));
    let notice = notice_from_query(&[
        ("confirmed", "", "已确认到账，订单已支付"),
        ("rejected", "", "已驳回，已通知学员"),
    ]);
    view! {
        <Page title="线下转账确认" data=list notice error render={move |items: Vec<TransferLine>| {
            if items.is_empty() {
                return view! { <Card><EmptyState message="没有待确认的转账" /></Card> }.into_any();
            }
            view! {
                            <ul class="space-y-3" aria-label="待确认转账">
                                {items.into_iter().map(|t| view! {
                                    <li class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
                                        <p class="font-medium text-slate-900">{format!("订单号 {}", t.order_no)}</p>
                                        <p class="mt-1 text-sm text-slate-600">
                                            {format!("{} · {} · 应到账 {} · 申请于 {}", t.trainee, t.class_title, t.amount_fen, format_datetime(t.requested_at))}
                                        </p>
                                        <ActionForm action=review attr:class="mt-3 grid gap-3 sm:grid-cols-4" attr:aria-label=format!("审核订单 {}", t.order_no)>
                                            <input type="hidden" name="payment_id" value=t.payment_id />
                                            <div>
                                                <label class=LABEL for=format!("amount-{}", t.payment_id)>"到账金额（元）"</label>
                                                <input id=format!("amount-{}", t.payment_id) name="amount_yuan" class=INPUT />
                                            </div>
                                            <div>
                                                <label class=LABEL for=format!("date-{}", t.payment_id)>"到账日期"</label>
                                                <input id=format!("date-{}", t.payment_id) name="received_on" type="date" class=INPUT />
                                            </div>
                                            <div class="sm:col-span-2">
                                                <label class=LABEL for=format!("reason-{}", t.payment_id)>"驳回原因（驳回时必填）"</label>
                                                <input id=format!("reason-{}", t.payment_id) name="reason" class=INPUT />
                                            </div>
                                            <div class="flex gap-3 sm:col-span-4">
                                                <button type="submit" name="decision" value="confirm" class=PRIMARY_BUTTON>"确认到账"</button>
                                                <button type="submit" name="decision" value="reject" class=SECONDARY_BUTTON>"驳回"</button>
                                            </div>
                                        </ActionForm>
                                    </li>
                                }).collect_view()}
                            </ul>
            }.into_any()
        }} />
    }
}
