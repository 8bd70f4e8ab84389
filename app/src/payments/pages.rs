//! 立即支付 (choose a wallet, scan the QR code, wait for the result) and the sandbox
//! gateway's cashier page, which plays the wallet on a phone.

use super::{
    api::{CashierDecide, CashierView, ChooseTransfer, StartPayment, load_cashier, load_pay_page},
    domain::Channel,
};
use crate::{
    orders::domain::{PAYEE_ACCOUNT, PAYEE_BANK, PAYEE_NAME},
    platform::time::format_datetime,
    shell::{
        components::{Card, FormError, PRIMARY_BUTTON, SECONDARY_BUTTON},
        errors::{ErrorPage, LoginRequiredPage},
        frame::Loaded,
        page_data::PageData,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn PayPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let view_data = PageData::new(load_pay_page(id()));
    let start = ServerAction::<StartPayment>::new();
    let transfer = ServerAction::<ChooseTransfer>::new();
    let error = Signal::derive(move || {
        start.value().get().and_then(Result::err).or_else(|| transfer.value().get().and_then(Result::err))
    });
    view! {
        <Title text="立即支付" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(p) => {
                        let back = format!("/me/exams/{}", p.registration_id);
                        let order_no = p.order_no.clone();
                        view! {
                            <div class="mx-auto max-w-md space-y-4">
                                <a href=back.clone() class="text-sm text-blue-700 hover:underline">"‹ 报名详情"</a>
                                <h1 class="text-xl font-semibold text-slate-900">"立即支付"</h1>
                                <Card>
                                    <p class="font-medium text-slate-900">{p.class_title.clone()}</p>
                                    <p class="mt-1 text-sm text-slate-500">{format!("订单号 {}", p.order_no)}</p>
                                    <ul class="mt-3 space-y-1 text-sm">
                                        {p.lines.iter().map(|l| view! {
                                            <li class="flex justify-between"><span class="text-slate-600">{l.label.clone()}</span><span>{l.amount_fen.to_string()}</span></li>
                                        }).collect_view()}
                                        <li class="flex justify-between border-t border-slate-100 pt-1 font-medium">
                                            <span>"合计"</span><span data-testid="order-total">{p.total_fen.to_string()}</span>
                                        </li>
                                    </ul>
                                </Card>
                                {if p.paid {
                                    view! {
                                        <Card>
                                            <p role="status" class="text-green-700">"订单已支付，报名成功。"</p>
                                            <a href=back.clone() class="mt-2 inline-block text-blue-700 hover:underline">"查看报名"</a>
                                        </Card>
                                    }.into_any()
                                } else if p.awaiting_transfer {
                                    view! {
                                        <Card title="线下转账">
                                            <p role="status" class="text-amber-800">{format!("待确认到账：请在 {} 前转账，财务确认到账后报名成功；逾期未到账订单将自动关闭。", format_datetime(p.expires_at))}</p>
                                            <dl class="mt-3 space-y-1 text-sm">
                                                <div class="flex gap-2"><dt class="w-20 text-slate-500">"户名"</dt><dd>{PAYEE_NAME}</dd></div>
                                                <div class="flex gap-2"><dt class="w-20 text-slate-500">"开户行"</dt><dd>{PAYEE_BANK}</dd></div>
                                                <div class="flex gap-2"><dt class="w-20 text-slate-500">"账号"</dt><dd>{PAYEE_ACCOUNT}</dd></div>
                                                <div class="flex gap-2"><dt class="w-20 text-slate-500">"金额"</dt><dd>{p.total_fen.to_string()}</dd></div>
                                                <div class="flex gap-2"><dt class="w-20 text-slate-500">"附言"</dt><dd class="font-medium" data-testid="transfer-reference">{order_no.clone()}</dd></div>
                                            </dl>
                                            <p class="mt-2 text-xs text-slate-500">"转账时请在附言中注明订单号，便于财务核对。可通过手机网银或银行柜台转账。"</p>
                                        </Card>
                                    }.into_any()
                                } else if p.closed {
                                    view! {
                                        <Card><p role="alert" class="text-red-700">"订单已超时关闭，名额已释放。如需参加请重新报名。"</p></Card>
                                    }.into_any()
                                } else {
                                    view! {
                                        <Card title="扫码支付">
                                            <p class="mb-3 text-sm text-slate-600">
                                                {format!("请在 {} 前完成支付。支持微信、支付宝和云闪付扫码。", format_datetime(p.expires_at))}
                                            </p>
                                            <ActionForm action=start attr:class="grid grid-cols-3 gap-2">
                                                <input type="hidden" name="registration_id" value=p.registration_id />
                                                {Channel::ALL.into_iter().map(|c| view! {
                                                    <button type="submit" name="channel" value=c.code() class=SECONDARY_BUTTON>{c.label()}</button>
                                                }).collect_view()}
                                            </ActionForm>
                                            <div class="mt-2"><FormError error /></div>
                                            <ActionForm action=transfer attr:class="mt-3 border-t border-slate-100 pt-3">
                                                <input type="hidden" name="registration_id" value=p.registration_id />
                                                <button type="submit" class=format!("{SECONDARY_BUTTON} w-full")>"线下转账（单位转账）"</button>
                                            </ActionForm>
                                            {p.pending.clone().map(|pending| view! {
                                                <div class="mt-4 flex flex-col items-center gap-2 border-t border-slate-100 pt-4">
                                                    <p class="text-sm font-medium text-slate-700">{format!("请使用{}扫码支付", pending.channel_label)}</p>
                                                    <div role="img" aria-label="支付二维码" class="h-52 w-52" inner_html=pending.qr_svg.clone()></div>
                                                    <a href=pending.code_url.clone() target="_blank" rel="noopener" class="text-sm text-blue-700 hover:underline">"在本机打开收银台"</a>
                                                    <PaymentWatcher registration_id=p.registration_id />
                                                    <a href=format!("/me/exams/{}/pay", p.registration_id) class=SECONDARY_BUTTON>"我已完成支付，刷新状态"</a>
                                                </div>
                                            })}
                                        </Card>
                                    }.into_any()
                                }}
                            </div>
                        }.into_any()
                    }
                    Err(e) if e.kind == crate::error::ErrorKind::Unauthenticated => view! { <LoginRequiredPage next="/me/orders" /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The sandbox gateway's cashier: what a wallet shows after scanning the code.
#[component]
pub fn CashierPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let cashier = PageData::new(load_cashier(id()));
    let decide = ServerAction::<CashierDecide>::new();
    let error = Signal::derive(move || decide.value().get().and_then(Result::err));
    view! {
        <Title text="收银台（沙箱）" />
        <Loaded data=cashier render={move |c: CashierView| {
            let channel = c.channel.label();
            view! {
                <div class="mx-auto max-w-sm">
                    <div class="rounded-2xl border border-slate-200 bg-white p-6 text-center shadow-sm">
                        <p class="text-xs text-amber-700">"沙箱收银台 · 模拟钱包，不会产生真实扣款"</p>
                        <h1 class="mt-2 text-lg font-semibold text-slate-900">{format!("{channel} 付款")}</h1>
                        <p class="mt-1 text-sm text-slate-500">{format!("学时平台 · {}", c.description)}</p>
                        <p class="mt-4 text-3xl font-semibold text-slate-900" data-testid="cashier-amount">{c.amount_fen.to_string()}</p>
                        {match c.status.as_str() {
                            "paid" => view! { <p role="status" class="mt-6 text-green-700">"支付成功，请返回报名页面。"</p> }.into_any(),
                            "cancelled" => view! { <p role="status" class="mt-6 text-slate-600">"已取消支付"</p> }.into_any(),
                            "closed" => view! { <p role="status" class="mt-6 text-slate-600">"该收款码已关闭，请返回报名页面重新选择支付方式。"</p> }.into_any(),
                            _ => view! {
                                <ActionForm action=decide attr:class="mt-6 space-y-3">
                                    <FormError error />
                                    <input type="hidden" name="id" value=c.id.clone() />
                                    <button type="submit" name="decision" value="pay" class=format!("{PRIMARY_BUTTON} w-full py-3")>"确认支付"</button>
                                    <button type="submit" name="decision" value="cancel" class=format!("{SECONDARY_BUTTON} w-full")>"取消"</button>
                                </ActionForm>
                            }.into_any(),
                        }}
                    </div>
                </div>
            }
        }} />
    }
}

/// Waits for the payment without a reload: asks the server every two seconds (which
/// also asks the gateway when no notification has come) and, once paid, opens the
/// registration page that says 报名成功. Without JavaScript the page's own
/// "我已完成支付" link does the asking.
#[island]
pub fn PaymentWatcher(registration_id: i64) -> impl IntoView {
    let checking = RwSignal::new(false);
    Effect::new(move |_| {
        checking.set(true);
        poll(registration_id);
    });
    view! {
        <p class="text-sm text-slate-500" aria-live="polite">
            {move || if checking.get() { "正在等待支付结果…" } else { "" }}
        </p>
    }
}

fn poll(registration_id: i64) {
    set_timeout(
        move || {
            leptos::task::spawn_local(async move {
                match super::api::check_payment(registration_id).await {
                    Ok(true) => {
                        let _ = window().location().set_href(&format!("/me/exams/{registration_id}?paid=1"));
                    }
                    _ => poll(registration_id),
                }
            });
        },
        std::time::Duration::from_secs(2),
    );
}
