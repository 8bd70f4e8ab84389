//! `POST /pay/notify/{provider}`: a gateway's asynchronous payment notification. It
//! comes from the gateway's servers, not a browser, so it sits outside the cross-site
//! check; the signature is what proves it. Verified notifications are applied exactly
//! once; anything refused is logged and changes nothing.

use app::state::AppState;
use app::{
    error::ErrorKind,
    payments::server::apply::{self, Applied},
    platform::time::now_ms,
    refunds::server::{self as refunds, Completed},
};
use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::json;

fn answer(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

pub async fn notify(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let gateway = state.payments.provider();
    if provider != gateway.name() {
        return answer(StatusCode::NOT_FOUND, "FAIL", "unknown provider");
    }
    let now = now_ms();
    let notice = match gateway.verify_notification(&headers, &body, now) {
        Ok(notice) => notice,
        Err(refused) => {
            tracing::warn!(%provider, reason = %refused, "payment notification refused");
            return answer(StatusCode::UNAUTHORIZED, "FAIL", "verification failed");
        }
    };
    match apply::apply(&state, gateway.name(), &notice, now).await {
        Ok(applied) => {
            if applied == Applied::Now {
                tracing::info!(out_trade_no = %notice.out_trade_no, "payment applied");
            }
            answer(StatusCode::OK, "SUCCESS", "OK")
        }
        Err(err) if err.kind == ErrorKind::Internal => {
            answer(StatusCode::INTERNAL_SERVER_ERROR, "FAIL", "try again")
        }
        Err(err) => {
            tracing::warn!(out_trade_no = %notice.out_trade_no, amount_fen = notice.amount_fen.fen(), reason = %err.message,
                "payment notification refused");
            answer(StatusCode::BAD_REQUEST, "FAIL", "refused")
        }
    }
}

/// `POST /pay/notify/{provider}/refund`: the gateway confirms a refund. Verified the
/// same way, applied exactly once.
pub async fn notify_refund(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let gateway = state.payments.provider();
    if provider != gateway.name() {
        return answer(StatusCode::NOT_FOUND, "FAIL", "unknown provider");
    }
    let now = now_ms();
    let notice = match gateway.verify_refund_notification(&headers, &body, now) {
        Ok(notice) => notice,
        Err(refused) => {
            tracing::warn!(%provider, reason = %refused, "refund notification refused");
            return answer(StatusCode::UNAUTHORIZED, "FAIL", "verification failed");
        }
    };
    match refunds::complete(&state, gateway.name(), &notice, now).await {
        Ok(done) => {
            if done == Completed::Now {
                tracing::info!(out_refund_no = %notice.out_refund_no, "refund applied");
            }
            answer(StatusCode::OK, "SUCCESS", "OK")
        }
        Err(err) if err.kind == ErrorKind::Internal => {
            answer(StatusCode::INTERNAL_SERVER_ERROR, "FAIL", "try again")
        }
        Err(err) => {
            tracing::warn!(out_refund_no = %notice.out_refund_no, amount_fen = notice.amount_fen.fen(), reason = %err.message,
                "refund notification refused");
            answer(StatusCode::BAD_REQUEST, "FAIL", "refused")
        }
    }
}
