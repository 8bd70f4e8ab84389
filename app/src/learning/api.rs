//! Server functions of learning. Each starts with its guard; the trainee's functions
//! then reach only the caller's own classes, selections, chapters and attempts.

use super::domain::{CourseForm, HoursByCategory, QuestionForm, QuestionKind};
#[cfg(feature = "ssr")]
use crate::state::{Ctx, app_state};
use crate::{catalogue::domain::Category, error::AppResult};
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[cfg(feature = "ssr")]
use {
    super::{
        domain::Segment,
        server::{courses, quiz, study},
    },
    crate::{
        accounts::{domain::roles::Role, server::guard},
        error::AppError,
        platform::{
            server::{files, multipart::MultipartForm, request::redirect_without_js, respond},
            time::now_ms,
        },
    },
};

// ---- what the pages receive -----------------------------------------------------

/// A class in 我的班级.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyClass {
    pub class_id: i64,
    pub title: String,
    pub year: i64,
    pub required: HoursByCategory,
    pub earned: HoursByCategory,
    pub courses_selected: i64,
}

/// A course as 在线选课 and the class page show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseCard {
    pub id: i64,
    pub title: String,
    pub provider: String,
    pub category: Category,
    pub hours_tenths: i64,
    pub description: String,
    pub cover_url: Option<String>,
    pub chapters: i64,
}

/// A confirmed course of the trainee in a class, with how far they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectedCourse {
    pub selection_id: i64,
    pub course: CourseCard,
    /// Per cent of chapters complete.
    pub progress: i64,
    pub passed: bool,
    /// The best score so far, if a quiz was handed in.
    pub best_score: Option<i64>,
}

/// 班级首页.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassHome {
    pub class_id: i64,
    pub title: String,
    pub year: i64,
    /// 培训须知.
    pub notice: String,
    pub required: HoursByCategory,
    pub selected: HoursByCategory,
    pub earned: HoursByCategory,
    pub courses: Vec<SelectedCourse>,
}

/// 在线选课: the class's catalogue, what is confirmed, the requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectionView {
    pub class_id: i64,
    pub title: String,
    pub required: HoursByCategory,
    pub catalogue: Vec<CourseCard>,
    /// Course ids already confirmed.
    pub confirmed: Vec<i64>,
}

/// One chapter in the player's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChapterLine {
    pub id: i64,
    pub position: i64,
    pub title: String,
    pub duration_ms: i64,
    /// Per mille watched.
    pub progress: i64,
    pub done: bool,
}

/// The player page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerView {
    pub selection_id: i64,
    pub class_id: i64,
    pub course_title: String,
    pub chapters: Vec<ChapterLine>,
    /// The chapter on screen.
    pub chapter_id: i64,
    pub video_url: String,
    pub duration_ms: i64,
    /// Where playback resumes.
    pub position_ms: i64,
    /// How far the video has been watched without a gap (seeking beyond is refused).
    pub furthest_ms: i64,
    /// Per cent of the course's chapters complete.
    pub course_progress: i64,
}

/// What a heartbeat's answer tells the player.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatAnswer {
    pub chapter_progress: i64,
    pub chapter_done: bool,
    pub course_progress: i64,
    pub furthest_ms: i64,
}

/// A question as the browser sees it before handing in: no answer, no explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizQuestion {
    pub id: i64,
    pub kind: QuestionKind,
    pub stem: String,
    pub options: Vec<String>,
}

/// An attempt in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizSheet {
    pub attempt_id: i64,
    pub selection_id: i64,
    pub course_title: String,
    pub points: i64,
    pub pass_score: i64,
    pub questions: Vec<QuizQuestion>,
}

/// One question of a handed-in attempt, with the right answer and 题析.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizReviewLine {
    pub question: QuizQuestion,
    pub given: String,
    pub answer: String,
    pub correct: bool,
    pub explanation: String,
}

/// The result page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizResult {
    pub attempt_id: i64,
    pub selection_id: i64,
    pub class_id: i64,
    pub course_title: String,
    pub score: i64,
    pub pass_score: i64,
    pub passed: bool,
    pub hours_tenths: i64,
    pub category: Category,
    pub lines: Vec<QuizReviewLine>,
}

