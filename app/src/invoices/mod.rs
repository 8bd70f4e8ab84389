//! 申请开票 and 发票下载: the trainee applies for a VAT electronic
//! ordinary invoice for a paid order, alone or with colleagues of the same unit
//! (同单位合开); finance issues it with the number, date and a PDF (drawn by the
//! platform from the order data, or uploaded from the tax system), refuses it, or
//! voids an issued one with a reason; every trainee covered downloads it.

pub mod admin;
pub mod api;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

pub use api::{ApplyContext, FinanceInvoice, MyInvoice};
