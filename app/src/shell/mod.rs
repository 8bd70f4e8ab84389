//! The application shell: the layout (the navigation for desktop (top bar) and phone
//! (bottom tab bar), the footer), the error pages, the page skeleton and the UI kit.
//! The document and the router are in `crate::routes`.

pub mod components;
pub mod errors;
pub mod frame;
pub mod icons;
pub mod islands;
pub mod layout;
pub mod page_data;
