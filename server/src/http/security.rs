//! Middleware every request passes: tracing, compression, security headers, the
//! cross-site check and the body limit (with request timeouts and the upload guard).

use app::accounts::{domain::roles::Role, server::guard};
use app::state::AppState;
use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use futures::StreamExt;
use std::{
    sync::{
        Arc,
        atomic::{AtomicU8, Ordering},
    },
    time::Duration,
};
use tower_http::{
    CompressionLevel, LatencyUnit,
    catch_panic::CatchPanicLayer,
    compression::{
        CompressionLayer,
        predicate::{DefaultPredicate, NotForContentType, Predicate},
    },
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

/// What a panic while answering turns into.
pub type PanicHandler = fn(Box<dyn std::any::Any + Send + 'static>) -> Response;

/// A panic while answering (a bug meeting input nobody expected) becomes a 500 with
/// the usual words and an error line in the request's span, instead of a connection
/// the client sees reset. Apply it inside the tracing layer.
pub fn catch_panic_layer() -> CatchPanicLayer<PanicHandler> {
    CatchPanicLayer::custom(answer_panic as PanicHandler)
}

const PANIC_PAGE: &str = "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>系统繁忙</title></head>\
<body><h1>系统繁忙，请稍后再试</h1><p><a href=\"/\">返回首页</a></p></body></html>";

fn answer_panic(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned());
    // Bounded, and cut on a character boundary: the message may quote the input.
    let detail: String = detail.chars().take(500).collect();
    tracing::error!(panic = %detail, "request handler panicked");
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], PANIC_PAGE)
        .into_response()
}

/// gzip and brotli for HTML, JS, CSS, JSON and wasm; already-encoded responses
/// (the precompressed assets) and images pass through. A fast level: pages are
/// small and compressed per request.
pub fn with_compression(router: Router) -> Router {
    // Videos are compressed already, and a compressed 206 would break seeking.
    let predicate = DefaultPredicate::new().and(NotForContentType::const_new("video/"));
    router.layer(
        CompressionLayer::new()
            .gzip(true)
            .br(true)
            .quality(CompressionLevel::Fastest)
            .compress_when(predicate),
    )
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
/// limit is refused at once. An ordinary body without one is read up to the limit
/// first, so an oversized stream also gets a clear 413 rather than a decoding error;
/// ordinary requests end after `XUESHI_REQUEST_TIMEOUT_SECONDS` (slow clients).
/// Uploads are handed to [`receive_upload`], which never buffers them.
pub async fn limit_body(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let upload = if is_safe_method(request.method()) { None } else { upload_policy(path) };
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
    if declared.is_some_and(|length| length > limit) {
        return too_large();
    }
    if let Some(policy) = upload {
        return receive_upload(&state, policy, limit, request, next).await;
    }
    let answer = async {
        match declared {
            // Within the limit; hyper stops reading at the declared length.
            Some(_) => next.run(request).await,
            None if is_safe_method(request.method()) => next.run(request).await,
            None => {
                let (parts, body) = request.into_parts();
                match http_body_util::BodyExt::collect(http_body_util::Limited::new(body, limit)).await {
                    Ok(collected) => {
                        next.run(Request::from_parts(parts, Body::from(collected.to_bytes()))).await
                    }
                    Err(err) if err.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
                        too_large()
                    }
                    Err(_) => (StatusCode::BAD_REQUEST, "请求内容不完整").into_response(),
                }
            }
        }
    };
    tokio::time::timeout(state.config.request_timeout, answer).await.unwrap_or_else(|_| timed_out())
}

/// Who may send an upload's body, decided from the session before any of it is read.
/// The server function's own guard still decides in full (ownership, scope).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UploadPolicy {
    Anyone,
    SignedIn,
    Roles(&'static [Role]),
}

/// Uploads a visitor may send without an account (单位注册 with its licence).
const ANONYMOUS_UPLOADS: [&str; 1] = ["/api/units/register/upload"];

fn upload_policy(path: &str) -> Option<UploadPolicy> {
    if path.ends_with("/video/upload") {
        Some(UploadPolicy::Roles(&[Role::Provider, Role::PlatformAdmin]))
    } else if ANONYMOUS_UPLOADS.contains(&path) {
        Some(UploadPolicy::Anyone)
    } else if path.ends_with("/upload") {
        Some(UploadPolicy::SignedIn)
    } else {
        None
    }
}

/// What the body guard saw, read after the handler answered.
const BODY_OK: u8 = 0;
const BODY_STALLED: u8 = 1;
const BODY_TOO_LARGE: u8 = 2;

