//! Server functions of payment: the pay page, starting a scan-to-pay payment, asking
//! whether it succeeded, choosing 线下转账 and finance's review of it, and the sandbox
//! cashier's own page.

use super::domain::Channel;
use crate::{error::AppResult, orders::domain::OrderLine, platform::money::Fen};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::server::service::{self, TransferDecision},
    crate::{
        accounts::domain::roles::Role,
        error::AppError,
        platform::server::respond,
        state::{Ctx, Visitor},
    },
};

/// A transaction of the sandbox gateway, for its cashier page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashierView {
    pub id: String,
    pub amount_fen: Fen,
    pub channel: Channel,
    pub description: String,
    /// `created`, `paid` or `cancelled`.
    pub status: String,
}

/// A scan-to-pay payment waiting for the wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingPayment {
    pub channel_label: String,
    pub code_url: String,
    /// The code URL drawn as an SVG QR code.
    pub qr_svg: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayView {
    pub registration_id: i64,
    pub class_title: String,
    pub order_no: String,
    pub total_fen: Fen,
    pub expires_at: i64,
    pub lines: Vec<OrderLine>,
    pub paid: bool,
    pub closed: bool,
    /// 线下转账 chosen, waiting for finance.
    pub awaiting_transfer: bool,
    pub pending: Option<PendingPayment>,
}

/// A bank transfer waiting for finance (线下转账确认).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferLine {
    pub payment_id: i64,
    pub order_no: String,
    pub trainee: String,
    pub class_title: String,
    pub amount_fen: Fen,
    pub requested_at: i64,
}

#[server(prefix = "/api", endpoint = "pay/view")]
pub async fn load_pay_page(registration_id: i64) -> AppResult<PayView> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        service::pay_view(&cx, registration_id).await
    })
    .await
}

/// 立即支付 with a wallet: creates the payment at the gateway and shows its QR code.
#[server(prefix = "/api", endpoint = "pay/start")]
pub async fn start_payment(registration_id: i64, channel: String) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let channel = Channel::from_code(&channel).ok_or_else(|| AppError::bad_request("请选择支付方式"))?;
        service::start(&cx, registration_id, channel).await?;
        leptos_axum::redirect(&format!("/me/exams/{registration_id}/pay"));
        Ok(())
    })
    .await
}

/// Whether the order is paid. When it is not yet, asks the gateway about the newest
/// payment (the notification may be late or lost) and applies what it reports.
#[server(prefix = "/api", endpoint = "pay/check")]
pub async fn check_payment(registration_id: i64) -> AppResult<bool> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        service::check(&cx, registration_id).await
    })
    .await
}

/// The trainee chooses 线下转账 for an unpaid order.
#[server(prefix = "/api", endpoint = "pay/transfer")]
pub async fn choose_transfer(registration_id: i64) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        service::choose_transfer(&cx, registration_id).await?;
        leptos_axum::redirect(&format!("/me/exams/{registration_id}/pay"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "finance/transfers")]
pub async fn list_transfers() -> AppResult<Vec<TransferLine>> {
    respond(async move {
        let cx = Ctx::require_any(&[Role::Finance, Role::PlatformAdmin]).await?;
        service::pending_transfers(&cx).await
    })
    .await
}

/// Finance confirms the receipt (确认到账) or refuses it (驳回) with a reason.
#[server(prefix = "/api", endpoint = "finance/transfers/review")]
pub async fn review_transfer(
    payment_id: i64,
    decision: String,
    #[server(default)] amount_yuan: String,
    #[server(default)] received_on: String,
    #[server(default)] reason: String,
) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(&[Role::Finance, Role::PlatformAdmin]).await?;
        let (decision, done) = match decision.as_str() {
            "confirm" => (
                Some(TransferDecision::Confirm { amount_yuan: &amount_yuan, received_on: &received_on }),
                "confirmed",
            ),
            "reject" => (Some(TransferDecision::Reject { reason: &reason }), "rejected"),
            _ => (None, ""),
        };
        service::review_transfer(&cx, payment_id, decision).await?;
        leptos_axum::redirect(&format!("/admin/finance/transfers?{done}=1"));
        Ok(())
    })
    .await
}

/// The sandbox cashier (the wallet's page): what is being paid.
#[server(prefix = "/api", endpoint = "sandbox/cashier")]
pub async fn load_cashier(id: String) -> AppResult<CashierView> {
    respond(async move { Visitor::current()?.state.payments.sandbox_gateway().cashier(&id).await }).await
}

/// The wallet's 确认支付 or 取消.
#[server(prefix = "/api", endpoint = "sandbox/decide")]
pub async fn cashier_decide(id: String, decision: String) -> AppResult<()> {
    respond(async move {
        let pay = match decision.as_str() {
            "pay" => true,
            "cancel" => false,
            _ => return Err(AppError::bad_request("请选择")),
        };
        let visitor = Visitor::current()?;
        visitor.state.payments.sandbox_gateway().decide(&id, pay, visitor.now).await?;
        leptos_axum::redirect(&format!("/sandbox/cashier/{id}"));
        Ok(())
    })
    .await
}
