//! Small pieces of UI shared by every feature.

use crate::{error::AppError, platform::paging::Page};
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

/// The heading style of a card.
pub const CARD_HEADING: &str = "mb-3 text-base font-semibold text-slate-900";

/// A titled white panel.
#[component]
pub fn Card(#[prop(optional, into)] title: Option<String>, children: Children) -> impl IntoView {
    view! {
        <section class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm md:p-6">
            {title.map(|t| view! { <h2 class=CARD_HEADING>{t}</h2> })}
            {children()}
        </section>
    }
}

#[component]
pub fn EmptyState(#[prop(into)] message: String) -> impl IntoView {
    view! { <p class="py-8 text-center text-sm text-slate-500">{message}</p> }
}

/// One page of a list in a card (headed `title` when given): the empty state when the page has no items, else a
/// divided list of one `row` (an `<li>`) per item; then the pager, whose links `href` makes.
#[component]
pub fn PagedList<T, R, V>(
    page: Page<T>,
    #[prop(into)] empty: String,
    href: impl Fn(u32) -> String + 'static,
    row: R,
    /// The card's heading, if any.
    #[prop(optional, into)]
    title: Option<String>,
) -> impl IntoView
where
    T: Send + 'static,
    R: Fn(T) -> V + Send + 'static,
    V: IntoView + 'static,
{
    let total_pages = page.total_pages();
    let current = page.page;
    view! {
        <Card>
            {title.map(|t| view! { <h2 class=CARD_HEADING>{t}</h2> })}
            {if page.items.is_empty() {
                view! { <EmptyState message=empty /> }.into_any()
            } else {
                view! { <ul class="divide-y divide-slate-100">{page.items.into_iter().map(row).collect_view()}</ul> }
                    .into_any()
            }}
        </Card>
        <Pager page=current total_pages href />
    }
}

/// A list's search box in a card: one field, submitted by GET so the search is in the URL.
#[component]
pub fn SearchForm(
    /// The query parameter and the input's id.
    name: &'static str,
    /// The field's label, for screen readers.
    label: &'static str,
    #[prop(into)] value: Signal<String>,
    placeholder: &'static str,
    /// The button's text.
    button: &'static str,
) -> impl IntoView {
    view! {
        <Card>
            <form method="get" class="flex gap-2" role="search">
                <label for=name class="sr-only">{label}</label>
                <input id=name name=name value=value placeholder=placeholder class="min-w-0 flex-1 rounded-md border border-slate-300 px-3 py-2" />
                <button type="submit" class=SECONDARY_BUTTON>{button}</button>
            </form>
        </Card>
    }
}

/// Input styling shared by every form.
pub const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base shadow-sm focus:border-blue-600 focus:outline-none focus:ring-2 focus:ring-blue-600/20 aria-[invalid=true]:border-red-500";
pub const LABEL: &str = "block text-sm font-medium text-slate-700";
pub const PRIMARY_BUTTON: &str = "inline-flex items-center justify-center rounded-md bg-blue-700 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-blue-800 disabled:cursor-not-allowed disabled:opacity-60";
pub const SECONDARY_BUTTON: &str = "inline-flex items-center justify-center rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50";

/// A labelled input with its hint and its error, wired for screen readers.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional, into)] value: String,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] readonly: bool,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(optional)] inputmode: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described = if hint.is_some() { format!("{hint_id} {error_id}") } else { error_id.clone() };
    let invalid = move || error.get().is_some_and(|e| e.field(name).is_some()).to_string();
    let message = move || error.get().and_then(|e| e.field(name).map(str::to_owned));
    view! {
        <div>
            <label for=name class=LABEL>{label}</label>
            <input
                id=name
                name=name
                type=input_type
                value=value
                class=if readonly { format!("{INPUT} bg-slate-50 text-slate-500") } else { INPUT.to_owned() }
                autocomplete=autocomplete
                placeholder=placeholder
                readonly=readonly
                maxlength=maxlength
                inputmode=inputmode
                aria-invalid=invalid
                aria-describedby=described
            />
            {hint.map(|h| view! { <p id=hint_id class="mt-1 text-xs text-slate-500">{h}</p> })}
            <p id=error_id class="mt-1 text-sm text-red-600">{message}</p>
        </div>
    }
}

