//! Refunds and invoices on both engines: who may ask and decide, the amounts (never
//! more than was paid), the gateway's signed refund confirmation applied once, joint
//! invoices of one unit, the PDF and who may download it, voiding before a refund.

#![allow(clippy::unwrap_used)] // a failed setup step fails the test

mod common;
use app::platform::time::{format_date, now_ms};
use axum::http::StatusCode;
use common::{enrol::*, *};

engine_tests!(
    partial_and_full_refunds_are_approved_or_refused,
    refund_confirmations_are_verified_and_applied_once,
    refunds_never_take_more_than_was_paid,
    bank_transfers_are_refunded_by_finance_at_once,
    invoices_are_applied_for_issued_downloaded_and_voided,
    joint_invoices_cover_colleagues_of_the_same_unit,
    a_full_refund_waits_until_the_invoice_is_voided,
);

/// A paid registration of `trainee_phone`: an offline class with 标准间 (300 yuan) when
/// `lodging`, otherwise online; paid by a signed gateway notification. Returns the
/// registration id and the trainee's cookie.
async fn paid_registration(app: &TestApp, trainee_phone: &str, lodging: bool) -> (i64, String) {
    let provider = app.login(PROVIDER_PHONE).await;
    let trainee = app.login(trainee_phone).await;
    let extra: &[(&str, &str)] =
        if lodging { &[("lodgings", "标准间 300")] } else { &[("mode", "online")] };
    let (class_id, session_id) = open_class(app, &provider, extra, "5").await;
    let session = session_id.to_string();
    let mut parts = vec![Part::Text("session_id", &session)];
    if lodging {
        parts.push(Part::Text("lodging", "标准间"));
    }
    let registration = register(app, &trainee, class_id, &parts).await;
    pay(app, registration, &trainee).await;
    (registration, trainee)
}

async fn pay(app: &TestApp, registration: i64, trainee: &str) {
    let started = app
        .call(
            "/api/pay/start",
            &[("registration_id", &registration.to_string()), ("channel", "alipay")],
            Some(trainee),
        )
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let (out_trade_no, amount): (String, i64) = sqlx::query_as(
        "SELECT p.out_trade_no, p.amount_fen FROM payments p JOIN orders o ON o.id = p.order_id
         WHERE o.registration_id = $1 AND p.status = 'pending'",
    )
    .bind(registration)
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    // The wallet pays at the sandbox, which then notifies.
    let txn: String = sqlx::query_scalar("SELECT id FROM sandbox_transactions WHERE out_trade_no = $1")
        .bind(&out_trade_no)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    app.state.payments.sandbox_gateway().decide(&txn, true, now_ms()).await.unwrap();
    assert_eq!(signed_notify(app, &notice_body(&out_trade_no, amount)).await.status, StatusCode::OK);
    assert_eq!(status_of(app, registration).await, "paid");
}

async fn ask_refund(
    app: &TestApp,
    cookie: &str,
    registration: i64,
    kind: &str,
    reason: &str,
) -> TestResponse {
    app.call(
        "/api/me/refunds/request",
        &[("registration_id", &registration.to_string()), ("kind", kind), ("reason", reason)],
        Some(cookie),
    )
    .await
}

async fn open_refund(app: &TestApp) -> String {
    sqlx::query_scalar::<_, i64>("SELECT id FROM refunds WHERE status = 'review'")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap()
        .to_string()
}

async fn decide_refund(
    app: &TestApp,
    cookie: &str,
    refund: &str,
    decision: &str,
    reason: &str,
) -> TestResponse {
    app.call(
        "/api/finance/refunds/review",
        &[("refund_id", refund), ("decision", decision), ("reason", reason)],
        Some(cookie),
    )
    .await
}

async fn refund_notify(
    app: &TestApp,
    body: &str,
    timestamp: i64,
    nonce: &str,
    signature: &str,
) -> TestResponse {
    notify_at(app, "/pay/notify/sandbox/refund", body, timestamp, nonce, signature).await
}

async fn order_money(app: &TestApp, registration: i64) -> (String, i64, i64) {
    sqlx::query_as("SELECT status, total_fen, refunded_fen FROM orders WHERE registration_id = $1")
        .bind(registration)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap()
}

