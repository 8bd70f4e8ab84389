//! 学习: online classes after payment. 我的班级 and the 班级首页, 在线选课
//! with the live hour counter, the course player whose heartbeats the server re-checks,
//! and 课后测验 with the 60-point pass line; hours credited once. Providers keep their
//! courses, chapters (videos) and question banks in the console.

pub mod admin;
pub mod api;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
