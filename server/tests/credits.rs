//! 学时 on both engines: today's credit moved into the ledger without losing a row, one
//! thing credited once whatever runs at the same time, 学时完成情况 judged against the
//! requirement of the person's region, and requirements versioned by the authority of
//! that region only.

#![allow(clippy::unwrap_used)] // a failed setup step fails the test

mod common;
use app::{
    catalogue::domain::Category,
    credits::{
        domain::Source,
        server::repo::{self, Credited, NewEntry},
    },
    platform::{
        server::{
            db::Db,
            sheet::{Table, read_rows},
        },
        time::{now_ms, year_of},
    },
};
use axum::http::StatusCode;
use common::{enrol::*, *};
use std::borrow::Cow;

engine_tests!(
    one_thing_is_credited_once,
    hours_are_judged_against_the_regions_requirement,
    requirements_are_versioned_by_their_authority,
    the_unit_admin_sees_its_staff_against_the_requirement,
    a_declaration_is_saved_sent_reviewed_and_credited,
    bad_declarations_change_nothing,
    a_unit_reviews_only_what_its_own_staff_sent,
    the_unit_declares_hours_for_its_own_staff_only,
    a_unit_imports_hours_from_a_spreadsheet_whole_or_not_at_all,
    the_authority_reverses_adjusts_and_revokes_within_its_region,
    the_authority_edits_the_kinds_and_their_fields,
);

const AUTHORITY_PHONE: &str = "13800000002";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_moves_every_credit_row_sqlite() {
    the_migration_moves_every_credit_row(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_moves_every_credit_row_postgres() {
    the_migration_moves_every_credit_row(Engine::Postgres).await;
}

/// A database with credit in the old table, migrated: every row is in the ledger, a
/// course credited in two classes is reversed once (its history kept), and a row whose
/// source is unknown arrives as an import.
async fn the_migration_moves_every_credit_row(engine: Engine) {
    let empty = EmptyDatabase::create(engine).await;
    let db = Db::connect(&empty.url, 2).await.unwrap();
    let full = db.migrator();
    let mut before = db.migrator();
    before.migrations = Cow::Owned(full.migrations.iter().filter(|m| m.version < 19).cloned().collect());
    before.run(db.writer()).await.unwrap();
    for sql in [
        "INSERT INTO providers (id, name, created_at) VALUES (1, '机构', 0)",
        "INSERT INTO users (id, phone, name, password_hash, status, created_at, updated_at)
         VALUES (1, '13900000001', '甲', 'x', 'active', 0, 0), (2, '13900000002', '乙', 'x', 'active', 0, 0)",
        "INSERT INTO courses (id, provider_id, title, category, hours_tenths, description, quiz_count, quiz_points,
                              pass_score, created_by, created_at, updated_at)
         VALUES (1, 1, '公需课', 'public', 100, '', 5, 20, 60, 1, 0, 0),
                (2, 1, '专业课', 'professional', 200, '', 5, 20, 60, 1, 0, 0)",
        "INSERT INTO classes (id, provider_id, title, description, mode, year, hours_public, hours_professional,
                              hours_elective, fee_fen, capacity, opens_on, closes_on, region_code, needs_review,
                              needs_job_title, needs_photo, exam_subjects, exam_types, notice, state, created_by,
                              created_at, updated_at)
         VALUES (1, 1, '一班', '', 'online', 2025, 0, 0, 0, 0, 10, '2025-01-01', '2025-12-31', '', 0, 0, 0, '', '', '',
                 'published', 1, 0, 0),
                (2, 1, '二班', '', 'online', 2026, 0, 0, 0, 0, 10, '2026-01-01', '2026-12-31', '', 0, 0, 0, '', '', '',
                 'published', 1, 0, 0)",
        "INSERT INTO course_selections (id, user_id, class_id, course_id, confirmed_at, passed_at)
         VALUES (1, 2, 1, 1, 0, 1), (2, 2, 2, 1, 0, 2), (3, 2, 1, 2, 0, 3)",
        "INSERT INTO credit_hours (user_id, year, category, tenths, source_kind, source_id, title, created_at)
         VALUES (2, 2025, 'public', 100, 'course', 1, '公需课', 1),
                (2, 2026, 'public', 100, 'course', 2, '公需课', 2),
                (2, 2025, 'professional', 200, 'course', 3, '专业课', 3),
                (1, 2024, 'elective', 15, 'legacy', 7, '旧系统记录', 4)",
    ] {
        sqlx::query(sql).execute(db.writer()).await.unwrap();
    }

    full.run(db.writer()).await.unwrap();

    let pool = db.reader();
    let count =
        |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap() };
    assert_eq!(
        count("SELECT COUNT(*) FROM credit_ledger WHERE reverses_id IS NULL").await,
        4,
        "every row moved"
    );
    assert_eq!(count("SELECT COUNT(*) FROM credit_ledger WHERE reverses_id IS NOT NULL").await, 1);
    assert_eq!(count("SELECT CAST(SUM(tenths) AS BIGINT) FROM credit_ledger WHERE user_id = 2").await, 300);
    assert_eq!(count("SELECT COUNT(*) FROM credit_claims").await, 3);
    let reversed_year: i64 = sqlx::query_scalar(
        "SELECT o.year FROM credit_ledger r JOIN credit_ledger o ON o.id = r.reverses_id WHERE r.tenths < 0",
    )
    .fetch_one(db.reader())
    .await
    .unwrap();
    assert_eq!(reversed_year, 2026, "the later credit of the course is the one reversed");
    let legacy: (String, i64) =
        sqlx::query_as("SELECT source, source_id FROM credit_ledger WHERE user_id = 1")
            .fetch_one(db.reader())
            .await
            .unwrap();
    assert_eq!(legacy, ("import".to_owned(), 7));
    let sums = repo::sums(db.reader(), 2).await.unwrap();
    assert!(sums.iter().all(|(_, s)| s.source == Source::Course));
    assert!(
        sqlx::query("SELECT 1 FROM credit_hours").fetch_all(db.reader()).await.is_err(),
        "the old table is gone"
    );
    db.close().await;
    empty.remove().await;
}

