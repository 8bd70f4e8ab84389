//! Scratch: hammer pages and server functions from several runtimes at once and report
//! any request that does not answer within 20 s.

#![allow(clippy::unwrap_used)] // a failed setup step fails the test

mod common;
use common::*;
use std::time::Duration;

async fn hammer(app: &TestApp, worker: usize) -> usize {
    let cookie = app.login(TRAINEE_PHONE).await;
    let admin = app.login(ADMIN_PHONE).await;
    let mut stalls = 0;
    let all = "/,/news,/enroll,/me,/me/exams,/me/orders,/query/hours,/admin,/me/messages,/classes/1,/no/such";
    let pages: Vec<&'static str> =
        std::env::var("STRESS_PAGES").unwrap_or_else(|_| all.to_owned()).leak().split(',').collect();
    let pages: &'static [&'static str] = pages.leak();
    let query_tasks = if std::env::var_os("STRESS_PAGES").is_some() { 0 } else { 6 };
    let mut tasks = Vec::new();
    for t in 0..8 {
        let router = app.router.clone();
        let cookie = if t % 3 == 0 {
            None
        } else if t % 3 == 1 {
            Some(cookie.clone())
        } else {
            Some(admin.clone())
        };
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let mut stalls = 0;
            for i in 0..150 {
                let path = pages[(i * 7 + t) % pages.len()];
                let mut builder = axum::http::Request::get(path).header("host", "localhost");
                if let Some(c) = &cookie {
                    builder = builder.header("cookie", c);
                }
                let mut request = builder.body(axum::body::Body::empty()).unwrap();
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([10, 0, 0, 1], 40000))));
                let router = router.clone();
                let fut = async move {
                    let response = router.oneshot(request).await.unwrap();
                    http_body_util::BodyExt::collect(response.into_body()).await.unwrap();
                };
                if tokio::time::timeout(Duration::from_secs(20), fut).await.is_err() {
                    eprintln!("STALL worker {worker} task {t} GET {path} cookie={}", cookie.is_some());
                    stalls += 1;
                }
            }
            stalls
        }));
    }
    // The public query flow of enrolment.rs, from several tasks: captcha, image, query.
    for t in 0..query_tasks {
        let router = app.router.clone();
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let mut stalls = 0;
            for i in 0..60 {
                let ip = format!("10.{t}.{}.{}", i / 250, i % 250);
                let send = |request: axum::http::Request<axum::body::Body>, ip: String| {
                    let router = router.clone();
                    async move {
                        let mut request = request;
                        request.extensions_mut().insert(axum::extract::ConnectInfo(
                            format!("{ip}:40000").parse::<std::net::SocketAddr>().unwrap(),
                        ));
                        let response = router.oneshot(request).await.unwrap();
                        let status = response.status();
                        let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
                        (status, String::from_utf8_lossy(&body).into_owned())
                    }
                };
                let post = |path: &str, body: String| {
                    axum::http::Request::post(path)
                        .header("host", "localhost")
                        .header("origin", "http://localhost")
                        .header("content-type", "application/x-www-form-urlencoded")
                        .header("accept", "application/json")
                        .body(axum::body::Body::from(body))
                        .unwrap()
                };
                let flow = async {
                    let (_, id) = send(post("/api/accounts/captcha", String::new()), ip.clone()).await;
                    let id = id.trim_matches('"').to_owned();
                    let image = axum::http::Request::get(format!("/captcha/{id}"))
                        .header("host", "localhost")
                        .body(axum::body::Body::empty())
                        .unwrap();
                    send(image, ip.clone()).await;
                    let form = format!(
                        "kind=hours&id_number={TRAINEE_ID_NUMBER}&name=%E5%BC%A0%E4%B8%89&captcha_id={id}&captcha={CAPTCHA}"
                    );
                    send(post("/api/public/query", form), ip.clone()).await
                };
                match tokio::time::timeout(Duration::from_secs(20), flow).await {
                    Ok((status, body)) => assert!(status.is_success(), "{status} {body}"),
                    Err(_) => {
                        eprintln!("STALL worker {worker} query task {t} round {i}");
                        stalls += 1;
                    }
                }
            }
            stalls
        }));
    }
    for task in tasks {
        stalls += task.await.unwrap();
    }
    stalls
}

#[test]
fn pages_never_stall() {
    let threads: Vec<_> = (0..4)
        .map(|worker| {
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    let app = TestApp::spawn(Engine::Sqlite).await;
                    let stalls = hammer(&app, worker).await;
                    app.finish().await;
                    stalls
                })
            })
        })
        .collect();
    let stalls: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(stalls, 0);
}

/// Page renders on a small pool with nothing cached: every render queries. A render
/// once polled its data with a no-op waker and left the query holding its pooled
/// connection until the render came back to it; with more renders than connections the
/// pool ran dry and pages waited for the 10 s acquire timeout.
#[test]
fn page_renders_do_not_starve_a_small_pool() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let app = TestApp::spawn_with(
            Engine::Sqlite,
            &[("db_max_connections", "2"), ("public_cache_seconds", "0")],
        )
        .await;
        let mut tasks = Vec::new();
        for t in 0..16 {
            let router = app.router.clone();
            tasks.push(tokio::spawn(async move {
                use tower::ServiceExt;
                let mut failures = Vec::new();
                for i in 0..25 {
                    let path = ["/news", "/", "/enroll"][(i + t) % 3];
                    let mut request = axum::http::Request::get(path)
                        .header("host", "localhost")
                        .body(axum::body::Body::empty())
                        .unwrap();
                    request.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(
                        ([10, 0, 0, 1], 40000),
                    )));
                    let router = router.clone();
                    let started = std::time::Instant::now();
                    let answer = tokio::time::timeout(Duration::from_secs(8), async move {
                        let response = router.oneshot(request).await.unwrap();
                        let status = response.status();
                        http_body_util::BodyExt::collect(response.into_body()).await.unwrap();
                        status
                    })
                    .await;
                    match answer {
                        Ok(status) if status.is_success() => {}
                        Ok(status) => {
                            failures.push(format!("GET {path}: {status} after {:?}", started.elapsed()))
                        }
                        Err(_) => failures.push(format!("GET {path}: no answer in 8 s")),
                    }
                }
                failures
            }));
        }
        let mut failures = Vec::new();
        for task in tasks {
            failures.extend(task.await.unwrap());
        }
        app.finish().await;
        assert!(
            failures.is_empty(),
            "{} of 400 pages failed: {:?}",
            failures.len(),
            &failures[..failures.len().min(5)]
        );
    });
}
