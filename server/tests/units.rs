//! Units: registration, the authority's review, unit login, and the unit console
//! (staff, import, departments, managers), with the refusals for the wrong role and
//! the wrong unit, on both engines.

#![allow(clippy::unwrap_used)] // a failed setup step fails the test

mod common;
use axum::http::StatusCode;
use common::*;

const UNIT_ADMIN_PHONE: &str = "13800000003";
const AUTHORITY_PHONE: &str = "13800000002";
const NEW_CODE: &str = "91510104MA61RW8A2W";
const APPLICANT_ID: &str = "510106197503030056"; // taken by the provider
const NEW_APPLICANT_ID: &str = "510108199505050079";
const NEW_APPLICANT_PHONE: &str = "13700001111";
const STRONG: &str = "Dujiangyan Weir 256";

engine_tests!(
    unit_registration_review_and_unit_login,
    authorities_only_see_their_region,
    unit_console_refuses_other_units_and_roles,
    adding_staff_creates_or_invites,
    csv_import_reports_each_row,
    departments_and_managers,
    invoice_titles_belong_to_their_owner,
);

async fn apply(app: &TestApp, code: &str, region: &str, applicant_id: &str, phone: &str) -> TestResponse {
    let sent = app.send_unit_code(phone).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let sms = app.last_code(phone).await;
    app.upload(
        "/api/units/register/upload",
        &[
            Part::Text("credit_code", code),
            Part::File {
                name: "licence",
                filename: "营业执照.pdf",
                content_type: "application/pdf",
                bytes: PDF,
            },
            Part::Text("name", "成都示范勘测设计院"),
            Part::Text("nature", "事业单位"),
            Part::Text("industry", "水利、环境和公共设施管理业"),
            Part::Text("supervisor", "成都市水务局"),
            Part::Text("level", "市级"),
            Part::Text("region_code", region),
            Part::Text("address", "成都市武侯区人民南路四段"),
            Part::Text("applicant_id_number", applicant_id),
            Part::Text("applicant_name", "钱七"),
            Part::Text("applicant_phone", phone),
            Part::Text("code", &sms),
            Part::Text("password", STRONG),
            Part::Text("password_confirm", STRONG),
        ],
        None,
    )
    .await
}

async fn unit_id(app: &TestApp, code: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM units WHERE credit_code = $1")
        .bind(code)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap()
}

async fn unit_login(app: &TestApp, code: &str, account: &str, password: &str) -> TestResponse {
    let captcha_id = app.captcha().await;
    app.call(
        "/api/accounts/login",
        &[
            ("credit_code", code),
            ("account", account),
            ("password", password),
            ("captcha_id", &captcha_id),
            ("captcha", CAPTCHA),
        ],
        None,
    )
    .await
}

