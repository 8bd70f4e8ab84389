//! The public queries against the database, their rate limit and their answers.

pub mod repo;
