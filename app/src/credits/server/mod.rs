//! 学时 on the server: the ledger and requirements in SQL, the evaluation of a
//! person's years, 继续教育记录申报 and its review, the demo data.

pub mod declarations;
pub mod repo;
pub mod seed;
pub mod service;
