//! Money paid once and refunded once, whatever repeats, races or arrives late: a second
//! wallet, a code paid after its order closed, racing review decisions, a refund the
//! gateway refuses among others, bank transfers that never arrive, amounts that are
//! not numbers.

use crate::common::{enrol::*, *};
use crate::engine_tests;
use app::platform::time::now_ms;
use axum::http::StatusCode;

engine_tests!(
    a_second_wallet_closes_the_first_and_its_money_comes_back,
    money_for_a_closed_order_comes_back_and_a_payer_first_pays,
    concurrent_refund_decisions_have_exactly_one_winner,
    one_failing_refund_does_not_hold_up_the_others,
    a_bank_transfer_is_chosen_once_and_closes_after_its_window,
    amounts_with_signs_in_them_are_refused,
    a_negative_amount_is_never_shown_or_applied,
);

async fn start_with(app: &TestApp, cookie: &str, registration: i64, channel: &str) -> TestResponse {
    app.call(
        "/api/pay/start",
        &[("registration_id", &registration.to_string()), ("channel", channel)],
        Some(cookie),
    )
    .await
}

async fn payments_of(app: &TestApp, registration: i64) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT p.out_trade_no, p.channel, p.status FROM payments p JOIN orders o ON o.id = p.order_id
         WHERE o.registration_id = $1 ORDER BY p.id",
    )
    .bind(registration)
    .fetch_all(app.state.db.reader())
    .await
    .unwrap()
}

async fn sandbox_status(app: &TestApp, out_trade_no: &str) -> String {
    sqlx::query_scalar("SELECT status FROM sandbox_transactions WHERE out_trade_no = $1")
        .bind(out_trade_no)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap()
}

async fn sandbox_id(app: &TestApp, out_trade_no: &str) -> String {
    sqlx::query_scalar("SELECT id FROM sandbox_transactions WHERE out_trade_no = $1")
        .bind(out_trade_no)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap()
}

/// The wallet's money arrives at the gateway although we closed the code there (a
/// payer who scanned just before the close, a gateway that lost the close): what a
/// test can only do by writing the gateway's own books.
async fn gateway_takes_money_anyway(app: &TestApp, out_trade_no: &str) {
    sqlx::query("UPDATE sandbox_transactions SET status = 'paid', paid_at = $1 WHERE out_trade_no = $2")
        .bind(now_ms())
        .bind(out_trade_no)
        .execute(app.state.db.writer())
        .await
        .unwrap();
}

async fn returns_of(app: &TestApp, registration: i64) -> Vec<(String, String, i64)> {
    sqlx::query_as(
        "SELECT f.reason, f.status, f.amount_fen FROM refunds f WHERE f.registration_id = $1 AND f.kind = 'return'
         ORDER BY f.id",
    )
    .bind(registration)
    .fetch_all(app.state.db.reader())
    .await
    .unwrap()
}

async fn refunded_fen(app: &TestApp, registration: i64) -> i64 {
    sqlx::query_scalar("SELECT refunded_fen FROM orders WHERE registration_id = $1")
        .bind(registration)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap()
}

