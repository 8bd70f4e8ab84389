//! 退款申请 (000 七): the trainee asks for a paid order's money back (全额退款, or for
//! offline classes with accommodation 部分退款 of the accommodation only) with a
//! reason; finance approves (the gateway pays it back and confirms by a signed
//! notification) or refuses with a reason (退款失败).

pub mod api;
pub mod domain;
pub mod finance;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use crate::platform::money::Fen;
use domain::{RefundKind, RefundStatus};
use serde::{Deserialize, Serialize};

/// What the 退款申请 form offers for one registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundForm {
    pub registration_id: i64,
    pub class_title: String,
    pub order_no: String,
    pub paid_fen: Fen,
    pub refunded_fen: Fen,
    /// What 全额退款 would pay back, when possible.
    pub full_fen: Option<Fen>,
    /// What 部分退款 (accommodation only) would pay back, when on offer.
    pub partial_fen: Option<Fen>,
    /// Why no refund can be asked for now (the registration's state).
    pub refusal: Option<String>,
}

/// One of the trainee's refunds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRefund {
    pub kind: RefundKind,
    pub amount_fen: Fen,
    pub reason: String,
    pub status: RefundStatus,
    /// Finance's reason for refusing, or the gateway's.
    pub review_note: String,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

/// A refund in finance's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinanceRefund {
    pub id: i64,
    pub order_no: String,
    pub trainee: String,
    pub class_title: String,
    pub kind: RefundKind,
    pub amount_fen: Fen,
    pub paid_fen: Fen,
    pub reason: String,
    pub status: RefundStatus,
    /// Paid by bank transfer: finance pays it back by transfer too.
    pub by_transfer: bool,
    /// The order is on an issued invoice, which must be voided first.
    pub invoice_issued: bool,
    pub created_at: i64,
    pub completed_at: Option<i64>,
    /// Settlement tries with the gateway that did not get through, the last one's
    /// error, and when the next is due.
    pub attempts: i64,
    pub last_error: String,
    pub next_attempt_at: Option<i64>,
}
