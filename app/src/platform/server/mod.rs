//! Server-only infrastructure shared by every feature.

pub mod audit;
pub mod cache;
pub mod config;
pub mod crypto;
pub mod db;
pub mod files;
pub mod jobs;
pub mod markdown;
pub mod media;
pub mod messaging;
pub mod multipart;
pub mod pdf;
pub mod request;
pub mod sheet;
pub mod storage;

pub use request::respond;
