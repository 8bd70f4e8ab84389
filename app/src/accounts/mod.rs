//! Accounts: identity numbers, roles, sessions, login and logout, 个人中心.

pub mod api;
pub mod identity;
pub mod pages;
pub mod roles;

#[cfg(feature = "ssr")]
pub mod server;
