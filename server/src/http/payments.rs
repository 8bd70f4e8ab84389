//! `POST /pay/notify/{provider}`: a gateway's asynchronous payment notification. It
//! comes from the gateway's servers, not a browser, so it sits outside the cross-site
//! check; the signature is what proves it. Verified notifications are applied exactly
//! once; anything refused is logged and changes nothing.

use app::{
    error::ErrorKind,
    payments::server::apply::{self, Applied},
    platform::{server::AppState, time::now_ms},
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
            tracing::warn!(out_trade_no = %notice.out_trade_no, amount_fen = notice.amount_fen, reason = %err.message,
                "payment notification refused");
            answer(StatusCode::BAD_REQUEST, "FAIL", "refused")
        }
    }
}
