//! The skeleton every page shares: the document title and its heading, the notice a
//! redirect left, the form error of the page's action, and the page's data awaited in
//! one `<Suspense>` with the error page when it fails. Pages supply only what differs.

use super::{
    components::{FormError, Notice},
    errors::ErrorPage,
    page_data::PageData,
};
use crate::error::{AppError, AppResult};
use leptos::prelude::*;
use leptos_meta::Title;

/// The heading style of a page.
pub const PAGE_HEADING: &str = "mb-4 text-xl font-semibold text-slate-900";

/// A page: `<title>` and `<h1>` from `title`, then the notice and form error (when
/// given), then `children` (what the page shows before its data, such as a filter form),
/// then `data` rendered by `render`, or the error page.
#[component]
pub fn Page<T, F, V>(
    #[prop(into)] title: String,
    data: PageData<AppResult<T>>,
    render: F,
    #[prop(optional, into)] notice: Option<Signal<Option<String>>>,
    #[prop(optional, into)] error: Option<Signal<Option<AppError>>>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Title text=title.clone() />
        <h1 class=PAGE_HEADING>{title}</h1>
        <div class="space-y-4">
            {notice.map(|message| view! { <Notice message /> })}
            {error.map(|error| view! { <FormError error /> })}
            {children.map(|children| children())}
            <Loaded data render />
        </div>
    }
}

/// `data` rendered by `render` once loaded, or the error page: the part of [`Page`] for
/// pages that lay out their own heading. `login_next` is where a visitor who is not
/// signed in returns after logging in (the current page when empty).
#[component]
pub fn Loaded<T, F, V>(
    data: PageData<AppResult<T>>,
    render: F,
    #[prop(optional, into)] login_next: String,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let render = render.clone();
                let login_next = login_next.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(value) => render(value).into_any(),
                        Err(error) => view! { <ErrorPage error path=login_next /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