fn course_entry(user_id: i64, course_id: i64, class_id: i64) -> NewEntry {
    NewEntry {
        user_id,
        year: year_of(now_ms()),
        category: Category::Public,
        tenths: 80,
        source: Source::Course,
        source_id: course_id,
        kind: String::new(),
        title: "测试课程".to_owned(),
        evidence: format!("/learn/class/{class_id}"),
        note: String::new(),
        approved_by: None,
        created_at: now_ms(),
    }
}

/// The same course passed in two classes counts once, also when both arrive at once.
async fn one_thing_is_credited_once(app: &TestApp) {
    let user = user_id(app, OTHER_TRAINEE_PHONE).await;
    let db = &app.state.db;
    let mut tx = db.begin().await.unwrap();
    let first = repo::credit(&mut tx, &course_entry(user, 9001, 1)).await.unwrap();
    tx.commit().await.unwrap();
    let Credited::Entered { ledger_id } = first else { panic!("first credit entered: {first:?}") };
    let mut tx = db.begin().await.unwrap();
    let again = repo::credit(&mut tx, &course_entry(user, 9001, 2)).await.unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(again, Credited::AlreadyHeld { ledger_id: held, .. } if held == ledger_id), "{again:?}");

    let at_once = futures::future::join_all((0..8).map(|i| async move {
        let mut tx = db.begin().await.unwrap();
        let outcome = repo::credit(&mut tx, &course_entry(user, 9002, i)).await.unwrap();
        tx.commit().await.unwrap();
        outcome
    }))
    .await;
    assert_eq!(at_once.iter().filter(|o| matches!(o, Credited::Entered { .. })).count(), 1, "{at_once:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM credit_ledger WHERE source = 'course' AND source_id IN (9001, 9002)")
            .await,
        2
    );
}

/// 张三 met last year's requirement of Sichuan (the demo unit's province) in every
/// category; 李四 did not, and is told what is missing. A new ledger row shows at once.
async fn hours_are_judged_against_the_regions_requirement(app: &TestApp) {
    let last_year = year_of(now_ms()) - 1;
    let zhang = app.login(TRAINEE_PHONE).await;
    let overview = app.call("/api/me/hours", &[], Some(&zhang)).await;
    assert_eq!(overview.status, StatusCode::OK, "{}", overview.body);
    let overview = overview.json();
    let last = overview["years"].as_array().unwrap().iter().find(|y| y["year"] == last_year).unwrap().clone();
    assert_eq!(last["met"], true, "{last}");
    assert_eq!(last["earned"], 940);

    let li = app.login(OTHER_TRAINEE_PHONE).await;
    let page = app.get("/me/hours", Some(&li)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("学时完成情况"));
    assert!(page.body.contains(&format!("{last_year}年度")));
    assert!(page.body.contains("公需还差 6 学时，专业还差 20 学时，总学时还差 26 学时"), "{}", page.body);
    assert!(page.body.contains("<svg"), "the chart is drawn on the server");

    let detail = app.get(&format!("/me/hours/{last_year}"), Some(&li)).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("水利工程建设质量管理专题研修"));
    assert!(detail.body.contains("历史导入"));

    // Another 20 专业 and 6 公需: met at once, no batch.
    let user = user_id(app, OTHER_TRAINEE_PHONE).await;
    let mut tx = app.state.db.begin().await.unwrap();
    for (category, tenths, id) in [(Category::Professional, 200, 1), (Category::Public, 60, 2)] {
        let entry = NewEntry {
            year: last_year,
            category,
            tenths,
            source: Source::Adjustment,
            source_id: id,
            note: "补录".to_owned(),
            ..course_entry(user, 0, 0)
        };
        repo::credit(&mut tx, &entry).await.unwrap();
    }
    tx.commit().await.unwrap();
    let overview = app.call("/api/me/hours", &[], Some(&li)).await.json();
    let last = overview["years"].as_array().unwrap().iter().find(|y| y["year"] == last_year).unwrap().clone();
    assert_eq!(last["met"], true, "{last}");

    // Someone else's year is not reachable: the caller's own ledger only.
    let outsider = app.call("/api/me/hours/year", &[("year", "1900")], Some(&zhang)).await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND);
    assert_eq!(app.call("/api/me/hours", &[], None).await.status, StatusCode::UNAUTHORIZED);
}

