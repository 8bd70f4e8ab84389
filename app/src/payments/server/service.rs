//! The steps of paying that span the gateway and several writes: starting a
//! scan-to-pay payment, choosing 线下转账, and closing an order's live payment. An
//! order has one live (pending) payment at a time — a partial unique index holds it
//! even when two requests race — and a live QR code is closed at the gateway before
//! another wallet or a bank transfer replaces it.

use super::{
    apply,
    provider::{GatewayState, PaymentRequest},
};
use crate::state::AppState;
use crate::{
    error::{AppError, AppResult},
    orders::domain::OrderStatus,
    payments::{
        domain::{Channel, PaymentStatus},
        transfer::TRANSFER,
    },
    platform::{
        money::Fen,
        server::{crypto::random_token, db::is_unique_violation},
    },
};

/// A trainee's order, found through the registration they own.
#[derive(sqlx::FromRow)]
pub struct OwnedOrder {
    pub id: i64,
    pub order_no: String,
    #[sqlx(try_from = "String")]
    pub status: OrderStatus,
    pub total_fen: Fen,
    pub expires_at: i64,
    pub class_title: String,
}

pub async fn owned_order(state: &AppState, user_id: i64, registration_id: i64) -> AppResult<OwnedOrder> {
    sqlx::query_as(
        "SELECT o.id, o.order_no, o.status, o.total_fen, o.expires_at, c.title AS class_title
         FROM orders o JOIN registrations r ON r.id = o.registration_id JOIN classes c ON c.id = r.class_id
         WHERE o.registration_id = $1 AND r.user_id = $2",
    )
    .bind(registration_id)
    .bind(user_id)
    .fetch_optional(state.db.reader())
    .await?
    .ok_or_else(|| AppError::not_found("订单不存在"))
}

/// The order's live payment.
#[derive(Debug, sqlx::FromRow)]
pub struct LivePayment {
    pub id: i64,
    pub out_trade_no: String,
    pub provider: String,
    pub channel: String,
    pub code_url: String,
}

pub async fn live_payment<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    order_id: i64,
) -> AppResult<Option<LivePayment>> {
    Ok(sqlx::query_as(
        "SELECT id, out_trade_no, provider, channel, code_url FROM payments WHERE order_id = $1 AND status = $2",
    )
    .bind(order_id)
    .bind(PaymentStatus::Pending.code())
    .fetch_optional(executor)
    .await?)
}

/// What closing the live payment found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// There was none.
    Nothing,
    Closed,
    /// The payer got there first: the payment was applied (the order is paid).
    Paid,
}

/// Closes the order's live gateway payment, at the gateway first (so its code can no
/// longer be paid), then here. When the gateway reports it paid, the payment is applied
/// instead. A bank transfer is never closed here: a request racing the one that chose
/// it would close it under that request; only its order's expiry closes it, in the
/// transaction that closes the order.
pub async fn close_live(state: &AppState, order_id: i64, now: i64) -> AppResult<Closing> {
    let live = live_payment(state.db.reader(), order_id).await?;
    let Some(live) = live.filter(|p| p.provider != TRANSFER) else {
        return Ok(Closing::Nothing);
    };
    let gateway = state.payments.provider();
    if live.provider == gateway.name() {
        if let GatewayState::Paid(notice) = gateway.close(&live.out_trade_no).await? {
            apply::apply(state, gateway.name(), &notice, now).await?;
            return Ok(Closing::Paid);
        }
    } else {
        tracing::warn!(provider = %live.provider, out_trade_no = %live.out_trade_no, "live payment of a gateway no longer configured: closed here only");
    }
    mark_closed(state, live.id).await?;
    Ok(Closing::Closed)
}

/// Marks a payment closed here, if it is still pending; money arriving for it later is
/// returned (see `apply`).
pub async fn mark_closed(state: &AppState, payment_id: i64) -> AppResult<()> {
    sqlx::query("UPDATE payments SET status = $1 WHERE id = $2 AND status = $3")
        .bind(PaymentStatus::Closed.code())
        .bind(payment_id)
        .bind(PaymentStatus::Pending.code())
        .execute(state.db.writer())
        .await?;
    Ok(())
}

const ANOTHER_PAYMENT: &str = "该订单正在发起另一笔支付，请刷新页面后重试";

