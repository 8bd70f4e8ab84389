//! Announcements (信息中心): 通知公告, 办事指南 and 操作手册, read by everyone and
//! written by the platform admin.

pub mod admin;
pub mod api;
pub mod domain;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod server;
