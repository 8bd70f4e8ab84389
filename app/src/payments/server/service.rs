//! The steps of paying that span the gateway and several writes: starting a
//! scan-to-pay payment, choosing 线下转账, closing an order's live payment, the pay
//! page (which asks the gateway when no notification came) and finance's review of a
//! bank transfer (确认到账 or 驳回). An
//! order has one live (pending) payment at a time — a partial unique index holds it
//! even when two requests race — and a live QR code is closed at the gateway before
//! another wallet or a bank transfer replaces it.

use super::{
    apply::{self, Applied},
    provider::{GatewayState, PaymentRequest},
    repo::{self, ReviewRow, live_payment, owned_order},
};
use crate::{
    error::{AppError, AppResult},
    messages::server as messages,
    orders::{
        domain::{OrderStatus, PAYMENT_WINDOW_MS, total},
        server as orders,
    },
    payments::{
        api::{PayView, PendingPayment, TransferLine},
        domain::{Channel, PaymentNotice, PaymentStatus, TRANSFER},
    },
    platform::{
        money::Fen,
        server::{audit, crypto::random_token, db::is_unique_violation},
        time::check_date,
    },
    state::{AppState, Ctx},
};

/// What closing the live payment found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// There was none.
    Nothing,
    Closed,
    /// The payer got there first: the payment was applied (the order is paid).
    Paid,
}

/// Closes the order's live gateway payment, at the gateway first (so its code can no
/// longer be paid), then here. When the gateway reports it paid, the payment is applied
/// instead. A bank transfer is never closed here: a request racing the one that chose
/// it would close it under that request; only its order's expiry closes it, in the
/// transaction that closes the order.
pub async fn close_live(state: &AppState, order_id: i64, now: i64) -> AppResult<Closing> {
    let live = live_payment(state.db.reader(), order_id).await?;
    let Some(live) = live.filter(|p| p.provider != TRANSFER) else {
        return Ok(Closing::Nothing);
    };
    let gateway = state.payments.provider();
    if live.provider == gateway.name() {
        if let GatewayState::Paid(notice) = gateway.close(&live.out_trade_no).await? {
            apply::apply(state, gateway.name(), &notice, now).await?;
            return Ok(Closing::Paid);
        }
    } else {
        tracing::warn!(provider = %live.provider, out_trade_no = %live.out_trade_no, "live payment of a gateway no longer configured: closed here only");
    }
    repo::mark_closed(state.db.writer(), live.id).await?;
    Ok(Closing::Closed)
}

const ANOTHER_PAYMENT: &str = "该订单正在发起另一笔支付，请刷新页面后重试";

