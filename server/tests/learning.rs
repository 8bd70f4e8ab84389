//! Online learning on both engines: course selection against the requirement, the
//! heartbeats the server refuses (too much for the time, a forward seek, another
//! user's chapter, a second playback), the quiz locked until the course is complete,
//! graded on the server and credited once, videos served in ranges to those who study.

#![allow(clippy::unwrap_used)] // a failed setup step fails the test

mod common;
use axum::http::{Request, StatusCode, header};
use common::{enrol::*, *};

engine_tests!(
    courses_are_selected_within_the_requirement,
    heartbeats_credit_only_what_could_have_been_watched,
    one_playback_per_account_counts,
    heartbeats_sent_together_count_one_after_another,
    the_tolerance_does_not_add_up_over_quick_heartbeats,
    the_quiz_opens_at_full_progress_and_credits_hours_once,
    a_quiz_opens_once_and_its_questions_stay,
    videos_stream_in_ranges_to_those_who_study_them,
    providers_keep_their_courses,
    a_player_that_has_not_played_keeps_the_resume_point,
);

/// 李四 has paid for the demo online class (seed).
const LEARNER: &str = OTHER_TRAINEE_PHONE;

async fn online_class(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT id FROM classes WHERE mode = 'online' AND title LIKE '%公需科目在线培训' LIMIT 1",
    )
    .fetch_one(app.state.db.reader())
    .await
    .unwrap()
}

async fn course(app: &TestApp, title: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM courses WHERE title = $1")
        .bind(title)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap()
}

const ETHICS: &str = "专业技术人员职业道德与诚信建设";
const DIGITAL: &str = "数字技术应用基础";
const LAW: &str = "法治建设与依法行政";
const SUPERVISION: &str = "水利工程施工监理实务";

async fn select(app: &TestApp, cookie: &str, class_id: i64, courses: &[i64]) -> TestResponse {
    let class = class_id.to_string();
    let names: Vec<String> = courses.iter().map(|id| format!("course_{id}")).collect();
    let mut form: Vec<(&str, &str)> = vec![("class_id", &class)];
    form.extend(names.iter().map(|n| (n.as_str(), "1")));
    app.call("/api/learn/selection/confirm", &form, Some(cookie)).await
}

