//! The admin area's server side: its SQL, and what the outbox shows.

pub mod outbox;
pub mod repo;
