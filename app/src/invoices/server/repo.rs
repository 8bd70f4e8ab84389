//! The SQL of invoices: the trainee's paid order, the covered orders of invoices, the
//! trainee's and finance's lists, and what the PDF and the downloads need.

use crate::{
    error::{AppError, AppResult},
    invoices::{
        api::{FinanceInvoice, MyInvoice},
        domain::InvoiceStatus,
    },
    orders::domain::OrderStatus,
    platform::{
        money::Fen,
        paging::{Page, limit_offset},
        server::db::{Db, Tx, placeholders},
    },
};
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
pub struct OwnOrderRow {
    pub id: i64,
    pub order_no: String,
    pub class_title: String,
    #[sqlx(try_from = "String")]
    pub status: OrderStatus,
    pub total_fen: Fen,
    pub refunded_fen: Fen,
}

/// The user's order of a registration, with what is still paid (paid less refunded).
pub struct OwnOrder {
    pub id: i64,
    pub order_no: String,
    pub class_title: String,
    pub status: OrderStatus,
    pub amount_fen: Fen,
}

/// The user's paid order of a registration: id, number, class, amount still paid.
pub async fn own_paid_order<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: i64,
    registration_id: i64,
) -> AppResult<OwnOrder> {
    let row: Option<OwnOrderRow> = sqlx::query_as(
        "SELECT o.id, o.order_no, c.title AS class_title, o.status, o.total_fen, o.refunded_fen FROM orders o
         JOIN registrations r ON r.id = o.registration_id JOIN classes c ON c.id = r.class_id
         WHERE o.registration_id = $1 AND r.user_id = $2",
    )
    .bind(registration_id)
    .bind(user_id)
    .fetch_optional(executor)
    .await?;
    let row = row.ok_or_else(|| AppError::not_found("订单不存在"))?;
    // Approving a refund reserves at most what is left, so this is never negative.
    let amount_fen = row
        .total_fen
        .checked_sub(row.refunded_fen)
        .ok_or_else(|| AppError::internal(format!("order {} refunded more than paid", row.id)))?;
    Ok(OwnOrder {
        id: row.id,
        order_no: row.order_no,
        class_title: row.class_title,
        status: row.status,
        amount_fen,
    })
}

pub async fn live_invoice_of(pool: &sqlx::AnyPool, order_id: i64) -> AppResult<Option<InvoiceStatus>> {
    let status: Option<String> = sqlx::query_scalar(
        "SELECT i.status FROM invoice_orders io JOIN invoices i ON i.id = io.invoice_id
         WHERE io.order_id = $1 AND io.live = 1",
    )
    .bind(order_id)
    .fetch_optional(pool)
    .await?;
    Ok(status.map(InvoiceStatus::try_from).transpose()?)
}

#[derive(sqlx::FromRow)]
pub struct JointContextRow {
    pub joint_invoice_note: String,
    pub unit_status: String,
}

#[derive(sqlx::FromRow)]
pub struct UnitRow {
    pub unit_id: Option<i64>,
    pub unit_status: String,
}

/// A colleague's order named for 同单位合开, with what is still paid on it.
#[derive(sqlx::FromRow)]
pub struct JointOrderRow {
    pub id: i64,
    pub user_id: i64,
    #[sqlx(try_from = "String")]
    pub status: OrderStatus,
    pub amount_fen: Fen,
    pub unit_id: i64,
    pub name: String,
}

/// The covered orders of several invoices in one query: `columns_and_from` is what
/// follows `SELECT io.invoice_id,` up to the `WHERE` (it must name `invoice_orders io`
/// and `orders o`); rows come in order number order.
pub async fn invoice_orders<T>(db: &Db, columns_and_from: &str, invoice_ids: &[i64]) -> AppResult<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    if invoice_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT io.invoice_id, {columns_and_from} WHERE io.invoice_id IN ({}) ORDER BY o.id",
        placeholders(1, invoice_ids.len())
    );
    let mut query = sqlx::query_as::<_, T>(&sql);
    for id in invoice_ids {
        query = query.bind(id);
    }
    Ok(query.fetch_all(db.reader()).await?)
}

