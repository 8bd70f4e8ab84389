//! 申请开票 and 发票下载 (000 六, 002 三): the trainee applies for a VAT electronic
//! ordinary invoice for a paid order, alone or with colleagues of the same unit
//! (同单位合开); finance issues it with the number, date and a PDF (drawn by the
//! platform from the order data, or uploaded from the tax system), refuses it, or
//! voids an issued one with a reason; every trainee covered downloads it.

pub mod api;
pub mod domain;
pub mod finance;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod pdf;
#[cfg(feature = "ssr")]
pub mod server;

use crate::{accounts::invoice_rules::InvoiceTitle, platform::money::Fen};
use domain::InvoiceStatus;
use serde::{Deserialize, Serialize};

/// What the 申请开票 form needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyContext {
    pub registration_id: i64,
    pub class_title: String,
    pub order_no: String,
    /// What the invoice would show for this order (paid less refunded).
    pub amount_fen: Fen,
    pub titles: Vec<InvoiceTitle>,
    /// The 同单位合开 note given at registration, as a start for the application's.
    pub joint_note: String,
    /// Whether the trainee belongs to a unit (同单位合开 needs one).
    pub in_unit: bool,
    /// Why no application can be made now.
    pub refusal: Option<String>,
}

/// An invoice as a covered trainee sees it (发票下载).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyInvoice {
    pub id: i64,
    pub status: InvoiceStatus,
    pub title: String,
    pub amount_fen: Fen,
    pub invoice_no: String,
    pub issued_on: String,
    /// `/files/<id>` once issued.
    pub download_url: Option<String>,
    /// The trainee's own orders on it.
    pub my_orders: Vec<String>,
    /// How many orders it covers in all (more than one: 同单位合开).
    pub order_count: i64,
    pub note: String,
    /// Finance's reason for refusing, or the 作废原因.
    pub reason: String,
    pub applied_by_me: bool,
    pub created_at: i64,
}

/// An invoice in finance's console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinanceInvoice {
    pub id: i64,
    pub status: InvoiceStatus,
    pub applicant: String,
    pub title: String,
    pub tax_number: String,
    pub email: String,
    pub amount_fen: Fen,
    /// "订单号 姓名 班级" per covered order.
    pub orders: Vec<String>,
    pub note: String,
    pub invoice_no: String,
    pub issued_on: String,
    pub download_url: Option<String>,
    pub reason: String,
    pub created_at: i64,
}
