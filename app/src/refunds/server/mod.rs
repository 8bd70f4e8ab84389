//! Refunds on the server: the SQL ([`repo`]) and the steps that span several writes,
//! talk to the gateway and tell the trainee ([`service`]).

pub mod repo;
pub mod service;

pub use repo::{queue, recent};
pub use service::{Completed, Return, complete, record_return, send_return, settle_processing};
