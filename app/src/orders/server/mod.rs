//! Orders in the database: made in the transaction that moves a registration to
//! 待支付, closed (with the seat freed) when their payment window passes unpaid.

pub mod repo;
pub mod service;

pub use repo::{RegistrationOrder, for_registration, lines, open_for_registration};
pub use service::close_expired;