async fn a_second_wallet_closes_the_first_and_its_money_comes_back(app: &TestApp) {
    let (registration, first, amount, trainee) = started_payment(app).await;
    // The same wallet again shows the same code: no second payment at the gateway.
    assert_eq!(start_with(app, &trainee, registration, "wechat").await.status, StatusCode::OK);
    assert_eq!(payments_of(app, registration).await.len(), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM sandbox_transactions").await, 1);

    // Another wallet closes the first code at the gateway before the second is made.
    assert_eq!(start_with(app, &trainee, registration, "alipay").await.status, StatusCode::OK);
    let payments = payments_of(app, registration).await;
    assert_eq!(payments.len(), 2);
    assert_eq!((payments[0].2.as_str(), payments[1].2.as_str()), ("closed", "pending"));
    assert_eq!(sandbox_status(app, &first).await, "closed");
    let second = payments[1].0.clone();
    let refused =
        app.state.payments.sandbox_gateway().decide(&sandbox_id(app, &first).await, true, now_ms()).await;
    assert_eq!(refused.unwrap_err().kind, app::error::ErrorKind::Conflict, "a closed code cannot be paid");

    // Both codes are paid all the same; both notifications are acknowledged.
    gateway_takes_money_anyway(app, &first).await;
    let gateway = app.state.payments.sandbox_gateway();
    gateway.decide(&sandbox_id(app, &second).await, true, now_ms()).await.unwrap();
    assert_eq!(signed_notify(app, &notice_body(&first, amount)).await.status, StatusCode::OK);
    assert_eq!(signed_notify(app, &notice_body(&second, amount)).await.status, StatusCode::OK);
    assert_eq!(signed_notify(app, &notice_body(&first, amount)).await.status, StatusCode::OK, "again");

    // The order is paid once; the first payment goes back through the gateway.
    assert_eq!(order_state(app, registration).await, ("paid".to_owned(), "paid".to_owned(), 1));
    let statuses: Vec<String> = payments_of(app, registration).await.into_iter().map(|p| p.2).collect();
    assert_eq!(statuses, ["returned", "succeeded"]);
    assert_eq!(
        returns_of(app, registration).await,
        [("重复支付".to_owned(), "processing".to_owned(), amount)]
    );
    assert_eq!(refunded_fen(app, registration).await, 0, "a return reserves nothing on the order");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE title = '款项将原路退回'").await,
        1,
        "the payer is told"
    );
    // On its way, it is in finance's queue (the list page would settle it first).
    let queued = app::refunds::server::queue(&app.state.db).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!((queued[0].kind.code(), queued[0].reason.as_str()), ("return", "重复支付"));

    // The gateway confirms the refund (twice): it is done once, the place is kept.
    let confirmation = sandbox_refund_notice(app, Some(&first)).await;
    assert_eq!(signed_refund_notify(app, &confirmation).await.status, StatusCode::OK);
    assert_eq!(signed_refund_notify(app, &confirmation).await.status, StatusCode::OK);
    assert_eq!(returns_of(app, registration).await[0].1, "succeeded");
    assert_eq!(status_of(app, registration).await, "paid");
    assert_eq!(app.count("SELECT COUNT(*) FROM sandbox_refunds").await, 1, "refunded once");
    // Finance sees both: the payment kept (the order paid) and the one returned.
    let finance = app.login(FINANCE_PHONE).await;
    let recent = app.call("/api/finance/refunds/recent", &[], Some(&finance)).await.json();
    assert_eq!(recent[0]["kind"], "return");
    assert_eq!(recent[0]["reason"], "重复支付");
    assert_eq!(recent[0]["status"], "succeeded");
    assert_eq!(recent[0]["amount_fen"], amount);

    // The trainee can still ask for their own refund of the order.
    let asked = app
        .call(
            "/api/me/refunds/request",
            &[("registration_id", &registration.to_string()), ("kind", "full"), ("reason", "时间冲突")],
            Some(&trainee),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let refund_amount: i64 = sqlx::query_scalar("SELECT amount_fen FROM refunds WHERE kind = 'full'")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert_eq!(refund_amount, amount, "of the one payment that was kept");
}

async fn money_for_a_closed_order_comes_back_and_a_payer_first_pays(app: &TestApp) {
    use app::orders::server as orders;
    // Paid at the wallet, the notification not yet here, when the window passes: the
    // close at the gateway finds it paid, and the order is paid, not closed.
    let (first, first_trade, _, _) = started_payment(app).await;
    app.state
        .payments
        .sandbox_gateway()
        .decide(&sandbox_id(app, &first_trade).await, true, now_ms())
        .await
        .unwrap();
    let expiry = || async {
        sqlx::query_scalar::<_, i64>("SELECT MAX(expires_at) FROM orders")
            .fetch_one(app.state.db.reader())
            .await
            .unwrap()
    };
    assert_eq!(orders::close_expired(&app.state, expiry().await + 1).await.unwrap(), 0);
    assert_eq!(order_state(app, first).await.0, "paid");

    // Not paid when the window passes: closed here and at the gateway.
    let (second, trade, amount, _) = started_payment(app).await;
    assert_eq!(orders::close_expired(&app.state, expiry().await + 1).await.unwrap(), 1);
    assert_eq!(order_state(app, second).await.0, "closed");
    assert_eq!(status_of(app, second).await, "expired");
    assert_eq!(sandbox_status(app, &trade).await, "closed");
    assert_eq!(payments_of(app, second).await[0].2, "closed");

    // Money for it arrives anyway: acknowledged, returned, the order stays closed.
    gateway_takes_money_anyway(app, &trade).await;
    assert_eq!(signed_notify(app, &notice_body(&trade, amount)).await.status, StatusCode::OK);
    assert_eq!(order_state(app, second).await.0, "closed");
    assert_eq!(status_of(app, second).await, "expired");
    assert_eq!(returns_of(app, second).await, [("订单已关闭".to_owned(), "processing".to_owned(), amount)]);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM sandbox_refunds WHERE out_trade_no = '{trade}'")).await,
        1
    );
    // The pay page's own query of the gateway finds the same money: still one return.
    assert_eq!(signed_notify(app, &notice_body(&trade, amount)).await.status, StatusCode::OK);
    assert_eq!(returns_of(app, second).await.len(), 1);
}

