//! Paying an order (立即支付): scan-to-pay through the payment-provider interface, with
//! the built-in sandbox gateway and its cashier page, or 线下转账 confirmed by finance
//! (`admin.rs`); the notify endpoints live in the server crate (`http/payments.rs`).

pub mod admin;
pub mod api;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
