//! Identity and sign-up abuse (issue 11, items 7-9), on both engines: 单位注册 needs the
//! captcha and the applicant's SMS code, a pending application takes no phone or ID
//! number from anyone and lapses after 30 days; 实名认证 goes through the identity
//! provider (the review queue, 实名审核: approve, reject, resubmit, revoke) and refuses
//! a taken ID number with the appeal message, a limited number of times; 找回密码 and the
//! staff import answer without telling who exists.

#![allow(clippy::unwrap_used)] // a failed setup step fails the test

mod common;
use app::{
    accounts::{
        domain::identity::check_char,
        server::{throttle, verification},
    },
    platform::time::now_ms,
    units::server::{staff::CANNOT_IMPORT, units::PENDING_LIFETIME_MS},
};
use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use common::*;

const AUTHORITY_PHONE: &str = "13800000002";
const UNIT_ADMIN_PHONE: &str = "13800000003";
const OTHER_TRAINEE_ID: &str = "510105198805121234"; // 李四, verified
const STRONG: &str = "Dujiangyan Weir 256";
const UNIT_CODE: &str = "91510104MA61RW8A2W";
const OTHER_UNIT_CODE: &str = "91440101MA59U8KX3R";

engine_tests!(
    unit_registration_needs_the_captcha_and_the_sms_code,
    a_pending_unit_application_blocks_nobody,
    pending_unit_applications_lapse_after_30_days,
    a_taken_id_number_is_refused_with_the_appeal_message,
    verification_tries_are_limited_per_account_and_address,
    recovery_answers_the_same_for_a_missing_person,
    an_import_row_of_another_units_person_is_answered_neutrally,
);

/// The review provider (实名审核), as production runs it.
macro_rules! review_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use super::*;
                const SETTINGS: &[(&str, &str)] = &[("identity_provider", "review")];
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    run_with(Engine::Sqlite, SETTINGS, |app| Box::pin(super::$name(app))).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    run_with(Engine::Postgres, SETTINGS, |app| Box::pin(super::$name(app))).await;
                }
            }
        )*
    };
}

review_tests!(verification_goes_to_the_review_queue, reviewers_see_their_region_only);

/// A valid ID number (GB 11643) from a region code, a birth date and a sequence.
fn id_number(region: &str, birth: &str, sequence: u32) -> String {
    let first17 = format!("{region}{birth}{sequence:03}");
    format!("{first17}{}", check_char(&first17))
}

fn unit_form<'a>(
    credit_code: &'a str,
    applicant_id: &'a str,
    phone: &'a str,
    code: &'a str,
) -> Vec<Part<'a>> {
    vec![
        Part::Text("applicant_phone", phone),
        Part::Text("code", code),
        Part::Text("credit_code", credit_code),
        Part::File {
            name: "licence", filename: "营业执照.pdf", content_type: "application/pdf", bytes: PDF
        },
        Part::Text("name", "成都示范勘测设计院"),
        Part::Text("nature", "事业单位"),
        Part::Text("industry", "水利、环境和公共设施管理业"),
        Part::Text("supervisor", "成都市水务局"),
        Part::Text("level", "市级"),
        Part::Text("region_code", "510100"),
        Part::Text("address", "成都市武侯区人民南路四段"),
        Part::Text("applicant_id_number", applicant_id),
        Part::Text("applicant_name", "钱七"),
        Part::Text("password", STRONG),
        Part::Text("password_confirm", STRONG),
    ]
}

/// 单位注册 as the page does it: the code to the phone, then the form with it.
async fn apply_unit(app: &TestApp, credit_code: &str, applicant_id: &str, phone: &str) -> TestResponse {
    let sent = app.send_unit_code(phone).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let code = app.last_code(phone).await;
    app.upload("/api/units/register/upload", &unit_form(credit_code, applicant_id, phone, &code), None).await
}

async fn unit_id(app: &TestApp, credit_code: &str) -> String {
    let id: i64 = sqlx::query_scalar("SELECT id FROM units WHERE credit_code = $1")
        .bind(credit_code)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    id.to_string()
}