/// 立即支付 with a wallet. The same wallet again shows the same QR code; another wallet
/// closes the previous code at the gateway first. Errors when the order cannot be paid.
pub async fn start(cx: &Ctx, registration_id: i64, channel: Channel) -> AppResult<()> {
    let (state, now) = (&cx.state, cx.now);
    let order = owned_order(state.db.reader(), cx.user.id, registration_id).await?;
    match order.status {
        OrderStatus::Unpaid if order.expires_at > now => {}
        OrderStatus::Paid => return Err(AppError::conflict("该订单已支付")),
        OrderStatus::AwaitingTransfer => {
            return Err(AppError::conflict("该订单已选择线下转账，请等待财务确认到账"));
        }
        _ => return Err(AppError::conflict("订单已关闭，请重新报名")),
    }
    let gateway = state.payments.provider();
    if let Some(live) = live_payment(state.db.reader(), order.id).await? {
        if live.provider == gateway.name() && live.channel == channel.code() && !live.code_url.is_empty() {
            return Ok(());
        }
        if close_live(state, order.id, now).await? == Closing::Paid {
            return Ok(());
        }
    }
    let out_trade_no = format!("{}-{}", order.order_no, random_token(6));
    // Only while the order is still open; the unique index keeps it the one live payment.
    let inserted = sqlx::query(
        "INSERT INTO payments (order_id, out_trade_no, provider, channel, amount_fen, status, code_url, created_at)
         SELECT $1, $2, $3, $4, $5, $6, '', $7 WHERE EXISTS (SELECT 1 FROM orders WHERE id = $1 AND status = $8)",
    )
    .bind(order.id)
    .bind(&out_trade_no)
    .bind(gateway.name())
    .bind(channel.code())
    .bind(order.total_fen)
    .bind(PaymentStatus::Pending.code())
    .bind(now)
    .bind(OrderStatus::Unpaid.code())
    .execute(state.db.writer())
    .await;
    match inserted {
        Err(err) if is_unique_violation(&err) => return Err(AppError::conflict(ANOTHER_PAYMENT)),
        Err(err) => return Err(err.into()),
        Ok(done) if done.rows_affected() != 1 => {
            return Err(AppError::conflict("订单状态已变化，请刷新页面"));
        }
        Ok(_) => {}
    }
    let request = PaymentRequest {
        out_trade_no: out_trade_no.clone(),
        amount_fen: order.total_fen,
        description: order.class_title,
        channel,
        notify_url: format!("{}/pay/notify/{}", AppState::base_url(&state.config), gateway.name()),
    };
    let code_url = match gateway.create(&request).await {
        Ok(url) => url,
        Err(err) => {
            sqlx::query("UPDATE payments SET status = $1 WHERE out_trade_no = $2 AND status = $3")
                .bind(PaymentStatus::Failed.code())
                .bind(&out_trade_no)
                .bind(PaymentStatus::Pending.code())
                .execute(state.db.writer())
                .await?;
            return Err(err);
        }
    };
    sqlx::query("UPDATE payments SET code_url = $1 WHERE out_trade_no = $2")
        .bind(&code_url)
        .bind(&out_trade_no)
        .execute(state.db.writer())
        .await?;
    Ok(())
}

/// 线下转账: the order waits for finance (待确认到账) within the transfer window; a live
/// QR code is closed first. Choosing it twice is one transfer.
pub async fn choose_transfer(cx: &Ctx, registration_id: i64) -> AppResult<()> {
    const REFUSED: &str = "该订单当前不能选择线下转账";
    let (state, now) = (&cx.state, cx.now);
    let order = owned_order(state.db.reader(), cx.user.id, registration_id).await?;
    match order.status {
        OrderStatus::Unpaid if order.expires_at > now => {}
        OrderStatus::AwaitingTransfer => return Err(AppError::conflict("已选择线下转账，请按页面信息转账")),
        _ => return Err(AppError::conflict(REFUSED)),
    }
    if close_live(state, order.id, now).await? == Closing::Paid {
        return Err(AppError::conflict("该订单已支付"));
    }
    let window = i64::try_from(state.config.transfer_window.as_millis()).unwrap_or(i64::MAX);
    let mut tx = state.db.begin().await?;
    let moved = sqlx::query(
        "UPDATE orders SET status = $1, expires_at = $2, updated_at = $3 WHERE id = $4 AND status = $5 AND expires_at > $3",
    )
    .bind(OrderStatus::AwaitingTransfer.code())
    .bind(now.saturating_add(window))
    .bind(now)
    .bind(order.id)
    .bind(OrderStatus::Unpaid.code())
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(AppError::conflict(REFUSED));
    }
    let inserted = sqlx::query(
        "INSERT INTO payments (order_id, out_trade_no, provider, channel, amount_fen, status, code_url, created_at)
         VALUES ($1, $2, $3, $3, $4, $5, '', $6)",
    )
    .bind(order.id)
    .bind(format!("{}-T{}", order.order_no, random_token(6)))
    .bind(TRANSFER)
    .bind(order.total_fen)
    .bind(PaymentStatus::Pending.code())
    .bind(now)
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(err) if is_unique_violation(&err) => return Err(AppError::conflict(ANOTHER_PAYMENT)),
        other => {
            other?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Whether the order is paid; when not yet, asks the gateway about the newest pending
/// payment (the notification may be late or lost) and applies what it reports.
async fn paid_after_asking_gateway(state: &AppState, order_id: i64, now: i64) -> AppResult<bool> {
    let status = repo::order_status(state.db.reader(), order_id).await?;
    if status != OrderStatus::Unpaid {
        return Ok(status == OrderStatus::Paid);
    }
    let gateway = state.payments.provider();
    let live = live_payment(state.db.reader(), order_id).await?;
    let Some(live) = live.filter(|p| p.provider == gateway.name() && !p.code_url.is_empty()) else {
        return Ok(false);
    };
    match gateway.query(&live.out_trade_no).await? {
        GatewayState::Paid(notice) => {
            apply::apply(state, gateway.name(), &notice, now).await?;
            Ok(true)
        }
        GatewayState::NotPaid | GatewayState::Closed => Ok(false),
    }
}

/// Whether the caller's order is paid, asking the gateway when not yet.
pub async fn check(cx: &Ctx, registration_id: i64) -> AppResult<bool> {
    let order = owned_order(cx.state.db.reader(), cx.user.id, registration_id).await?;
    paid_after_asking_gateway(&cx.state, order.id, cx.now).await
}

fn qr_svg(data: &str) -> String {
    qrcode::QrCode::new(data.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build()
        })
        .unwrap_or_default()
}

