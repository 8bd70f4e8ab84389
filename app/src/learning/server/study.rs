//! The trainee's side in the database: 我的班级, the class home, 在线选课, the player
//! and its heartbeats. Every read starts from the caller's own paid registration, so
//! another trainee's class, course or chapter answers like one that does not exist.

use crate::state::{AppState, Ctx};
use crate::{
    catalogue::domain::{Category, Mode},
    error::{AppError, AppResult},
    learning::{
        api::{
            ChapterLine, ClassHome, CourseCard, HeartbeatAnswer, MyClass, PlayerView, SelectedCourse,
            SelectionView,
        },
        domain::{
            HoursByCategory, Segment, TOLERANCE_MS, check_selection, course_progress, furthest_from_start,
            per_mille,
        },
        server::heartbeats::Beat,
    },
    platform::server::{crypto::random_token, db::Db},
};

/// Registration statuses that open an online class for study.
pub(super) const STUDYING: &str = "('paid', 'completed')";

#[derive(sqlx::FromRow)]
struct StudiedClassRow {
    title: String,
    year: i64,
    notice: String,
    hours_public: i64,
    hours_professional: i64,
    hours_elective: i64,
}

/// A class the user studies.
struct StudiedClass {
    title: String,
    year: i64,
    notice: String,
    required: HoursByCategory,
}

async fn studied_class(db: &Db, user_id: i64, class_id: i64) -> AppResult<StudiedClass> {
    let row: Option<StudiedClassRow> = sqlx::query_as(&format!(
        "SELECT c.title, c.year, c.notice, c.hours_public, c.hours_professional, c.hours_elective
         FROM classes c WHERE c.id = $1 AND c.mode = $3 AND EXISTS (
             SELECT 1 FROM registrations r WHERE r.class_id = c.id AND r.user_id = $2 AND r.status IN {STUDYING})"
    ))
    .bind(class_id)
    .bind(user_id)
    .bind(Mode::Online.code())
    .fetch_optional(db.reader())
    .await?;
    let row = row.ok_or_else(|| AppError::not_found("班级不存在或尚未开通"))?;
    Ok(StudiedClass {
        title: row.title,
        year: row.year,
        notice: row.notice,
        required: HoursByCategory {
            public: row.hours_public,
            professional: row.hours_professional,
            elective: row.hours_elective,
        },
    })
}

/// The columns of a [`CardRow`], from `courses co` joined with `providers p`.
const CARD_COLUMNS: &str =
    "co.id, co.title, p.name AS provider, co.category, co.hours_tenths, co.description, co.cover_file_id,
     (SELECT COUNT(*) FROM chapters ch WHERE ch.course_id = co.id) AS chapters";

#[derive(sqlx::FromRow)]
struct CardRow {
    id: i64,
    title: String,
    provider: String,
    #[sqlx(try_from = "String")]
    category: Category,
    hours_tenths: i64,
    description: String,
    cover_file_id: Option<String>,
    chapters: i64,
}

fn card(row: CardRow) -> CourseCard {
    CourseCard {
        id: row.id,
        title: row.title,
        provider: row.provider,
        category: row.category,
        hours_tenths: row.hours_tenths,
        description: row.description,
        cover_url: row.cover_file_id.map(|f| format!("/files/{f}")),
        chapters: row.chapters,
    }
}

#[derive(sqlx::FromRow)]
struct MyClassRow {
    id: i64,
    title: String,
    year: i64,
    hours_public: i64,
    hours_professional: i64,
    hours_elective: i64,
    courses_selected: i64,
}

/// A passed course's hours, in the class of its selection.
#[derive(sqlx::FromRow)]
struct PassedCourseRow {
    class_id: i64,
    #[sqlx(try_from = "String")]
    category: Category,
    hours_tenths: i64,
}