async fn unit_registration_needs_the_captcha_and_the_sms_code(app: &TestApp) {
    let phone = "13700002001";
    let applicant = id_number("510104", "19850101", 11);
    // No code without the image captcha.
    let captcha_id = app.captcha().await;
    let no_captcha = app
        .call(
            "/api/units/register/code",
            &[("phone", phone), ("captcha_id", &captcha_id), ("captcha", "WRONG")],
            None,
        )
        .await;
    assert_eq!(no_captcha.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_captcha.field_names(), ["captcha"]);
    assert!(app.last_message(phone).await.is_none(), "nothing sent");

    // The form without a code, or with a made-up one, registers nothing.
    let hashes = app.state.password_work.hashes();
    let form = unit_form(UNIT_CODE, &applicant, phone, "");
    let without = app.upload("/api/units/register/upload", &form, None).await;
    assert_eq!(without.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", without.body);
    assert_eq!(without.field_names(), ["code"]);
    let unsent = app
        .upload("/api/units/register/upload", &unit_form(UNIT_CODE, &applicant, phone, "123456"), None)
        .await;
    assert_eq!(unsent.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unsent.body);
    assert_eq!(unsent.field_names(), ["code"]);

    let sent = app.send_unit_code(phone).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let sms = app.last_message(phone).await.unwrap();
    assert!(sms.contains("单位注册"), "{sms}");
    let code = app.last_code(phone).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused =
        app.upload("/api/units/register/upload", &unit_form(UNIT_CODE, &applicant, phone, wrong), None).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(refused.field_names(), ["code"]);
    assert_eq!(app.state.password_work.hashes(), hashes, "a wrong code costs no password hash");
    assert_eq!(app.count("SELECT COUNT(*) FROM units WHERE status = 'pending'").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM files WHERE purpose = 'licence'").await, 0);

    let ok =
        app.upload("/api/units/register/upload", &unit_form(UNIT_CODE, &applicant, phone, &code), None).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM units WHERE status = 'pending'").await, 1);
    // The code is used up.
    let again = app
        .upload("/api/units/register/upload", &unit_form(OTHER_UNIT_CODE, &applicant, phone, &code), None)
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    // One pending application per (proven) phone.
    let second = app.send_unit_code(phone).await;
    assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(second.json()["fields"][0]["message"], "该手机号已有待审核的单位注册申请，请等待审核结果");
}

async fn a_pending_unit_application_blocks_nobody(app: &TestApp) {
    let victim_phone = "13700002002";
    let victim_id = id_number("510104", "19900202", 22);
    let attacker_phone = "13700002003";
    // One application with the victim's phone (however its code was had), one with the
    // attacker's own phone and the victim's ID number.
    let with_phone = apply_unit(app, UNIT_CODE, &id_number("510104", "19800303", 33), victim_phone).await;
    assert_eq!(with_phone.status, StatusCode::OK, "{}", with_phone.body);
    let with_id = apply_unit(app, OTHER_UNIT_CODE, &victim_id, attacker_phone).await;
    assert_eq!(with_id.status, StatusCode::OK, "{}", with_id.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM units WHERE status = 'pending'").await, 2);
    let users = app.count("SELECT COUNT(*) FROM users").await;

    // The victim registers personally with that phone, and verifies with that ID number.
    app.register_quick(victim_phone, STRONG).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users + 1);
    let cookie = app.login_with(victim_phone, STRONG).await;
    let verified = submit_verification(app, &cookie, &victim_id, "10.0.0.1").await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    assert_eq!(app.call("/api/accounts/me", &[], Some(&cookie)).await.json()["real_name_verified"], true);
    // 找回密码 works for the victim too.
    let captcha = app.captcha().await;
    let recover = app
        .call(
            "/api/accounts/recover/start",
            &[("name", "周八"), ("id_number", &victim_id), ("captcha_id", &captcha), ("captcha", CAPTCHA)],
            None,
        )
        .await;
    assert_eq!(recover.status, StatusCode::OK);
    assert!(app.last_message(victim_phone).await.unwrap().contains("找回密码"));

    // Approving either application now is refused (the phone, the ID number have an
    // account); the authority rejects them.
    let authority = app.login(AUTHORITY_PHONE).await;
    for code in [UNIT_CODE, OTHER_UNIT_CODE] {
        let id = unit_id(app, code).await;
        let approve = app
            .call("/api/admin/units/review", &[("id", &id), ("decision", "approve")], Some(&authority))
            .await;
        assert_eq!(approve.status, StatusCode::CONFLICT, "{}", approve.body);
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM units WHERE status = 'approved' AND credit_code <> '91510100MA6CX00019'"
            )
            .await,
            0
        );
        let reject = app
            .call(
                "/api/admin/units/review",
                &[("id", &id), ("decision", "reject"), ("reason", "申请人信息有误")],
                Some(&authority),
            )
            .await;
        assert_eq!(reject.status, StatusCode::OK, "{}", reject.body);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users + 1, "no applicant accounts");
    app.login_with(victim_phone, STRONG).await;
}

