//! Invoices on the server: the SQL ([`repo`]), the steps that span several writes
//! ([`service`]) and the PDF the platform draws ([`pdf`]).

pub mod pdf;
pub mod repo;
pub mod service;

pub use repo::{covers_file, live_status_of_registration};
