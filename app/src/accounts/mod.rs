//! Accounts: identity numbers, roles, sessions, login and logout, registration,
//! real-name verification, password recovery and 个人中心.

pub mod api;
pub mod identity;
pub mod identity_review;
pub mod invoice_rules;
pub mod pages;
pub mod password;
pub mod profile;
pub mod profile_rules;
pub mod recover;
pub mod register;
pub mod roles;
pub mod verify;

#[cfg(feature = "ssr")]
pub mod server;
