//! Announcements through every layer, on both engines.

#![allow(clippy::unwrap_used)] // a failed setup step fails the test

mod common;
use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use common::*;

engine_tests!(
    admin_creates_publishes_and_edits_announcements,
    invalid_announcements_change_nothing,
    public_list_pages_and_filters,
    attachments_are_checked_stored_and_guarded,
    announcement_pages_render_with_real_statuses,
);

async fn save(app: &TestApp, cookie: &str, form: &[(&str, &str)]) -> TestResponse {
    app.call("/api/admin/announcements/save", form, Some(cookie)).await
}

async fn admin_creates_publishes_and_edits_announcements(app: &TestApp) {
    let admin = app.login(ADMIN_PHONE).await;
    let draft = save(
        app,
        &admin,
        &[("category", "guide"), ("title", "新版报名指南"), ("body", "# 步骤\n\n<script>x</script>")],
    )
    .await;
    assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
    let id = draft.json().as_i64().unwrap();
    let id_text = id.to_string();

    // A draft is hidden from the public and shown to the admin.
    let public = app.call("/api/announcements/get", &[("id", &id_text)], None).await;
    assert_eq!(public.status, StatusCode::NOT_FOUND);
    assert_eq!(public.json()["message"], "该公告不存在或已下线");
    let preview = app.call("/api/announcements/get", &[("id", &id_text)], Some(&admin)).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert_eq!(preview.json()["published_at"], serde_json::Value::Null);
    let html = preview.json()["body_html"].as_str().unwrap().to_owned();
    assert!(html.contains("<h1>步骤</h1>") && !html.contains("<script>"), "{html}");

    // Publishing fixes the date; a later edit keeps it.
    let published = save(
        app,
        &admin,
        &[
            ("id", &id_text),
            ("category", "guide"),
            ("title", "新版报名指南"),
            ("body", "正文"),
            ("published", "on"),
        ],
    )
    .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    let first = app.call("/api/announcements/get", &[("id", &id_text)], None).await.json();
    let date = first["published_at"].as_i64().unwrap();
    save(
        app,
        &admin,
        &[
            ("id", &id_text),
            ("category", "notice"),
            ("title", "新版报名指南（修订）"),
            ("body", "修订"),
            ("published", "on"),
        ],
    )
    .await;
    let edited = app.call("/api/announcements/get", &[("id", &id_text)], None).await.json();
    assert_eq!(edited["title"], "新版报名指南（修订）");
    assert_eq!(edited["category"], "notice");
    assert_eq!(edited["published_at"].as_i64().unwrap(), date);

    let audit = app.count("SELECT COUNT(*) FROM audit_log WHERE object_type = 'announcement'").await;
    assert_eq!(audit, 3);

    // Editing what does not exist is a 404 and creates nothing.
    let before = app.count("SELECT COUNT(*) FROM announcements").await;
    let missing =
        save(app, &admin, &[("id", "999999"), ("category", "guide"), ("title", "x"), ("body", "y")]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT COUNT(*) FROM announcements").await, before);
}

async fn invalid_announcements_change_nothing(app: &TestApp) {
    let admin = app.login(ADMIN_PHONE).await;
    let before = app.count("SELECT COUNT(*) FROM announcements").await;
    let audit_before = app.count("SELECT COUNT(*) FROM audit_log").await;
    let response = save(app, &admin, &[("category", "weather"), ("title", "  "), ("body", "")]).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = response.field_names();
    assert_eq!(fields, ["category", "title", "body"]);
    let too_long = "长".repeat(101);
    let response = save(app, &admin, &[("category", "notice"), ("title", &too_long), ("body", "x")]).await;
    assert_eq!(response.json()["fields"][0]["message"], "标题不能超过100个字");
    // A request missing a field entirely is malformed: 400, in Chinese.
    let malformed = save(app, &admin, &[("category", "notice")]).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST, "{}", malformed.body);
    assert!(malformed.json()["message"].as_str().unwrap().contains("请求格式不正确"));
    assert_eq!(app.count("SELECT COUNT(*) FROM announcements").await, before);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, audit_before);
}

