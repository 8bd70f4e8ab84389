//! 消息: what the platform tells a trainee (registration reviewed, payment received, …).
//! Each message is also sent by SMS through the messenger.

pub mod api;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

pub use pages::MessagesPage;
