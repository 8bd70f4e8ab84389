//! Uploads and downloads under attack and load (issue 11, items 10-12), on both engines:
//! an upload is authenticated before its body is read, streamed to storage, bounded in
//! time and in number; its file is stored outside the writer's transaction and swept
//! when its row never committed; downloads stream, ranges too.

#![allow(clippy::unwrap_used)] // a failed setup step fails the test

mod common;
use app::platform::{
    server::{
        files::{self, ORPHAN_GRACE_MS},
        storage::{
            FileKind, Storage,
            object_store::{
                self, CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta,
                ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult, UploadPart,
                local::LocalFileSystem, path::Path as ObjectPath,
            },
        },
    },
    time::now_ms,
};
use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{Method, Request, StatusCode, header},
    response::Response,
};
use bytes::Bytes;
use common::{enrol::PROVIDER_PHONE, *};
use futures::{SinkExt, channel::mpsc, stream::BoxStream};
use http_body_util::BodyExt;
use std::{
    future::Future,
    net::SocketAddr,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};
use tokio::sync::Semaphore;
use tower::ServiceExt;

const VIDEO_UPLOAD: &str = "/api/provider/chapters/video/upload";
const LAW_VIDEO: &[u8] = include_bytes!("../../app/seed/videos/law-1.webm");
/// How long a refusal that must not wait for the body may take at most.
const PROMPTLY: Duration = Duration::from_secs(15);

/// Like `engine_tests!`, on an app with its own settings.
macro_rules! engine_tests_with {
    ($settings:expr; $($name:ident),* $(,)?) => {
        $(
            mod $name {
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    run_with(Engine::Sqlite, $settings, |app| Box::pin(super::$name(app))).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    run_with(Engine::Postgres, $settings, |app| Box::pin(super::$name(app))).await;
                }
            }
        )*
    };
}

engine_tests!(
    uploads_are_refused_before_their_body_is_read,
    downloads_stream_whole_files_and_exact_ranges,
    a_file_whose_row_never_committed_is_swept,
    a_replaced_cover_is_swept,
    an_upload_in_progress_does_not_hold_the_writer,
);

/// Short timeouts, so a stalled body is seen quickly.
const QUICK_TIMEOUTS: &[(&str, &str)] = &[("upload_stall_seconds", "1"), ("request_timeout_seconds", "3")];
engine_tests_with!(QUICK_TIMEOUTS; a_stalled_body_times_out);

const ONE_UPLOAD_AT_A_TIME: &[(&str, &str)] = &[("upload_concurrency", "1")];
engine_tests_with!(ONE_UPLOAD_AT_A_TIME; uploads_beyond_the_limit_are_refused);

// ---- helpers -------------------------------------------------------------------------

/// Sends a request through a router and hands back the response unread.
async fn send_raw(router: &Router, mut request: Request<Body>) -> Response {
    request.extensions_mut().insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 40000))));
    router.clone().oneshot(request).await.unwrap()
}

