//! The provider's courses in the database: the course, its chapters (videos), its
//! question bank, and the online classes that offer it. A provider manages only its
//! own; the platform admin manages all.

use crate::state::{AppState, Ctx};
use crate::{
    accounts::domain::roles::CurrentUser,
    catalogue::{
        domain::{Category, Mode},
        server::{may_manage, provider_scope},
    },
    enrolment::domain::Status,
    error::{AppError, AppResult},
    learning::{
        api::{ChapterAdmin, ClassOffer, CourseAdmin, CourseLine, QuestionAdmin},
        domain::{CheckedQuestion, CourseForm, QuestionForm, QuestionKind, check_question},
    },
    platform::server::{
        db::Tx,
        files::{self, FileRecord, NewFile, StreamUpload, Upload},
        media,
        storage::FileKind,
    },
};
use bytes::Bytes;

/// The course if the user manages it: its provider.
async fn managed_course<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user: &CurrentUser,
    course_id: i64,
) -> AppResult<i64> {
    let provider: Option<i64> = sqlx::query_scalar("SELECT provider_id FROM courses WHERE id = $1")
        .bind(course_id)
        .fetch_optional(executor)
        .await?;
    provider.filter(|p| may_manage(user, *p)).ok_or_else(|| AppError::not_found("课程不存在"))
}

#[derive(sqlx::FromRow)]
struct CourseLineRow {
    id: i64,
    title: String,
    #[sqlx(try_from = "String")]
    category: Category,
    hours_tenths: i64,
    chapters: i64,
}

pub async fn list(cx: &Ctx) -> AppResult<Vec<CourseLine>> {
    let scope = provider_scope(&cx.user)?.unwrap_or(0);
    let rows: Vec<CourseLineRow> = sqlx::query_as(
        "SELECT co.id, co.title, co.category, co.hours_tenths,
                (SELECT COUNT(*) FROM chapters ch WHERE ch.course_id = co.id) AS chapters
         FROM courses co WHERE ($1 = 0 OR co.provider_id = $1) ORDER BY co.id DESC LIMIT 500",
    )
    .bind(scope)
    .fetch_all(cx.state.db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| CourseLine {
            id: row.id,
            title: row.title,
            category: row.category,
            hours_tenths: row.hours_tenths,
            chapters: row.chapters,
        })
        .collect())
}

