//! Server side of the catalogue: the SQL (`repo`), the provider's writes (`service`)
//! and the demo classes (`seed`). Other features check who manages a class through
//! `provider_scope` and `may_manage`.

pub mod repo;
pub mod seed;
pub mod service;

pub use repo::{may_manage, provider_scope};