async fn read_text(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn post(
    path: &str,
    content_type: &str,
    cookie: Option<&str>,
    length: Option<usize>,
    body: Body,
) -> Request<Body> {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost")
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json");
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    if let Some(length) = length {
        builder = builder.header(header::CONTENT_LENGTH, length);
    }
    builder.body(body).unwrap()
}

/// A body fed by hand: what is sent arrives, then it waits (a slow or stalled client).
fn hand_fed_body() -> (mpsc::Sender<Result<Bytes, std::io::Error>>, Body) {
    let (sender, receiver) = mpsc::channel(8);
    (sender, Body::from_stream(receiver))
}

/// A chapter form with `video` as its file; course id and title come first, as the
/// console's form sends them.
fn chapter_form(course_id: &str, title: &str, video: &[u8]) -> (String, Vec<u8>) {
    multipart_body(&[
        Part::Text("course_id", course_id),
        Part::Text("title", title),
        Part::File { name: "video", filename: "章节.webm", content_type: "video/webm", bytes: video },
    ])
}

/// A course of the demo provider's own, for chapters to be added to.
async fn own_course(app: &TestApp, provider: &str) -> i64 {
    let title = format!("上传测试{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let saved = app
        .call(
            "/api/provider/courses/save",
            &[
                ("title", &title),
                ("category", "elective"),
                ("hours", "1"),
                ("quiz_count", "1"),
                ("quiz_points", "100"),
            ],
            Some(provider),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    sqlx::query_scalar("SELECT id FROM courses WHERE title = $1")
        .bind(&title)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap()
}

async fn chapter_count(app: &TestApp, course_id: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM chapters WHERE course_id = $1")
        .bind(course_id)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap()
}

/// The stored chapter videos (the objects, not the rows).
fn stored_videos(app: &TestApp) -> usize {
    std::fs::read_dir(app.state.config.storage_dir.join("chapter_video")).map_or(0, |dir| dir.count())
}

/// The demo WebM padded to `size` with a pattern, so every range is distinguishable.
fn padded_video(size: usize) -> Vec<u8> {
    let mut video = LAW_VIDEO.to_vec();
    let from = video.len();
    video.extend((from..size).map(|i| (i % 251) as u8));
    video
}

async fn upload_chapter(router: &Router, cookie: &str, course_id: i64, video: &[u8]) -> Response {
    let (content_type, body) = chapter_form(&course_id.to_string(), "第一章", video);
    send_raw(router, post(VIDEO_UPLOAD, &content_type, Some(cookie), None, Body::from(body))).await
}

// ---- item 10: authenticate first, bounded time and number ------------------------------

async fn uploads_are_refused_before_their_body_is_read(app: &TestApp) {
    let trainee = app.login(TRAINEE_PHONE).await;
    let (content_type, form) = chapter_form("1", "第一章", LAW_VIDEO);
    const MIB: usize = 1024 * 1024;
    let cases: [(&str, Option<&str>, usize, StatusCode); 3] = [
        (VIDEO_UPLOAD, None, 150 * MIB, StatusCode::UNAUTHORIZED),
        (VIDEO_UPLOAD, Some(trainee.as_str()), 150 * MIB, StatusCode::FORBIDDEN),
        ("/api/accounts/verify/upload", None, 9 * MIB, StatusCode::UNAUTHORIZED),
    ];
    for (path, cookie, size, expected) in cases {
        // A large body, announced or not: the first chunk arrives, the rest never does.
        // An answer can only come from a server that did not wait for the body.
        for declared in [Some(size), None] {
            let (mut sender, body) = hand_fed_body();
            sender.send(Ok(Bytes::copy_from_slice(&form[..4096]))).await.unwrap();
            let answer = tokio::time::timeout(
                PROMPTLY,
                send_raw(&app.router, post(path, &content_type, cookie, declared, body)),
            )
            .await
            .unwrap_or_else(|_| {
                panic!("{path} ({declared:?}) waited for the body of a caller it must refuse")
            });
            let (status, text) = read_text(answer).await;
            assert_eq!(status, expected, "{path} {declared:?}: {text}");
            // Nobody holds the body any more: it was dropped unread.
            assert!(sender.is_closed(), "{path}: the body is still being held");
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM chapters WHERE title = '第一章'").await, 0);
}

async fn a_stalled_body_times_out(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let course_id = own_course(app, &provider).await;
    let videos_before = stored_videos(app);
    // An upload whose body stops half-way (the video begun, then nothing).
    let (content_type, form) = chapter_form(&course_id.to_string(), "第一章", &padded_video(512 * 1024));
    let (mut sender, body) = hand_fed_body();
    sender.send(Ok(Bytes::copy_from_slice(&form[..256 * 1024]))).await.unwrap();
    let answer = tokio::time::timeout(
        PROMPTLY,
        send_raw(&app.router, post(VIDEO_UPLOAD, &content_type, Some(&provider), None, body)),
    )
    .await
    .expect("a stalled upload was waited for without end");
    let (status, text) = read_text(answer).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT, "{text}");
    assert!(text.contains("超时"), "{text}");
    drop(sender);
    assert_eq!(chapter_count(app, course_id).await, 0);
    // The part already written was thrown away, not kept as a file.
    assert_eq!(stored_videos(app), videos_before);

    // An ordinary form whose body stalls ends at the request timeout.
    let (mut sender, body) = hand_fed_body();
    sender.send(Ok(Bytes::from_static(b"account=138"))).await.unwrap();
    let request = post("/api/accounts/login", "application/x-www-form-urlencoded", None, Some(1000), body);
    let answer = tokio::time::timeout(PROMPTLY, send_raw(&app.router, request))
        .await
        .expect("a stalled form was waited for without end");
    assert_eq!(answer.status(), StatusCode::REQUEST_TIMEOUT);
}

async fn uploads_beyond_the_limit_are_refused(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let course_id = own_course(app, &provider).await;
    let (content_type, form) = chapter_form(&course_id.to_string(), "第一章", &padded_video(256 * 1024));

    // One upload under way (its body arriving slowly) takes the only place.
    let (mut sender, body) = hand_fed_body();
    sender.send(Ok(Bytes::copy_from_slice(&form[..64 * 1024]))).await.unwrap();
    let first = {
        let router = app.router.clone();
        let request = post(VIDEO_UPLOAD, &content_type, Some(&provider), None, body);
        tokio::spawn(async move { read_text(send_raw(&router, request).await).await })
    };
    let deadline = tokio::time::Instant::now() + PROMPTLY;
    while app.state.upload_permits.available_permits() > 0 {
        assert!(tokio::time::Instant::now() < deadline, "the first upload never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // A second is refused at once, in words a person reads, and nothing is stored.
    let (second_type, second_form) = chapter_form(&course_id.to_string(), "第二章", LAW_VIDEO);
    let second = tokio::time::timeout(
        PROMPTLY,
        send_raw(
            &app.router,
            post(VIDEO_UPLOAD, &second_type, Some(&provider), None, Body::from(second_form)),
        ),
    )
    .await
    .expect("the second upload was queued instead of refused");
    assert!(second.headers().contains_key(header::RETRY_AFTER));
    let (status, text) = read_text(second).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert!(text.contains("稍后再试"), "{text}");

    // The first finishes normally and gives its place back.
    sender.send(Ok(Bytes::copy_from_slice(&form[64 * 1024..]))).await.unwrap();
    drop(sender);
    let (status, text) = first.await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(app.state.upload_permits.available_permits(), 1);
    let (third_type, third_form) = chapter_form(&course_id.to_string(), "第三章", LAW_VIDEO);
    let third =
        send_raw(&app.router, post(VIDEO_UPLOAD, &third_type, Some(&provider), None, Body::from(third_form)))
            .await;
    assert_eq!(third.status(), StatusCode::OK);
    let titles: Vec<String> =
        sqlx::query_scalar("SELECT title FROM chapters WHERE course_id = $1 ORDER BY position")
            .bind(course_id)
            .fetch_all(app.state.db.reader())
            .await
            .unwrap();
    assert_eq!(titles, ["第一章", "第三章"]);
}

// ---- item 12: downloads stream --------------------------------------------------------

/// The status, headers, bytes and frame sizes of a download.
async fn download(
    app: &TestApp,
    id: &str,
    cookie: &str,
    range: Option<&str>,
) -> (Response, Vec<u8>, Vec<usize>) {
    let mut builder = Request::builder()
        .method(Method::GET)
        .uri(format!("/files/{id}"))
        .header(header::HOST, "localhost")
        .header(header::COOKIE, cookie);
    if let Some(range) = range {
        builder = builder.header(header::RANGE, range);
    }
    let mut response = send_raw(&app.router, builder.body(Body::empty()).unwrap()).await;
    let mut bytes = Vec::new();
    let mut frames = Vec::new();
    while let Some(frame) = response.body_mut().frame().await {
        if let Ok(data) = frame.expect("the download broke off").into_data() {
            frames.push(data.len());
            bytes.extend_from_slice(&data);
        }
    }
    (response, bytes, frames)
}

async fn downloads_stream_whole_files_and_exact_ranges(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let course_id = own_course(app, &provider).await;
    let size = 3 * 1024 * 1024 + 17;
    let video = padded_video(size);
    let uploaded = upload_chapter(&app.router, &provider, course_id, &video).await;
    let (status, text) = read_text(uploaded).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (file_id, duration_ms): (String, i64) =
        sqlx::query_as("SELECT video_file_id, duration_ms FROM chapters WHERE course_id = $1")
            .bind(course_id)
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
    // The length was read from the stored file's header.
    assert_eq!(duration_ms, 12_000);

    // The whole file, in many small pieces rather than one buffer of it all.
    let (response, bytes, frames) = download(app, &file_id, &provider, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_LENGTH], size.to_string().as_str());
    assert_eq!(response.headers()[header::ACCEPT_RANGES], "bytes");
    assert!(bytes == video, "the download differs from the upload");
    assert!(frames.len() >= 8, "the file came in {} pieces: it was read whole", frames.len());
    assert!(frames.iter().all(|len| *len <= 1024 * 1024), "a piece of {:?} bytes", frames.iter().max());

    // A range in the middle: exactly those bytes, also in pieces.
    let (response, bytes, frames) = download(app, &file_id, &provider, Some("bytes=1048576-2621439")).await;
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.headers()[header::CONTENT_RANGE], format!("bytes 1048576-2621439/{size}").as_str());
    assert_eq!(response.headers()[header::CONTENT_LENGTH], "1572864");
    assert!(bytes == video[1_048_576..2_621_440], "the range holds other bytes");
    assert!(frames.len() >= 4 && frames.iter().all(|len| *len <= 1024 * 1024), "{frames:?}");

    // The end of the file (a player reading the index), and open-ended.
    let (response, bytes, _) = download(app, &file_id, &provider, Some("bytes=-100")).await;
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert!(bytes == video[size - 100..]);
    let (response, bytes, _) =
        download(app, &file_id, &provider, Some(&format!("bytes={}-", size - 5))).await;
    assert_eq!(response.headers()[header::CONTENT_LENGTH], "5");
    assert!(bytes == video[size - 5..]);
    let (response, _, _) = download(app, &file_id, &provider, Some(&format!("bytes={size}-"))).await;
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);

    // An MP4 whose movie header sits after 2 MiB of media data: found by walking the
    // boxes of the stored file.
    let mp4 = mp4_with_moov_at_the_end(2 * 1024 * 1024, 1000, 90_500);
    let (content_type, form) = multipart_body(&[
        Part::Text("course_id", &course_id.to_string()),
        Part::Text("title", "第二章"),
        Part::File { name: "video", filename: "第二章.mp4", content_type: "video/mp4", bytes: &mp4 },
    ]);
    let uploaded =
        send_raw(&app.router, post(VIDEO_UPLOAD, &content_type, Some(&provider), None, Body::from(form)))
            .await;
    let (status, text) = read_text(uploaded).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let duration: i64 =
        sqlx::query_scalar("SELECT duration_ms FROM chapters WHERE course_id = $1 AND title = '第二章'")
            .bind(course_id)
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
    assert_eq!(duration, 90_500);
}

/// ftyp, a large mdat, then moov/mvhd (version 0) with the given timescale and duration.
fn mp4_with_moov_at_the_end(media_bytes: usize, timescale: u32, duration: u32) -> Vec<u8> {
    let mut mp4 = vec![0, 0, 0, 24];
    mp4.extend_from_slice(b"ftypisom\0\0\x02\0isommp41");
    mp4.extend_from_slice(&u32::try_from(media_bytes + 8).unwrap().to_be_bytes());
    mp4.extend_from_slice(b"mdat");
    mp4.extend((0..media_bytes).map(|i| (i % 7) as u8));
    mp4.extend_from_slice(&[0, 0, 0, 40]);
    mp4.extend_from_slice(b"moov");
    mp4.extend_from_slice(&[0, 0, 0, 32]);
    mp4.extend_from_slice(b"mvhd");
    mp4.extend_from_slice(&[0, 0, 0, 0]);
    mp4.extend_from_slice(&[0; 8]);
    mp4.extend_from_slice(&timescale.to_be_bytes());
    mp4.extend_from_slice(&duration.to_be_bytes());
    mp4
}

// ---- item 11: store first, commit the row, sweep what never committed ----------------

async fn a_file_whose_row_never_committed_is_swept(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let course_id = own_course(app, &provider).await;
    let uploaded = upload_chapter(&app.router, &provider, course_id, LAW_VIDEO).await;
    assert_eq!(uploaded.status(), StatusCode::OK);
    let kept: String = sqlx::query_scalar(
        "SELECT f.storage_key FROM chapters c JOIN files f ON f.id = c.video_file_id WHERE c.course_id = $1",
    )
    .bind(course_id)
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    // What a crash between storing and committing leaves: an object and no row.
    let storage = &app.state.storage;
    let (orphan, _) = storage
        .put_checked("chapter_video", Bytes::from_static(LAW_VIDEO), 1024 * 1024, &[FileKind::Webm])
        .await
        .unwrap();
    let (other_orphan, _) =
        storage.put_checked("id_card", Bytes::from_static(PNG), 1024, &[FileKind::Png]).await.unwrap();
    let exists = |key: String| async move { storage.get_range(&key, 0..1).await.is_ok() };

    // Young orphans may still be on their way to a commit: they stay.
    let swept = files::sweep_orphans(&app.state.db, storage, now_ms() - ORPHAN_GRACE_MS).await.unwrap();
    assert_eq!(swept, 0);
    assert!(exists(orphan.clone()).await && exists(other_orphan.clone()).await);

    // Once older than the grace period they go; every file with a row stays.
    let swept = files::sweep_orphans(&app.state.db, storage, now_ms() + 60_000).await.unwrap();
    assert_eq!(swept, 2);
    assert!(!exists(orphan).await && !exists(other_orphan).await);
    assert!(exists(kept).await);
    let recorded: Vec<String> =
        sqlx::query_scalar("SELECT storage_key FROM files").fetch_all(app.state.db.reader()).await.unwrap();
    assert!(recorded.len() > 1);
    for key in recorded {
        assert!(exists(key.clone()).await, "{key} has a row and was deleted");
    }
    // Nothing left to sweep.
    assert_eq!(files::sweep_orphans(&app.state.db, storage, now_ms() + 60_000).await.unwrap(), 0);
}

async fn a_replaced_cover_is_swept(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let course_id = own_course(app, &provider).await;
    let id = course_id.to_string();
    let cover_of = || async {
        sqlx::query_scalar::<_, Option<String>>(
            "SELECT f.storage_key FROM courses c JOIN files f ON f.id = c.cover_file_id WHERE c.id = $1",
        )
        .bind(course_id)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap()
        .unwrap()
    };
    let set_cover = || async {
        let uploaded = app
            .upload(
                "/api/provider/courses/cover/upload",
                &[
                    Part::Text("course_id", &id),
                    Part::File {
                        name: "cover", filename: "封面.png", content_type: "image/png", bytes: PNG
                    },
                ],
                Some(&provider),
            )
            .await;
        assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.body);
    };
    set_cover().await;
    let first = cover_of().await;
    set_cover().await;
    let second = cover_of().await;
    assert_ne!(first, second);
    let rows = |key: String| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM files WHERE storage_key = $1")
            .bind(key)
            .fetch_one(app.state.db.reader())
            .await
            .unwrap()
    };
    assert_eq!(rows(first.clone()).await, 0, "the replaced cover's row went with the replacement");
    let storage = &app.state.storage;
    assert_eq!(files::sweep_orphans(&app.state.db, storage, now_ms() + 60_000).await.unwrap(), 1);
    assert!(storage.get_range(&first, 0..1).await.is_err(), "its object is swept");
    assert!(storage.get_range(&second, 0..1).await.is_ok());
}

/// An object store whose writes wait at a gate until the test opens it: a store that
/// takes its time (a slow disk, S3), made controllable.
#[derive(Debug)]
struct GatedStore {
    inner: Arc<dyn ObjectStore>,
    gate: Arc<Gate>,
}

#[derive(Debug)]
struct Gate {
    open: Semaphore,
    waiting: AtomicUsize,
}

impl Gate {
    fn closed() -> Arc<Self> {
        Arc::new(Self { open: Semaphore::new(0), waiting: AtomicUsize::new(0) })
    }

    async fn pass(&self) {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        drop(self.open.acquire().await.unwrap());
        self.waiting.fetch_sub(1, Ordering::SeqCst);
    }

    fn open(&self) {
        self.open.add_permits(1 << 20);
    }

    async fn wait_for_a_writer(&self) {
        let deadline = tokio::time::Instant::now() + PROMPTLY;
        while self.waiting.load(Ordering::SeqCst) == 0 {
            assert!(tokio::time::Instant::now() < deadline, "no write reached the store");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl std::fmt::Display for GatedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GatedStore({})", self.inner)
    }
}

type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = object_store::Result<T>> + Send + 'a>>;

// The trait is declared with async_trait; these are its methods written out.
impl ObjectStore for GatedStore {
    fn put_opts<'life0, 'life1, 'async_trait>(
        &'life0 self,
        location: &'life1 ObjectPath,
        payload: PutPayload,
        opts: PutOptions,
    ) -> StoreFuture<'async_trait, PutResult>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            self.gate.pass().await;
            self.inner.put_opts(location, payload, opts).await
        })
    }

    fn put_multipart_opts<'life0, 'life1, 'async_trait>(
        &'life0 self,
        location: &'life1 ObjectPath,
        opts: PutMultipartOptions,
    ) -> StoreFuture<'async_trait, Box<dyn MultipartUpload>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let inner = self.inner.put_multipart_opts(location, opts).await?;
            Ok(Box::new(GatedUpload { inner, gate: self.gate.clone() }) as Box<dyn MultipartUpload>)
        })
    }

    fn get_opts<'life0, 'life1, 'async_trait>(
        &'life0 self,
        location: &'life1 ObjectPath,
        options: GetOptions,
    ) -> StoreFuture<'async_trait, GetResult>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.inner.get_opts(location, options)
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<ObjectPath>>,
    ) -> BoxStream<'static, object_store::Result<ObjectPath>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&ObjectPath>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    fn list_with_delimiter<'life0, 'life1, 'async_trait>(
        &'life0 self,
        prefix: Option<&'life1 ObjectPath>,
    ) -> StoreFuture<'async_trait, ListResult>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.inner.list_with_delimiter(prefix)
    }

    fn copy_opts<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        from: &'life1 ObjectPath,
        to: &'life2 ObjectPath,
        options: CopyOptions,
    ) -> StoreFuture<'async_trait, ()>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        self.inner.copy_opts(from, to, options)
    }
}