/// The quiz page before an attempt: locked until the course is complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizGate {
    pub selection_id: i64,
    pub class_id: i64,
    pub course_title: String,
    pub progress: i64,
    pub passed: bool,
    pub open_attempt: Option<i64>,
    pub question_count: i64,
    pub pass_score: i64,
}

/// A course in the provider's console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseAdmin {
    pub id: i64,
    pub title: String,
    pub category: Category,
    pub hours_tenths: i64,
    pub description: String,
    pub cover_url: Option<String>,
    pub quiz_count: i64,
    pub quiz_points: i64,
    pub pass_score: i64,
    pub chapters: Vec<ChapterAdmin>,
    pub questions: Vec<QuestionAdmin>,
    /// The provider's online classes, and whether this course is offered in each.
    pub classes: Vec<ClassOffer>,
}

/// One of the provider's online classes in a course's console: whether it offers the
/// course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassOffer {
    pub class_id: i64,
    pub title: String,
    pub offered: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChapterAdmin {
    pub id: i64,
    pub position: i64,
    pub title: String,
    pub duration_ms: i64,
    pub video_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionAdmin {
    pub id: i64,
    pub kind: QuestionKind,
    pub stem: String,
    pub options: Vec<String>,
    pub answer: String,
    pub explanation: String,
}

// ---- the trainee -----------------------------------------------------------------

#[server(prefix = "/api", endpoint = "learn/classes")]
pub async fn load_my_classes() -> AppResult<Vec<MyClass>> {
    respond(async move { study::my_classes(&Ctx::require_user().await?).await }).await
}

#[server(prefix = "/api", endpoint = "learn/class")]
pub async fn load_class_home(class_id: i64) -> AppResult<ClassHome> {
    respond(async move { study::class_home(&Ctx::require_user().await?, class_id).await }).await
}

#[server(prefix = "/api", endpoint = "learn/selection")]
pub async fn load_selection(class_id: i64) -> AppResult<SelectionView> {
    respond(async move { study::selection_view(&Ctx::require_user().await?, class_id).await }).await
}

/// 确认选中的课程: `courses` lists the chosen course ids (comma separated, or the
/// repeated checkboxes of the form joined by the browser's island).
#[server(prefix = "/api", endpoint = "learn/selection/confirm")]
pub async fn confirm_selection(#[server(flatten)] form: SelectionForm) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let class_id = form.class_id.trim().parse::<i64>().map_err(|_| AppError::not_found("班级不存在"))?;
        let ids = form.course_ids();
        study::confirm_selection(&cx, class_id, &ids).await?;
        leptos_axum::redirect(&format!("/learn/class/{class_id}?selected={}", ids.len()));
        Ok(())
    })
    .await
}

/// The 在线选课 form: the class, and one `course_<id>` field per ticked course.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectionForm {
    pub class_id: String,
    #[serde(flatten)]
    pub ticked: HashMap<String, String>,
}

impl SelectionForm {
    pub fn course_ids(&self) -> Vec<i64> {
        crate::platform::text::ticked_ids(self.ticked.keys(), "course_")
    }
}

#[server(prefix = "/api", endpoint = "learn/player")]
pub async fn load_player(selection_id: i64, chapter: Option<i64>) -> AppResult<PlayerView> {
    respond(async move { study::player(&Ctx::require_user().await?, selection_id, chapter).await }).await
}

/// The player takes the account's one playback; returns the token for heartbeats.
#[server(prefix = "/api", endpoint = "learn/playback/start")]
pub async fn start_playback(chapter_id: i64, #[server(default)] previous: String) -> AppResult<String> {
    respond(async move { study::start_playback(&Ctx::require_user().await?, chapter_id, &previous).await })
        .await
}

/// The page is going away: the playback ends (sent as a beacon).
#[server(prefix = "/api", endpoint = "learn/playback/stop")]
pub async fn stop_playback(token: String) -> AppResult<()> {
    respond(async move { study::stop_playback(&Ctx::require_user().await?, &token).await }).await
}