async fn pending_unit_applications_lapse_after_30_days(app: &TestApp) {
    let phone = "13700002004";
    let fresh_phone = "13700002005";
    assert_eq!(
        apply_unit(app, UNIT_CODE, &id_number("510104", "19800404", 44), phone).await.status,
        StatusCode::OK
    );
    assert_eq!(
        apply_unit(app, OTHER_UNIT_CODE, &id_number("510104", "19800505", 55), fresh_phone).await.status,
        StatusCode::OK
    );
    let now = now_ms();
    const DAY: i64 = 24 * 60 * 60 * 1000;
    for (code, age) in [(UNIT_CODE, 31 * DAY), (OTHER_UNIT_CODE, 29 * DAY)] {
        sqlx::query("UPDATE units SET created_at = $1 WHERE credit_code = $2")
            .bind(now - age)
            .bind(code)
            .execute(app.state.db.writer())
            .await
            .unwrap();
    }
    assert_eq!(PENDING_LIFETIME_MS, 30 * DAY);
    let licences = app.count("SELECT COUNT(*) FROM files WHERE purpose = 'licence'").await;
    assert_eq!(app::units::server::expire_pending(&app.state, now).await.unwrap(), 1);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM units WHERE credit_code = '{UNIT_CODE}'")).await, 0);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM units WHERE credit_code = '{OTHER_UNIT_CODE}'")).await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM files WHERE purpose = 'licence'").await, licences - 1);
    assert!(app.last_message(phone).await.unwrap().contains("已失效"));
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'unit.expire'").await, 1);
    // Run again: nothing more; the lapsed credit code and phone may apply again.
    assert_eq!(app::units::server::expire_pending(&app.state, now).await.unwrap(), 0);
    let again = apply_unit(app, UNIT_CODE, &id_number("510104", "19800404", 44), phone).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    // An approved unit never lapses.
    let admin = app.login(ADMIN_PHONE).await;
    let id = unit_id(app, OTHER_UNIT_CODE).await;
    let approved =
        app.call("/api/admin/units/review", &[("id", &id), ("decision", "approve")], Some(&admin)).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(
        app::units::server::expire_pending(&app.state, now + 40 * DAY).await.unwrap(),
        1,
        "only the new one"
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM units WHERE credit_code = '{OTHER_UNIT_CODE}'")).await,
        1
    );
    app.login_with(fresh_phone, STRONG).await;
}

/// Posts the 实名认证 form from `ip`.
async fn submit_verification(app: &TestApp, cookie: &str, id: &str, ip: &str) -> TestResponse {
    let parts = [
        Part::Text("id_number", id),
        Part::Text("name", "周八"),
        Part::File { name: "front", filename: "front.png", content_type: "image/png", bytes: PNG },
        Part::File { name: "back", filename: "back.jpg", content_type: "image/jpeg", bytes: JPEG },
    ];
    let (content_type, body) = multipart_body(&parts);
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/accounts/verify/upload")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost")
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap();
    app.send(request, ip).await
}

async fn a_taken_id_number_is_refused_with_the_appeal_message(app: &TestApp) {
    let phone = "13700002006";
    app.register_quick(phone, STRONG).await;
    let cookie = app.login_with(phone, STRONG).await;
    // 张三's number (verified) and 钱七's (an unverified account a unit made): the same words.
    let unverified_id = id_number("510104", "19700606", 66);
    sqlx::query(
        "INSERT INTO users (phone, id_number, name, password_hash, status, created_at, updated_at)
         VALUES ('13700002099', $1, '钱七', 'x', 'active', 0, 0)",
    )
    .bind(&unverified_id)
    .execute(app.state.db.writer())
    .await
    .unwrap();
    for taken in [TRAINEE_ID_NUMBER, unverified_id.as_str()] {
        let refused = submit_verification(app, &cookie, taken, "10.0.0.1").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        let message = refused.json()["fields"][0]["message"].as_str().unwrap().to_owned();
        assert_eq!(message, verification::ID_NUMBER_TAKEN);
        assert!(message.contains("申诉"), "it says how to appeal");
        for secret in ["张三", "钱七", TRAINEE_PHONE, "13800000011", "0011"] {
            assert!(!refused.body.contains(secret), "names nobody: {}", refused.body);
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM files WHERE purpose = 'id_card'").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM identity_reviews").await, 0);
}

