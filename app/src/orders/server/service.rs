//! Closing an order whose payment window passed unpaid: the live payment closed at the
//! gateway first, then the order, its payments and the registration in one
//! transaction, the seat freed and the trainee told.

use super::repo;
use crate::{
    enrolment::{
        domain::{Event, Status},
        server::free_seat,
    },
    error::{AppError, AppResult},
    messages::server as messages,
    orders::domain::OrderStatus,
    payments::{domain::PaymentStatus, server::service as payments},
    platform::time::format_datetime,
    state::AppState,
};

#[derive(sqlx::FromRow)]
struct Closing {
    registration_id: i64,
    user_id: i64,
    order_no: String,
    expires_at: i64,
    class_id: i64,
    session_id: i64,
    title: String,
    phone: Option<String>,
}

/// Closes open orders whose window has passed: unpaid ones after their 48 hours, those
/// waiting for a bank transfer after the transfer window. The live payment is closed at
/// the gateway first (a payer who got there first has paid, and the order is paid
/// instead); then the order is 已关闭, its pending payments closed, the registration
/// 已过期 and its seat free again; the trainee is told. Each order in its own
/// transaction, conditional on still being open, so a payment arriving at the same
/// moment wins or loses cleanly (money arriving later is returned automatically).
/// Returns how many closed.
pub async fn close_expired(state: &AppState, now: i64) -> AppResult<usize> {
    let due = repo::due_to_close(state.db.reader(), now).await?;
    let mut closed = 0;
    for order_id in due {
        match close_one(state, order_id, now).await {
            Ok(true) => closed += 1,
            Ok(false) => {}
            // One order that cannot be closed now (the gateway unreachable…) must not
            // keep the others open; it is tried again on the next run.
            Err(err) => {
                tracing::warn!(order_id, error = %err.message, "expired order not closed; will try again")
            }
        }
    }
    Ok(closed)
}

async fn close_one(state: &AppState, order_id: i64, now: i64) -> AppResult<bool> {
    if payments::close_live(state, order_id, now).await? == payments::Closing::Paid {
        return Ok(false);
    }
    let expired =
        Status::AwaitingPayment.apply(Event::Expire).map_err(|r| AppError::internal(r.message()))?;
    let mut tx = state.db.begin().await?;
    let previous: Option<String> =
        sqlx::query_scalar(&format!("SELECT status FROM orders WHERE id = $1{}", state.db.row_lock()))
            .bind(order_id)
            .fetch_optional(&mut *tx)
            .await?;
    let by_transfer = previous.map(OrderStatus::try_from).transpose()? == Some(OrderStatus::AwaitingTransfer);
    let changed = sqlx::query(
        "UPDATE orders SET status = $1, closed_at = $2, updated_at = $2 WHERE id = $3 AND status IN ($4, $5) AND expires_at < $2",
    )
    .bind(OrderStatus::Closed.code())
    .bind(now)
    .bind(order_id)
    .bind(OrderStatus::Unpaid.code())
    .bind(OrderStatus::AwaitingTransfer.code())
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() != 1 {
        return Ok(false);
    }
    // A payment started at this very moment, or a transfer never confirmed: closed too.
    sqlx::query("UPDATE payments SET status = $1 WHERE order_id = $2 AND status = $3")
        .bind(PaymentStatus::Closed.code())
        .bind(order_id)
        .bind(PaymentStatus::Pending.code())
        .execute(&mut *tx)
        .await?;
    let c: Closing = sqlx::query_as(
        "SELECT r.id AS registration_id, r.user_id, o.order_no, o.expires_at, r.class_id, r.session_id, c.title, u.phone
         FROM orders o JOIN registrations r ON r.id = o.registration_id JOIN classes c ON c.id = r.class_id
         JOIN users u ON u.id = r.user_id WHERE o.id = $1",
    )
    .bind(order_id)
    .fetch_one(&mut *tx)
    .await?;
    let moved =
        sqlx::query("UPDATE registrations SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(expired.code())
            .bind(now)
            .bind(c.registration_id)
            .bind(Status::AwaitingPayment.code())
            .execute(&mut *tx)
            .await?;
    if moved.rows_affected() == 1 {
        free_seat(&mut tx, c.class_id, c.session_id).await?;
    }
    let body = if by_transfer {
        format!(
            "您报名“{}”的订单 {} 的线下转账未在 {} 前确认到账，订单已自动关闭，名额已释放。如已转账，款项将由财务原路退回；如仍需参加，请重新报名。",
            c.title,
            c.order_no,
            format_datetime(c.expires_at)
        )
    } else {
        format!(
            "您报名“{}”的订单 {} 未在 {} 前支付，已自动关闭，名额已释放。如仍需参加，请重新报名。",
            c.title,
            c.order_no,
            format_datetime(c.expires_at)
        )
    };
    messages::send(
        &mut tx,
        state,
        messages::Outgoing {
            user_id: c.user_id,
            phone: c.phone.as_deref(),
            title: "订单已关闭",
            body: &body,
            link: &format!("/me/exams/{}", c.registration_id),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