/// A heartbeat: `segments` is `start-end` pairs in milliseconds, comma separated;
/// `position_ms` is left out by a player that has not played yet.
#[server(prefix = "/api", endpoint = "learn/heartbeat")]
pub async fn heartbeat(
    chapter_id: i64,
    token: String,
    segments: String,
    #[server(default)] position_ms: Option<i64>,
) -> AppResult<HeartbeatAnswer> {
    respond(async move {
        // The hot path (`make bench`): no request context, whose client address (a copy
        // of the request's parts) a heartbeat does not use.
        let user = guard::require_user().await?;
        let claimed: Vec<Segment> = study::parse_segments(&segments);
        if claimed.len() > 50 {
            return Err(AppError::bad_request("学习记录过长"));
        }
        study::heartbeat(&app_state()?, user.id, chapter_id, &token, &claimed, position_ms, now_ms()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "learn/quiz")]
pub async fn load_quiz_gate(selection_id: i64) -> AppResult<QuizGate> {
    respond(async move { quiz::gate(&Ctx::require_user().await?, selection_id).await }).await
}

/// 开始测验 / 继续测验.
#[server(prefix = "/api", endpoint = "learn/quiz/start")]
pub async fn start_quiz(selection_id: i64) -> AppResult<()> {
    respond(async move {
        let attempt = quiz::start(&Ctx::require_user().await?, selection_id).await?;
        leptos_axum::redirect(&format!("/learn/quiz/{selection_id}?attempt={attempt}"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "learn/quiz/sheet")]
pub async fn load_quiz_sheet(attempt_id: i64) -> AppResult<QuizSheet> {
    respond(async move { quiz::sheet(&Ctx::require_user().await?, attempt_id).await }).await
}

/// The answer sheet as posted: `q<id>` for a single or true/false answer, `q<id>_<letter>`
/// for each ticked option of a multiple-choice question.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerSheetForm {
    pub attempt_id: String,
    #[serde(flatten)]
    pub fields: HashMap<String, String>,
}

impl AnswerSheetForm {
    /// (question id, letters chosen).
    pub fn answers(&self) -> Vec<(i64, String)> {
        let mut answers: Vec<(i64, String)> = Vec::new();
        for (name, value) in &self.fields {
            let Some(rest) = name.strip_prefix('q') else { continue };
            let (id, letter) = match rest.split_once('_') {
                Some((id, letter)) => (id, letter.to_owned()),
                None => (rest, value.clone()),
            };
            let Ok(id) = id.parse::<i64>() else { continue };
            match answers.iter_mut().find(|(q, _)| *q == id) {
                Some((_, letters)) => letters.push_str(&letter),
                None => answers.push((id, letter)),
            }
        }
        answers
    }
}

/// 交卷.
#[server(prefix = "/api", endpoint = "learn/quiz/submit")]
pub async fn submit_quiz(#[server(flatten)] form: AnswerSheetForm) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let attempt_id =
            form.attempt_id.trim().parse::<i64>().map_err(|_| AppError::not_found("测验不存在"))?;
        quiz::submit(&cx, attempt_id, &form.answers()).await?;
        leptos_axum::redirect(&format!("/learn/result/{attempt_id}"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "learn/quiz/result")]
pub async fn load_quiz_result(attempt_id: i64) -> AppResult<QuizResult> {
    respond(async move { quiz::result(&Ctx::require_user().await?, attempt_id).await }).await
}

// ---- the provider's console ------------------------------------------------------

/// Who keeps courses: providers (their own), the platform admin (all).
#[cfg(feature = "ssr")]
const PROVIDERS: &[Role] = &[Role::Provider, Role::PlatformAdmin];

/// A course in the provider's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseLine {
    pub id: i64,
    pub title: String,
    pub category: Category,
    pub hours_tenths: i64,
    /// How many chapters it has.
    pub chapters: i64,
}

#[server(prefix = "/api", endpoint = "provider/courses")]
pub async fn list_courses() -> AppResult<Vec<CourseLine>> {
    respond(async move {
        let cx = Ctx::require_any(PROVIDERS).await?;
        courses::list(&cx).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "provider/courses/get")]
pub async fn get_course(id: i64) -> AppResult<CourseAdmin> {
    respond(async move {
        let cx = Ctx::require_any(PROVIDERS).await?;
        courses::get(&cx, id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "provider/courses/save")]
pub async fn save_course(#[server(flatten)] form: CourseForm) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(PROVIDERS).await?;
        let id = courses::save(&cx, &form).await?;
        leptos_axum::redirect(&format!("/admin/courses/{id}?saved=1"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "provider/questions/add")]
pub async fn add_question(#[server(flatten)] form: QuestionForm) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(PROVIDERS).await?;
        courses::add_question(&cx, &form).await?;
        leptos_axum::redirect(&format!("/admin/courses/{}?question=1", form.course_id.trim()));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "provider/questions/delete")]
pub async fn delete_question(id: i64) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(PROVIDERS).await?;
        let course_id = courses::delete_question(&cx, id).await?;
        redirect_without_js(&format!("/admin/courses/{course_id}"));
        leptos_axum::redirect(&format!("/admin/courses/{course_id}"));
        Ok(())
    })
    .await
}

/// Which online classes offer the course: `class_<id>` per ticked class.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseClassesForm {
    pub course_id: String,
    #[serde(flatten)]
    pub ticked: HashMap<String, String>,
}

#[server(prefix = "/api", endpoint = "provider/courses/classes")]
pub async fn set_course_classes(#[server(flatten)] form: CourseClassesForm) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(PROVIDERS).await?;
        let course_id =
            form.course_id.trim().parse::<i64>().map_err(|_| AppError::not_found("课程不存在"))?;
        let ids: Vec<i64> = form
            .ticked
            .keys()
            .filter_map(|k| k.strip_prefix("class_"))
            .filter_map(|id| id.parse().ok())
            .collect();
        courses::set_classes(&cx, course_id, &ids).await?;
        leptos_axum::redirect(&format!("/admin/courses/{course_id}?classes=1"));
        Ok(())
    })
    .await
}

/// A multipart form: `course_id`, `title`, `duration_seconds` (when the file does not
/// state its length), `video` (WebM or MP4).
#[server(prefix = "/api", endpoint = "provider/chapters/video/upload", input = MultipartFormData)]
pub async fn add_chapter(data: MultipartData) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(PROVIDERS).await?;
        let mut data = data.into_inner().ok_or_else(|| AppError::bad_request("请求格式不正确"))?;
        let (mut course_id, mut title, mut seconds) = (None, String::new(), String::new());
        // The video streams to storage as it arrives; the fields before it (the form
        // puts them first) are checked before a byte of it is stored.
        let mut video = None;
        let read = async {
            while let Some(field) =
                data.next_field().await.map_err(|_| AppError::bad_request("文件上传不完整，请重试"))?
            {
                match field.name().unwrap_or_default() {
                    "course_id" => {
                        course_id = field.text().await.ok().and_then(|t| t.trim().parse::<i64>().ok());
                    }
                    "title" => title = field.text().await.unwrap_or_default(),
                    "duration_seconds" => seconds = field.text().await.unwrap_or_default(),
                    "video" if video.is_none() => {
                        let course_id = course_id.ok_or_else(|| AppError::bad_request("缺少课程编号"))?;
                        courses::check_chapter(&cx, course_id, &title).await?;
                        let name = field.file_name().unwrap_or("video").to_owned();
                        video = Some(courses::store_video(&cx, &name, field).await?);
                    }
                    _ => {}
                }
            }
            AppResult::Ok(())
        }
        .await;
        if let Err(err) = read {
            if let Some(video) = &video {
                files::discard(&cx.state.storage, &video.record).await;
            }
            return Err(err);
        }
        let course_id = course_id.ok_or_else(|| AppError::bad_request("缺少课程编号"))?;
        let video = video.ok_or_else(|| AppError::invalid_field("video", "请选择视频文件"))?;
        courses::add_chapter(&cx, course_id, &title, &seconds, video).await?;
        leptos_axum::redirect(&format!("/admin/courses/{course_id}?chapter=1"));
        Ok(())
    })
    .await
}

/// A multipart form: `course_id`, `cover` (JPEG or PNG).
#[server(prefix = "/api", endpoint = "provider/courses/cover/upload", input = MultipartFormData)]
pub async fn set_cover(data: MultipartData) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(PROVIDERS).await?;
        let mut form = MultipartForm::read(data, &["cover"]).await?;
        let course_id = form.id("course_id");
        let image = form.take_file("cover", "cover");
        let course_id = course_id.ok_or_else(|| AppError::bad_request("缺少课程编号"))?;
        let image = image.ok_or_else(|| AppError::invalid_field("cover", "请选择封面图片"))?;
        courses::set_cover(&cx, course_id, &image.filename, image.bytes).await?;
        leptos_axum::redirect(&format!("/admin/courses/{course_id}?cover=1"));
        Ok(())
    })
    .await
}
