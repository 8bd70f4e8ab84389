//! The test application: the real router over a fresh database (SQLite file or a
//! new PostgreSQL database), seeded with the demo data, driven in-process.

#![allow(dead_code)]

pub mod enrol;

use app::platform::server::config::Config;
use app::state::AppState;
use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{HeaderMap, Method, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use sqlx::{Connection, Executor};
use std::{net::SocketAddr, path::PathBuf};
use tower::ServiceExt;

pub const PASSWORD: &str = "Xueshi@2026";
pub const ADMIN_PHONE: &str = "13800000001";
pub const FINANCE_PHONE: &str = "13800000005";
pub const TRAINEE_PHONE: &str = "13800000011";
pub const TRAINEE_ID_NUMBER: &str = "510101199003074578";
pub const CAPTCHA: &str = "TEST";

#[derive(Clone, Copy, Debug)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    dir: PathBuf,
    postgres_db: Option<String>,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent (a spreadsheet, a PDF).
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The fields a validation error names, in order.
    pub fn field_names(&self) -> Vec<String> {
        self.json()["fields"]
            .as_array()
            .unwrap_or_else(|| panic!("no field errors: {}", self.body))
            .iter()
            .map(|f| f["field"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The `Set-Cookie` for the session, as a `Cookie` header value.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("xueshi_sid=") && !c.starts_with("xueshi_sid=;"))
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
    }
}

fn postgres_admin_url() -> String {
    std::env::var("XUESHI_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A new, empty database of one engine (no migrations run): a SQLite file in its own
/// temporary directory, or a PostgreSQL database of its own.
pub struct EmptyDatabase {
    pub url: String,
    pub dir: std::path::PathBuf,
    /// The PostgreSQL database to drop at the end.
    pub postgres_db: Option<String>,
}

impl EmptyDatabase {
    pub async fn create(engine: Engine) -> Self {
        let dir = std::env::temp_dir().join(format!("xueshi-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let (url, postgres_db) = match engine {
            Engine::Sqlite => (format!("sqlite://{}/test.db", dir.display()), None),
            Engine::Postgres => {
                let admin_url = postgres_admin_url();
                let name = format!("xueshi_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} is required for the tests: {e}"));
                conn.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
                conn.close().await.unwrap();
                let (base, _) = admin_url.rsplit_once('/').unwrap();
                (format!("{base}/{name}"), Some(name))
            }
        };
        Self { url, dir, postgres_db }
    }

    /// Removes the database and its directory.
    pub async fn remove(self) {
        if let Some(name) = self.postgres_db {
            let mut conn = sqlx::PgConnection::connect(&postgres_admin_url()).await.unwrap();
            conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await.unwrap();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> Self {
        Self::spawn_with(engine, &[]).await
    }

    /// With configuration values set beside (or instead of) the tests' defaults; an
    /// empty value removes a default (production mode refuses `captcha_fixed`).
    pub async fn spawn_with(engine: Engine, settings: &[(&str, &str)]) -> Self {
        let EmptyDatabase { url: database_url, dir, postgres_db } = EmptyDatabase::create(engine).await;
        let storage = dir.join("files");
        let site = dir.join("site");
        // A file in the site root, as the real site has (see the favicon test in http.rs).
        std::fs::create_dir_all(&site).unwrap();
        std::fs::write(site.join("favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
        let mut pairs = vec![
            ("database_url", database_url.as_str()),
            ("captcha_fixed", CAPTCHA),
            // Every test request comes from one address; attacks.rs tests the limit itself.
            ("captcha_issue_limit", "1000000"),
            ("storage_dir", storage.to_str().unwrap()),
            ("site_root", site.to_str().unwrap()),
            ("db_max_connections", "8"),
        ];
        pairs.retain(|(key, _)| !settings.iter().any(|(k, _)| k == key));
        pairs.extend(settings.iter().filter(|(_, value)| !value.is_empty()));
        let config = Config::from_pairs(pairs).unwrap();
        let state = xueshi::build_state(config).await.unwrap();
        app::seed::seed_demo(&state).await.unwrap();
        let router = xueshi::router(state.clone());
        Self { router, state, dir, postgres_db }
    }

    /// Closes the pools and removes the database.
    pub async fn finish(self) {
        self.state.db.close().await;
        EmptyDatabase { url: String::new(), dir: self.dir, postgres_db: self.postgres_db }.remove().await;
    }

    pub async fn send(&self, mut request: Request<Body>, ip: &str) -> TestResponse {
        let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(addr));
        let trace =
            std::env::var_os("XUESHI_TEST_TRACE").map(|_| format!("{} {}", request.method(), request.uri()));
        if let Some(t) = &trace {
            eprintln!("request {t}");
        }
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        if let Some(t) = &trace {
            eprintln!("answered {t}: {status}");
        }
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> TestResponse {
        let mut builder = Request::builder().method(Method::GET).uri(path).header(header::HOST, "localhost");
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        self.send(builder.body(Body::empty()).unwrap(), "10.0.0.1").await
    }

    /// Calls a server function as the hydrated page does (form-encoded, JSON back,
    /// same-origin).
    pub async fn call(&self, path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> TestResponse {
        self.call_from(path, form, cookie, "10.0.0.1").await
    }

    pub async fn call_from(
        &self,
        path: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
        ip: &str,
    ) -> TestResponse {
        let body = form_encode(form);
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, "http://localhost")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        self.send(builder.body(Body::from(body)).unwrap(), ip).await
    }

    /// Has the server issue a captcha (as a form page does), checks its image is there,
    /// and returns the id.
    pub async fn captcha(&self) -> String {
        let id = self.call("/api/accounts/captcha", &[], None).await.json().as_str().unwrap().to_owned();
        let image = self.get(&format!("/captcha/{id}"), None).await;
        assert_eq!(image.status, StatusCode::OK);
        id
    }

    pub async fn try_login_from(&self, account: &str, password: &str, ip: &str) -> TestResponse {
        let captcha_id = self.captcha().await;
        self.call_from(
            "/api/accounts/login",
            &[
                ("account", account),
                ("password", password),
                ("captcha_id", &captcha_id),
                ("captcha", CAPTCHA),
            ],
            None,
            ip,
        )
        .await
    }

    pub async fn try_login(&self, account: &str, password: &str) -> TestResponse {
        self.try_login_from(account, password, "10.0.0.1").await
    }

    /// Logs in and returns the `Cookie` header value.
    pub async fn login(&self, account: &str) -> String {
        let response = self.try_login(account, PASSWORD).await;
        assert_eq!(response.status, StatusCode::OK, "login failed: {}", response.body);
        response.session_cookie().expect("session cookie")
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(self.state.db.reader()).await.unwrap()
    }
}

pub fn form_encode(form: &[(&str, &str)]) -> String {
    form.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Runs one test on a fresh app, failing (instead of hanging CI) after two minutes.
/// `XUESHI_TEST_TRACE=1` prints every request, to find one that stalls.
pub async fn run(
    engine: Engine,
    test: impl for<'a> FnOnce(&'a TestApp) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>,
) {
    run_with(engine, &[], test).await
}

/// [`run`] on an app with configuration values of its own (see [`TestApp::spawn_with`]).
pub async fn run_with(
    engine: Engine,
    settings: &[(&str, &str)],
    test: impl for<'a> FnOnce(&'a TestApp) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>,
) {
    let app = TestApp::spawn_with(engine, settings).await;
    tokio::time::timeout(std::time::Duration::from_secs(120), test(&app))
        .await
        .expect("the test did not finish within two minutes");
    app.finish().await;
}

/// Runs each listed test once on SQLite and once on PostgreSQL:
/// `engine_tests!(my_test, …)` where `async fn my_test(app: &TestApp)`.
#[macro_export]
macro_rules! engine_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::common::run(Engine::Sqlite, |app| Box::pin(super::$name(app))).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::common::run(Engine::Postgres, |app| Box::pin(super::$name(app))).await;
                }
            }
        )*
    };
}

/// One part of a multipart body: a text field, or a file.
pub enum Part<'a> {
    Text(&'a str, &'a str),
    File { name: &'a str, filename: &'a str, content_type: &'a str, bytes: &'a [u8] },
}