/// 我的班级: the user's paid online classes, with the hours earned and the courses
/// chosen in each (three queries, however many classes).
pub async fn my_classes(cx: &Ctx) -> AppResult<Vec<MyClass>> {
    let (db, user_id) = (&cx.state.db, cx.user.id);
    let rows: Vec<MyClassRow> = sqlx::query_as(&format!(
        "SELECT c.id, c.title, c.year, c.hours_public, c.hours_professional, c.hours_elective,
                (SELECT COUNT(*) FROM course_selections s WHERE s.user_id = $1 AND s.class_id = c.id)
                    AS courses_selected
         FROM classes c WHERE c.mode = $2 AND EXISTS (
             SELECT 1 FROM registrations r WHERE r.class_id = c.id AND r.user_id = $1 AND r.status IN {STUDYING})
         ORDER BY c.id DESC"
    ))
    .bind(user_id)
    .bind(Mode::Online.code())
    .fetch_all(db.reader())
    .await?;
    let passed: Vec<PassedCourseRow> = sqlx::query_as(
        "SELECT s.class_id, co.category, co.hours_tenths FROM course_selections s JOIN courses co ON co.id = s.course_id
         WHERE s.user_id = $1 AND s.passed_at IS NOT NULL",
    )
    .bind(user_id)
    .fetch_all(db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let earned: Vec<(Category, i64)> = passed
                .iter()
                .filter(|p| p.class_id == row.id)
                .map(|p| (p.category, p.hours_tenths))
                .collect();
            MyClass {
                class_id: row.id,
                title: row.title,
                year: row.year,
                required: HoursByCategory {
                    public: row.hours_public,
                    professional: row.hours_professional,
                    elective: row.hours_elective,
                },
                earned: HoursByCategory::sum(&earned),
                courses_selected: row.courses_selected,
            }
        })
        .collect())
}

/// A course's category and hours.
#[derive(sqlx::FromRow)]
pub(super) struct CourseHoursRow {
    #[sqlx(try_from = "String")]
    pub category: Category,
    pub hours_tenths: i64,
}

impl CourseHoursRow {
    pub fn pair(&self) -> (Category, i64) {
        (self.category, self.hours_tenths)
    }
}

/// Hours credited for the class's passed courses (inside the hand-in's transaction too).
pub(super) async fn earned<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: i64,
    class_id: i64,
) -> AppResult<HoursByCategory> {
    let rows: Vec<CourseHoursRow> = sqlx::query_as(
        "SELECT co.category, co.hours_tenths FROM course_selections s JOIN courses co ON co.id = s.course_id
         WHERE s.user_id = $1 AND s.class_id = $2 AND s.passed_at IS NOT NULL",
    )
    .bind(user_id)
    .bind(class_id)
    .fetch_all(executor)
    .await?;
    let courses: Vec<(Category, i64)> = rows.iter().map(CourseHoursRow::pair).collect();
    Ok(HoursByCategory::sum(&courses))
}

#[derive(sqlx::FromRow)]
struct SelectedCourseRow {
    selection_id: i64,
    passed_at: Option<i64>,
    /// Chapters the user has completed.
    done: i64,
    best_score: Option<i64>,
    #[sqlx(flatten)]
    card: CardRow,
}

/// The user's confirmed courses in a class, with progress and results, in one query.
async fn selected_courses(db: &Db, user_id: i64, class_id: i64) -> AppResult<Vec<SelectedCourse>> {
    let rows: Vec<SelectedCourseRow> = sqlx::query_as(&format!(
        "SELECT s.id AS selection_id, s.passed_at,
                (SELECT COUNT(*) FROM chapter_progress cp JOIN chapters ch ON ch.id = cp.chapter_id
                 WHERE ch.course_id = co.id AND cp.user_id = s.user_id AND cp.completed_at IS NOT NULL) AS done,
                (SELECT MAX(a.score) FROM quiz_attempts a WHERE a.selection_id = s.id AND a.submitted_at IS NOT NULL)
                    AS best_score,
                {CARD_COLUMNS}
         FROM course_selections s JOIN courses co ON co.id = s.course_id
         JOIN providers p ON p.id = co.provider_id WHERE s.user_id = $1 AND s.class_id = $2 ORDER BY s.id"
    ))
    .bind(user_id)
    .bind(class_id)
    .fetch_all(db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| SelectedCourse {
            selection_id: row.selection_id,
            progress: course_progress(
                usize::try_from(row.done).unwrap_or(0),
                usize::try_from(row.card.chapters).unwrap_or(0),
            ),
            course: card(row.card),
            passed: row.passed_at.is_some(),
            best_score: row.best_score,
        })
        .collect())
}

