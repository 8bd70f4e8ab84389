//! Server functions of payment: the pay page, starting a scan-to-pay payment, asking
//! whether it succeeded, and the sandbox cashier's own page.

use super::domain::Channel;
#[cfg(feature = "ssr")]
use crate::state::{AppState, app_state};
use crate::{error::AppResult, orders::domain::OrderLine, platform::money::Fen};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::server::{apply, provider::GatewayState, service},
    crate::{
        accounts::server::guard,
        error::AppError,
        orders::{domain::OrderStatus, server as orders},
        platform::{server::respond, time::now_ms},
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

/// Whether the order is paid; when not yet, asks the gateway about the newest pending
/// payment (the notification may be late or lost) and applies what it reports.
#[cfg(feature = "ssr")]
async fn paid_after_asking_gateway(state: &AppState, order_id: i64) -> AppResult<bool> {
    let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_one(state.db.reader())
        .await?;
    let status = OrderStatus::try_from(status)?;
    if status != OrderStatus::Unpaid {
        return Ok(status == OrderStatus::Paid);
    }
    let gateway = state.payments.provider();
    let live = service::live_payment(state.db.reader(), order_id).await?;
    let Some(live) = live.filter(|p| p.provider == gateway.name() && !p.code_url.is_empty()) else {
        return Ok(false);
    };
    match gateway.query(&live.out_trade_no).await? {
        GatewayState::Paid(notice) => {
            apply::apply(state, gateway.name(), &notice, now_ms()).await?;
            Ok(true)
        }
        GatewayState::NotPaid | GatewayState::Closed => Ok(false),
    }
}

#[cfg(feature = "ssr")]
fn qr_svg(data: &str) -> String {
    qrcode::QrCode::new(data.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build()
        })
        .unwrap_or_default()
}

#[server(prefix = "/api", endpoint = "pay/view")]
pub async fn load_pay_page(registration_id: i64) -> AppResult<PayView> {
    respond(async move {
        let user = guard::require_user().await?;
        let state = app_state()?;
        let order = service::owned_order(&state, user.id, registration_id).await?;
        let (order_id, class_title) = (order.id, order.class_title);
        // A page load is also how a visitor without JavaScript asks for the result.
        paid_after_asking_gateway(&state, order_id).await?;
        let order = orders::for_registration(state.db.reader(), registration_id)
            .await?
            .ok_or_else(|| AppError::not_found("订单不存在"))?;
        let status = order.status;
        let pending = service::live_payment(state.db.reader(), order_id)
            .await?
            .filter(|p| p.provider == state.payments.provider().name() && !p.code_url.is_empty());
        let pending = match pending.filter(|_| status == OrderStatus::Unpaid) {
            Some(p) => Some(PendingPayment {
                channel_label: Channel::try_from(p.channel.as_str())?.label().to_owned(),
                qr_svg: qr_svg(&p.code_url),
                code_url: p.code_url,
            }),
            None => None,
        };
        Ok(PayView {
            registration_id,
            class_title,
            order_no: order.order_no,
            total_fen: crate::orders::domain::total(&order.lines)
                .ok_or_else(|| AppError::internal("order total overflows"))?,
            expires_at: order.expires_at,
            lines: order.lines,
            paid: status == OrderStatus::Paid,
            closed: status == OrderStatus::Closed,
            awaiting_transfer: status == OrderStatus::AwaitingTransfer,
            pending,
        })
    })
    .await
}

/// 立即支付 with a wallet: creates the payment at the gateway and shows its QR code.
#[server(prefix = "/api", endpoint = "pay/start")]
pub async fn start_payment(registration_id: i64, channel: String) -> AppResult<()> {
    respond(async move {
        let user = guard::require_user().await?;
        let channel = Channel::from_code(&channel).ok_or_else(|| AppError::bad_request("请选择支付方式"))?;
        service::start(&app_state()?, user.id, registration_id, channel, now_ms()).await?;
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
        let user = guard::require_user().await?;
        let state = app_state()?;
        let order = service::owned_order(&state, user.id, registration_id).await?;
        paid_after_asking_gateway(&state, order.id).await
    })
    .await
}

/// The sandbox cashier (the wallet's page): what is being paid.
#[server(prefix = "/api", endpoint = "sandbox/cashier")]
pub async fn load_cashier(id: String) -> AppResult<CashierView> {
    respond(async move { app_state()?.payments.sandbox_gateway().cashier(&id).await }).await
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
        app_state()?.payments.sandbox_gateway().decide(&id, pay, now_ms()).await?;
        leptos_axum::redirect(&format!("/sandbox/cashier/{id}"));
        Ok(())
    })
    .await
}
