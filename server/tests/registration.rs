//! 个人用户注册, SMS codes, the password rules, 实名认证 and 找回密码, on both engines.

#![allow(clippy::unwrap_used)] // a failed setup step fails the test

mod common;
use axum::http::StatusCode;
use common::*;

const NEW_PHONE: &str = "13912345678";
const NEW_PASSWORD: &str = "Jinsha River 2026";
const VALID_ID: &str = "510107199204040065"; // 孙丽 (finance) already has it
const FREE_ID: &str = "510108199505050079";

engine_tests!(
    quick_registration_creates_an_unverified_account,
    sms_codes_are_hashed_single_use_and_limited,
    password_rules_are_enforced,
    registration_refuses_a_taken_phone_and_changes_nothing,
    verification_checks_the_id_number_and_guards_the_photos,
    password_recovery_answers_alike_and_resets,
    staff_registration_waits_for_the_unit,
);

async fn quick_registration_creates_an_unverified_account(app: &TestApp) {
    app.register_quick(NEW_PHONE, NEW_PASSWORD).await;
    let cookie = app.login_with(NEW_PHONE, NEW_PASSWORD).await;
    let me = app.call("/api/accounts/me", &[], Some(&cookie)).await.json();
    assert_eq!(me["real_name_verified"], false);
    assert_eq!(me["grants"][0]["role"], "trainee");
    // The SMS went through the outbox, and the database keeps no plain code.
    let code = app.last_code(NEW_PHONE).await;
    let plain: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sms_codes WHERE code_hash = $1")
        .bind(&code)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert_eq!(plain, 0);
}

