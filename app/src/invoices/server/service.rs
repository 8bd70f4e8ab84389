//! Invoices' steps that span several writes. An application and the orders it claims
//! are written in one transaction; a partial unique index keeps an order on at most one
//! live invoice, so two applications for the same order cannot both succeed.

use super::{
    pdf::{self, InvoiceDocument, InvoiceItem},
    repo::{
        ClosingRow, CoveredPerson, DocumentHeadRow, DocumentLineRow, JointContextRow, JointOrderRow, UnitRow,
        covered_amount, live_invoice_of, own_paid_order,
    },
};
use crate::{
    accounts::{domain::invoice_rules::InvoiceTitle, server::profile},
    error::{AppError, AppResult},
    invoices::{
        api::ApplyContext,
        domain::{
            Application, ApplicationInput, InvoiceAction, InvoiceStatus, coverage_note, validate_application,
            validate_invoice_number, validate_reason,
        },
    },
    messages::server as messages,
    orders::domain::OrderStatus,
    platform::{
        money::Fen,
        server::{
            audit,
            db::{Tx, is_unique_violation},
            files::{self, Upload},
            storage::FileKind,
        },
        time::check_date,
    },
    state::{AppState, Ctx},
    units::domain::UnitStatus,
};
use bytes::Bytes;

pub async fn apply_context(cx: &Ctx, registration_id: i64) -> AppResult<ApplyContext> {
    let (state, user_id) = (&cx.state, cx.user.id);
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
    cx: &Ctx,
    saved_title_id: Option<i64>,
    typed: InvoiceTitle,
) -> AppResult<InvoiceTitle> {
    match saved_title_id {
        Some(id) => profile::invoice_titles(&cx.state, cx.user.id)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| AppError::invalid_field("title_id", "请选择发票抬头")),
        None => Ok(typed),
    }
}

/// 申请开票: one transaction for the invoice and the orders it claims.
pub async fn apply(
    cx: &Ctx,
    registration_id: i64,
    input: &ApplicationInput,
    save_title: bool,
) -> AppResult<i64> {
    let (state, user, now) = (&cx.state, &cx.user, cx.now);
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
    cx: &Ctx,
    invoice_id: i64,
    invoice_no: &str,
    issued_on: &str,
    pdf: IssuedPdf,
) -> AppResult<()> {
    let (state, finance, now) = (&cx.state, &cx.user, cx.now);
    let invoice_no =
        validate_invoice_number(invoice_no).map_err(|e| AppError::invalid_field("invoice_no", e))?;
    check_date(issued_on).map_err(|e| AppError::invalid_field("issued_on", e))?;
    let (bytes, filename) = match pdf {
        IssuedPdf::Upload { filename, bytes } => (bytes, filename),
        IssuedPdf::Generate => {
            let document = document_for(state, invoice_id, &invoice_no, issued_on, &finance.name).await?;
            let bytes = pdf::render(&state.pdf_font, document).await?;
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
            cx.audit("开具发票", "invoice", invoice_id.to_string(), format!("{invoice_no} {issued_on} {amount_fen}")),
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
pub async fn reject(cx: &Ctx, invoice_id: i64, reason: &str) -> AppResult<()> {
    let reason = validate_reason(reason, "驳回原因")?;
    close(cx, invoice_id, InvoiceAction::Reject, &reason).await
}

/// 作废 with the required 作废原因: the orders may be applied for again.
pub async fn void(cx: &Ctx, invoice_id: i64, reason: &str) -> AppResult<()> {
    let reason = validate_reason(reason, "作废原因")?;
    close(cx, invoice_id, InvoiceAction::Void, &reason).await
}

async fn close(cx: &Ctx, invoice_id: i64, action: InvoiceAction, reason: &str) -> AppResult<()> {
    let (state, finance, now) = (&cx.state, &cx.user, cx.now);
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
    audit::record(&mut tx, cx.audit(audit_action, "invoice", invoice_id.to_string(), reason.to_owned()))
        .await?;
    tx.commit().await?;
    Ok(())
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
