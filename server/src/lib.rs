//! The Xueshi web server: state construction, the axum router with its middleware,
//! and the few plain HTTP endpoints that are not pages or server functions.

// The release build (without `erase_components`) spells out deep view types.
#![recursion_limit = "256"]

pub mod http;
pub mod retention;
pub mod startup;

pub use startup::{background_jobs, build_state, router, spawn_background};
