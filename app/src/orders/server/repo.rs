//! The SQL of orders: opening one (with its lines) in the transaction that moves a
//! registration to 待支付, reading a registration's order, and the orders due to close.

use crate::{
    error::{AppError, AppResult},
    orders::domain::{OrderLine, OrderStatus, PAYMENT_WINDOW_MS, lines_for, order_number, total},
    platform::{money::Fen, server::db::Tx, time::format_date},
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
    insert_lines(tx, order_id, &lines).await?;
    Ok(order_no)
}

/// Writes an order's lines (fee, accommodation) inside `tx`.
pub async fn insert_lines(tx: &mut Tx, order_id: i64, lines: &[OrderLine]) -> Result<(), sqlx::Error> {
    for line in lines {
        sqlx::query("INSERT INTO order_lines (order_id, kind, label, amount_fen) VALUES ($1, $2, $3, $4)")
            .bind(order_id)
            .bind(&line.kind)
            .bind(&line.label)
            .bind(line.amount_fen)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
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

/// The open orders whose window has passed (at most 200, the oldest first).
pub async fn due_to_close(pool: &sqlx::AnyPool, now: i64) -> AppResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM orders WHERE status IN ($1, $2) AND expires_at < $3 ORDER BY expires_at LIMIT 200",
    )
    .bind(OrderStatus::Unpaid.code())
    .bind(OrderStatus::AwaitingTransfer.code())
    .bind(now)
    .fetch_all(pool)
    .await?)
}