/// Creates (id empty) or updates a course; returns its id.
pub async fn save(cx: &Ctx, form: &CourseForm) -> AppResult<i64> {
    let (state, user, now) = (&cx.state, &cx.user, cx.now);
    let c = form.check()?;
    let id = form.id.trim().parse::<i64>().ok();
    match id {
        None => {
            let provider_id = provider_scope(user)?
                .ok_or_else(|| AppError::bad_request("平台管理员请在施教机构账号下创建课程"))?;
            Ok(sqlx::query_scalar(
                "INSERT INTO courses (provider_id, title, category, hours_tenths, description, quiz_count, quiz_points,
                                      pass_score, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(provider_id)
            .bind(&c.title)
            .bind(c.category.code())
            .bind(c.hours_tenths)
            .bind(&c.description)
            .bind(c.quiz_count)
            .bind(c.quiz_points)
            .bind(c.pass_score)
            .bind(user.id)
            .bind(now)
            .fetch_one(state.db.writer())
            .await?)
        }
        Some(id) => {
            let mut tx = state.db.begin().await?;
            managed_course(&mut *tx, user, id).await?;
            sqlx::query(
                "UPDATE courses SET title = $1, category = $2, hours_tenths = $3, description = $4, quiz_count = $5,
                     quiz_points = $6, pass_score = $7, updated_at = $8 WHERE id = $9",
            )
            .bind(&c.title)
            .bind(c.category.code())
            .bind(c.hours_tenths)
            .bind(&c.description)
            .bind(c.quiz_count)
            .bind(c.quiz_points)
            .bind(c.pass_score)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        }
    }
}

#[derive(sqlx::FromRow)]
struct CourseRow {
    title: String,
    #[sqlx(try_from = "String")]
    category: Category,
    hours_tenths: i64,
    description: String,
    cover_file_id: Option<String>,
    quiz_count: i64,
    quiz_points: i64,
    pass_score: i64,
}

#[derive(sqlx::FromRow)]
struct ChapterRow {
    id: i64,
    position: i64,
    title: String,
    duration_ms: i64,
    video_file_id: Option<String>,
}

/// A question of the bank as stored (options one per line), for the console and for
/// grading (`quiz`).
#[derive(sqlx::FromRow)]
pub(super) struct QuestionRow {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: QuestionKind,
    pub stem: String,
    pub options: String,
    pub answer: String,
    pub explanation: String,
}

#[derive(sqlx::FromRow)]
struct ClassOfferRow {
    id: i64,
    title: String,
    /// How many times the class offers the course: 0 or 1.
    offered: i64,
}

pub async fn get(cx: &Ctx, course_id: i64) -> AppResult<CourseAdmin> {
    let pool = cx.state.db.reader();
    let provider_id = managed_course(pool, &cx.user, course_id).await?;
    let course: CourseRow = sqlx::query_as(
        "SELECT title, category, hours_tenths, description, cover_file_id, quiz_count, quiz_points, pass_score
         FROM courses WHERE id = $1",
    )
    .bind(course_id)
    .fetch_one(pool)
    .await?;
    let chapters: Vec<ChapterRow> = sqlx::query_as(
        "SELECT id, position, title, duration_ms, video_file_id FROM chapters WHERE course_id = $1 ORDER BY position",
    )
    .bind(course_id)
    .fetch_all(pool)
    .await?;
    let questions: Vec<QuestionRow> = sqlx::query_as(
        "SELECT id, kind, stem, options, answer, explanation FROM questions WHERE course_id = $1 ORDER BY id",
    )
    .bind(course_id)
    .fetch_all(pool)
    .await?;
    let classes: Vec<ClassOfferRow> = sqlx::query_as(
        "SELECT c.id, c.title,
                (SELECT COUNT(*) FROM class_courses cc WHERE cc.class_id = c.id AND cc.course_id = $2) AS offered
         FROM classes c WHERE c.provider_id = $1 AND c.mode = $3 ORDER BY c.id DESC",
    )
    .bind(provider_id)
    .bind(course_id)
    .bind(Mode::Online.code())
    .fetch_all(pool)
    .await?;
    Ok(CourseAdmin {
        id: course_id,
        title: course.title,
        category: course.category,
        hours_tenths: course.hours_tenths,
        description: course.description,
        cover_url: course.cover_file_id.map(|f| format!("/files/{f}")),
        quiz_count: course.quiz_count,
        quiz_points: course.quiz_points,
        pass_score: course.pass_score,
        chapters: chapters
            .into_iter()
            .map(|ch| ChapterAdmin {
                id: ch.id,
                position: ch.position,
                title: ch.title,
                duration_ms: ch.duration_ms,
                video_url: ch.video_file_id.map(|f| format!("/files/{f}")),
            })
            .collect(),
        questions: questions
            .into_iter()
            .map(|q| QuestionAdmin {
                id: q.id,
                kind: q.kind,
                stem: q.stem,
                options: q.options.lines().map(str::to_owned).collect(),
                answer: q.answer,
                explanation: q.explanation,
            })
            .collect(),
        classes: classes
            .into_iter()
            .map(|c| ClassOffer { class_id: c.id, title: c.title, offered: c.offered > 0 })
            .collect(),
    })
}

/// Accepted video files: WebM and MP4, recognised by their content.
pub const VIDEO_KINDS: [FileKind; 2] = [FileKind::Webm, FileKind::Mp4];

/// What can be checked before a chapter's video is read: the title, and that the
/// caller manages the course. Saves uploading 200 MiB to hear the title was empty.
pub async fn check_chapter(cx: &Ctx, course_id: i64, title: &str) -> AppResult<()> {
    check_chapter_title(title)?;
    managed_course(cx.state.db.reader(), &cx.user, course_id).await?;
    Ok(())
}

fn check_chapter_title(title: &str) -> AppResult<&str> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(AppError::invalid_field("title", "请输入章节名称（不超过100字）"));
    }
    Ok(title)
}