async fn verification_tries_are_limited_per_account_and_address(app: &TestApp) {
    let limit = verification::ACCOUNT_TRIES;
    let phone = "13700002010";
    app.register_quick(phone, STRONG).await;
    let cookie = app.login_with(phone, STRONG).await;
    for _ in 0..limit {
        let refused = submit_verification(app, &cookie, OTHER_TRAINEE_ID, "10.5.0.1").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    }
    // Past the limit: 429, whatever the number (a free one too), from any address.
    let free = id_number("510104", "19950707", 77);
    for ip in ["10.5.0.1", "10.5.0.2"] {
        let locked = submit_verification(app, &cookie, &free, ip).await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.body);
        assert!(locked.json()["message"].as_str().unwrap().contains("提交次数过多"));
    }
    assert_eq!(app.call("/api/accounts/me", &[], Some(&cookie)).await.json()["real_name_verified"], false);
    // Checksum errors are not tries (they tell nothing about anyone).
    let other = "13700002011";
    app.register_quick(other, STRONG).await;
    let other_cookie = app.login_with(other, STRONG).await;
    let typo = format!("{}{}", &free[..17], if free.ends_with('0') { '1' } else { '0' });
    for _ in 0..limit + 2 {
        let refused = submit_verification(app, &other_cookie, &typo, "10.5.0.3").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let verified = submit_verification(app, &other_cookie, &free, "10.5.0.3").await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);

    // Per address: accounts from one address share its tries.
    let address_limit = verification::ADDRESS_TRIES;
    let accounts = address_limit / limit;
    for n in 0..accounts {
        let phone = format!("137000021{n:02}");
        app.register_quick(&phone, STRONG).await;
        let cookie = app.login_with(&phone, STRONG).await;
        for _ in 0..limit {
            let refused = submit_verification(app, &cookie, OTHER_TRAINEE_ID, "10.5.0.9").await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        }
    }
    let fresh = "13700002190";
    app.register_quick(fresh, STRONG).await;
    let fresh_cookie = app.login_with(fresh, STRONG).await;
    let locked = submit_verification(app, &fresh_cookie, OTHER_TRAINEE_ID, "10.5.0.9").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.body);
    // The refused address did not use up the account's own tries.
    let elsewhere = submit_verification(app, &fresh_cookie, OTHER_TRAINEE_ID, "10.5.0.10").await;
    assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", elsewhere.body);
    assert_eq!(throttle::ACCOUNT_LIMIT, 5, "the login limit is separate");
}

fn redirect_of(response: &TestResponse) -> String {
    let location = response.headers.get("serverfnredirect").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if location.is_empty() {
        response.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    } else {
        location.to_owned()
    }
}

