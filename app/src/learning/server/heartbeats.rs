//! Heartbeats are written by group commit. Each request still waits until its own
//! heartbeat is committed (a reload never loses what was answered), but the heartbeats
//! that arrive while a transaction is being written share the next one: one lease read,
//! one progress read and two multi-row writes for up to [`MAX_BATCH`] learners instead
//! of four statements and a commit each. On SQLite, with its single writer, that is
//! what lets thousands of learners heartbeat at once.
//!
//! The rules are the same as for a single heartbeat and are checked in order of
//! arrival against the state the batch has built so far, so two heartbeats of one
//! account in one batch behave as if written one after the other.

use crate::{
    error::{AppError, AppResult},
    learning::domain::{Segment, apply_heartbeat, chapter_done, course_progress, resume_position},
    platform::server::db::{Db, placeholders, tuples},
};
use futures::FutureExt;
use std::collections::HashMap;
use tokio::sync::{mpsc, oneshot};

/// The most heartbeats one transaction writes (7 bound values per progress row stay
/// far below either engine's limit).
const MAX_BATCH: usize = 256;

/// A heartbeat the request has checked (the user studies the chapter's course) and
/// hands to the writer.
#[derive(Debug, Clone)]
pub struct Beat {
    pub user_id: i64,
    pub chapter_id: i64,
    pub course_id: i64,
    pub duration_ms: i64,
    /// Whether the study of the course had started before this heartbeat.
    pub course_started: bool,
    pub token: String,
    pub claimed: Vec<Segment>,
    /// Where the player is; `None` from a player that has not played yet.
    pub position_ms: Option<i64>,
    pub now: i64,
}

/// What the writer answers for an accepted heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub segments: Vec<Segment>,
    pub covered_ms: i64,
    pub chapter_done: bool,
    pub course_progress: i64,
}

struct Queued {
    beat: Beat,
    reply: oneshot::Sender<AppResult<Written>>,
}

/// The handle requests send their heartbeats through; the writer task ends when the
/// last handle is dropped.
#[derive(Clone, Debug)]
pub struct HeartbeatWriter(mpsc::Sender<Queued>);

impl std::fmt::Debug for Queued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.beat.fmt(f)
    }
}

impl HeartbeatWriter {
    /// Starts the writer task on the current runtime.
    pub fn start(db: Db) -> Self {
        let (sender, receiver) = mpsc::channel(MAX_BATCH * 16);
        tokio::spawn(run(db, receiver));
        Self(sender)
    }

    /// Queues a heartbeat and waits until it is committed or refused.
    pub async fn write(&self, beat: Beat) -> AppResult<Written> {
        let (reply, answer) = oneshot::channel();
        self.0
            .send(Queued { beat, reply })
            .await
            .map_err(|_| AppError::internal("heartbeat writer stopped"))?;
        answer.await.map_err(|_| AppError::internal("heartbeat writer dropped a heartbeat"))?
    }
}

async fn run(db: Db, mut receiver: mpsc::Receiver<Queued>) {
    let mut queued = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut queued, MAX_BATCH).await > 0 {
        let beats: Vec<&Beat> = queued.iter().map(|q| &q.beat).collect();
        // A panic while writing one batch (a bug) fails that batch only: the writer goes
        // on, so later heartbeats are not refused until the process restarts.
        let written = std::panic::AssertUnwindSafe(write_batch(&db, &beats)).catch_unwind().await;
        let written =
            written.unwrap_or_else(|_| Err(sqlx::Error::Protocol("heartbeat batch panicked".into())));
        match written {
            Ok(outcomes) => {
                for (q, outcome) in queued.drain(..).zip(outcomes) {
                    // The caller may have gone (a closed tab): what it sent is stored anyway.
                    let _ = q.reply.send(outcome);
                }
            }
            Err(err) => {
                tracing::error!(error = %err, heartbeats = queued.len(), "a batch of heartbeats could not be written");
                for q in queued.drain(..) {
                    let _ = q.reply.send(Err(AppError::internal("heartbeat batch failed")));
                }
            }
        }
    }
}

/// The playback lease of an account as the batch sees it.
struct Lease {
    token: String,
    chapter_id: i64,
    seen_at: i64,
    slack_ms: i64,
    renewed: bool,
}

