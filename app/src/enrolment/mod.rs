//! Enrolment (报名): the registration form and its 10-second notice, the state
//! machine of a registration, the trainee's 我的考试 / 我的订单, and the provider's
//! review queue.

pub mod admin;
pub mod api;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