async fn unit_registration_review_and_unit_login(app: &TestApp) {
    // A wrong check character, and an applicant who already has an account.
    let bad = apply(app, "91510104MA61RW8A2X", "510100", NEW_APPLICANT_ID, NEW_APPLICANT_PHONE).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["fields"][0]["field"], "credit_code");
    let taken = apply(app, NEW_CODE, "510100", APPLICANT_ID, NEW_APPLICANT_PHONE).await;
    assert_eq!(taken.json()["fields"][0]["field"], "applicant_id_number");
    assert_eq!(app.count("SELECT COUNT(*) FROM units").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM files WHERE purpose = 'licence'").await,
        0,
        "nothing stored for refused applications"
    );

    let ok = apply(app, NEW_CODE, "510100", NEW_APPLICANT_ID, NEW_APPLICANT_PHONE).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let id = unit_id(app, NEW_CODE).await;
    // Before approval: 此帐号还未被审核, as a person and as a unit.
    assert_eq!(app.try_login(NEW_APPLICANT_PHONE, STRONG).await.json()["message"], "此帐号还未被审核");
    assert_eq!(
        unit_login(app, NEW_CODE, NEW_APPLICANT_PHONE, STRONG).await.json()["message"],
        "此帐号还未被审核"
    );

    let authority = app.login(AUTHORITY_PHONE).await;
    let queue = app.call("/api/admin/units/list", &[], Some(&authority)).await.json();
    assert_eq!(queue["total"], 1);
    assert_eq!(queue["items"][0]["name"], "成都示范勘测设计院");
    let detail = app.call("/api/admin/units/get", &[("id", &id.to_string())], Some(&authority)).await.json();
    let licence = detail["licence_url"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(&licence, Some(&authority)).await.status,
        StatusCode::OK,
        "the authority reads the licence"
    );
    assert_eq!(app.get(&licence, None).await.status, StatusCode::NOT_FOUND);
    let no_reason = app
        .call(
            "/api/admin/units/review",
            &[("id", &id.to_string()), ("decision", "reject"), ("reason", " ")],
            Some(&authority),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let approved = app
        .call(
            "/api/admin/units/review",
            &[("id", &id.to_string()), ("decision", "approve")],
            Some(&authority),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert!(app.last_message(NEW_APPLICANT_PHONE).await.unwrap().contains("审核通过"));
    let twice = app
        .call(
            "/api/admin/units/review",
            &[("id", &id.to_string()), ("decision", "reject"), ("reason", "x")],
            Some(&authority),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);

    // 单位 login: the code must be the unit the account administers.
    let wrong_unit = unit_login(app, "91510100MA6CX00019", NEW_APPLICANT_PHONE, STRONG).await;
    assert_eq!(wrong_unit.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_unit.json()["message"], "账号或密码错误");
    let ok = unit_login(app, NEW_CODE, NEW_APPLICANT_ID, STRONG).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let cookie = ok.session_cookie().unwrap();
    let overview = app.call("/api/unit/overview", &[], Some(&cookie)).await.json();
    assert_eq!(overview["name"], "成都示范勘测设计院");
    assert_eq!(overview["region_name"], "成都市");
    // A trainee is not a unit.
    let trainee = unit_login(app, "91510100MA6CX00019", TRAINEE_PHONE, PASSWORD).await;
    assert_eq!(trainee.status, StatusCode::UNAUTHORIZED);
}

async fn authorities_only_see_their_region(app: &TestApp) {
    // A Guangdong unit: outside the Sichuan authority's region.
    let code = "91440101MA59U8KX3R";
    let ok = apply(app, code, "440000", NEW_APPLICANT_ID, NEW_APPLICANT_PHONE).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let id = unit_id(app, code).await.to_string();
    let authority = app.login(AUTHORITY_PHONE).await;
    assert_eq!(app.call("/api/admin/units/list", &[], Some(&authority)).await.json()["total"], 0);
    assert_eq!(
        app.call("/api/admin/units/get", &[("id", &id)], Some(&authority)).await.status,
        StatusCode::NOT_FOUND
    );
    let refused =
        app.call("/api/admin/units/review", &[("id", &id), ("decision", "approve")], Some(&authority)).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let trainee = app.login(TRAINEE_PHONE).await;
    assert_eq!(app.call("/api/admin/units/list", &[], Some(&trainee)).await.status, StatusCode::FORBIDDEN);
    // The platform admin sees every region, and can reject with a reason.
    let admin = app.login(ADMIN_PHONE).await;
    assert_eq!(app.call("/api/admin/units/list", &[], Some(&admin)).await.json()["total"], 1);
    let rejected = app
        .call(
            "/api/admin/units/review",
            &[("id", &id), ("decision", "reject"), ("reason", "营业执照不清晰")],
            Some(&admin),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK);
    let login = app.try_login(NEW_APPLICANT_PHONE, STRONG).await;
    assert_eq!(login.json()["message"], "注册申请未通过审核：营业执照不清晰");
}

async fn unit_console_refuses_other_units_and_roles(app: &TestApp) {
    // A second unit with its own admin.
    apply(app, NEW_CODE, "510100", NEW_APPLICANT_ID, NEW_APPLICANT_PHONE).await;
    let id = unit_id(app, NEW_CODE).await.to_string();
    let admin = app.login(ADMIN_PHONE).await;
    app.call("/api/admin/units/review", &[("id", &id), ("decision", "approve")], Some(&admin)).await;
    let other_admin = app.login_with(NEW_APPLICANT_PHONE, STRONG).await;

    // 张三 belongs to the demo unit: the other unit's admin cannot touch him.
    let zhang: i64 = sqlx::query_scalar("SELECT id FROM users WHERE phone = $1")
        .bind(TRAINEE_PHONE)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    sqlx::query("UPDATE users SET unit_status = 'pending' WHERE id = $1")
        .bind(zhang)
        .execute(app.state.db.writer())
        .await
        .unwrap();
    let zhang_text = zhang.to_string();
    let foreign = app
        .call(
            "/api/unit/staff/review",
            &[("user_id", &zhang_text), ("decision", "reject"), ("reason", "不是本单位")],
            Some(&other_admin),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.call("/api/unit/staff/list", &[], Some(&other_admin)).await.json()["total"],
        1,
        "only its own applicant"
    );
    let demo_departments: i64 = sqlx::query_scalar("SELECT id FROM departments WHERE name = '设计部'")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    let rename = app
        .call(
            "/api/unit/departments/save",
            &[("id", &demo_departments.to_string()), ("name", "改名")],
            Some(&other_admin),
        )
        .await;
    assert_eq!(rename.status, StatusCode::NOT_FOUND);
    let import = app.count("SELECT COUNT(*) FROM staff_imports").await;
    assert_eq!(import, 0);
    // Roles without a unit are refused everywhere in the console.
    let finance = app.login(FINANCE_PHONE).await;
    for path in ["/api/unit/overview", "/api/unit/staff/list", "/api/unit/departments", "/api/unit/managers"]
    {
        assert_eq!(app.call(path, &[], Some(&finance)).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(app.call("/api/unit/overview", &[], None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("SELECT COUNT(*) FROM departments WHERE name = '改名'").await, 0);
}

async fn adding_staff_creates_or_invites(app: &TestApp) {
    let admin = app.login(UNIT_ADMIN_PHONE).await;
    // A new person: an account with a one-time password by SMS.
    let missing_name = app.call("/api/unit/staff/add", &[("phone", "13655550001")], Some(&admin)).await;
    assert_eq!(missing_name.status, StatusCode::UNPROCESSABLE_ENTITY);
    let created =
        app.call("/api/unit/staff/add", &[("phone", "13655550001"), ("name", "吴九")], Some(&admin)).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let sms = app.last_message("13655550001").await.unwrap();
    let password: String = sms.split("初始密码").nth(1).unwrap().chars().take(10).collect();
    let cookie = app.login_with("13655550001", &password).await;
    // Until the password is changed, everything else is refused.
    let refused = app.call("/api/me/info", &[], Some(&cookie)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["message"], "请先修改初始密码");
    let me = app.call("/api/accounts/me", &[], Some(&cookie)).await.json();
    assert_eq!(me["must_change_password"], true);
    // Pages send the browser to 修改密码.
    let page = app
        .send(
            axum::http::Request::builder()
                .uri("/me/info")
                .header("host", "localhost")
                .header("accept", "text/html")
                .header("cookie", &cookie)
                .body(axum::body::Body::empty())
                .unwrap(),
            "10.0.0.1",
        )
        .await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(page.headers["location"], "/me/password");
    let changed = app
        .call(
            "/api/me/password",
            &[("old_password", &password), ("password", STRONG), ("password_confirm", STRONG)],
            Some(&cookie),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(app.call("/api/me/info", &[], Some(&cookie)).await.status, StatusCode::OK);
    assert_eq!(app.call("/api/me/info", &[], Some(&cookie)).await.json()["affiliation"]["approved"], true);

    // An existing account (from another unit or none): an invitation it must accept.
    let invited = app.call("/api/unit/staff/add", &[("phone", "13800000005")], Some(&admin)).await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.body);
    assert!(app.last_message("13800000005").await.unwrap().contains("邀请您加入"));
    let again = app.call("/api/unit/staff/add", &[("phone", "13800000005")], Some(&admin)).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let member = app.call("/api/unit/staff/add", &[("phone", TRAINEE_PHONE)], Some(&admin)).await;
    assert_eq!(member.json()["message"], "已是本单位人员");
    let finance = app.login(FINANCE_PHONE).await;
    let info = app.call("/api/me/info", &[], Some(&finance)).await.json();
    let invitation = info["invitations"][0]["id"].as_i64().unwrap().to_string();
    // Only the invited person can answer.
    let trainee = app.login(TRAINEE_PHONE).await;
    let not_mine = app
        .call("/api/me/invitations/answer", &[("id", &invitation), ("accept", "yes")], Some(&trainee))
        .await;
    assert_eq!(not_mine.status, StatusCode::NOT_FOUND);
    let accepted = app
        .call("/api/me/invitations/answer", &[("id", &invitation), ("accept", "yes")], Some(&finance))
        .await;
    assert_eq!(accepted.status, StatusCode::OK);
    let info = app.call("/api/me/info", &[], Some(&finance)).await.json();
    assert_eq!(info["affiliation"]["unit_name"], "四川示范水利工程有限公司");
}

async fn csv_import_reports_each_row(app: &TestApp) {
    let admin = app.login(UNIT_ADMIN_PHONE).await;
    let csv = "姓名,身份证号,手机号,部门\n\
               郑十,510101199003074578,13655550002,设计部\n\
               冯一,110105194912310021,13655550003,\n\
               陈二,11010519491231002X,13655550004,不存在的部门\n\
               褚三,11010519491231002X,13655550005,工程管理部\n\
               卫四,51010419850921002X,13800000012,\n";
    let users = app.count("SELECT COUNT(*) FROM users").await;
    let r = app
        .upload(
            "/api/unit/staff/import/upload",
            &[Part::File {
                name: "file",
                filename: "staff.csv",
                content_type: "text/csv",
                bytes: csv.as_bytes(),
            }],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let report_id: i64 =
        sqlx::query_scalar("SELECT id FROM staff_imports").fetch_one(app.state.db.reader()).await.unwrap();
    let report =
        app.call("/api/unit/staff/imports/get", &[("id", &report_id.to_string())], Some(&admin)).await.json();
    let rows = report["rows"].as_array().unwrap();
    let outcomes: Vec<(&str, &str)> =
        rows.iter().map(|r| (r["name"].as_str().unwrap(), r["outcome"].as_str().unwrap())).collect();
    assert_eq!(
        outcomes,
        [
            ("郑十", "Rejected"),
            ("冯一", "Rejected"),
            ("陈二", "Rejected"),
            ("褚三", "Created"),
            ("卫四", "Rejected")
        ]
    );
    assert!(rows[0]["note"].as_str().unwrap().contains("身份证号已有账号"));
    assert!(rows[1]["note"].as_str().unwrap().starts_with("身份证号"));
    assert!(rows[2]["note"].as_str().unwrap().contains("部门"));
    assert!(rows[4]["note"].as_str().unwrap().contains("身份证号"));
    // Exactly one account was created, whole, in its department.
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users + 1);
    let (department, must_change): (String, i64) = sqlx::query_as(
        "SELECT d.name, u.must_change_password FROM users u JOIN departments d ON d.id = u.department_id WHERE u.phone = '13655550005'",
    )
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    assert_eq!((department.as_str(), must_change), ("工程管理部", 1));
    // Another unit's admin cannot read the report.
    let trainee = app.login(TRAINEE_PHONE).await;
    assert_eq!(
        app.call("/api/unit/staff/imports/get", &[("id", &report_id.to_string())], Some(&trainee))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A file that is not CSV text at all is refused as a whole.
    let binary = app
        .upload(
            "/api/unit/staff/import/upload",
            &[Part::File { name: "file", filename: "x.csv", content_type: "text/csv", bytes: b"" }],
            Some(&admin),
        )
        .await;
    assert_eq!(binary.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn departments_and_managers(app: &TestApp) {
    let admin = app.login(UNIT_ADMIN_PHONE).await;
    let parent: i64 = sqlx::query_scalar("SELECT id FROM departments WHERE name = '设计部'")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    let parent_text = parent.to_string();
    let saved = app
        .call("/api/unit/departments/save", &[("name", "水工室"), ("parent_id", &parent_text)], Some(&admin))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let duplicate = app
        .call("/api/unit/departments/save", &[("name", "水工室"), ("parent_id", &parent_text)], Some(&admin))
        .await;
    assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
    let tree = app.call("/api/unit/departments", &[], Some(&admin)).await.json();
    let design = tree.as_array().unwrap().iter().find(|d| d["name"] == "设计部").unwrap();
    assert_eq!(design["children"][0]["name"], "水工室");
    let busy = app.call("/api/unit/departments/delete", &[("id", &parent_text)], Some(&admin)).await;
    assert_eq!(busy.status, StatusCode::CONFLICT);

    // Managers: add a member, refuse an outsider, never remove the last one.
    let outsider = app.call("/api/unit/managers/add", &[("account", "13800000004")], Some(&admin)).await;
    assert_eq!(outsider.status, StatusCode::UNPROCESSABLE_ENTITY);
    let added = app.call("/api/unit/managers/add", &[("account", TRAINEE_ID_NUMBER)], Some(&admin)).await;
    assert_eq!(added.status, StatusCode::OK);
    let managers = app.call("/api/unit/managers", &[], Some(&admin)).await.json();
    assert_eq!(managers.as_array().unwrap().len(), 2);
    let zhang = app.login(TRAINEE_PHONE).await;
    assert_eq!(
        app.call("/api/unit/overview", &[], Some(&zhang)).await.status,
        StatusCode::OK,
        "the new manager works"
    );
    let me_id = managers.as_array().unwrap().iter().find(|m| m["is_me"] == true).unwrap()["user_id"]
        .as_i64()
        .unwrap();
    let removed =
        app.call("/api/unit/managers/remove", &[("user_id", &me_id.to_string())], Some(&admin)).await;
    assert_eq!(removed.status, StatusCode::OK);
    let zhang_id =
        app.call("/api/unit/managers", &[], Some(&zhang)).await.json()[0]["user_id"].as_i64().unwrap();
    let last =
        app.call("/api/unit/managers/remove", &[("user_id", &zhang_id.to_string())], Some(&zhang)).await;
    assert_eq!(last.status, StatusCode::CONFLICT);
    assert_eq!(last.json()["message"], "单位至少需要一名管理员");
}

async fn invoice_titles_belong_to_their_owner(app: &TestApp) {
    let zhang = app.login(TRAINEE_PHONE).await;
    let li = app.login("13800000012").await;
    let bad = app
        .call(
            "/api/me/invoice-titles/save",
            &[("title", "某"), ("tax_number", "91510100MA6CX00018")],
            Some(&zhang),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (title, tax) in [("四川示范水利工程有限公司", "91510100MA6CX00019"), ("张三", "")] {
        let r = app
            .call("/api/me/invoice-titles/save", &[("title", title), ("tax_number", tax)], Some(&zhang))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let titles = app.call("/api/me/invoice-titles", &[], Some(&zhang)).await.json();
    let titles = titles.as_array().unwrap();
    assert_eq!(titles.len(), 2);
    assert_eq!(titles.iter().filter(|t| t["is_default"] == true).count(), 1, "the first becomes the default");
    let second = titles.iter().find(|t| t["title"] == "张三").unwrap()["id"].as_i64().unwrap().to_string();
    let made_default = app
        .call(
            "/api/me/invoice-titles/save",
            &[("id", &second), ("title", "张三"), ("is_default", "on")],
            Some(&zhang),
        )
        .await;
    assert_eq!(made_default.status, StatusCode::OK);
    let titles = app.call("/api/me/invoice-titles", &[], Some(&zhang)).await.json();
    assert_eq!(titles[0]["title"], "张三");
    assert_eq!(titles.as_array().unwrap().iter().filter(|t| t["is_default"] == true).count(), 1);
    // Someone else's title is not found for 李四: neither editable nor deletable.
    let steal =
        app.call("/api/me/invoice-titles/save", &[("id", &second), ("title", "李四")], Some(&li)).await;
    assert_eq!(steal.status, StatusCode::NOT_FOUND);
    let delete = app.call("/api/me/invoice-titles/delete", &[("id", &second)], Some(&li)).await;
    assert_eq!(delete.status, StatusCode::NOT_FOUND);
    assert_eq!(app.call("/api/me/invoice-titles", &[], Some(&li)).await.json().as_array().unwrap().len(), 0);
    assert_eq!(
        app.call("/api/me/invoice-titles/delete", &[("id", &second)], Some(&zhang)).await.status,
        StatusCode::OK
    );
}