#[derive(sqlx::FromRow)]
pub struct MyInvoiceRow {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub status: InvoiceStatus,
    pub title: String,
    pub amount_fen: Fen,
    pub invoice_no: String,
    pub issued_on: String,
    pub file_id: Option<String>,
    pub note: String,
    pub review_note: String,
    pub void_reason: String,
    pub applicant_id: i64,
    pub created_at: i64,
}

/// A covered order of an invoice and whose it is.
#[derive(sqlx::FromRow)]
pub struct CoveredOrderRow {
    pub invoice_id: i64,
    pub order_no: String,
    pub user_id: i64,
}

/// 发票下载: every invoice that covers one of the user's orders.
pub async fn mine(db: &Db, user_id: i64) -> AppResult<Vec<MyInvoice>> {
    let rows: Vec<MyInvoiceRow> = sqlx::query_as(
        "SELECT DISTINCT i.id, i.status, i.title, i.amount_fen, i.invoice_no, i.issued_on, i.file_id, i.note,
                i.review_note, i.void_reason, i.applicant_id, i.created_at
         FROM invoices i JOIN invoice_orders io ON io.invoice_id = i.id
         WHERE io.user_id = $1 ORDER BY i.created_at DESC, i.id DESC LIMIT 100",
    )
    .bind(user_id)
    .fetch_all(db.reader())
    .await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut orders_of: HashMap<i64, Vec<(String, i64)>> = HashMap::new();
    for covered in invoice_orders::<CoveredOrderRow>(
        db,
        "o.order_no, io.user_id FROM invoice_orders io JOIN orders o ON o.id = io.order_id",
        &ids,
    )
    .await?
    {
        orders_of.entry(covered.invoice_id).or_default().push((covered.order_no, covered.user_id));
    }
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let status = row.status;
        let orders = orders_of.remove(&row.id).unwrap_or_default();
        items.push(MyInvoice {
            id: row.id,
            status,
            title: row.title,
            amount_fen: row.amount_fen,
            invoice_no: row.invoice_no,
            issued_on: row.issued_on,
            download_url: row
                .file_id
                .filter(|_| status == InvoiceStatus::Issued)
                .map(|f| format!("/files/{f}")),
            my_orders: orders
                .iter()
                .filter(|(_, owner)| *owner == user_id)
                .map(|(no, _)| no.clone())
                .collect(),
            order_count: i64::try_from(orders.len()).unwrap_or(0),
            note: row.note,
            reason: if status == InvoiceStatus::Voided { row.void_reason } else { row.review_note },
            applied_by_me: row.applicant_id == user_id,
            created_at: row.created_at,
        });
    }
    Ok(items)
}

#[derive(sqlx::FromRow)]
pub struct FinanceInvoiceRow {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub status: InvoiceStatus,
    pub applicant: String,
    pub title: String,
    pub tax_number: String,
    pub email: String,
    pub amount_fen: Fen,
    pub note: String,
    pub invoice_no: String,
    pub issued_on: String,
    pub file_id: Option<String>,
    pub review_note: String,
    pub void_reason: String,
    pub created_at: i64,
}

/// A covered order of an invoice as finance reads it, with what is still paid on it.
#[derive(sqlx::FromRow)]
pub struct CoveredOrderLineRow {
    pub invoice_id: i64,
    pub order_no: String,
    pub name: String,
    pub class_title: String,
    pub amount_fen: Fen,
}