async fn recovery_answers_the_same_for_a_missing_person(app: &TestApp) {
    let start = |name: &'static str, id: String| async move {
        let captcha_id = app.captcha().await;
        let started = app
            .call(
                "/api/accounts/recover/start",
                &[("name", name), ("id_number", &id), ("captcha_id", &captcha_id), ("captcha", CAPTCHA)],
                None,
            )
            .await;
        assert_eq!(started.status, StatusCode::OK, "{}", started.body);
        redirect_of(&started).split("ticket=").nth(1).unwrap().to_owned()
    };
    let existing = start("张三", TRAINEE_ID_NUMBER.to_owned()).await;
    let missing = start("王五", id_number("510104", "19880808", 88)).await;
    let code = app.last_code(TRAINEE_PHONE).await;
    let wrong: &'static str = if code == "000000" { "111111" } else { "000000" };
    let finish = |ticket: String, code: &'static str, password: &'static str| async move {
        let started = std::time::Instant::now();
        let answer = app
            .call(
                "/api/accounts/recover/finish",
                &[
                    ("ticket", &ticket),
                    ("code", code),
                    ("password", password),
                    ("password_confirm", password),
                ],
                None,
            )
            .await;
        (answer, started.elapsed())
    };
    let hashes = app.state.password_work.hashes();
    let (mut slow_existing, mut slow_missing) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    // A wrong code, with a good password and with the account's phone as the password
    // (which only the account could refuse), until the code's tries are used up.
    for password in [
        "Emei Mountain Snow 7",
        TRAINEE_PHONE,
        "Emei Mountain Snow 7",
        TRAINEE_PHONE,
        "Leshan 9 Buddha",
        "Leshan 9 Buddha",
    ] {
        let (a, took_a) = finish(existing.clone(), wrong, password).await;
        let (b, took_b) = finish(missing.clone(), wrong, password).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
        assert_eq!((a.status, &a.body), (b.status, &b.body), "the same answer for {password}");
        slow_existing = slow_existing.max(took_a);
        slow_missing = slow_missing.max(took_b);
    }
    assert_eq!(app.state.password_work.hashes(), hashes, "no argon2 work for either");
    // The same work: each wrong try was counted against a code, the account's or the decoy.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sms_codes WHERE purpose = 'reset_password' AND attempts >= 5").await,
        2
    );
    assert!(
        slow_existing < std::time::Duration::from_secs(5) && slow_missing < std::time::Duration::from_secs(5),
        "{slow_existing:?} {slow_missing:?}"
    );
    // A malformed form reads the same too.
    let (a, _) = finish(existing, "12", "short").await;
    let (b, _) = finish(missing, "12", "short").await;
    assert_eq!((a.status, &a.body), (b.status, &b.body));
}

