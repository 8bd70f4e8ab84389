//! What a server function knows about its request, and how its errors become statuses.

use super::config::Config;
use crate::error::{AppError, AppResult};
use axum::extract::ConnectInfo;
use http::{HeaderMap, StatusCode, header, request::Parts};
use leptos::prelude::*;
use std::net::SocketAddr;

pub fn request_parts() -> AppResult<Parts> {
    use_context::<Parts>().ok_or_else(|| AppError::internal("request parts missing from the context"))
}

/// The client's address: the socket peer, or the right-most `X-Forwarded-For` entry
/// when the deployment says a trusted proxy sets it.
pub fn client_ip(parts: &Parts, config: &Config) -> String {
    if config.trust_forwarded_for
        && let Some(ip) = forwarded_for(&parts.headers)
    {
        return ip;
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn forwarded_for(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("x-forwarded-for")?.to_str().ok()?;
    let last = value.rsplit(',').next()?.trim();
    (!last.is_empty()).then(|| last.to_owned())
}

pub fn user_agent(parts: &Parts) -> String {
    parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(300).collect())
        .unwrap_or_default()
}

/// A form posted by a browser without JavaScript: leptos answers it with a redirect
/// that carries the error in the URL, so its status must stay a redirect.
fn is_plain_form_post(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
        && parts.method != http::Method::GET
}

/// Redirects a form posted without JavaScript; the hydrated page decides for itself
/// where to go (for example after refreshing what it knows about the user).
pub fn redirect_without_js(path: &str) {
    if use_context::<Parts>().is_some_and(|parts| is_plain_form_post(&parts)) {
        leptos_axum::redirect(path);
    }
}

/// Runs a server function's body and, when it fails, gives the response the error's
/// status (403, 404, 422 …) instead of the default 500. During a page render the
/// status becomes the page's status.
pub async fn respond<T>(body: impl Future<Output = AppResult<T>>) -> AppResult<T> {
    let result = body.await;
    if let Err(err) = &result {
        set_error_status(err);
    }
    result
}

pub fn set_error_status(err: &AppError) {
    if use_context::<Parts>().is_some_and(|parts| is_plain_form_post(&parts)) {
        return;
    }
    if let Ok(status) = StatusCode::from_u16(err.kind.status()) {
        set_page_status(status);
    }
}

/// Sets the response status, unless the page already redirects (a redirect decided
/// during the render, such as the initial-password gate, wins over errors of the
/// data it made unnecessary).
pub fn set_page_status(status: StatusCode) {
    let Some(options) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let mut parts = options.0.write().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !parts.status.is_some_and(|current| current.is_redirection()) {
        parts.status = Some(status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_right_most_forwarded_address() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "1.2.3.4, 10.0.0.1".parse().unwrap());
        assert_eq!(forwarded_for(&headers), Some("10.0.0.1".into()));
    }
}
