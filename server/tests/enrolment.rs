//! The catalogue and enrolment on both engines: who may manage classes, the two-step
//! 提交订单 with its 10-second notice, the review state machine, seats under
//! concurrency, favourites, messages and the public queries.

#![allow(clippy::unwrap_used)] // a failed setup step fails the test

mod common;
use app::{
    accounts::domain::roles::{CurrentUser, Role, RoleGrant},
    enrolment::{
        domain::ApplicationForm,
        server::service::{self as enrolment, Submission},
    },
    orders::server as orders,
    platform::time::{format_date, now_ms},
    state::Ctx,
};
use axum::http::StatusCode;
use common::{enrol::*, *};

engine_tests!(
    only_the_provider_manages_its_classes,
    class_states_follow_their_order,
    the_notice_must_be_read_and_accounts_verified,
    review_follows_the_state_machine_and_tells_the_trainee,
    seats_hold_under_concurrent_submissions,
    favourites_and_messages_belong_to_their_owner,
    public_queries_answer_only_what_is_public,
    orders_open_when_registrations_await_payment,
    unpaid_orders_close_after_their_window_and_free_the_seat,
    the_same_notification_delivered_twenty_times_pays_once,
    forged_stale_wrong_and_unknown_notifications_change_nothing,
    the_page_asks_the_gateway_when_no_notification_came,
    finance_confirms_or_refuses_bank_transfers,
    a_switched_off_sandbox_takes_no_payment,
);

