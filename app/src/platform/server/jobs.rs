//! Background work that must run once however many app servers run: each job is a row
//! of `jobs`, and a server runs it only after claiming it with one conditional update
//! (due, and not leased by another server whose lease is still good). The claim is a
//! lease: a server that dies mid-run loses it when it expires, and another server takes
//! the job over. Every run records its outcome; a failure (or a panic) is counted and
//! the job tried again with back-off, while the other jobs go on. Handlers are
//! idempotent (conditional updates), so a run repeated after a lost lease is harmless.
//!
//! Why not `FOR UPDATE SKIP LOCKED`: these are a few named periodic jobs, one row each,
//! not a queue of many rows; the conditional update claims a row atomically on both
//! engines (PostgreSQL re-checks the condition after a concurrent update commits; SQLite
//! has one writer), with no transaction held while the job runs.

use super::{crypto::random_token, db::Db};
use futures::future::BoxFuture;
use std::{sync::Arc, time::Duration};

/// What the jobs run with: the application's state (composed above the platform, so
/// the scheduler only asks it for the database its rows live in).
pub trait JobState: Clone + Send + Sync + 'static {
    fn db(&self) -> &Db;
}

type Handler<S> = Arc<dyn Fn(S, i64) -> BoxFuture<'static, Result<String, String>> + Send + Sync>;

/// A periodic job: its name (the row), how often it is due, how long a claim lasts.
pub struct Job<S> {
    pub name: &'static str,
    pub every: Duration,
    pub lease: Duration,
    run: Handler<S>,
}

impl<S> Clone for Job<S> {
    fn clone(&self) -> Self {
        Self { name: self.name, every: self.every, lease: self.lease, run: self.run.clone() }
    }
}

impl<S> std::fmt::Debug for Job<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("name", &self.name).field("every", &self.every).finish_non_exhaustive()
    }
}

impl<S: JobState> Job<S> {
    /// `run` gets the state and the time of the claim, and answers a short summary (for
    /// the log) or an error message.
    pub fn new<F, Fut>(name: &'static str, every: Duration, lease: Duration, run: F) -> Self
    where
        F: Fn(S, i64) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<String, String>> + Send + 'static,
    {
        Self { name, every, lease, run: Arc::new(move |state, now| Box::pin(run(state, now))) }
    }
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// How long a job waits after `failures` failed runs in a row: its own period doubled
/// per failure, at least a second, at most fifteen minutes.
pub fn retry_delay_ms(every: Duration, failures: i64) -> i64 {
    let doublings = u32::try_from(failures.clamp(0, 16)).unwrap_or(0);
    ms(every).max(1_000).saturating_mul(1_i64 << doublings).min(15 * 60_000)
}

/// One app server's scheduler: its identity in `locked_by`, and its jobs.
#[derive(Clone, Debug)]
pub struct Scheduler<S> {
    worker: String,
    jobs: Vec<Job<S>>,
}

/// What one tick did with a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    /// Not due, or claimed by another server.
    NotMine,
    Succeeded(String),
    Failed(String),
}

impl<S: JobState> Scheduler<S> {
    pub fn new(jobs: Vec<Job<S>>) -> Self {
        Self { worker: format!("{}-{}", std::process::id(), random_token(6)), jobs }
    }

    pub fn worker(&self) -> &str {
        &self.worker
    }