/// An offline class with 标准间 (300 yuan), registered and paid by 张三, with a 部分退款
/// asked for. Returns (registration, refund id).
async fn partial_refund_asked(app: &TestApp, provider: &str, trainee: &str) -> (i64, String) {
    let (class_id, session_id) = open_class(app, provider, &[("lodgings", "标准间 300")], "5").await;
    let session = session_id.to_string();
    let registration = register(
        app,
        trainee,
        class_id,
        &[Part::Text("session_id", &session), Part::Text("lodging", "标准间")],
    )
    .await;
    assert_eq!(start_with(app, trainee, registration, "alipay").await.status, StatusCode::OK);
    let (trade, amount): (String, i64) = sqlx::query_as(
        "SELECT p.out_trade_no, p.amount_fen FROM payments p JOIN orders o ON o.id = p.order_id
         WHERE o.registration_id = $1 AND p.status = 'pending'",
    )
    .bind(registration)
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    app.state
        .payments
        .sandbox_gateway()
        .decide(&sandbox_id(app, &trade).await, true, now_ms())
        .await
        .unwrap();
    assert_eq!(signed_notify(app, &notice_body(&trade, amount)).await.status, StatusCode::OK);
    let asked = app
        .call(
            "/api/me/refunds/request",
            &[("registration_id", &registration.to_string()), ("kind", "partial"), ("reason", "不需要住宿")],
            Some(trainee),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let refund: i64 =
        sqlx::query_scalar("SELECT id FROM refunds WHERE registration_id = $1 AND status = 'review'")
            .bind(registration)
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
    (registration, refund.to_string())
}

async fn concurrent_refund_decisions_have_exactly_one_winner(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let trainee = app.login(TRAINEE_PHONE).await;
    let finance = app.login(FINANCE_PHONE).await;
    let decide = |refund: String, decision: &'static str| {
        let finance = finance.clone();
        async move {
            app.call(
                "/api/finance/refunds/review",
                &[("refund_id", &refund), ("decision", decision), ("reason", "住宿已预订")],
                Some(&finance),
            )
            .await
            .status
        }
    };
    for round in 0..50 {
        let (registration, refund) = partial_refund_asked(app, &provider, &trainee).await;
        let other = if round % 2 == 0 { "approve" } else { "reject" };
        let (a, b) = tokio::join!(decide(refund.clone(), "approve"), decide(refund.clone(), other));
        let mut answers = [a, b];
        answers.sort();
        assert_eq!(answers, [StatusCode::OK, StatusCode::CONFLICT], "round {round} ({other})");
        let status: String = sqlx::query_scalar("SELECT status FROM refunds WHERE id = $1")
            .bind(refund.parse::<i64>().unwrap())
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
        let reserved = refunded_fen(app, registration).await;
        let at_gateway = app
            .count(&format!(
                "SELECT COUNT(*) FROM sandbox_refunds s JOIN refunds f ON f.out_refund_no = s.out_refund_no
                 WHERE f.registration_id = {registration}"
            ))
            .await;
        match status.as_str() {
            "processing" => assert_eq!((reserved, at_gateway), (30_000, 1), "round {round}: approved once"),
            "rejected" => {
                assert_eq!((reserved, at_gateway), (0, 0), "round {round}: refused, nothing reserved")
            }
            other => panic!("round {round}: refund ended {other}"),
        }
    }
}

