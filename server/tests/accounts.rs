//! Sessions, login, throttling and the role guard, on both engines.

#![allow(clippy::unwrap_used)] // a failed setup step fails the test

mod common;
use axum::http::{StatusCode, header};
use common::*;

engine_tests!(
    login_answers_unknown_account_and_wrong_password_alike,
    login_by_phone_or_id_number_sets_a_session_cookie,
    captcha_is_checked_and_used_once,
    login_issues_a_new_session_and_logout_ends_it,
    account_locks_after_five_failures,
    address_locks_after_twenty_failures,
    idle_and_absolute_timeouts_end_sessions,
    trainee_is_refused_by_admin_server_functions,
    pending_and_disabled_accounts_cannot_log_in,
    seed_is_idempotent,
);

async fn login_answers_unknown_account_and_wrong_password_alike(app: &TestApp) {
    let unknown = app.try_login("13999999999", PASSWORD).await;
    let wrong = app.try_login(TRAINEE_PHONE, "wrong password").await;
    let nonsense = app.try_login("admin", "whatever").await;
    for response in [&unknown, &wrong, &nonsense] {
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        assert_eq!(response.json()["message"], "账号或密码错误");
        assert!(response.session_cookie().is_none());
    }
    assert_eq!(unknown.body, wrong.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

async fn login_by_phone_or_id_number_sets_a_session_cookie(app: &TestApp) {
    let by_phone = app.try_login(TRAINEE_PHONE, PASSWORD).await;
    assert_eq!(by_phone.status, StatusCode::OK, "{}", by_phone.body);
    let set_cookie = by_phone.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(set_cookie.contains("Path=/"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "development cookies work over http");

    let by_id = app.try_login(&TRAINEE_ID_NUMBER.to_lowercase(), PASSWORD).await;
    assert_eq!(by_id.status, StatusCode::OK, "{}", by_id.body);
    let cookie = by_id.session_cookie().unwrap();
    let me = app.call("/api/accounts/me", &[], Some(&cookie)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["name"], "张三");
    assert_eq!(me.json()["grants"][0]["role"], "trainee");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 2);
}

async fn captcha_is_checked_and_used_once(app: &TestApp) {
    let id = app.captcha().await;
    let wrong = app
        .call(
            "/api/accounts/login",
            &[("account", TRAINEE_PHONE), ("password", PASSWORD), ("captcha_id", &id), ("captcha", "NOPE")],
            None,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.json()["fields"][0]["field"], "captcha");
    // The wrong answer spent the captcha: the right answer no longer works with it.
    let reused = app
        .call(
            "/api/accounts/login",
            &[("account", TRAINEE_PHONE), ("password", PASSWORD), ("captcha_id", &id), ("captcha", CAPTCHA)],
            None,
        )
        .await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    // An id whose image was never drawn has no answer at all.
    let undrawn = app
        .call(
            "/api/accounts/login",
            &[
                ("account", TRAINEE_PHONE),
                ("password", PASSWORD),
                ("captcha_id", "AAAAAAAAAAAAAAAAAAAAAA"),
                ("captcha", CAPTCHA),
            ],
            None,
        )
        .await;
    assert_eq!(undrawn.status, StatusCode::UNPROCESSABLE_ENTITY);
    // An expired captcha is refused.
    let id = app.captcha().await;
    sqlx::query("UPDATE captchas SET expires_at = 0 WHERE id = $1")
        .bind(&id)
        .execute(app.state.db.writer())
        .await
        .unwrap();
    let expired = app
        .call(
            "/api/accounts/login",
            &[("account", TRAINEE_PHONE), ("password", PASSWORD), ("captcha_id", &id), ("captcha", CAPTCHA)],
            None,
        )
        .await;
    assert_eq!(expired.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    // None of these counted as a password failure.
    assert_eq!(app.count("SELECT COUNT(*) FROM login_throttle").await, 0);
}

async fn login_issues_a_new_session_and_logout_ends_it(app: &TestApp) {
    let first = app.login(TRAINEE_PHONE).await;
    // Logging in again while holding a session replaces it with a new id.
    let captcha_id = app.captcha().await;
    let again = app
        .call(
            "/api/accounts/login",
            &[
                ("account", TRAINEE_PHONE),
                ("password", PASSWORD),
                ("captcha_id", &captcha_id),
                ("captcha", CAPTCHA),
            ],
            Some(&first),
        )
        .await;
    let second = again.session_cookie().unwrap();
    assert_ne!(first, second);
    assert_eq!(app.call("/api/accounts/me", &[], Some(&first)).await.json(), serde_json::Value::Null);
    assert_eq!(app.call("/api/accounts/me", &[], Some(&second)).await.json()["name"], "张三");
    // The database keeps a keyed hash, never the token itself.
    let token = second.trim_start_matches("xueshi_sid=");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE id = $1")
        .bind(token)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert_eq!(stored, 0);

    let logout = app.call("/api/accounts/logout", &[], Some(&second)).await;
    assert_eq!(logout.status, StatusCode::OK);
    let cleared = logout.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cleared.starts_with("xueshi_sid=;") && cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(app.call("/api/accounts/me", &[], Some(&second)).await.json(), serde_json::Value::Null);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

async fn account_locks_after_five_failures(app: &TestApp) {
    // From different addresses, so only the account counter is at work.
    for i in 0..5 {
        let r = app.try_login_from(TRAINEE_PHONE, "wrong", &format!("10.1.0.{i}")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let locked = app.try_login_from(TRAINEE_PHONE, PASSWORD, "10.1.0.99").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.json()["message"].as_str().unwrap().contains("登录失败次数过多"));
    // The same words for an account that does not exist, once it is as tried.
    for i in 0..5 {
        app.try_login_from("13999999999", "wrong", &format!("10.2.0.{i}")).await;
    }
    let ghost = app.try_login_from("13999999999", "wrong", "10.2.0.99").await;
    assert_eq!(ghost.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(ghost.json()["message"], locked.json()["message"]);
    // Other accounts are unaffected.
    let other = app.try_login_from("13800000012", PASSWORD, "10.1.0.99").await;
    assert_eq!(other.status, StatusCode::OK);
    // When the lock has passed, the right password works again.
    sqlx::query("UPDATE login_throttle SET locked_until = 0").execute(app.state.db.writer()).await.unwrap();
    assert_eq!(app.try_login_from(TRAINEE_PHONE, PASSWORD, "10.1.0.99").await.status, StatusCode::OK);
}

async fn address_locks_after_twenty_failures(app: &TestApp) {
    for i in 0..20 {
        let r = app.try_login_from(&format!("139000000{i:02}"), "wrong", "10.3.0.1").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let locked = app.try_login_from(TRAINEE_PHONE, PASSWORD, "10.3.0.1").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    let elsewhere = app.try_login_from(TRAINEE_PHONE, PASSWORD, "10.3.0.2").await;
    assert_eq!(elsewhere.status, StatusCode::OK);
}

async fn idle_and_absolute_timeouts_end_sessions(app: &TestApp) {
    let idle = app.login(TRAINEE_PHONE).await;
    let idle_limit = i64::try_from(app.state.config.session_idle.as_millis()).unwrap();
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - $1")
        .bind(idle_limit + 1000)
        .execute(app.state.db.writer())
        .await
        .unwrap();
    assert_eq!(app.call("/api/accounts/me", &[], Some(&idle)).await.json(), serde_json::Value::Null);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0, "an expired session is deleted");

    let old = app.login(TRAINEE_PHONE).await;
    let absolute_limit = i64::try_from(app.state.config.session_absolute.as_millis()).unwrap();
    // Active a minute ago, but created too long ago.
    sqlx::query("UPDATE sessions SET created_at = created_at - $1")
        .bind(absolute_limit + 1000)
        .execute(app.state.db.writer())
        .await
        .unwrap();
    assert_eq!(app.call("/api/accounts/me", &[], Some(&old)).await.json(), serde_json::Value::Null);
}

async fn trainee_is_refused_by_admin_server_functions(app: &TestApp) {
    let trainee = app.login(TRAINEE_PHONE).await;
    let finance = app.login(FINANCE_PHONE).await;
    let form = [("category", "notice"), ("title", "越权发布"), ("body", "正文"), ("published", "on")];
    for cookie in [Some(trainee.as_str()), Some(finance.as_str())] {
        let save = app.call("/api/admin/announcements/save", &form, cookie).await;
        assert_eq!(save.status, StatusCode::FORBIDDEN, "{}", save.body);
        assert_eq!(save.json()["message"], "您没有权限进行此操作");
    }
    let anonymous = app.call("/api/admin/announcements/save", &form, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let list = app.call("/api/admin/announcements/list", &[], Some(&trainee)).await;
    assert_eq!(list.status, StatusCode::FORBIDDEN);
    let overview = app.call("/api/admin/overview", &[], Some(&trainee)).await;
    assert_eq!(overview.status, StatusCode::FORBIDDEN);
    // Staff of other roles may open the overview, without the platform figures.
    let finance_overview = app.call("/api/admin/overview", &[], Some(&finance)).await;
    assert_eq!(finance_overview.status, StatusCode::OK);
    assert_eq!(finance_overview.json()["platform"], serde_json::Value::Null);
    assert_eq!(app.count("SELECT COUNT(*) FROM announcements WHERE title = '越权发布'").await, 0);
}

async fn pending_and_disabled_accounts_cannot_log_in(app: &TestApp) {
    sqlx::query("UPDATE users SET status = 'pending' WHERE phone = $1")
        .bind(TRAINEE_PHONE)
        .execute(app.state.db.writer())
        .await
        .unwrap();
    let pending = app.try_login(TRAINEE_PHONE, PASSWORD).await;
    assert_eq!(pending.status, StatusCode::FORBIDDEN);
    assert_eq!(pending.json()["message"], "此帐号还未被审核");
    // A wrong password still reads as a wrong password: the state is not revealed.
    let wrong = app.try_login(TRAINEE_PHONE, "wrong").await;
    assert_eq!(wrong.json()["message"], "账号或密码错误");

    let cookie = app.login("13800000012").await;
    sqlx::query("UPDATE users SET status = 'disabled' WHERE phone = '13800000012'")
        .execute(app.state.db.writer())
        .await
        .unwrap();
    // A disabled account's live session stops working at once.
    assert_eq!(app.call("/api/accounts/me", &[], Some(&cookie)).await.json(), serde_json::Value::Null);
    let disabled = app.try_login("13800000012", PASSWORD).await;
    assert_eq!(disabled.status, StatusCode::FORBIDDEN);
}

async fn seed_is_idempotent(app: &TestApp) {
    let tables = [
        "users",
        "user_roles",
        "units",
        "providers",
        "announcements",
        "departments",
        "classes",
        "courses",
        "chapters",
        "questions",
        "registrations",
        "orders",
        "files",
    ];
    let mut before = Vec::new();
    for table in tables {
        before.push(app.count(&format!("SELECT COUNT(*) FROM {table}")).await);
    }
    let report = app::seed::seed_demo(&app.state).await.unwrap();
    assert_eq!((report.announcements_added, report.classes_added, report.courses_added), (0, 0, 0));
    for (table, count) in tables.iter().zip(before) {
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM {table}")).await, count, "{table}");
    }
}
