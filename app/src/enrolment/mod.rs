//! Enrolment (报名): the registration form and its 10-second notice, the state
//! machine of a registration, the trainee's 我的考试 / 我的订单, and the provider's
//! review queue.

pub mod api;
pub mod domain;
pub mod pages;
pub mod review;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;

/// "我已知晓", disabled with a visible countdown until the notice has been on screen
/// for `wait_ms`. Without JavaScript it is enabled at once and the server enforces the
/// wait instead.
#[island]
pub fn AcknowledgeButton(wait_ms: i64) -> impl IntoView {
    let remaining = RwSignal::new(0i64);
    Effect::new(move |_| {
        remaining.set((wait_ms + 999) / 1000);
        if let Ok(handle) = set_interval_with_handle(
            move || remaining.update(|s| *s = (*s - 1).max(0)),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <button
            type="submit"
            class=crate::shell::components::PRIMARY_BUTTON
            disabled=move || remaining.get() != 0
            aria-live="polite"
        >
            {move || match remaining.get() {
                0 => "我已知晓".to_owned(),
                s => format!("我已知晓（{s}秒）"),
            }}
        </button>
    }
}