async fn one_failing_refund_does_not_hold_up_the_others(app: &TestApp) {
    use app::refunds::server as refunds;
    let provider = app.login(PROVIDER_PHONE).await;
    let trainee = app.login(TRAINEE_PHONE).await;
    let finance = app.login(FINANCE_PHONE).await;
    let approve = |refund: String| {
        let finance = finance.clone();
        async move {
            app.call(
                "/api/finance/refunds/review",
                &[("refund_id", &refund), ("decision", "approve")],
                Some(&finance),
            )
            .await
        }
    };
    // Two approved refunds the gateway has not confirmed yet. The first it never heard
    // of (the server stopped before asking), and asked again it refuses (the payer's
    // account is gone); the second it paid back.
    let (bad, bad_refund) = partial_refund_asked(app, &provider, &trainee).await;
    assert_eq!(approve(bad_refund.clone()).await.status, StatusCode::OK);
    let (good, good_refund) = partial_refund_asked(app, &provider, &trainee).await;
    assert_eq!(approve(good_refund.clone()).await.status, StatusCode::OK);
    let bad_trade: String = sqlx::query_scalar(
        "SELECT p.out_trade_no FROM payments p JOIN refunds f ON f.payment_id = p.id WHERE f.id = $1",
    )
    .bind(bad_refund.parse::<i64>().unwrap())
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    for sql in [
        "DELETE FROM sandbox_refunds WHERE out_trade_no = $1",
        "UPDATE sandbox_transactions SET status = 'closed' WHERE out_trade_no = $1",
    ] {
        sqlx::query(sql).bind(&bad_trade).execute(app.state.db.writer()).await.unwrap();
    }
    let later = now_ms() + 120_000;
    assert_eq!(refunds::settle_processing(&app.state, later).await.unwrap(), 2);
    let status_of_refund = |id: String| async move {
        sqlx::query_scalar::<_, String>("SELECT status FROM refunds WHERE id = $1")
            .bind(id.parse::<i64>().unwrap())
            .fetch_one(app.state.db.reader())
            .await
            .unwrap()
    };
    assert_eq!(status_of_refund(bad_refund.clone()).await, "failed");
    assert_eq!(refunded_fen(app, bad).await, 0, "a failed refund gives its reservation back");
    assert_eq!(status_of_refund(good_refund.clone()).await, "succeeded");
    assert_eq!(refunded_fen(app, good).await, 30_000);

    // A gateway that cannot be reached: the try is recorded on the refund, with the
    // error and a later time; the refund is not tried again before then.
    // Approving while it is unreachable is still an approval (finance is not asked to
    // approve again); the try is on the refund.
    let (_, third) = partial_refund_asked(app, &provider, &trainee).await;
    sqlx::query("ALTER TABLE sandbox_refunds RENAME TO sandbox_refunds_away")
        .execute(app.state.db.writer())
        .await
        .unwrap();
    let approved = approve(third.clone()).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(app.count(&format!("SELECT attempts FROM refunds WHERE id = {third}")).await, 1);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM refunds WHERE id = {third} AND status = 'processing'"))
            .await,
        1
    );
    sqlx::query("UPDATE refunds SET attempts = 0, next_attempt_at = NULL WHERE id = $1")
        .bind(third.parse::<i64>().unwrap())
        .execute(app.state.db.writer())
        .await
        .unwrap();
    assert_eq!(refunds::settle_processing(&app.state, later).await.unwrap(), 0);
    let (attempts, next): (i64, Option<i64>) =
        sqlx::query_as("SELECT attempts, next_attempt_at FROM refunds WHERE id = $1")
            .bind(third.parse::<i64>().unwrap())
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
    assert_eq!((attempts, next), (1, Some(later + 60_000)));
    let listed = app.call("/api/finance/refunds/list", &[], Some(&finance)).await.json();
    let third_id: i64 = third.parse().unwrap();
    let shown =
        listed.as_array().unwrap().iter().find(|r| r["id"].as_i64() == Some(third_id)).unwrap().clone();
    assert_eq!(shown["attempts"], 1);
    assert!(!shown["last_error"].as_str().unwrap().is_empty());
    sqlx::query("ALTER TABLE sandbox_refunds_away RENAME TO sandbox_refunds")
        .execute(app.state.db.writer())
        .await
        .unwrap();
    assert_eq!(refunds::settle_processing(&app.state, later + 1_000).await.unwrap(), 0, "not yet due");
    // Due again: the gateway never had it, so it is sent now, and confirmed on the next run.
    assert_eq!(refunds::settle_processing(&app.state, later + 61_000).await.unwrap(), 0);
    let at_gateway = format!(
        "SELECT COUNT(*) FROM sandbox_refunds s JOIN refunds f ON f.out_refund_no = s.out_refund_no WHERE f.id = {third}"
    );
    assert_eq!(app.count(&at_gateway).await, 1, "sent once");
    assert_eq!(refunds::settle_processing(&app.state, later + 62_000).await.unwrap(), 1);
    assert_eq!(status_of_refund(third).await, "succeeded");
}