/// The pay page of the caller's order. A page load is also how a visitor without
/// JavaScript asks for the result, so the gateway is asked first.
pub async fn pay_view(cx: &Ctx, registration_id: i64) -> AppResult<PayView> {
    let state = &cx.state;
    let order = owned_order(state.db.reader(), cx.user.id, registration_id).await?;
    let (order_id, class_title) = (order.id, order.class_title);
    paid_after_asking_gateway(state, order_id, cx.now).await?;
    let order = orders::for_registration(state.db.reader(), registration_id)
        .await?
        .ok_or_else(|| AppError::not_found("订单不存在"))?;
    let status = order.status;
    let pending = live_payment(state.db.reader(), order_id)
        .await?
        .filter(|p| p.provider == state.payments.provider().name() && !p.code_url.is_empty());
    let pending = match pending.filter(|_| status == OrderStatus::Unpaid) {
        Some(p) => Some(PendingPayment {
            channel_label: Channel::try_from(p.channel.as_str())?.label().to_owned(),
            qr_svg: qr_svg(&p.code_url),
            code_url: p.code_url,
        }),
        None => None,
    };
    Ok(PayView {
        registration_id,
        class_title,
        order_no: order.order_no,
        total_fen: total(&order.lines).ok_or_else(|| AppError::internal("order total overflows"))?,
        expires_at: order.expires_at,
        lines: order.lines,
        paid: status == OrderStatus::Paid,
        closed: status == OrderStatus::Closed,
        awaiting_transfer: status == OrderStatus::AwaitingTransfer,
        pending,
    })
}

/// The bank transfers waiting for finance.
pub async fn pending_transfers(cx: &Ctx) -> AppResult<Vec<TransferLine>> {
    let rows = repo::pending_transfers(cx.state.db.reader()).await?;
    Ok(rows
        .into_iter()
        .map(|row| TransferLine {
            payment_id: row.payment_id,
            order_no: row.order_no,
            trainee: row.trainee,
            class_title: row.class_title,
            amount_fen: row.amount_fen,
            requested_at: row.requested_at,
        })
        .collect())
}

/// Finance's decision on a bank transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferDecision<'a> {
    /// 确认到账: the amount (in 元, as typed) and the date on the account.
    Confirm { amount_yuan: &'a str, received_on: &'a str },
    /// 驳回, with the reason the trainee is told.
    Reject { reason: &'a str },
}

