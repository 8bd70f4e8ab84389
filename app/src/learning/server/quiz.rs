//! 课后测验 in the database. The answers never leave the server before an attempt is
//! handed in; handing in is one transaction that grades, stores, and — at the pass line
//! — credits the course's hours to the 学时 ledger, once per course whatever the class.

use super::{
    courses::QuestionRow,
    study::{CourseHoursRow, course_progress_of, earned, own_selection},
};
use crate::state::Ctx;
use crate::{
    catalogue::domain::Category,
    credits::{self, domain::Source, server::repo::NewEntry},
    enrolment::domain::{Event, Status},
    error::{AppError, AppResult},
    learning::{
        api::{QuizGate, QuizQuestion, QuizResult, QuizReviewLine, QuizSheet},
        domain::{AnswerKey, HoursByCategory, QuestionKind, draw, grade},
    },
    platform::server::db::{Db, Tx, placeholders},
};
use rand::seq::SliceRandom;
use std::collections::HashMap;

async fn open_attempt(db: &Db, selection_id: i64) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM quiz_attempts WHERE selection_id = $1 AND submitted_at IS NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(selection_id)
    .fetch_optional(db.reader())
    .await?)
}

pub async fn gate(cx: &Ctx, selection_id: i64) -> AppResult<QuizGate> {
    let (db, user_id) = (&cx.state.db, cx.user.id);
    let quiz = own_selection(db, user_id, selection_id).await?;
    let passed: Option<i64> = sqlx::query_scalar("SELECT passed_at FROM course_selections WHERE id = $1")
        .bind(selection_id)
        .fetch_one(db.reader())
        .await?;
    Ok(QuizGate {
        selection_id,
        class_id: quiz.class_id,
        progress: course_progress_of(db, user_id, quiz.course_id).await?,
        course_title: quiz.course_title,
        passed: passed.is_some(),
        open_attempt: open_attempt(db, selection_id).await?,
        question_count: quiz.quiz_count,
        pass_score: quiz.pass_score,
    })
}

/// 开始测验 / 继续测验: only at 100 % of the course; an attempt not handed in is
/// continued; a new one prefers questions not seen before.
pub async fn start(cx: &Ctx, selection_id: i64) -> AppResult<i64> {
    let (db, user_id) = (&cx.state.db, cx.user.id);
    let now = cx.now;
    let quiz = own_selection(db, user_id, selection_id).await?;
    let course_id = quiz.course_id;
    if course_progress_of(db, user_id, course_id).await? < 100 {
        return Err(AppError::conflict("请先学完全部章节，再参加课后测验"));
    }
    if let Some(id) = open_attempt(db, selection_id).await? {
        return Ok(id);
    }
    let bank: Vec<i64> = sqlx::query_scalar("SELECT id FROM questions WHERE course_id = $1 ORDER BY id")
        .bind(quiz.course_id)
        .fetch_all(db.reader())
        .await?;
    if bank.is_empty() {
        return Err(AppError::conflict("该课程暂无测验题目，请联系培训机构"));
    }
    let earlier: Vec<String> =
        sqlx::query_scalar("SELECT questions FROM quiz_attempts WHERE selection_id = $1")
            .bind(selection_id)
            .fetch_all(db.reader())
            .await?;
    let seen: Vec<i64> = earlier.iter().flat_map(|ids| parse_ids(ids)).collect();
    let count = usize::try_from(quiz.quiz_count).unwrap_or(0).max(1);
    let drawn = draw(&bank, &seen, count, |ids| ids.shuffle(&mut rand::rng()));
    // A unique index allows one open attempt per selection: a start racing this one
    // inserts nothing here, and both continue the attempt that won.
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO quiz_attempts (user_id, selection_id, questions, started_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(user_id)
    .bind(selection_id)
    .bind(format_ids(&drawn))
    .bind(now)
    .fetch_optional(db.writer())
    .await?;
    match inserted {
        Some(id) => Ok(id),
        None => {
            open_attempt(db, selection_id).await?.ok_or_else(|| AppError::conflict("测验状态已变化，请重试"))
        }
    }
}

fn parse_ids(text: &str) -> Vec<i64> {
    text.split(',').filter_map(|id| id.trim().parse().ok()).collect()
}

fn format_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    selection_id: i64,
    questions: String,
    submitted_at: Option<i64>,
}

/// An attempt of the user.
struct OwnAttempt {
    selection_id: i64,
    /// The ids of its questions, in the attempt's order.
    questions: Vec<i64>,
    submitted: bool,
}

