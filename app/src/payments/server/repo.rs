//! The SQL of payments: the trainee's order as the pay page sees it, the order's live
//! payment, and the bank transfers waiting for finance.

use crate::{
    error::{AppError, AppResult},
    orders::domain::OrderStatus,
    payments::domain::{PaymentStatus, TRANSFER},
    platform::money::Fen,
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

pub async fn owned_order(pool: &sqlx::AnyPool, user_id: i64, registration_id: i64) -> AppResult<OwnedOrder> {
    sqlx::query_as(
        "SELECT o.id, o.order_no, o.status, o.total_fen, o.expires_at, c.title AS class_title
         FROM orders o JOIN registrations r ON r.id = o.registration_id JOIN classes c ON c.id = r.class_id
         WHERE o.registration_id = $1 AND r.user_id = $2",
    )
    .bind(registration_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::not_found("订单不存在"))
}

/// An order's status.
pub async fn order_status(pool: &sqlx::AnyPool, order_id: i64) -> AppResult<OrderStatus> {
    let status: String =
        sqlx::query_scalar("SELECT status FROM orders WHERE id = $1").bind(order_id).fetch_one(pool).await?;
    Ok(OrderStatus::try_from(status)?)
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

/// Marks a payment closed here, if it is still pending; money arriving for it later is
/// returned (see `apply`).
pub async fn mark_closed(pool: &sqlx::AnyPool, payment_id: i64) -> AppResult<()> {
    sqlx::query("UPDATE payments SET status = $1 WHERE id = $2 AND status = $3")
        .bind(PaymentStatus::Closed.code())
        .bind(payment_id)
        .bind(PaymentStatus::Pending.code())
        .execute(pool)
        .await?;
    Ok(())
}

/// A bank transfer waiting for finance.
#[derive(sqlx::FromRow)]
pub struct TransferRow {
    pub payment_id: i64,
    pub order_no: String,
    pub trainee: String,
    pub class_title: String,
    pub amount_fen: Fen,
    pub requested_at: i64,
}

/// The pending bank transfers, oldest first.
pub async fn pending_transfers(pool: &sqlx::AnyPool) -> AppResult<Vec<TransferRow>> {
    Ok(sqlx::query_as(
        "SELECT p.id AS payment_id, o.order_no, u.name AS trainee, c.title AS class_title, p.amount_fen,
                p.created_at AS requested_at FROM payments p
         JOIN orders o ON o.id = p.order_id JOIN registrations r ON r.id = o.registration_id
         JOIN users u ON u.id = r.user_id JOIN classes c ON c.id = r.class_id
         WHERE p.provider = $1 AND p.status = $2 ORDER BY p.created_at LIMIT 200",
    )
    .bind(TRANSFER)
    .bind(PaymentStatus::Pending.code())
    .fetch_all(pool)
    .await?)
}

/// A bank transfer as finance reviews it.
#[derive(sqlx::FromRow)]
pub struct ReviewRow {
    pub out_trade_no: String,
    pub amount_fen: Fen,
    #[sqlx(try_from = "String")]
    pub status: PaymentStatus,
    pub order_id: i64,
    pub order_no: String,
}

pub async fn transfer_for_review(pool: &sqlx::AnyPool, payment_id: i64) -> AppResult<Option<ReviewRow>> {
    Ok(sqlx::query_as(
        "SELECT p.out_trade_no, p.amount_fen, p.status, o.id AS order_id, o.order_no FROM payments p
         JOIN orders o ON o.id = p.order_id WHERE p.id = $1 AND p.provider = $2",
    )
    .bind(payment_id)
    .bind(TRANSFER)
    .fetch_optional(pool)
    .await?)
}

/// Who pays an order, to tell them.
#[derive(sqlx::FromRow)]
pub struct Payer {
    pub user_id: i64,
    pub phone: Option<String>,
    pub registration_id: i64,
}

pub async fn payer<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    order_id: i64,
) -> AppResult<Payer> {
    Ok(sqlx::query_as(
        "SELECT r.user_id, u.phone, r.id AS registration_id FROM orders o JOIN registrations r ON r.id = o.registration_id
         JOIN users u ON u.id = r.user_id WHERE o.id = $1",
    )
    .bind(order_id)
    .fetch_one(executor)
    .await?)
}
