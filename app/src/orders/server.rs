//! Orders in the database: made in the transaction that moves a registration to
//! 待支付, closed (with the seat freed) when their payment window passes unpaid.

use super::domain::{OrderLine, OrderStatus, PAYMENT_WINDOW_MS, lines_for, order_number, total};
use crate::state::AppState;
use crate::{
    enrolment::{
        domain::{Event, Status},
        server::free_seat,
    },
    error::{AppError, AppResult},
    messages::server as messages,
    payments::domain::PaymentStatus,
    platform::{
        money::Fen,
        server::db::Tx,
        time::{format_date, format_datetime},
    },
};
use rand::RngCore;

/// Opens the order of a registration that has just reached 待支付, inside `tx`.
pub async fn open_for_registration(
    tx: &mut Tx,
    registration_id: i64,
    user_id: i64,
    fee_fen: Fen,
    lodging: Option<(&str, Fen)>,
    now: i64,
) -> AppResult<String> {
    let lines = lines_for(fee_fen, lodging);
    let total_fen = total(&lines).ok_or_else(|| AppError::internal("order total overflows"))?;
    let order_no = order_number(&format_date(now), rand::rng().next_u64());
    let order_id: i64 = sqlx::query_scalar(
        "INSERT INTO orders (order_no, registration_id, user_id, status, total_fen, expires_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(&order_no)
    .bind(registration_id)
    .bind(user_id)
    .bind(OrderStatus::Unpaid.code())
    .bind(total_fen)
    .bind(now + PAYMENT_WINDOW_MS)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    for line in &lines {
        sqlx::query("INSERT INTO order_lines (order_id, kind, label, amount_fen) VALUES ($1, $2, $3, $4)")
            .bind(order_id)
            .bind(&line.kind)
            .bind(&line.label)
            .bind(line.amount_fen)
            .execute(&mut **tx)
            .await?;
    }
    Ok(order_no)
}

#[derive(sqlx::FromRow)]
struct LineRow {
    kind: String,
    label: String,
    amount_fen: Fen,
}

/// The lines of an order, in their order.
pub async fn lines<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    order_id: i64,
) -> AppResult<Vec<OrderLine>> {
    let rows: Vec<LineRow> =
        sqlx::query_as("SELECT kind, label, amount_fen FROM order_lines WHERE order_id = $1 ORDER BY id")
            .bind(order_id)
            .fetch_all(executor)
            .await?;
    Ok(rows
        .into_iter()
        .map(|row| OrderLine { kind: row.kind, label: row.label, amount_fen: row.amount_fen })
        .collect())
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: i64,
    order_no: String,
    expires_at: i64,
    #[sqlx(try_from = "String")]
    status: OrderStatus,
}

/// A registration's order, as the pay page shows it.
#[derive(Debug, Clone)]
pub struct RegistrationOrder {
    pub order_no: String,
    pub expires_at: i64,
    pub status: OrderStatus,
    pub lines: Vec<OrderLine>,
}

/// The order of a registration: number, expiry, status and lines.
pub async fn for_registration(
    pool: &sqlx::AnyPool,
    registration_id: i64,
) -> AppResult<Option<RegistrationOrder>> {
    let row: Option<OrderRow> =
        sqlx::query_as("SELECT id, order_no, expires_at, status FROM orders WHERE registration_id = $1")
            .bind(registration_id)
            .fetch_optional(pool)
            .await?;
    let Some(row) = row else { return Ok(None) };
    let lines = lines(pool, row.id).await?;
    Ok(Some(RegistrationOrder {
        order_no: row.order_no,
        expires_at: row.expires_at,
        status: row.status,
        lines,
    }))
}

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
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM orders WHERE status IN ($1, $2) AND expires_at < $3 ORDER BY expires_at LIMIT 200",
    )
    .bind(OrderStatus::Unpaid.code())
    .bind(OrderStatus::AwaitingTransfer.code())
    .bind(now)
    .fetch_all(state.db.reader())
    .await?;
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
    if crate::payments::server::service::close_live(state, order_id, now).await?
        == crate::payments::server::service::Closing::Paid
    {
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
