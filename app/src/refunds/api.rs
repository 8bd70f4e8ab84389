//! Server functions of refunds: the trainee's form and request, finance's queue and
//! decisions.

use crate::error::AppResult;
use crate::platform::money::Fen;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::server::{repo, service},
    crate::{accounts::domain::roles::Role, error::AppError, platform::server::respond, state::Ctx},
};

use super::domain::{RefundKind, RefundStatus};

/// What the 退款申请 form offers for one registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundForm {
    pub registration_id: i64,
    pub class_title: String,
    pub order_no: String,
    pub paid_fen: Fen,
    pub refunded_fen: Fen,
    /// What 全额退款 would pay back, when possible.
    pub full_fen: Option<Fen>,
    /// What 部分退款 (accommodation only) would pay back, when on offer.
    pub partial_fen: Option<Fen>,
    /// Why no refund can be asked for now (the registration's state).
    pub refusal: Option<String>,
}

/// One of the trainee's refunds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRefund {
    pub kind: RefundKind,
    pub amount_fen: Fen,
    pub reason: String,
    pub status: RefundStatus,
    /// Finance's reason for refusing, or the gateway's.
    pub review_note: String,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

/// A refund in finance's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinanceRefund {
    pub id: i64,
    pub order_no: String,
    pub trainee: String,
    pub class_title: String,
    pub kind: RefundKind,
    pub amount_fen: Fen,
    pub paid_fen: Fen,
    pub reason: String,
    pub status: RefundStatus,
    /// Paid by bank transfer: finance pays it back by transfer too.
    pub by_transfer: bool,
    /// The order is on an issued invoice, which must be voided first.
    pub invoice_issued: bool,
    pub created_at: i64,
    pub completed_at: Option<i64>,
    /// Settlement tries with the gateway that did not get through, the last one's
    /// error, and when the next is due.
    pub attempts: i64,
    pub last_error: String,
    pub next_attempt_at: Option<i64>,
}

#[server(prefix = "/api", endpoint = "me/refunds/form")]
pub async fn load_refund_form(registration_id: i64) -> AppResult<RefundForm> {
    respond(async move { service::form(&Ctx::require_user().await?, registration_id).await }).await
}

#[server(prefix = "/api", endpoint = "me/refunds/list")]
pub async fn load_my_refunds(registration_id: i64) -> AppResult<Vec<MyRefund>> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        repo::mine(&cx.state.db, cx.user.id, registration_id).await
    })
    .await
}

/// 提交退款申请. `kind` is `full` or `partial` (offline classes with accommodation).
#[server(prefix = "/api", endpoint = "me/refunds/request")]
pub async fn request_refund(
    registration_id: i64,
    #[server(default)] kind: String,
    #[server(default)] reason: String,
) -> AppResult<()> {
    respond(async move {
        service::request(&Ctx::require_user().await?, registration_id, &kind, &reason).await?;
        leptos_axum::redirect(&format!("/me/exams/{registration_id}?refund=1"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "finance/refunds/list")]
pub async fn list_refunds() -> AppResult<Vec<FinanceRefund>> {
    respond(async move {
        let cx = Ctx::require_any(FINANCE).await?;
        // The list is also where approved refunds are checked with the gateway.
        if let Err(err) = service::settle_processing(&cx.state, cx.now).await {
            tracing::warn!(error = %err.message, "refunds could not be settled with the gateway");
        }
        repo::queue(&cx.state.db).await
    })
    .await
}

/// The refunds that reached an end most recently (automatic returns among them).
#[server(prefix = "/api", endpoint = "finance/refunds/recent")]
pub async fn list_recent_refunds() -> AppResult<Vec<FinanceRefund>> {
    respond(async move {
        let cx = Ctx::require_any(FINANCE).await?;
        repo::recent(&cx.state.db).await
    })
    .await
}

/// 同意退款 or 驳回 (with a reason).
#[server(prefix = "/api", endpoint = "finance/refunds/review")]
pub async fn review_refund(
    refund_id: i64,
    decision: String,
    #[server(default)] reason: String,
) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(FINANCE).await?;
        match decision.as_str() {
            "approve" => {
                service::approve(&cx, refund_id).await?;
                leptos_axum::redirect("/admin/finance/refunds?approved=1");
            }
            "reject" => {
                service::reject(&cx, refund_id, &reason).await?;
                leptos_axum::redirect("/admin/finance/refunds?rejected=1");
            }
            _ => return Err(AppError::bad_request("请选择审核结果")),
        }
        Ok(())
    })
    .await
}

/// Who decides refunds.
#[cfg(feature = "ssr")]
const FINANCE: &[Role] = &[Role::Finance, Role::PlatformAdmin];
