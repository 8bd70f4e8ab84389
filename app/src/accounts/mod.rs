//! Accounts: identity numbers, roles, sessions, login and logout, registration,
//! real-name verification, password recovery and 个人中心.

pub mod admin;
pub mod api;
pub mod domain;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod server;

// The rule modules keep their old paths (`accounts::domain::roles`, `accounts::domain::identity`, …),
// which the other features import.
pub use domain::{identity, invoice_rules, password, profile_rules, roles};