async fn sms_codes_are_hashed_single_use_and_limited(app: &TestApp) {
    assert_eq!(app.send_register_code(NEW_PHONE).await.status, StatusCode::OK);
    // No second code within a minute.
    let again = app.send_register_code(NEW_PHONE).await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(again.json()["message"].as_str().unwrap().contains("秒后再重新获取"));
    let code = app.last_code(NEW_PHONE).await;
    let form = |code: &str| {
        [
            ("phone", NEW_PHONE),
            ("code", code),
            ("password", NEW_PASSWORD),
            ("password_confirm", NEW_PASSWORD),
            ("then", "login"),
        ]
        .map(|(k, v)| (k, v.to_owned()))
    };
    let call = |code: String| async move {
        let form = form(&code);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.call("/api/accounts/register", &pairs, None).await
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    // Five wrong tries, then even the right code is dead.
    for _ in 0..5 {
        let r = call(wrong.to_owned()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["fields"][0]["field"], "code");
    }
    let dead = call(code.clone()).await;
    assert_eq!(dead.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dead.json()["fields"][0]["message"], "验证码错误或已失效，请重新获取");
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE phone = '13912345678'").await, 0);

    // A fresh code works once.
    app.age_codes(NEW_PHONE).await;
    assert_eq!(app.send_register_code(NEW_PHONE).await.status, StatusCode::OK);
    let code = app.last_code(NEW_PHONE).await;
    assert_eq!(call(code.clone()).await.status, StatusCode::OK);
    // Expired codes are refused (another phone).
    let other = "13912340000";
    app.send_register_code(other).await;
    sqlx::query("UPDATE sms_codes SET expires_at = 0 WHERE phone = $1")
        .bind(other)
        .execute(app.state.db.writer())
        .await
        .unwrap();
    let code = app.last_code(other).await;
    let expired = app
        .call(
            "/api/accounts/register",
            &[
                ("phone", other),
                ("code", &code),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(expired.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The daily cap per phone.
    let capped = "13912341111";
    for _ in 0..10 {
        assert_eq!(app.send_register_code(capped).await.status, StatusCode::OK);
        app.age_codes(capped).await;
    }
    let over = app.send_register_code(capped).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(over.json()["message"].as_str().unwrap().contains("已达上限"));
}

async fn password_rules_are_enforced(app: &TestApp) {
    for (password, message) in [
        ("short", "密码至少需要8个字符"),
        ("password123", "该密码过于常见，容易被猜到，请换一个"),
        ("woaini1314", "该密码过于常见，容易被猜到，请换一个"),
        (NEW_PHONE, "密码不能与手机号或身份证号相同"),
    ] {
        app.age_codes(NEW_PHONE).await;
        app.send_register_code(NEW_PHONE).await;
        let code = app.last_code(NEW_PHONE).await;
        let r = app
            .call(
                "/api/accounts/register",
                &[
                    ("phone", NEW_PHONE),
                    ("code", &code),
                    ("password", password),
                    ("password_confirm", password),
                ],
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        assert_eq!(r.json()["fields"][0]["message"], message, "{password}");
    }
    // The code was not spent by a refused form.
    let code = app.last_code(NEW_PHONE).await;
    let ok = app
        .call(
            "/api/accounts/register",
            &[
                ("phone", NEW_PHONE),
                ("code", &code),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

async fn registration_refuses_a_taken_phone_and_changes_nothing(app: &TestApp) {
    let taken = app.send_register_code(TRAINEE_PHONE).await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(taken.json()["message"], "该手机号已注册，请直接登录");
    let users = app.count("SELECT COUNT(*) FROM users").await;
    let mismatch = app.send_register_code(NEW_PHONE).await;
    assert_eq!(mismatch.status, StatusCode::OK);
    let code = app.last_code(NEW_PHONE).await;
    let r = app
        .call(
            "/api/accounts/register",
            &[
                ("phone", NEW_PHONE),
                ("code", &code),
                ("password", NEW_PASSWORD),
                ("password_confirm", "different one"),
            ],
            None,
        )
        .await;
    assert_eq!(r.json()["fields"][0]["field"], "password_confirm");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users);
}

async fn verification_checks_the_id_number_and_guards_the_photos(app: &TestApp) {
    app.register_quick(NEW_PHONE, NEW_PASSWORD).await;
    let cookie = app.login_with(NEW_PHONE, NEW_PASSWORD).await;
    let submit = |id: &'static str, front: &'static [u8]| {
        let cookie = cookie.clone();
        async move {
            app.upload(
                "/api/accounts/verify/upload",
                &[
                    Part::Text("id_number", id),
                    Part::Text("name", "周八"),
                    Part::File {
                        name: "front",
                        filename: "front.png",
                        content_type: "image/png",
                        bytes: front,
                    },
                    Part::File {
                        name: "back",
                        filename: "back.jpg",
                        content_type: "image/jpeg",
                        bytes: JPEG,
                    },
                ],
                Some(&cookie),
            )
            .await
        }
    };
    let wrong_check_digit = submit("510108199505050078", PNG).await;
    assert_eq!(wrong_check_digit.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_check_digit.json()["fields"][0]["message"], "身份证号校验位不正确，请核对后重新输入");
    let taken = submit(VALID_ID, PNG).await;
    assert_eq!(taken.json()["fields"][0]["field"], "id_number");
    let not_an_image = submit(FREE_ID, b"%PDF-1.4 not an image").await;
    assert_eq!(not_an_image.json()["fields"][0]["field"], "front");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM files WHERE purpose = 'id_card'").await,
        0,
        "refused attempts store nothing"
    );

    let ok = submit(FREE_ID, PNG).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let me = app.call("/api/accounts/me", &[], Some(&cookie)).await.json();
    assert_eq!(me["real_name_verified"], true);
    assert_eq!(me["name"], "周八");
    let again = submit(FREE_ID, PNG).await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let front: String = sqlx::query_scalar("SELECT id_card_front_file_id FROM users WHERE phone = $1")
        .bind(NEW_PHONE)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    let url = format!("/files/{front}");
    assert_eq!(app.get(&url, Some(&cookie)).await.status, StatusCode::OK, "the owner sees it");
    let admin = app.login(ADMIN_PHONE).await;
    assert_eq!(app.get(&url, Some(&admin)).await.status, StatusCode::OK, "the platform admin reviews it");
    let other_trainee = app.login(TRAINEE_PHONE).await;
    assert_eq!(app.get(&url, Some(&other_trainee)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&url, None).await.status, StatusCode::NOT_FOUND);
    // The demo unit's admin does not review someone outside the unit.
    let unit_admin = app.login("13800000003").await;
    assert_eq!(app.get(&url, Some(&unit_admin)).await.status, StatusCode::NOT_FOUND);
}

async fn password_recovery_answers_alike_and_resets(app: &TestApp) {
    let start = |name: &'static str, id: &'static str| async move {
        let captcha_id = app.captcha().await;
        app.call(
            "/api/accounts/recover/start",
            &[("name", name), ("id_number", id), ("captcha_id", &captcha_id), ("captcha", CAPTCHA)],
            None,
        )
        .await
    };
    let outbox = app.count("SELECT COUNT(*) FROM outbox").await;
    let stranger = start("王五", FREE_ID).await;
    let wrong_name = start("张四", TRAINEE_ID_NUMBER).await;
    assert_eq!(stranger.status, StatusCode::OK);
    assert_eq!(wrong_name.status, StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, outbox, "no SMS for a mismatch");

    let right = start("张三", TRAINEE_ID_NUMBER).await;
    assert_eq!(right.status, StatusCode::OK);
    let location = right.headers["serverfnredirect"].to_str().unwrap_or_default().to_owned();
    let location =
        if location.is_empty() { right.headers["location"].to_str().unwrap().to_owned() } else { location };
    let ticket = location.split("ticket=").nth(1).unwrap().to_owned();
    let code = app.last_code(TRAINEE_PHONE).await;
    let old_session = app.login(TRAINEE_PHONE).await;

    let new_password = "Emei Mountain Snow";
    let finish = app
        .call(
            "/api/accounts/recover/finish",
            &[
                ("ticket", &ticket),
                ("code", &code),
                ("password", new_password),
                ("password_confirm", new_password),
            ],
            None,
        )
        .await;
    assert_eq!(finish.status, StatusCode::OK, "{}", finish.body);
    assert_eq!(app.call("/api/accounts/me", &[], Some(&old_session)).await.json(), serde_json::Value::Null);
    assert_eq!(app.try_login(TRAINEE_PHONE, PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    app.login_with(TRAINEE_PHONE, new_password).await;
    // The ticket is used up.
    let reuse = app
        .call(
            "/api/accounts/recover/finish",
            &[
                ("ticket", &ticket),
                ("code", &code),
                ("password", new_password),
                ("password_confirm", new_password),
            ],
            None,
        )
        .await;
    assert_eq!(reuse.status, StatusCode::BAD_REQUEST);
}

async fn staff_registration_waits_for_the_unit(app: &TestApp) {
    let unit_id: i64 = sqlx::query_scalar("SELECT id FROM units WHERE credit_code = '91510100MA6CX00019'")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    let department: i64 =
        sqlx::query_scalar("SELECT id FROM departments WHERE unit_id = $1 AND name = '设计部'")
            .bind(unit_id)
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
    app.send_register_code(NEW_PHONE).await;
    let code = app.last_code(NEW_PHONE).await;
    let unit_text = unit_id.to_string();
    let department_text = department.to_string();
    let registered = app
        .call(
            "/api/accounts/register",
            &[
                ("phone", NEW_PHONE),
                ("code", &code),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
                ("email", "zhou@example.cn"),
                ("unit_id", &unit_text),
                ("department_id", &department_text),
                ("id_number", FREE_ID),
                ("name", "周八"),
                ("ethnicity", "汉族"),
                ("then", "staff"),
            ],
            None,
        )
        .await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
    let pending = app.try_login(FREE_ID, NEW_PASSWORD).await;
    assert_eq!(pending.status, StatusCode::FORBIDDEN);
    assert_eq!(pending.json()["message"], "此帐号还未被审核");

    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE phone = $1")
        .bind(NEW_PHONE)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    let user_text = user_id.to_string();
    // Another unit's admin cannot approve; neither can a trainee.
    let trainee = app.login(TRAINEE_PHONE).await;
    let refused = app
        .call("/api/unit/staff/review", &[("user_id", &user_text), ("decision", "approve")], Some(&trainee))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let admin = app.login("13800000003").await;
    let pending_list = app.call("/api/unit/staff/pending", &[], Some(&admin)).await.json();
    assert_eq!(pending_list["total"], 1);
    assert_eq!(pending_list["items"][0]["name"], "周八");
    let approved = app
        .call("/api/unit/staff/review", &[("user_id", &user_text), ("decision", "approve")], Some(&admin))
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert!(app.last_message(NEW_PHONE).await.unwrap().contains("审核通过"));
    assert!(app.last_message("zhou@example.cn").await.unwrap().contains("审核通过"));
    let cookie = app.login_with(FREE_ID, NEW_PASSWORD).await;
    let info = app.call("/api/me/info", &[], Some(&cookie)).await.json();
    assert_eq!(info["affiliation"]["approved"], true);
    assert_eq!(info["affiliation"]["department"], "设计部");
    assert_eq!(info["gender"], "Male");
}