async fn seats_taken(app: &TestApp, registration: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT s.seats_taken FROM class_sessions s JOIN registrations r ON r.session_id = s.id WHERE r.id = $1",
    )
    .bind(registration)
    .fetch_one(app.state.db.reader())
    .await
    .unwrap()
}

async fn partial_and_full_refunds_are_approved_or_refused(app: &TestApp) {
    let (registration, trainee) = paid_registration(app, TRAINEE_PHONE, true).await;
    let id = registration.to_string();
    let form = app.call("/api/me/refunds/form", &[("registration_id", &id)], Some(&trainee)).await.json();
    assert_eq!((form["full_fen"].as_i64(), form["partial_fen"].as_i64()), (Some(110_000), Some(30_000)));

    // The reason is required and the kind must be chosen; nothing is stored.
    let bad = ask_refund(app, &trainee, registration, "", " ").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = bad.field_names();
    assert_eq!(fields, ["kind", "reason"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM refunds").await, 0);
    // Someone else cannot ask for this order's money.
    let other = app.login(OTHER_TRAINEE_PHONE).await;
    assert_eq!(ask_refund(app, &other, registration, "full", "不去了").await.status, StatusCode::NOT_FOUND);

    // 部分退款, refused by finance with a reason: 退款失败, and the trainee reads why.
    let asked = ask_refund(app, &trainee, registration, "partial", "不需要住宿").await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert_eq!(status_of(app, registration).await, "refund_review");
    assert_eq!(
        ask_refund(app, &trainee, registration, "full", "再次申请").await.status,
        StatusCode::CONFLICT
    );
    let refund = open_refund(app).await;
    assert_eq!(decide_refund(app, &trainee, &refund, "approve", "").await.status, StatusCode::FORBIDDEN);
    let finance = app.login(FINANCE_PHONE).await;
    let listed = app.call("/api/finance/refunds/list", &[], Some(&finance)).await.json();
    assert_eq!(listed[0]["amount_fen"], 30_000);
    assert_eq!(listed[0]["kind"], "partial");
    assert_eq!(
        decide_refund(app, &finance, &refund, "reject", "").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let refused = decide_refund(app, &finance, &refund, "reject", "住宿已预订，无法退订").await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
    assert_eq!(status_of(app, registration).await, "refund_failed");
    let mine = app.call("/api/me/registration", &[("id", &id)], Some(&trainee)).await.json();
    assert_eq!(mine["latest_refund"]["review_note"], "住宿已预订，无法退订");
    assert!(app.last_message(TRAINEE_PHONE).await.unwrap().contains("住宿已预订"));

    // Asked again and approved: the gateway pays 300 back; the place is kept.
    assert_eq!(ask_refund(app, &trainee, registration, "partial", "不需要住宿").await.status, StatusCode::OK);
    let refund = open_refund(app).await;
    let approved = decide_refund(app, &finance, &refund, "approve", "").await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(order_money(app, registration).await, ("paid".to_owned(), 110_000, 30_000));
    assert_eq!(status_of(app, registration).await, "refund_review", "waits for the gateway");
    assert_eq!(
        signed_refund_notify(app, &sandbox_refund_notice(app, None).await).await.status,
        StatusCode::OK
    );
    assert_eq!(status_of(app, registration).await, "paid");
    assert_eq!(seats_taken(app, registration).await, 1);
    assert!(app.last_message(TRAINEE_PHONE).await.unwrap().contains("¥300.00"));

    // 全额退款 of what is left: 800; the seat goes back, the order is refunded.
    let form = app.call("/api/me/refunds/form", &[("registration_id", &id)], Some(&trainee)).await.json();
    assert_eq!((form["full_fen"].as_i64(), form["partial_fen"].as_i64()), (Some(80_000), None));
    assert_eq!(
        ask_refund(app, &trainee, registration, "partial", "住宿").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(ask_refund(app, &trainee, registration, "full", "工作冲突").await.status, StatusCode::OK);
    let refund = open_refund(app).await;
    assert_eq!(decide_refund(app, &finance, &refund, "approve", "").await.status, StatusCode::OK);
    assert_eq!(
        signed_refund_notify(app, &sandbox_refund_notice(app, None).await).await.status,
        StatusCode::OK
    );
    assert_eq!(status_of(app, registration).await, "refunded");
    assert_eq!(order_money(app, registration).await, ("refunded".to_owned(), 110_000, 110_000));
    assert_eq!(seats_taken(app, registration).await, 0);
    // Nothing is left to refund.
    assert_eq!(ask_refund(app, &trainee, registration, "full", "再退").await.status, StatusCode::CONFLICT);
    let audit = app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('同意退款', '驳回退款')").await;
    assert_eq!(audit, 3);
}

async fn refund_confirmations_are_verified_and_applied_once(app: &TestApp) {
    let (registration, trainee) = paid_registration(app, TRAINEE_PHONE, false).await;
    assert_eq!(ask_refund(app, &trainee, registration, "", "临时出差").await.status, StatusCode::OK);
    let finance = app.login(FINANCE_PHONE).await;
    assert_eq!(
        decide_refund(app, &finance, &open_refund(app).await, "approve", "").await.status,
        StatusCode::OK
    );
    let body = sandbox_refund_notice(app, None).await;
    let gateway = app.state.payments.sandbox_gateway();

    // Forged, replayed, or signed with the wrong amount: refused, nothing changes.
    let forged_amount = body.replace("\"amount_fen\":80000", "\"amount_fen\":1");
    assert_ne!(forged_amount, body);
    let (timestamp, nonce, signature) = gateway.sign(&forged_amount, now_ms());
    assert_eq!(
        refund_notify(app, &body, timestamp, &nonce, &signature).await.status,
        StatusCode::UNAUTHORIZED
    );
    let (old, nonce, signature) = gateway.sign(&body, now_ms() - 600_000);
    assert_eq!(refund_notify(app, &body, old, &nonce, &signature).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(signed_refund_notify(app, &forged_amount).await.status, StatusCode::BAD_REQUEST);
    let unknown = body.replace("-R", "-X");
    assert_eq!(signed_refund_notify(app, &unknown).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(status_of(app, registration).await, "refund_review");

    // The genuine one, delivered ten times at once: applied once.
    let answers = futures::future::join_all((0..10).map(|_| signed_refund_notify(app, &body))).await;
    let statuses: Vec<StatusCode> = answers.iter().map(|a| a.status).collect();
    assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    assert_eq!(status_of(app, registration).await, "refunded");
    assert_eq!(app.count("SELECT COUNT(*) FROM messages WHERE title = '退款成功'").await, 1);
    assert_eq!(seats_taken(app, registration).await, 0);
}

async fn refunds_never_take_more_than_was_paid(app: &TestApp) {
    use app::payments::server::provider::{PaymentProvider, RefundRequest};
    let (registration, trainee) = paid_registration(app, TRAINEE_PHONE, true).await;
    assert_eq!(ask_refund(app, &trainee, registration, "full", "不去了").await.status, StatusCode::OK);
    // Something else already took most of it back (the order's books say 1,000 of 1,100).
    sqlx::query("UPDATE orders SET refunded_fen = 100000 WHERE registration_id = $1")
        .bind(registration)
        .execute(app.state.db.writer())
        .await
        .unwrap();
    let finance = app.login(FINANCE_PHONE).await;
    let over = decide_refund(app, &finance, &open_refund(app).await, "approve", "").await;
    assert_eq!(over.status, StatusCode::CONFLICT, "{}", over.body);
    assert_eq!(order_money(app, registration).await.2, 100_000, "nothing reserved");
    assert_eq!(app.count("SELECT COUNT(*) FROM sandbox_refunds").await, 0);

    // The gateway keeps its own books too: never more than the transaction.
    let out_trade_no: String = sqlx::query_scalar(
        "SELECT out_trade_no FROM payments WHERE status = 'succeeded' AND provider = 'sandbox'",
    )
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    let gateway = app.state.payments.sandbox_gateway();
    let request = |no: &str, amount: i64| RefundRequest {
        out_trade_no: out_trade_no.clone(),
        out_refund_no: no.to_owned(),
        amount_fen: app::platform::money::Fen::new(amount).unwrap(),
        reason: String::new(),
        notify_url: String::new(),
    };
    assert!(gateway.refund(&request("R1", 60_000)).await.is_ok());
    assert!(gateway.refund(&request("R1", 60_000)).await.is_ok(), "the same refund twice is one refund");
    assert!(gateway.refund(&request("R2", 50_001)).await.is_err());
    assert!(gateway.refund(&request("R2", 50_000)).await.is_ok());
    let total: i64 = sqlx::query_scalar("SELECT CAST(SUM(amount_fen) AS BIGINT) FROM sandbox_refunds")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert_eq!(total, 110_000);
}

async fn bank_transfers_are_refunded_by_finance_at_once(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let trainee = app.login(TRAINEE_PHONE).await;
    let (class_id, session_id) = open_class(app, &provider, &[("mode", "online")], "5").await;
    let session = session_id.to_string();
    let registration = register(app, &trainee, class_id, &[Part::Text("session_id", &session)]).await;
    let id = registration.to_string();
    assert_eq!(
        app.call("/api/pay/transfer", &[("registration_id", &id)], Some(&trainee)).await.status,
        StatusCode::OK
    );
    let finance = app.login(FINANCE_PHONE).await;
    let payment: i64 =
        sqlx::query_scalar("SELECT id FROM payments WHERE provider = 'transfer' AND status = 'pending'")
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
    let confirmed = app
        .call(
            "/api/finance/transfers/review",
            &[
                ("payment_id", &payment.to_string()),
                ("decision", "confirm"),
                ("amount_yuan", "800"),
                ("received_on", &format_date(now_ms())),
            ],
            Some(&finance),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert_eq!(ask_refund(app, &trainee, registration, "", "单位不再派员").await.status, StatusCode::OK);
    let listed = app.call("/api/finance/refunds/list", &[], Some(&finance)).await.json();
    assert_eq!(listed[0]["by_transfer"], true);
    assert_eq!(
        decide_refund(app, &finance, &open_refund(app).await, "approve", "").await.status,
        StatusCode::OK
    );
    assert_eq!(status_of(app, registration).await, "refunded");
    assert_eq!(app.count("SELECT COUNT(*) FROM sandbox_refunds").await, 0, "no gateway involved");
}

async fn apply_invoice(
    app: &TestApp,
    cookie: &str,
    registration: i64,
    extra: &[(&str, &str)],
) -> TestResponse {
    let id = registration.to_string();
    let mut form: Vec<(&str, &str)> = vec![
        ("registration_id", &id),
        ("title", "四川示范水利工程有限公司"),
        ("tax_number", "91510100MA6CX00019"),
        ("email", "caiwu@example.cn"),
    ];
    for (k, v) in extra {
        form.retain(|(key, _)| key != k);
        form.push((k, v));
    }
    app.call("/api/me/invoices/apply", &form, Some(cookie)).await
}

async fn issue(app: &TestApp, cookie: &str, invoice: i64, number: &str, parts: &[Part<'_>]) -> TestResponse {
    let id = invoice.to_string();
    let today = format_date(now_ms());
    let mut all = vec![
        Part::Text("invoice_id", &id),
        Part::Text("invoice_no", number),
        Part::Text("issued_on", &today),
    ];
    for part in parts {
        all.push(match part {
            Part::Text(k, v) => Part::Text(k, v),
            Part::File { name, filename, content_type, bytes } => {
                Part::File { name, filename, content_type, bytes }
            }
        });
    }
    app.upload("/api/finance/invoices/issue/upload", &all, Some(cookie)).await
}

async fn newest_invoice(app: &TestApp) -> (i64, String, Option<String>) {
    sqlx::query_as("SELECT id, status, file_id FROM invoices ORDER BY id DESC LIMIT 1")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap()
}

async fn invoices_are_applied_for_issued_downloaded_and_voided(app: &TestApp) {
    let (registration, trainee) = paid_registration(app, TRAINEE_PHONE, true).await;
    // Checked first: a bad tax number and e-mail come back per field; nothing stored.
    let bad =
        apply_invoice(app, &trainee, registration, &[("tax_number", "91510100MA6CX00018"), ("email", "x")])
            .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT COUNT(*) FROM invoices").await, 0);
    let other = app.login(OTHER_TRAINEE_PHONE).await;
    assert_eq!(apply_invoice(app, &other, registration, &[]).await.status, StatusCode::NOT_FOUND);

    let applied = apply_invoice(app, &trainee, registration, &[("save_title", "on")]).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM invoice_titles WHERE title = '四川示范水利工程有限公司'").await,
        1
    );
    let again = apply_invoice(app, &trainee, registration, &[]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "one live invoice per order: {}", again.body);
    let (invoice, status, _) = newest_invoice(app).await;
    assert_eq!(status, "requested");
    let amount: i64 = sqlx::query_scalar("SELECT amount_fen FROM invoices WHERE id = $1")
        .bind(invoice)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert_eq!(amount, 110_000);

    // Only finance issues; the number must look like one; an upload must be a PDF.
    let finance = app.login(FINANCE_PHONE).await;
    let generate = [Part::Text("source", "generate")];
    assert_eq!(issue(app, &trainee, invoice, "12345678", &generate).await.status, StatusCode::FORBIDDEN);
    let bad_number = issue(app, &finance, invoice, "1234", &generate).await;
    assert_eq!(bad_number.status, StatusCode::UNPROCESSABLE_ENTITY);
    let not_pdf = [
        Part::Text("source", "upload"),
        Part::File { name: "file", filename: "fapiao.png", content_type: "application/pdf", bytes: PNG },
    ];
    assert_eq!(
        issue(app, &finance, invoice, "12345678", &not_pdf).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(newest_invoice(app).await.1, "requested");
    assert_eq!(app.count("SELECT COUNT(*) FROM files WHERE purpose = 'invoice'").await, 0);

    // Issued with a PDF the platform draws; the trainee downloads it, others cannot.
    let issued = issue(app, &finance, invoice, "26512000000012345678", &generate).await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    let (_, status, file) = newest_invoice(app).await;
    assert_eq!(status, "issued");
    let url = format!("/files/{}", file.unwrap());
    let download = app.get(&url, Some(&trainee)).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.headers["content-type"], "application/pdf");
    assert!(download.body.starts_with("%PDF-"));
    assert_eq!(app.get(&url, Some(&other)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&url, None).await.status, StatusCode::NOT_FOUND);
    let mine = app.call("/api/me/invoices", &[], Some(&trainee)).await.json();
    assert_eq!(mine[0]["invoice_no"], "26512000000012345678");
    assert_eq!(mine[0]["download_url"], url.as_str());
    assert!(app.last_message(TRAINEE_PHONE).await.unwrap().contains("26512000000012345678"));
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE recipient = 'caiwu@example.cn'").await, 1);
    // The same number twice is refused.
    assert_eq!(
        issue(app, &finance, invoice, "26512000000012345678", &generate).await.status,
        StatusCode::CONFLICT
    );

    // Voided with a required reason; the download stops; a new application is possible.
    let close = |action: &'static str, reason: &'static str| {
        let finance = finance.clone();
        async move {
            app.call(
                "/api/finance/invoices/close",
                &[("invoice_id", &invoice.to_string()), ("action", action), ("reason", reason)],
                Some(&finance),
            )
            .await
        }
    };
    assert_eq!(close("void", "").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(close("reject", "不能驳回已开具的发票").await.status, StatusCode::CONFLICT);
    assert_eq!(close("void", "抬头有误").await.status, StatusCode::OK);
    assert_eq!(newest_invoice(app).await.1, "voided");
    assert_eq!(app.get(&url, Some(&trainee)).await.status, StatusCode::NOT_FOUND);
    let mine = app.call("/api/me/invoices", &[], Some(&trainee)).await.json();
    assert_eq!(mine[0]["reason"], "抬头有误");

    // Applied again and issued from the tax system's PDF.
    assert_eq!(apply_invoice(app, &trainee, registration, &[("title", "张三")]).await.status, StatusCode::OK);
    let (second, _, _) = newest_invoice(app).await;
    let uploaded = [
        Part::Text("source", "upload"),
        Part::File {
            name: "file", filename: "全电发票.pdf", content_type: "application/pdf", bytes: PDF
        },
    ];
    assert_eq!(issue(app, &finance, second, "26512000000012345679", &uploaded).await.status, StatusCode::OK);
    let audit = app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('开具发票', '作废发票')").await;
    assert_eq!(audit, 3);
}

async fn joint_invoices_cover_colleagues_of_the_same_unit(app: &TestApp) {
    let (mine, zhang) = paid_registration(app, TRAINEE_PHONE, false).await;
    let (theirs, li) = paid_registration(app, OTHER_TRAINEE_PHONE, false).await;
    let their_order: String = sqlx::query_scalar("SELECT order_no FROM orders WHERE registration_id = $1")
        .bind(theirs)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    // A note naming who is included is required.
    let no_note = apply_invoice(app, &zhang, mine, &[("joint_orders", their_order.as_str())]).await;
    assert_eq!(no_note.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Someone outside the unit: refused like an unknown order.
    sqlx::query("UPDATE users SET unit_status = '' WHERE phone = $1")
        .bind(OTHER_TRAINEE_PHONE)
        .execute(app.state.db.writer())
        .await
        .unwrap();
    let outsider =
        apply_invoice(app, &zhang, mine, &[("joint_orders", their_order.as_str()), ("note", "与李四合开")])
            .await;
    assert_eq!(outsider.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(outsider.json()["fields"][0]["field"], "joint_orders");
    assert_eq!(app.count("SELECT COUNT(*) FROM invoices").await, 0);
    sqlx::query("UPDATE users SET unit_status = 'approved' WHERE phone = $1")
        .bind(OTHER_TRAINEE_PHONE)
        .execute(app.state.db.writer())
        .await
        .unwrap();

    let joint =
        apply_invoice(app, &zhang, mine, &[("joint_orders", their_order.as_str()), ("note", "同部门")]).await;
    assert_eq!(joint.status, StatusCode::OK, "{}", joint.body);
    let (invoice, _, _) = newest_invoice(app).await;
    let (amount, note): (i64, String) = sqlx::query_as("SELECT amount_fen, note FROM invoices WHERE id = $1")
        .bind(invoice)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert_eq!(amount, 160_000);
    assert_eq!(note, "合开人员：张三、李四。同部门");
    // 李四's order is taken: their own application is refused.
    assert_eq!(apply_invoice(app, &li, theirs, &[]).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let finance = app.login(FINANCE_PHONE).await;
    let issued = issue(app, &finance, invoice, "12345678", &[Part::Text("source", "generate")]).await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    // Each person covered sees it, with their own order, and downloads it.
    let seen = app.call("/api/me/invoices", &[], Some(&li)).await.json();
    assert_eq!(seen[0]["my_orders"][0], their_order.as_str());
    assert_eq!(seen[0]["order_count"], 2);
    assert_eq!(seen[0]["applied_by_me"], false);
    let url = seen[0]["download_url"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&url, Some(&li)).await.status, StatusCode::OK);
    assert_eq!(app.get(&url, Some(&zhang)).await.status, StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages WHERE title = '发票已开具'").await, 2);
}

async fn a_full_refund_waits_until_the_invoice_is_voided(app: &TestApp) {
    let (registration, trainee) = paid_registration(app, TRAINEE_PHONE, false).await;
    assert_eq!(apply_invoice(app, &trainee, registration, &[]).await.status, StatusCode::OK);
    let (invoice, _, _) = newest_invoice(app).await;
    let finance = app.login(FINANCE_PHONE).await;
    assert_eq!(
        issue(app, &finance, invoice, "87654321", &[Part::Text("source", "generate")]).await.status,
        StatusCode::OK
    );
    assert_eq!(ask_refund(app, &trainee, registration, "full", "课程冲突").await.status, StatusCode::OK);
    let refund = open_refund(app).await;
    let listed = app.call("/api/finance/refunds/list", &[], Some(&finance)).await.json();
    assert_eq!(listed[0]["invoice_issued"], true);
    let refused = decide_refund(app, &finance, &refund, "approve", "").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.json()["message"].as_str().unwrap().contains("作废"));
    assert_eq!(order_money(app, registration).await.2, 0);
    let voided = app
        .call(
            "/api/finance/invoices/close",
            &[("invoice_id", &invoice.to_string()), ("action", "void"), ("reason", "学员退款")],
            Some(&finance),
        )
        .await;
    assert_eq!(voided.status, StatusCode::OK);
    assert_eq!(decide_refund(app, &finance, &refund, "approve", "").await.status, StatusCode::OK);
    assert_eq!(
        signed_refund_notify(app, &sandbox_refund_notice(app, None).await).await.status,
        StatusCode::OK
    );
    assert_eq!(status_of(app, registration).await, "refunded");
    // A refunded order needs no invoice.
    let again = app
        .call(
            "/api/me/invoices/apply-context",
            &[("registration_id", &registration.to_string())],
            Some(&trainee),
        )
        .await;
    assert!(again.json()["refusal"].as_str().unwrap().contains("退款"));
}
