//! The SQL of refunds: the refundable order, the trainee's and finance's lists, the
//! review decision and the settlement bookkeeping.

use crate::{
    accounts::domain::roles::CurrentUser,
    enrolment::domain::{Event, Status},
    error::{AppError, AppResult},
    invoices::domain::InvoiceStatus,
    orders::{domain::OrderStatus, server as orders},
    payments::domain::{PaymentStatus, TRANSFER},
    platform::{
        money::Fen,
        server::db::{Db, Tx},
    },
    refunds::{
        api::{FinanceRefund, MyRefund},
        domain::{RefundKind, RefundStatus, Refundable, settle_retry_delay_ms},
    },
};

/// A paid order of the user's registration, with what a refund may take.
pub struct RefundableOrder {
    pub order_id: i64,
    pub order_no: String,
    pub status: Status,
    pub refundable: Refundable,
    pub payment_id: i64,
}

#[derive(sqlx::FromRow)]
pub struct RefundableOrderRow {
    pub order_id: i64,
    pub order_no: String,
    #[sqlx(try_from = "String")]
    pub order_status: OrderStatus,
    pub total_fen: Fen,
    pub refunded_fen: Fen,
    #[sqlx(try_from = "String")]
    pub registration_status: Status,
    pub ends_on: String,
}

pub async fn refundable_order(
    tx: &mut Tx,
    user_id: i64,
    registration_id: i64,
    today: &str,
) -> AppResult<RefundableOrder> {
    let row: Option<RefundableOrderRow> = sqlx::query_as(
        "SELECT o.id AS order_id, o.order_no, o.status AS order_status, o.total_fen, o.refunded_fen,
                r.status AS registration_status, s.ends_on
         FROM registrations r JOIN orders o ON o.registration_id = r.id
         JOIN class_sessions s ON s.id = r.session_id WHERE r.id = $1 AND r.user_id = $2",
    )
    .bind(registration_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    let row = row.ok_or_else(|| AppError::not_found("订单不存在"))?;
    let order_id = row.order_id;
    let status = row.registration_status.effective(row.ends_on.as_str() < today);
    if row.order_status != OrderStatus::Paid {
        return Err(AppError::conflict("该订单未支付，不能申请退款"));
    }
    let payment_id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM payments WHERE order_id = $1 AND status = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(order_id)
    .bind(PaymentStatus::Succeeded.code())
    .fetch_optional(&mut **tx)
    .await?;
    let payment_id = payment_id
        .ok_or_else(|| AppError::internal(format!("paid order {order_id} has no succeeded payment")))?;
    let lines = orders::lines(&mut **tx, order_id).await?;
    let lodging_refunded: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM refunds WHERE order_id = $1 AND kind = $2 AND status IN ($3, $4)",
    )
    .bind(order_id)
    .bind(RefundKind::Partial.code())
    .bind(RefundStatus::Processing.code())
    .bind(RefundStatus::Succeeded.code())
    .fetch_one(&mut **tx)
    .await?;
    let refundable = Refundable::from_lines(&lines, row.total_fen, row.refunded_fen, lodging_refunded > 0)
        .ok_or_else(|| AppError::internal(format!("order {order_id}: accommodation lines overflow")))?;
    Ok(RefundableOrder { order_id, order_no: row.order_no, status, refundable, payment_id })
}

/// Whether the trainee has begun studying the online class of this registration (an
/// online class is "attended" from its first watched minute).
pub async fn study_started(tx: &mut Tx, user_id: i64, registration_id: i64) -> AppResult<bool> {
    let started: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM course_selections s JOIN registrations r ON r.class_id = s.class_id AND r.user_id = s.user_id
         WHERE r.id = $1 AND s.user_id = $2 AND s.started_at IS NOT NULL",
    )
    .bind(registration_id)
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(started > 0)
}

