//! Middleware every request passes: tracing, compression, security headers, the
//! cross-site check and the body limit.

use app::platform::server::AppState;
use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tower_http::{
    CompressionLevel, LatencyUnit,
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

/// A span per request (method, path, request id), and one line per response.
pub fn with_tracing(router: Router) -> Router {
    fn span(request: &Request) -> tracing::Span {
        let request_id =
            request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
        tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id)
    }
    // Layers run outside-in from the last added: the id is set, then the span opens.
    router
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(span as fn(&Request) -> tracing::Span)
                .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(LatencyUnit::Micros)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// gzip and brotli for HTML, JS, CSS, JSON and wasm; already-encoded responses
/// (the precompressed assets) and images pass through. A fast level: pages are
/// small and compressed per request.
pub fn with_compression(router: Router) -> Router {
    router.layer(CompressionLayer::new().gzip(true).br(true).quality(CompressionLevel::Fastest))
}

/// Headers for every response. The page shell sets its own per-response CSP with the
/// hydration nonce; the default here covers everything else.
pub fn with_headers(router: Router, production: bool) -> Router {
    let hsts = if production { "max-age=31536000; includeSubDomains" } else { "max-age=0" };
    router
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        // same-origin: forms without JavaScript need the Referer to come back to
        // their page; other sites learn nothing.
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(self), microphone=(), geolocation=(), payment=()"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache, private"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(hsts),
        ))
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

/// Refuses state-changing requests that a browser marks as coming from another site
/// (Fetch Metadata), or whose Origin is not this site. Requests with neither header
/// are refused too: every browser sends one of them with a POST.
pub async fn reject_cross_site(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_safe_method(request.method())
        || is_same_site(request.headers(), state.config.public_origin.as_deref())
    {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "cross-site request refused");
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "跨站请求已被拒绝")
        .into_response()
}

fn is_same_site(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let text = |name: HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text(HeaderName::from_static("sec-fetch-site")) {
        return site == "same-origin" || site == "none";
    }
    let Some(origin) = text(header::ORIGIN) else {
        return false;
    };
    if public_origin.is_some_and(|allowed| allowed.eq_ignore_ascii_case(origin)) {
        return true;
    }
    let origin_host = origin.split_once("://").map(|(_, host)| host);
    match (origin_host, text(header::HOST)) {
        (Some(origin_host), Some(host)) => origin_host.eq_ignore_ascii_case(host),
        _ => false,
    }
}

/// Caps request bodies: a small limit for forms and server functions, a larger one
/// for upload endpoints (their paths end in `/upload`). A declared length over the
/// limit is refused at once; a body without one is read up to the limit first, so
/// an oversized stream also gets a clear 413 rather than a decoding error.
pub async fn limit_body(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let limit = if path.ends_with("/video/upload") {
        state.config.video_limit_bytes + 64 * 1024
    } else if path.ends_with("/upload") {
        state.config.upload_limit_bytes + 64 * 1024
    } else {
        state.config.body_limit_bytes
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(length) if length > limit => too_large(),
        Some(_) => {
            // The declared length is within the limit; hyper stops reading at it.
            next.run(request).await
        }
        None if is_safe_method(request.method()) => next.run(request).await,
        None => {
            let (parts, body) = request.into_parts();
            match http_body_util::BodyExt::collect(http_body_util::Limited::new(body, limit)).await {
                Ok(collected) => next.run(Request::from_parts(parts, Body::from(collected.to_bytes()))).await,
                Err(err) if err.downcast_ref::<http_body_util::LengthLimitError>().is_some() => too_large(),
                Err(_) => (StatusCode::BAD_REQUEST, "请求内容不完整").into_response(),
            }
        }
    }
}

fn too_large() -> Response {
    (StatusCode::PAYLOAD_TOO_LARGE, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "提交的内容过大")
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(is_same_site(&headers(&[("sec-fetch-site", "same-origin")]), None));
        assert!(!is_same_site(
            &headers(&[("sec-fetch-site", "cross-site"), ("origin", "http://a"), ("host", "a")]),
            None
        ));
        assert!(!is_same_site(&headers(&[("sec-fetch-site", "same-site")]), None));
    }

    #[test]
    fn origin_must_match_host_or_public_origin() {
        assert!(is_same_site(
            &headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]),
            None
        ));
        assert!(!is_same_site(
            &headers(&[("origin", "http://evil.example"), ("host", "127.0.0.1:3000")]),
            None
        ));
        assert!(is_same_site(
            &headers(&[("origin", "https://xueshi.example.cn"), ("host", "10.0.0.5:3000")]),
            Some("https://xueshi.example.cn")
        ));
        assert!(!is_same_site(&headers(&[("origin", "null"), ("host", "a")]), None));
        assert!(!is_same_site(&headers(&[("host", "a")]), None));
    }
}
