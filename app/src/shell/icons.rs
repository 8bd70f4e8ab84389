//! Inline SVG icons (stroke icons drawn on a 24-unit grid), decorative only.

use leptos::prelude::*;

#[component]
fn Svg(children: Children, #[prop(default = "h-6 w-6")] class: &'static str) -> impl IntoView {
    view! {
        <svg
            class=class
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="1.8"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
        >
            {children()}
        </svg>
    }
}

#[component]
pub fn HomeIcon() -> impl IntoView {
    view! {
        <Svg>
            <path d="M3 10.5 12 3l9 7.5" />
            <path d="M5 9.5V20h5v-6h4v6h5V9.5" />
        </Svg>
    }
}

#[component]
pub fn EnrollIcon() -> impl IntoView {
    view! {
        <Svg>
            <rect x="5" y="4" width="14" height="17" rx="2" />
            <path d="M9 4V3h6v1" />
            <path d="M9 10h6M9 14h6M9 18h3" />
        </Svg>
    }
}

#[component]
pub fn LearnIcon() -> impl IntoView {
    view! {
        <Svg>
            <path d="M3 6.5C5.5 5 8.5 5 12 7c3.5-2 6.5-2 9-.5V19c-2.5-1.5-5.5-1.5-9 .5-3.5-2-6.5-2-9-.5Z" />
            <path d="M12 7v12.5" />
        </Svg>
    }
}

#[component]
pub fn UserIcon() -> impl IntoView {
    view! {
        <Svg>
            <circle cx="12" cy="8" r="4" />
            <path d="M4 21c1.5-4 4.5-6 8-6s6.5 2 8 6" />
        </Svg>
    }
}

#[component]
pub fn LogoMark() -> impl IntoView {
    view! {
        <svg class="h-8 w-8" viewBox="0 0 32 32" aria-hidden="true">
            <rect width="32" height="32" rx="8" fill="#1d4ed8" />
            <path d="M8 11.5c2.6-1.6 5.3-1.6 8 .4 2.7-2 5.4-2 8-.4V23c-2.6-1.6-5.3-1.6-8 .4-2.7-2-5.4-2-8-.4Z" fill="#fff" />
            <path d="M16 12v11" stroke="#1d4ed8" stroke-width="1.5" />
        </svg>
    }
}
