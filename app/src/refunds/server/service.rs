//! Refunds' steps that span several writes. A request is one transaction; approving
//! reserves the amount on the order (a conditional update, so no two approvals can
//! take more than was paid) before the gateway is asked; the gateway's confirmation is
//! applied once however often it arrives.

use super::repo::{
    ALREADY_DECIDED, SETTLING, Settling, decide, live_issued_invoice, move_registration, record_attempt,
    refundable_order, settling, study_started,
};
use crate::{
    enrolment::{domain::Event, server::free_seat},
    error::{AppError, AppResult},
    messages::server as messages,
    orders::domain::OrderStatus,
    payments::{
        domain::{RefundNotice, ReturnReason, TRANSFER},
        server::provider::{RefundRequest, RefundState},
    },
    platform::{
        money::Fen,
        server::{
            audit,
            crypto::random_token,
            db::{Tx, is_unique_violation},
        },
        time::format_date,
    },
    refunds::{
        api::RefundForm,
        domain::{RefundKind, RefundStatus, validate_rejection, validate_request},
    },
    state::{AppState, Ctx},
};

const STUDY_STARTED: &str = "已开始在线学习，不能申请退款";

/// What the 退款申请 form shows: the amounts of each kind, or why there is none.
pub async fn form(cx: &Ctx, registration_id: i64) -> AppResult<RefundForm> {
    let user_id = cx.user.id;
    let mut tx = cx.state.db.reader().begin().await?;
    let order = refundable_order(&mut tx, user_id, registration_id, &format_date(cx.now)).await?;
    let class_title: String = sqlx::query_scalar(
        "SELECT c.title FROM registrations r JOIN classes c ON c.id = r.class_id WHERE r.id = $1",
    )
    .bind(registration_id)
    .fetch_one(&mut *tx)
    .await?;
    let refusal = match order.status.apply(Event::RequestRefund) {
        Err(refused) => Some(refused.message()),
        Ok(_) if study_started(&mut tx, user_id, registration_id).await? => Some(STUDY_STARTED.to_owned()),
        Ok(_) => None,
    };
    tx.rollback().await?;
    Ok(RefundForm {
        registration_id,
        class_title,
        order_no: order.order_no,
        paid_fen: order.refundable.paid_fen,
        refunded_fen: order.refundable.refunded_fen,
        full_fen: order.refundable.amount(RefundKind::Full).ok(),
        partial_fen: order.refundable.amount(RefundKind::Partial).ok(),
        refusal,
    })
}

