//! Xueshi (学时): the application shared by the server (feature `ssr`) and the
//! browser (feature `hydrate`). Organised by feature; each feature keeps its pages,
//! its server functions and, behind `ssr`, its server-only code.

#![recursion_limit = "256"]

pub mod accounts;
pub mod admin;
pub mod announcements;
pub mod catalogue;
pub mod certificates;
pub mod credits;
pub mod enrolment;
pub mod error;
pub mod home;
pub mod invoices;
pub mod learning;
pub mod messages;
pub mod orders;
pub mod payments;
pub mod platform;
pub mod queries;
pub mod refunds;
pub mod routes;
pub mod shell;
pub mod units;

#[cfg(feature = "ssr")]
pub mod downloads;
#[cfg(feature = "ssr")]
pub mod seed;
#[cfg(feature = "ssr")]
pub mod state;

pub use routes::{App, shell};