async fn own_attempt(db: &Db, user_id: i64, attempt_id: i64) -> AppResult<OwnAttempt> {
    let row: Option<AttemptRow> = sqlx::query_as(
        "SELECT selection_id, questions, submitted_at FROM quiz_attempts WHERE id = $1 AND user_id = $2",
    )
    .bind(attempt_id)
    .bind(user_id)
    .fetch_optional(db.reader())
    .await?;
    let row = row.ok_or_else(|| AppError::not_found("测验不存在"))?;
    Ok(OwnAttempt {
        selection_id: row.selection_id,
        questions: parse_ids(&row.questions),
        submitted: row.submitted_at.is_some(),
    })
}

/// The questions of an attempt, in the attempt's order, in one query.
async fn questions(db: &Db, ids: &[i64]) -> AppResult<Vec<QuestionRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, kind, stem, options, answer, explanation FROM questions WHERE id IN ({})",
        placeholders(1, ids.len())
    );
    let mut query = sqlx::query_as::<_, QuestionRow>(&sql);
    for id in ids {
        query = query.bind(id);
    }
    let mut by_id: HashMap<i64, QuestionRow> =
        query.fetch_all(db.reader()).await?.into_iter().map(|row| (row.id, row)).collect();
    ids.iter()
        .map(|id| {
            by_id
                .remove(id)
                .ok_or_else(|| AppError::internal(format!("question {id} of an attempt is missing")))
        })
        .collect()
}

fn public_question(row: &QuestionRow) -> QuizQuestion {
    QuizQuestion {
        id: row.id,
        kind: row.kind,
        stem: row.stem.clone(),
        options: if row.kind == QuestionKind::TrueFalse {
            vec!["正确".to_owned(), "错误".to_owned()]
        } else {
            row.options.lines().map(str::to_owned).collect()
        },
    }
}

/// The answer sheet: questions without their answers.
pub async fn sheet(cx: &Ctx, attempt_id: i64) -> AppResult<QuizSheet> {
    let (db, user_id) = (&cx.state.db, cx.user.id);
    let attempt = own_attempt(db, user_id, attempt_id).await?;
    if attempt.submitted {
        return Err(AppError::conflict("该测验已交卷"));
    }
    let selection_id = attempt.selection_id;
    let quiz = own_selection(db, user_id, selection_id).await?;
    let rows = questions(db, &attempt.questions).await?;
    Ok(QuizSheet {
        attempt_id,
        selection_id,
        course_title: quiz.course_title,
        points: quiz.quiz_points,
        pass_score: quiz.pass_score,
        questions: rows.iter().map(public_question).collect(),
    })
}

fn key(row: &QuestionRow) -> AnswerKey {
    let q = public_question(row);
    AnswerKey { question_id: q.id, kind: q.kind, options: q.options.len(), answer: row.answer.clone() }
}