async fn an_import_row_of_another_units_person_is_answered_neutrally(app: &TestApp) {
    // Another unit, approved, with its admin 钱七.
    let other_phone = "13700002020";
    let other_id = id_number("510104", "19790909", 99);
    assert_eq!(apply_unit(app, UNIT_CODE, &other_id, other_phone).await.status, StatusCode::OK);
    let admin = app.login(ADMIN_PHONE).await;
    let id = unit_id(app, UNIT_CODE).await;
    let approved =
        app.call("/api/admin/units/review", &[("id", &id), ("decision", "approve")], Some(&admin)).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    // A person in no unit, with phone and ID number.
    let loner_phone = "13700002021";
    let loner_id = id_number("510104", "19920101", 12);
    app.register_quick(loner_phone, STRONG).await;
    sqlx::query("UPDATE users SET id_number = $1 WHERE phone = $2")
        .bind(&loner_id)
        .bind(loner_phone)
        .execute(app.state.db.writer())
        .await
        .unwrap();

    let demo_admin = app.login(UNIT_ADMIN_PHONE).await;
    let new_id = id_number("510104", "19930303", 13);
    let csv = format!(
        "姓名,身份证号,手机号,部门\n\
         甲一,{other_id},13700002030,\n\
         乙二,{new_id},{other_phone},\n\
         丙三,{other_id},{other_phone},\n\
         丁四,{loner_id},13700002031,\n\
         戊五,{new_id},{loner_phone},\n"
    );
    let outbox = app.count("SELECT COUNT(*) FROM outbox").await;
    let uploaded = app
        .upload(
            "/api/unit/staff/import/upload",
            &[Part::File {
                name: "file",
                filename: "staff.csv",
                content_type: "text/csv",
                bytes: csv.as_bytes(),
            }],
            Some(&demo_admin),
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.body);
    let report_id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM staff_imports")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    let report = app
        .call("/api/unit/staff/imports/get", &[("id", &report_id.to_string())], Some(&demo_admin))
        .await
        .json();
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    for row in rows {
        assert_eq!(row["outcome"], "Rejected", "{row}");
        assert_eq!(row["note"], CANNOT_IMPORT, "{row}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, outbox, "nobody was invited or created");
    assert_eq!(app.count("SELECT COUNT(*) FROM staff_invitations").await, 0);
}

// ---- 实名审核 ---------------------------------------------------------------------------

async fn verification_state(app: &TestApp, cookie: &str) -> serde_json::Value {
    let state = app.call("/api/accounts/verify/state", &[], Some(cookie)).await;
    assert_eq!(state.status, StatusCode::OK, "{}", state.body);
    state.json()
}

async fn pending_review_id(app: &TestApp, phone: &str) -> String {
    let id: i64 = sqlx::query_scalar(
        "SELECT r.id FROM identity_reviews r JOIN users u ON u.id = r.user_id WHERE u.phone = $1 ORDER BY r.id DESC LIMIT 1",
    )
    .bind(phone)
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    id.to_string()
}

async fn verification_goes_to_the_review_queue(app: &TestApp) {
    let phone = "13700003001";
    let id = id_number("510104", "19910101", 31);
    app.register_quick(phone, STRONG).await;
    let cookie = app.login_with(phone, STRONG).await;
    let submitted = submit_verification(app, &cookie, &id, "10.0.0.1").await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    assert!(redirect_of(&submitted).contains("/me/verify"), "{:?}", submitted.headers);
    // Not verified yet: 审核中, and no second submission meanwhile.
    assert_eq!(app.call("/api/accounts/me", &[], Some(&cookie)).await.json()["real_name_verified"], false);
    assert!(verification_state(app, &cookie).await.get("Pending").is_some());
    assert!(app.get("/me/verify", Some(&cookie)).await.body.contains("审核中"));
    let twice = submit_verification(app, &cookie, &id, "10.0.0.1").await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    // The number is not taken while it waits: another account may claim it too.
    let rival = "13700003002";
    app.register_quick(rival, STRONG).await;
    let rival_cookie = app.login_with(rival, STRONG).await;
    assert_eq!(submit_verification(app, &rival_cookie, &id, "10.0.0.2").await.status, StatusCode::OK);

    // Reviewers only: the server checks the role.
    let trainee = app.login(TRAINEE_PHONE).await;
    let unit_admin = app.login(UNIT_ADMIN_PHONE).await;
    for who in [&trainee, &unit_admin] {
        assert_eq!(app.call("/api/admin/identity/list", &[], Some(who)).await.status, StatusCode::FORBIDDEN);
    }
    let review = pending_review_id(app, phone).await;
    for who in [&trainee, &unit_admin] {
        let refused = app
            .call("/api/admin/identity/review", &[("id", &review), ("decision", "approve")], Some(who))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    let authority = app.login(AUTHORITY_PHONE).await;
    let queue = app.call("/api/admin/identity/list", &[], Some(&authority)).await.json();
    assert_eq!(queue["total"], 2, "{queue}");
    let detail = app.call("/api/admin/identity/get", &[("id", &review)], Some(&authority)).await.json();
    assert_eq!(detail["id_number"], id.as_str());
    assert_eq!(detail["name"], "周八");
    let front = detail["front_url"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&front, Some(&authority)).await.status, StatusCode::OK, "the reviewer sees the photo");
    assert_eq!(app.get(&front, Some(&trainee)).await.status, StatusCode::NOT_FOUND);
    let page = app.get(&format!("/admin/identity/{review}"), Some(&authority)).await;
    assert!(page.body.contains("实名审核") && page.body.contains(&id), "the page shows the number");
    assert!(app.get("/admin", Some(&authority)).await.body.contains("实名审核"), "in the admin navigation");

    // 驳回 needs a reason, which the trainee sees; then the trainee submits again.
    let no_reason = app
        .call(
            "/api/admin/identity/review",
            &[("id", &review), ("decision", "reject"), ("reason", " ")],
            Some(&authority),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rejected = app
        .call(
            "/api/admin/identity/review",
            &[("id", &review), ("decision", "reject"), ("reason", "照片不清晰")],
            Some(&authority),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.body);
    let again = app
        .call("/api/admin/identity/review", &[("id", &review), ("decision", "approve")], Some(&authority))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "decided once");
    assert_eq!(verification_state(app, &cookie).await["Rejected"]["reason"], "照片不清晰");
    assert!(app.get("/me/verify", Some(&cookie)).await.body.contains("未通过（照片不清晰）"));
    assert!(app.last_message(phone).await.unwrap().contains("照片不清晰"));
    let resubmitted = submit_verification(app, &cookie, &id, "10.0.0.1").await;
    assert_eq!(resubmitted.status, StatusCode::OK, "{}", resubmitted.body);
    let review = pending_review_id(app, phone).await;

    // 通过: verified, with the submitted identity.
    let approved = app
        .call("/api/admin/identity/review", &[("id", &review), ("decision", "approve")], Some(&authority))
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let me = app.call("/api/accounts/me", &[], Some(&cookie)).await.json();
    assert_eq!((me["real_name_verified"].as_bool(), me["name"].as_str()), (Some(true), Some("周八")));
    assert!(app.get("/me/verify", Some(&cookie)).await.body.contains("已认证"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('identity.approve', 'identity.reject')")
            .await,
        2
    );

    // The rival's submission of the same number can no longer be approved; a new one is refused.
    let rival_review = pending_review_id(app, rival).await;
    let clash = app
        .call(
            "/api/admin/identity/review",
            &[("id", &rival_review), ("decision", "approve")],
            Some(&authority),
        )
        .await;
    assert_eq!(clash.status, StatusCode::CONFLICT, "{}", clash.body);
    let rival_detail =
        app.call("/api/admin/identity/get", &[("id", &rival_review)], Some(&authority)).await.json();
    assert_eq!(rival_detail["id_number_held_elsewhere"], true);
    app.call(
        "/api/admin/identity/review",
        &[
            ("id", &rival_review),
            ("decision", "reject"),
            ("reason", "身份证号已被认证，请携带身份证到人社部门申诉"),
        ],
        Some(&authority),
    )
    .await;
    let refused = submit_verification(app, &rival_cookie, &id, "10.0.0.2").await;
    assert_eq!(refused.json()["fields"][0]["message"], verification::ID_NUMBER_TAKEN);

    // 撤销认证: a reason, audited; the number is released and the owner may verify it.
    let no_reason =
        app.call("/api/admin/identity/revoke", &[("id", &review), ("reason", "")], Some(&authority)).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let revoked = app
        .call(
            "/api/admin/identity/revoke",
            &[("id", &review), ("reason", "经核实为冒用他人身份")],
            Some(&authority),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert_eq!(app.call("/api/accounts/me", &[], Some(&cookie)).await.json()["real_name_verified"], false);
    assert_eq!(verification_state(app, &cookie).await["Revoked"]["reason"], "经核实为冒用他人身份");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'identity.revoke'").await, 1);
    let twice = app
        .call("/api/admin/identity/revoke", &[("id", &review), ("reason", "再次")], Some(&authority))
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let owner = submit_verification(app, &rival_cookie, &id, "10.0.0.2").await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.body);
}

async fn reviewers_see_their_region_only(app: &TestApp) {
    // A Guangdong ID number, an account in no unit: outside the Sichuan authority's region.
    let phone = "13700003010";
    app.register_quick(phone, STRONG).await;
    let cookie = app.login_with(phone, STRONG).await;
    let guangdong = id_number("440104", "19900101", 41);
    assert_eq!(submit_verification(app, &cookie, &guangdong, "10.0.0.1").await.status, StatusCode::OK);
    let review = pending_review_id(app, phone).await;
    let authority = app.login(AUTHORITY_PHONE).await;
    assert_eq!(app.call("/api/admin/identity/list", &[], Some(&authority)).await.json()["total"], 0);
    assert_eq!(
        app.call("/api/admin/identity/get", &[("id", &review)], Some(&authority)).await.status,
        StatusCode::NOT_FOUND
    );
    let refused = app
        .call("/api/admin/identity/review", &[("id", &review), ("decision", "approve")], Some(&authority))
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let admin = app.login(ADMIN_PHONE).await;
    let detail = app.call("/api/admin/identity/get", &[("id", &review)], Some(&admin)).await.json();
    assert_eq!(
        app.get(detail["front_url"].as_str().unwrap(), Some(&authority)).await.status,
        StatusCode::NOT_FOUND
    );
    // Once the account joins a Sichuan unit (approved), the authority reviews it.
    sqlx::query(
        "UPDATE users SET unit_id = (SELECT id FROM units WHERE credit_code = '91510100MA6CX00019'),
             unit_status = 'approved' WHERE phone = $1",
    )
    .bind(phone)
    .execute(app.state.db.writer())
    .await
    .unwrap();
    assert_eq!(app.call("/api/admin/identity/list", &[], Some(&authority)).await.json()["total"], 1);
    // The platform admin decides everywhere.
    let approved = app
        .call("/api/admin/identity/review", &[("id", &review), ("decision", "approve")], Some(&admin))
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let decided = app.call("/api/admin/identity/list", &[("status", "approved")], Some(&admin)).await.json();
    assert_eq!(decided["total"], 1);
}
