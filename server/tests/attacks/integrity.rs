//! Secrets and identity (issue 11, items 6, 14-17): odd Unicode in the public forms,
//! redirects after login, the order of cheap and expensive checks, throttles raced by
//! parallel guesses, and SMS bodies kept out of the log and the production outbox.

use crate::{
    common::{enrol::redirect_of, *},
    engine_tests,
};
use app::{
    accounts::server::{session, sms_codes},
    admin::domain::BODY_HIDDEN,
    platform::{server::config::Config, time::now_ms},
};
use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{Method, Request, StatusCode, header},
    routing::get,
};
use http_body_util::BodyExt;
use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};
use tower::ServiceExt;

engine_tests!(
    odd_unicode_in_public_forms_is_answered_not_a_panic,
    login_never_redirects_off_site,
    a_wrong_sms_code_costs_no_password_hash,
    parallel_wrong_passwords_cannot_pass_the_account_limit,
    the_old_password_check_is_throttled,
    the_outbox_shows_bodies_to_the_platform_admin_in_development,
);

// ---- panics on odd input (item 15) ----------------------------------------------------

fn odd_texts() -> Vec<String> {
    let mut texts: Vec<String> = [
        "1€00",
        "😀",
        "\u{0}",
        "51\u{0}000",
        "e\u{301}\u{302}\u{303}\u{304}",
        "\u{202e}510000",
        "\u{feff}",
        "５１００００",
        "2026-01-01T€00",
        "\r\n\t",
        "%00%FF%",
        "/\\evil.example",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    texts.extend(["x", "€", "😀", "\u{301}"].iter().map(|c| c.repeat(1000)));
    texts
}

fn acceptable(response: &TestResponse) -> bool {
    response.status.is_success() || response.status.is_redirection() || response.status.is_client_error()
}

async fn odd_unicode_in_public_forms_is_answered_not_a_panic(app: &TestApp) {
    let provider = app.login("13800000004").await;
    let offline_class: i64 =
        sqlx::query_scalar("SELECT id FROM classes WHERE mode = 'offline' ORDER BY id LIMIT 1")
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
    let offline_class = offline_class.to_string();
    for (i, text) in odd_texts().iter().enumerate() {
        let t = text.as_str();
        // Each case from its own address, so no per-address limit is what answers.
        let ip = format!("10.44.{}.{}", i / 200, i % 200 + 1);
        let mut answers: Vec<(&str, TestResponse)> = Vec::new();

        answers.push(("directory", app.call_from("/api/directory", &[("region", t)], None, &ip).await));
        let captcha = app.captcha().await;
        answers.push((
            "login",
            app.call_from(
                "/api/accounts/login",
                &[
                    ("account", t),
                    ("password", t),
                    ("credit_code", t),
                    ("next", t),
                    ("captcha_id", &captcha),
                    ("captcha", CAPTCHA),
                ],
                None,
                &ip,
            )
            .await,
        ));
        answers.push((
            "login with a captcha of odd text",
            app.call_from(
                "/api/accounts/login",
                &[("account", t), ("password", t), ("captcha_id", t), ("captcha", t)],
                None,
                &ip,
            )
            .await,
        ));
        let captcha = app.captcha().await;
        answers.push((
            "register code",
            app.call_from(
                "/api/accounts/register/code",
                &[("phone", t), ("captcha_id", &captcha), ("captcha", CAPTCHA)],
                None,
                &ip,
            )
            .await,
        ));
        let register: Vec<(&str, &str)> = [
            "phone",
            "code",
            "password",
            "password_confirm",
            "email",
            "unit_id",
            "department_id",
            "id_number",
            "name",
            "ethnicity",
            "native_place",
            "school",
            "major",
            "job_title",
        ]
        .iter()
        .map(|field| (*field, t))
        .chain([("then", "staff")])
        .collect();
        answers.push(("register", app.call_from("/api/accounts/register", &register, None, &ip).await));
        let captcha = app.captcha().await;
        answers.push((
            "recover start",
            app.call_from(
                "/api/accounts/recover/start",
                &[("name", t), ("id_number", t), ("captcha_id", &captcha), ("captcha", CAPTCHA)],
                None,
                &ip,
            )
            .await,
        ));
        answers.push((
            "recover finish",
            app.call_from(
                "/api/accounts/recover/finish",
                &[("ticket", t), ("code", t), ("password", t), ("password_confirm", t)],
                None,
                &ip,
            )
            .await,
        ));
        let captcha = app.captcha().await;
        answers.push((
            "public query",
            app.call_from(
                "/api/public/query",
                &[
                    ("kind", "hours"),
                    ("id_number", t),
                    ("name", t),
                    ("captcha_id", &captcha),
                    ("captcha", CAPTCHA),
                ],
                None,
                &ip,
            )
            .await,
        ));
        answers
            .push(("public answer", app.call_from("/api/public/answer", &[("token", t)], None, &ip).await));
        let unit: Vec<Part<'_>> = [
            "credit_code",
            "name",
            "nature",
            "industry",
            "supervisor",
            "level",
            "region_code",
            "address",
            "applicant_id_number",
            "applicant_name",
            "applicant_phone",
            "password",
            "password_confirm",
        ]
        .iter()
        .map(|field| Part::Text(field, t))
        .collect();
        answers.push(("unit registration", app.upload("/api/units/register/upload", &unit, None).await));
        answers.push((
            "session times (provider console)",
            app.call_from(
                "/api/provider/sessions/add",
                &[
                    ("class_id", &offline_class),
                    ("name", t),
                    ("starts_on", t),
                    ("ends_on", t),
                    ("place", t),
                    ("checkin_opens", t),
                    ("checkin_closes", t),
                    ("capacity", t),
                ],
                Some(&provider),
                &ip,
            )
            .await,
        ));
        // The pages that read these values from the address (a few at a time: an
        // address has at most 64 KiB).
        let segment = form_encode(&[("", t)]).trim_start_matches('=').to_owned();
        let mut pages = vec![
            format!("/news/{segment}"),
            format!("/classes/{segment}"),
            format!("/query/{segment}/{segment}"),
        ];
        for (path, fields) in [
            ("/enroll", &["q", "mode", "year", "category", "region", "page"][..]),
            ("/register", &["phone", "region", "unit", "sent"][..]),
            ("/register/unit", &["region"][..]),
            ("/login", &["next", "type", "__err", "__path"][..]),
            ("/recover", &["ticket"][..]),
            ("/news", &["category", "page", "q"][..]),
        ] {
            for group in fields.chunks(3) {
                let query: Vec<(&str, &str)> = group.iter().map(|field| (*field, t)).collect();
                pages.push(format!("{path}?{}", form_encode(&query)));
            }
        }
        for page in pages {
            let response = app.get(&page, None).await;
            assert!(acceptable(&response), "GET {page} with {t:?}: {} {}", response.status, response.body);
        }
        for (form, response) in &answers {
            assert!(acceptable(response), "{form} with {t:?}: {} {}", response.status, response.body);
        }
    }
}

