//! The training catalogue (培训班 and 期次): the public list and class pages of
//! 报名中心, favourites, and the provider's console. Registration itself lives in
//! `enrolment`.

pub mod admin;
pub mod api;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