/// A multipart upload whose completion waits at the gate.
#[derive(Debug)]
struct GatedUpload {
    inner: Box<dyn MultipartUpload>,
    gate: Arc<Gate>,
}

impl MultipartUpload for GatedUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        self.inner.put_part(data)
    }

    fn complete<'life0, 'async_trait>(&'life0 mut self) -> StoreFuture<'async_trait, PutResult>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            self.gate.pass().await;
            self.inner.complete().await
        })
    }

    fn abort<'life0, 'async_trait>(&'life0 mut self) -> StoreFuture<'async_trait, ()>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.inner.abort()
    }
}

async fn an_upload_in_progress_does_not_hold_the_writer(app: &TestApp) {
    let provider = app.login(PROVIDER_PHONE).await;
    let course_id = own_course(app, &provider).await;
    // The same app over the same database and files, with a store that writes slowly.
    let gate = Gate::closed();
    let local = LocalFileSystem::new_with_prefix(&app.state.config.storage_dir).unwrap();
    let mut state = app.state.clone();
    state.storage = Storage::new(Arc::new(GatedStore { inner: Arc::new(local), gate: gate.clone() }));
    let slow = xueshi::router(state);

    // A chapter video (streamed in parts) and a cover picture (one write), each held in
    // the store while other people go on writing.
    let (video_type, video_form) =
        chapter_form(&course_id.to_string(), "第一章", &padded_video(6 * 1024 * 1024));
    let (cover_type, cover_form) = multipart_body(&[
        Part::Text("course_id", &course_id.to_string()),
        Part::File { name: "cover", filename: "封面.png", content_type: "image/png", bytes: PNG },
    ]);
    let uploads = [
        (VIDEO_UPLOAD, video_type, video_form),
        ("/api/provider/courses/cover/upload", cover_type, cover_form),
    ];
    for (path, content_type, form) in uploads {
        let upload = {
            let slow = slow.clone();
            let request = post(path, &content_type, Some(&provider), None, Body::from(form));
            tokio::spawn(async move { read_text(send_raw(&slow, request).await).await })
        };
        gate.wait_for_a_writer().await;
        // Writes that have nothing to do with the upload: a login (captcha, throttle,
        // session) and the provider's own course edit.
        let login = tokio::time::timeout(PROMPTLY, app.try_login(TRAINEE_PHONE, PASSWORD))
            .await
            .unwrap_or_else(|_| panic!("a login waited for the upload to {path} to be stored"));
        assert_eq!(login.status, StatusCode::OK, "{}", login.body);
        assert!(!upload.is_finished(), "the upload to {path} did not wait at the gate");
        gate.open();
        let (status, text) = upload.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{path}: {text}");
        // Closed again for the next upload.
        let _ = gate.open.forget_permits(usize::MAX);
    }
    assert_eq!(chapter_count(app, course_id).await, 1);
    let cover: Option<String> = sqlx::query_scalar("SELECT cover_file_id FROM courses WHERE id = $1")
        .bind(course_id)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert!(cover.is_some());
}