/// The catch-panic layer: a handler that panics answers 500 with the usual words.
#[tokio::test]
async fn a_panicking_handler_answers_500_in_chinese() {
    async fn boom() -> &'static str {
        let region = std::hint::black_box("1€00");
        let _ = &region[..2];
        "unreachable"
    }
    let router = Router::new().route("/boom", get(boom)).layer(xueshi::http::security::catch_panic_layer());
    let response = router.oneshot(Request::get("/boom").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(body.contains("系统繁忙，请稍后再试"), "{body}");
    assert!(!body.contains("char boundary"), "no internals on the page: {body}");
}

// ---- redirects after login (item 16) ----------------------------------------------------

async fn login_never_redirects_off_site(app: &TestApp) {
    let login = |next: &'static str| async move {
        let captcha = app.captcha().await;
        app.call(
            "/api/accounts/login",
            &[
                ("account", TRAINEE_PHONE),
                ("password", PASSWORD),
                ("captcha_id", &captcha),
                ("captcha", CAPTCHA),
                ("next", next),
            ],
            None,
        )
        .await
    };
    // A path on the site is honoured (so the refusals below are refusals).
    let honoured = login("/me/orders").await;
    assert_eq!(honoured.status, StatusCode::OK, "{}", honoured.body);
    assert_eq!(redirect_of(&honoured), "/me/orders");
    for next in [
        "/%09/evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/%0d%0a/evil.example",
        "//evil.example",
        "/\\evil.example",
        "/%5Cevil.example",
        "/%2F/evil.example",
        "https://evil.example",
    ] {
        let response = login(next).await;
        assert_eq!(response.status, StatusCode::OK, "{next:?}: {}", response.body);
        assert_eq!(redirect_of(&response), "/me", "{next:?} must not leave the site");
    }
}