async fn public_list_pages_and_filters(app: &TestApp) {
    // The seed publishes 7 notices (one announces a demo class), 4 guides and 3 manuals.
    let all = app.call("/api/announcements/list", &[], None).await.json();
    assert_eq!(all["total"], 14);
    assert_eq!(all["items"].as_array().unwrap().len(), 10);
    let second = app.call("/api/announcements/list", &[("page", "2")], None).await.json();
    assert_eq!(second["items"].as_array().unwrap().len(), 4);
    let guides = app.call("/api/announcements/list", &[("category", "guide")], None).await.json();
    assert_eq!(guides["total"], 4);
    assert!(guides["items"].as_array().unwrap().iter().all(|i| i["category"] == "guide"));
    // Newest first.
    let dates: Vec<i64> =
        all["items"].as_array().unwrap().iter().map(|i| i["published_at"].as_i64().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]));
    let unknown = app.call("/api/announcements/list", &[("category", "weather")], None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let feed = app.call("/api/announcements/home", &[], None).await.json();
    assert_eq!(feed["notices"].as_array().unwrap().len(), 6);
    assert_eq!(feed["guides"].as_array().unwrap().len(), 4);
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn multipart(announcement_id: &str, filename: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----xueshitestboundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"announcement_id\"\r\n\r\n{announcement_id}\r\n").as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &TestApp,
    cookie: Option<&str>,
    announcement_id: &str,
    filename: &str,
    content: &[u8],
) -> TestResponse {
    let (content_type, body) = multipart(announcement_id, filename, content);
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri("/api/admin/announcements/attachments/upload")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost")
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json");
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    app.send(builder.body(Body::from(body)).unwrap(), "10.0.0.1").await
}

async fn attachments_are_checked_stored_and_guarded(app: &TestApp) {
    let admin = app.login(ADMIN_PHONE).await;
    let trainee = app.login(TRAINEE_PHONE).await;
    let id = save(app, &admin, &[("category", "manual"), ("title", "附件测试"), ("body", "正文")])
        .await
        .json()
        .as_i64()
        .unwrap();
    let id_text = id.to_string();

    // Only the platform admin may upload.
    let refused = upload(app, Some(&trainee), &id_text, "a.pdf", PDF).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Content decides, not the name: an HTML file called .pdf is refused.
    let disguised =
        upload(app, Some(&admin), &id_text, "手册.pdf", b"<html><script>alert(1)</script></html>").await;
    assert_eq!(disguised.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(disguised.json()["message"], "只能上传 PDF、JPEG、PNG 文件");
    assert_eq!(app.count("SELECT COUNT(*) FROM files WHERE purpose = 'announcement'").await, 0);
    let files_on_disk =
        std::fs::read_dir(app.state.config.storage_dir.join("announcement")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files_on_disk, 0, "a refused upload leaves nothing behind");

    let ok = upload(app, Some(&admin), &id_text, "../../操作手册.pdf", PDF).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let (file_id, filename, key): (String, String, String) =
        sqlx::query_as("SELECT id, filename, storage_key FROM files WHERE purpose = 'announcement'")
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
    assert_eq!(filename, "操作手册.pdf");
    assert!(key.starts_with("announcement/") && key.ends_with(".pdf") && !key.contains(".."));

    // Attached to a draft: only the admin can read it; others see "not found".
    let url = format!("/files/{file_id}");
    assert_eq!(app.get(&url, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&url, Some(&trainee)).await.status, StatusCode::NOT_FOUND);
    let as_admin = app.get(&url, Some(&admin)).await;
    assert_eq!(as_admin.status, StatusCode::OK);
    assert_eq!(as_admin.body.as_bytes(), PDF);

    // Once published, anyone may download it, with safe headers.
    save(
        app,
        &admin,
        &[
            ("id", &id_text),
            ("category", "manual"),
            ("title", "附件测试"),
            ("body", "正文"),
            ("published", "on"),
        ],
    )
    .await;
    let public = app.get(&url, None).await;
    assert_eq!(public.status, StatusCode::OK);
    assert_eq!(public.headers[header::CONTENT_TYPE], "application/pdf");
    let disposition = public.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''%E6%93%8D"),
        "{disposition}"
    );
    assert_eq!(public.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let detail = app.call("/api/announcements/get", &[("id", &id_text)], None).await.json();
    assert_eq!(detail["attachments"][0]["filename"], "操作手册.pdf");

    // Detaching hides it again.
    let detach = app
        .call(
            "/api/admin/announcements/detach",
            &[("announcement_id", &id_text), ("file_id", &file_id)],
            Some(&admin),
        )
        .await;
    assert_eq!(detach.status, StatusCode::OK);
    assert_eq!(app.get(&url, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/files/no-such-file", None).await.status, StatusCode::NOT_FOUND);
}

async fn announcement_pages_render_with_real_statuses(app: &TestApp) {
    let list = app.get("/news?category=guide", None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("办事指南") && list.body.contains("培训报名及缴费办事指南"));
    let id: i64 = sqlx::query_scalar("SELECT id FROM announcements WHERE title = '平台系统升级维护公告'")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    let detail = app.get(&format!("/news/{id}"), None).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("系统升级"));
    assert_eq!(app.get("/news/999999", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/news/abc", None).await.status, StatusCode::NOT_FOUND);
}