#[derive(sqlx::FromRow)]
pub struct MyRefundRow {
    #[sqlx(try_from = "String")]
    pub kind: RefundKind,
    pub amount_fen: Fen,
    pub reason: String,
    #[sqlx(try_from = "String")]
    pub status: RefundStatus,
    pub review_note: String,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

/// The trainee's refunds of one registration, newest first.
pub async fn mine(db: &Db, user_id: i64, registration_id: i64) -> AppResult<Vec<MyRefund>> {
    let rows: Vec<MyRefundRow> = sqlx::query_as(
        "SELECT kind, amount_fen, reason, status, review_note, created_at, completed_at FROM refunds
         WHERE registration_id = $1 AND user_id = $2 ORDER BY id DESC",
    )
    .bind(registration_id)
    .bind(user_id)
    .fetch_all(db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| MyRefund {
            kind: row.kind,
            amount_fen: row.amount_fen,
            reason: row.reason,
            status: row.status,
            review_note: row.review_note,
            created_at: row.created_at,
            completed_at: row.completed_at,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
pub struct FinanceRefundRow {
    pub id: i64,
    pub order_no: String,
    pub trainee: String,
    pub class_title: String,
    #[sqlx(try_from = "String")]
    pub kind: RefundKind,
    pub amount_fen: Fen,
    pub reason: String,
    #[sqlx(try_from = "String")]
    pub status: RefundStatus,
    pub provider: String,
    pub paid_fen: Fen,
    pub created_at: i64,
    pub completed_at: Option<i64>,
    pub attempts: i64,
    pub last_error: String,
    pub next_attempt_at: Option<i64>,
    pub invoiced: i64,
}

impl From<FinanceRefundRow> for FinanceRefund {
    fn from(row: FinanceRefundRow) -> Self {
        FinanceRefund {
            id: row.id,
            order_no: row.order_no,
            trainee: row.trainee,
            class_title: row.class_title,
            kind: row.kind,
            amount_fen: row.amount_fen,
            paid_fen: row.paid_fen,
            reason: row.reason,
            status: row.status,
            by_transfer: row.provider == TRANSFER,
            invoice_issued: row.invoiced > 0,
            created_at: row.created_at,
            completed_at: row.completed_at,
            attempts: row.attempts,
            last_error: row.last_error,
            next_attempt_at: row.next_attempt_at,
        }
    }
}

pub fn finance_refunds(filter: &str) -> String {
    format!(
        "SELECT f.id, o.order_no, u.name AS trainee, c.title AS class_title, f.kind, f.amount_fen, f.reason, f.status,
                p.provider, o.total_fen AS paid_fen, f.created_at, f.completed_at, f.attempts, f.last_error,
                f.next_attempt_at, {} AS invoiced
         FROM refunds f JOIN orders o ON o.id = f.order_id JOIN users u ON u.id = f.user_id
         JOIN registrations r ON r.id = f.registration_id JOIN classes c ON c.id = r.class_id
         JOIN payments p ON p.id = f.payment_id
         {filter}",
        issued_invoices_of("o.id", "$1")
    )
}

/// Finance's list: refunds waiting for review and those on their way at the gateway
/// (automatic returns among them).
pub async fn queue(db: &Db) -> AppResult<Vec<FinanceRefund>> {
    let rows: Vec<FinanceRefundRow> =
        sqlx::query_as(&finance_refunds("WHERE f.status IN ($2, $3) ORDER BY f.created_at LIMIT 200"))
            .bind(InvoiceStatus::Issued.code())
            .bind(RefundStatus::Review.code())
            .bind(RefundStatus::Processing.code())
            .fetch_all(db.reader())
            .await?;
    Ok(rows.into_iter().map(FinanceRefund::from).collect())
}

/// The refunds that reached an end most recently (paid back, refused, failed), newest
/// first: what finance checks against the gateway's statement.
pub async fn recent(db: &Db) -> AppResult<Vec<FinanceRefund>> {
    let rows: Vec<FinanceRefundRow> = sqlx::query_as(&finance_refunds(
        "WHERE f.status IN ($2, $3, $4) ORDER BY f.completed_at DESC, f.id DESC LIMIT 50",
    ))
    .bind(InvoiceStatus::Issued.code())
    .bind(RefundStatus::Succeeded.code())
    .bind(RefundStatus::Rejected.code())
    .bind(RefundStatus::Failed.code())
    .fetch_all(db.reader())
    .await?;
    Ok(rows.into_iter().map(FinanceRefund::from).collect())
}

/// How many issued (not voided) invoices cover an order: a subquery on `order_column`
/// with the issued status bound at `status_param`.
pub fn issued_invoices_of(order_column: &str, status_param: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM invoice_orders io JOIN invoices i ON i.id = io.invoice_id
          WHERE io.order_id = {order_column} AND io.live = 1 AND i.status = {status_param})"
    )
}

/// Whether the order is on an issued (not voided) invoice.
pub async fn live_issued_invoice<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    order_no: &str,
) -> AppResult<bool> {
    let count: i64 = sqlx::query_scalar(&format!(
        "SELECT {} FROM orders o WHERE o.order_no = $1",
        issued_invoices_of("o.id", "$2")
    ))
    .bind(order_no)
    .bind(InvoiceStatus::Issued.code())
    .fetch_one(executor)
    .await?;
    Ok(count > 0)
}

/// What a refund needs to be sent to (or asked about at) the gateway.
#[derive(sqlx::FromRow)]
pub struct Settling {
    pub id: i64,
    pub order_id: i64,
    pub registration_id: i64,
    pub order_no: String,
    pub amount_fen: Fen,
    #[sqlx(try_from = "String")]
    pub kind: RefundKind,
    #[sqlx(try_from = "String")]
    pub status: RefundStatus,
    pub out_refund_no: String,
    pub out_trade_no: String,
    pub provider: String,
    pub reason: String,
    pub reviewed_at: Option<i64>,
    pub attempts: i64,
}

pub const SETTLING: &str =
    "SELECT f.id, f.order_id, f.registration_id, o.order_no, f.amount_fen, f.kind, f.status,
        f.out_refund_no, p.out_trade_no, p.provider, f.reason, f.reviewed_at, f.attempts
    FROM refunds f JOIN orders o ON o.id = f.order_id JOIN payments p ON p.id = f.payment_id";

pub async fn settling<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    refund_id: i64,
) -> AppResult<Settling> {
    sqlx::query_as::<_, Settling>(&format!("{SETTLING} WHERE f.id = $1"))
        .bind(refund_id)
        .fetch_optional(executor)
        .await?
        .ok_or_else(|| AppError::not_found("退款申请不存在"))
}