/// A save is a new version, in force at once; bad input changes nothing; only an
/// authority (for its region) or the platform admin (everywhere) may save.
async fn requirements_are_versioned_by_their_authority(app: &TestApp) {
    let this_year = year_of(now_ms()).to_string();
    let authority = app.login(AUTHORITY_PHONE).await;
    let form = |total: &'static str, public: &'static str| {
        vec![
            ("year", this_year.clone()),
            ("total", total.to_owned()),
            ("public", public.to_owned()),
            ("professional", String::new()),
            ("elective", String::new()),
            ("professional_two_thirds", "on".to_owned()),
        ]
    };
    let call = |cookie: String, fields: Vec<(&'static str, String)>| async move {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.call("/api/admin/credit-requirements/save", &pairs, Some(&cookie)).await
    };
    let versions = "SELECT COUNT(*) FROM credit_requirements";
    let before = app.count(versions).await;
    let bad = call(authority.clone(), form("20", "30")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.field_names(), ["total"]);
    assert!(bad.body.contains("总学时不能少于各类别最低学时之和"));
    let odd = call(authority.clone(), form("９０", "")).await;
    assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count(versions).await, before, "refused input stores nothing");

    let trainee = app.login(TRAINEE_PHONE).await;
    assert_eq!(call(trainee.clone(), form("120", "40")).await.status, StatusCode::FORBIDDEN);

    let mut with_cap = form("120", "40");
    with_cap.push(("cap_conference", "10".to_owned()));
    let saved = call(authority.clone(), with_cap).await;
    assert!(saved.status.is_success() || saved.status.is_redirection(), "{}", saved.body);
    assert_eq!(app.count(versions).await, before + 1);
    let version: i64 = sqlx::query_scalar(
        "SELECT MAX(version) FROM credit_requirements WHERE region_code = '510000' AND year = $1",
    )
    .bind(year_of(now_ms()))
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    assert_eq!(version, 2, "the seed's version 1 stays as it was");
    let overview = app.call("/api/me/hours", &[], Some(&trainee)).await.json();
    assert_eq!(overview["years"][0]["required"], 1200, "in force at once: {}", overview["years"][0]);
    assert_eq!(overview["years"][0]["categories"][0]["required"], 400);

    // The platform admin's requirement applies everywhere no region has one; a
    // province's own wins where it has one.
    let admin = app.login(ADMIN_PHONE).await;
    let saved = call(admin.clone(), form("60", "20")).await;
    assert!(saved.status.is_success() || saved.status.is_redirection(), "{}", saved.body);
    let overview = app.call("/api/me/hours", &[], Some(&trainee)).await.json();
    assert_eq!(overview["years"][0]["required"], 1200);
    let list = app.call("/api/admin/credit-requirements", &[], Some(&authority)).await.json();
    assert!(list["lines"].as_array().unwrap().iter().all(|l| l["region_code"] == "510000"), "{list}");
    let newest = &list["lines"][0]["requirement"];
    assert_eq!(newest["version"], 2, "{newest}");
    assert!(
        newest["caps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "conference" && c["label"] == "学术会议" && c["max"] == 100),
        "a cap per 继续教育类型: {newest}"
    );
    let list = app.call("/api/admin/credit-requirements", &[], Some(&admin)).await.json();
    assert!(list["lines"].as_array().unwrap().iter().any(|l| l["region_code"] == ""), "{list}");
}

/// The unit admin's 学时完成情况: every approved member judged by the same evaluation,
/// the ones who have not met it counted and listed; only for the admin's own unit.
async fn the_unit_admin_sees_its_staff_against_the_requirement(app: &TestApp) {
    let last_year = (year_of(now_ms()) - 1).to_string();
    let admin = app.login(UNIT_ADMIN_PHONE).await;
    let all = app.call("/api/unit/hours", &[("year", &last_year)], Some(&admin)).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let all = all.json();
    let names: Vec<&str> =
        all["page"]["items"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"张三") && names.contains(&"李四"), "{names:?}");
    let zhang = all["page"]["items"].as_array().unwrap().iter().find(|l| l["name"] == "张三").unwrap();
    assert_eq!(zhang["completion"]["met"], true);
    assert_eq!(zhang["id_number"], "510101********4578", "masked");
    let unmet =
        app.call("/api/unit/hours", &[("year", &last_year), ("unmet", "1")], Some(&admin)).await.json();
    let items = unmet["page"]["items"].as_array().unwrap();
    assert_eq!(unmet["unmet"].as_i64().unwrap(), i64::try_from(items.len()).unwrap());
    assert!(items.iter().any(|l| l["name"] == "李四"));
    assert!(items.iter().all(|l| l["completion"]["met"] == false), "{unmet}");
    let page = app.get(&format!("/admin/unit/hours?year={last_year}&unmet=1"), Some(&admin)).await;
    assert!(page.body.contains("还需：公需还差 6 学时"), "{}", page.body);
    assert!(!page.body.contains("张三"));

    let trainee = app.login(TRAINEE_PHONE).await;
    assert_eq!(app.call("/api/unit/hours", &[], Some(&trainee)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.call("/api/unit/hours", &[("year", "2001")], Some(&admin)).await.status,
        StatusCode::NOT_FOUND
    );
}

fn declaration_parts<'a>(title: &'a str, remark: &'a str, year: &'a str, action: &'a str) -> Vec<Part<'a>> {
    vec![
        Part::Text("type", "conference"),
        Part::Text("f_name", title),
        Part::Text("f_organizer", "四川省水利学会"),
        Part::Text("f_date", "2026-05-20"),
        Part::Text("f_role", "参会"),
        Part::Text("year", year),
        Part::Text("category", "professional"),
        Part::Text("hours", "6"),
        Part::Text("remark", remark),
        Part::Text("action", action),
        Part::File {
            name: "attachments",
            filename: "参会证明.pdf",
            content_type: "application/pdf",
            bytes: PDF,
        },
    ]
}

fn id_in(redirect: &str) -> i64 {
    let rest = redirect.trim_start_matches("/me/records/");
    rest.split('?').next().unwrap().parse().unwrap()
}