    /// Makes the jobs' rows (due at once); servers starting together make each once.
    pub async fn register(&self, state: &S, now: i64) -> Result<(), sqlx::Error> {
        for job in &self.jobs {
            sqlx::query("INSERT INTO jobs (name, run_after) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(job.name)
                .bind(now)
                .execute(state.db().writer())
                .await?;
        }
        Ok(())
    }

    /// Claims and runs every due job this server can claim, one after another. Which
    /// jobs are due is read first, so a tick with nothing due (most seconds) writes
    /// nothing: on SQLite every claim would queue on the one writer.
    pub async fn tick(&self, state: &S, now: i64) -> Vec<(&'static str, Ran)> {
        let due: Vec<String> = match sqlx::query_scalar(
            "SELECT name FROM jobs WHERE run_after <= $1 AND (locked_until IS NULL OR locked_until < $1)",
        )
        .bind(now)
        .fetch_all(state.db().reader())
        .await
        {
            Ok(due) => due,
            Err(err) => {
                tracing::warn!(error = %err, "due jobs could not be read");
                Vec::new()
            }
        };
        let mut ran = Vec::with_capacity(self.jobs.len());
        for job in &self.jobs {
            if !due.iter().any(|name| name == job.name) {
                ran.push((job.name, Ran::NotMine));
                continue;
            }
            let outcome = match self.run_once(state, job, now).await {
                Ok(outcome) => outcome,
                Err(err) => {
                    tracing::warn!(job = job.name, error = %err, "job could not be claimed or recorded");
                    Ran::NotMine
                }
            };
            ran.push((job.name, outcome));
        }
        ran
    }

    async fn claim(&self, state: &S, job: &Job<S>, now: i64) -> Result<Option<i64>, sqlx::Error> {
        // The claim and the failures so far in one statement; no row means another
        // server holds it, or it is not due.
        sqlx::query_scalar(
            "UPDATE jobs SET locked_by = $1, locked_until = $2 WHERE name = $3 AND run_after <= $4
               AND (locked_until IS NULL OR locked_until < $4) RETURNING attempts",
        )
        .bind(&self.worker)
        .bind(now.saturating_add(ms(job.lease)))
        .bind(job.name)
        .bind(now)
        .fetch_optional(state.db().writer())
        .await
    }

    async fn run_once(&self, state: &S, job: &Job<S>, now: i64) -> Result<Ran, sqlx::Error> {
        let Some(failures) = self.claim(state, job, now).await? else {
            return Ok(Ran::NotMine);
        };
        // A task of its own, so that a panic in the handler is caught here and the
        // scheduler (and every other job) goes on.
        let outcome = match tokio::spawn((job.run)(state.clone(), now)).await {
            Ok(outcome) => outcome,
            Err(join) if join.is_panic() => Err("任务异常终止（panic）".to_owned()),
            Err(join) => Err(format!("任务被取消：{join}")),
        };
        let finished = crate::platform::time::now_ms().max(now);
        let (next, attempts, error) = match &outcome {
            Ok(_) => (finished.saturating_add(ms(job.every)), 0, String::new()),
            Err(message) => (
                finished.saturating_add(retry_delay_ms(job.every, failures + 1)),
                failures + 1,
                message.clone(),
            ),
        };
        let recorded = sqlx::query(
            "UPDATE jobs SET locked_by = NULL, locked_until = NULL, run_after = $1, attempts = $2, last_error = $3,
                 last_run_at = $4, runs = runs + 1 WHERE name = $5 AND locked_by = $6",
        )
        .bind(next)
        .bind(attempts)
        .bind(&error)
        .bind(finished)
        .bind(job.name)
        .bind(&self.worker)
        .execute(state.db().writer())
        .await?;
        if recorded.rows_affected() != 1 {
            tracing::warn!(job = job.name, "job ran past its lease; another server may have run it too");
        }
        Ok(match outcome {
            Ok(summary) => Ran::Succeeded(summary),
            Err(message) => {
                tracing::warn!(job = job.name, attempts, error = %message, "job failed; will try again");
                Ran::Failed(message)
            }
        })
    }

    /// Ticks every `period` until the process ends.
    pub fn spawn(self, state: S, period: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let now = crate::platform::time::now_ms();
            if let Err(err) = self.register(&state, now).await {
                tracing::error!(error = %err, "jobs could not be registered");
            }
            let mut every = tokio::time::interval(period);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                for (job, ran) in self.tick(&state, crate::platform::time::now_ms()).await {
                    if let Ran::Succeeded(summary) = ran
                        && !summary.is_empty()
                    {
                        tracing::info!(job, %summary, "job ran");
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_back_off_from_the_period_to_fifteen_minutes() {
        let second = Duration::from_secs(1);
        assert_eq!(retry_delay_ms(second, 0), 1_000);
        assert_eq!(retry_delay_ms(second, 1), 2_000);
        assert_eq!(retry_delay_ms(second, 3), 8_000);
        assert_eq!(retry_delay_ms(Duration::from_millis(10), 1), 2_000, "at least a second");
        assert_eq!(retry_delay_ms(Duration::from_secs(60), 5), 15 * 60_000);
        assert_eq!(retry_delay_ms(Duration::from_secs(60), 1_000), 15 * 60_000);
    }
}