// ---- cheap checks before argon2 (item 14) -------------------------------------------------

async fn a_wrong_sms_code_costs_no_password_hash(app: &TestApp) {
    let work = app.state.password_work.clone();
    let wrong_of = |code: &str| if code == "000000" { "111111".to_owned() } else { "000000".to_owned() };

    // 注册
    let phone = "13900001111";
    let sent = app.send_register_code(phone).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let code = app.last_code(phone).await;
    let register = |code: String| async move {
        let password = "Qingcheng Mountain 9";
        app.call(
            "/api/accounts/register",
            &[
                ("phone", phone),
                ("code", &code),
                ("password", password),
                ("password_confirm", password),
                ("then", "login"),
            ],
            None,
        )
        .await
    };
    let hashes = work.hashes();
    for _ in 0..3 {
        let refused = register(wrong_of(&code)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        assert_eq!(refused.field_names(), ["code"]);
    }
    assert_eq!(work.hashes(), hashes, "a wrong code is refused before the password is hashed");
    let registered = register(code).await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
    assert_eq!(work.hashes(), hashes + 1, "the right code: one hash");

    // 找回密码
    let captcha = app.captcha().await;
    let started = app
        .call(
            "/api/accounts/recover/start",
            &[
                ("name", "张三"),
                ("id_number", TRAINEE_ID_NUMBER),
                ("captcha_id", &captcha),
                ("captcha", CAPTCHA),
            ],
            None,
        )
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let ticket = redirect_of(&started).split("ticket=").nth(1).unwrap().to_owned();
    let code = app.last_code(TRAINEE_PHONE).await;
    let reset = |code: String| {
        let ticket = ticket.clone();
        async move {
            let password = "Emei Mountain Snow 7";
            app.call(
                "/api/accounts/recover/finish",
                &[
                    ("ticket", &ticket),
                    ("code", &code),
                    ("password", password),
                    ("password_confirm", password),
                ],
                None,
            )
            .await
        }
    };
    let hashes = work.hashes();
    for _ in 0..3 {
        let refused = reset(wrong_of(&code)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        assert_eq!(refused.field_names(), ["code"]);
    }
    assert_eq!(work.hashes(), hashes, "a wrong code is refused before the password is hashed");
    let done = reset(code).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(work.hashes(), hashes + 1);
}

// ---- throttles that cannot be raced (item 17) ----------------------------------------------

fn login_request(account: &str, password: &str, captcha_id: &str, ip: &str) -> Request<Body> {
    let body = form_encode(&[
        ("account", account),
        ("password", password),
        ("captcha_id", captcha_id),
        ("captcha", CAPTCHA),
    ]);
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/api/accounts/login")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body))
        .unwrap();
    let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(addr));
    request
}

async fn parallel_wrong_passwords_cannot_pass_the_account_limit(app: &TestApp) {
    const GUESSES: usize = 30;
    let limit = app::accounts::server::throttle::ACCOUNT_LIMIT;
    let mut captchas = Vec::new();
    for _ in 0..GUESSES {
        captchas.push(app.captcha().await);
    }
    let verifications = app.state.password_work.verifications();
    // From different addresses, all at once, each on a task of its own.
    let tasks: Vec<_> = captchas
        .iter()
        .enumerate()
        .map(|(i, captcha)| {
            let request = login_request(TRAINEE_PHONE, "wrong guess", captcha, &format!("10.55.0.{}", i + 1));
            let router = app.router.clone();
            tokio::spawn(async move { router.oneshot(request).await.unwrap().status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let wrong = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let locked = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((wrong, locked), (limit as usize, GUESSES - limit as usize), "{statuses:?}");
    assert_eq!(
        app.state.password_work.verifications() - verifications,
        limit as u64,
        "only the attempts within the limit reach the password check"
    );
    let failures: i64 = sqlx::query_scalar("SELECT failures FROM login_throttle WHERE throttle_key = $1")
        .bind(format!("account:{TRAINEE_PHONE}"))
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert!(failures <= limit, "recorded failures {failures} beyond the limit");
    // Locked now, even for the right password.
    assert_eq!(
        app.try_login_from(TRAINEE_PHONE, PASSWORD, "10.55.1.1").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A right password within the limit still works and forgets the failures.
    assert_eq!(
        app.try_login_from("13800000012", "wrong", "10.55.1.2").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.try_login_from("13800000012", PASSWORD, "10.55.1.2").await.status, StatusCode::OK);
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM login_throttle WHERE throttle_key = 'account:13800000012'")
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
    assert_eq!(left, 0);
}

async fn the_old_password_check_is_throttled(app: &TestApp) {
    let limit = app::accounts::server::throttle::ACCOUNT_LIMIT;
    let cookie = app.login(TRAINEE_PHONE).await;
    let change = |old: &'static str| {
        let cookie = cookie.clone();
        async move {
            app.call(
                "/api/me/password",
                &[
                    ("old_password", old),
                    ("password", "Jiuzhai Valley Lakes"),
                    ("password_confirm", "Jiuzhai Valley Lakes"),
                ],
                Some(&cookie),
            )
            .await
        }
    };
    let verifications = app.state.password_work.verifications();
    for _ in 0..limit {
        let wrong = change("not my password").await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
        assert_eq!(wrong.field_names(), ["old_password"]);
    }
    for old in ["not my password", PASSWORD] {
        let locked = change(old).await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.body);
        assert!(locked.json()["message"].as_str().unwrap().contains("原密码错误次数过多"), "{}", locked.body);
    }
    assert_eq!(app.state.password_work.verifications() - verifications, limit as u64);
    // In parallel, another account's guesses do not get past the limit either.
    let other = app.login("13800000012").await;
    let verifications = app.state.password_work.verifications();
    let guesses = (0..12).map(|_| {
        app.call(
            "/api/me/password",
            &[
                ("old_password", "guess"),
                ("password", "Jiuzhai Valley Lakes"),
                ("password_confirm", "Jiuzhai Valley Lakes"),
            ],
            Some(&other),
        )
    });
    let answers = futures::future::join_all(guesses).await;
    let locked = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(locked, 12 - limit as usize);
    assert_eq!(app.state.password_work.verifications() - verifications, limit as u64);
    // Once the lock has passed the right old password works.
    sqlx::query("UPDATE login_throttle SET locked_until = 0").execute(app.state.db.writer()).await.unwrap();
    assert_eq!(change(PASSWORD).await.status, StatusCode::OK);
}

// ---- SMS bodies out of the log and the production outbox (item 6) ---------------------------

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// On a current-thread runtime, so every log line of the request lands in the
/// subscriber this thread sets.
async fn sms_codes_never_reach_the_log(engine: Engine) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer({
            let captured = captured.clone();
            move || captured.clone()
        })
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = TestApp::spawn(engine).await;
    let phone = "13900002222";
    let sent = app.send_register_code(phone).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let code = app.last_code(phone).await;
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let outbox_lines: Vec<&str> =
        log.lines().filter(|l| l.contains("message queued in the outbox")).collect();
    assert_eq!(outbox_lines.len(), 1, "the log was captured: {log}");
    assert!(outbox_lines[0].contains("139****2222") && outbox_lines[0].contains("注册验证码"), "{log}");
    assert!(!outbox_lines[0].contains(&code) && !outbox_lines[0].contains(phone), "{log}");
    // Nowhere in the log: the body (its words, and the code as the body spells it).
    assert!(
        !log.contains("【学时】") && !log.contains(&format!("验证码为{code}")),
        "a body is in the log:\n{log}"
    );
    app.finish().await;
}

mod sms_codes_never_reach_the_log {
    use super::*;
    #[tokio::test(flavor = "current_thread")]
    async fn sqlite() {
        super::sms_codes_never_reach_the_log(Engine::Sqlite).await;
    }
    #[tokio::test(flavor = "current_thread")]
    async fn postgres() {
        super::sms_codes_never_reach_the_log(Engine::Postgres).await;
    }
}

#[tokio::test]
async fn production_refuses_to_start_with_the_outbox_unless_staging() {
    let dir = std::env::temp_dir().join(format!("xueshi-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let database_url = format!("sqlite://{}/test.db", dir.display());
    let secret = "s".repeat(40);
    let production = [
        ("env", "production"),
        ("session_secret", secret.as_str()),
        ("database_url", database_url.as_str()),
        ("storage_dir", dir.to_str().unwrap()),
    ];
    let refused = xueshi::build_state(Config::from_pairs(production).unwrap()).await.unwrap_err().to_string();
    assert!(refused.contains("XUESHI_SMS_OUTBOX_IN_PRODUCTION"), "{refused}");
    assert!(!dir.join("test.db").exists(), "refused before the database was touched");
    let staging = production.into_iter().chain([("sms_outbox_in_production", "staging")]);
    let state =
        xueshi::build_state(Config::from_pairs(staging).unwrap()).await.expect("a staging server starts");
    state.db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn the_outbox_shows_bodies_to_the_platform_admin_in_development(app: &TestApp) {
    let phone = "13900003333";
    assert_eq!(app.send_register_code(phone).await.status, StatusCode::OK);
    let code = app.last_code(phone).await;
    let admin = app.login(ADMIN_PHONE).await;
    let list = app.call("/api/admin/outbox", &[("recipient", phone)], Some(&admin)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let item = &list.json()["items"][0];
    assert_eq!(item["recipient"], phone);
    assert_eq!(item["subject"], "注册验证码");
    assert!(item["body"].as_str().unwrap().contains(&code));
    // Nobody else reads it.
    for other in [TRAINEE_PHONE, FINANCE_PHONE] {
        let cookie = app.login(other).await;
        let refused = app.call("/api/admin/outbox", &[("recipient", phone)], Some(&cookie)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{other}");
    }
    assert_eq!(app.call("/api/admin/outbox", &[], None).await.status, StatusCode::UNAUTHORIZED);
}

/// A production-mode (staging) server: the outbox shows the title and the masked
/// recipient, never the body.
async fn the_production_outbox_shows_no_bodies(app: &TestApp) {
    assert!(app.state.config.is_production());
    let phone = "13900004444";
    sms_codes::send(&app.state, phone, sms_codes::Purpose::Register, "10.66.0.1", now_ms()).await.unwrap();
    let code = app.last_code(phone).await;
    // The fixed captcha is refused in production: a session is made directly.
    let admin_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE phone = $1")
        .bind(ADMIN_PHONE)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    let token = session::create(
        &app.state.db,
        &app.state.config,
        session::NewSession { user_id: admin_id, ip: "10.66.0.2", user_agent: "test" },
        now_ms(),
    )
    .await
    .unwrap();
    let cookie = format!("{}={token}", session::cookie_name(&app.state.config));
    let list = app.call("/api/admin/outbox", &[("recipient", phone)], Some(&cookie)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let item = &list.json()["items"][0];
    assert_eq!(item["recipient"], "139****4444");
    assert_eq!(item["subject"], "注册验证码");
    assert_eq!(item["body"], BODY_HIDDEN);
    assert!(!list.body.contains(&code), "{}", list.body);
    let page = app.get(&format!("/admin/outbox?recipient={phone}"), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(BODY_HIDDEN), "{}", page.body);
    assert!(!page.body.contains(&code));
}

mod the_production_outbox_shows_no_bodies {
    use super::*;
    const SECRET: &str = "a session secret of at least thirty-two characters";
    const SETTINGS: &[(&str, &str)] = &[
        ("env", "production"),
        ("session_secret", SECRET),
        ("sms_outbox_in_production", "staging"),
        ("captcha_fixed", ""),
    ];
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run_with(Engine::Sqlite, SETTINGS, |app| Box::pin(super::the_production_outbox_shows_no_bodies(app)))
            .await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run_with(Engine::Postgres, SETTINGS, |app| {
            Box::pin(super::the_production_outbox_shows_no_bodies(app))
        })
        .await;
    }
}
