//! Applies a confirmed payment. The order's live payment pays it: the payment succeeds,
//! the order is paid, the registration becomes 已支付 and the trainee is told "报名成功"
//! — all in one transaction, and only once however many times and in whatever order
//! the notifications (or the page's query) arrive: every step is a conditional update.
//! Money for any other payment (one replaced by another wallet, or for an order that is
//! closed or already paid) is acknowledged to the gateway and sent back automatically,
//! recorded as a refund finance sees; it is never kept silently.

use crate::state::AppState;
use crate::{
    enrolment::domain::{Event, Status},
    error::{AppError, AppResult},
    messages::server as messages,
    orders::domain::OrderStatus,
    payments::domain::{PaymentNotice, PaymentStatus, ReturnReason, TRANSFER},
    platform::{money::Fen, server::db::Tx},
    refunds::server::{self as refunds, Return},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// This call paid the order.
    Now,
    /// An earlier notification (or query) already handled this payment.
    Before,
    /// The money was not wanted (a replaced payment, a closed or paid order): this call
    /// recorded its automatic return (the refund with this id).
    Returned(i64),
}

/// Refusals a gateway must hear about (and the log records).
pub fn unknown_order() -> AppError {
    AppError::not_found("订单不存在")
}

/// Applies a notification in a transaction of its own; a returned payment is then sent
/// back through the gateway (a failure there is recorded and settled later).
pub async fn apply(state: &AppState, provider: &str, notice: &PaymentNotice, now: i64) -> AppResult<Applied> {
    let mut tx = state.db.begin().await?;
    let applied = apply_in(&mut tx, state, provider, notice, now).await?;
    tx.commit().await?;
    if let Applied::Returned(refund_id) = applied {
        tracing::warn!(out_trade_no = %notice.out_trade_no, refund_id, "payment for an order that no longer wanted it: returned");
        if let Err(err) = refunds::send_return(state, refund_id, now).await {
            tracing::warn!(refund_id, error = %err.message, "return not yet accepted by the gateway; settlement retries");
        }
    }
    Ok(applied)
}

#[derive(sqlx::FromRow)]
struct Target {
    payment_id: i64,
    order_id: i64,
    amount_fen: Fen,
    channel: String,
    #[sqlx(try_from = "String")]
    payment_status: PaymentStatus,
    #[sqlx(try_from = "String")]
    order_status: OrderStatus,
    order_no: String,
    registration_id: i64,
    user_id: i64,
}