/// How many chapters a course has, and how many of them the user has completed.
#[derive(sqlx::FromRow)]
struct ChaptersDoneRow {
    chapters: i64,
    done: i64,
}

/// Per cent of a course's chapters the user has completed.
pub async fn course_progress_of(db: &Db, user_id: i64, course_id: i64) -> AppResult<i64> {
    let row: ChaptersDoneRow = sqlx::query_as(
        "SELECT COUNT(*) AS chapters, COUNT(p.completed_at) AS done FROM chapters ch
         LEFT JOIN chapter_progress p ON p.chapter_id = ch.id AND p.user_id = $1 WHERE ch.course_id = $2",
    )
    .bind(user_id)
    .bind(course_id)
    .fetch_one(db.reader())
    .await?;
    Ok(course_progress(usize::try_from(row.done).unwrap_or(0), usize::try_from(row.chapters).unwrap_or(0)))
}

pub async fn class_home(cx: &Ctx, class_id: i64) -> AppResult<ClassHome> {
    let (db, user_id) = (&cx.state.db, cx.user.id);
    let class = studied_class(db, user_id, class_id).await?;
    let courses = selected_courses(db, user_id, class_id).await?;
    let selected = HoursByCategory::sum(
        &courses.iter().map(|c| (c.course.category, c.course.hours_tenths)).collect::<Vec<_>>(),
    );
    let earned = HoursByCategory::sum(
        &courses
            .iter()
            .filter(|c| c.passed)
            .map(|c| (c.course.category, c.course.hours_tenths))
            .collect::<Vec<_>>(),
    );
    Ok(ClassHome {
        class_id,
        title: class.title,
        year: class.year,
        notice: class.notice,
        required: class.required,
        selected,
        earned,
        courses,
    })
}

pub async fn selection_view(cx: &Ctx, class_id: i64) -> AppResult<SelectionView> {
    let (db, user_id) = (&cx.state.db, cx.user.id);
    let class = studied_class(db, user_id, class_id).await?;
    let rows: Vec<CardRow> = sqlx::query_as(&format!(
        "SELECT {CARD_COLUMNS} FROM class_courses cc JOIN courses co ON co.id = cc.course_id
         JOIN providers p ON p.id = co.provider_id WHERE cc.class_id = $1 ORDER BY co.category, co.id"
    ))
    .bind(class_id)
    .fetch_all(db.reader())
    .await?;
    let confirmed: Vec<i64> =
        sqlx::query_scalar("SELECT course_id FROM course_selections WHERE user_id = $1 AND class_id = $2")
            .bind(user_id)
            .bind(class_id)
            .fetch_all(db.reader())
            .await?;
    Ok(SelectionView {
        class_id,
        title: class.title,
        required: class.required,
        catalogue: rows.into_iter().map(card).collect(),
        confirmed,
    })
}

/// A course with its category and hours, already confirmed or being added.
#[derive(sqlx::FromRow)]
struct SelectedHoursRow {
    id: i64,
    #[sqlx(flatten)]
    hours: CourseHoursRow,
}

impl SelectedHoursRow {
    fn pair(&self) -> (Category, i64) {
        self.hours.pair()
    }
}

