//! Helpers for tests that need classes, registrations and payments: a provider opens
//! a class, a trainee registers (the 10-second notice aged), pays through the sandbox.

use super::*;
use app::platform::time::{format_date, now_ms};
use axum::http::StatusCode;

pub const PROVIDER_PHONE: &str = "13800000004";
pub const UNIT_ADMIN_PHONE: &str = "13800000003";
pub const OTHER_TRAINEE_PHONE: &str = "13800000012";
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// The registrations of the classes tests create (the demo data has its own).
pub const TEST_REGISTRATIONS: &str =
    "registrations WHERE class_id IN (SELECT id FROM classes WHERE title = '集成测试培训班')";

pub fn today_plus(days: i64) -> String {
    format_date(now_ms() + days * DAY_MS)
}

/// A class form with everything valid; `extra` overrides fields.
pub async fn save_class(app: &TestApp, cookie: &str, extra: &[(&str, &str)]) -> TestResponse {
    let (opens, closes) = (today_plus(-1), today_plus(30));
    let mut form: Vec<(&str, &str)> = vec![
        ("title", "集成测试培训班"),
        ("mode", "offline"),
        ("year", "2026"),
        ("hours_professional", "12"),
        ("fee_yuan", "800"),
        ("capacity", "100"),
        ("opens_on", &opens),
        ("closes_on", &closes),
        ("notice", "请按时报到"),
    ];
    for (k, v) in extra {
        form.retain(|(key, _)| key != k);
        form.push((k, v));
    }
    app.call("/api/provider/classes/save", &form, Some(cookie)).await
}

pub fn redirect_of(response: &TestResponse) -> String {
    for name in ["serverfnredirect", "location"] {
        if let Some(value) =
            response.headers.get(name).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty())
        {
            return value.to_owned();
        }
    }
    panic!("no redirect: {} {}", response.status, response.body)
}

/// Creates an open class with one session of `seats`; returns (class id, session id).
pub async fn open_class(app: &TestApp, cookie: &str, extra: &[(&str, &str)], seats: &str) -> (i64, i64) {
    let saved = save_class(app, cookie, extra).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let class_id: i64 =
        redirect_of(&saved).trim_start_matches("/admin/classes/").split('?').next().unwrap().parse().unwrap();
    let (starts, ends) = (today_plus(10), today_plus(12));
    let id = class_id.to_string();
    let session = app
        .call(
            "/api/provider/sessions/add",
            &[
                ("class_id", &id),
                ("name", "第一期"),
                ("starts_on", &starts),
                ("ends_on", &ends),
                ("place", "成都"),
                ("checkin_opens", &format!("{starts}T08:00")),
                ("checkin_closes", &format!("{starts}T10:00")),
                ("capacity", seats),
            ],
            Some(cookie),
        )
        .await;
    assert_eq!(session.status, StatusCode::OK, "{}", session.body);
    let opened =
        app.call("/api/provider/classes/state", &[("id", &id), ("next", "open")], Some(cookie)).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    let session_id: i64 = sqlx::query_scalar("SELECT id FROM class_sessions WHERE class_id = $1")
        .bind(class_id)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    (class_id, session_id)
}