/// A chapter's progress as the batch sees it: what was stored (segments, completion)
/// and, once a heartbeat of the batch is credited, what will be written.
#[derive(Default)]
struct Progress {
    segments: Vec<Segment>,
    covered_ms: i64,
    position_ms: i64,
    completed_at: Option<i64>,
    heartbeat_at: i64,
    changed: bool,
}

#[derive(sqlx::FromRow)]
struct StoredLease {
    user_id: i64,
    token: String,
    chapter_id: i64,
    seen_at: i64,
    slack_ms: i64,
}

#[derive(sqlx::FromRow)]
struct StoredProgress {
    user_id: i64,
    chapter_id: i64,
    segments: String,
    position_ms: i64,
    completed_at: Option<i64>,
}

/// How many chapters a course has and how many of them a learner has completed.
#[derive(sqlx::FromRow)]
struct CourseChapters {
    user_id: i64,
    course_id: i64,
    chapters: i64,
    done: i64,
}

async fn write_batch(db: &Db, beats: &[&Beat]) -> Result<Vec<AppResult<Written>>, sqlx::Error> {
    let mut tx = db.begin().await?;

    let mut users: Vec<i64> = beats.iter().map(|b| b.user_id).collect();
    users.sort_unstable();
    users.dedup();
    // On PostgreSQL the leases are locked, in one order, so that another server's batch
    // or a player taking the lease waits for this transaction; SQLite's single writer
    // already does that.
    let sql = format!(
        "SELECT user_id, token, chapter_id, seen_at, slack_ms FROM playbacks WHERE user_id IN ({}) ORDER BY user_id{}",
        placeholders(1, users.len()),
        db.row_lock()
    );
    let mut query = sqlx::query_as::<_, StoredLease>(&sql);
    for user in &users {
        query = query.bind(user);
    }
    let mut leases: HashMap<i64, Lease> = query
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|row| {
            let lease = Lease {
                token: row.token,
                chapter_id: row.chapter_id,
                seen_at: row.seen_at,
                slack_ms: row.slack_ms,
                renewed: false,
            };
            (row.user_id, lease)
        })
        .collect();

    let mut chapters: Vec<(i64, i64)> = beats.iter().map(|b| (b.user_id, b.chapter_id)).collect();
    chapters.sort_unstable();
    chapters.dedup();
    let sql = format!(
        "WITH k (user_id, chapter_id) AS (VALUES {})
         SELECT p.user_id, p.chapter_id, p.segments, p.position_ms, p.completed_at
         FROM chapter_progress p JOIN k ON p.user_id = k.user_id AND p.chapter_id = k.chapter_id",
        tuples(chapters.len(), 2)
    );
    let mut query = sqlx::query_as::<_, StoredProgress>(&sql);
    for (user, chapter) in &chapters {
        query = query.bind(user).bind(chapter);
    }
    let mut progress: HashMap<(i64, i64), Progress> = query
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|row| {
            let segments = super::study::parse_segments(&row.segments);
            (
                (row.user_id, row.chapter_id),
                Progress {
                    segments,
                    position_ms: row.position_ms,
                    completed_at: row.completed_at,
                    ..Progress::default()
                },
            )
        })
        .collect();

    let mut outcomes: Vec<AppResult<(i64, i64, Written)>> = Vec::with_capacity(beats.len());
    let mut started: Vec<(i64, i64, i64)> = Vec::new();
    for beat in beats {
        let Some(lease) = leases
            .get_mut(&beat.user_id)
            .filter(|lease| !lease.token.is_empty() && lease.token == beat.token)
        else {
            outcomes
                .push(Err(AppError::conflict("您已在其他页面或设备上开始学习，本页面的学习进度不再记录")));
            continue;
        };
        let chapter = progress.entry((beat.user_id, beat.chapter_id)).or_default();
        let credited = match apply_heartbeat(
            &chapter.segments,
            &beat.claimed,
            beat.duration_ms,
            beat.now - lease.seen_at,
            lease.slack_ms,
        ) {
            Ok(credited) => credited,
            // Refused: nothing of it is stored, the lease is not renewed either.
            Err(refused) => {
                outcomes.push(Err(AppError::conflict(refused.message())));
                continue;
            }
        };
        lease.seen_at = beat.now;
        lease.slack_ms = credited.slack_ms;
        lease.chapter_id = beat.chapter_id;
        lease.renewed = true;
        if chapter.completed_at.is_none() && chapter_done(credited.covered_ms, beat.duration_ms) {
            chapter.completed_at = Some(beat.now);
        }
        chapter.segments = credited.segments;
        chapter.covered_ms = credited.covered_ms;
        chapter.position_ms =
            resume_position(chapter.position_ms, beat.position_ms, &beat.claimed, beat.duration_ms);
        chapter.heartbeat_at = beat.now;
        chapter.changed = true;
        if !beat.course_started {
            started.push((beat.user_id, beat.course_id, beat.now));
        }
        outcomes.push(Ok((
            beat.user_id,
            beat.course_id,
            Written {
                segments: chapter.segments.clone(),
                covered_ms: chapter.covered_ms,
                chapter_done: chapter.completed_at.is_some(),
                course_progress: 0,
            },
        )));
    }

    let renewed: Vec<(&i64, &Lease)> = leases.iter().filter(|(_, lease)| lease.renewed).collect();
    if !renewed.is_empty() {
        let sql = format!(
            "INSERT INTO playbacks (user_id, token, chapter_id, seen_at, slack_ms) VALUES {}
             ON CONFLICT (user_id) DO UPDATE SET chapter_id = excluded.chapter_id, seen_at = excluded.seen_at,
                 slack_ms = excluded.slack_ms",
            tuples(renewed.len(), 5)
        );
        let mut query = sqlx::query(&sql);
        for (user, lease) in &renewed {
            query = query
                .bind(**user)
                .bind(&lease.token)
                .bind(lease.chapter_id)
                .bind(lease.seen_at)
                .bind(lease.slack_ms);
        }
        query.execute(&mut *tx).await?;
    }

    let changed: Vec<(&(i64, i64), &Progress)> = progress.iter().filter(|(_, p)| p.changed).collect();
    if !changed.is_empty() {
        let sql = format!(
            "INSERT INTO chapter_progress (user_id, chapter_id, segments, covered_ms, position_ms, completed_at, heartbeat_at)
             VALUES {}
             ON CONFLICT (user_id, chapter_id) DO UPDATE SET segments = excluded.segments, covered_ms = excluded.covered_ms,
                 position_ms = excluded.position_ms, completed_at = excluded.completed_at,
                 heartbeat_at = excluded.heartbeat_at",
            tuples(changed.len(), 7)
        );
        let mut query = sqlx::query(&sql);
        for ((user, chapter), p) in &changed {
            query = query
                .bind(*user)
                .bind(*chapter)
                .bind(super::study::format_segments(&p.segments))
                .bind(p.covered_ms)
                .bind(p.position_ms)
                .bind(p.completed_at)
                .bind(p.heartbeat_at);
        }
        query.execute(&mut *tx).await?;
    }

    for (user, course, now) in &started {
        sqlx::query(
            "UPDATE course_selections SET started_at = $1 WHERE user_id = $2 AND course_id = $3 AND started_at IS NULL",
        )
        .bind(now)
        .bind(user)
        .bind(course)
        .execute(&mut *tx)
        .await?;
    }

    // Course progress after this batch, for every learner and course it touched.
    let mut courses: Vec<(i64, i64)> =
        outcomes.iter().filter_map(|o| o.as_ref().ok()).map(|(u, c, _)| (*u, *c)).collect();
    courses.sort_unstable();
    courses.dedup();
    let mut progress_of: HashMap<(i64, i64), i64> = HashMap::new();
    if !courses.is_empty() {
        let sql = format!(
            "WITH k (user_id, course_id) AS (VALUES {})
             SELECT k.user_id, k.course_id, COUNT(*) AS chapters, COUNT(p.completed_at) AS done
             FROM k JOIN chapters ch ON ch.course_id = k.course_id
             LEFT JOIN chapter_progress p ON p.chapter_id = ch.id AND p.user_id = k.user_id
             GROUP BY k.user_id, k.course_id",
            tuples(courses.len(), 2)
        );
        let mut query = sqlx::query_as::<_, CourseChapters>(&sql);
        for (user, course) in &courses {
            query = query.bind(user).bind(course);
        }
        for row in query.fetch_all(&mut *tx).await? {
            let percent = course_progress(
                usize::try_from(row.done).unwrap_or(0),
                usize::try_from(row.chapters).unwrap_or(0),
            );
            progress_of.insert((row.user_id, row.course_id), percent);
        }
    }

    tx.commit().await?;
    Ok(outcomes
        .into_iter()
        .map(|outcome| {
            outcome.map(|(user, course, mut written)| {
                written.course_progress = progress_of.get(&(user, course)).copied().unwrap_or(0);
                written
            })
        })
        .collect())
}