/// [`apply`] inside the caller's transaction (finance's confirmation records who
/// confirmed in the same one). The caller sends an `Applied::Returned` to the gateway
/// after its commit.
pub async fn apply_in(
    tx: &mut Tx,
    state: &AppState,
    provider: &str,
    notice: &PaymentNotice,
    now: i64,
) -> AppResult<Applied> {
    // Locks the payment and its order (PostgreSQL) against a wallet change or the
    // order closing at this moment.
    let target: Option<Target> = sqlx::query_as(&format!(
        "SELECT p.id AS payment_id, p.order_id, p.amount_fen, p.channel, p.status AS payment_status,
                o.status AS order_status, o.order_no, o.registration_id, o.user_id
         FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.out_trade_no = $1 AND p.provider = $2{}",
        state.db.row_lock()
    ))
    .bind(&notice.out_trade_no)
    .bind(provider)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(t) = target else {
        return Err(unknown_order());
    };
    if t.amount_fen != notice.amount_fen {
        return Err(AppError::bad_request("金额不符"));
    }
    let (payment_status, order_status) = (t.payment_status, t.order_status);
    let order_open = matches!(order_status, OrderStatus::Unpaid | OrderStatus::AwaitingTransfer);
    match payment_status {
        PaymentStatus::Succeeded | PaymentStatus::Returned => return Ok(Applied::Before),
        PaymentStatus::Pending if order_open => return pay(tx, state, &t, notice, now).await,
        _ => {}
    }
    if provider == TRANSFER {
        // Finance confirms transfers by hand; a transfer for a closed order goes back
        // by bank, which finance does, not a gateway.
        return Err(AppError::conflict("该订单已关闭或已支付，这笔转账请由财务原路退回"));
    }
    let reason = match order_status {
        OrderStatus::Closed | OrderStatus::Refunded => ReturnReason::OrderClosed,
        OrderStatus::Paid | OrderStatus::Unpaid | OrderStatus::AwaitingTransfer => ReturnReason::Duplicate,
    };
    let returned = sqlx::query(
        "UPDATE payments SET status = $1, transaction_id = $2, succeeded_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(PaymentStatus::Returned.code())
    .bind(&notice.transaction_id)
    .bind(now)
    .bind(t.payment_id)
    .bind(payment_status.code())
    .execute(&mut **tx)
    .await?;
    if returned.rows_affected() == 0 {
        return Ok(Applied::Before);
    }
    let ret = Return {
        payment_id: t.payment_id,
        order_id: t.order_id,
        registration_id: t.registration_id,
        user_id: t.user_id,
        order_no: &t.order_no,
        amount_fen: t.amount_fen,
        reason,
    };
    let refund_id = refunds::record_return(tx, state, &ret, now).await?;
    Ok(Applied::Returned(refund_id))
}

/// The live payment of an open order succeeded: it pays the order.
async fn pay(
    tx: &mut Tx,
    state: &AppState,
    t: &Target,
    notice: &PaymentNotice,
    now: i64,
) -> AppResult<Applied> {
    let succeeded = sqlx::query(
        "UPDATE payments SET status = $1, transaction_id = $2, succeeded_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(PaymentStatus::Succeeded.code())
    .bind(&notice.transaction_id)
    .bind(now)
    .bind(t.payment_id)
    .bind(PaymentStatus::Pending.code())
    .execute(&mut **tx)
    .await?;
    if succeeded.rows_affected() == 0 {
        return Ok(Applied::Before);
    }
    let paid = sqlx::query(
        "UPDATE orders SET status = $1, paid_at = $2, paid_via = $3, updated_at = $2
         WHERE id = $4 AND status IN ($5, $6)",
    )
    .bind(OrderStatus::Paid.code())
    .bind(now)
    .bind(&t.channel)
    .bind(t.order_id)
    .bind(OrderStatus::Unpaid.code())
    .bind(OrderStatus::AwaitingTransfer.code())
    .execute(&mut **tx)
    .await?;
    if paid.rows_affected() != 1 {
        // The row lock (PostgreSQL) and the one writer (SQLite) make this unreachable;
        // should it happen, nothing is kept: the transaction is rolled back.
        return Err(AppError::internal(format!("order {} changed under its payment", t.order_id)));
    }
    let next = Status::AwaitingPayment
        .apply(Event::PaymentConfirmed)
        .map_err(|r| AppError::internal(r.message()))?;
    sqlx::query("UPDATE registrations SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
        .bind(next.code())
        .bind(now)
        .bind(t.registration_id)
        .bind(Status::AwaitingPayment.code())
        .execute(&mut **tx)
        .await?;
    #[derive(sqlx::FromRow)]
    struct Payer {
        phone: Option<String>,
        title: String,
    }
    let payer: Payer = sqlx::query_as(
        "SELECT u.phone, c.title FROM registrations r JOIN users u ON u.id = r.user_id
         JOIN classes c ON c.id = r.class_id WHERE r.id = $1",
    )
    .bind(t.registration_id)
    .fetch_one(&mut **tx)
    .await?;
    let body = format!("您已成功报名“{}”，缴费已到账。", payer.title);
    messages::send(
        tx,
        state,
        messages::Outgoing {
            user_id: t.user_id,
            phone: payer.phone.as_deref(),
            title: "报名成功",
            body: &body,
            link: &format!("/me/exams/{}", t.registration_id),
            at: now,
        },
    )
    .await?;
    Ok(Applied::Now)
}
