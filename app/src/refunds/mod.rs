//! 退款申请: the trainee asks for a paid order's money back (全额退款, or for
//! offline classes with accommodation 部分退款 of the accommodation only) with a
//! reason; finance approves (the gateway pays it back and confirms by a signed
//! notification) or refuses with a reason (退款失败).

pub mod admin;
pub mod api;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

pub use api::{FinanceRefund, MyRefund, RefundForm};
