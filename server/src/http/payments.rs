//! `POST /pay/notify/{provider}` and `POST /pay/notify/{provider}/refund`: a gateway's
//! asynchronous notifications of a payment and of a refund. They come from the
//! gateway's servers, not a browser, so they sit outside the cross-site check; the
//! signature is what proves them. Verified notifications are applied exactly once;
//! anything refused is logged and changes nothing. Both go through one handler,
//! [`handle`], and differ only in their [`Notification`].

use app::state::AppState;
use app::{
    error::{AppResult, ErrorKind},
    payments::{
        domain::{PaymentNotice, RefundNotice},
        server::{
            apply::{self, Applied},
            provider::{NotificationRefused, PaymentProvider},
        },
    },
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

/// A notification as it came: its headers and body, and when.
struct Signed<'a> {
    headers: &'a HeaderMap,
    body: &'a str,
    now: i64,
}

/// What differs between the notifications: how the gateway verifies one, how it is
/// applied, and what the log says about it.
trait Notification: Sized {
    /// "payment" or "refund", for the log.
    const KIND: &'static str;

    fn verify(gateway: &dyn PaymentProvider, signed: &Signed<'_>) -> Result<Self, NotificationRefused>;

    /// Applies the notification; `true` when this call applied it (not an earlier one).
    async fn apply(&self, state: &AppState, provider: &str, now: i64) -> AppResult<bool>;

    /// Logs that this call applied it (`None`), or why it was refused.
    fn log(&self, refused: Option<&str>);
}

impl Notification for PaymentNotice {
    const KIND: &'static str = "payment";

    fn verify(gateway: &dyn PaymentProvider, signed: &Signed<'_>) -> Result<Self, NotificationRefused> {
        gateway.verify_notification(signed.headers, signed.body, signed.now)
    }

    async fn apply(&self, state: &AppState, provider: &str, now: i64) -> AppResult<bool> {
        Ok(apply::apply(state, provider, self, now).await? == Applied::Now)
    }

    fn log(&self, refused: Option<&str>) {
        let (out_trade_no, amount_fen) = (&self.out_trade_no, self.amount_fen.fen());
        match refused {
            None => tracing::info!(%out_trade_no, "payment applied"),
            Some(reason) => {
                tracing::warn!(%out_trade_no, amount_fen, %reason, "payment notification refused")
            }
        }
    }
}

impl Notification for RefundNotice {
    const KIND: &'static str = "refund";

    fn verify(gateway: &dyn PaymentProvider, signed: &Signed<'_>) -> Result<Self, NotificationRefused> {
        gateway.verify_refund_notification(signed.headers, signed.body, signed.now)
    }

    async fn apply(&self, state: &AppState, provider: &str, now: i64) -> AppResult<bool> {
        Ok(refunds::complete(state, provider, self, now).await? == Completed::Now)
    }

    fn log(&self, refused: Option<&str>) {
        let (out_refund_no, amount_fen) = (&self.out_refund_no, self.amount_fen.fen());
        match refused {
            None => tracing::info!(%out_refund_no, "refund applied"),
            Some(reason) => {
                tracing::warn!(%out_refund_no, amount_fen, %reason, "refund notification refused")
            }
        }
    }
}

/// Verifies and applies one notification of the configured gateway: 404 for another
/// provider, 401 when verification fails, 500 (the gateway tries again) on an internal
/// error, 400 when it is refused, 200 once applied (now or before).
async fn handle<N: Notification>(
    state: AppState,
    provider: String,
    headers: HeaderMap,
    body: String,
) -> Response {
    let gateway = state.payments.provider();
    if provider != gateway.name() {
        return answer(StatusCode::NOT_FOUND, "FAIL", "unknown provider");
    }
    let now = now_ms();
    let notice = match N::verify(gateway, &Signed { headers: &headers, body: &body, now }) {
        Ok(notice) => notice,
        Err(refused) => {
            tracing::warn!(%provider, reason = %refused, "{} notification refused", N::KIND);
            return answer(StatusCode::UNAUTHORIZED, "FAIL", "verification failed");
        }
    };
    match notice.apply(&state, gateway.name(), now).await {
        Ok(applied_now) => {
            if applied_now {
                notice.log(None);
            }
            answer(StatusCode::OK, "SUCCESS", "OK")
        }
        Err(err) if err.kind == ErrorKind::Internal => {
            answer(StatusCode::INTERNAL_SERVER_ERROR, "FAIL", "try again")
        }
        Err(err) => {
            notice.log(Some(&err.message));
            answer(StatusCode::BAD_REQUEST, "FAIL", "refused")
        }
    }
}

/// `POST /pay/notify/{provider}`: the gateway confirms a payment.
pub async fn notify(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    handle::<PaymentNotice>(state, provider, headers, body).await
}

/// `POST /pay/notify/{provider}/refund`: the gateway confirms a refund.
pub async fn notify_refund(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    handle::<RefundNotice>(state, provider, headers, body).await
}
