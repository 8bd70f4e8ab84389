//! The small interactive pieces every feature may use. Pages are rendered on the server
//! and work as plain HTML; these islands are the only parts the browser hydrates (see
//! docs/architecture.md, "Islands"). Their props must serialize, and they must not use
//! router hooks or server context: neither exists in the browser.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Brings back what the user typed when a form posted without JavaScript semantics comes
/// back with an error (the server redirects to the page with `__err` in the URL). Values
/// are kept in `sessionStorage` for that one round trip; passwords, files and captcha
/// answers are never stored.
#[island]
pub fn FormMemory() -> impl IntoView {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        form_memory::install();
    });
}

#[cfg(feature = "hydrate")]
mod form_memory {
    use leptos::prelude::{document, window};
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{
        Element, Event, HtmlFormElement, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement, Storage,
        UrlSearchParams,
    };

    const KEY: &str = "xueshi.form-memory";
    /// Separators that cannot come from a keyboard.
    const FIELD: char = '\u{1f}';
    const RECORD: char = '\u{1e}';

    pub fn install() {
        restore();
        let on_submit = Closure::<dyn FnMut(Event)>::new(|event: Event| {
            if let Some(form) = event.target().and_then(|t| t.dyn_into::<HtmlFormElement>().ok()) {
                remember(&form);
            }
        });
        let _ = document().add_event_listener_with_callback_and_bool(
            "submit",
            on_submit.as_ref().unchecked_ref(),
            true,
        );
        // The listener lives as long as the page.
        on_submit.forget();
    }

    fn storage() -> Option<Storage> {
        window().session_storage().ok().flatten()
    }

    /// The stored value of a control, or `None` for what must not be kept.
    fn value_of(element: &Element) -> Option<(String, String)> {
        if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
            let kind = input.type_();
            let name = input.name();
            if matches!(kind.as_str(), "password" | "file" | "hidden" | "submit" | "button")
                || name.contains("captcha")
            {
                return None;
            }
            let value = if matches!(kind.as_str(), "checkbox" | "radio") {
                if input.checked() { input.value() } else { String::new() }
            } else {
                input.value()
            };
            return Some((name, value));
        }
        if let Some(select) = element.dyn_ref::<HtmlSelectElement>() {
            return Some((select.name(), select.value()));
        }
        element.dyn_ref::<HtmlTextAreaElement>().map(|area| (area.name(), area.value()))
    }

    fn remember(form: &HtmlFormElement) {
        let Some(storage) = storage() else { return };
        let action = form.get_attribute("action").unwrap_or_default();
        let mut record = format!("{}{FIELD}{action}", window().location().pathname().unwrap_or_default());
        let elements = form.elements();
        for index in 0..elements.length() {
            if let Some((name, value)) = elements.item(index).as_ref().and_then(value_of)
                && !name.is_empty()
            {
                record.push_str(&format!("{RECORD}{name}{FIELD}{value}"));
            }
        }
        let _ = storage.set_item(KEY, &record);
    }

    fn restore() {
        let Some(storage) = storage() else { return };
        let Some(record) = storage.get_item(KEY).ok().flatten() else { return };
        let _ = storage.remove_item(KEY);
        let search = window().location().search().unwrap_or_default();
        let Ok(params) = UrlSearchParams::new_with_str(&search) else { return };
        let (Some(failed_path), Some(_)) = (params.get("__path"), params.get("__err")) else { return };
        let mut parts = record.split(RECORD);
        let Some(header) = parts.next() else { return };
        let Some((page, action)) = header.split_once(FIELD) else { return };
        if page != window().location().pathname().unwrap_or_default() || !action.starts_with(&failed_path) {
            return;
        }
        let Ok(Some(form)) = document().query_selector(&format!("form[action=\"{action}\"]")) else { return };
        let Ok(form) = form.dyn_into::<HtmlFormElement>() else { return };
        let elements = form.elements();
        for (name, value) in parts.filter_map(|p| p.split_once(FIELD)) {
            for index in 0..elements.length() {
                let Some(element) = elements.item(index) else { continue };
                if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
                    if input.name() != name || value_of(&element).is_none() {
                        continue;
                    }
                    match input.type_().as_str() {
                        "checkbox" | "radio" => {
                            if input.value() == value {
                                input.set_checked(true);
                            }
                        }
                        _ => input.set_value(value),
                    }
                } else if let Some(select) = element.dyn_ref::<HtmlSelectElement>()
                    && select.name() == name
                {
                    select.set_value(value);
                } else if let Some(area) = element.dyn_ref::<HtmlTextAreaElement>()
                    && area.name() == name
                {
                    area.set_value(value);
                }
            }
        }
    }
}

/// One choice of an [`AutoSubmitSelect`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A `<select>` inside a GET form that submits the form as soon as the choice changes
/// (without JavaScript the form's own button does it). `clears` names another control of
/// the form to leave out of that submission, such as the unit when the region changes.
#[island]
pub fn AutoSubmitSelect(
    id: String,
    class: String,
    choices: Vec<SelectChoice>,
    disabled: bool,
    /// Empty for none.
    clears: String,
) -> impl IntoView {
    let name = id.clone();
    let on_change = move |_event: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            use web_sys::{HtmlFormElement, HtmlSelectElement};
            let Some(select) = _event.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()) else {
                return;
            };
            let Some(form): Option<HtmlFormElement> = select.form() else { return };
            if let Some(other) = Some(clears.as_str()).filter(|n| !n.is_empty()).and_then(|name| {
                form.query_selector(&format!("[name=\"{name}\"]"))
                    .ok()
                    .flatten()
                    .and_then(|e| e.dyn_into::<HtmlSelectElement>().ok())
            }) {
                other.set_disabled(true);
            }
            let _ = form.request_submit();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &clears;
    };
    view! {
        <select id=id name=name class=class disabled=disabled on:change=on_change>
            {choices
                .into_iter()
                .map(|c| view! { <option value=c.value selected=c.selected>{c.label}</option> })
                .collect_view()}
        </select>
    }
}

/// "60秒后可重新获取", counting down in the browser, then the link to `href`. Without
/// JavaScript the link shows at once (the server refuses an early resend anyway).
#[island]
pub fn ResendCountdown(seconds: u32, href: String, label: String) -> impl IntoView {
    let remaining = RwSignal::new(0u32);
    Effect::new(move |_| {
        remaining.set(seconds);
        if let Ok(handle) = set_interval_with_handle(
            move || remaining.update(|s| *s = s.saturating_sub(1)),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    move || {
        if remaining.get() > 0 {
            view! { <span class="text-slate-400">{format!("{}秒后可重新获取", remaining.get())}</span> }
                .into_any()
        } else {
            view! { <a href=href.clone() class="text-blue-700 hover:underline">{label.clone()}</a> }
                .into_any()
        }
    }
}