fn one_inch_png() -> Vec<u8> {
    let image = image::RgbImage::from_pixel(295, 413, image::Rgb([250, 250, 250]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

fn landscape_png() -> Vec<u8> {
    let image = image::RgbImage::from_pixel(413, 295, image::Rgb([250, 250, 250]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

async fn only_the_provider_manages_its_classes(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let (class_id, _) = open_class(app, &provider, &[], "10").await;
    let id = class_id.to_string();
    for phone in [TRAINEE_PHONE, UNIT_ADMIN_PHONE] {
        let cookie = app.login(phone).await;
        assert_eq!(save_class(app, &cookie, &[]).await.status, StatusCode::FORBIDDEN);
        let closing =
            app.call("/api/provider/classes/state", &[("id", &id), ("next", "closed")], Some(&cookie)).await;
        assert_eq!(closing.status, StatusCode::FORBIDDEN);
        let list = app.call("/api/provider/registrations/list", &[], Some(&cookie)).await;
        assert_eq!(list.status, StatusCode::FORBIDDEN);
    }
    // A provider of another organisation may not touch this class.
    sqlx::query("INSERT INTO providers (name, created_at) VALUES ('另一家培训机构', 0)")
        .execute(app.state.db.writer())
        .await
        .unwrap();
    let other: i64 = sqlx::query_scalar("SELECT id FROM providers WHERE name = '另一家培训机构'")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    let li_si: i64 = sqlx::query_scalar("SELECT id FROM users WHERE phone = $1")
        .bind(OTHER_TRAINEE_PHONE)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    sqlx::query("INSERT INTO user_roles (user_id, role, scope_id) VALUES ($1, 'provider', $2)")
        .bind(li_si)
        .bind(other)
        .execute(app.state.db.writer())
        .await
        .unwrap();
    let stranger = app.login(OTHER_TRAINEE_PHONE).await;
    let edit = app.call("/api/provider/classes/get", &[("id", &id)], Some(&stranger)).await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN);
    let changed = save_class(app, &stranger, &[("id", &id), ("title", "改名")]).await;
    assert_eq!(changed.status, StatusCode::FORBIDDEN);
    let title: String = sqlx::query_scalar("SELECT title FROM classes WHERE id = $1")
        .bind(class_id)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert_eq!(title, "集成测试培训班");

    // Bad input names its fields and stores nothing.
    let before = app.count("SELECT COUNT(*) FROM classes").await;
    let bad =
        save_class(app, &provider, &[("title", ""), ("fee_yuan", "12.345"), ("closes_on", "2020-01-01")])
            .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = bad.field_names();
    for field in ["title", "fee_yuan", "closes_on"] {
        assert!(fields.contains(&field.to_owned()), "{field} in {fields:?}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM classes").await, before);
}

async fn class_states_follow_their_order(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let saved = save_class(app, &provider, &[]).await;
    let id = redirect_of(&saved).trim_start_matches("/admin/classes/").split('?').next().unwrap().to_owned();
    // No session yet: cannot open.
    let open =
        app.call("/api/provider/classes/state", &[("id", &id), ("next", "open")], Some(&provider)).await;
    assert_eq!(open.status, StatusCode::CONFLICT);
    assert!(open.json()["message"].as_str().unwrap().contains("期次"));
    // A draft cannot end, nor be seen by the public.
    let end =
        app.call("/api/provider/classes/state", &[("id", &id), ("next", "ended")], Some(&provider)).await;
    assert_eq!(end.status, StatusCode::CONFLICT);
    assert_eq!(end.json()["message"], "培训班当前为“草稿”，不能结束培训");
    let public = app.call("/api/catalogue/get", &[("id", &id)], None).await;
    assert_eq!(public.status, StatusCode::NOT_FOUND);
    let page = app.get(&format!("/classes/{id}"), None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

async fn the_notice_must_be_read_and_accounts_verified(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let (class_id, session_id) = open_class(app, &provider, &[("mode", "online")], "10").await;
    let session = session_id.to_string();

    // An unverified account may look but not register.
    sqlx::query("UPDATE users SET real_name_verified = 0 WHERE phone = $1")
        .bind(OTHER_TRAINEE_PHONE)
        .execute(app.state.db.writer())
        .await
        .unwrap();
    let unverified = app.login(OTHER_TRAINEE_PHONE).await;
    let refused = start(app, &unverified, class_id, &[Part::Text("session_id", &session)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.json()["message"].as_str().unwrap().contains("实名认证"));

    let trainee = app.login(TRAINEE_PHONE).await;
    let started = start(app, &trainee, class_id, &[Part::Text("session_id", &session)]).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let draft = draft_of(&started);
    let notice = app.call("/api/enrol/notice", &[("draft_id", &draft)], Some(&trainee)).await.json();
    assert_eq!(notice["notice"], "请按时报到");
    // Someone else's draft is not theirs to read or confirm.
    let stranger = app.login(UNIT_ADMIN_PHONE).await;
    assert_eq!(
        app.call("/api/enrol/notice", &[("draft_id", &draft)], Some(&stranger)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(confirm(app, &stranger, &draft).await.status, StatusCode::NOT_FOUND);

    // Too early: refused, nothing stored.
    let early = confirm(app, &trainee, &draft).await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert_eq!(early.json()["message"], "请认真阅读报名须知，10秒后才能确认");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM {TEST_REGISTRATIONS}")).await, 0);

    age_notice(app, &draft, 10_500).await;
    let done = confirm(app, &trainee, &draft).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let id: i64 = sqlx::query_scalar(&format!("SELECT id FROM {TEST_REGISTRATIONS}"))
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    // No review asked: straight to 待支付; identity now locked; the draft is spent.
    assert_eq!(status_of(app, id).await, "awaiting_payment");
    let locked: i64 = sqlx::query_scalar("SELECT identity_locked FROM users WHERE phone = $1")
        .bind(TRAINEE_PHONE)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert_eq!(locked, 1);
    assert_eq!(confirm(app, &trainee, &draft).await.status, StatusCode::NOT_FOUND);
    let mine = app.call("/api/me/registrations", &[("orders_only", "true")], Some(&trainee)).await.json();
    assert_eq!(mine[0]["status"], "awaiting_payment");
    assert_eq!(mine[0]["total_fen"], 80_000);

    // One live registration per session.
    let again = start(app, &trainee, class_id, &[Part::Text("session_id", &session)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["message"], "您已报名该期次，请勿重复报名");
}

async fn review_follows_the_state_machine_and_tells_the_trainee(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let (class_id, session_id) = open_class(
        app,
        &provider,
        &[
            ("needs_review", "on"),
            ("needs_job_title", "on"),
            ("needs_photo", "on"),
            ("lodgings", "标准间 300"),
            ("exam_subjects", "监理概论\n合同管理"),
            ("exam_types", "初次考试\n补考"),
        ],
        "10",
    )
    .await;
    let session = session_id.to_string();
    let trainee = app.login(TRAINEE_PHONE).await;

    let missing = start(app, &trainee, class_id, &[Part::Text("session_id", &session)]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = missing.field_names();
    assert_eq!(fields, ["job_title", "lodging", "exam_subjects", "exam_type", "photo"]);

    let landscape = landscape_png();
    let photo = one_inch_png();
    let form = |bytes: &'static [u8]| {
        vec![
            ("session_id", session.clone()),
            ("job_title", "总监理工程师".to_owned()),
            ("lodging", "标准间".to_owned()),
            ("exam_subjects", "合同管理".to_owned()),
            ("exam_type", "初次考试".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k, v, bytes))
        .collect::<Vec<_>>()
    };
    let submit = |bytes: Vec<u8>| {
        let trainee = trainee.clone();
        let fields = form(b"");
        async move {
            let mut parts: Vec<Part<'_>> = fields.iter().map(|(k, v, _)| Part::Text(k, v.as_str())).collect();
            parts.push(Part::File {
                name: "photo",
                filename: "照片.png",
                content_type: "image/png",
                bytes: &bytes,
            });
            start(app, &trainee, class_id, &parts).await
        }
    };
    let wrong_shape = submit(landscape).await;
    assert_eq!(wrong_shape.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_shape.json()["fields"][0]["field"], "photo");
    assert_eq!(app.count("SELECT COUNT(*) FROM files WHERE purpose = 'registration_photo'").await, 0);

    let started = submit(photo.clone()).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let draft = draft_of(&started);
    age_notice(app, &draft, 11_000).await;
    assert_eq!(confirm(app, &trainee, &draft).await.status, StatusCode::OK);
    let (id, lodging_fen): (i64, i64) =
        sqlx::query_as(&format!("SELECT id, lodging_price_fen FROM {TEST_REGISTRATIONS}"))
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
    assert_eq!(lodging_fen, 30_000);
    assert_eq!(status_of(app, id).await, "under_review");
    let rid = id.to_string();

    // The provider can see the photo; another trainee cannot.
    let file_id: String = sqlx::query_scalar("SELECT photo_file_id FROM registrations WHERE id = $1")
        .bind(id)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert_eq!(app.get(&format!("/files/{file_id}"), Some(&provider)).await.status, StatusCode::OK);
    let other = app.login(OTHER_TRAINEE_PHONE).await;
    // Refused reads look like absence (ids cannot be probed).
    assert_eq!(app.get(&format!("/files/{file_id}"), Some(&other)).await.status, StatusCode::NOT_FOUND);

    // Trainees cannot review; a rejection needs a reason.
    let by_trainee = app
        .call(
            "/api/provider/registrations/review",
            &[("ids[0]", &rid), ("decision", "approve")],
            Some(&trainee),
        )
        .await;
    assert_eq!(by_trainee.status, StatusCode::FORBIDDEN);
    let no_reason = app
        .call(
            "/api/provider/registrations/review",
            &[("ids[0]", &rid), ("decision", "reject")],
            Some(&provider),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(status_of(app, id).await, "under_review");

    let rejected = app
        .call(
            "/api/provider/registrations/review",
            &[("ids[0]", &rid), ("decision", "reject"), ("reason", "照片不清晰")],
            Some(&provider),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.body);
    assert_eq!(status_of(app, id).await, "rejected");
    let taken: i64 = sqlx::query_scalar("SELECT seats_taken FROM class_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert_eq!(taken, 0, "a rejection frees the seat");
    let sms = app.last_message(TRAINEE_PHONE).await.unwrap();
    assert!(sms.contains("审核不通过") && sms.contains("照片不清晰"), "{sms}");
    let messages = app.call("/api/me/messages", &[], Some(&trainee)).await.json();
    assert_eq!(messages[0]["title"], "报名审核不通过");

    // The state machine refuses what does not follow.
    let approve_rejected = app
        .call(
            "/api/provider/registrations/review",
            &[("ids[0]", &rid), ("decision", "approve")],
            Some(&provider),
        )
        .await;
    assert_eq!(approve_rejected.status, StatusCode::CONFLICT);
    assert_eq!(approve_rejected.json()["message"], "当前状态为“审核不通过”，不能审核通过");

    // 重新报名 with the old values, then approval (sparse indices as a checkbox list posts them).
    let resubmitted = {
        let mut parts: Vec<Part<'_>> = vec![Part::Text("again", &rid)];
        let fields = form(b"");
        let owned: Vec<(&str, String)> = fields.iter().map(|(k, v, _)| (*k, v.clone())).collect();
        for (k, v) in &owned {
            parts.push(Part::Text(k, v));
        }
        parts.push(Part::File {
            name: "photo",
            filename: "照片.png",
            content_type: "image/png",
            bytes: &photo,
        });
        start(app, &trainee, class_id, &parts).await
    };
    assert_eq!(resubmitted.status, StatusCode::OK, "{}", resubmitted.body);
    let draft = draft_of(&resubmitted);
    age_notice(app, &draft, 11_000).await;
    assert_eq!(confirm(app, &trainee, &draft).await.status, StatusCode::OK);
    assert_eq!(status_of(app, id).await, "under_review");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM {TEST_REGISTRATIONS}")).await,
        1,
        "the same registration, resubmitted"
    );
    let approved = app
        .call(
            "/api/provider/registrations/review",
            &[("ids[3]", &rid), ("decision", "approve")],
            Some(&provider),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(status_of(app, id).await, "awaiting_payment");
    let twice = app
        .call(
            "/api/provider/registrations/review",
            &[("ids[0]", &rid), ("decision", "approve")],
            Some(&provider),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let sms = app.last_message(TRAINEE_PHONE).await.unwrap();
    assert!(sms.contains("审核通过"), "{sms}");
}

async fn seats_hold_under_concurrent_submissions(app: &TestApp) {
    const SEATS: i64 = 3;
    const TRAINEES: usize = 8;
    let provider = app.login(PROVIDER_PHONE).await;
    let (class_id, session_id) = open_class(app, &provider, &[("mode", "online")], &SEATS.to_string()).await;
    // Verified trainees made directly in the database (logging in eight people over
    // HTTP would only test argon2).
    let mut users = Vec::new();
    for n in 0..TRAINEES {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (name, phone, password_hash, status, real_name_verified, created_at, updated_at)
             VALUES ($1, $2, 'x', 'active', 1, 0, 0) RETURNING id",
        )
        .bind(format!("并发{n}"))
        .bind(format!("1370000000{n}"))
        .fetch_one(app.state.db.writer())
        .await
        .unwrap();
        users.push(CurrentUser {
            id,
            name: format!("并发{n}"),
            grants: vec![RoleGrant { role: Role::Trainee, scope_id: None }],
            real_name_verified: true,
            must_change_password: false,
        });
    }
    let mut drafts = Vec::new();
    for user in &users {
        let submission = Submission {
            class_id,
            again: None,
            form: ApplicationForm { session_id: session_id.to_string(), ..Default::default() },
            photo: None,
        };
        let cx =
            Ctx { state: app.state.clone(), user: user.clone(), ip: "127.0.0.1".to_owned(), now: now_ms() };
        let draft = enrolment::start(&cx, submission).await.unwrap();
        age_notice(app, &draft, 11_000).await;
        drafts.push(draft);
    }
    let outcomes = futures::future::join_all(users.iter().zip(&drafts).map(|(user, draft)| {
        let state = app.state.clone();
        let user = user.clone();
        let draft = draft.clone();
        tokio::spawn(async move {
            let cx = Ctx { state, user, ip: "127.0.0.1".to_owned(), now: now_ms() };
            enrolment::confirm(&cx, &draft).await
        })
    }))
    .await;
    let succeeded = outcomes.iter().filter(|o| matches!(o, Ok(Ok(_)))).count();
    let full = outcomes.iter().filter(|o| matches!(o, Ok(Err(e)) if e.message.contains("名额已满"))).count();
    assert_eq!(succeeded as i64, SEATS);
    assert_eq!(full, TRAINEES - SEATS as usize);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM {TEST_REGISTRATIONS}")).await, SEATS);
    let (session_taken, class_taken): (i64, i64) = sqlx::query_as(
        "SELECT s.seats_taken, c.seats_taken FROM class_sessions s JOIN classes c ON c.id = s.class_id WHERE s.id = $1",
    )
    .bind(session_id)
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    assert_eq!((session_taken, class_taken), (SEATS, SEATS));
}

async fn favourites_and_messages_belong_to_their_owner(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let (class_id, _) = open_class(app, &provider, &[], "5").await;
    let id = class_id.to_string();
    let trainee = app.login(TRAINEE_PHONE).await;
    assert_eq!(
        app.call("/api/catalogue/favourite", &[("class_id", &id), ("favourite", "1")], None).await.status,
        StatusCode::UNAUTHORIZED
    );
    for _ in 0..2 {
        let on = app
            .call("/api/catalogue/favourite", &[("class_id", &id), ("favourite", "1")], Some(&trainee))
            .await;
        assert_eq!(on.status, StatusCode::OK, "{}", on.body);
    }
    let mine = app.call("/api/catalogue/favourites", &[], Some(&trainee)).await.json();
    assert_eq!(mine.as_array().unwrap().len(), 1, "favouriting twice keeps one");
    let detail = app.call("/api/catalogue/get", &[("id", &id)], Some(&trainee)).await.json();
    assert_eq!(detail["favourite"], true);
    let other = app.login(OTHER_TRAINEE_PHONE).await;
    let theirs = app.call("/api/catalogue/favourites", &[], Some(&other)).await.json();
    assert_eq!(theirs.as_array().unwrap().len(), 0);
    let off =
        app.call("/api/catalogue/favourite", &[("class_id", &id), ("favourite", "0")], Some(&trainee)).await;
    assert_eq!(off.status, StatusCode::OK);
    assert_eq!(
        app.call("/api/catalogue/favourites", &[], Some(&trainee)).await.json().as_array().unwrap().len(),
        0
    );
    let missing = app
        .call("/api/catalogue/favourite", &[("class_id", "999999"), ("favourite", "1")], Some(&trainee))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    assert_eq!(app.call("/api/me/messages", &[], None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.call("/api/me/messages", &[], Some(&other)).await.json().as_array().unwrap().len(), 0);
}

async fn public_queries_answer_only_what_is_public(app: &TestApp) {
    let ask = |kind: &'static str, id: &'static str, name: &'static str, ip: &'static str| async move {
        let captcha = app.captcha().await;
        app.call_from(
            "/api/public/query",
            &[
                ("kind", kind),
                ("id_number", id),
                ("name", name),
                ("captcha_id", &captcha),
                ("captcha", CAPTCHA),
            ],
            None,
            ip,
        )
        .await
    };
    let answer_page = |response: TestResponse| async move {
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        app.get(&redirect_of(&response), None).await
    };
    // The demo data holds last year's imported hours of 张三, who met that year's
    // requirement; this year is judged too. A wrong name answers 未查询到.
    let this_year = app::platform::time::year_of(app::platform::time::now_ms());
    let page = answer_page(ask("hours", TRAINEE_ID_NUMBER, "张三", "10.0.0.7").await).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("{}年度 · 已达标", this_year - 1)), "{}", page.body);
    assert!(page.body.contains(&format!("{this_year}年度 · 未达标")), "{}", page.body);
    assert!(page.body.contains("公需：0/30学时"), "{}", page.body);
    let wrong_name = answer_page(ask("hours", TRAINEE_ID_NUMBER, "王五", "10.0.0.7").await).await;
    assert!(wrong_name.body.contains("未查询到"));
    assert!(!wrong_name.body.contains("张三"));
    let wrong_name = answer_page(ask("certificate", TRAINEE_ID_NUMBER, "王五", "10.0.0.7").await).await;
    assert!(wrong_name.body.contains("未查询到"));

    // Answered from the ledger at once: no batch.
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE id_number = $1")
        .bind(TRAINEE_ID_NUMBER)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO credit_ledger (user_id, year, category, tenths, source, source_id, title, created_at)
         VALUES ($1, $2, 'public', 125, 'import', 99, '公需课', 0)",
    )
    .bind(user_id)
    .bind(this_year)
    .execute(app.state.db.writer())
    .await
    .unwrap();
    let page = answer_page(ask("hours", TRAINEE_ID_NUMBER, "张三", "10.0.0.7").await).await;
    assert!(page.body.contains("公需：12.5/30学时"), "{}", page.body);
    assert!(page.body.contains("510101********4578"), "the ID number is masked");

    // A bad ID number is a field error; the limit is per address.
    let bad = ask("score", "510101199003074571", "张三", "10.0.0.8").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for _ in 0..29 {
        ask("score", TRAINEE_ID_NUMBER, "张三", "10.0.0.8").await;
    }
    let limited = ask("score", TRAINEE_ID_NUMBER, "张三", "10.0.0.8").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(ask("score", TRAINEE_ID_NUMBER, "张三", "10.0.0.9").await.status, StatusCode::OK);
}

async fn order_of(app: &TestApp, registration: i64) -> Option<(String, String, i64, i64)> {
    sqlx::query_as("SELECT order_no, status, total_fen, expires_at FROM orders WHERE registration_id = $1")
        .bind(registration)
        .fetch_optional(app.state.db.reader())
        .await
        .unwrap()
}

async fn orders_open_when_registrations_await_payment(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let trainee = app.login(TRAINEE_PHONE).await;

    // Without review: the order opens with the registration.
    let (online, online_session) = open_class(app, &provider, &[("mode", "online")], "5").await;
    let session = online_session.to_string();
    let first = register(app, &trainee, online, &[Part::Text("session_id", &session)]).await;
    let (order_no, status, total, expires_at) = order_of(app, first).await.expect("an order");
    assert!(order_no.starts_with(&format!("XS{}", format_date(now_ms()).replace('-', ""))), "{order_no}");
    assert_eq!(order_no.len(), 22);
    assert!(order_no[2..].bytes().all(|b| b.is_ascii_digit()));
    assert_eq!((status.as_str(), total), ("unpaid", 80_000));
    assert!(expires_at > now_ms() + 47 * 60 * 60 * 1000);
    let mine = app.call("/api/me/registration", &[("id", &first.to_string())], Some(&trainee)).await.json();
    assert_eq!(mine["order_no"], order_no.as_str());

    // With review: no order while 审核中; approval opens it with fee and accommodation.
    let (offline, offline_session) =
        open_class(app, &provider, &[("needs_review", "on"), ("lodgings", "标准间 300")], "5").await;
    let session = offline_session.to_string();
    let second = register(
        app,
        &trainee,
        offline,
        &[Part::Text("session_id", &session), Part::Text("lodging", "标准间")],
    )
    .await;
    assert!(order_of(app, second).await.is_none());
    let approved = app
        .call(
            "/api/provider/registrations/review",
            &[("ids[0]", &second.to_string()), ("decision", "approve")],
            Some(&provider),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let (other_no, _, total, _) = order_of(app, second).await.expect("an order after approval");
    assert_eq!(total, 110_000);
    assert_ne!(other_no, order_no);
    let lines: Vec<(String, i64)> = sqlx::query_as(
        "SELECT l.label, l.amount_fen FROM order_lines l JOIN orders o ON o.id = l.order_id
         WHERE o.registration_id = $1 ORDER BY l.id",
    )
    .bind(second)
    .fetch_all(app.state.db.reader())
    .await
    .unwrap();
    assert_eq!(lines, vec![("培训费".to_owned(), 80_000), ("住宿费（标准间）".to_owned(), 30_000)]);
}

async fn unpaid_orders_close_after_their_window_and_free_the_seat(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let trainee = app.login(TRAINEE_PHONE).await;
    let (class_id, session_id) = open_class(app, &provider, &[("mode", "online")], "1").await;
    let session = session_id.to_string();
    let registration = register(app, &trainee, class_id, &[Part::Text("session_id", &session)]).await;
    let seats = || async {
        sqlx::query_scalar::<_, i64>("SELECT seats_taken FROM class_sessions WHERE id = $1")
            .bind(session_id)
            .fetch_one(app.state.db.reader())
            .await
            .unwrap()
    };
    assert_eq!(seats().await, 1);
    // Not yet due: nothing closes.
    assert_eq!(orders::close_expired(&app.state, now_ms()).await.unwrap(), 0);
    let (_, _, _, expires_at) = order_of(app, registration).await.unwrap();
    assert_eq!(orders::close_expired(&app.state, expires_at + 1).await.unwrap(), 1);
    assert_eq!(order_of(app, registration).await.unwrap().1, "closed");
    assert_eq!(status_of(app, registration).await, "expired");
    assert_eq!(seats().await, 0, "the seat is free again");
    let messages = app.call("/api/me/messages", &[], Some(&trainee)).await.json();
    assert_eq!(messages[0]["title"], "订单已关闭");
    // Closing again changes nothing.
    assert_eq!(orders::close_expired(&app.state, expires_at + 2).await.unwrap(), 0);
    assert_eq!(seats().await, 0);

    // A paid order never closes.
    let other = register(app, &trainee, class_id, &[Part::Text("session_id", &session)]).await;
    sqlx::query("UPDATE orders SET status = 'paid' WHERE registration_id = $1")
        .bind(other)
        .execute(app.state.db.writer())
        .await
        .unwrap();
    let (_, _, _, expires_at) = order_of(app, other).await.unwrap();
    assert_eq!(orders::close_expired(&app.state, expires_at + 1).await.unwrap(), 0);
    assert_eq!(order_of(app, other).await.unwrap().1, "paid");
}

async fn the_same_notification_delivered_twenty_times_pays_once(app: &TestApp) {
    let (registration, out_trade_no, amount, _) = started_payment(app).await;
    let body = notice_body(&out_trade_no, amount);
    let (timestamp, nonce, signature) = app.state.payments.sandbox_gateway().sign(&body, now_ms());
    let answers = futures::future::join_all((0..20).map(|_| {
        let (body, nonce, signature) = (body.clone(), nonce.clone(), signature.clone());
        async move { notify(app, &body, timestamp, &nonce, &signature).await.status }
    }))
    .await;
    assert!(answers.iter().all(|s| *s == StatusCode::OK), "{answers:?}");
    assert_eq!(order_state(app, registration).await, ("paid".to_owned(), "paid".to_owned(), 1));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payments WHERE status = 'succeeded' AND provider = 'sandbox'").await,
        1
    );
    let sms = app.last_message(TRAINEE_PHONE).await.unwrap();
    assert!(sms.contains("成功报名"), "{sms}");
}

async fn forged_stale_wrong_and_unknown_notifications_change_nothing(app: &TestApp) {
    let (registration, out_trade_no, amount, _) = started_payment(app).await;
    let body = notice_body(&out_trade_no, amount);
    let gateway = app.state.payments.sandbox_gateway();
    // Forged: a signature over another body, or none at all.
    let (timestamp, nonce, signature) = gateway.sign(&notice_body(&out_trade_no, 1), now_ms());
    assert_eq!(notify(app, &body, timestamp, &nonce, &signature).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(notify(app, &body, timestamp, &nonce, "AAAA").await.status, StatusCode::UNAUTHORIZED);
    // Replayed: a genuine signature, ten minutes old.
    let (old, nonce, signature) = gateway.sign(&body, now_ms() - 600_000);
    assert_eq!(notify(app, &body, old, &nonce, &signature).await.status, StatusCode::UNAUTHORIZED);
    // Signed, but the amount or the order is wrong.
    assert_eq!(
        signed_notify(app, &notice_body(&out_trade_no, amount - 1)).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        signed_notify(app, &notice_body("XS-no-such-order", amount)).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(order_state(app, registration).await, ("unpaid".to_owned(), "awaiting_payment".to_owned(), 0));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payments WHERE status = 'succeeded' AND provider = 'sandbox'").await,
        0
    );
    // The genuine one still pays.
    assert_eq!(signed_notify(app, &body).await.status, StatusCode::OK);
    assert_eq!(order_state(app, registration).await, ("paid".to_owned(), "paid".to_owned(), 1));
}

async fn the_page_asks_the_gateway_when_no_notification_came(app: &TestApp) {
    let (registration, _, _, trainee) = started_payment(app).await;
    let id = registration.to_string();
    let check =
        || async { app.call("/api/pay/check", &[("registration_id", &id)], Some(&trainee)).await.json() };
    assert_eq!(check().await, false);
    // Someone else cannot ask about this order.
    let other = app.login(OTHER_TRAINEE_PHONE).await;
    assert_eq!(
        app.call("/api/pay/check", &[("registration_id", &id)], Some(&other)).await.status,
        StatusCode::NOT_FOUND
    );
    // The wallet pays; the notifier is not running here, so only the query can tell.
    let txn: String = sqlx::query_scalar("SELECT id FROM sandbox_transactions")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    app.state.payments.sandbox_gateway().decide(&txn, true, now_ms()).await.unwrap();
    assert_eq!(check().await, true);
    assert_eq!(order_state(app, registration).await, ("paid".to_owned(), "paid".to_owned(), 1));
    // Paid orders cannot be paid again.
    let again =
        app.call("/api/pay/start", &[("registration_id", &id), ("channel", "alipay")], Some(&trainee)).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

async fn finance_confirms_or_refuses_bank_transfers(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let trainee = app.login(TRAINEE_PHONE).await;
    let (class_id, session_id) = open_class(app, &provider, &[("mode", "online")], "5").await;
    let session = session_id.to_string();
    let registration = register(app, &trainee, class_id, &[Part::Text("session_id", &session)]).await;
    let id = registration.to_string();
    let chosen = app.call("/api/pay/transfer", &[("registration_id", &id)], Some(&trainee)).await;
    assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.body);
    assert_eq!(order_state(app, registration).await.0, "awaiting_transfer");
    let view = app.call("/api/pay/view", &[("registration_id", &id)], Some(&trainee)).await.json();
    assert_eq!(view["awaiting_transfer"], true);
    let payment = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT id FROM payments WHERE provider = 'transfer' AND status = 'pending'",
        )
        .fetch_one(app.state.db.reader())
        .await
        .unwrap()
        .to_string()
    };
    let today = format_date(now_ms());
    let review = |cookie: String, fields: Vec<(&'static str, String)>| async move {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.call("/api/finance/transfers/review", &pairs, Some(&cookie)).await
    };

    // Only finance confirms; the amount must match; a refusal needs a reason.
    let first = payment().await;
    let by_trainee =
        review(trainee.clone(), vec![("payment_id", first.clone()), ("decision", "confirm".into())]).await;
    assert_eq!(by_trainee.status, StatusCode::FORBIDDEN);
    let finance = app.login(FINANCE_PHONE).await;
    let listed = app.call("/api/finance/transfers", &[], Some(&finance)).await.json();
    assert_eq!(listed[0]["amount_fen"], 80_000);
    let wrong = review(
        finance.clone(),
        vec![
            ("payment_id", first.clone()),
            ("decision", "confirm".into()),
            ("amount_yuan", "799.99".into()),
            ("received_on", today.clone()),
        ],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.json()["fields"][0]["field"], "amount_yuan");
    let no_reason =
        review(finance.clone(), vec![("payment_id", first.clone()), ("decision", "reject".into())]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Refused: the order can be paid again, the trainee is told why.
    let refused = review(
        finance.clone(),
        vec![
            ("payment_id", first.clone()),
            ("decision", "reject".into()),
            ("reason", "未查到该笔汇款".into()),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
    assert_eq!(order_state(app, registration).await.0, "unpaid");
    let sms = app.last_message(TRAINEE_PHONE).await.unwrap();
    assert!(sms.contains("未查到该笔汇款"), "{sms}");

    // Chosen again and confirmed: paid once.
    assert_eq!(
        app.call("/api/pay/transfer", &[("registration_id", &id)], Some(&trainee)).await.status,
        StatusCode::OK
    );
    let second = payment().await;
    let confirm = |payment: String| {
        review(
            finance.clone(),
            vec![
                ("payment_id", payment),
                ("decision", "confirm".into()),
                ("amount_yuan", "800".into()),
                ("received_on", today.clone()),
            ],
        )
    };
    let confirmed = confirm(second.clone()).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert_eq!(order_state(app, registration).await, ("paid".to_owned(), "paid".to_owned(), 1));
    assert_eq!(confirm(second).await.status, StatusCode::CONFLICT);
    assert_eq!(order_state(app, registration).await.2, 1, "one 报名成功 message");
    let audit = app.count("SELECT COUNT(*) FROM audit_log WHERE action = '确认线下转账到账'").await;
    assert_eq!(audit, 1);
}

async fn a_switched_off_sandbox_takes_no_payment(app: &TestApp) {
    use app::payments::{
        domain::Channel,
        server::{
            provider::{NotificationRefused, PaymentProvider, PaymentRequest},
            sandbox::Sandbox,
        },
    };
    let (_, out_trade_no, amount, _) = started_payment(app).await;
    let on = app.state.payments.sandbox_gateway();
    let off = Sandbox::load_or_create(&app.state.db, "http://localhost".into(), false).await.unwrap();
    let request = PaymentRequest {
        out_trade_no: "XS-off".into(),
        amount_fen: app::platform::money::Fen::new(1).unwrap(),
        description: String::new(),
        channel: Channel::Wechat,
        notify_url: String::new(),
    };
    assert_eq!(off.create(&request).await.unwrap_err().kind, app::error::ErrorKind::Forbidden);
    let txn: String = sqlx::query_scalar("SELECT id FROM sandbox_transactions")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert_eq!(off.decide(&txn, true, now_ms()).await.unwrap_err().kind, app::error::ErrorKind::Forbidden);
    // Even a notification signed with the sandbox's own key is refused.
    let body = notice_body(&out_trade_no, amount);
    let (timestamp, nonce, signature) = on.sign(&body, now_ms());
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("xueshi-pay-timestamp", timestamp.to_string().parse().unwrap());
    headers.insert("xueshi-pay-nonce", nonce.parse().unwrap());
    headers.insert("xueshi-pay-signature", signature.parse().unwrap());
    assert_eq!(off.verify_notification(&headers, &body, now_ms()), Err(NotificationRefused::Disabled));
    assert!(on.verify_notification(&headers, &body, now_ms()).is_ok());
    assert_eq!(app.count("SELECT COUNT(*) FROM sandbox_transactions WHERE status = 'paid'").await, 0);
}
