//! Server functions of payment: the pay page, starting a scan-to-pay payment, asking
//! whether it succeeded, and the sandbox cashier's own page.

use crate::{error::AppResult, orders::domain::OrderLine};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::{
        domain::Channel,
        server::{apply, provider::GatewayState, provider::PaymentRequest},
    },
    crate::{
        accounts::server::guard,
        error::AppError,
        orders::{domain::OrderStatus, server as orders},
        platform::{
            server::{AppState, app_state, crypto::random_token, respond},
            time::now_ms,
        },
    },
};

/// A transaction of the sandbox gateway, for its cashier page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashierView {
    pub id: String,
    pub amount_fen: i64,
    pub channel: String,
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
    pub total_fen: i64,
    pub expires_at: i64,
    pub lines: Vec<OrderLine>,
    pub paid: bool,
    pub closed: bool,
    /// 线下转账 chosen, waiting for finance.
    pub awaiting_transfer: bool,
    pub pending: Option<PendingPayment>,
}

#[cfg(feature = "ssr")]
async fn owned_order(
    state: &AppState,
    user_id: i64,
    registration_id: i64,
) -> AppResult<(i64, String, String)> {
    let row: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT o.id, o.order_no, c.title FROM orders o JOIN registrations r ON r.id = o.registration_id
         JOIN classes c ON c.id = r.class_id WHERE o.registration_id = $1 AND r.user_id = $2",
    )
    .bind(registration_id)
    .bind(user_id)
    .fetch_optional(state.db.reader())
    .await?;
    row.ok_or_else(|| AppError::not_found("订单不存在"))
}

/// Whether the order is paid; when not yet, asks the gateway about the newest pending
/// payment (the notification may be late or lost) and applies what it reports.
#[cfg(feature = "ssr")]
async fn paid_after_asking_gateway(state: &AppState, order_id: i64) -> AppResult<bool> {
    let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_one(state.db.reader())
        .await?;
    if status != OrderStatus::Unpaid.code() {
        return Ok(status == OrderStatus::Paid.code());
    }
    let pending: Option<String> = sqlx::query_scalar(
        "SELECT out_trade_no FROM payments WHERE order_id = $1 AND status = 'pending' AND code_url <> ''
         ORDER BY id DESC LIMIT 1",
    )
    .bind(order_id)
    .fetch_optional(state.db.reader())
    .await?;
    let Some(out_trade_no) = pending else { return Ok(false) };
    let gateway = state.payments.provider();
    match gateway.query(&out_trade_no).await? {
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
        let (order_id, _, class_title) = owned_order(&state, user.id, registration_id).await?;
        // A page load is also how a visitor without JavaScript asks for the result.
        paid_after_asking_gateway(&state, order_id).await?;
        let (order_no, expires_at, status, lines) = orders::for_registration(state.db.reader(), registration_id)
            .await?
            .ok_or_else(|| AppError::not_found("订单不存在"))?;
        let pending: Option<(String, String)> = sqlx::query_as(
            "SELECT channel, code_url FROM payments WHERE order_id = $1 AND status = 'pending' AND code_url <> ''
             ORDER BY id DESC LIMIT 1",
        )
        .bind(order_id)
        .fetch_optional(state.db.reader())
        .await?;
        Ok(PayView {
            registration_id,
            class_title,
            order_no,
            total_fen: crate::orders::domain::total(&lines),
            expires_at,
            lines,
            paid: status == OrderStatus::Paid,
            closed: status == OrderStatus::Closed,
            awaiting_transfer: status == OrderStatus::AwaitingTransfer,
            pending: pending.filter(|_| status == OrderStatus::Unpaid).map(|(channel, code_url)| PendingPayment {
                channel_label: Channel::from_code(&channel).map(Channel::label).unwrap_or_default().to_owned(),
                qr_svg: qr_svg(&code_url),
                code_url,
            }),
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
        let state = app_state()?;
        let now = now_ms();
        let (order_id, order_no, class_title) = owned_order(&state, user.id, registration_id).await?;
        let (status, total_fen, expires_at): (String, i64, i64) =
            sqlx::query_as("SELECT status, total_fen, expires_at FROM orders WHERE id = $1")
                .bind(order_id)
                .fetch_one(state.db.reader())
                .await?;
        match OrderStatus::from_code(&status) {
            Some(OrderStatus::Unpaid) if expires_at > now => {}
            Some(OrderStatus::Paid) => return Err(AppError::conflict("该订单已支付")),
            _ => return Err(AppError::conflict("订单已关闭，请重新报名")),
        }
        let gateway = state.payments.provider();
        let out_trade_no = format!("{order_no}-{}", random_token(6));
        sqlx::query(
            "INSERT INTO payments (order_id, out_trade_no, provider, channel, amount_fen, status, code_url, created_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', '', $6)",
        )
        .bind(order_id)
        .bind(&out_trade_no)
        .bind(gateway.name())
        .bind(channel.code())
        .bind(total_fen)
        .bind(now)
        .execute(state.db.writer())
        .await?;
        let request = PaymentRequest {
            out_trade_no: out_trade_no.clone(),
            amount_fen: total_fen,
            description: class_title,
            channel,
            notify_url: format!("{}/pay/notify/{}", AppState::base_url(&state.config), gateway.name()),
        };
        let code_url = match gateway.create(&request).await {
            Ok(url) => url,
            Err(err) => {
                sqlx::query("UPDATE payments SET status = 'failed' WHERE out_trade_no = $1")
                    .bind(&out_trade_no)
                    .execute(state.db.writer())
                    .await?;
                return Err(err);
            }
        };
        sqlx::query("UPDATE payments SET code_url = $1 WHERE out_trade_no = $2")
            .bind(&code_url)
            .bind(&out_trade_no)
            .execute(state.db.writer())
            .await?;
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
        let (order_id, _, _) = owned_order(&state, user.id, registration_id).await?;
        paid_after_asking_gateway(&state, order_id).await
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