pub const ALREADY_DECIDED: &str = "该退款申请已被处理，请刷新页面查看结果";

/// The review decision as one conditional transition out of 退款审核中: of two
/// decisions racing (two 同意, or 同意 against 驳回), exactly one changes the row; the
/// other is told so and changes nothing.
pub async fn decide(
    tx: &mut Tx,
    refund_id: i64,
    to: RefundStatus,
    finance: &CurrentUser,
    note: &str,
    now: i64,
) -> AppResult<()> {
    let completed_at = (to != RefundStatus::Processing).then_some(now);
    let decided = sqlx::query(
        "UPDATE refunds SET status = $1, review_note = $2, reviewed_by = $3, reviewed_at = $4, completed_at = $5
         WHERE id = $6 AND status = $7",
    )
    .bind(to.code())
    .bind(note)
    .bind(finance.id)
    .bind(now)
    .bind(completed_at)
    .bind(refund_id)
    .bind(RefundStatus::Review.code())
    .execute(&mut **tx)
    .await?;
    if decided.rows_affected() != 1 {
        return Err(AppError::conflict(ALREADY_DECIDED));
    }
    Ok(())
}

/// A settlement try that did not get through: counted on the refund, with the error
/// finance reads and when to try again.
pub async fn record_attempt(db: &Db, r: &Settling, error: &str, now: i64) -> AppResult<()> {
    let attempts = r.attempts + 1;
    sqlx::query(
        "UPDATE refunds SET attempts = $1, last_error = $2, next_attempt_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(attempts)
    .bind(error)
    .bind(now + settle_retry_delay_ms(attempts))
    .bind(r.id)
    .bind(RefundStatus::Processing.code())
    .execute(db.writer())
    .await?;
    Ok(())
}

pub async fn move_registration(tx: &mut Tx, registration_id: i64, event: Event, now: i64) -> AppResult<()> {
    let status: String = sqlx::query_scalar("SELECT status FROM registrations WHERE id = $1")
        .bind(registration_id)
        .fetch_one(&mut **tx)
        .await?;
    let from = Status::try_from(status)?;
    let next = from.apply(event).map_err(|r| AppError::conflict(r.message()))?;
    sqlx::query("UPDATE registrations SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
        .bind(next.code())
        .bind(now)
        .bind(registration_id)
        .bind(from.code())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
