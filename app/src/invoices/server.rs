//! Invoices in the database. An application and the orders it claims are written in
//! one transaction; a partial unique index keeps an order on at most one live
//! invoice, so two applications for the same order cannot both succeed.

use super::{
    ApplyContext, FinanceInvoice, MyInvoice,
    domain::{
        Application, ApplicationInput, InvoiceAction, InvoiceStatus, coverage_note, validate_application,
        validate_invoice_number, validate_reason,
    },
    pdf::{InvoiceDocument, InvoiceItem},
};
use crate::state::AppState;
use crate::{
    accounts::{invoice_rules::InvoiceTitle, roles::CurrentUser, server::profile},
    error::{AppError, AppResult},
    messages::server as messages,
    orders::domain::OrderStatus,
    platform::{
        money::Fen,
        paging::{Page, limit_offset},
        server::{
            audit::{self, AuditEntry},
            db::{Tx, is_unique_violation, placeholders},
            files::{self, Upload},
            storage::FileKind,
        },
        time::check_date,
    },
    units::domain::UnitStatus,
};
use bytes::Bytes;
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
struct OwnOrderRow {
    id: i64,
    order_no: String,
    class_title: String,
    #[sqlx(try_from = "String")]
    status: OrderStatus,
    total_fen: Fen,
    refunded_fen: Fen,
}

/// The user's order of a registration, with what is still paid (paid less refunded).
struct OwnOrder {
    id: i64,
    order_no: String,
    class_title: String,
    status: OrderStatus,
    amount_fen: Fen,
}

/// The user's paid order of a registration: id, number, class, amount still paid.
async fn own_paid_order<'e>(
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

async fn live_invoice_of(pool: &sqlx::AnyPool, order_id: i64) -> AppResult<Option<InvoiceStatus>> {
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
struct JointContextRow {
    joint_invoice_note: String,
    unit_status: String,
}

pub async fn apply_context(state: &AppState, user_id: i64, registration_id: i64) -> AppResult<ApplyContext> {
    let pool = state.db.reader();
    let order = own_paid_order(pool, user_id, registration_id).await?;
    let joint: JointContextRow = sqlx::query_as(
        "SELECT r.joint_invoice_note, u.unit_status FROM registrations r JOIN users u ON u.id = r.user_id
         WHERE r.id = $1",
    )
    .bind(registration_id)
    .fetch_one(pool)
    .await?;
    let refusal = if order.status == OrderStatus::Refunded || order.amount_fen == Fen::ZERO {
        Some("该订单已全部退款，无需开票".to_owned())
    } else if order.status != OrderStatus::Paid {
        Some("订单支付成功后才能申请开票".to_owned())
    } else {
        live_invoice_of(pool, order.id)
            .await?
            .map(|live| format!("该订单已申请开票（{}），可在“发票下载”中查看", live.label()))
    };
    Ok(ApplyContext {
        registration_id,
        class_title: order.class_title,
        order_no: order.order_no,
        amount_fen: order.amount_fen,
        titles: profile::invoice_titles(state, user_id).await?,
        joint_note: joint.joint_invoice_note,
        in_unit: joint.unit_status == UnitStatus::Approved.code(),
        refusal,
    })
}

/// The title an application uses: a saved one of the user's, or the one typed.
pub async fn chosen_title(
    state: &AppState,
    user_id: i64,
    saved_title_id: Option<i64>,
    typed: InvoiceTitle,
) -> AppResult<InvoiceTitle> {
    match saved_title_id {
        Some(id) => profile::invoice_titles(state, user_id)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| AppError::invalid_field("title_id", "请选择发票抬头")),
        None => Ok(typed),
    }
}

#[derive(sqlx::FromRow)]
struct UnitRow {
    unit_id: Option<i64>,
    unit_status: String,
}

/// A colleague's order named for 同单位合开, with what is still paid on it.
#[derive(sqlx::FromRow)]
struct JointOrderRow {
    id: i64,
    user_id: i64,
    #[sqlx(try_from = "String")]
    status: OrderStatus,
    amount_fen: Fen,
    unit_id: i64,
    name: String,
}

