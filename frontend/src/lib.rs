//! The browser entry point: hydrates the islands of the server-rendered page.

// The islands' hydration functions are exported from `app`; naming the crate makes
// sure it is linked into the wasm even though nothing here calls it.
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Lets browser tests (and curious people) know the page is interactive now.
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
