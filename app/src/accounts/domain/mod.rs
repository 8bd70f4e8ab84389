//! The accounts' rules: plain Rust, no I/O, compiled into both server and browser.

pub mod identity;
pub mod invoice_rules;
pub mod password;
pub mod profile_rules;
pub mod review_status;
pub mod roles;