/// Streams a chapter's video to storage as it arrives (no transaction is open, and
/// the file is never whole in memory). Its row is written by [`add_chapter`].
pub async fn store_video<S, E>(cx: &Ctx, filename: &str, body: S) -> AppResult<NewFile>
where
    S: futures::Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let upload = StreamUpload {
        purpose: "chapter_video",
        filename,
        max_bytes: cx.state.config.video_limit_bytes,
        accepted: &VIDEO_KINDS,
        owner_user_id: cx.user.id,
    };
    files::put_stream(&cx.state.storage, upload, body).await.map_err(|mut err| {
        for f in &mut err.fields {
            f.field = "video".into();
        }
        err
    })
}

/// Adds a chapter with its video, already stored by [`store_video`]; the video is
/// deleted again if the chapter is refused. The length comes from the file's header
/// when it states it, else from the form (`duration_seconds`).
pub async fn add_chapter(
    cx: &Ctx,
    course_id: i64,
    title: &str,
    typed_seconds: &str,
    video: NewFile,
) -> AppResult<i64> {
    let added = add_stored_chapter(cx, course_id, title, typed_seconds, &video).await;
    if added.is_err() {
        files::discard(&cx.state.storage, &video.record).await;
    }
    added
}

async fn add_stored_chapter(
    cx: &Ctx,
    course_id: i64,
    title: &str,
    typed_seconds: &str,
    video: &NewFile,
) -> AppResult<i64> {
    let (state, user) = (&cx.state, &cx.user);
    let title = check_chapter_title(title)?;
    let size = u64::try_from(video.record.size_bytes).unwrap_or(0);
    let read = media::stored_duration_ms(&state.storage, &video.record.storage_key, size)
        .await
        .map_err(|err| AppError::internal(format!("reading the video header: {err}")))?;
    let duration_ms = match read {
        Some(ms) => ms,
        None => typed_seconds
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|s| (1..=6 * 3600).contains(s))
            .map(|s| s * 1000)
            .ok_or_else(|| {
                AppError::invalid_field("duration_seconds", "无法从视频读取时长，请填写视频时长（秒）")
            })?,
    };
    let mut tx = state.db.begin().await?;
    managed_course(&mut *tx, user, course_id).await?;
    files::record(&mut tx, video).await?;
    let id = insert_chapter(&mut tx, course_id, title, &video.record, duration_ms).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn insert_chapter(
    tx: &mut Tx,
    course_id: i64,
    title: &str,
    video: &FileRecord,
    duration_ms: i64,
) -> AppResult<i64> {
    let position: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM chapters WHERE course_id = $1")
            .bind(course_id)
            .fetch_one(&mut **tx)
            .await?;
    Ok(sqlx::query_scalar(
        "INSERT INTO chapters (course_id, position, title, video_file_id, duration_ms) VALUES ($1, $2, $3, $4, $5)
         RETURNING id",
    )
    .bind(course_id)
    .bind(position)
    .bind(title)
    .bind(&video.id)
    .bind(duration_ms)
    .fetch_one(&mut **tx)
    .await?)
}

