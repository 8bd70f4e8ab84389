//! Paying an order (立即支付): scan-to-pay through the payment-provider interface, with
//! the built-in sandbox gateway and its cashier page; the notify endpoint lives in the
//! server crate (`http/payments.rs`).

pub mod api;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
pub mod transfer;

use leptos::prelude::*;

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
                match api::check_payment(registration_id).await {
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
