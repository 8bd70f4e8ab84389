//! The HTTP layer: statuses, security headers, compression, cross-site and size
//! limits, health. On both engines.

#![allow(clippy::unwrap_used)] // a failed setup step fails the test

mod common;
use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use common::*;

engine_tests!(
    pages_answer_with_real_statuses,
    pages_carry_security_headers_and_a_nonce_policy,
    html_is_compressed,
    cross_site_writes_are_refused,
    oversized_bodies_are_refused,
    health_and_readiness,
    pages_keep_their_headers_while_files_are_served,
);

/// A static file served at the same moment as a page must not take the page's
/// headers (leptos_axum's file handler once emptied another request's ResponseOptions).
async fn pages_keep_their_headers_while_files_are_served(app: &TestApp) {
    // Separate tasks, as a server runs requests.
    let router = app.router.clone();
    let requests = (0..60).map(|i| {
        let router = router.clone();
        tokio::spawn(async move {
            use tower::ServiceExt;
            let path = if i % 2 == 0 { "/favicon.svg" } else { "/news" };
            let mut request = axum::http::Request::get(path)
                .header("host", "localhost")
                .body(axum::body::Body::empty())
                .unwrap();
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([10, 0, 0, 1], 40000))));
            let response = router.oneshot(request).await.unwrap();
            let csp =
                response.headers().get("content-security-policy").map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(response.status(), StatusCode::OK);
            (path, csp.unwrap_or_default())
        })
    });
    for answer in futures::future::join_all(requests).await {
        let (path, csp) = answer.unwrap();
        if path == "/news" {
            assert!(csp.contains("'nonce-"), "{csp}");
        }
    }
}

async fn pages_answer_with_real_statuses(app: &TestApp) {
    let home = app.get("/", None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("通知公告") && home.body.contains("<html lang=\"zh-CN\""));
    let missing = app.get("/no/such/page", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("页面不存在"));
    assert_eq!(app.get("/admin", None).await.status, StatusCode::UNAUTHORIZED);
    let trainee = app.login(TRAINEE_PHONE).await;
    let forbidden = app.get("/admin", Some(&trainee)).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert!(forbidden.body.contains("无权访问"));
    let admin = app.login(ADMIN_PHONE).await;
    let console = app.get("/admin/announcements", Some(&admin)).await;
    assert_eq!(console.status, StatusCode::OK);
    assert!(console.body.contains("通知公告管理"));
    // Staff without the platform role see the area but not the announcement console.
    let finance = app.login(FINANCE_PHONE).await;
    assert_eq!(app.get("/admin", Some(&finance)).await.status, StatusCode::OK);
    assert_eq!(app.get("/admin/announcements", Some(&finance)).await.status, StatusCode::FORBIDDEN);
    // Internal detail never reaches the page.
    assert!(!missing.body.contains("sqlx") && !missing.body.contains("panicked"));
}

async fn pages_carry_security_headers_and_a_nonce_policy(app: &TestApp) {
    let home = app.get("/", None).await;
    let csp = home.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce");
    assert!(home.body.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the nonce");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"));
    assert_eq!(home.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(home.headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(home.headers[header::REFERRER_POLICY], "same-origin");
    assert!(home.headers.contains_key("x-request-id"));
    // Each response has its own nonce.
    let again = app.get("/", None).await;
    assert_ne!(again.headers[header::CONTENT_SECURITY_POLICY], home.headers[header::CONTENT_SECURITY_POLICY]);
    // Non-page responses get a deny-all policy.
    let api = app.call("/api/announcements/home", &[], None).await;
    assert!(api.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().starts_with("default-src 'none'"));
}

async fn html_is_compressed(app: &TestApp) {
    for encoding in ["br", "gzip"] {
        let request = Request::builder()
            .uri("/")
            .header(header::HOST, "localhost")
            .header(header::ACCEPT_ENCODING, encoding)
            .body(Body::empty())
            .unwrap();
        let response = app.send(request, "10.0.0.1").await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.headers[header::CONTENT_ENCODING], encoding);
    }
}

async fn cross_site_writes_are_refused(app: &TestApp) {
    let form = "account=13800000011&password=x&captcha_id=x&captcha=x";
    let cases: [&[(&str, &str)]; 4] = [
        &[("origin", "http://evil.example")],
        &[("sec-fetch-site", "cross-site"), ("origin", "http://localhost")],
        &[("sec-fetch-site", "same-site")],
        &[],
    ];
    for headers in cases {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri("/api/accounts/login")
            .header(header::HOST, "localhost")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let response = app.send(builder.body(Body::from(form)).unwrap(), "10.0.0.1").await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(response.body, "跨站请求已被拒绝");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM login_throttle").await, 0, "refused before any work");
    // Same-origin fetch metadata passes.
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/accounts/captcha")
        .header(header::HOST, "localhost")
        .header("sec-fetch-site", "same-origin")
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(request, "10.0.0.1").await.status, StatusCode::OK);
}

async fn oversized_bodies_are_refused(app: &TestApp) {
    let admin = app.login(ADMIN_PHONE).await;
    let before = app.count("SELECT COUNT(*) FROM announcements").await;
    let huge = "字".repeat(200_000);
    let form = form_encode(&[("category", "notice"), ("title", "大"), ("body", &huge)]);
    // With a declared length (as browsers send) and streamed without one.
    for declared in [true, false] {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri("/api/admin/announcements/save")
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, "http://localhost")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, &admin);
        if declared {
            builder = builder.header(header::CONTENT_LENGTH, form.len());
        }
        let response = app.send(builder.body(Body::from(form.clone())).unwrap(), "10.0.0.1").await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "declared: {declared}");
        assert_eq!(response.body, "提交的内容过大");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM announcements").await, before);
}

async fn health_and_readiness(app: &TestApp) {
    assert_eq!(app.get("/healthz", None).await.body, "ok");
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK);
    app.state.db.close().await;
    assert_eq!(app.get("/readyz", None).await.status, StatusCode::SERVICE_UNAVAILABLE);
}