/// 保存 keeps a draft; 确认送审 sends it to the trainee's unit; the unit's 通过 (with
/// fewer hours than claimed) enters the ledger, tells the trainee, and cannot happen
/// twice; the same record declared again is refused by name.
async fn a_declaration_is_saved_sent_reviewed_and_credited(app: &TestApp) {
    let this_year = year_of(now_ms()).to_string();
    let li = app.login(OTHER_TRAINEE_PHONE).await;
    let saved = app
        .upload(
            "/api/me/records/upload",
            &declaration_parts("水利青年论坛", "", &this_year, "save"),
            Some(&li),
        )
        .await;
    let id = id_in(&redirect_of(&saved));
    let status = |id: i64| async move {
        sqlx::query_scalar::<_, String>("SELECT status FROM declarations WHERE id = $1")
            .bind(id)
            .fetch_one(app.state.db.reader())
            .await
            .unwrap()
    };
    assert_eq!(status(id).await, "draft");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM declaration_files WHERE declaration_id = {id}")).await,
        1
    );
    let detail = app.call("/api/me/records/one", &[("id", &id.to_string())], Some(&li)).await.json();
    assert_eq!(detail["fields"][0]["value"], "水利青年论坛");
    let attachment = detail["attachments"][0]["href"].as_str().unwrap().to_owned();
    // Not yet the unit's to see: a draft.
    let admin = app.login(UNIT_ADMIN_PHONE).await;
    assert_eq!(
        app.call("/api/unit/records/one", &[("id", &id.to_string())], Some(&admin)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&attachment, Some(&admin)).await.status, StatusCode::NOT_FOUND, "hidden, not refused");

    let sent = app.call("/api/me/records/send", &[("id", &id.to_string())], Some(&li)).await;
    assert!(redirect_of(&sent).ends_with("?sent=1"));
    assert_eq!(status(id).await, "pending");
    assert_eq!(
        app.call("/api/me/records/send", &[("id", &id.to_string())], Some(&li)).await.status,
        StatusCode::CONFLICT
    );
    // A pending record no longer changes.
    let mut change = declaration_parts("水利青年论坛", "", &this_year, "save");
    change.push(Part::Text("id", Box::leak(id.to_string().into_boxed_str())));
    assert_eq!(app.upload("/api/me/records/upload", &change, Some(&li)).await.status, StatusCode::CONFLICT);

    let queue = app.call("/api/unit/records", &[], Some(&admin)).await.json();
    assert!(queue["page"]["items"].as_array().unwrap().iter().any(|l| l["id"] == id), "{queue}");
    assert_eq!(
        app.get(&attachment, Some(&admin)).await.status,
        StatusCode::OK,
        "the unit reads the evidence"
    );
    let too_many = app
        .call(
            "/api/unit/records/review",
            &[("id", &id.to_string()), ("decision", "approve"), ("granted", "7")],
            Some(&admin),
        )
        .await;
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(status(id).await, "pending", "a refused review changes nothing");
    let approved = app
        .call(
            "/api/unit/records/review",
            &[
                ("id", &id.to_string()),
                ("decision", "approve"),
                ("granted", "5"),
                ("note", "按实际参会天数核定"),
            ],
            Some(&admin),
        )
        .await;
    assert!(approved.status.is_success() || approved.status.is_redirection(), "{}", approved.body);
    assert_eq!(status(id).await, "approved");
    let again = app
        .call("/api/unit/records/review", &[("id", &id.to_string()), ("decision", "approve")], Some(&admin))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let credited: (i64, String, String) = sqlx::query_as(
        "SELECT tenths, category, kind FROM credit_ledger WHERE source = 'declaration' AND source_id = $1",
    )
    .bind(id)
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    assert_eq!(credited, (50, "professional".to_owned(), "conference".to_owned()));
    let overview = app.call("/api/me/hours", &[], Some(&li)).await.json();
    assert_eq!(overview["years"][0]["categories"][1]["earned"], 50, "{}", overview["years"][0]);
    assert!(app.last_message(OTHER_TRAINEE_PHONE).await.unwrap().contains("审核通过"));

    // The same meeting again: refused, naming the record that holds it.
    let twice = app
        .upload(
            "/api/me/records/upload",
            &declaration_parts("水利青年论坛", "", &this_year, "send"),
            Some(&li),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    assert!(twice.body.contains("《水利青年论坛》已计入"), "{}", twice.body);
    let records = app.call("/api/me/records", &[("source", "declaration")], Some(&li)).await.json();
    assert!(records["lines"].as_array().unwrap().iter().all(|l| l["source_code"] == "declaration"));
    let credited_only = app.call("/api/me/records", &[("status", "credited")], Some(&li)).await.json();
    assert!(credited_only["lines"].as_array().unwrap().iter().all(|l| l["declaration_id"].is_null()));

    // Refused with a reason; changed and sent again.
    let second = app
        .upload(
            "/api/me/records/upload",
            &declaration_parts("水利科普讲座", "", &this_year, "send"),
            Some(&li),
        )
        .await;
    let second = id_in(&redirect_of(&second));
    assert_eq!(status(second).await, "pending");
    let no_reason = app
        .call(
            "/api/unit/records/review",
            &[("id", &second.to_string()), ("decision", "reject")],
            Some(&admin),
        )
        .await;
    assert_eq!(no_reason.field_names(), ["note"]);
    app.call(
        "/api/unit/records/review",
        &[("id", &second.to_string()), ("decision", "reject"), ("note", "缺少参会证明")],
        Some(&admin),
    )
    .await;
    assert_eq!(status(second).await, "rejected");
    let detail = app.call("/api/me/records/one", &[("id", &second.to_string())], Some(&li)).await.json();
    assert_eq!(detail["review_note"], "缺少参会证明");
    let mut resend = declaration_parts("水利科普讲座", "补充证明", &this_year, "send");
    resend.push(Part::Text("id", Box::leak(second.to_string().into_boxed_str())));
    let resent = app.upload("/api/me/records/upload", &resend, Some(&li)).await;
    assert!(redirect_of(&resent).ends_with("?sent=1"));
    assert_eq!(status(second).await, "pending");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM declaration_files WHERE declaration_id = {second}")).await,
        2
    );
}