pub fn multipart_body(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "----xueshitestboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for part in parts {
        match part {
            Part::Text(name, value) => body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            ),
            Part::File { name, filename, content_type, bytes } => {
                body.extend_from_slice(
                    format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A tiny valid PNG and JPEG header, enough for the content check.
pub const PNG: &[u8] =
    &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1];
pub const JPEG: &[u8] =
    &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

impl TestApp {
    pub async fn upload(&self, path: &str, parts: &[Part<'_>], cookie: Option<&str>) -> TestResponse {
        let (content_type, body) = multipart_body(parts);
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, "http://localhost")
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        self.send(builder.body(Body::from(body)).unwrap(), "10.0.0.1").await
    }

    /// The newest message the outbox holds for `recipient`.
    pub async fn last_message(&self, recipient: &str) -> Option<String> {
        sqlx::query_scalar("SELECT body FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1")
            .bind(recipient)
            .fetch_optional(self.state.db.reader())
            .await
            .unwrap()
    }

    /// The 6-digit code of the newest SMS to `phone`.
    pub async fn last_code(&self, phone: &str) -> String {
        let body = self.last_message(phone).await.expect("an SMS was sent");
        body.chars()
            .collect::<Vec<_>>()
            .windows(6)
            .map(|w| w.iter().collect::<String>())
            .find(|w| w.chars().all(|c| c.is_ascii_digit()))
            .expect("a 6-digit code")
    }

    /// Sends a registration code to `phone` (from its own address, so the per-address
    /// daily cap does not run out across a test).
    pub async fn send_register_code(&self, phone: &str) -> TestResponse {
        let captcha_id = self.captcha().await;
        self.call_from(
            "/api/accounts/register/code",
            &[("phone", phone), ("captcha_id", &captcha_id), ("captcha", CAPTCHA)],
            None,
            "10.9.0.1",
        )
        .await
    }

    /// Sends a 单位注册 code to the applicant's `phone` (past the resend wait, from an
    /// address of its own).
    pub async fn send_unit_code(&self, phone: &str) -> TestResponse {
        self.age_codes(phone).await;
        let captcha_id = self.captcha().await;
        self.call_from(
            "/api/units/register/code",
            &[("phone", phone), ("captcha_id", &captcha_id), ("captcha", CAPTCHA)],
            None,
            "10.9.0.2",
        )
        .await
    }

    /// Registers a quick (unverified) account and returns nothing; panics on failure.
    pub async fn register_quick(&self, phone: &str, password: &str) {
        let sent = self.send_register_code(phone).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        let code = self.last_code(phone).await;
        let registered = self
            .call(
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
            .await;
        assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
    }

    pub async fn login_with(&self, account: &str, password: &str) -> String {
        let response = self.try_login(account, password).await;
        assert_eq!(response.status, StatusCode::OK, "login failed: {}", response.body);
        response.session_cookie().expect("session cookie")
    }

    /// Moves the last SMS code's creation back, past the 60-second resend wait.
    pub async fn age_codes(&self, phone: &str) {
        sqlx::query("UPDATE sms_codes SET created_at = created_at - 61000 WHERE phone = $1")
            .bind(phone)
            .execute(self.state.db.writer())
            .await
            .unwrap();
    }
}
