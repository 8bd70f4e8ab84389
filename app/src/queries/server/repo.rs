//! The public queries against the database, their rate limit and their answers.

use crate::queries::{
    api::{Answer, AnswerLine},
    domain::QueryKind,
};
use crate::{
    accounts::domain::identity::IdNumber,
    catalogue::domain::Hours,
    credits::{domain::Completion, server::service::completions},
    error::{AppError, AppResult},
    platform::{
        server::{crypto::random_token, db::Db},
        time::{format_date, year_of},
    },
};

/// Queries per client address per hour.
pub const HOURLY_LIMIT: i64 = 30;
const HOUR_MS: i64 = 60 * 60 * 1000;
const ANSWER_TTL_MS: i64 = 10 * 60 * 1000;

/// Counts this query against the address, refusing past the hourly limit.
pub async fn check_rate(db: &Db, ip: &str, now: i64) -> AppResult<()> {
    let recent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM public_queries WHERE ip = $1 AND at > $2")
        .bind(ip)
        .bind(now - HOUR_MS)
        .fetch_one(db.reader())
        .await?;
    if recent >= HOURLY_LIMIT {
        return Err(AppError::too_many_requests("查询过于频繁，请一小时后再试"));
    }
    sqlx::query("INSERT INTO public_queries (ip, kind, at) VALUES ($1, 'query', $2)")
        .bind(ip)
        .bind(now)
        .execute(db.writer())
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct CertificateRow {
    serial: String,
    title: String,
    year: i64,
    issued_at: i64,
}

#[derive(sqlx::FromRow)]
struct ScoreRow {
    title: String,
    subject: String,
    score_tenths: i64,
    passed: i64,
}

/// "公需 30/30 学时，专业 48/60 学时，选修 0 学时；合计 78/90 学时": earned against
/// required where a requirement is set.
fn hours_detail(c: &Completion) -> String {
    let with_required = |earned: Hours, required: Hours| match c.requirement {
        Some(_) => format!("{earned}/{required}学时"),
        None => format!("{earned}学时"),
    };
    let categories: Vec<String> = c
        .categories
        .iter()
        .map(|p| format!("{}：{}", p.category.label(), with_required(p.earned, p.required)))
        .collect();
    format!("{}；合计：{}", categories.join("，"), with_required(c.earned, c.required))
}

/// Looks the person up and stores the answer; returns its token. A wrong name for the
/// ID number answers exactly like an unknown ID number: "未查询到".
pub async fn answer(db: &Db, kind: QueryKind, id_number: &str, name: &str, now: i64) -> AppResult<String> {
    let id = IdNumber::parse(id_number).map_err(|e| AppError::invalid_field("id_number", e.message()))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid_field("name", "请输入姓名"));
    }
    let pool = db.reader();
    let user_id: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id_number = $1 AND name = $2")
        .bind(id.as_str())
        .bind(name)
        .fetch_optional(pool)
        .await?;
    let lines = match user_id {
        None => Vec::new(),
        Some(user_id) => match kind {
            QueryKind::Certificate => {
                let rows: Vec<CertificateRow> = sqlx::query_as(
                    "SELECT serial, title, year, issued_at FROM certificates
                     WHERE user_id = $1 AND revoked_at IS NULL ORDER BY issued_at DESC",
                )
                .bind(user_id)
                .fetch_all(pool)
                .await?;
                rows.into_iter()
                    .map(|row| AnswerLine {
                        title: row.title,
                        detail: format!(
                            "{}年度 · 证书编号 {} · 发证日期 {}",
                            row.year,
                            crate::certificates::domain::Serial::parse(&row.serial)
                                .map(|s| s.display())
                                .unwrap_or(row.serial),
                            format_date(row.issued_at)
                        ),
                    })
                    .collect()
            }
            QueryKind::Score => {
                let rows: Vec<ScoreRow> = sqlx::query_as(
                    "SELECT c.title, e.subject, e.score_tenths, e.passed FROM exam_scores e
                     JOIN registrations r ON r.id = e.registration_id JOIN classes c ON c.id = r.class_id
                     WHERE r.user_id = $1 ORDER BY e.published_at DESC",
                )
                .bind(user_id)
                .fetch_all(pool)
                .await?;
                rows.into_iter()
                    .map(|row| AnswerLine {
                        title: row.title,
                        detail: format!(
                            "{}：{}分 {}",
                            row.subject,
                            Hours(row.score_tenths),
                            if row.passed != 0 { "合格" } else { "不合格" }
                        ),
                    })
                    .collect()
            }
            QueryKind::Hours => {
                let years = completions(db, user_id, year_of(now)).await?;
                years
                    .into_iter()
                    .filter(|c| c.earned.0 > 0 || c.requirement.is_some())
                    .map(|c| AnswerLine {
                        title: format!("{}年度 · {}", c.year, c.verdict()),
                        detail: hours_detail(&c),
                    })
                    .collect()
            }
        },
    };
    let answer = Answer { kind, who: format!("{name}（{}）", id.masked()), lines };
    let token = random_token(16);
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM public_query_results WHERE created_at < $1")
        .bind(now - ANSWER_TTL_MS)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO public_query_results (token, kind, body, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&token)
        .bind(kind.code())
        .bind(serde_json::to_string(&answer).map_err(AppError::internal)?)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(token)
}

pub async fn load_answer(db: &Db, token: &str, now: i64) -> AppResult<Answer> {
    let body: Option<String> =
        sqlx::query_scalar("SELECT body FROM public_query_results WHERE token = $1 AND created_at >= $2")
            .bind(token)
            .bind(now - ANSWER_TTL_MS)
            .fetch_optional(db.reader())
            .await?;
    let body = body.ok_or_else(|| AppError::not_found("查询结果已过期，请重新查询"))?;
    serde_json::from_str(&body).map_err(AppError::internal)
}