/// Finance confirms the receipt of a bank transfer (which pays the order exactly like a
/// gateway notification) or refuses it with a reason (the order can be paid again).
/// `None` is a decision that is neither (refused once the transfer is found open).
pub async fn review_transfer(
    cx: &Ctx,
    payment_id: i64,
    decision: Option<TransferDecision<'_>>,
) -> AppResult<()> {
    let row = repo::transfer_for_review(cx.state.db.reader(), payment_id).await?;
    let row = row.ok_or_else(|| AppError::not_found("转账记录不存在"))?;
    match row.status {
        PaymentStatus::Pending => {}
        PaymentStatus::Closed => {
            return Err(AppError::conflict("该订单已超过转账期限自动关闭；如已收到款项，请原路退回"));
        }
        _ => return Err(AppError::conflict("该转账已处理")),
    }
    match decision {
        Some(TransferDecision::Confirm { amount_yuan, received_on }) => {
            confirm_transfer(cx, payment_id, row, amount_yuan, received_on).await
        }
        Some(TransferDecision::Reject { reason }) => reject_transfer(cx, payment_id, row, reason).await,
        None => Err(AppError::bad_request("请选择审核结果")),
    }
}

async fn confirm_transfer(
    cx: &Ctx,
    payment_id: i64,
    row: ReviewRow,
    amount_yuan: &str,
    received_on: &str,
) -> AppResult<()> {
    let (state, now) = (&cx.state, cx.now);
    let ReviewRow { out_trade_no, amount_fen, order_no, .. } = row;
    let received = Fen::parse_yuan(amount_yuan).map_err(|e| AppError::invalid_field("amount_yuan", e))?;
    if received != amount_fen {
        return Err(AppError::invalid_field("amount_yuan", format!("到账金额与订单金额 {amount_fen} 不符")));
    }
    check_date(received_on).map_err(|e| AppError::invalid_field("received_on", e))?;
    let notice = PaymentNotice {
        out_trade_no,
        transaction_id: format!("转账 {received_on}"),
        amount_fen,
        trade_state: "SUCCESS".to_owned(),
        success_time: now,
    };
    let mut tx = state.db.begin().await?;
    if apply::apply_in(&mut tx, state, TRANSFER, &notice, now).await? == Applied::Before {
        return Err(AppError::conflict("该转账已处理"));
    }
    // Who confirmed, and the date on the account, in the same transaction.
    sqlx::query("UPDATE payments SET received_on = $1, reviewed_by = $2 WHERE id = $3")
        .bind(received_on)
        .bind(cx.user.id)
        .bind(payment_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        cx.audit("确认线下转账到账", "order", order_no, format!("{amount_fen} {received_on}")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn reject_transfer(cx: &Ctx, payment_id: i64, row: ReviewRow, reason: &str) -> AppResult<()> {
    let (state, now) = (&cx.state, cx.now);
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::invalid_field("reason", "请填写驳回原因（不超过200字）"));
    }
    let ReviewRow { order_id, order_no, .. } = row;
    let mut tx = state.db.begin().await?;
    let changed = sqlx::query(
        "UPDATE payments SET status = $1, review_note = $2, reviewed_by = $3 WHERE id = $4
         AND status = $5",
    )
    .bind(PaymentStatus::Rejected.code())
    .bind(reason)
    .bind(cx.user.id)
    .bind(payment_id)
    .bind(PaymentStatus::Pending.code())
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() != 1 {
        return Err(AppError::conflict("该转账已处理"));
    }
    // The order may be paid again; its window restarts so the trainee has time.
    sqlx::query(
        "UPDATE orders SET status = $1, expires_at = $2, updated_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(OrderStatus::Unpaid.code())
    .bind(now + PAYMENT_WINDOW_MS)
    .bind(now)
    .bind(order_id)
    .bind(OrderStatus::AwaitingTransfer.code())
    .execute(&mut *tx)
    .await?;
    let payer = repo::payer(&mut *tx, order_id).await?;
    let body = format!("订单 {order_no} 的线下转账未能确认，原因：{reason}。请核对后重新支付。");
    messages::send(
        &mut tx,
        state,
        messages::Outgoing {
            user_id: payer.user_id,
            phone: payer.phone.as_deref(),
            title: "线下转账未确认",
            body: &body,
            link: &format!("/me/exams/{}/pay", payer.registration_id),
            at: now,
        },
    )
    .await?;
    audit::record(&mut tx, cx.audit("驳回线下转账", "order", order_no, reason)).await?;
    tx.commit().await?;
    Ok(())
}
