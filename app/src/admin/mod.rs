//! The administration area (管理后台): its guard, navigation, overview and outbox. Each
//! feature keeps its own admin pages (for example `announcements::admin`).

// The console pages of the admin feature itself, named like every feature's.
#[allow(clippy::module_inception)]
pub mod admin;
pub mod api;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod server;