/// One value read by a query with one id bound (a column of one row, a count).
async fn scalar<T>(app: &TestApp, sql: &str, id: i64) -> T
where
    (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    T: Send + Unpin,
{
    sqlx::query_scalar(sql).bind(id).fetch_one(app.state.db.reader()).await.unwrap()
}

async fn selection_of(app: &TestApp, course_id: i64) -> i64 {
    scalar(app, "SELECT id FROM course_selections WHERE course_id = $1", course_id).await
}

async fn chapters_of(app: &TestApp, course_id: i64) -> Vec<(i64, i64)> {
    sqlx::query_as("SELECT id, duration_ms FROM chapters WHERE course_id = $1 ORDER BY position")
        .bind(course_id)
        .fetch_all(app.state.db.reader())
        .await
        .unwrap()
}

async fn start_playback(app: &TestApp, cookie: &str, chapter: i64, previous: &str) -> TestResponse {
    app.call(
        "/api/learn/playback/start",
        &[("chapter_id", &chapter.to_string()), ("previous", previous)],
        Some(cookie),
    )
    .await
}

async fn beat(app: &TestApp, cookie: &str, chapter: i64, token: &str, segments: &str) -> TestResponse {
    app.call(
        "/api/learn/heartbeat",
        &[
            ("chapter_id", &chapter.to_string()),
            ("token", token),
            ("segments", segments),
            ("position_ms", "0"),
        ],
        Some(cookie),
    )
    .await
}

/// A heartbeat reporting where the player is (`None`: a player that has not played).
async fn beat_at(
    app: &TestApp,
    cookie: &str,
    chapter: i64,
    token: &str,
    segments: &str,
    position: Option<i64>,
) -> TestResponse {
    let chapter = chapter.to_string();
    let position = position.map(|p| p.to_string());
    let mut form = vec![("chapter_id", chapter.as_str()), ("token", token), ("segments", segments)];
    if let Some(position) = &position {
        form.push(("position_ms", position));
    }
    app.call("/api/learn/heartbeat", &form, Some(cookie)).await
}

async fn resume_point(app: &TestApp, cookie: &str, selection: i64) -> i64 {
    let player =
        app.call("/api/learn/player", &[("selection_id", &selection.to_string())], Some(cookie)).await;
    assert_eq!(player.status, StatusCode::OK, "{}", player.body);
    player.json()["position_ms"].as_i64().unwrap()
}

/// Pretends `ms` of wall-clock time passed since the playback's last heartbeat.
async fn wait(app: &TestApp, ms: i64) {
    sqlx::query("UPDATE playbacks SET seen_at = seen_at - $1")
        .bind(ms)
        .execute(app.state.db.writer())
        .await
        .unwrap();
}

async fn courses_are_selected_within_the_requirement(app: &TestApp) {
    let learner = app.login(LEARNER).await;
    let class_id = online_class(app).await;
    let class = class_id.to_string();
    let view = app.call("/api/learn/selection", &[("class_id", &class)], Some(&learner)).await.json();
    assert_eq!(view["required"]["public"], 300);
    assert_eq!(view["catalogue"].as_array().unwrap().len(), 3);
    let (ethics, digital, law, supervision) = (
        course(app, ETHICS).await,
        course(app, DIGITAL).await,
        course(app, LAW).await,
        course(app, SUPERVISION).await,
    );

    // A course the class does not offer, or nothing at all: refused, nothing stored.
    assert_eq!(
        select(app, &learner, class_id, &[supervision]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(select(app, &learner, class_id, &[]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Someone who has not paid for the class sees nothing of it.
    let stranger = app.login(TRAINEE_PHONE).await;
    let hidden = app.call("/api/learn/selection", &[("class_id", &class)], Some(&stranger)).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(select(app, &stranger, class_id, &[ethics]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT COUNT(*) FROM course_selections").await, 0);

    // 22 of 30 学时, then the last course; once is enough for each.
    let first = select(app, &learner, class_id, &[ethics, digital]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(select(app, &learner, class_id, &[ethics]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(select(app, &learner, class_id, &[law]).await.status, StatusCode::OK);
    let home = app.call("/api/learn/class", &[("class_id", &class)], Some(&learner)).await.json();
    assert_eq!(home["selected"]["public"], 320);
    assert_eq!(home["courses"].as_array().unwrap().len(), 3);
    assert_eq!(home["earned"]["public"], 0);
    let classes = app.call("/api/learn/classes", &[], Some(&learner)).await.json();
    assert_eq!(classes[0]["courses_selected"], 3);
}

async fn heartbeats_credit_only_what_could_have_been_watched(app: &TestApp) {
    let learner = app.login(LEARNER).await;
    let class_id = online_class(app).await;
    let digital = course(app, DIGITAL).await;
    assert_eq!(select(app, &learner, class_id, &[digital]).await.status, StatusCode::OK);
    let (chapter, duration) = chapters_of(app, digital).await[0];
    assert_eq!(duration, 10_000, "read from the WebM header");
    let started = start_playback(app, &learner, chapter, "").await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let token = started.json().as_str().unwrap().to_owned();

    // Five seconds claimed at once: more than could have played.
    let too_fast = beat(app, &learner, chapter, &token, "0-5000").await;
    assert_eq!(too_fast.status, StatusCode::CONFLICT);
    assert!(too_fast.json()["message"].as_str().unwrap().contains("时长"));
    wait(app, 5_000).await;
    let ok = beat(app, &learner, chapter, &token, "0-5000").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["chapter_progress"], 500);
    // Study has begun: the class can no longer be refunded.
    let registration: i64 = sqlx::query_scalar(
        "SELECT r.id FROM registrations r JOIN users u ON u.id = r.user_id WHERE u.phone = $1 AND r.class_id = $2",
    )
    .bind(LEARNER)
    .bind(class_id)
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    let refund = app
        .call(
            "/api/me/refunds/request",
            &[("registration_id", &registration.to_string()), ("reason", "不想学了")],
            Some(&learner),
        )
        .await;
    assert_eq!(refund.status, StatusCode::CONFLICT);
    assert_eq!(refund.json()["message"], "已开始在线学习，不能申请退款");
    // A forward seek: a segment starting past what was watched.
    wait(app, 5_000).await;
    let skipped = beat(app, &learner, chapter, &token, "8000-9000").await;
    assert_eq!(skipped.status, StatusCode::CONFLICT);
    // Another trainee's chapter (a course they have not selected).
    let stranger = app.login(TRAINEE_PHONE).await;
    assert_eq!(start_playback(app, &stranger, chapter, "").await.status, StatusCode::NOT_FOUND);
    assert_eq!(beat(app, &stranger, chapter, &token, "5000-9000").await.status, StatusCode::NOT_FOUND);
    // Nothing of the refused ones was stored.
    let covered: i64 =
        scalar(app, "SELECT covered_ms FROM chapter_progress WHERE chapter_id = $1", chapter).await;
    assert_eq!(covered, 5_000);

    // The rest of the chapter, five seconds later: complete; the course with it.
    let done = beat(app, &learner, chapter, &token, "5000-10000").await.json();
    assert_eq!((done["chapter_done"].as_bool(), done["course_progress"].as_i64()), (Some(true), Some(100)));
    let player = app
        .call(
            "/api/learn/player",
            &[("selection_id", &selection_of(app, digital).await.to_string())],
            Some(&learner),
        )
        .await
        .json();
    assert_eq!(player["chapters"][0]["done"], true);
    assert_eq!(player["furthest_ms"], 10_000);
}

async fn one_playback_per_account_counts(app: &TestApp) {
    let learner = app.login(LEARNER).await;
    let class_id = online_class(app).await;
    let ethics = course(app, ETHICS).await;
    assert_eq!(select(app, &learner, class_id, &[ethics]).await.status, StatusCode::OK);
    let chapters = chapters_of(app, ethics).await;
    let first = start_playback(app, &learner, chapters[0].0, "").await.json().as_str().unwrap().to_owned();
    // A second tab or device, while the first is playing: a clear refusal.
    let second = start_playback(app, &learner, chapters[1].0, "").await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(second.json()["message"].as_str().unwrap().contains("同时只能播放一个课程"));
    // A forged token's heartbeats count for nothing.
    wait(app, 5_000).await;
    assert_eq!(
        beat(app, &learner, chapters[0].0, "not-the-token", "0-3000").await.status,
        StatusCode::CONFLICT
    );
    // The same tab reloaded presents its token and carries on.
    let reloaded = start_playback(app, &learner, chapters[0].0, &first).await;
    assert_eq!(reloaded.status, StatusCode::OK);
    let current = reloaded.json().as_str().unwrap().to_owned();
    wait(app, 5_000).await;
    assert_eq!(
        beat(app, &learner, chapters[0].0, &first, "0-3000").await.status,
        StatusCode::CONFLICT,
        "old token"
    );
    assert_eq!(beat(app, &learner, chapters[0].0, &current, "0-3000").await.status, StatusCode::OK);
    // Closed (the page's beacon), or silent past the lease: another player may start.
    let stopped = app.call("/api/learn/playback/stop", &[("token", &current)], Some(&learner)).await;
    assert_eq!(stopped.status, StatusCode::OK);
    assert_eq!(start_playback(app, &learner, chapters[1].0, "").await.status, StatusCode::OK);
    wait(app, 60_000).await;
    assert_eq!(start_playback(app, &learner, chapters[0].0, "").await.status, StatusCode::OK);
}

/// Heartbeats that arrive together are written in one transaction, but each is judged
/// against what the ones before it stored: two claims for the same five seconds of
/// wall-clock time cannot both be credited, whatever order they arrive in.
async fn heartbeats_sent_together_count_one_after_another(app: &TestApp) {
    let learner = app.login(LEARNER).await;
    let other = app.login(TRAINEE_PHONE).await;
    let class_id = online_class(app).await;
    let digital = course(app, DIGITAL).await;
    assert_eq!(select(app, &learner, class_id, &[digital]).await.status, StatusCode::OK);
    let (chapter, _) = chapters_of(app, digital).await[0];
    let token = start_playback(app, &learner, chapter, "").await.json().as_str().unwrap().to_owned();
    wait(app, 5_000).await;
    let (first, second, stranger) = futures::join!(
        beat(app, &learner, chapter, &token, "0-5000"),
        beat(app, &learner, chapter, &token, "0-2500,2500-5000,5000-9000"),
        beat(app, &other, chapter, &token, "0-5000"),
    );
    let statuses = [first.status, second.status];
    assert!(statuses.contains(&StatusCode::OK), "{statuses:?}");
    assert!(statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);
    let covered: i64 =
        scalar(app, "SELECT covered_ms FROM chapter_progress WHERE chapter_id = $1", chapter).await;
    // Nine seconds never fit in five, before or after the other claim.
    assert_eq!(covered, 5_000);
}

/// The jitter tolerance is spent, not granted anew by each heartbeat: a script that
/// sends two seconds at a time in quick succession, or closes and reopens the player
/// between them, gains two seconds once.
async fn the_tolerance_does_not_add_up_over_quick_heartbeats(app: &TestApp) {
    let learner = app.login(LEARNER).await;
    let class_id = online_class(app).await;
    let digital = course(app, DIGITAL).await;
    assert_eq!(select(app, &learner, class_id, &[digital]).await.status, StatusCode::OK);
    let (chapter, _) = chapters_of(app, digital).await[0];
    let token = start_playback(app, &learner, chapter, "").await.json().as_str().unwrap().to_owned();
    assert_eq!(beat(app, &learner, chapter, &token, "0-2000").await.status, StatusCode::OK);
    assert_eq!(beat(app, &learner, chapter, &token, "2000-4000").await.status, StatusCode::CONFLICT);
    // Closing the player and opening it again does not refill it either.
    app.call("/api/learn/playback/stop", &[("token", &token)], Some(&learner)).await;
    assert_eq!(
        beat(app, &learner, chapter, &token, "2000-4000").await.status,
        StatusCode::CONFLICT,
        "closed"
    );
    let reopened = start_playback(app, &learner, chapter, "").await.json().as_str().unwrap().to_owned();
    assert_eq!(beat(app, &learner, chapter, &reopened, "2000-4000").await.status, StatusCode::CONFLICT);
    let covered: i64 =
        scalar(app, "SELECT covered_ms FROM chapter_progress WHERE chapter_id = $1", chapter).await;
    assert_eq!(covered, 2_000);
    // Time that passes uncredited gives it back: the next seconds are credited.
    wait(app, 4_000).await;
    assert_eq!(beat(app, &learner, chapter, &reopened, "2000-6000").await.status, StatusCode::OK);
}

/// Watches a whole course through heartbeats (its chapters one after another).
async fn watch_course(app: &TestApp, cookie: &str, course_id: i64) {
    for (chapter, duration) in chapters_of(app, course_id).await {
        let token = start_playback(app, cookie, chapter, "").await.json().as_str().unwrap().to_owned();
        wait(app, duration).await;
        let done = beat(app, cookie, chapter, &token, &format!("0-{duration}")).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        app.call("/api/learn/playback/stop", &[("token", &token)], Some(cookie)).await;
    }
}

/// The right answers of an attempt's questions, as the answer sheet posts them.
async fn answers(app: &TestApp, attempt: i64, right: bool) -> Vec<(String, String)> {
    let ids: String = scalar(app, "SELECT questions FROM quiz_attempts WHERE id = $1", attempt).await;
    let mut form = Vec::new();
    for id in ids.split(',') {
        let (kind, answer): (String, String) =
            sqlx::query_as("SELECT kind, answer FROM questions WHERE id = $1")
                .bind(id.parse::<i64>().unwrap())
                .fetch_one(app.state.db.reader())
                .await
                .unwrap();
        let given = if right {
            answer
        } else if answer == "A" {
            "B".to_owned()
        } else {
            "A".to_owned()
        };
        if kind == "multiple" {
            for letter in given.chars() {
                form.push((format!("q{id}_{letter}"), letter.to_string()));
            }
        } else {
            form.push((format!("q{id}"), given));
        }
    }
    form
}

async fn submit(app: &TestApp, cookie: &str, attempt: i64, answers: &[(String, String)]) -> TestResponse {
    let id = attempt.to_string();
    let mut form: Vec<(&str, &str)> = vec![("attempt_id", &id)];
    form.extend(answers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    app.call("/api/learn/quiz/submit", &form, Some(cookie)).await
}

async fn start_quiz(app: &TestApp, cookie: &str, selection: i64) -> (TestResponse, Option<i64>) {
    let started =
        app.call("/api/learn/quiz/start", &[("selection_id", &selection.to_string())], Some(cookie)).await;
    let attempt = scalar(app, "SELECT MAX(id) FROM quiz_attempts WHERE selection_id = $1", selection).await;
    (started, attempt)
}

async fn the_quiz_opens_at_full_progress_and_credits_hours_once(app: &TestApp) {
    let learner = app.login(LEARNER).await;
    let class_id = online_class(app).await;
    let digital = course(app, DIGITAL).await;
    assert_eq!(select(app, &learner, class_id, &[digital]).await.status, StatusCode::OK);
    let selection = selection_of(app, digital).await;

    // Locked until every chapter is watched.
    let (locked, _) = start_quiz(app, &learner, selection).await;
    assert_eq!(locked.status, StatusCode::CONFLICT);
    watch_course(app, &learner, digital).await;

    // The sheet carries no answers; handing in a wrong sheet fails and shows why.
    let (started, attempt) = start_quiz(app, &learner, selection).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let attempt = attempt.unwrap();
    let sheet =
        app.call("/api/learn/quiz/sheet", &[("attempt_id", &attempt.to_string())], Some(&learner)).await;
    assert_eq!(sheet.json()["questions"].as_array().unwrap().len(), 5);
    assert!(!sheet.body.contains("\"answer\"") && !sheet.body.contains("题析"), "{}", sheet.body);
    let other = app.login(TRAINEE_PHONE).await;
    let foreign =
        app.call("/api/learn/quiz/sheet", &[("attempt_id", &attempt.to_string())], Some(&other)).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(
        submit(app, &learner, attempt, &answers(app, attempt, false).await).await.status,
        StatusCode::OK
    );
    let result = app
        .call("/api/learn/quiz/result", &[("attempt_id", &attempt.to_string())], Some(&learner))
        .await
        .json();
    assert_eq!((result["score"].as_i64(), result["passed"].as_bool()), (Some(0), Some(false)));
    assert!(!result["lines"][0]["explanation"].as_str().unwrap().is_empty());
    assert_eq!(app.count("SELECT COUNT(*) FROM credit_ledger WHERE source = 'course'").await, 0);
    // Handed in once only.
    assert_eq!(
        submit(app, &learner, attempt, &answers(app, attempt, true).await).await.status,
        StatusCode::CONFLICT
    );

    // 继续测验 prefers the question not drawn before (6 in the bank, 5 a time).
    let (_, retry) = start_quiz(app, &learner, selection).await;
    let retry = retry.unwrap();
    assert_ne!(retry, attempt);
    let unseen: i64 = sqlx::query_scalar(
        "SELECT q.id FROM questions q WHERE q.course_id = $1 AND NOT EXISTS (
             SELECT 1 FROM quiz_attempts a WHERE a.id = $2 AND (',' || a.questions || ',') LIKE ('%,' || CAST(q.id AS TEXT) || ',%'))",
    )
    .bind(digital)
    .bind(attempt)
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    let drawn: String = scalar(app, "SELECT questions FROM quiz_attempts WHERE id = $1", retry).await;
    assert!(drawn.split(',').any(|id| id == unseen.to_string()), "{drawn} lacks {unseen}");

    // The same right sheet handed in ten times at once: passed once, credited once.
    let right = answers(app, retry, true).await;
    let outcomes = futures::future::join_all((0..10).map(|_| submit(app, &learner, retry, &right))).await;
    assert_eq!(outcomes.iter().filter(|o| o.status == StatusCode::OK).count(), 1);
    let (year, category, tenths): (i64, String, i64) =
        sqlx::query_as("SELECT year, category, tenths FROM credit_ledger WHERE source = 'course'")
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
    assert_eq!((category.as_str(), tenths), ("public", 100));
    assert!(year >= 2026);
    // Passing again credits nothing more.
    let (_, third) = start_quiz(app, &learner, selection).await;
    let third = third.unwrap();
    assert_eq!(submit(app, &learner, third, &answers(app, third, true).await).await.status, StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM credit_ledger WHERE source = 'course'").await, 1);
    let home =
        app.call("/api/learn/class", &[("class_id", &class_id.to_string())], Some(&learner)).await.json();
    assert_eq!(home["earned"]["public"], 100);
    assert_eq!(home["courses"][0]["passed"], true);
    // The public 学时查询 shows it now.
    assert_eq!(
        app.count("SELECT CAST(SUM(tenths) AS BIGINT) FROM credit_ledger WHERE source = 'course'").await,
        100
    );
}

/// Two 开始测验 at once open one attempt; a question an attempt drew cannot be deleted
/// (the attempt is graded and reviewed by those ids), one never drawn can.
async fn a_quiz_opens_once_and_its_questions_stay(app: &TestApp) {
    let learner = app.login(LEARNER).await;
    let class_id = online_class(app).await;
    let digital = course(app, DIGITAL).await;
    assert_eq!(select(app, &learner, class_id, &[digital]).await.status, StatusCode::OK);
    let selection = selection_of(app, digital).await;
    watch_course(app, &learner, digital).await;
    let (first, second) =
        futures::join!(start_quiz(app, &learner, selection), start_quiz(app, &learner, selection));
    assert_eq!((first.0.status, second.0.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM quiz_attempts WHERE selection_id = {selection} AND submitted_at IS NULL"
        ))
        .await,
        1
    );

    let provider = app.login(PROVIDER_PHONE).await;
    let drawn: String =
        scalar(app, "SELECT questions FROM quiz_attempts WHERE selection_id = $1", selection).await;
    let drawn: Vec<&str> = drawn.split(',').collect();
    let refused = app.call("/api/provider/questions/delete", &[("id", drawn[0])], Some(&provider)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.json()["message"].as_str().unwrap().contains("不能删除"));
    let bank: Vec<i64> = sqlx::query_scalar("SELECT id FROM questions WHERE course_id = $1")
        .bind(digital)
        .fetch_all(app.state.db.reader())
        .await
        .unwrap();
    assert_eq!(bank.len(), 6);
    let never_drawn = bank.iter().find(|id| !drawn.contains(&id.to_string().as_str())).unwrap().to_string();
    let deleted = app.call("/api/provider/questions/delete", &[("id", &never_drawn)], Some(&provider)).await;
    assert!(deleted.status.is_success() || deleted.status.is_redirection(), "{}", deleted.body);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM questions WHERE course_id = {digital}")).await, 5);
}

async fn videos_stream_in_ranges_to_those_who_study_them(app: &TestApp) {
    let learner = app.login(LEARNER).await;
    let class_id = online_class(app).await;
    let law = course(app, LAW).await;
    let video: String = scalar(app, "SELECT video_file_id FROM chapters WHERE course_id = $1", law).await;
    let get = |cookie: Option<String>| {
        let video = video.clone();
        async move {
            let mut request = Request::get(format!("/files/{video}"))
                .header(header::HOST, "localhost")
                .header(header::RANGE, "bytes=0-99");
            if let Some(cookie) = cookie {
                request = request.header(header::COOKIE, cookie);
            }
            app.send(request.body(axum::body::Body::empty()).unwrap(), "10.0.0.1").await
        }
    };
    // Not before the course is selected; never for a visitor.
    assert_eq!(get(Some(learner.clone())).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(select(app, &learner, class_id, &[law]).await.status, StatusCode::OK);
    let part = get(Some(learner.clone())).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.headers[header::CONTENT_TYPE], "video/webm");
    assert!(part.headers[header::CONTENT_RANGE].to_str().unwrap().starts_with("bytes 0-99/"));
    assert_eq!(part.headers[header::ACCEPT_RANGES], "bytes");
    // The provider may watch its own course.
    let provider = app.login(PROVIDER_PHONE).await;
    assert_eq!(get(Some(provider)).await.status, StatusCode::PARTIAL_CONTENT);
}

async fn providers_keep_their_courses(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let trainee = app.login(TRAINEE_PHONE).await;
    let form = |title: &'static str| {
        vec![
            ("title", title),
            ("category", "elective"),
            ("hours", "1.5"),
            ("quiz_count", "2"),
            ("quiz_points", "50"),
        ]
    };
    assert_eq!(
        app.call("/api/provider/courses/save", &form("摄影基础"), Some(&trainee)).await.status,
        StatusCode::FORBIDDEN
    );
    let bad = app.call("/api/provider/courses/save", &[("title", "")], Some(&provider)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let saved = app.call("/api/provider/courses/save", &form("摄影基础"), Some(&provider)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let id = course(app, "摄影基础").await;
    let course_id = id.to_string();

    // A chapter's length is read from the video itself.
    let video = include_bytes!("../../app/seed/videos/law-1.webm");
    let chapter = app
        .upload(
            "/api/provider/chapters/video/upload",
            &[
                Part::Text("course_id", &course_id),
                Part::Text("title", "构图"),
                Part::File {
                    name: "video", filename: "构图.webm", content_type: "video/webm", bytes: video
                },
            ],
            Some(&provider),
        )
        .await;
    assert_eq!(chapter.status, StatusCode::OK, "{}", chapter.body);
    assert_eq!(chapters_of(app, id).await[0].1, 12_000);
    let not_video = app
        .upload(
            "/api/provider/chapters/video/upload",
            &[
                Part::Text("course_id", &course_id),
                Part::Text("title", "假视频"),
                Part::File { name: "video", filename: "x.webm", content_type: "video/webm", bytes: PDF },
            ],
            Some(&provider),
        )
        .await;
    assert_eq!(not_video.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Questions are checked by kind.
    let question = |kind: &'static str, answer: &'static str| {
        vec![
            ("course_id", course_id.clone()),
            ("kind", kind.to_owned()),
            ("stem", "三分法构图把画面分成几份？".to_owned()),
            ("options", "三\n六\n九".to_owned()),
            ("answer", answer.to_owned()),
            ("explanation", "横竖各三等分，共九份。".to_owned()),
        ]
    };
    let call = |fields: Vec<(&'static str, String)>| {
        let provider = provider.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call("/api/provider/questions/add", &pairs, Some(&provider)).await
        }
    };
    assert_eq!(call(question("single", "D")).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(call(question("multiple", "C")).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(call(question("single", "c")).await.status, StatusCode::OK);
    let detail = app.call("/api/provider/courses/get", &[("id", &course_id)], Some(&provider)).await.json();
    assert_eq!(detail["questions"][0]["answer"], "C");
    assert_eq!(detail["hours_tenths"], 15);

    // Offered by the provider's online class only.
    let class_id = online_class(app).await;
    let key = format!("class_{class_id}");
    let offered = app
        .call("/api/provider/courses/classes", &[("course_id", &course_id), (&key, "1")], Some(&provider))
        .await;
    assert_eq!(offered.status, StatusCode::OK, "{}", offered.body);
    let offline: i64 = sqlx::query_scalar("SELECT id FROM classes WHERE mode = 'offline' LIMIT 1")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    let key = format!("class_{offline}");
    let refused = app
        .call("/api/provider/courses/classes", &[("course_id", &course_id), (&key, "1")], Some(&provider))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let offered: i64 = scalar(app, "SELECT COUNT(*) FROM class_courses WHERE course_id = $1", id).await;
    assert_eq!(offered, 1);
}

/// Watch a few seconds, leave, come back and leave again without pressing play: the
/// returning player's beacon (at 0:00, or with no position) must not move the point
/// the next visit resumes at; watching again from earlier does move it.
async fn a_player_that_has_not_played_keeps_the_resume_point(app: &TestApp) {
    let learner = app.login(LEARNER).await;
    let class_id = online_class(app).await;
    let digital = course(app, DIGITAL).await;
    assert_eq!(select(app, &learner, class_id, &[digital]).await.status, StatusCode::OK);
    let selection = selection_of(app, digital).await;
    let (chapter, _) = chapters_of(app, digital).await[0];

    // The first visit watches six seconds and leaves.
    let token = start_playback(app, &learner, chapter, "").await.json().as_str().unwrap().to_owned();
    wait(app, 6_000).await;
    let watched = beat_at(app, &learner, chapter, &token, "0-6000", Some(6_000)).await;
    assert_eq!(watched.status, StatusCode::OK, "{}", watched.body);
    app.call("/api/learn/playback/stop", &[("token", &token)], Some(&learner)).await;
    assert_eq!(resume_point(app, &learner, selection).await, 6_000);

    // A fresh player that never played: its leaving beacon, at 0:00 and with no
    // coverage (as players before this fix sent it), then without a position.
    let token = start_playback(app, &learner, chapter, "").await.json().as_str().unwrap().to_owned();
    wait(app, 3_000).await;
    let left = beat_at(app, &learner, chapter, &token, "", Some(0)).await;
    assert_eq!(left.status, StatusCode::OK, "{}", left.body);
    assert_eq!(resume_point(app, &learner, selection).await, 6_000);
    wait(app, 3_000).await;
    assert_eq!(beat_at(app, &learner, chapter, &token, "", None).await.status, StatusCode::OK);
    assert_eq!(resume_point(app, &learner, selection).await, 6_000);
    let covered: i64 =
        scalar(app, "SELECT covered_ms FROM chapter_progress WHERE chapter_id = $1", chapter).await;
    assert_eq!(covered, 6_000);

    // Seeking back and watching again adds no coverage but is real play: the point moves.
    wait(app, 2_000).await;
    assert_eq!(
        beat_at(app, &learner, chapter, &token, "1000-3000", Some(3_000)).await.status,
        StatusCode::OK
    );
    assert_eq!(resume_point(app, &learner, selection).await, 3_000);
}