/// 申请开票: one transaction for the invoice and the orders it claims.
pub async fn apply(
    state: &AppState,
    user: &CurrentUser,
    registration_id: i64,
    input: &ApplicationInput,
    save_title: bool,
    now: i64,
) -> AppResult<i64> {
    let application: Application = validate_application(input)?;
    if save_title && application.title.id == 0 {
        let known = profile::invoice_titles(state, user.id)
            .await?
            .into_iter()
            .any(|t| t.title == application.title.title && t.tax_number == application.title.tax_number);
        if !known {
            // Saved before the application's transaction: a title is useful either way.
            profile::save_invoice_title(state, user.id, &application.title, now).await?;
        }
    }
    let mut tx = state.db.begin().await?;
    let order = own_paid_order(&mut *tx, user.id, registration_id).await?;
    if order.status == OrderStatus::Refunded || order.amount_fen == Fen::ZERO {
        return Err(AppError::conflict("该订单已全部退款，无需开票"));
    }
    if order.status != OrderStatus::Paid {
        return Err(AppError::conflict("订单支付成功后才能申请开票"));
    }
    let order_no = order.order_no;
    let mut covered = vec![(order.id, user.id, order_no.clone(), user.name.clone())];
    let mut total = order.amount_fen;
    if !application.joint_orders.is_empty() {
        let unit: Option<UnitRow> = sqlx::query_as("SELECT unit_id, unit_status FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_optional(&mut *tx)
            .await?;
        let unit_id = match unit {
            Some(UnitRow { unit_id: Some(unit_id), unit_status })
                if unit_status == UnitStatus::Approved.code() =>
            {
                unit_id
            }
            _ => return Err(AppError::invalid_field("joint_orders", "加入单位并通过审核后才能同单位合开")),
        };
        for number in &application.joint_orders {
            if *number == order_no {
                continue;
            }
            let row: Option<JointOrderRow> = sqlx::query_as(
                "SELECT o.id, o.user_id, o.status, o.total_fen - o.refunded_fen AS amount_fen,
                        COALESCE(u.unit_id, 0) AS unit_id, u.name
                 FROM orders o JOIN users u ON u.id = o.user_id
                 WHERE o.order_no = $1 AND u.unit_status = $2",
            )
            .bind(number)
            .bind(UnitStatus::Approved.code())
            .fetch_optional(&mut *tx)
            .await?;
            // Another unit's order answers like an unknown one.
            let Some(other) = row.filter(|other| other.unit_id == unit_id) else {
                return Err(AppError::invalid_field(
                    "joint_orders",
                    format!("订单号“{number}”不是本单位人员的订单"),
                ));
            };
            if other.status != OrderStatus::Paid || other.amount_fen == Fen::ZERO {
                return Err(AppError::invalid_field("joint_orders", format!("订单“{number}”未支付或已退款")));
            }
            total = total
                .checked_add(other.amount_fen)
                .ok_or_else(|| AppError::internal("invoice total overflows"))?;
            covered.push((other.id, other.user_id, number.clone(), other.name));
        }
    }
    let names: Vec<String> = {
        let mut names: Vec<String> = Vec::new();
        for (_, _, _, name) in &covered {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    };
    let title = &application.title;
    let invoice_id: i64 = sqlx::query_scalar(
        "INSERT INTO invoices (applicant_id, title, tax_number, address, phone, bank_name, bank_account, email, note,
                               amount_fen, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(user.id)
    .bind(&title.title)
    .bind(&title.tax_number)
    .bind(&title.address)
    .bind(&title.phone)
    .bind(&title.bank_name)
    .bind(&title.bank_account)
    .bind(&application.email)
    .bind(coverage_note(&names, &application.note))
    .bind(total)
    .bind(InvoiceStatus::Requested.code())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for (order_id, user_id, number, _) in &covered {
        let claimed = sqlx::query(
            "INSERT INTO invoice_orders (invoice_id, order_id, user_id, live) VALUES ($1, $2, $3, 1)",
        )
        .bind(invoice_id)
        .bind(order_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await;
        match claimed {
            Err(err) if is_unique_violation(&err) => {
                let field = if *number == order_no { "title" } else { "joint_orders" };
                return Err(AppError::invalid_field(field, format!("订单“{number}”已申请开票")));
            }
            other => {
                other?;
            }
        }
    }
    tx.commit().await?;
    Ok(invoice_id)
}

/// The covered orders of several invoices in one query: `columns_and_from` is what
/// follows `SELECT io.invoice_id,` up to the `WHERE` (it must name `invoice_orders io`
/// and `orders o`); rows come in order number order.
async fn invoice_orders<T>(state: &AppState, columns_and_from: &str, invoice_ids: &[i64]) -> AppResult<Vec<T>>
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
    Ok(query.fetch_all(state.db.reader()).await?)
}

#[derive(sqlx::FromRow)]
struct MyInvoiceRow {
    id: i64,
    #[sqlx(try_from = "String")]
    status: InvoiceStatus,
    title: String,
    amount_fen: Fen,
    invoice_no: String,
    issued_on: String,
    file_id: Option<String>,
    note: String,
    review_note: String,
    void_reason: String,
    applicant_id: i64,
    created_at: i64,
}

/// A covered order of an invoice and whose it is.
#[derive(sqlx::FromRow)]
struct CoveredOrderRow {
    invoice_id: i64,
    order_no: String,
    user_id: i64,
}

/// 发票下载: every invoice that covers one of the user's orders.
pub async fn mine(state: &AppState, user_id: i64) -> AppResult<Vec<MyInvoice>> {
    let rows: Vec<MyInvoiceRow> = sqlx::query_as(
        "SELECT DISTINCT i.id, i.status, i.title, i.amount_fen, i.invoice_no, i.issued_on, i.file_id, i.note,
                i.review_note, i.void_reason, i.applicant_id, i.created_at
         FROM invoices i JOIN invoice_orders io ON io.invoice_id = i.id
         WHERE io.user_id = $1 ORDER BY i.created_at DESC, i.id DESC LIMIT 100",
    )
    .bind(user_id)
    .fetch_all(state.db.reader())
    .await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut orders_of: HashMap<i64, Vec<(String, i64)>> = HashMap::new();
    for covered in invoice_orders::<CoveredOrderRow>(
        state,
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
struct FinanceInvoiceRow {
    id: i64,
    #[sqlx(try_from = "String")]
    status: InvoiceStatus,
    applicant: String,
    title: String,
    tax_number: String,
    email: String,
    amount_fen: Fen,
    note: String,
    invoice_no: String,
    issued_on: String,
    file_id: Option<String>,
    review_note: String,
    void_reason: String,
    created_at: i64,
}

/// A covered order of an invoice as finance reads it, with what is still paid on it.
#[derive(sqlx::FromRow)]
struct CoveredOrderLineRow {
    invoice_id: i64,
    order_no: String,
    name: String,
    class_title: String,
    amount_fen: Fen,
}

/// Finance's list, by status (empty: all), newest first within the page.
pub async fn queue(
    state: &AppState,
    status: Option<InvoiceStatus>,
    page: u32,
) -> AppResult<Page<FinanceInvoice>> {
    let per_page = 20;
    let (limit, offset) = limit_offset(page, per_page);
    let code = status.map(InvoiceStatus::code).unwrap_or("");
    let pool = state.db.reader();
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
        state,
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

/// How finance supplies the PDF when issuing.
pub enum IssuedPdf {
    /// Drawn by the platform from the order data.
    Generate,
    /// The tax system's PDF, uploaded.
    Upload { filename: String, bytes: Bytes },
}

#[derive(sqlx::FromRow)]
struct IssuingRow {
    #[sqlx(try_from = "String")]
    status: InvoiceStatus,
    amount_fen: Fen,
    email: String,
    title: String,
}

/// 开具: number, date and PDF; every covered trainee is told (and the e-mail address
/// given, if any, gets the invoice notice).
pub async fn issue(
    state: &AppState,
    finance: &CurrentUser,
    invoice_id: i64,
    invoice_no: &str,
    issued_on: &str,
    pdf: IssuedPdf,
    ip: &str,
) -> AppResult<()> {
    let now = crate::platform::time::now_ms();
    let invoice_no =
        validate_invoice_number(invoice_no).map_err(|e| AppError::invalid_field("invoice_no", e))?;
    check_date(issued_on).map_err(|e| AppError::invalid_field("issued_on", e))?;
    let (bytes, filename) = match pdf {
        IssuedPdf::Upload { filename, bytes } => (bytes, filename),
        IssuedPdf::Generate => {
            let document = document_for(state, invoice_id, &invoice_no, issued_on, &finance.name).await?;
            let bytes = super::pdf::render(&state.pdf_font, document).await?;
            (Bytes::from(bytes), format!("发票{invoice_no}.pdf"))
        }
    };
    // The PDF is stored before the transaction (the writer is not held while it is
    // written) and deleted again if the issue does not commit.
    let file = files::put(
        &state.storage,
        Upload {
            purpose: "invoice",
            filename: &filename,
            bytes,
            max_bytes: state.config.upload_limit_bytes,
            accepted: &[FileKind::Pdf],
            owner_user_id: finance.id,
        },
    )
    .await?;
    let outcome = async {
        let mut tx = state.db.begin().await?;
        let IssuingRow { status, amount_fen, email, title } =
            sqlx::query_as("SELECT status, amount_fen, email, title FROM invoices WHERE id = $1")
                .bind(invoice_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| AppError::not_found("发票申请不存在"))?;
        status.apply(InvoiceAction::Issue).map_err(AppError::conflict)?;
        // The covered orders are locked (PostgreSQL), so a refund approved at this moment
        // either waits and then finds the invoice issued, or went first and shows below.
        sqlx::query(&format!(
            "SELECT id FROM orders WHERE id IN (SELECT order_id FROM invoice_orders WHERE invoice_id = $1) ORDER BY id{}",
            state.db.row_lock()
        ))
        .bind(invoice_id)
        .fetch_all(&mut *tx)
        .await?;
        if covered_amount(&mut tx, invoice_id).await? != amount_fen {
            return Err(AppError::conflict("订单金额在申请后发生变化（有退款），请驳回后由学员重新申请"));
        }
        files::record(&mut tx, &file).await?;
        let updated = sqlx::query(
            "UPDATE invoices SET status = $1, invoice_no = $2, issued_on = $3, file_id = $4, reviewed_by = $5,
                 issued_at = $6, updated_at = $6 WHERE id = $7 AND status = $8",
        )
        .bind(InvoiceStatus::Issued.code())
        .bind(&invoice_no)
        .bind(issued_on)
        .bind(&file.record.id)
        .bind(finance.id)
        .bind(now)
        .bind(invoice_id)
        .bind(InvoiceStatus::Requested.code())
        .execute(&mut *tx)
        .await;
        match updated {
            Err(err) if is_unique_violation(&err) => {
                return Err(AppError::invalid_field("invoice_no", "该发票号码已使用"));
            }
            Err(err) => return Err(err.into()),
            Ok(done) if done.rows_affected() != 1 => return Err(AppError::conflict("该发票申请已处理")),
            Ok(_) => {}
        }
        let body = format!("您申请的发票（{title}，{amount_fen}）已开具，发票号码 {invoice_no}，可在“发票下载”中下载。");
        tell_covered(&mut tx, state, invoice_id, "发票已开具", &body, now).await?;
        if !email.is_empty() {
            state.messenger.email(&mut tx, &email, &format!("电子发票 {invoice_no}"), &body).await?;
        }
        audit::record(
            &mut tx,
            AuditEntry {
                actor_user_id: finance.id,
                action: "开具发票",
                object_type: "invoice",
                object_id: invoice_id.to_string(),
                detail: format!("{invoice_no} {issued_on} {amount_fen}"),
                ip, at: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if outcome.is_err() {
        files::discard(&state.storage, &file.record).await;
    }
    outcome
}

/// What the covered orders still amount to (paid less refunded).
async fn covered_amount(tx: &mut Tx, invoice_id: i64) -> AppResult<Fen> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(o.total_fen - o.refunded_fen), 0) AS BIGINT) FROM invoice_orders io
         JOIN orders o ON o.id = io.order_id WHERE io.invoice_id = $1",
    )
    .bind(invoice_id)
    .fetch_one(&mut **tx)
    .await?)
}

#[derive(sqlx::FromRow)]
struct DocumentHeadRow {
    title: String,
    tax_number: String,
    address: String,
    phone: String,
    bank_name: String,
    bank_account: String,
    note: String,
    amount_fen: Fen,
}

/// An order line of a covered order, with the class and what the order had refunded.
#[derive(sqlx::FromRow)]
struct DocumentLineRow {
    kind: String,
    class_title: String,
    amount_fen: Fen,
    order_no: String,
    refunded_fen: Fen,
}

/// The content of the platform-drawn PDF.
async fn document_for(
    state: &AppState,
    invoice_id: i64,
    invoice_no: &str,
    issued_on: &str,
    drawer: &str,
) -> AppResult<InvoiceDocument> {
    let pool = state.db.reader();
    let head: Option<DocumentHeadRow> = sqlx::query_as(
        "SELECT title, tax_number, address, phone, bank_name, bank_account, note, amount_fen FROM invoices WHERE id = $1",
    )
    .bind(invoice_id)
    .fetch_optional(pool)
    .await?;
    let head = head.ok_or_else(|| AppError::not_found("发票申请不存在"))?;
    // Lines of every covered order, less what was refunded (the accommodation of a
    // partial refund, or everything of a full one).
    let lines: Vec<DocumentLineRow> = sqlx::query_as(
        "SELECT l.kind, c.title AS class_title, l.amount_fen, o.order_no, o.refunded_fen FROM invoice_orders io
         JOIN orders o ON o.id = io.order_id JOIN order_lines l ON l.order_id = o.id
         JOIN registrations r ON r.id = o.registration_id JOIN classes c ON c.id = r.class_id
         WHERE io.invoice_id = $1 ORDER BY o.id, l.id",
    )
    .bind(invoice_id)
    .fetch_all(pool)
    .await?;
    let mut items: Vec<InvoiceItem> = Vec::new();
    let mut orders: Vec<String> = Vec::new();
    for line in lines {
        if !orders.contains(&line.order_no) {
            orders.push(line.order_no.clone());
        }
        let lodging = line.kind == "lodging";
        // A partial refund takes the accommodation line back.
        if lodging && line.refunded_fen > Fen::ZERO {
            continue;
        }
        let name = if lodging { "*住宿服务*住宿费" } else { "*教育服务*培训费" };
        match items.iter_mut().find(|i| i.name == name && i.spec == line.class_title) {
            Some(item) => {
                item.quantity += 1;
                item.amount_fen = item.amount_fen.checked_add(line.amount_fen).ok_or_else(|| {
                    AppError::internal(format!("invoice {invoice_id}: item amount overflows"))
                })?;
            }
            None => items.push(InvoiceItem {
                name: name.to_owned(),
                spec: line.class_title,
                quantity: 1,
                amount_fen: line.amount_fen,
            }),
        }
    }
    Ok(InvoiceDocument {
        invoice_no: invoice_no.to_owned(),
        issued_on: issued_on.to_owned(),
        buyer: InvoiceTitle {
            title: head.title,
            tax_number: head.tax_number,
            address: head.address,
            phone: head.phone,
            bank_name: head.bank_name,
            bank_account: head.bank_account,
            ..Default::default()
        },
        items,
        total_fen: head.amount_fen,
        note: if head.note.is_empty() {
            format!("订单号：{}", orders.join("、"))
        } else {
            format!("{}；订单号：{}", head.note, orders.join("、"))
        },
        drawer: drawer.to_owned(),
    })
}

/// 驳回: the orders may be applied for again.
pub async fn reject(
    state: &AppState,
    finance: &CurrentUser,
    invoice_id: i64,
    reason: &str,
    ip: &str,
) -> AppResult<()> {
    let reason = validate_reason(reason, "驳回原因")?;
    close(state, finance, invoice_id, InvoiceAction::Reject, &reason, ip).await
}

/// 作废 with the required 作废原因: the orders may be applied for again.
pub async fn void(
    state: &AppState,
    finance: &CurrentUser,
    invoice_id: i64,
    reason: &str,
    ip: &str,
) -> AppResult<()> {
    let reason = validate_reason(reason, "作废原因")?;
    close(state, finance, invoice_id, InvoiceAction::Void, &reason, ip).await
}

#[derive(sqlx::FromRow)]
struct ClosingRow {
    #[sqlx(try_from = "String")]
    status: InvoiceStatus,
    invoice_no: String,
}

async fn close(
    state: &AppState,
    finance: &CurrentUser,
    invoice_id: i64,
    action: InvoiceAction,
    reason: &str,
    ip: &str,
) -> AppResult<()> {
    let now = crate::platform::time::now_ms();
    let mut tx = state.db.begin().await?;
    let ClosingRow { status: from, invoice_no } =
        sqlx::query_as("SELECT status, invoice_no FROM invoices WHERE id = $1")
            .bind(invoice_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| AppError::not_found("发票申请不存在"))?;
    let next = from.apply(action).map_err(AppError::conflict)?;
    let (reason_column, at_column, title, body, audit_action) = match action {
        InvoiceAction::Void => (
            "void_reason",
            "voided_at",
            "发票已作废",
            format!("发票 {invoice_no} 已作废，原因：{reason}。如需发票可重新申请。"),
            "作废发票",
        ),
        _ => (
            "review_note",
            "updated_at",
            "开票申请未通过",
            format!("您的开票申请未通过，原因：{reason}。可修改后重新申请。"),
            "驳回开票申请",
        ),
    };
    let changed = sqlx::query(&format!(
        "UPDATE invoices SET status = $1, {reason_column} = $2, {at_column} = $3, reviewed_by = $4, updated_at = $3
         WHERE id = $5 AND status = $6"
    ))
    .bind(next.code())
    .bind(reason)
    .bind(now)
    .bind(finance.id)
    .bind(invoice_id)
    .bind(from.code())
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() != 1 {
        return Err(AppError::conflict("该发票已处理"));
    }
    sqlx::query("UPDATE invoice_orders SET live = 0 WHERE invoice_id = $1")
        .bind(invoice_id)
        .execute(&mut *tx)
        .await?;
    tell_covered(&mut tx, state, invoice_id, title, &body, now).await?;
    audit::record(
        &mut tx,
        AuditEntry {
            actor_user_id: finance.id,
            action: audit_action,
            object_type: "invoice",
            object_id: invoice_id.to_string(),
            detail: reason.to_owned(),
            ip,
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct CoveredPerson {
    id: i64,
    phone: Option<String>,
}

async fn tell_covered(
    tx: &mut Tx,
    state: &AppState,
    invoice_id: i64,
    title: &str,
    body: &str,
    now: i64,
) -> AppResult<()> {
    let people: Vec<CoveredPerson> = sqlx::query_as(
        "SELECT DISTINCT u.id, u.phone FROM invoice_orders io JOIN users u ON u.id = io.user_id WHERE io.invoice_id = $1",
    )
    .bind(invoice_id)
    .fetch_all(&mut **tx)
    .await?;
    for person in people {
        messages::send(
            tx,
            state,
            messages::Outgoing {
                user_id: person.id,
                phone: person.phone.as_deref(),
                title,
                body,
                link: "/me/fapiao",
                at: now,
            },
        )
        .await?;
    }
    Ok(())
}

/// The state of the live invoice of a registration's order, if any.
pub async fn live_status_of_registration(
    state: &AppState,
    registration_id: i64,
) -> AppResult<Option<InvoiceStatus>> {
    let status: Option<String> = sqlx::query_scalar(
        "SELECT i.status FROM invoice_orders io JOIN invoices i ON i.id = io.invoice_id
         JOIN orders o ON o.id = io.order_id WHERE o.registration_id = $1 AND io.live = 1",
    )
    .bind(registration_id)
    .fetch_optional(state.db.reader())
    .await?;
    Ok(status.map(InvoiceStatus::try_from).transpose()?)
}

/// Whether `user_id` is covered by the issued invoice whose PDF is `file_id`.
pub async fn covers_file(state: &AppState, user_id: i64, file_id: &str) -> AppResult<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM invoices i JOIN invoice_orders io ON io.invoice_id = i.id
         WHERE i.file_id = $1 AND i.status = $2 AND io.user_id = $3",
    )
    .bind(file_id)
    .bind(InvoiceStatus::Issued.code())
    .bind(user_id)
    .fetch_one(state.db.reader())
    .await?;
    Ok(count > 0)
}