/// A 1,001-character 备注, a wrong year, a text file posing as a PDF: each refused with
/// its field's message, nothing stored; a trainee without a unit may save, not send.
async fn bad_declarations_change_nothing(app: &TestApp) {
    let this_year = year_of(now_ms()).to_string();
    let li = app.login(OTHER_TRAINEE_PHONE).await;
    let before = app.count("SELECT COUNT(*) FROM declarations").await;
    let files_before = app.count("SELECT COUNT(*) FROM files").await;
    let long = "字".repeat(1001);
    let refused = app
        .upload("/api/me/records/upload", &declaration_parts("长备注", &long, &this_year, "save"), Some(&li))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.field_names(), ["remark"]);
    assert!(refused.body.contains("备注不能超过 1000 字"));
    let fine = "字".repeat(1000);
    let saved = app
        .upload("/api/me/records/upload", &declaration_parts("长备注", &fine, &this_year, "save"), Some(&li))
        .await;
    assert!(redirect_of(&saved).contains("?saved=1"));
    let old = (year_of(now_ms()) - 3).to_string();
    let refused =
        app.upload("/api/me/records/upload", &declaration_parts("旧会议", "", &old, "save"), Some(&li)).await;
    assert_eq!(refused.field_names(), ["year"]);
    let mut fake = declaration_parts("假附件", "", &this_year, "save");
    fake.pop();
    fake.push(Part::File {
        name: "attachments",
        filename: "证明.pdf",
        content_type: "application/pdf",
        bytes: b"just text",
    });
    let refused = app.upload("/api/me/records/upload", &fake, Some(&li)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(refused.field_names(), ["attachments"]);
    let mut unknown = declaration_parts("未知类型", "", &this_year, "save");
    unknown[0] = Part::Text("type", "séance");
    assert_eq!(app.upload("/api/me/records/upload", &unknown, Some(&li)).await.field_names(), ["type"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM declarations").await, before + 1, "only the valid one");
    assert_eq!(app.count("SELECT COUNT(*) FROM files").await, files_before + 1);

    // Someone without a unit: saved, never sent.
    app.register_quick("13900001234", "Quiet Harbour 2031").await;
    let loner = app.login_with("13900001234", "Quiet Harbour 2031").await;
    let refused = app
        .upload(
            "/api/me/records/upload",
            &declaration_parts("独立会议", "", &this_year, "send"),
            Some(&loner),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("还没有加入工作单位"), "{}", refused.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM declarations").await,
        before + 1,
        "the send failed, so nothing was kept"
    );
    // Another trainee's record answers like one that does not exist.
    let mine = id_in(&redirect_of(&saved));
    assert_eq!(
        app.call("/api/me/records/one", &[("id", &mine.to_string())], Some(&loner)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call("/api/me/records/delete", &[("id", &mine.to_string())], Some(&loner)).await.status,
        StatusCode::CONFLICT
    );
    let deleted = app.call("/api/me/records/delete", &[("id", &mine.to_string())], Some(&li)).await;
    assert!(redirect_of(&deleted).contains("deleted=1"));
    assert_eq!(app.count("SELECT COUNT(*) FROM declarations").await, before);
}

/// An admin of another unit: the demo unit's queue is empty to them, its records not
/// found, and their review refused.
async fn a_unit_reviews_only_what_its_own_staff_sent(app: &TestApp) {
    let pending: i64 = sqlx::query_scalar("SELECT id FROM declarations WHERE status = 'pending' LIMIT 1")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    let other_admin = other_unit_admin(app).await;
    let queue = app.call("/api/unit/records", &[("status", "all")], Some(&other_admin)).await.json();
    assert_eq!(queue["page"]["total"], 0, "{queue}");
    assert_eq!(
        app.call("/api/unit/records/one", &[("id", &pending.to_string())], Some(&other_admin)).await.status,
        StatusCode::NOT_FOUND
    );
    let review = app
        .call(
            "/api/unit/records/review",
            &[("id", &pending.to_string()), ("decision", "approve")],
            Some(&other_admin),
        )
        .await;
    assert_eq!(review.status, StatusCode::CONFLICT);
    let batch =
        app.call("/api/unit/records/approve", &[(&format!("pick_{pending}"), "1")], Some(&other_admin)).await;
    assert!(redirect_of(&batch).contains("approved=0"));
    assert_eq!(app.count("SELECT COUNT(*) FROM credit_ledger WHERE source = 'declaration'").await, 0);
    // The demo unit's own admin approves it in a batch.
    let admin = app.login(UNIT_ADMIN_PHONE).await;
    let batch =
        app.call("/api/unit/records/approve", &[(&format!("pick_{pending}"), "1")], Some(&admin)).await;
    assert!(redirect_of(&batch).contains("approved=1"), "{}", batch.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM credit_ledger WHERE source = 'declaration'").await, 1);
    // The unit admin is staff too, yet cannot approve their own record.
    let this_year = year_of(now_ms()).to_string();
    let own = app
        .upload(
            "/api/me/records/upload",
            &declaration_parts("管理员本人的会议", "", &this_year, "send"),
            Some(&admin),
        )
        .await;
    let own = id_in(&redirect_of(&own));
    let refused = app
        .call("/api/unit/records/review", &[("id", &own.to_string()), ("decision", "approve")], Some(&admin))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("不能审核本人的申报"), "{}", refused.body);
    let batch = app.call("/api/unit/records/approve", &[(&format!("pick_{own}"), "1")], Some(&admin)).await;
    assert!(redirect_of(&batch).contains("approved=0"), "{}", batch.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM credit_ledger WHERE source = 'declaration'").await, 1);

    // A trainee is no unit admin.
    let trainee = app.login(TRAINEE_PHONE).await;
    assert_eq!(app.call("/api/unit/records", &[], Some(&trainee)).await.status, StatusCode::FORBIDDEN);
}

/// 其它继续教育形式申报: counted at once for the chosen staff; someone of another unit
/// refuses the whole declaration.
async fn the_unit_declares_hours_for_its_own_staff_only(app: &TestApp) {
    let this_year = year_of(now_ms()).to_string();
    let admin = app.login(UNIT_ADMIN_PHONE).await;
    let zhang = user_id(app, TRAINEE_PHONE).await;
    let form = app.call("/api/unit/declare/form", &[("category", "public")], Some(&admin)).await.json();
    assert!(form["staff"].as_array().unwrap().iter().any(|s| s["id"] == zhang));
    let found = app
        .call("/api/unit/declare/form", &[("category", "public"), ("search", "张三")], Some(&admin))
        .await
        .json();
    assert_eq!(found["staff"].as_array().unwrap().len(), 1, "{found}");
    let by_number = app
        .call(
            "/api/unit/declare/form",
            &[("category", "public"), ("search", TRAINEE_ID_NUMBER)],
            Some(&admin),
        )
        .await
        .json();
    assert_eq!(by_number["staff"][0]["id"], zhang);
    let department = form["departments"][0][0].as_str().unwrap().to_owned();
    let nobody = app
        .call("/api/unit/declare/form", &[("category", "public"), ("department", &department)], Some(&admin))
        .await
        .json();
    assert_eq!(nobody["staff"].as_array().unwrap().len(), 0, "no demo staff has a department yet");
    assert_eq!(
        app.call("/api/unit/declare/form", &[("category", "elective")], Some(&admin)).await.status,
        StatusCode::NOT_FOUND
    );
    let pick = format!("pick_{zhang}");
    let missing =
        app.call("/api/unit/declare", &[("category", "public"), ("year", &this_year)], Some(&admin)).await;
    assert_eq!(missing.field_names(), ["title", "hours", "user_ids"]);
    let declared = app
        .call(
            "/api/unit/declare",
            &[
                ("category", "public"),
                ("year", &this_year),
                ("title", "单位安全生产培训"),
                ("hours", "3"),
                (&pick, "1"),
            ],
            Some(&admin),
        )
        .await;
    assert!(redirect_of(&declared).contains("declared=1"), "{}", declared.body);
    let zhang_cookie = app.login(TRAINEE_PHONE).await;
    let overview = app.call("/api/me/hours", &[], Some(&zhang_cookie)).await.json();
    assert_eq!(overview["years"][0]["categories"][0]["earned"], 30);

    let other_admin = other_unit_admin(app).await;
    let foreign = app
        .call(
            "/api/unit/declare",
            &[
                ("category", "public"),
                ("year", &this_year),
                ("title", "外单位"),
                ("hours", "3"),
                (&pick, "1"),
            ],
            Some(&other_admin),
        )
        .await;
    assert_eq!(foreign.field_names(), ["user_ids"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM unit_declarations").await, 1, "the refused one left nothing");
}

fn hours_file(rows: &[[&str; 4]]) -> Vec<u8> {
    Table {
        header: ["身份证号", "姓名", "学时", "培训内容"].map(str::to_owned).to_vec(),
        rows: rows.iter().map(|r| r.map(str::to_owned).to_vec()).collect(),
        text_columns: vec![0],
    }
    .to_xlsx()
    .unwrap()
}

async fn import_hours(
    app: &TestApp,
    cookie: &str,
    category: &str,
    filename: &str,
    bytes: &[u8],
) -> TestResponse {
    let year = year_of(now_ms()).to_string();
    let content_type = if filename.ends_with(".csv") { "text/csv" } else { "application/octet-stream" };
    app.upload(
        "/api/unit/declare/import/upload",
        &[
            Part::Text("category", category),
            Part::Text("year", &year),
            Part::File { name: "file", filename, content_type, bytes },
        ],
        Some(cookie),
    )
    .await
}

/// 表格导入: every problem of a file named by its line and nothing stored; a good file
/// (Excel or CSV) credits each person their own hours at once; another unit's file
/// naming our staff is refused. The template and the export download as Excel.
async fn a_unit_imports_hours_from_a_spreadsheet_whole_or_not_at_all(app: &TestApp) {
    let admin = app.login(UNIT_ADMIN_PHONE).await;
    let stranger = "110101199003074477";
    let bad = hours_file(&[
        [TRAINEE_ID_NUMBER, "张三", "0", "讲座"],
        [stranger, "", "2", "讲座"],
        [TRAINEE_ID_NUMBER, "李四", "2", "讲座"],
    ]);
    let refused = import_hours(app, &admin, "public", "hours.xlsx", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = refused.json()["fields"][0]["message"].as_str().unwrap().to_owned();
    assert!(message.starts_with("文件未导入：第 2 行：学时：请填写学时"), "{message}");
    let mismatch = hours_file(&[[stranger, "", "2", "讲座"], [TRAINEE_ID_NUMBER, "李四", "2", "讲座"]]);
    let message =
        import_hours(app, &admin, "public", "hours.xlsx", &mismatch).await.json()["fields"][0]["message"]
            .as_str()
            .unwrap()
            .to_owned();
    assert!(message.contains("第 2 行：110101********4477 不是本单位审核通过的人员"), "{message}");
    assert!(message.contains("第 3 行：姓名与身份证号不符"), "{message}");
    assert_eq!(
        import_hours(app, &admin, "elective", "hours.xlsx", &mismatch).await.status,
        StatusCode::NOT_FOUND,
        "a unit declares 公需 or 专业 only"
    );
    assert_eq!(
        import_hours(app, &admin, "public", "hours.xlsx", b"PK\x03\x04not a zip").await.field_names(),
        ["file"]
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM unit_declarations").await, 0, "nothing refused was stored");

    let good = hours_file(&[[TRAINEE_ID_NUMBER, "张三", "4", "单位继续教育讲座"]]);
    let imported = import_hours(app, &admin, "public", "/tmp/2026年讲座.xlsx", &good).await;
    assert!(redirect_of(&imported).contains("declared=1"), "{}", imported.body);
    let csv = format!("身份证号,姓名,学时,培训内容\n{TRAINEE_ID_NUMBER},,1.5,专业技术讲座\n");
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
    let imported = import_hours(app, &admin, "professional", "hours.csv", &gbk).await;
    assert!(redirect_of(&imported).contains("declared=1"), "{}", imported.body);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM unit_declarations WHERE file_name = '2026年讲座.xlsx' AND tenths = 40"
        )
        .await,
        1
    );
    let zhang = app.login(TRAINEE_PHONE).await;
    let year = app
        .call("/api/me/hours/year", &[("year", &year_of(now_ms()).to_string())], Some(&zhang))
        .await
        .json();
    let titles: Vec<&str> =
        year["rows"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"单位继续教育讲座") && titles.contains(&"专业技术讲座"), "{titles:?}");

    let other_admin = other_unit_admin(app).await;
    let foreign = import_hours(app, &other_admin, "public", "hours.xlsx", &good).await;
    assert!(foreign.json()["fields"][0]["message"].as_str().unwrap().contains("不是本单位审核通过的人员"));
    assert_eq!(app.count("SELECT COUNT(*) FROM unit_declarations").await, 2);

    let template = app.get("/exports/unit-hours-template.xlsx", Some(&admin)).await;
    assert_eq!(template.status, StatusCode::OK);
    assert_eq!(read_rows(&template.bytes, 10).unwrap()[0].cells, ["身份证号", "姓名", "学时", "培训内容"]);
    assert_eq!(app.get("/exports/unit-hours-template.xlsx", None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get("/exports/unit-hours-template.xlsx", Some(&zhang)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get("/exports/unit-hours-template.csv", Some(&admin)).await.status, StatusCode::NOT_FOUND);
    let export = app.get("/exports/unit-hours.xlsx", Some(&admin)).await;
    let rows = read_rows(&export.bytes, 100).unwrap();
    let zhang_row = rows.iter().find(|r| r.cell(0) == "张三").unwrap();
    assert_eq!((zhang_row.cell(3), zhang_row.cell(4)), ("4", "1.5"), "{zhang_row:?}");
}

/// 学时管理 and 单位申报学时: the authority corrects by a reversing row plus an
/// adjustment (nothing edited in place), revokes a unit's declaration once, and sees
/// no one outside its region.
async fn the_authority_reverses_adjusts_and_revokes_within_its_region(app: &TestApp) {
    let this_year = year_of(now_ms());
    let last_year = (this_year - 1).to_string();
    let authority = app.login(AUTHORITY_PHONE).await;
    let person = app
        .call(
            "/api/admin/credits/person",
            &[("id_number", TRAINEE_ID_NUMBER), ("year", &last_year)],
            Some(&authority),
        )
        .await;
    assert_eq!(person.status, StatusCode::OK, "{}", person.body);
    let person = person.json();
    assert_eq!(person["rows"].as_array().unwrap().len(), 3);
    let row =
        person["rows"].as_array().unwrap().iter().find(|r| r["title"] == "水工建筑物安全监测技术").unwrap();
    let row_id = row["id"].as_i64().unwrap().to_string();
    let rows_before = app.count("SELECT COUNT(*) FROM credit_ledger").await;

    let no_reason = app
        .call(
            "/api/admin/credits/reverse",
            &[
                ("id_number", TRAINEE_ID_NUMBER),
                ("year", &last_year),
                ("ledger_id", &row_id),
                ("reason", " "),
            ],
            Some(&authority),
        )
        .await;
    assert_eq!(no_reason.field_names(), ["reason"]);
    let reverse = [
        ("id_number", TRAINEE_ID_NUMBER),
        ("year", last_year.as_str()),
        ("ledger_id", row_id.as_str()),
        ("reason", "重复登记"),
    ];
    let reversed = app.call("/api/admin/credits/reverse", &reverse, Some(&authority)).await;
    assert!(redirect_of(&reversed).contains("reversed=1"), "{}", reversed.body);
    assert_eq!(
        app.call("/api/admin/credits/reverse", &reverse, Some(&authority)).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM credit_ledger").await,
        rows_before + 1,
        "one reversing row, nothing edited"
    );
    let zhang = app.login(TRAINEE_PHONE).await;
    let overview = app.call("/api/me/hours", &[], Some(&zhang)).await.json();
    let last =
        overview["years"].as_array().unwrap().iter().find(|y| y["year"] == this_year - 1).unwrap().clone();
    assert_eq!(last["earned"], 780);
    assert_eq!(last["met"], false, "16 专业 taken back: 48 < 60");
    assert!(app.last_message(TRAINEE_PHONE).await.unwrap().contains("冲销"));

    let adjusted = app
        .call(
            "/api/admin/credits/adjust",
            &[
                ("id_number", TRAINEE_ID_NUMBER),
                ("year", &last_year),
                ("category", "professional"),
                ("hours", "12"),
                ("reason", "补录专题研修"),
            ],
            Some(&authority),
        )
        .await;
    assert!(redirect_of(&adjusted).contains("adjusted=1"), "{}", adjusted.body);
    let overview = app.call("/api/me/hours", &[], Some(&zhang)).await.json();
    let last =
        overview["years"].as_array().unwrap().iter().find(|y| y["year"] == this_year - 1).unwrap().clone();
    assert_eq!(last["met"], true, "{last}");
    let ten_years_ago = (this_year - 10).to_string();
    let too_old = app
        .call(
            "/api/admin/credits/adjust",
            &[
                ("id_number", TRAINEE_ID_NUMBER),
                ("year", &ten_years_ago),
                ("category", "public"),
                ("hours", "1"),
                ("reason", "x"),
            ],
            Some(&authority),
        )
        .await;
    assert_eq!(too_old.field_names(), ["year"]);

    // A unit's declaration, revoked once: every row it credited reversed.
    let admin = app.login(UNIT_ADMIN_PHONE).await;
    let (zhang_id, li_id) = (user_id(app, TRAINEE_PHONE).await, user_id(app, OTHER_TRAINEE_PHONE).await);
    let (pick_zhang, pick_li) = (format!("pick_{zhang_id}"), format!("pick_{li_id}"));
    let this_year_text = this_year.to_string();
    app.call(
        "/api/unit/declare",
        &[
            ("category", "professional"),
            ("year", &this_year_text),
            ("title", "单位技术交流"),
            ("hours", "2"),
            (&pick_zhang, "1"),
            (&pick_li, "1"),
        ],
        Some(&admin),
    )
    .await;
    let list = app.call("/api/admin/unit-declarations", &[], Some(&authority)).await.json();
    let declaration = list["items"][0]["id"].as_i64().unwrap().to_string();
    assert_eq!(list["items"][0]["people"], 2);
    let revoked = app
        .call(
            "/api/admin/unit-declarations/revoke",
            &[("id", &declaration), ("reason", "培训未实际开展")],
            Some(&authority),
        )
        .await;
    assert!(redirect_of(&revoked).contains("revoked=2"), "{}", revoked.body);
    let again = app
        .call(
            "/api/admin/unit-declarations/revoke",
            &[("id", &declaration), ("reason", "再次")],
            Some(&authority),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        app.count("SELECT CAST(SUM(tenths) AS BIGINT) FROM credit_ledger WHERE source = 'unit_declared'")
            .await,
        0,
        "every credited row reversed"
    );

    // Outside the region: another province's authority finds no one and revokes nothing.
    sqlx::query("UPDATE user_roles SET scope_id = 110000 WHERE role = 'authority'")
        .execute(app.state.db.writer())
        .await
        .unwrap();
    let elsewhere = app.login(AUTHORITY_PHONE).await;
    let hidden =
        app.call("/api/admin/credits/person", &[("id_number", TRAINEE_ID_NUMBER)], Some(&elsewhere)).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(app.call("/api/admin/unit-declarations", &[], Some(&elsewhere)).await.json()["total"], 0);
    assert_eq!(
        app.call("/api/admin/credits/person", &[("id_number", TRAINEE_ID_NUMBER)], Some(&zhang)).await.status,
        StatusCode::FORBIDDEN
    );
}

/// 继续教育类型 are data: a field the authority adds shows in the 申报 form at once and
/// is checked by its kind; a broken kind is refused and changes nothing.
async fn the_authority_edits_the_kinds_and_their_fields(app: &TestApp) {
    let authority = app.login(AUTHORITY_PHONE).await;
    let kinds = app.call("/api/admin/declaration-types", &[], Some(&authority)).await.json();
    let conference = kinds.as_array().unwrap().iter().find(|k| k["kind"]["code"] == "conference").unwrap();
    let mut pairs: Vec<(String, String)> = vec![
        ("code".into(), "conference".into()),
        ("name".into(), "学术会议".into()),
        ("per_item".into(), "".into()),
        ("active".into(), "on".into()),
    ];
    let existing = conference["kind"]["fields"].as_array().unwrap();
    for (i, field) in existing.iter().enumerate() {
        for (what, value) in [
            ("key", field["key"].as_str().unwrap().to_owned()),
            ("label", field["label"].as_str().unwrap().to_owned()),
            ("kind", field["kind"].as_str().unwrap().to_owned()),
            ("required", if field["required"] == true { "on".to_owned() } else { String::new() }),
            (
                "options",
                field["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
            ("max", field["max"].as_i64().map(|m| m.to_string()).unwrap_or_default()),
        ] {
            pairs.push((format!("field_{i}_{what}"), value));
        }
    }
    let new_row = existing.len();
    for (what, value) in [
        ("key", ""),
        ("label", "会议级别"),
        ("kind", "choice"),
        ("required", "on"),
        ("options", "国际、全国、省级"),
        ("max", ""),
    ] {
        pairs.push((format!("field_{new_row}_{what}"), value.to_owned()));
    }
    fn as_refs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }
    let trainee = app.login(OTHER_TRAINEE_PHONE).await;
    assert_eq!(
        app.call("/api/admin/declaration-types/save", &as_refs(&pairs), Some(&trainee)).await.status,
        StatusCode::FORBIDDEN
    );
    let mut broken = pairs.clone();
    broken[1].1 = String::new();
    let refused = app.call("/api/admin/declaration-types/save", &as_refs(&broken), Some(&authority)).await;
    assert_eq!(refused.field_names(), ["name"]);
    let saved = app.call("/api/admin/declaration-types/save", &as_refs(&pairs), Some(&authority)).await;
    assert!(redirect_of(&saved).contains("saved=conference"), "{}", saved.body);

    let form = app.call("/api/me/records/form", &[("kind", "conference")], Some(&trainee)).await.json();
    let fields = form["chosen"]["fields"].as_array().unwrap();
    let added = fields.last().unwrap();
    assert_eq!((added["label"].as_str(), added["key"].as_str()), (Some("会议级别"), Some("f1")));
    let this_year = year_of(now_ms()).to_string();
    let missing = app
        .upload(
            "/api/me/records/upload",
            &declaration_parts("新字段会议", "", &this_year, "save"),
            Some(&trainee),
        )
        .await;
    assert_eq!(missing.field_names(), ["f_f1"]);
    let mut with_level = declaration_parts("新字段会议", "", &this_year, "save");
    with_level.push(Part::Text("f_f1", "全国"));
    let saved = app.upload("/api/me/records/upload", &with_level, Some(&trainee)).await;
    assert!(redirect_of(&saved).contains("saved=1"));
}
