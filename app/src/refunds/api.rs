//! Server functions of refunds: the trainee's form and request, finance's queue and
//! decisions.

use super::{FinanceRefund, MyRefund, RefundForm};
use crate::error::AppResult;
#[cfg(feature = "ssr")]
use crate::state::app_state;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::server,
    crate::{
        accounts::{roles::Role, server::guard},
        error::AppError,
        platform::{
            server::{
                request::{client_ip, request_parts},
                respond,
            },
            time::now_ms,
        },
    },
};

#[server(prefix = "/api", endpoint = "me/refunds/form")]
pub async fn load_refund_form(registration_id: i64) -> AppResult<RefundForm> {
    respond(async move {
        let user = guard::require_user().await?;
        server::form(&app_state()?, user.id, registration_id, now_ms()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "me/refunds/list")]
pub async fn load_my_refunds(registration_id: i64) -> AppResult<Vec<MyRefund>> {
    respond(async move {
        let user = guard::require_user().await?;
        server::mine(&app_state()?, user.id, registration_id).await
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
        let user = guard::require_user().await?;
        server::request(&app_state()?, &user, registration_id, &kind, &reason, now_ms()).await?;
        leptos_axum::redirect(&format!("/me/exams/{registration_id}?refund=1"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "finance/refunds/list")]
pub async fn list_refunds() -> AppResult<Vec<FinanceRefund>> {
    respond(async move {
        guard::require_any_role(&[Role::Finance, Role::PlatformAdmin]).await?;
        let state = app_state()?;
        // The list is also where approved refunds are checked with the gateway.
        if let Err(err) = server::settle_processing(&state, now_ms()).await {
            tracing::warn!(error = %err.message, "refunds could not be settled with the gateway");
        }
        server::queue(&state).await
    })
    .await
}

/// The refunds that reached an end most recently (automatic returns among them).
#[server(prefix = "/api", endpoint = "finance/refunds/recent")]
pub async fn list_recent_refunds() -> AppResult<Vec<FinanceRefund>> {
    respond(async move {
        guard::require_any_role(&[Role::Finance, Role::PlatformAdmin]).await?;
        server::recent(&app_state()?).await
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
        let finance = guard::require_any_role(&[Role::Finance, Role::PlatformAdmin]).await?;
        let state = app_state()?;
        let ip = client_ip(&request_parts()?, &state.config);
        let now = now_ms();
        match decision.as_str() {
            "approve" => {
                server::approve(&state, &finance, refund_id, &ip, now).await?;
                leptos_axum::redirect("/admin/finance/refunds?approved=1");
            }
            "reject" => {
                server::reject(&state, &finance, refund_id, &reason, &ip, now).await?;
                leptos_axum::redirect("/admin/finance/refunds?rejected=1");
            }
            _ => return Err(AppError::bad_request("请选择审核结果")),
        }
        Ok(())
    })
    .await
}
