//! Certificates on both engines: issued once when due (whatever runs at the same
//! time) and never before; verified by anyone, offline too; downloaded only by those
//! allowed; revoked once by the authority of the holder's region.

#![allow(clippy::unwrap_used)] // a failed setup step fails the test

mod common;
use app::certificates::server::{batches, keys};
use app::{
    catalogue::domain::Category,
    certificates::{
        domain::{PublicKey, QrPayload, Serial, verify_offline},
        server::repo,
    },
    credits::{
        domain::Source,
        server::repo::{self as ledger, NewEntry},
    },
    platform::time::{now_ms, year_of},
};
use axum::http::StatusCode;
use common::{enrol::*, *};

engine_tests!(
    the_yearly_certificate_is_issued_once_when_due_and_never_before,
    a_certificate_verifies_offline_downloads_for_those_allowed_and_is_revoked_once,
    a_rotated_key_signs_from_then_on_and_the_old_one_still_verifies,
    a_unit_prints_its_staffs_certificates_in_the_background,
    a_training_certificate_is_issued_once_for_a_completed_class_only,
);

const AUTHORITY_PHONE: &str = "13800000002";

async fn certificates_of(app: &TestApp, user: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM certificates WHERE user_id = $1")
        .bind(user)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap()
}

/// 张三 holds last year's certificate (demo data, issued on the rule) and asking again
/// issues nothing; 李四 is short, gets none and is told what is missing; once his
/// ledger meets the year, eight requests at once issue exactly one.
async fn the_yearly_certificate_is_issued_once_when_due_and_never_before(app: &TestApp) {
    let last_year = (year_of(now_ms()) - 1).to_string();
    let zhang = app.login(TRAINEE_PHONE).await;
    let mine = app.call("/api/me/certificates", &[], Some(&zhang)).await.json();
    let yearly: Vec<_> = mine.as_array().unwrap().iter().filter(|c| c["kind"] == "yearly").collect();
    assert_eq!(yearly.len(), 1, "{mine}");
    assert_eq!(yearly[0]["hours"]["total"], 940);
    assert_eq!(yearly[0]["holder_id_number"], "510101********4578");
    app.call("/api/me/certificates", &[], Some(&zhang)).await;
    assert_eq!(certificates_of(app, user_id(app, TRAINEE_PHONE).await).await, 1);

    let li_id = user_id(app, OTHER_TRAINEE_PHONE).await;
    let li = app.login(OTHER_TRAINEE_PHONE).await;
    let check = app.call("/api/me/certificates/yearly", &[("year", &last_year)], Some(&li)).await.json();
    assert!(check["certificate"].is_null(), "{check}");
    assert_eq!(check["completion"]["met"], false);
    assert_eq!(certificates_of(app, li_id).await, 0, "nothing is issued before it is due");
    let page = app.get(&format!("/me/certificates/yearly?year={last_year}"), Some(&li)).await;
    assert!(page.body.contains("学时尚未达到要求，暂不能打印证书"), "{}", page.body);
    assert!(page.body.contains("公需还差 6 学时"));
    assert_eq!(
        app.call("/api/me/certificates/yearly", &[("year", "2999")], Some(&li)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.call("/api/me/certificates", &[], None).await.status, StatusCode::UNAUTHORIZED);

    let mut tx = app.state.db.begin().await.unwrap();
    for (category, tenths, id) in [(Category::Professional, 200, 1), (Category::Public, 60, 2)] {
        let entry = NewEntry {
            user_id: li_id,
            year: year_of(now_ms()) - 1,
            category,
            tenths,
            source: Source::Adjustment,
            source_id: id,
            kind: String::new(),
            title: "补录".to_owned(),
            evidence: String::new(),
            note: String::new(),
            approved_by: None,
            created_at: now_ms(),
        };
        ledger::credit(&mut tx, &entry).await.unwrap();
    }
    tx.commit().await.unwrap();
    let form = [("year", last_year.as_str())];
    let at_once =
        futures::future::join_all((0..8).map(|_| app.call("/api/me/certificates/yearly", &form, Some(&li))))
            .await;
    let serials: std::collections::BTreeSet<String> = at_once
        .iter()
        .map(|r| {
            r.json()["certificate"]["serial_code"].as_str().unwrap_or_else(|| panic!("{}", r.body)).to_owned()
        })
        .collect();
    assert_eq!(serials.len(), 1, "every request answers the one certificate");
    assert_eq!(certificates_of(app, li_id).await, 1);
}

/// The verification page answers anyone from the serial (a mistyped one is caught
/// by its check character); the PDF goes to the holder and their unit's admin only;
/// the public keys check the signature offline and a changed byte fails; the
/// authority revokes once, the holder is told, and the page then says 已撤销.
async fn a_certificate_verifies_offline_downloads_for_those_allowed_and_is_revoked_once(app: &TestApp) {
    let zhang_id = user_id(app, TRAINEE_PHONE).await;
    let row = repo::of_holder(app.state.db.reader(), zhang_id).await.unwrap().remove(0);
    let serial = row.serial.clone();

    let verified = app.call("/api/public/verify", &[("serial", &serial)], None).await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    let verified = verified.json();
    assert_eq!(verified["signature_valid"], true);
    assert!(verified["code_matches"].is_null());
    assert_eq!(verified["certificate"]["holder_name"], "张三");
    let scanned = app
        .call(
            "/api/public/verify",
            &[("serial", &serial.to_lowercase()), ("key_id", &row.key_id), ("signature", &row.signature)],
            None,
        )
        .await
        .json();
    assert_eq!(scanned["code_matches"], true);
    let forged = format!("A{}", &row.signature[1..]);
    let forged = if forged == row.signature { format!("B{}", &row.signature[1..]) } else { forged };
    let tampered = app
        .call(
            "/api/public/verify",
            &[("serial", &serial), ("key_id", &row.key_id), ("signature", &forged)],
            None,
        )
        .await
        .json();
    assert_eq!(tampered["code_matches"], false);
    let mut typo: Vec<char> = serial.chars().collect();
    typo[3] = if typo[3] == '7' { '8' } else { '7' };
    let typo: String = typo.into_iter().collect();
    let refused = app.call("/api/public/verify", &[("serial", &typo)], None).await;
    assert_eq!(refused.field_names(), ["serial"]);
    let unknown = Serial::from_random([9; 10]);
    assert_eq!(
        app.call("/api/public/verify", &[("serial", unknown.as_str())], None).await.status,
        StatusCode::NOT_FOUND
    );
    let page = app.get(&format!("/verify/{serial}"), None).await;
    assert!(page.body.contains("有效：本平台签发，数字签名核验通过"), "{}", page.body);

    // Offline: the published keys and the printed data, no database.
    let published = app.get("/.well-known/xueshi-keys.json", None).await.json();
    let keys: Vec<PublicKey> = published["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| PublicKey {
            id: k["id"].as_str().unwrap().into(),
            public_key: k["public_key"].as_str().unwrap().into(),
        })
        .collect();
    let printed = row.data().unwrap();
    let qr = QrPayload {
        serial: printed.serial.clone(),
        key_id: row.key_id.clone(),
        signature: row.signature.clone(),
    }
    .url("https://xueshi.example");
    assert_eq!(verify_offline(&qr, &printed, &keys), Ok(()));
    let mut altered = printed.clone();
    altered.hours.total += 10;
    assert!(verify_offline(&qr, &altered, &keys).is_err());

    let pdf_path = format!("/certificates/{serial}.pdf");
    let zhang = app.login(TRAINEE_PHONE).await;
    let pdf = app.get(&pdf_path, Some(&zhang)).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
    assert!(pdf.bytes.starts_with(b"%PDF"));
    let unit_admin = app.login(UNIT_ADMIN_PHONE).await;
    assert_eq!(app.get(&pdf_path, Some(&unit_admin)).await.status, StatusCode::OK);
    assert_eq!(app.get(&pdf_path, None).await.status, StatusCode::UNAUTHORIZED);
    let li = app.login(OTHER_TRAINEE_PHONE).await;
    assert_eq!(app.get(&pdf_path, Some(&li)).await.status, StatusCode::NOT_FOUND);
    let other_admin = other_unit_admin(app).await;
    assert_eq!(app.get(&pdf_path, Some(&other_admin)).await.status, StatusCode::NOT_FOUND);

    // Revocation: the authority only, with a reason, once.
    let revoke = |cookie: String, reason: &'static str| {
        let serial = serial.clone();
        async move {
            app.call(
                "/api/admin/certificates/revoke",
                &[("serial", &serial), ("reason", reason)],
                Some(&cookie),
            )
            .await
        }
    };
    assert_eq!(revoke(li.clone(), "无理由").await.status, StatusCode::FORBIDDEN);
    let authority = app.login(AUTHORITY_PHONE).await;
    assert_eq!(revoke(authority.clone(), " ").await.field_names(), ["reason"]);
    let done = revoke(authority.clone(), "学时记录经核查不实").await;
    assert!(redirect_of(&done).contains("revoked=1"), "{}", done.body);
    assert_eq!(revoke(authority.clone(), "再次撤销").await.status, StatusCode::CONFLICT);
    let after = app.call("/api/public/verify", &[("serial", &serial)], None).await.json();
    assert!(after["certificate"]["revoked_at"].is_i64(), "{after}");
    assert_eq!(after["certificate"]["revoke_reason"], "学时记录经核查不实");
    let page = app.get(&format!("/verify/{serial}"), None).await;
    assert!(page.body.contains("已撤销"), "{}", page.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE title = '证书撤销'").await,
        1,
        "the holder is told once"
    );
    // Not issued again by the rule: the holder sees it revoked.
    let mine = app.call("/api/me/certificates", &[], Some(&zhang)).await.json();
    let yearly: Vec<_> = mine.as_array().unwrap().iter().filter(|c| c["kind"] == "yearly").collect();
    assert_eq!(yearly.len(), 1);
    assert!(yearly[0]["revoked_at"].is_i64());
    let found = app
        .call("/api/admin/certificates/person", &[("id_number", TRAINEE_ID_NUMBER)], Some(&authority))
        .await;
    assert_eq!(found.json()["certificates"].as_array().unwrap().len(), 1, "{}", found.body);
    assert_eq!(
        app.call("/api/admin/certificates/person", &[("id_number", TRAINEE_ID_NUMBER)], Some(&unit_admin))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// After a rotation the new key signs; the old one is retired, still published, and
/// what it signed still verifies.
async fn a_rotated_key_signs_from_then_on_and_the_old_one_still_verifies(app: &TestApp) {
    let zhang_id = user_id(app, TRAINEE_PHONE).await;
    let old = repo::of_holder(app.state.db.reader(), zhang_id).await.unwrap().remove(0);
    let new_id = keys::rotate(&app.state.db, now_ms()).await.unwrap();
    assert_ne!(new_id, old.key_id);
    assert_eq!(keys::signer(app.state.db.reader()).await.unwrap().id, new_id);
    let published = app.get("/.well-known/xueshi-keys.json", None).await.json();
    let listed = published["keys"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{published}");
    let retired = listed.iter().find(|k| k["id"] == old.key_id.as_str()).unwrap();
    assert!(retired["retired_on"].is_string(), "{published}");
    let verified = app.call("/api/public/verify", &[("serial", &old.serial)], None).await.json();
    assert_eq!(verified["signature_valid"], true);
}

/// 证书打印: the unit admin queues its staff; the job (not the request) issues what is
/// due and makes one PDF; someone not due is skipped; another unit can neither queue
/// our staff nor see our batch.
async fn a_unit_prints_its_staffs_certificates_in_the_background(app: &TestApp) {
    let last_year = (year_of(now_ms()) - 1).to_string();
    let admin = app.login(UNIT_ADMIN_PHONE).await;
    let list = app.call("/api/unit/certificates", &[("year", &last_year)], Some(&admin)).await.json();
    let staff = list["staff"].as_array().unwrap();
    let zhang = staff.iter().find(|s| s["name"] == "张三").unwrap();
    assert_eq!(zhang["met"], true, "{list}");
    assert!(zhang["serial"].is_string());
    let li = staff.iter().find(|s| s["name"] == "李四").unwrap();
    assert_eq!(li["met"], false);
    let (zhang_pick, li_pick) = (format!("pick_{}", zhang["user_id"]), format!("pick_{}", li["user_id"]));

    let queued = app
        .call(
            "/api/unit/certificates/print",
            &[("year", &last_year), (&zhang_pick, "1"), (&li_pick, "1")],
            Some(&admin),
        )
        .await;
    let location = redirect_of(&queued);
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let batch =
        app.call("/api/unit/certificates/batch", &[("id", &id.to_string())], Some(&admin)).await.json();
    assert_eq!(batch["status"], "queued", "the request does not render: {batch}");
    let page = app.get(&location, Some(&admin)).await;
    assert!(page.body.contains("http-equiv=\"refresh\""), "the page refreshes while it waits");

    let other_admin = other_unit_admin(app).await;
    let foreign = app
        .call("/api/unit/certificates/print", &[("year", &last_year), (&zhang_pick, "1")], Some(&other_admin))
        .await;
    assert_eq!(foreign.field_names(), ["user_ids"]);
    assert_eq!(
        app.call("/api/unit/certificates/batch", &[("id", &id.to_string())], Some(&other_admin)).await.status,
        StatusCode::NOT_FOUND
    );
    let nobody = app.call("/api/unit/certificates/print", &[("year", &last_year)], Some(&admin)).await;
    assert_eq!(nobody.field_names(), ["user_ids"]);

    let summary = batches::run(&app.state, now_ms()).await.unwrap();
    assert!(summary.contains("1 certificates"), "{summary}");
    let batch =
        app.call("/api/unit/certificates/batch", &[("id", &id.to_string())], Some(&admin)).await.json();
    assert_eq!(
        (batch["status"].as_str(), batch["done"].as_i64(), batch["printed"].as_i64()),
        (Some("ready"), Some(2), Some(1))
    );
    let file = batch["file_id"].as_str().unwrap();
    let pdf = app.get(&format!("/files/{file}"), Some(&admin)).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.bytes.starts_with(b"%PDF"));
    let li_cookie = app.login(OTHER_TRAINEE_PHONE).await;
    assert_ne!(app.get(&format!("/files/{file}"), Some(&li_cookie)).await.status, StatusCode::OK);
    assert!(app.get(&location, Some(&admin)).await.body.contains("已完成：共 1 份证书"));
    assert_eq!(batches::run(&app.state, now_ms()).await.unwrap(), "", "nothing left to make");

    // 打印全部达标人员证书: every member who met the year.
    let all =
        app.call("/api/unit/certificates/print", &[("year", &last_year), ("all", "1")], Some(&admin)).await;
    redirect_of(&all);
    batches::run(&app.state, now_ms()).await.unwrap();
    assert_eq!(app.count("SELECT printed FROM certificate_batches ORDER BY id DESC LIMIT 1").await, 1);
}

/// 培训证明: refused while the class is only paid, issued once when the registration is
/// 已完成 (eight requests at once), with the class's hours; never for someone else's class.
async fn a_training_certificate_is_issued_once_for_a_completed_class_only(app: &TestApp) {
    let (registration, out_trade_no, amount, trainee) = started_payment(app).await;
    let paid = signed_notify(app, &notice_body(&out_trade_no, amount)).await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
    assert_eq!(status_of(app, registration).await, "paid");
    let class_id: i64 = sqlx::query_scalar("SELECT class_id FROM registrations WHERE id = $1")
        .bind(registration)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    let form = [("class_id", class_id.to_string())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let early = app.call("/api/me/certificates/training", &form, Some(&trainee)).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM certificates WHERE kind = 'training'").await, 0);

    sqlx::query("UPDATE registrations SET status = 'completed' WHERE id = $1")
        .bind(registration)
        .execute(app.state.db.writer())
        .await
        .unwrap();
    let at_once = futures::future::join_all(
        (0..8).map(|_| app.call("/api/me/certificates/training", &form, Some(&trainee))),
    )
    .await;
    assert!(at_once.iter().all(|r| r.status == StatusCode::OK), "{}", at_once[0].body);
    assert_eq!(app.count("SELECT COUNT(*) FROM certificates WHERE kind = 'training'").await, 1);
    let certificate = at_once[0].json();
    assert_eq!(certificate["kind"], "training");
    let (public, professional, elective): (i64, i64, i64) =
        sqlx::query_as("SELECT hours_public, hours_professional, hours_elective FROM classes WHERE id = $1")
            .bind(class_id)
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
    assert_eq!(certificate["hours"]["total"], public + professional + elective, "{certificate}");
    let page = app.get(&format!("/me/certificates/class/{class_id}"), Some(&trainee)).await;
    assert!(page.body.contains("打印培训证明"), "{}", page.body);

    let li = app.login(OTHER_TRAINEE_PHONE).await;
    assert_eq!(
        app.call("/api/me/certificates/training", &form, Some(&li)).await.status,
        StatusCode::CONFLICT
    );
    let mine = app.call("/api/me/certificates", &[], Some(&trainee)).await.json();
    assert!(mine.as_array().unwrap().iter().any(|c| c["kind"] == "training"), "{mine}");
}
