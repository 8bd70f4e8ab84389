//! 学时 on the server: the ledger and requirements in SQL, the evaluation of a
//! person's years, the demo data.

pub mod repo;
pub mod seed;
pub mod service;
