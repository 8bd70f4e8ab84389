//! Small pieces of UI shared by every feature.

use crate::error::AppError;
use leptos::{
    prelude::*,
    server_fn::{ServerFn, error::ServerFnUrlError},
};
use leptos_router::hooks::use_query_map;

/// The error a form without JavaScript left in the URL after posting to server
/// function `S` (leptos redirects back with `__path` and `__err`). `ServerAction`
/// reads this itself; forms that cannot use one (multipart uploads) use this.
pub fn url_error<S: ServerFn>() -> Signal<Option<AppError>> {
    let query = use_query_map();
    Signal::derive(move || {
        let query = query.read();
        (query.get("__path").as_deref() == Some(S::PATH))
            .then(|| query.get("__err"))
            .flatten()
            .map(|encoded| ServerFnUrlError::<AppError>::decode_err(&encoded))
    })
}

/// "上一页 · 第 2 / 5 页 · 下一页", as plain links so paging works without JavaScript.
#[component]
pub fn Pager(page: u32, total_pages: u32, href: impl Fn(u32) -> String + 'static) -> impl IntoView {
    let link =
        "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-50";
    let disabled = "rounded-md border border-slate-200 px-3 py-1.5 text-sm text-slate-300";
    view! {
        <nav aria-label="分页" class="mt-4 flex items-center justify-center gap-3">
            {if page > 1 {
                view! { <a class=link href=href(page - 1) rel="prev">"上一页"</a> }.into_any()
            } else {
                view! { <span class=disabled aria-disabled="true">"上一页"</span> }.into_any()
            }}
            <span class="text-sm text-slate-600">{format!("第 {page} / {total_pages} 页")}</span>
            {if page < total_pages {
                view! { <a class=link href=href(page + 1) rel="next">"下一页"</a> }.into_any()
            } else {
                view! { <span class=disabled aria-disabled="true">"下一页"</span> }.into_any()
            }}
        </nav>
    }
}

/// The headline of a failed submission, announced to screen readers.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|err| {
            view! {
                <p role="alert" class="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
                    {err.message}
                </p>
            }
        })
    }
}

/// The message for one field, placed under its input (`id` for aria-describedby).
#[component]
pub fn FieldError(
    #[prop(into)] error: Signal<Option<AppError>>,
    field: &'static str,
    id: &'static str,
) -> impl IntoView {
    move || {
        error.get().and_then(|err| err.field(field).map(str::to_owned)).map(|message| {
            view! { <p id=id class="mt-1 text-sm text-red-600">{message}</p> }
        })
    }
}

/// A titled white panel.
#[component]
pub fn Card(#[prop(optional, into)] title: Option<String>, children: Children) -> impl IntoView {
    view! {
        <section class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm md:p-6">
            {title.map(|t| view! { <h2 class="mb-3 text-base font-semibold text-slate-900">{t}</h2> })}
            {children()}
        </section>
    }
}

#[component]
pub fn EmptyState(#[prop(into)] message: String) -> impl IntoView {
    view! { <p class="py-8 text-center text-sm text-slate-500">{message}</p> }
}

/// Input styling shared by every form.
pub const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base shadow-sm focus:border-blue-600 focus:outline-none focus:ring-2 focus:ring-blue-600/20 aria-[invalid=true]:border-red-500";
pub const LABEL: &str = "block text-sm font-medium text-slate-700";
pub const PRIMARY_BUTTON: &str = "inline-flex items-center justify-center rounded-md bg-blue-700 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-blue-800 disabled:cursor-not-allowed disabled:opacity-60";
pub const SECONDARY_BUTTON: &str = "inline-flex items-center justify-center rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50";