/// 提交退款申请: the registration goes to 退款审核中.
pub async fn request(cx: &Ctx, registration_id: i64, kind: &str, reason: &str) -> AppResult<()> {
    let (user, now) = (&cx.user, cx.now);
    let mut tx = cx.state.db.begin().await?;
    let order = refundable_order(&mut tx, user.id, registration_id, &format_date(now)).await?;
    let next = order.status.apply(Event::RequestRefund).map_err(|r| AppError::conflict(r.message()))?;
    if study_started(&mut tx, user.id, registration_id).await? {
        return Err(AppError::conflict(STUDY_STARTED));
    }
    let (kind, reason, amount) = validate_request(kind, reason, &order.refundable)?;
    let inserted = sqlx::query(
        "INSERT INTO refunds (order_id, registration_id, user_id, payment_id, kind, amount_fen, reason, status,
                              out_refund_no, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(order.order_id)
    .bind(registration_id)
    .bind(user.id)
    .bind(order.payment_id)
    .bind(kind.code())
    .bind(amount)
    .bind(&reason)
    .bind(RefundStatus::Review.code())
    .bind(format!("{}-R{}", order.order_no, random_token(6)))
    .bind(now)
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(err) if is_unique_violation(&err) => {
            return Err(AppError::conflict("该订单已有退款申请在处理中"));
        }
        other => {
            other?;
        }
    }
    let moved =
        sqlx::query("UPDATE registrations SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(next.code())
            .bind(now)
            .bind(registration_id)
            .bind(order.status.code())
            .execute(&mut *tx)
            .await?;
    if moved.rows_affected() != 1 {
        return Err(AppError::conflict("报名状态已变化，请刷新后重试"));
    }
    tx.commit().await?;
    Ok(())
}

/// Finance approves: the refund leaves review (only one decision can), then the amount
/// is reserved on the order and the gateway asked to pay it back. A bank transfer is
/// paid back by finance's own bank, so it completes at once.
pub async fn approve(cx: &Ctx, refund_id: i64) -> AppResult<()> {
    let (state, finance, now) = (&cx.state, &cx.user, cx.now);
    let mut tx = state.db.begin().await?;
    let r = settling(&mut *tx, refund_id).await?;
    if r.status != RefundStatus::Review {
        return Err(AppError::conflict(ALREADY_DECIDED));
    }
    decide(&mut tx, refund_id, RefundStatus::Processing, finance, "", now).await?;
    // The reservation locks the order (PostgreSQL) before the invoice check, so an
    // invoice being issued for it at this moment is either seen below or sees this refund.
    let reserved = sqlx::query(
        "UPDATE orders SET refunded_fen = refunded_fen + $1, updated_at = $2
         WHERE id = $3 AND refunded_fen + $1 <= total_fen",
    )
    .bind(r.amount_fen)
    .bind(now)
    .bind(r.order_id)
    .execute(&mut *tx)
    .await?;
    if reserved.rows_affected() != 1 {
        return Err(AppError::conflict("退款金额超过该订单的已付金额"));
    }
    if live_issued_invoice(&mut *tx, &r.order_no).await? {
        return Err(AppError::conflict(
            "该订单的发票已开具，请先在“发票管理”中作废发票（填写作废原因），再完成退款",
        ));
    }
    audit::record(
        &mut tx,
        cx.audit("同意退款", "order", r.order_no.clone(), format!("{} {}", r.kind.label(), r.amount_fen)),
    )
    .await?;
    if r.provider == TRANSFER {
        // Paid by bank transfer: finance pays back by transfer too; nothing to wait for.
        let notice = RefundNotice {
            out_refund_no: r.out_refund_no.clone(),
            out_trade_no: r.out_trade_no.clone(),
            refund_id: format!("转账退回 {}", format_date(now)),
            amount_fen: r.amount_fen,
            refund_status: "SUCCESS".to_owned(),
            success_time: now,
        };
        complete_in(&mut tx, state, TRANSFER, &notice, now).await?;
        tx.commit().await?;
        return Ok(());
    }
    tx.commit().await?;
    match send_to_gateway(state, &r, now).await {
        Ok(Sent::Accepted) => Ok(()),
        Ok(Sent::Refused(why)) => Err(AppError::conflict(format!("支付渠道未受理退款：{why}"))),
        // Approved and recorded; the try that did not get through is on the refund (the
        // queue shows it) and settlement sends it again. Not an error to finance, who
        // would otherwise approve a second time.
        Err(err) => {
            tracing::warn!(refund_id, error = %err.message, "approved refund not yet accepted by the gateway");
            Ok(())
        }
    }
}

/// What the gateway said to a refund request.
enum Sent {
    Accepted,
    /// Refused for good (the refund is now 退款失败, its reservation released).
    Refused(String),
}

/// Sends a refund to the gateway. A refusal there fails the refund for good (the
/// reservation goes back); an error on the way (the gateway unreachable) is recorded on
/// the refund, which settlement tries again with back-off.
async fn send_to_gateway(state: &AppState, r: &Settling, now: i64) -> AppResult<Sent> {
    let gateway = state.payments.provider();
    let request = RefundRequest {
        out_trade_no: r.out_trade_no.clone(),
        out_refund_no: r.out_refund_no.clone(),
        amount_fen: r.amount_fen,
        reason: r.reason.clone(),
        notify_url: format!("{}/pay/notify/{}/refund", AppState::base_url(&state.config), gateway.name()),
    };
    match gateway.refund(&request).await {
        Ok(()) => Ok(Sent::Accepted),
        Err(err) if err.kind == crate::error::ErrorKind::Internal => {
            record_attempt(&state.db, r, &err.message, now).await?;
            Err(err)
        }
        Err(err) => {
            fail(state, &r.out_refund_no, &err.message, now).await?;
            Ok(Sent::Refused(err.message))
        }
    }
}

#[derive(sqlx::FromRow)]
struct Failing {
    id: i64,
    order_id: i64,
    registration_id: i64,
    amount_fen: Fen,
    #[sqlx(try_from = "String")]
    kind: RefundKind,
}

/// The gateway refused or gave up: 退款失败. A trainee's refund gives its reservation
/// back and the registration returns to where it was; an automatic return reserved
/// nothing and moved nothing, so only the refund and finance's list change.
async fn fail(state: &AppState, out_refund_no: &str, why: &str, now: i64) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let row: Option<Failing> = sqlx::query_as(
        "SELECT id, order_id, registration_id, amount_fen, kind FROM refunds WHERE out_refund_no = $1 AND status = $2",
    )
    .bind(out_refund_no)
    .bind(RefundStatus::Processing.code())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(f) = row else { return Ok(()) };
    let failed = sqlx::query(
        "UPDATE refunds SET status = $1, review_note = $2, last_error = $2, completed_at = $3
         WHERE id = $4 AND status = $5",
    )
    .bind(RefundStatus::Failed.code())
    .bind(why)
    .bind(now)
    .bind(f.id)
    .bind(RefundStatus::Processing.code())
    .execute(&mut *tx)
    .await?;
    // Settled meanwhile by another run (housekeeping and a finance page both ask the
    // gateway): the reservation was released once already.
    if failed.rows_affected() != 1 {
        return Ok(());
    }
    if f.kind == RefundKind::Return {
        tell(
            &mut tx,
            state,
            f.registration_id,
            "退回未成功",
            &format!("的一笔多余付款（{}）原路退回未成功，平台财务将与您联系退回。", f.amount_fen),
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    sqlx::query("UPDATE orders SET refunded_fen = refunded_fen - $1, updated_at = $2 WHERE id = $3")
        .bind(f.amount_fen)
        .bind(now)
        .bind(f.order_id)
        .execute(&mut *tx)
        .await?;
    move_registration(&mut tx, f.registration_id, Event::RefundRefused, now).await?;
    tell(
        &mut tx,
        state,
        f.registration_id,
        "退款失败",
        &format!("的退款未能完成：{why}。如有疑问请联系平台财务。"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Finance refuses: 退款失败 with the reason, which the trainee reads.
pub async fn reject(cx: &Ctx, refund_id: i64, reason: &str) -> AppResult<()> {
    let (state, finance, now) = (&cx.state, &cx.user, cx.now);
    let reason = validate_rejection(reason)?;
    let mut tx = state.db.begin().await?;
    let r = settling(&mut *tx, refund_id).await?;
    if r.status != RefundStatus::Review {
        return Err(AppError::conflict(ALREADY_DECIDED));
    }
    decide(&mut tx, refund_id, RefundStatus::Rejected, finance, &reason, now).await?;
    move_registration(&mut tx, r.registration_id, Event::RefundRefused, now).await?;
    tell(
        &mut tx,
        state,
        r.registration_id,
        "退款申请未通过",
        &format!("（订单 {}）的退款申请未通过，原因：{reason}", r.order_no),
        now,
    )
    .await?;
    audit::record(&mut tx, cx.audit("驳回退款", "order", r.order_no.clone(), reason.clone())).await?;
    tx.commit().await?;
    Ok(())
}

/// A payment the gateway took that its order no longer wanted, to be sent back.
pub struct Return<'a> {
    pub payment_id: i64,
    pub order_id: i64,
    pub registration_id: i64,
    pub user_id: i64,
    pub order_no: &'a str,
    pub amount_fen: Fen,
    pub reason: ReturnReason,
}

/// Records the automatic return of a payment inside the caller's transaction (the one
/// that marked the payment returned): a refund of kind `return`, already approved (it
/// needs no review), and a message to the payer. Returns the refund's id; send it to
/// the gateway with [`send_return`] after the commit.
pub async fn record_return(tx: &mut Tx, state: &AppState, ret: &Return<'_>, now: i64) -> AppResult<i64> {
    let refund_id: i64 = sqlx::query_scalar(
        "INSERT INTO refunds (order_id, registration_id, user_id, payment_id, kind, amount_fen, reason, status,
                              out_refund_no, reviewed_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(ret.order_id)
    .bind(ret.registration_id)
    .bind(ret.user_id)
    .bind(ret.payment_id)
    .bind(RefundKind::Return.code())
    .bind(ret.amount_fen)
    .bind(ret.reason.label())
    .bind(RefundStatus::Processing.code())
    .bind(format!("{}-D{}", ret.order_no, random_token(6)))
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    tell(
        tx,
        state,
        ret.registration_id,
        "款项将原路退回",
        &format!(
            "（订单 {}）收到一笔{}的付款 {}，将自动原路退回，无需操作。",
            ret.order_no,
            ret.reason.label(),
            ret.amount_fen
        ),
        now,
    )
    .await?;
    Ok(refund_id)
}

/// Sends a recorded return to the gateway. A failure on the way is recorded and
/// settlement tries again; nothing here can lose the money, which the refund row holds.
pub async fn send_return(state: &AppState, refund_id: i64, now: i64) -> AppResult<()> {
    let r = settling(state.db.reader(), refund_id).await?;
    send_to_gateway(state, &r, now).await.map(|_| ())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completed {
    Now,
    Before,
}

/// Applies the gateway's confirmation: once, however many times it arrives.
pub async fn complete(
    state: &AppState,
    provider: &str,
    notice: &RefundNotice,
    now: i64,
) -> AppResult<Completed> {
    let mut tx = state.db.begin().await?;
    let done = complete_in(&mut tx, state, provider, notice, now).await?;
    tx.commit().await?;
    Ok(done)
}

/// The refund a gateway's confirmation names.
#[derive(sqlx::FromRow)]
struct Completing {
    id: i64,
    order_id: i64,
    registration_id: i64,
    #[sqlx(try_from = "String")]
    kind: RefundKind,
    amount_fen: Fen,
    class_id: i64,
    session_id: i64,
}

async fn complete_in(
    tx: &mut Tx,
    state: &AppState,
    provider: &str,
    notice: &RefundNotice,
    now: i64,
) -> AppResult<Completed> {
    let row: Option<Completing> = sqlx::query_as(
        "SELECT f.id, f.order_id, f.registration_id, f.kind, f.amount_fen, r.class_id, r.session_id
         FROM refunds f JOIN payments p ON p.id = f.payment_id JOIN registrations r ON r.id = f.registration_id
         WHERE f.out_refund_no = $1 AND p.provider = $2 AND p.out_trade_no = $3",
    )
    .bind(&notice.out_refund_no)
    .bind(provider)
    .bind(&notice.out_trade_no)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(Completing { id: refund_id, order_id, registration_id, kind, amount_fen, class_id, session_id }) =
        row
    else {
        return Err(AppError::not_found("退款不存在"));
    };
    if amount_fen != notice.amount_fen {
        return Err(AppError::bad_request("金额不符"));
    }
    let succeeded = sqlx::query(
        "UPDATE refunds SET status = $1, gateway_refund_id = $2, completed_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(RefundStatus::Succeeded.code())
    .bind(&notice.refund_id)
    .bind(now)
    .bind(refund_id)
    .bind(RefundStatus::Processing.code())
    .execute(&mut **tx)
    .await?;
    if succeeded.rows_affected() == 0 {
        return Ok(Completed::Before);
    }
    if kind == RefundKind::Return {
        tell(
            tx,
            state,
            registration_id,
            "退款成功",
            &format!("的一笔多余付款 {amount_fen} 已退回原支付账户。"),
            now,
        )
        .await?;
        return Ok(Completed::Now);
    }
    let full = kind == RefundKind::Full;
    move_registration(tx, registration_id, Event::Refunded { full }, now).await?;
    if full {
        free_seat(tx, class_id, session_id).await?;
        sqlx::query("UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(OrderStatus::Refunded.code())
            .bind(now)
            .bind(order_id)
            .bind(OrderStatus::Paid.code())
            .execute(&mut **tx)
            .await?;
    }
    tell(
        tx,
        state,
        registration_id,
        "退款成功",
        &format!("{}已退回原支付账户：{amount_fen}。", if full { "全额退款" } else { "住宿费" }),
        now,
    )
    .await?;
    Ok(Completed::Now)
}

/// Who is told about a registration's refund, and its class.
#[derive(sqlx::FromRow)]
struct Recipient {
    user_id: i64,
    phone: Option<String>,
    class_title: String,
}

/// Tells the trainee in 消息 (and by SMS), naming the class.
async fn tell(
    tx: &mut Tx,
    state: &AppState,
    registration_id: i64,
    title: &str,
    body: &str,
    now: i64,
) -> AppResult<()> {
    let to: Recipient = sqlx::query_as(
        "SELECT r.user_id, u.phone, c.title AS class_title FROM registrations r JOIN users u ON u.id = r.user_id
         JOIN classes c ON c.id = r.class_id WHERE r.id = $1",
    )
    .bind(registration_id)
    .fetch_one(&mut **tx)
    .await?;
    let body = format!("“{}”{body}", to.class_title);
    messages::send(
        tx,
        state,
        messages::Outgoing {
            user_id: to.user_id,
            phone: to.phone.as_deref(),
            title,
            body: &body,
            link: &format!("/me/exams/{registration_id}"),
            at: now,
        },
    )
    .await
}

/// Refunds approved but not confirmed: asks the gateway and applies what it reports;
/// one it has never heard of (the server stopped between approving and asking) is
/// sent again, which gateways accept once per refund number. Each refund is settled on
/// its own: one that fails is recorded (attempts, the error, the next try with back-off)
/// and the others go on.
pub async fn settle_processing(state: &AppState, now: i64) -> AppResult<usize> {
    let due: Vec<Settling> = sqlx::query_as(&format!(
        "{SETTLING} WHERE f.status = $1 AND p.provider <> $2 AND (f.next_attempt_at IS NULL OR f.next_attempt_at <= $3)
         ORDER BY f.id LIMIT 50"
    ))
    .bind(RefundStatus::Processing.code())
    .bind(TRANSFER)
    .bind(now)
    .fetch_all(state.db.reader())
    .await?;
    let mut settled = 0;
    for r in due {
        match settle_one(state, &r, now).await {
            Ok(true) => settled += 1,
            Ok(false) => {}
            Err(err) => {
                tracing::warn!(out_refund_no = %r.out_refund_no, error = %err.message, "refund not settled; will try again");
                if let Err(record) = record_attempt(&state.db, &r, &err.message, now).await {
                    tracing::error!(out_refund_no = %r.out_refund_no, error = %record.message, "refund attempt not recorded");
                }
            }
        }
    }
    Ok(settled)
}

/// One refund's settlement: whether it reached an end (succeeded or failed).
async fn settle_one(state: &AppState, r: &Settling, now: i64) -> AppResult<bool> {
    let gateway = state.payments.provider();
    match gateway.query_refund(&r.out_refund_no).await? {
        RefundState::Succeeded(notice) => {
            Ok(complete(state, gateway.name(), &notice, now).await? == Completed::Now)
        }
        RefundState::Failed => {
            fail(state, &r.out_refund_no, "支付渠道退款失败", now).await?;
            Ok(true)
        }
        RefundState::Unknown if now - r.reviewed_at.unwrap_or(0) > 60_000 || r.attempts > 0 => {
            Ok(matches!(send_to_gateway(state, r, now).await?, Sent::Refused(_)))
        }
        RefundState::Unknown | RefundState::Processing => Ok(false),
    }
}