/// An upload: the sender is authenticated (and authorised, for videos) from the
/// session cookie before a byte of the body is read; one of `XUESHI_UPLOAD_CONCURRENCY`
/// places is taken (none free: 503); then the body streams to the handler unbuffered,
/// counted against the limit, and aborted with 408 when it stalls for
/// `XUESHI_UPLOAD_STALL_SECONDS` or the whole upload passes `XUESHI_UPLOAD_TIMEOUT_SECONDS`.
async fn receive_upload(
    state: &AppState,
    policy: UploadPolicy,
    limit: usize,
    mut request: Request,
    next: Next,
) -> Response {
    if policy != UploadPolicy::Anyone {
        let user = match guard::user_from_headers(state, request.headers()).await {
            Ok(user) => user,
            Err(err) => {
                tracing::error!(error = %err.message, "the uploader could not be resolved");
                return plain(StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙，请稍后再试");
            }
        };
        let Some(user) = user else {
            return plain(StatusCode::UNAUTHORIZED, "请先登录");
        };
        if let UploadPolicy::Roles(roles) = policy
            && !roles.iter().any(|role| user.has_role(*role))
        {
            return plain(StatusCode::FORBIDDEN, "您没有权限上传该文件");
        }
        // The server function's guard takes the user from here instead of again.
        request.extensions_mut().insert(guard::PageUser(Ok(Some(user))));
    }
    let Ok(_place) = state.upload_permits.clone().try_acquire_owned() else {
        let mut busy = plain(StatusCode::SERVICE_UNAVAILABLE, "当前上传的人较多，请稍后再试");
        busy.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
        return busy;
    };
    let seen = Arc::new(AtomicU8::new(BODY_OK));
    let (parts, body) = request.into_parts();
    let body = guarded_body(body, state.config.upload_stall, limit, seen.clone());
    let answered =
        tokio::time::timeout(state.config.upload_timeout, next.run(Request::from_parts(parts, body))).await;
    match (answered, seen.load(Ordering::Acquire)) {
        (Err(_), _) | (Ok(_), BODY_STALLED) => timed_out(),
        (Ok(_), BODY_TOO_LARGE) => too_large(),
        (Ok(response), _) => response,
    }
}

/// The body as a stream that fails (and says why in `seen`) when no bytes come for
/// `stall`, or when more than `limit` bytes do.
fn guarded_body(body: Body, stall: Duration, limit: usize, seen: Arc<AtomicU8>) -> Body {
    let chunks =
        futures::stream::unfold((body.into_data_stream(), 0usize, false), move |(mut data, read, failed)| {
            let seen = seen.clone();
            async move {
                if failed {
                    return None;
                }
                let failure = match tokio::time::timeout(stall, data.next()).await {
                    Ok(None) => return None,
                    Ok(Some(Ok(chunk))) if read + chunk.len() <= limit => {
                        let read = read + chunk.len();
                        return Some((Ok(chunk), (data, read, false)));
                    }
                    Ok(Some(Ok(_))) => {
                        seen.store(BODY_TOO_LARGE, Ordering::Release);
                        std::io::Error::other("the upload is over the limit")
                    }
                    Ok(Some(Err(err))) => std::io::Error::other(err),
                    Err(_) => {
                        seen.store(BODY_STALLED, Ordering::Release);
                        std::io::Error::new(std::io::ErrorKind::TimedOut, "the upload stalled")
                    }
                };
                Some((Err(failure), (data, read, true)))
            }
        });
    Body::from_stream(chunks)
}

fn plain(status: StatusCode, message: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message).into_response()
}

fn timed_out() -> Response {
    plain(StatusCode::REQUEST_TIMEOUT, "请求超时，请检查网络后重试")
}

/// Refuses a NUL character anywhere in the address (path or query, `%00`) or in a form
/// body: no form field means one, and PostgreSQL cannot store one in text, so a query
/// reaching it would fail with a 500 on one engine only. Multipart bodies (uploads) are
/// not scanned here: their text fields are checked by the forms that read them.
pub async fn refuse_nul(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.uri().path_and_query().is_some_and(|pq| carries_nul(pq.as_str())) {
        return bad_characters();
    }
    let is_form =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
            v.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded")
        });
    if !is_form {
        return next.run(request).await;
    }
    // Forms are small (the body limit) and read whole by the server function anyway.
    let (parts, body) = request.into_parts();
    let bytes = match http_body_util::BodyExt::collect(http_body_util::Limited::new(
        body,
        state.config.body_limit_bytes,
    ))
    .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.downcast_ref::<http_body_util::LengthLimitError>().is_some() => return too_large(),
        Err(_) => return (StatusCode::BAD_REQUEST, "请求内容不完整").into_response(),
    };
    if bytes.contains(&0) || bytes.windows(3).any(|w| w == b"%00") {
        return bad_characters();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// Whether `text` holds a NUL once decoded, also when encoded twice: a path parameter
/// is decoded by the router and again by the page's params (`%2500` → `%00` → NUL).
fn carries_nul(text: &str) -> bool {
    let mut current = text.to_owned();
    for _ in 0..3 {
        if current.contains('\0') || current.contains("%00") {
            return true;
        }
        let decoded = app::platform::url::percent_decode(&current);
        if decoded == current {
            return false;
        }
        current = decoded;
    }
    current.contains('\0')
}

fn bad_characters() -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "提交的内容含有无法识别的字符",
    )
        .into_response()
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
    fn nul_is_found_however_often_encoded() {
        assert!(carries_nul("/query/hours/%00"));
        assert!(carries_nul("/query/hours/%2500"));
        assert!(carries_nul("/query/hours/%252500"));
        assert!(carries_nul("/enroll?q=a%00b"));
        assert!(!carries_nul("/enroll?q=%E5%9F%B9%E8%AE%AD&page=100"));
        assert!(!carries_nul("/news/100?page=2"));
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
