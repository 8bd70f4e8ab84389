//! `GET /certificates/{serial}.pdf` (the holder, their unit's admin, the authority of
//! its region) and `GET /.well-known/xueshi-keys.json` (anyone: the public keys that
//! check a certificate's signature offline).

use app::{
    accounts::server::guard,
    certificates::{
        domain::SIGNED_TEXT_VERSION,
        server::{keys, service},
    },
    error::ErrorKind,
    platform::time::format_date,
    state::AppState,
};
use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

pub async fn pdf(State(state): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let user = match guard::user_from_headers(&state, &headers).await {
        Ok(Some(user)) => user,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "请先登录").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "certificate download failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙，请稍后再试").into_response();
        }
    };
    let Some(serial) = file.strip_suffix(".pdf") else {
        return (StatusCode::NOT_FOUND, "没有这个编号的证书").into_response();
    };
    match service::pdf(&state, &user, serial).await {
        Ok((bytes, name)) => {
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
            if let Ok(value) = HeaderValue::from_str(&format!(
                "inline; filename*=UTF-8''{}",
                app::platform::url::percent_encode(&name)
            )) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            response
        }
        Err(err) if err.kind == ErrorKind::NotFound => (StatusCode::NOT_FOUND, err.message).into_response(),
        Err(err) => {
            tracing::error!(error = %err.message, "certificate PDF failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙，请稍后再试").into_response()
        }
    }
}

#[derive(Serialize)]
struct PublishedKeys {
    format: &'static str,
    algorithm: &'static str,
    keys: Vec<PublishedKey>,
}

#[derive(Serialize)]
struct PublishedKey {
    id: String,
    /// 32 bytes, base64url without padding.
    public_key: String,
    created_on: String,
    /// Retired keys no longer sign but still verify what they signed.
    retired_on: Option<String>,
}

pub async fn public_keys(State(state): State<AppState>) -> Response {
    match keys::all(state.db.reader()).await {
        Ok(rows) => {
            let keys = rows
                .into_iter()
                .map(|k| PublishedKey {
                    id: k.id,
                    public_key: k.public_key,
                    created_on: format_date(k.created_at),
                    retired_on: k.retired_at.map(format_date),
                })
                .collect();
            let mut response =
                Json(PublishedKeys { format: SIGNED_TEXT_VERSION, algorithm: "Ed25519", keys })
                    .into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
            response
        }
        Err(err) => {
            tracing::error!(error = %err.message, "public keys failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙，请稍后再试").into_response()
        }
    }
}
