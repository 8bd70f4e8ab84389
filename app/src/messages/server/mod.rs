//! Writes and reads 消息.

pub mod repo;
pub mod service;

pub use super::domain::Outgoing;
pub use service::send;
