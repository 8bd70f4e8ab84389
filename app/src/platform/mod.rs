//! Cross-cutting pieces every feature uses: paging, time display, and (server only)
//! configuration, the database, storage, sessions' plumbing and the request context.

pub mod codes;
pub mod money;
pub mod paging;
pub mod text;
pub mod time;
pub mod url;

#[cfg(feature = "ssr")]
pub mod server;
