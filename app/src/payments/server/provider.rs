//! The payment-provider interface: the operations a real gateway (WeChat Pay v3,
//! Alipay, UnionPay) offers. The built-in sandbox implements it; a real gateway is
//! another implementation chosen by configuration.

use crate::{
    error::AppResult,
    payments::domain::{Channel, PaymentNotice, RefundNotice},
    platform::money::Fen,
};
use futures::future::BoxFuture;

/// What we ask the gateway to collect.
#[derive(Debug, Clone)]
pub struct PaymentRequest {
    pub out_trade_no: String,
    pub amount_fen: Fen,
    pub description: String,
    pub channel: Channel,
    pub notify_url: String,
}

/// A transaction's state as the gateway's query operation reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayState {
    NotPaid,
    Paid(PaymentNotice),
    Closed,
}

/// What we ask the gateway to pay back, from which payment.
#[derive(Debug, Clone)]
pub struct RefundRequest {
    pub out_trade_no: String,
    /// Our reference for this refund; the gateway refunds each at most once.
    pub out_refund_no: String,
    pub amount_fen: Fen,
    pub reason: String,
    pub notify_url: String,
}

/// A refund's state as the gateway's query operation reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundState {
    Processing,
    Succeeded(RefundNotice),
    /// The gateway gave up (the payer's account closed, …).
    Failed,
    /// The gateway knows no such refund.
    Unknown,
}

/// Why a notification was refused. The detail goes to the log; the gateway gets a
/// short answer and will try again (or not) by its own rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationRefused {
    #[error("missing or malformed signature headers")]
    MissingHeaders,
    #[error("timestamp outside the freshness window (replay?)")]
    Stale,
    #[error("signature does not verify")]
    BadSignature,
    #[error("body is not a payment notification")]
    BadBody,
    #[error("this gateway is switched off by configuration")]
    Disabled,
}

pub trait PaymentProvider: Send + Sync + std::fmt::Debug {
    /// The name in the notify URL (`/pay/notify/<name>`).
    fn name(&self) -> &'static str;

    /// Creates a payment and returns the code URL the page draws as a QR code.
    fn create<'a>(&'a self, request: &'a PaymentRequest) -> BoxFuture<'a, AppResult<String>>;

    /// Asks the gateway for a transaction's state (for when no notification came).
    fn query<'a>(&'a self, out_trade_no: &'a str) -> BoxFuture<'a, AppResult<GatewayState>>;

    /// Closes a transaction so its code can no longer be paid (WeChat Pay's 关闭订单,
    /// Alipay's `alipay.trade.close`). Answers `Closed` (also for one the gateway never
    /// created), or `Paid` when the payer got there first: then the money is in and must
    /// be applied (or sent back), never ignored.
    fn close<'a>(&'a self, out_trade_no: &'a str) -> BoxFuture<'a, AppResult<GatewayState>>;

    /// Checks an asynchronous notification: headers, freshness, signature, body.
    fn verify_notification(
        &self,
        headers: &http::HeaderMap,
        body: &str,
        now_ms: i64,
    ) -> Result<PaymentNotice, NotificationRefused>;

    /// Asks the gateway to pay `amount_fen` of a succeeded payment back. `Ok` means
    /// accepted: the result arrives later as a refund notification (or by query).
    fn refund<'a>(&'a self, request: &'a RefundRequest) -> BoxFuture<'a, AppResult<()>>;

    /// Asks the gateway for a refund's state (for when no notification came).
    fn query_refund<'a>(&'a self, out_refund_no: &'a str) -> BoxFuture<'a, AppResult<RefundState>>;

    /// Checks a refund notification: headers, freshness, signature, body.
    fn verify_refund_notification(
        &self,
        headers: &http::HeaderMap,
        body: &str,
        now_ms: i64,
    ) -> Result<RefundNotice, NotificationRefused>;
}
