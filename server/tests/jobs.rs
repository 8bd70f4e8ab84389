//! Background jobs on both engines: claimed so that each runs once however many app
//! servers tick at the same moment, taken over when a server dies holding one, and a
//! failing or panicking job recorded and retried while the others go on.

#![allow(clippy::unwrap_used)] // a failed setup step fails the test

mod common;
use app::platform::{
    server::jobs::{Job, Ran, Scheduler},
    time::now_ms,
};
use app::state::AppState;
use common::*;
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

engine_tests!(
    a_job_runs_once_however_many_servers_tick,
    a_dead_servers_claim_is_taken_over_when_its_lease_ends,
    a_failing_or_panicking_job_is_recorded_and_the_others_go_on,
    the_platforms_jobs_run_through_the_scheduler,
    what_is_past_its_retention_period_is_swept,
);

fn counting(name: &'static str, runs: Arc<AtomicUsize>) -> Job<AppState> {
    Job::new(name, Duration::from_secs(60), Duration::from_secs(30), move |_, _| {
        let runs = runs.clone();
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            // Long enough for the other servers' claims to arrive while it runs.
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(String::new())
        }
    })
}

async fn a_job_runs_once_however_many_servers_tick(app: &TestApp) {
    let runs = Arc::new(AtomicUsize::new(0));
    let servers: Vec<Scheduler<AppState>> =
        (0..3).map(|_| Scheduler::new(vec![counting("count", runs.clone())])).collect();
    let now = now_ms();
    for server in &servers {
        server.register(&app.state, now).await.unwrap();
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM jobs WHERE name = 'count'").await, 1);
    for round in 0..5_i64 {
        let at = now + round * 61_000;
        let ticks = futures::future::join_all(servers.iter().map(|s| s.tick(&app.state, at))).await;
        let ran = ticks.iter().filter(|t| matches!(t[0].1, Ran::Succeeded(_))).count();
        assert_eq!(ran, 1, "round {round}: {ticks:?}");
        // Not due again within its period.
        let again = futures::future::join_all(servers.iter().map(|s| s.tick(&app.state, at + 1_000))).await;
        assert!(again.iter().all(|t| t[0].1 == Ran::NotMine), "{again:?}");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 5);
    assert_eq!(app.count("SELECT runs FROM jobs WHERE name = 'count'").await, 5);
}

async fn a_dead_servers_claim_is_taken_over_when_its_lease_ends(app: &TestApp) {
    let runs = Arc::new(AtomicUsize::new(0));
    let survivor = Scheduler::new(vec![counting("count", runs.clone())]);
    let now = now_ms();
    survivor.register(&app.state, now).await.unwrap();
    // Another server claimed it and died (its process is gone, the row keeps its lease).
    sqlx::query("UPDATE jobs SET locked_by = 'dead-server', locked_until = $1 WHERE name = 'count'")
        .bind(now + 30_000)
        .execute(app.state.db.writer())
        .await
        .unwrap();
    assert_eq!(survivor.tick(&app.state, now + 1_000).await[0].1, Ran::NotMine);
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    assert!(matches!(survivor.tick(&app.state, now + 30_001).await[0].1, Ran::Succeeded(_)));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let locked: Option<String> = sqlx::query_scalar("SELECT locked_by FROM jobs WHERE name = 'count'")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert_eq!(locked, None, "released after the run");
}

async fn a_failing_or_panicking_job_is_recorded_and_the_others_go_on(app: &TestApp) {
    let runs = Arc::new(AtomicUsize::new(0));
    let second = Duration::from_secs(1);
    let server = Scheduler::new(vec![
        Job::new("boom", second, second * 30, |_, _| async { panic!("a bug in a job") }),
        Job::new("refused", second, second * 30, |_, _| async { Err("网关不可用".to_owned()) }),
        counting("fine", runs.clone()),
    ]);
    let now = now_ms();
    server.register(&app.state, now).await.unwrap();
    let ran = server.tick(&app.state, now).await;
    assert!(matches!(&ran[0].1, Ran::Failed(m) if m.contains("panic")), "{ran:?}");
    assert_eq!(ran[1].1, Ran::Failed("网关不可用".to_owned()));
    assert!(matches!(ran[2].1, Ran::Succeeded(_)), "the others go on: {ran:?}");
    let (attempts, error): (i64, String) =
        sqlx::query_as("SELECT attempts, last_error FROM jobs WHERE name = 'refused'")
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
    assert_eq!((attempts, error.as_str()), (1, "网关不可用"));
    // Backed off: not again at once, then again after the delay, counting up.
    assert_eq!(server.tick(&app.state, now_ms()).await[1].1, Ran::NotMine);
    let later = now_ms() + 2_500;
    assert_eq!(server.tick(&app.state, later).await[1].1, Ran::Failed("网关不可用".to_owned()));
    assert_eq!(app.count("SELECT attempts FROM jobs WHERE name = 'refused'").await, 2);
    assert_eq!(app.count("SELECT attempts FROM jobs WHERE name = 'boom'").await, 2);
}

async fn the_platforms_jobs_run_through_the_scheduler(app: &TestApp) {
    let server = Scheduler::new(xueshi::background_jobs());
    let now = now_ms();
    server.register(&app.state, now).await.unwrap();
    let ran = server.tick(&app.state, now).await;
    let names: Vec<&str> = ran.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        [
            "sandbox_notifier",
            "certificate_batches",
            "close_expired_orders",
            "settle_refunds",
            "sweep_retention",
            "purge_expired",
            "sweep_orphan_files",
            "expire_unit_applications"
        ]
    );
    assert!(ran.iter().all(|(_, r)| matches!(r, Ran::Succeeded(_))), "{ran:?}");
    // A second server at the same moment finds nothing to do.
    let other = Scheduler::new(xueshi::background_jobs());
    assert!(other.tick(&app.state, now).await.iter().all(|(_, r)| *r == Ran::NotMine));
}

async fn what_is_past_its_retention_period_is_swept(app: &TestApp) {
    const DAY: i64 = 24 * 60 * 60 * 1000;
    let now = now_ms();
    let old = now - 40 * DAY;
    for (sql, at) in [
        ("INSERT INTO public_queries (ip, kind, at) VALUES ('10.0.0.1', 'hours', $1)", old),
        ("INSERT INTO public_queries (ip, kind, at) VALUES ('10.0.0.1', 'hours', $1)", now),
        (
            "INSERT INTO outbox (channel, recipient, subject, body, created_at) VALUES ('sms', '13800000011', '', '旧', $1)",
            old,
        ),
        (
            "INSERT INTO outbox (channel, recipient, subject, body, created_at) VALUES ('sms', '13800000011', '', '新', $1)",
            now,
        ),
        (
            "INSERT INTO sms_codes (phone, purpose, code_hash, expires_at, attempts, ip, created_at)
          VALUES ('13800000099', 'register', 'x', $1, 0, '10.0.0.1', $1)",
            old,
        ),
    ] {
        sqlx::query(sql).bind(at).execute(app.state.db.writer()).await.unwrap();
    }
    let outbox_before = app.count("SELECT COUNT(*) FROM outbox").await;
    let swept = xueshi::retention::sweep(&app.state, now).await.unwrap();
    assert_eq!((swept.public_queries, swept.outbox, swept.sms_codes), (1, 1, 1), "{swept:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM public_queries").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, outbox_before - 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE body = '新'").await, 1);
    // Nothing more the second time.
    let again = xueshi::retention::sweep(&app.state, now).await.unwrap();
    assert_eq!(again, xueshi::retention::Swept::default());
}