/// Step one of 提交订单 over HTTP; returns the response.
pub async fn start(app: &TestApp, cookie: &str, class_id: i64, parts: &[Part<'_>]) -> TestResponse {
    let id = class_id.to_string();
    let mut all = vec![Part::Text("class_id", &id)];
    for part in parts {
        all.push(match part {
            Part::Text(k, v) => Part::Text(k, v),
            Part::File { name, filename, content_type, bytes } => {
                Part::File { name, filename, content_type, bytes }
            }
        });
    }
    app.upload("/api/enrol/start/upload", &all, Some(cookie)).await
}

pub fn draft_of(response: &TestResponse) -> String {
    redirect_of(response).trim_start_matches("/enroll/notice/").to_owned()
}

/// Pretends the notice has been on screen for `ms`.
pub async fn age_notice(app: &TestApp, draft: &str, ms: i64) {
    sqlx::query("UPDATE registration_drafts SET notice_issued_at = notice_issued_at - $1 WHERE id = $2")
        .bind(ms)
        .bind(draft)
        .execute(app.state.db.writer())
        .await
        .unwrap();
}

pub async fn confirm(app: &TestApp, cookie: &str, draft: &str) -> TestResponse {
    app.call("/api/enrol/confirm", &[("draft_id", draft)], Some(cookie)).await
}

/// Registers 张三 for the class's session (notice aged), returning the registration id.
pub async fn register(app: &TestApp, cookie: &str, class_id: i64, parts: &[Part<'_>]) -> i64 {
    let started = start(app, cookie, class_id, parts).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let draft = draft_of(&started);
    age_notice(app, &draft, 11_000).await;
    let done = confirm(app, cookie, &draft).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    sqlx::query_scalar("SELECT MAX(id) FROM registrations").fetch_one(app.state.db.reader()).await.unwrap()
}

/// An unpaid order of 张三 with a scan-to-pay payment started; returns
/// (registration id, out_trade_no, amount, trainee cookie).
pub async fn started_payment(app: &TestApp) -> (i64, String, i64, String) {
    let provider = app.login(PROVIDER_PHONE).await;
    let trainee = app.login(TRAINEE_PHONE).await;
    let (class_id, session_id) = open_class(app, &provider, &[("mode", "online")], "5").await;
    let session = session_id.to_string();
    let registration = register(app, &trainee, class_id, &[Part::Text("session_id", &session)]).await;
    let started = app
        .call(
            "/api/pay/start",
            &[("registration_id", &registration.to_string()), ("channel", "wechat")],
            Some(&trainee),
        )
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let (out_trade_no, amount): (String, i64) = sqlx::query_as(
        "SELECT p.out_trade_no, p.amount_fen FROM payments p JOIN orders o ON o.id = p.order_id
         WHERE o.registration_id = $1",
    )
    .bind(registration)
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    let view = app
        .call("/api/pay/view", &[("registration_id", &registration.to_string())], Some(&trainee))
        .await
        .json();
    assert!(view["pending"]["qr_svg"].as_str().unwrap().contains("<svg"));
    assert!(view["pending"]["code_url"].as_str().unwrap().contains("/sandbox/cashier/SBX"));
    (registration, out_trade_no, amount, trainee)
}

pub fn notice_body(out_trade_no: &str, amount: i64) -> String {
    serde_json::json!({
        "out_trade_no": out_trade_no,
        "transaction_id": "SBXtest",
        "amount_fen": amount,
        "trade_state": "SUCCESS",
        "success_time": now_ms(),
    })
    .to_string()
}

pub async fn status_of(app: &TestApp, registration: i64) -> String {
    sqlx::query_scalar("SELECT status FROM registrations WHERE id = $1")
        .bind(registration)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap()
}

/// A payment notification to the sandbox's notify endpoint, as its servers send it.
pub async fn notify(app: &TestApp, body: &str, timestamp: i64, nonce: &str, signature: &str) -> TestResponse {
    notify_at(app, "/pay/notify/sandbox", body, timestamp, nonce, signature).await
}

/// A signed notification (payment or refund) posted to `path`.
pub async fn notify_at(
    app: &TestApp,
    path: &str,
    body: &str,
    timestamp: i64,
    nonce: &str,
    signature: &str,
) -> TestResponse {
    let request = axum::http::Request::post(path)
        .header("content-type", "application/json")
        .header("xueshi-pay-timestamp", timestamp.to_string())
        .header("xueshi-pay-nonce", nonce)
        .header("xueshi-pay-signature", signature)
        .body(axum::body::Body::from(body.to_owned()))
        .unwrap();
    app.send(request, "10.9.9.9").await
}

pub async fn signed_notify(app: &TestApp, body: &str) -> TestResponse {
    let (timestamp, nonce, signature) = app.state.payments.sandbox_gateway().sign(body, now_ms());
    notify(app, body, timestamp, &nonce, &signature).await
}

pub async fn order_state(app: &TestApp, registration: i64) -> (String, String, i64) {
    let (order, status): (String, String) = sqlx::query_as(
        "SELECT o.status, r.status FROM orders o JOIN registrations r ON r.id = o.registration_id WHERE r.id = $1",
    )
    .bind(registration)
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    let told = app.count("SELECT COUNT(*) FROM messages WHERE title = '报名成功'").await;
    (order, status, told)
}

/// The refund notification the sandbox would send: for `out_trade_no`'s refund, or for
/// its newest refund.
pub async fn sandbox_refund_notice(app: &TestApp, out_trade_no: Option<&str>) -> String {
    let (id, out_refund_no, out_trade_no, amount, at): (String, String, String, i64, i64) = sqlx::query_as(
        "SELECT id, out_refund_no, out_trade_no, amount_fen, succeeded_at FROM sandbox_refunds
         WHERE $1 = '' OR out_trade_no = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(out_trade_no.unwrap_or_default())
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    serde_json::json!({
        "out_refund_no": out_refund_no,
        "out_trade_no": out_trade_no,
        "refund_id": id,
        "amount_fen": amount,
        "refund_status": "SUCCESS",
        "success_time": at,
    })
    .to_string()
}

/// A refund notification signed by the sandbox, posted to its notify endpoint.
pub async fn signed_refund_notify(app: &TestApp, body: &str) -> TestResponse {
    let (timestamp, nonce, signature) = app.state.payments.sandbox_gateway().sign(body, now_ms());
    notify_at(app, "/pay/notify/sandbox/refund", body, timestamp, &nonce, &signature).await
}

/// A unit and its admin beside the demo unit (the admin signs in with the demo
/// password), signed in.
pub async fn other_unit_admin(app: &TestApp) -> String {
    let db = app.state.db.writer();
    let unit_id: i64 = sqlx::query_scalar(
        "INSERT INTO units (name, credit_code, region_code, status, created_at)
         VALUES ('另一家设计院', '91510100MA6CX0002X', '510100', 'approved', 0) RETURNING id",
    )
    .fetch_one(db)
    .await
    .unwrap();
    let user_id: i64 = sqlx::query_scalar(
        "INSERT INTO users (phone, id_number, name, password_hash, status, real_name_verified, must_change_password,
                            unit_id, unit_status, created_at, updated_at)
         SELECT '13900009999', '11010519491231002X', '周八', password_hash, status, 1, 0, $1, 'approved', 0, 0
         FROM users WHERE phone = $2 RETURNING id",
    )
    .bind(unit_id)
    .bind(TRAINEE_PHONE)
    .fetch_one(db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO user_roles (user_id, role, scope_id) VALUES ($1, 'unit_admin', $2), ($1, 'trainee', 0)",
    )
    .bind(user_id)
    .bind(unit_id)
    .execute(db)
    .await
    .unwrap();
    app.login("13900009999").await
}

/// The id of the account with this phone.
pub async fn user_id(app: &TestApp, phone: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE phone = $1")
        .bind(phone)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap()
}