async fn a_bank_transfer_is_chosen_once_and_closes_after_its_window(app: &TestApp) {
    use app::orders::server as orders;
    let (registration, trade, _, trainee) = started_payment(app).await;
    let id = registration.to_string();
    let form = [("registration_id", id.as_str())];
    let choose = || app.call("/api/pay/transfer", &form, Some(&trainee));
    let (a, b) = tokio::join!(choose(), choose());
    let mut answers = [a.status, b.status];
    answers.sort();
    assert_eq!(answers, [StatusCode::OK, StatusCode::CONFLICT]);
    assert_eq!(sandbox_status(app, &trade).await, "closed", "the live QR code was closed first");
    let statuses: Vec<(String, String)> = payments_of(app, registration)
        .await
        .into_iter()
        .map(|(_, channel, status)| (channel, status))
        .collect();
    assert_eq!(
        statuses,
        [("wechat".to_owned(), "closed".to_owned()), ("transfer".to_owned(), "pending".to_owned())]
    );
    // A wallet cannot be chosen while the transfer is awaited.
    assert_eq!(start_with(app, &trainee, registration, "alipay").await.status, StatusCode::CONFLICT);

    // It waits for its own window (7 days), not the 48 hours, then closes.
    let expires_at: i64 = sqlx::query_scalar("SELECT expires_at FROM orders WHERE registration_id = $1")
        .bind(registration)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert!(expires_at > now_ms() + 6 * DAY_MS && expires_at <= now_ms() + 7 * DAY_MS, "{expires_at}");
    assert_eq!(orders::close_expired(&app.state, now_ms() + 3 * DAY_MS).await.unwrap(), 0);
    assert_eq!(orders::close_expired(&app.state, expires_at + 1).await.unwrap(), 1);
    assert_eq!(order_state(app, registration).await.0, "closed");
    assert_eq!(status_of(app, registration).await, "expired");
    assert!(app.last_message(TRAINEE_PHONE).await.unwrap().contains("线下转账"));
    let seats = app.count("SELECT seats_taken FROM class_sessions WHERE id = (SELECT session_id FROM registrations WHERE id = (SELECT MAX(id) FROM registrations))").await;
    assert_eq!(seats, 0, "the seat came back");
    // Finance can no longer confirm it: the money goes back by bank.
    let finance = app.login(FINANCE_PHONE).await;
    let payment: i64 = sqlx::query_scalar("SELECT id FROM payments WHERE provider = 'transfer'")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    let late = app
        .call(
            "/api/finance/transfers/review",
            &[
                ("payment_id", &payment.to_string()),
                ("decision", "confirm"),
                ("amount_yuan", "800"),
                ("received_on", &today_plus(0)),
            ],
            Some(&finance),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    assert!(late.json()["message"].as_str().unwrap().contains("原路退回"));
    assert_eq!(order_state(app, registration).await.0, "closed");
}

async fn amounts_with_signs_in_them_are_refused(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    for fee in ["1.-9", "0.-5", "-1", "1e3", "１２"] {
        let saved = save_class(app, &provider, &[("fee_yuan", fee)]).await;
        assert_eq!(saved.status, StatusCode::UNPROCESSABLE_ENTITY, "fee {fee:?}: {}", saved.body);
        assert!(saved.field_names().contains(&"fee_yuan".to_owned()), "{}", saved.body);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM classes WHERE title = '集成测试培训班'").await, 0);
}

/// A negative amount is not money: one stored (corruption) is an internal error, not
/// a price on the page, and one in a gateway's notice applies nothing.
async fn a_negative_amount_is_never_shown_or_applied(app: &TestApp) {
    let (registration, out_trade_no, _amount, trainee) = started_payment(app).await;
    let refused = signed_notify(app, &notice_body(&out_trade_no, -5)).await;
    assert_ne!(refused.status, StatusCode::OK, "{}", refused.body);
    assert_eq!(status_of(app, registration).await, "awaiting_payment");
    let succeeded = payments_of(app, registration).await.into_iter().filter(|p| p.2 == "succeeded").count();
    assert_eq!(succeeded, 0, "nothing applied");

    // Below the code, the database refuses a negative amount on its own (a CHECK), so
    // not even a direct write can put one where a page or a refund would read it.
    let written = sqlx::query("UPDATE orders SET total_fen = -5 WHERE registration_id = $1")
        .bind(registration)
        .execute(app.state.db.writer())
        .await;
    assert!(written.is_err(), "a negative order total was stored");
    let page = app.get(&format!("/me/exams/{registration}/pay"), Some(&trainee)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("-¥"), "{}", page.body);
}
