//! Applies a confirmed payment: the payment succeeds, the order is paid, the
//! registration becomes 已支付 and the trainee is told "报名成功" — all in one
//! transaction, and only once however many times and in whatever order the
//! notifications (or the page's query) arrive: every step is a conditional update.

use crate::{
    enrolment::domain::{Event, Status},
    error::{AppError, AppResult},
    messages::server as messages,
    orders::domain::OrderStatus,
    payments::domain::PaymentNotice,
    platform::server::{AppState, db::Tx},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// This call paid the order.
    Now,
    /// An earlier notification (or query) already did.
    Before,
}

/// Refusals a gateway must hear about (and the log records).
pub fn unknown_order() -> AppError {
    AppError::not_found("订单不存在")
}

pub async fn apply(state: &AppState, provider: &str, notice: &PaymentNotice, now: i64) -> AppResult<Applied> {
    let mut tx = state.db.begin().await?;
    let applied = apply_in(&mut tx, state, provider, notice, now).await?;
    tx.commit().await?;
    Ok(applied)
}

/// [`apply`] inside the caller's transaction (finance's confirmation records who
/// confirmed in the same one).
pub async fn apply_in(
    tx: &mut Tx,
    state: &AppState,
    provider: &str,
    notice: &PaymentNotice,
    now: i64,
) -> AppResult<Applied> {
    let row: Option<(i64, i64, i64, String, i64)> = sqlx::query_as(
        "SELECT p.id, p.order_id, p.amount_fen, p.channel, o.registration_id
         FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.out_trade_no = $1 AND p.provider = $2",
    )
    .bind(&notice.out_trade_no)
    .bind(provider)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((payment_id, order_id, amount_fen, channel, registration_id)) = row else {
        return Err(unknown_order());
    };
    if amount_fen != notice.amount_fen {
        return Err(AppError::bad_request("金额不符"));
    }
    let succeeded = sqlx::query(
        "UPDATE payments SET status = 'succeeded', transaction_id = $1, succeeded_at = $2
         WHERE id = $3 AND status = 'pending'",
    )
    .bind(&notice.transaction_id)
    .bind(now)
    .bind(payment_id)
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
    .bind(&channel)
    .bind(order_id)
    .bind(OrderStatus::Unpaid.code())
    .bind(OrderStatus::AwaitingTransfer.code())
    .execute(&mut **tx)
    .await?;
    if paid.rows_affected() == 1 {
        let next = Status::AwaitingPayment
            .apply(Event::PaymentConfirmed)
            .map_err(|r| AppError::internal(r.message()))?;
        sqlx::query("UPDATE registrations SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(next.code())
            .bind(now)
            .bind(registration_id)
            .bind(Status::AwaitingPayment.code())
            .execute(&mut **tx)
            .await?;
        let (user_id, phone, title): (i64, Option<String>, String) = sqlx::query_as(
            "SELECT r.user_id, u.phone, c.title FROM registrations r JOIN users u ON u.id = r.user_id
             JOIN classes c ON c.id = r.class_id WHERE r.id = $1",
        )
        .bind(registration_id)
        .fetch_one(&mut **tx)
        .await?;
        let body = format!("您已成功报名“{title}”，缴费已到账。");
        messages::send(
            tx,
            state,
            user_id,
            phone.as_deref(),
            "报名成功",
            &body,
            &format!("/me/exams/{registration_id}"),
        )
        .await?;
    } else {
        // The money arrived for an order that is no longer open (closed after its
        // window, or paid another way): keep the payment, flag it for finance.
        tracing::error!(order_id, out_trade_no = %notice.out_trade_no, "payment succeeded for an order that is not open");
    }
    Ok(Applied::Now)
}