/// Finance's list, by status (empty: all), newest first within the page.
pub async fn queue(db: &Db, status: Option<InvoiceStatus>, page: u32) -> AppResult<Page<FinanceInvoice>> {
    let per_page = 20;
    let (limit, offset) = limit_offset(page, per_page);
    let code = status.map(InvoiceStatus::code).unwrap_or("");
    let pool = db.reader();
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invoices WHERE ($1 = '' OR status = $1)")
        .bind(code)
        .fetch_one(pool)
        .await?;
    let rows: Vec<FinanceInvoiceRow> = sqlx::query_as(
        "SELECT i.id, i.status, u.name AS applicant, i.title, i.tax_number, i.email, i.amount_fen, i.note, i.invoice_no, i.issued_on,
                i.file_id, i.review_note, i.void_reason, i.created_at
         FROM invoices i JOIN users u ON u.id = i.applicant_id WHERE ($1 = '' OR i.status = $1)
         ORDER BY i.created_at DESC, i.id DESC LIMIT $2 OFFSET $3",
    )
    .bind(code)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut orders_of: HashMap<i64, Vec<String>> = HashMap::new();
    for covered in invoice_orders::<CoveredOrderLineRow>(
        db,
        "o.order_no, u.name, c.title AS class_title, o.total_fen - o.refunded_fen AS amount_fen FROM invoice_orders io
         JOIN orders o ON o.id = io.order_id JOIN users u ON u.id = io.user_id
         JOIN registrations r ON r.id = o.registration_id JOIN classes c ON c.id = r.class_id",
        &ids,
    )
    .await?
    {
        let CoveredOrderLineRow { invoice_id, order_no, name, class_title, amount_fen } = covered;
        orders_of.entry(invoice_id).or_default().push(format!("{order_no} {name} {class_title} {amount_fen}"));
    }
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let status = row.status;
        items.push(FinanceInvoice {
            id: row.id,
            status,
            applicant: row.applicant,
            title: row.title,
            tax_number: row.tax_number,
            email: row.email,
            amount_fen: row.amount_fen,
            orders: orders_of.remove(&row.id).unwrap_or_default(),
            note: row.note,
            invoice_no: row.invoice_no,
            issued_on: row.issued_on,
            download_url: row.file_id.map(|f| format!("/files/{f}")),
            reason: if status == InvoiceStatus::Voided { row.void_reason } else { row.review_note },
            created_at: row.created_at,
        });
    }
    Ok(Page { items, page, per_page, total })
}

/// What the covered orders still amount to (paid less refunded).
pub async fn covered_amount(tx: &mut Tx, invoice_id: i64) -> AppResult<Fen> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(o.total_fen - o.refunded_fen), 0) AS BIGINT) FROM invoice_orders io
         JOIN orders o ON o.id = io.order_id WHERE io.invoice_id = $1",
    )
    .bind(invoice_id)
    .fetch_one(&mut **tx)
    .await?)
}

#[derive(sqlx::FromRow)]
pub struct DocumentHeadRow {
    pub title: String,
    pub tax_number: String,
    pub address: String,
    pub phone: String,
    pub bank_name: String,
    pub bank_account: String,
    pub note: String,
    pub amount_fen: Fen,
}

/// An order line of a covered order, with the class and what the order had refunded.
#[derive(sqlx::FromRow)]
pub struct DocumentLineRow {
    pub kind: String,
    pub class_title: String,
    pub amount_fen: Fen,
    pub order_no: String,
    pub refunded_fen: Fen,
}

#[derive(sqlx::FromRow)]
pub struct ClosingRow {
    #[sqlx(try_from = "String")]
    pub status: InvoiceStatus,
    pub invoice_no: String,
}

#[derive(sqlx::FromRow)]
pub struct CoveredPerson {
    pub id: i64,
    pub phone: Option<String>,
}

/// The state of the live invoice of a registration's order, if any.
pub async fn live_status_of_registration(db: &Db, registration_id: i64) -> AppResult<Option<InvoiceStatus>> {
    let status: Option<String> = sqlx::query_scalar(
        "SELECT i.status FROM invoice_orders io JOIN invoices i ON i.id = io.invoice_id
         JOIN orders o ON o.id = io.order_id WHERE o.registration_id = $1 AND io.live = 1",
    )
    .bind(registration_id)
    .fetch_optional(db.reader())
    .await?;
    Ok(status.map(InvoiceStatus::try_from).transpose()?)
}

/// Whether `user_id` is covered by the issued invoice whose PDF is `file_id`.
pub async fn covers_file(db: &Db, user_id: i64, file_id: &str) -> AppResult<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM invoices i JOIN invoice_orders io ON io.invoice_id = i.id
         WHERE i.file_id = $1 AND i.status = $2 AND io.user_id = $3",
    )
    .bind(file_id)
    .bind(InvoiceStatus::Issued.code())
    .bind(user_id)
    .fetch_one(db.reader())
    .await?;
    Ok(count > 0)
}
