//! Plain HTTP endpoints and the middleware around every request.

pub mod assets;
pub mod captcha;
pub mod certificates;
pub mod exports;
pub mod files;
pub mod health;
pub mod payments;
pub mod security;
