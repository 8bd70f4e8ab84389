//! 学时 (credit hours): the authority's yearly requirements, one append-only ledger of
//! every hour a person holds with its source (a course passed, an import, later a
//! declaration or an offline class), and 学时完成情况, judged by one evaluation
//! (`domain::evaluate`) that the trainee's page, the unit and the public 学时查询 share.
//! Other features credit hours through `server::repo::credit`, which counts one thing
//! once.

pub mod admin;
pub mod api;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