/// 确认选中的课程: the server re-checks that each course belongs to the class, is not
/// chosen twice, and fits the requirement on top of what is already confirmed.
pub async fn confirm_selection(cx: &Ctx, class_id: i64, course_ids: &[i64]) -> AppResult<usize> {
    let (db, user_id) = (&cx.state.db, cx.user.id);
    let now = cx.now;
    let required = studied_class(db, user_id, class_id).await?.required;
    if course_ids.is_empty() {
        return Err(AppError::invalid_field("courses", "请先选择课程"));
    }
    let mut tx = db.begin().await?;
    let confirmed: Vec<SelectedHoursRow> = sqlx::query_as(
        "SELECT co.id, co.category, co.hours_tenths FROM course_selections s JOIN courses co ON co.id = s.course_id
         WHERE s.user_id = $1 AND s.class_id = $2",
    )
    .bind(user_id)
    .bind(class_id)
    .fetch_all(&mut *tx)
    .await?;
    let mut adding: Vec<SelectedHoursRow> = Vec::new();
    for course_id in course_ids {
        if confirmed.iter().chain(&adding).any(|c| c.id == *course_id) {
            return Err(AppError::invalid_field("courses", "该课程已选择"));
        }
        let row: Option<SelectedHoursRow> = sqlx::query_as(
            "SELECT co.id, co.category, co.hours_tenths FROM class_courses cc JOIN courses co ON co.id = cc.course_id
             WHERE cc.class_id = $1 AND cc.course_id = $2",
        )
        .bind(class_id)
        .bind(course_id)
        .fetch_optional(&mut *tx)
        .await?;
        adding.push(row.ok_or_else(|| AppError::invalid_field("courses", "所选课程不属于本班级"))?);
    }
    let confirmed: Vec<(Category, i64)> = confirmed.iter().map(SelectedHoursRow::pair).collect();
    let additions: Vec<(Category, i64)> = adding.iter().map(SelectedHoursRow::pair).collect();
    check_selection(required, &confirmed, &additions).map_err(|e| AppError::invalid_field("courses", e))?;
    for course in &adding {
        sqlx::query(
            "INSERT INTO course_selections (user_id, class_id, course_id, confirmed_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user_id)
        .bind(class_id)
        .bind(course.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(adding.len())
}

/// A selection of the user in a class they study, with its course's quiz settings.
#[derive(sqlx::FromRow)]
pub(super) struct OwnSelection {
    pub class_id: i64,
    pub course_id: i64,
    pub course_title: String,
    pub quiz_count: i64,
    pub quiz_points: i64,
    pub pass_score: i64,
}

/// A selection of the user in a class they study (the player, the quiz). Another
/// user's selection answers like one that does not exist.
pub(super) async fn own_selection(db: &Db, user_id: i64, selection_id: i64) -> AppResult<OwnSelection> {
    let row: Option<OwnSelection> = sqlx::query_as(&format!(
        "SELECT s.class_id, s.course_id, co.title AS course_title, co.quiz_count, co.quiz_points, co.pass_score
         FROM course_selections s JOIN courses co ON co.id = s.course_id
         WHERE s.id = $1 AND s.user_id = $2 AND EXISTS (
             SELECT 1 FROM registrations r WHERE r.class_id = s.class_id AND r.user_id = s.user_id
             AND r.status IN {STUDYING})"
    ))
    .bind(selection_id)
    .bind(user_id)
    .fetch_optional(db.reader())
    .await?;
    row.ok_or_else(|| AppError::not_found("课程不存在或尚未选课"))
}

/// A chapter of the course with the user's progress in it, if any.
#[derive(sqlx::FromRow)]
struct PlayerChapterRow {
    id: i64,
    position: i64,
    title: String,
    duration_ms: i64,
    video_file_id: Option<String>,
    covered_ms: Option<i64>,
    position_ms: Option<i64>,
    segments: Option<String>,
    completed_at: Option<i64>,
}

pub async fn player(cx: &Ctx, selection_id: i64, chapter: Option<i64>) -> AppResult<PlayerView> {
    let (db, user_id) = (&cx.state.db, cx.user.id);
    let selection = own_selection(db, user_id, selection_id).await?;
    let rows: Vec<PlayerChapterRow> = sqlx::query_as(
        "SELECT ch.id, ch.position, ch.title, ch.duration_ms, ch.video_file_id, p.covered_ms, p.position_ms,
                    p.segments, p.completed_at
             FROM chapters ch LEFT JOIN chapter_progress p ON p.chapter_id = ch.id AND p.user_id = $1
             WHERE ch.course_id = $2 ORDER BY ch.position",
    )
    .bind(user_id)
    .bind(selection.course_id)
    .fetch_all(db.reader())
    .await?;
    if rows.is_empty() {
        return Err(AppError::not_found("该课程还没有章节"));
    }
    // The chapter asked for, else the first one not finished, else the first.
    let current = chapter
        .and_then(|id| rows.iter().find(|r| r.id == id))
        .or_else(|| rows.iter().find(|r| r.completed_at.is_none()))
        .unwrap_or(&rows[0]);
    let segments: Vec<Segment> = current.segments.as_deref().map(parse_segments).unwrap_or_default();
    let done = rows.iter().filter(|r| r.completed_at.is_some()).count();
    Ok(PlayerView {
        selection_id,
        class_id: selection.class_id,
        course_title: selection.course_title,
        chapter_id: current.id,
        video_url: current.video_file_id.as_ref().map(|f| format!("/files/{f}")).unwrap_or_default(),
        duration_ms: current.duration_ms,
        position_ms: current.position_ms.unwrap_or(0),
        furthest_ms: furthest_from_start(&segments),
        course_progress: course_progress(done, rows.len()),
        chapters: rows
            .iter()
            .map(|r| ChapterLine {
                id: r.id,
                position: r.position,
                title: r.title.clone(),
                duration_ms: r.duration_ms,
                progress: per_mille(r.covered_ms.unwrap_or(0), r.duration_ms),
                done: r.completed_at.is_some(),
            })
            .collect(),
    })
}

/// Segments as stored: `start-end` pairs in milliseconds, comma separated.
pub fn parse_segments(text: &str) -> Vec<Segment> {
    text.split(',')
        .filter_map(|pair| {
            let (start, end) = pair.split_once('-')?;
            Some(Segment { start: start.trim().parse().ok()?, end: end.trim().parse().ok()? })
        })
        .collect()
}

pub fn format_segments(segments: &[Segment]) -> String {
    segments.iter().map(|s| format!("{}-{}", s.start, s.end)).collect::<Vec<_>>().join(",")
}

/// How long a player may go without a heartbeat and still hold the playback.
pub const PLAYBACK_LEASE_MS: i64 = 45_000;

/// A player starts: it takes the account's one playback unless another page or
/// device holds it (heartbeats within the lease). A reloaded page presents the token
/// it held (kept in the tab's session storage) and takes its own playback back.
/// Returns the token its heartbeats carry.
pub async fn start_playback(cx: &Ctx, chapter_id: i64, previous_token: &str) -> AppResult<String> {
    let (db, user_id) = (&cx.state.db, cx.user.id);
    let now = cx.now;
    chapter_of_studied_course(db, user_id, chapter_id).await?;
    let token = random_token(16);
    let taken = sqlx::query(
        "INSERT INTO playbacks (user_id, token, chapter_id, seen_at, slack_ms) VALUES ($1, $2, $3, $4, $7)
         ON CONFLICT (user_id) DO UPDATE SET token = excluded.token, chapter_id = excluded.chapter_id,
             seen_at = excluded.seen_at,
             slack_ms = CASE WHEN playbacks.slack_ms + ($4 - playbacks.seen_at) > $7 THEN $7
                             ELSE playbacks.slack_ms + ($4 - playbacks.seen_at) END
         WHERE playbacks.seen_at < $5 OR playbacks.token = $6 OR playbacks.token = ''",
    )
    .bind(user_id)
    .bind(&token)
    .bind(chapter_id)
    .bind(now)
    .bind(now - PLAYBACK_LEASE_MS)
    .bind(previous_token)
    // The lease row outlives its players, and with it the slack of the heartbeat rule
    // (see `apply_heartbeat`): only the time since the last heartbeat gives it back.
    .bind(TOLERANCE_MS)
    .execute(db.writer())
    .await?;
    if taken.rows_affected() == 0 {
        return Err(AppError::conflict("您正在其他页面或设备上学习，同一账号同时只能播放一个课程"));
    }
    Ok(token)
}

/// The player was closed: its playback ends at once (a stale token changes nothing).
/// The row stays, without a token, so that the next player keeps its slack.
pub async fn stop_playback(cx: &Ctx, token: &str) -> AppResult<()> {
    let (db, user_id) = (&cx.state.db, cx.user.id);
    sqlx::query("UPDATE playbacks SET token = '' WHERE user_id = $1 AND token = $2")
        .bind(user_id)
        .bind(token)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// A chapter of a course the user studies.
#[derive(sqlx::FromRow)]
struct StudiedChapter {
    duration_ms: i64,
    course_id: i64,
    /// When the study of the course started, if it has.
    started_at: Option<i64>,
}

/// The chapter's length and course, if the user studies that course, and whether the
/// study of that course has started.
async fn chapter_of_studied_course(db: &Db, user_id: i64, chapter_id: i64) -> AppResult<StudiedChapter> {
    let row: Option<StudiedChapter> = sqlx::query_as(&format!(
        "SELECT ch.duration_ms, ch.course_id, MIN(s.started_at) AS started_at FROM chapters ch
         JOIN course_selections s ON s.course_id = ch.course_id
         WHERE ch.id = $1 AND s.user_id = $2 AND EXISTS (
             SELECT 1 FROM registrations r WHERE r.class_id = s.class_id AND r.user_id = s.user_id
             AND r.status IN {STUDYING})
         GROUP BY ch.duration_ms, ch.course_id"
    ))
    .bind(chapter_id)
    .bind(user_id)
    .fetch_optional(db.reader())
    .await?;
    row.ok_or_else(|| AppError::not_found("章节不存在或尚未选课"))
}

/// A heartbeat: the segments watched since the last one. Credited only from the
/// playback that holds the account's lease, only as much as the wall-clock time since
/// that playback's previous heartbeat allows, and never past a forward seek.
pub async fn heartbeat(
    state: &AppState,
    user_id: i64,
    chapter_id: i64,
    token: &str,
    claimed: &[Segment],
    position_ms: Option<i64>,
    now: i64,
) -> AppResult<HeartbeatAnswer> {
    let chapter = chapter_of_studied_course(&state.db, user_id, chapter_id).await?;
    let duration_ms = chapter.duration_ms;
    let written = state
        .heartbeats
        .write(Beat {
            user_id,
            chapter_id,
            course_id: chapter.course_id,
            duration_ms,
            course_started: chapter.started_at.is_some(),
            token: token.to_owned(),
            claimed: claimed.to_vec(),
            position_ms,
            now,
        })
        .await?;
    Ok(HeartbeatAnswer {
        chapter_progress: per_mille(written.covered_ms, duration_ms),
        chapter_done: written.chapter_done,
        course_progress: written.course_progress,
        furthest_ms: furthest_from_start(&written.segments),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn studying_names_the_paid_and_completed_statuses() {
        use crate::enrolment::domain::Status;
        assert_eq!(STUDYING, format!("('{}', '{}')", Status::Paid.code(), Status::Completed.code()));
    }

    #[test]
    fn segments_round_trip_through_text() {
        let segments = vec![Segment { start: 0, end: 12_000 }, Segment { start: 15_000, end: 20_500 }];
        assert_eq!(parse_segments(&format_segments(&segments)), segments);
        assert_eq!(parse_segments(""), vec![]);
        assert_eq!(parse_segments("5-x,1-2"), vec![Segment { start: 1, end: 2 }]);
    }
}