/// A labelled select of (value, label) options.
#[component]
pub fn SelectField(
    label: &'static str,
    name: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    options: Vec<(String, String)>,
    #[prop(optional, into)] selected: String,
    #[prop(default = "请选择")] placeholder: &'static str,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let invalid = move || error.get().is_some_and(|e| e.field(name).is_some()).to_string();
    let message = move || error.get().and_then(|e| e.field(name).map(str::to_owned));
    let nothing_selected = selected.is_empty();
    view! {
        <div>
            <label for=name class=LABEL>{label}</label>
            <select id=name name=name class=INPUT aria-invalid=invalid aria-describedby=error_id.clone()>
                <option value="" selected=nothing_selected>{placeholder}</option>
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let is_selected = value == selected;
                        view! { <option value=value selected=is_selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
            <p id=error_id class="mt-1 text-sm text-red-600">{message}</p>
        </div>
    }
}

/// A green confirmation line (role=status).
#[component]
pub fn Notice(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|text| {
            view! {
                <p role="status" class="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-700">
                    {text}
                </p>
            }
        })
    }
}

/// Options from a fixed list where value and label are the same words.
pub fn same_options(items: &[&str]) -> Vec<(String, String)> {
    items.iter().map(|item| (item.to_string(), item.to_string())).collect()
}

/// A labelled file input with its error (for multipart forms).
#[component]
pub fn FileField(
    label: &'static str,
    name: &'static str,
    accept: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    view! {
        <div>
            <label for=name class=LABEL>{label}</label>
            <input
                id=name
                name=name
                type="file"
                accept=accept
                class="mt-1 block w-full text-sm"
                aria-invalid=move || error.get().is_some_and(|e| e.field(name).is_some()).to_string()
                aria-describedby=error_id.clone()
            />
            <p id=error_id class="mt-1 text-sm text-red-600">{move || error.get().and_then(|e| e.field(name).map(str::to_owned))}</p>
        </div>
    }
}

/// One "label: value" line of a `<dl>` (unit details, class facts, a registration).
#[component]
pub fn InfoRow(label: &'static str, #[prop(into)] value: String) -> impl IntoView {
    view! {
        <div class="flex gap-2">
            <dt class="w-24 shrink-0 text-slate-500">{label}</dt>
            <dd class="min-w-0 text-slate-900">{value}</dd>
        </div>
    }
}

/// The confirmation a page shows after a form redirected back to it: the text of the
/// first `(key, value, text)` whose query key is present (and equals `value`, unless
/// that is empty), e.g. `?saved=1` → "已保存".
pub fn notice_from_query(
    pairs: &'static [(&'static str, &'static str, &'static str)],
) -> Signal<Option<String>> {
    let query = use_query_map();
    Signal::derive(move || {
        let query = query.read();
        pairs
            .iter()
            .find(|(key, value, _)| query.get(key).is_some_and(|v| value.is_empty() || v == *value))
            .map(|(_, _, text)| (*text).to_owned())
    })
}

/// A progress bar of `value` percent, with its accessible name.
#[component]
pub fn ProgressBar(value: i64, #[prop(into)] label: String) -> impl IntoView {
    view! {
        <div class="h-2 w-full overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-label=label
            aria-valuemin="0" aria-valuemax="100" aria-valuenow=value>
            <div class="h-full rounded-full bg-blue-600" style=format!("width: {value}%")></div>
        </div>
    }
}

/// A labelled 年度 select (`2026年度`, …) for filter forms.
#[component]
pub fn YearSelect(
    #[prop(default = "年度")] label: &'static str,
    #[prop(default = "year")] id: &'static str,
    years: Vec<i64>,
    #[prop(optional)] selected: Option<i64>,
) -> impl IntoView {
    view! {
        <div>
            <label for=id class=LABEL>{label}</label>
            <select id=id name="year" class=INPUT>
                {years.into_iter().map(|y| view! { <option value=y.to_string() selected=Some(y) == selected>{format!("{y}年度")}</option> }).collect_view()}
            </select>
        </div>
    }
}