/// Sets the course's cover picture (JPEG or PNG). The picture is stored before the
/// transaction; only its row and the course's link are written inside.
pub async fn set_cover(cx: &Ctx, course_id: i64, filename: &str, image: Bytes) -> AppResult<()> {
    let (state, user) = (&cx.state, &cx.user);
    managed_course(state.db.reader(), user, course_id).await?;
    let cover = files::put(
        &state.storage,
        Upload {
            purpose: "course_cover",
            filename,
            bytes: image,
            max_bytes: 2 * 1024 * 1024,
            accepted: &[FileKind::Jpeg, FileKind::Png],
            owner_user_id: user.id,
        },
    )
    .await?;
    let updated = async {
        let mut tx = state.db.begin().await?;
        managed_course(&mut *tx, user, course_id).await?;
        files::record(&mut tx, &cover).await?;
        let replaced: Option<String> = sqlx::query_scalar("SELECT cover_file_id FROM courses WHERE id = $1")
            .bind(course_id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("UPDATE courses SET cover_file_id = $1 WHERE id = $2")
            .bind(&cover.record.id)
            .bind(course_id)
            .execute(&mut *tx)
            .await?;
        // The replaced picture's row goes; its stored object is then an orphan, which
        // the `sweep_orphan_files` job deletes.
        if let Some(old) = replaced {
            sqlx::query(
                "DELETE FROM files WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM courses WHERE cover_file_id = $1)",
            )
            .bind(&old)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        AppResult::Ok(())
    }
    .await;
    if let Err(err) = updated {
        files::discard(&state.storage, &cover.record).await;
        return Err(err);
    }
    Ok(())
}

pub async fn add_question(cx: &Ctx, form: &QuestionForm) -> AppResult<i64> {
    let course_id = form.course_id.trim().parse::<i64>().map_err(|_| AppError::not_found("课程不存在"))?;
    let q = check_question(form)?;
    let mut tx = cx.state.db.begin().await?;
    managed_course(&mut *tx, &cx.user, course_id).await?;
    let id = insert_question(&mut tx, course_id, &q, cx.now).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn insert_question(tx: &mut Tx, course_id: i64, q: &CheckedQuestion, now: i64) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO questions (course_id, kind, stem, options, answer, explanation, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(course_id)
    .bind(q.kind.code())
    .bind(&q.stem)
    .bind(q.options.join("\n"))
    .bind(&q.answer)
    .bind(&q.explanation)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn delete_question(cx: &Ctx, question_id: i64) -> AppResult<i64> {
    let mut tx = cx.state.db.begin().await?;
    let course_id: i64 = sqlx::query_scalar("SELECT course_id FROM questions WHERE id = $1")
        .bind(question_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found("题目不存在"))?;
    managed_course(&mut *tx, &cx.user, course_id).await?;
    // Attempts keep the ids of the questions they drew (grading and the review read
    // them), so a question some trainee has been given stays.
    let drawn: Option<i64> = sqlx::query_scalar(
        "SELECT a.id FROM quiz_attempts a JOIN course_selections s ON s.id = a.selection_id
         WHERE s.course_id = $1 AND (',' || a.questions || ',') LIKE $2 LIMIT 1",
    )
    .bind(course_id)
    .bind(format!("%,{question_id},%"))
    .fetch_optional(&mut *tx)
    .await?;
    if drawn.is_some() {
        return Err(AppError::conflict("该题目已被学员的测验抽中，不能删除"));
    }
    sqlx::query("DELETE FROM questions WHERE id = $1").bind(question_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(course_id)
}

/// Which of the provider's online classes offer the course (the checked ones).
pub async fn set_classes(cx: &Ctx, course_id: i64, class_ids: &[i64]) -> AppResult<()> {
    let mut tx = cx.state.db.begin().await?;
    let provider_id = managed_course(&mut *tx, &cx.user, course_id).await?;
    for class_id in class_ids {
        let ok: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM classes WHERE id = $1 AND provider_id = $2 AND mode = $3",
        )
        .bind(class_id)
        .bind(provider_id)
        .bind(Mode::Online.code())
        .fetch_one(&mut *tx)
        .await?;
        if ok == 0 {
            return Err(AppError::invalid_field("classes", "只能把课程加入本机构的线上培训班"));
        }
    }
    sqlx::query(
        "DELETE FROM class_courses WHERE course_id = $1 AND class_id IN (SELECT id FROM classes WHERE provider_id = $2)",
    )
    .bind(course_id)
    .bind(provider_id)
    .execute(&mut *tx)
    .await?;
    for class_id in class_ids {
        sqlx::query("INSERT INTO class_courses (class_id, course_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(class_id)
            .bind(course_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Whether a viewer may watch a chapter video: they study its course (a confirmed
/// selection in a paid class), or manage the course.
pub async fn may_watch(state: &AppState, user: &CurrentUser, file_id: &str) -> AppResult<bool> {
    let provider: Option<i64> = sqlx::query_scalar(
        "SELECT co.provider_id FROM chapters ch JOIN courses co ON co.id = ch.course_id WHERE ch.video_file_id = $1",
    )
    .bind(file_id)
    .fetch_optional(state.db.reader())
    .await?;
    let Some(provider) = provider else { return Ok(false) };
    if may_manage(user, provider) {
        return Ok(true);
    }
    let studying: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM chapters ch JOIN course_selections s ON s.course_id = ch.course_id
         JOIN registrations r ON r.class_id = s.class_id AND r.user_id = s.user_id
         WHERE ch.video_file_id = $1 AND s.user_id = $2 AND r.status IN ($3, $4)",
    )
    .bind(file_id)
    .bind(user.id)
    .bind(Status::Paid.code())
    .bind(Status::Completed.code())
    .fetch_one(state.db.reader())
    .await?;
    Ok(studying > 0)
}