/// 立即支付 with a wallet. The same wallet again shows the same QR code; another wallet
/// closes the previous code at the gateway first. Errors when the order cannot be paid.
pub async fn start(
    state: &AppState,
    user_id: i64,
    registration_id: i64,
    channel: Channel,
    now: i64,
) -> AppResult<()> {
    let order = owned_order(state, user_id, registration_id).await?;
    match order.status {
        OrderStatus::Unpaid if order.expires_at > now => {}
        OrderStatus::Paid => return Err(AppError::conflict("该订单已支付")),
        OrderStatus::AwaitingTransfer => {
            return Err(AppError::conflict("该订单已选择线下转账，请等待财务确认到账"));
        }
        _ => return Err(AppError::conflict("订单已关闭，请重新报名")),
    }
    let gateway = state.payments.provider();
    if let Some(live) = live_payment(state.db.reader(), order.id).await? {
        if live.provider == gateway.name() && live.channel == channel.code() && !live.code_url.is_empty() {
            return Ok(());
        }
        if close_live(state, order.id, now).await? == Closing::Paid {
            return Ok(());
        }
    }
    let out_trade_no = format!("{}-{}", order.order_no, random_token(6));
    // Only while the order is still open; the unique index keeps it the one live payment.
    let inserted = sqlx::query(
        "INSERT INTO payments (order_id, out_trade_no, provider, channel, amount_fen, status, code_url, created_at)
         SELECT $1, $2, $3, $4, $5, $6, '', $7 WHERE EXISTS (SELECT 1 FROM orders WHERE id = $1 AND status = $8)",
    )
    .bind(order.id)
    .bind(&out_trade_no)
    .bind(gateway.name())
    .bind(channel.code())
    .bind(order.total_fen)
    .bind(PaymentStatus::Pending.code())
    .bind(now)
    .bind(OrderStatus::Unpaid.code())
    .execute(state.db.writer())
    .await;
    match inserted {
        Err(err) if is_unique_violation(&err) => return Err(AppError::conflict(ANOTHER_PAYMENT)),
        Err(err) => return Err(err.into()),
        Ok(done) if done.rows_affected() != 1 => {
            return Err(AppError::conflict("订单状态已变化，请刷新页面"));
        }
        Ok(_) => {}
    }
    let request = PaymentRequest {
        out_trade_no: out_trade_no.clone(),
        amount_fen: order.total_fen,
        description: order.class_title,
        channel,
        notify_url: format!("{}/pay/notify/{}", AppState::base_url(&state.config), gateway.name()),
    };
    let code_url = match gateway.create(&request).await {
        Ok(url) => url,
        Err(err) => {
            sqlx::query("UPDATE payments SET status = $1 WHERE out_trade_no = $2 AND status = $3")
                .bind(PaymentStatus::Failed.code())
                .bind(&out_trade_no)
                .bind(PaymentStatus::Pending.code())
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
    Ok(())
}

/// 线下转账: the order waits for finance (待确认到账) within the transfer window; a live
/// QR code is closed first. Choosing it twice is one transfer.
pub async fn choose_transfer(
    state: &AppState,
    user_id: i64,
    registration_id: i64,
    now: i64,
) -> AppResult<()> {
    const REFUSED: &str = "该订单当前不能选择线下转账";
    let order = owned_order(state, user_id, registration_id).await?;
    match order.status {
        OrderStatus::Unpaid if order.expires_at > now => {}
        OrderStatus::AwaitingTransfer => return Err(AppError::conflict("已选择线下转账，请按页面信息转账")),
        _ => return Err(AppError::conflict(REFUSED)),
    }
    if close_live(state, order.id, now).await? == Closing::Paid {
        return Err(AppError::conflict("该订单已支付"));
    }
    let window = i64::try_from(state.config.transfer_window.as_millis()).unwrap_or(i64::MAX);
    let mut tx = state.db.begin().await?;
    let moved = sqlx::query(
        "UPDATE orders SET status = $1, expires_at = $2, updated_at = $3 WHERE id = $4 AND status = $5 AND expires_at > $3",
    )
    .bind(OrderStatus::AwaitingTransfer.code())
    .bind(now.saturating_add(window))
    .bind(now)
    .bind(order.id)
    .bind(OrderStatus::Unpaid.code())
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(AppError::conflict(REFUSED));
    }
    let inserted = sqlx::query(
        "INSERT INTO payments (order_id, out_trade_no, provider, channel, amount_fen, status, code_url, created_at)
         VALUES ($1, $2, $3, $3, $4, $5, '', $6)",
    )
    .bind(order.id)
    .bind(format!("{}-T{}", order.order_no, random_token(6)))
    .bind(TRANSFER)
    .bind(order.total_fen)
    .bind(PaymentStatus::Pending.code())
    .bind(now)
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(err) if is_unique_violation(&err) => return Err(AppError::conflict(ANOTHER_PAYMENT)),
        other => {
            other?;
        }
    }
    tx.commit().await?;
    Ok(())
}