/// 交卷: graded and stored once; at the pass line the course is passed and its hours
/// credited to the trainee for the class's year and the course's category.
pub async fn submit(cx: &Ctx, attempt_id: i64, given: &[(i64, String)]) -> AppResult<()> {
    let (db, user_id) = (&cx.state.db, cx.user.id);
    let now = cx.now;
    let attempt = own_attempt(db, user_id, attempt_id).await?;
    if attempt.submitted {
        return Err(AppError::conflict("该测验已交卷"));
    }
    let selection_id = attempt.selection_id;
    let quiz = own_selection(db, user_id, selection_id).await?;
    let (class_id, course_id) = (quiz.class_id, quiz.course_id);
    let rows = questions(db, &attempt.questions).await?;
    let keys: Vec<AnswerKey> = rows.iter().map(key).collect();
    let graded = grade(&keys, given, quiz.quiz_points, quiz.pass_score);
    let answers =
        graded.answers.iter().map(|a| format!("{}:{}", a.question_id, a.given)).collect::<Vec<_>>().join(",");
    let mut tx = db.begin().await?;
    let handed_in = sqlx::query(
        "UPDATE quiz_attempts SET answers = $1, score = $2, passed = $3, submitted_at = $4
         WHERE id = $5 AND user_id = $6 AND submitted_at IS NULL",
    )
    .bind(&answers)
    .bind(graded.score)
    .bind(i64::from(graded.passed))
    .bind(now)
    .bind(attempt_id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    if handed_in.rows_affected() != 1 {
        return Err(AppError::conflict("该测验已交卷"));
    }
    if graded.passed {
        pass(&mut tx, user_id, selection_id, class_id, course_id, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What a passed course credits: its title, category and hours, for the class's year.
#[derive(sqlx::FromRow)]
struct CreditRow {
    title: String,
    #[sqlx(try_from = "String")]
    category: Category,
    hours_tenths: i64,
    year: i64,
}

#[derive(sqlx::FromRow)]
struct RequiredHoursRow {
    hours_public: i64,
    hours_professional: i64,
    hours_elective: i64,
}

/// The course is passed: the selection is marked, the hours credited once, and the
/// registration completed when the class's requirement is met.
async fn pass(
    tx: &mut Tx,
    user_id: i64,
    selection_id: i64,
    class_id: i64,
    course_id: i64,
    now: i64,
) -> AppResult<()> {
    sqlx::query("UPDATE course_selections SET passed_at = $1 WHERE id = $2 AND passed_at IS NULL")
        .bind(now)
        .bind(selection_id)
        .execute(&mut **tx)
        .await?;
    let credit: CreditRow = sqlx::query_as(
        "SELECT co.title, co.category, co.hours_tenths, c.year FROM courses co, classes c WHERE co.id = $1 AND c.id = $2",
    )
    .bind(course_id)
    .bind(class_id)
    .fetch_one(&mut **tx)
    .await?;
    // The same course passed in another class counts once: the ledger's claim decides.
    let entry = NewEntry {
        user_id,
        year: credit.year,
        category: credit.category,
        tenths: credit.hours_tenths,
        source: Source::Course,
        source_id: course_id,
        kind: String::new(),
        title: credit.title,
        evidence: format!("/learn/class/{class_id}"),
        note: String::new(),
        approved_by: None,
        created_at: now,
    };
    credits::server::repo::credit(tx, &entry).await?;
    // 已完成 once every category's requirement is earned.
    let required: RequiredHoursRow =
        sqlx::query_as("SELECT hours_public, hours_professional, hours_elective FROM classes WHERE id = $1")
            .bind(class_id)
            .fetch_one(&mut **tx)
            .await?;
    let earned = earned(&mut **tx, user_id, class_id).await?;
    let required = HoursByCategory {
        public: required.hours_public,
        professional: required.hours_professional,
        elective: required.hours_elective,
    };
    let met = Category::ALL.iter().all(|c| earned.get(*c) >= required.get(*c));
    if met {
        let next = Status::Paid.apply(Event::Complete).map_err(|r| AppError::internal(r.message()))?;
        sqlx::query(
            "UPDATE registrations SET status = $1, updated_at = $2 WHERE user_id = $3 AND class_id = $4 AND status = $5",
        )
        .bind(next.code())
        .bind(now)
        .bind(user_id)
        .bind(class_id)
        .bind(Status::Paid.code())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ResultRow {
    selection_id: i64,
    questions: String,
    answers: String,
    score: Option<i64>,
    passed: i64,
    submitted_at: Option<i64>,
}

/// The result of a handed-in attempt: score, each answer, the right one, 题析.
pub async fn result(cx: &Ctx, attempt_id: i64) -> AppResult<QuizResult> {
    let (db, user_id) = (&cx.state.db, cx.user.id);
    let row: Option<ResultRow> = sqlx::query_as(
        "SELECT selection_id, questions, answers, score, passed, submitted_at FROM quiz_attempts
         WHERE id = $1 AND user_id = $2",
    )
    .bind(attempt_id)
    .bind(user_id)
    .fetch_optional(db.reader())
    .await?;
    let attempt = row.ok_or_else(|| AppError::not_found("测验不存在"))?;
    if attempt.submitted_at.is_none() {
        return Err(AppError::conflict("该测验尚未交卷"));
    }
    let selection_id = attempt.selection_id;
    let quiz = own_selection(db, user_id, selection_id).await?;
    let course: CourseHoursRow = sqlx::query_as("SELECT category, hours_tenths FROM courses WHERE id = $1")
        .bind(quiz.course_id)
        .fetch_one(db.reader())
        .await?;
    let given: Vec<(i64, String)> = attempt
        .answers
        .split(',')
        .filter_map(|pair| {
            let (id, answer) = pair.split_once(':')?;
            Some((id.parse().ok()?, answer.to_owned()))
        })
        .collect();
    let rows = questions(db, &parse_ids(&attempt.questions)).await?;
    let lines = rows
        .iter()
        .map(|row| {
            let k = key(row);
            let given =
                given.iter().find(|(id, _)| *id == k.question_id).map(|(_, a)| a.clone()).unwrap_or_default();
            QuizReviewLine {
                question: public_question(row),
                correct: crate::learning::domain::is_correct(k.kind, &given, &k.answer, k.options),
                given,
                answer: k.answer.clone(),
                explanation: row.explanation.clone(),
            }
        })
        .collect();
    Ok(QuizResult {
        attempt_id,
        selection_id,
        class_id: quiz.class_id,
        course_title: quiz.course_title,
        score: attempt.score.unwrap_or(0),
        pass_score: quiz.pass_score,
        passed: attempt.passed != 0,
        hours_tenths: course.hours_tenths,
        category: course.category,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_ids_round_trip() {
        assert_eq!(parse_ids(&format_ids(&[3, 1, 2])), vec![3, 1, 2]);
        assert_eq!(parse_ids(""), Vec::<i64>::new());
    }
}
