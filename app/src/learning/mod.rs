//! 学习: online classes after payment (002 四(一)). 我的班级 and the 班级首页, 在线选课
//! with the live hour counter, the course player whose heartbeats the server re-checks,
//! and 课后测验 with the 60-point pass line; hours credited once. Providers keep their
//! courses, chapters (videos) and question banks in the console.

pub mod api;
pub mod console;
pub mod domain;
pub mod pages;
pub mod player;
pub mod quiz;
#[cfg(feature = "ssr")]
pub mod server;

use crate::catalogue::domain::Category;
use domain::{HoursByCategory, QuestionKind};
use serde::{Deserialize, Serialize};

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

/// "1.5学时".
pub fn hours_label(tenths: i64) -> String {
    format!("{}学时", crate::catalogue::domain::Hours(tenths))
}
