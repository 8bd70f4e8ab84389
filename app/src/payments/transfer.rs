//! 线下转账: the trainee chooses a bank transfer (the order waits as 待确认到账 with the
//! payee account and the order number to quote); finance confirms the receipt (amount
//! and date), which pays the order exactly like a gateway notification, or refuses it
//! with a reason (the order can be paid again).

use crate::shell::page_data::PageData;
#[cfg(feature = "ssr")]
use crate::state::app_state;
use crate::{
    error::AppResult,
    platform::{money::Fen, time::format_datetime},
    shell::{
        components::{
            Card, EmptyState, FormError, INPUT, LABEL, Notice, PRIMARY_BUTTON, SECONDARY_BUTTON,
            notice_from_query,
        },
        errors::ErrorPage,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::{
        domain::{PaymentNotice, PaymentStatus},
        server::{
            apply::{self, Applied},
            service,
        },
    },
    crate::{
        accounts::{roles::Role, server::guard},
        error::AppError,
        messages::server as messages,
        orders::domain::{OrderStatus, PAYMENT_WINDOW_MS},
        platform::{
            server::{
                audit::{self, AuditEntry},
                request::{client_ip, request_parts},
                respond,
            },
            time::{check_date, now_ms},
        },
    },
};

/// The provider name of bank transfers in `payments`.
pub const TRANSFER: &str = "transfer";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferLine {
    pub payment_id: i64,
    pub order_no: String,
    pub trainee: String,
    pub class_title: String,
    pub amount_fen: Fen,
    pub requested_at: i64,
}

#[cfg(feature = "ssr")]
#[derive(sqlx::FromRow)]
struct TransferRow {
    payment_id: i64,
    order_no: String,
    trainee: String,
    class_title: String,
    amount_fen: Fen,
    requested_at: i64,
}

#[cfg(feature = "ssr")]
#[derive(sqlx::FromRow)]
struct ReviewRow {
    out_trade_no: String,
    amount_fen: Fen,
    #[sqlx(try_from = "String")]
    status: PaymentStatus,
    order_id: i64,
    order_no: String,
}

#[cfg(feature = "ssr")]
#[derive(sqlx::FromRow)]
struct Payer {
    user_id: i64,
    phone: Option<String>,
    registration_id: i64,
}

/// The trainee chooses 线下转账 for an unpaid order.
#[server(prefix = "/api", endpoint = "pay/transfer")]
pub async fn choose_transfer(registration_id: i64) -> AppResult<()> {
    respond(async move {
        let user = guard::require_user().await?;
        service::choose_transfer(&app_state()?, user.id, registration_id, now_ms()).await?;
        leptos_axum::redirect(&format!("/me/exams/{registration_id}/pay"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "finance/transfers")]
pub async fn list_transfers() -> AppResult<Vec<TransferLine>> {
    respond(async move {
        guard::require_any_role(&[Role::Finance, Role::PlatformAdmin]).await?;
        let rows: Vec<TransferRow> = sqlx::query_as(
            "SELECT p.id AS payment_id, o.order_no, u.name AS trainee, c.title AS class_title, p.amount_fen,
                    p.created_at AS requested_at FROM payments p
             JOIN orders o ON o.id = p.order_id JOIN registrations r ON r.id = o.registration_id
             JOIN users u ON u.id = r.user_id JOIN classes c ON c.id = r.class_id
             WHERE p.provider = $1 AND p.status = $2 ORDER BY p.created_at LIMIT 200",
        )
        .bind(TRANSFER)
        .bind(PaymentStatus::Pending.code())
        .fetch_all(app_state()?.db.reader())
        .await?;
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
    })
    .await
}

/// Finance confirms the receipt (确认到账) or refuses it (驳回) with a reason.
#[server(prefix = "/api", endpoint = "finance/transfers/review")]
pub async fn review_transfer(
    payment_id: i64,
    decision: String,
    #[server(default)] amount_yuan: String,
    #[server(default)] received_on: String,
    #[server(default)] reason: String,
) -> AppResult<()> {
    respond(async move {
        let finance = guard::require_any_role(&[Role::Finance, Role::PlatformAdmin]).await?;
        let state = app_state()?;
        let ip = client_ip(&request_parts()?, &state.config);
        let now = now_ms();
        let row: Option<ReviewRow> = sqlx::query_as(
            "SELECT p.out_trade_no, p.amount_fen, p.status, o.id AS order_id, o.order_no FROM payments p
             JOIN orders o ON o.id = p.order_id WHERE p.id = $1 AND p.provider = $2",
        )
        .bind(payment_id)
        .bind(TRANSFER)
        .fetch_optional(state.db.reader())
        .await?;
        let ReviewRow { out_trade_no, amount_fen, status, order_id, order_no } =
            row.ok_or_else(|| AppError::not_found("转账记录不存在"))?;
        match status {
            PaymentStatus::Pending => {}
            PaymentStatus::Closed => {
                return Err(AppError::conflict("该订单已超过转账期限自动关闭；如已收到款项，请原路退回"));
            }
            _ => return Err(AppError::conflict("该转账已处理")),
        }
        match decision.as_str() {
            "confirm" => {
                let received =
                    Fen::parse_yuan(&amount_yuan).map_err(|e| AppError::invalid_field("amount_yuan", e))?;
                if received != amount_fen {
                    return Err(AppError::invalid_field(
                        "amount_yuan",
                        format!("到账金额与订单金额 {amount_fen} 不符"),
                    ));
                }
                check_date(&received_on).map_err(|e| AppError::invalid_field("received_on", e))?;
                let notice = PaymentNotice {
                    out_trade_no,
                    transaction_id: format!("转账 {received_on}"),
                    amount_fen,
                    trade_state: "SUCCESS".to_owned(),
                    success_time: now,
                };
                let mut tx = state.db.begin().await?;
                if apply::apply_in(&mut tx, &state, TRANSFER, &notice, now).await? == Applied::Before {
                    return Err(AppError::conflict("该转账已处理"));
                }
                // Who confirmed, and the date on the account, in the same transaction.
                sqlx::query("UPDATE payments SET received_on = $1, reviewed_by = $2 WHERE id = $3")
                    .bind(&received_on)
                    .bind(finance.id)
                    .bind(payment_id)
                    .execute(&mut *tx)
                    .await?;
                audit::record(
                    &mut tx,
                    AuditEntry {
                        actor_user_id: finance.id,
                        action: "确认线下转账到账",
                        object_type: "order",
                        object_id: order_no,
                        detail: format!("{amount_fen} {received_on}"),
                        ip: &ip, at: now,
                    },
                )
                .await?;
                tx.commit().await?;
                leptos_axum::redirect("/admin/finance/transfers?confirmed=1");
                Ok(())
            }
            "reject" => {
                let reason = reason.trim();
                if reason.is_empty() || reason.chars().count() > 200 {
                    return Err(AppError::invalid_field("reason", "请填写驳回原因（不超过200字）"));
                }
                let mut tx = state.db.begin().await?;
                let changed = sqlx::query(
                    "UPDATE payments SET status = $1, review_note = $2, reviewed_by = $3 WHERE id = $4
                     AND status = $5",
                )
                .bind(PaymentStatus::Rejected.code())
                .bind(reason)
                .bind(finance.id)
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
                let Payer { user_id, phone, registration_id } = sqlx::query_as(
                    "SELECT r.user_id, u.phone, r.id AS registration_id FROM orders o JOIN registrations r ON r.id = o.registration_id
                     JOIN users u ON u.id = r.user_id WHERE o.id = $1",
                )
                .bind(order_id)
                .fetch_one(&mut *tx)
                .await?;
                let body = format!("订单 {order_no} 的线下转账未能确认，原因：{reason}。请核对后重新支付。");
                messages::send(&mut tx, &state, messages::Outgoing { user_id, phone: phone.as_deref(), title: "线下转账未确认", body: &body, link: &format!("/me/exams/{registration_id}/pay"), at: now })
                .await?;
                audit::record(
                    &mut tx,
                    AuditEntry {
                        actor_user_id: finance.id,
                        action: "驳回线下转账",
                        object_type: "order",
                        object_id: order_no.clone(),
                        detail: reason.to_owned(),
                        ip: &ip, at: now,
                    },
                )
                .await?;
                tx.commit().await?;
                leptos_axum::redirect("/admin/finance/transfers?rejected=1");
                Ok(())
            }
            _ => Err(AppError::bad_request("请选择审核结果")),
        }
    })
    .await
}

/// 财务 → 线下转账确认.
#[component]
pub fn TransfersPage() -> impl IntoView {
    let list = PageData::new(list_transfers());
    let review = ServerAction::<ReviewTransfer>::new();
    let error = Signal::derive(move || review.value().get().and_then(Result::err));
    let notice = notice_from_query(&[
        ("confirmed", "", "已确认到账，订单已支付"),
        ("rejected", "", "已驳回，已通知学员"),
    ]);
    view! {
        <Title text="线下转账确认" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"线下转账确认"</h1>
        <div class="space-y-4">
            <Notice message=notice />
            <FormError error />
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(items) if items.is_empty() => view! { <Card><EmptyState message="没有待确认的转账" /></Card> }.into_any(),
                        Ok(items) => view! {
                            <ul class="space-y-3" aria-label="待确认转账">
                                {items.into_iter().map(|t| view! {
                                    <li class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
                                        <p class="font-medium text-slate-900">{format!("订单号 {}", t.order_no)}</p>
                                        <p class="mt-1 text-sm text-slate-600">
                                            {format!("{} · {} · 应到账 {} · 申请于 {}", t.trainee, t.class_title, t.amount_fen, format_datetime(t.requested_at))}
                                        </p>
                                        <ActionForm action=review attr:class="mt-3 grid gap-3 sm:grid-cols-4" attr:aria-label=format!("审核订单 {}", t.order_no)>
                                            <input type="hidden" name="payment_id" value=t.payment_id />
                                            <div>
                                                <label class=LABEL for=format!("amount-{}", t.payment_id)>"到账金额（元）"</label>
                                                <input id=format!("amount-{}", t.payment_id) name="amount_yuan" class=INPUT />
                                            </div>
                                            <div>
                                                <label class=LABEL for=format!("date-{}", t.payment_id)>"到账日期"</label>
                                                <input id=format!("date-{}", t.payment_id) name="received_on" type="date" class=INPUT />
                                            </div>
                                            <div class="sm:col-span-2">
                                                <label class=LABEL for=format!("reason-{}", t.payment_id)>"驳回原因（驳回时必填）"</label>
                                                <input id=format!("reason-{}", t.payment_id) name="reason" class=INPUT />
                                            </div>
                                            <div class="flex gap-3 sm:col-span-4">
                                                <button type="submit" name="decision" value="confirm" class=PRIMARY_BUTTON>"确认到账"</button>
                                                <button type="submit" name="decision" value="reject" class=SECONDARY_BUTTON>"驳回"</button>
                                            </div>
                                        </ActionForm>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <ErrorPage error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}
