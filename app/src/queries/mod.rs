//! Public queries for visitors: 证书查询, 成绩查询, 学时查询 by ID number, name
//! and captcha. They answer only what is public and say "未查询到" when nothing
//! matches (or the name does not belong to the ID number); they are rate limited per
//! client address, and each answer is shown under a one-time token.

pub mod api;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

pub use pages::{AnswerPage, QueryPage};
