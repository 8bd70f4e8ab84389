use crate::http::{assets, captcha, certificates, exports, files, health, payments, security};
use app::state::{AppState, AppStateInner};
use app::{
    App,
    accounts::server::{
        captcha as captcha_store,
        guard::{self, AuthCache},
        passwords::{self, CommonPasswords},
        session, throttle,
    },
    learning::server::heartbeats::HeartbeatWriter,
    orders::server as orders,
    payments::server::{
        Payments,
        sandbox::{NotifyClient, Sandbox},
    },
    platform::server::{
        cache::PublicCache,
        config::Config,
        db::Db,
        files as stored_files,
        jobs::{Job, Scheduler},
        messaging::Messenger,
        pdf::PdfFont,
        storage::Storage,
    },
    refunds::server as refunds,
    shell,
};
use axum::{
    Router, middleware,
    routing::{get, post},
};
use leptos::{config::LeptosOptions, prelude::*};
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::{path::Path, sync::Arc, time::Duration};
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("数据库连接失败 (database connection failed): {0}")]
    Database(#[from] sqlx::Error),
    #[error("数据库迁移失败 (migration failed): {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("文件存储不可用 (storage unavailable): {0}")]
    Storage(#[from] std::io::Error),
    #[error("短信通道不可用 (SMS provider refused): {0}")]
    Messaging(String),
    #[error("证书签名密钥不可用 (certificate key unavailable): {0}")]
    CertificateKey(String),
}

/// Connects, migrates and assembles the shared state.
pub async fn build_state(config: Config) -> Result<AppState, StartupError> {
    // Checked before anything is touched: production must not keep codes in the outbox.
    let messenger = Messenger::for_config(&config).map_err(StartupError::Messaging)?;
    let db = Db::connect(&config.database_url, config.db_max_connections).await?;
    db.migrate().await?;
    // The certificate signing key is made at first start (several servers: each may
    // make one; all verify, the newest signs).
    app::certificates::server::keys::ensure(&db, app::platform::time::now_ms())
        .await
        .map_err(|e| StartupError::CertificateKey(e.message))?;
    let storage = Storage::local(&config.storage_dir)?;
    let leptos_options = leptos_options(&config);
    let dummy_password_hash: Arc<str> =
        tokio::task::spawn_blocking(|| passwords::hash_blocking("no such account"))
            .await
            .expect("hashing task")
            .into();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let public_cache = PublicCache::new(config.public_cache_ttl);
    let payments = Payments::sandbox(
        Sandbox::load_or_create(&db, AppState::base_url(&config), config.payment_sandbox).await?,
    );
    let pdf_font = PdfFont::new(config.pdf_font.clone());
    let upload_permits = Arc::new(Semaphore::new(config.upload_concurrency));
    Ok(AppState::new(AppStateInner {
        heartbeats: HeartbeatWriter::start(db.clone()),
        db,
        pdf_font,
        config: Arc::new(config),
        storage,
        public_cache,
        messenger,
        payments,
        common_passwords: Arc::new(CommonPasswords::load()),
        leptos_options,
        password_permits: Arc::new(Semaphore::new(cores * 2)),
        upload_permits,
        password_work: Arc::default(),
        dummy_password_hash,
    }))
}

fn leptos_options(config: &Config) -> LeptosOptions {
    // cargo-leptos writes the asset hashes next to the server binary; without that
    // file (a plain `cargo build`, or the tests) assets keep their plain names.
    let hash_file = "hash.txt";
    let hashed = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(hash_file)))
        .is_some_and(|path| path.exists());
    LeptosOptions::builder()
        .output_name("xueshi")
        .site_root(config.site_root.to_string_lossy().as_ref())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .env(if config.is_production() { leptos::config::Env::PROD } else { leptos::config::Env::DEV })
        .hash_files(hashed)
        .hash_file(Arc::from(hash_file))
        .build()
}

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            provide_context(AuthCache::for_request());
        }
    };
    let shell_fn = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    let site_root = Path::new(state.leptos_options.site_root.as_ref()).to_path_buf();
    let hashed_assets = state.leptos_options.hash_files;

    let production = state.config.is_production();
    let router = Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/captcha/{id}", get(captcha::image))
        .route("/files/{id}", get(files::download))
        .route("/exports/{file}", get(exports::unit_file))
        .route("/certificates/{file}", get(certificates::pdf))
        .route("/.well-known/xueshi-keys.json", get(certificates::public_keys))
        .leptos_routes_with_context(&state, routes, context.clone(), shell_fn)
        .nest("/pkg", assets::pkg_router(&site_root.join("pkg"), hashed_assets))
        .merge(assets::favicon_router(&site_root.join("favicon.svg")))
        // Unknown paths render the app (its 404 page). Not leptos_axum's
        // file_and_error_handler: when it serves a file it looks up ResponseOptions from
        // whatever owner the thread last ran and empties them, so a page rendered at the
        // same moment lost its headers (its CSP among them).
        .fallback(leptos_axum::render_app_async_with_context(context, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        }))
        .layer(middleware::from_fn_with_state(state.clone(), guard::resolve_page_user))
        .layer(middleware::from_fn_with_state(state.clone(), security::refuse_nul))
        .layer(middleware::from_fn_with_state(state.clone(), security::limit_body))
        .layer(middleware::from_fn_with_state(state.clone(), security::reject_cross_site))
        // Gateways call from their servers (no browser headers); their signature is
        // checked instead of the cross-site rule. Small bodies only.
        .route(
            "/pay/notify/{provider}",
            post(payments::notify).layer(axum::extract::DefaultBodyLimit::max(64 * 1024)),
        )
        .route(
            "/pay/notify/{provider}/refund",
            post(payments::notify_refund).layer(axum::extract::DefaultBodyLimit::max(64 * 1024)),
        )
        .with_state(state);
    // Outermost last: tracing sees everything, compression wraps the final headers;
    // a panic inside becomes a 500 that still gets the headers and the log line.
    let router = router.layer(security::catch_panic_layer());
    security::with_tracing(security::with_compression(security::with_headers(router, production)))
}

/// The background jobs of every app server; each runs once however many servers run
/// (see `platform::server::jobs`):
/// * `sandbox_notifier`, every second: the sandbox gateway's side, sending the payment
///   and refund notifications that are due over HTTP, as a real gateway's servers would;
/// * `close_expired_orders`, every minute: open orders past their window close and free
///   their seats;
/// * `settle_refunds`, every minute: refunds the gateway has not confirmed are asked about;
/// * `sweep_retention`, every hour: what is past its retention period is deleted
///   (`retention.rs`);
/// * `purge_expired`, every five minutes: expired sessions, captchas and stale login
///   counters are deleted;
/// * `sweep_orphan_files`, every quarter hour: stored files whose `files` row never
///   committed (or is gone) are deleted once an hour old;
/// * `expire_unit_applications`, every hour: 单位注册 applications still pending after
///   30 days lapse (the applicant is told).
pub fn background_jobs() -> Vec<Job<AppState>> {
    let minute = Duration::from_secs(60);
    vec![
        Job::new("sandbox_notifier", Duration::from_secs(1), Duration::from_secs(60), {
            let client = NotifyClient::default();
            move |state: AppState, now| {
                let client = client.clone();
                async move {
                    let sent = state.payments.sandbox_gateway().deliver_due(&client, now).await;
                    sent.map(
                        |n| if n == 0 { String::new() } else { format!("{n} notifications acknowledged") },
                    )
                    .map_err(|e| e.to_string())
                }
            }
        }),
        // 证书打印: a unit's batch of certificates, one PDF, made once across servers.
        Job::new(
            "certificate_batches",
            Duration::from_secs(2),
            10 * minute,
            |state: AppState, now| async move { app::certificates::server::batches::run(&state, now).await },
        ),
        Job::new("close_expired_orders", minute, 5 * minute, |state: AppState, now| async move {
            match orders::close_expired(&state, now).await {
                Ok(0) => Ok(String::new()),
                Ok(closed) => Ok(format!("{closed} orders past their window closed")),
                Err(err) => Err(err.message),
            }
        }),
        Job::new("settle_refunds", minute, 5 * minute, |state: AppState, now| async move {
            match refunds::settle_processing(&state, now).await {
                Ok(0) => Ok(String::new()),
                Ok(settled) => Ok(format!("{settled} refunds settled by asking the gateway")),
                Err(err) => Err(err.message),
            }
        }),
        Job::new("sweep_retention", 60 * minute, 30 * minute, |state: AppState, now| async move {
            crate::retention::sweep(&state, now)
                .await
                .map(|swept| swept.to_string())
                .map_err(|e| e.to_string())
        }),
        Job::new("purge_expired", 5 * minute, 5 * minute, |state: AppState, now| async move {
            let purged = async {
                let sessions = session::purge_expired(&state.db, &state.config, now).await?;
                let captchas = captcha_store::purge_expired(&state.db, now).await?;
                let counters = throttle::purge_stale(&state.db, now).await?;
                Ok::<_, sqlx::Error>(format!(
                    "{sessions} sessions, {captchas} captchas, {counters} counters purged"
                ))
            };
            purged.await.map_err(|e| e.to_string())
        }),
        Job::new("sweep_orphan_files", 15 * minute, 15 * minute, |state: AppState, now| async move {
            let before = now - stored_files::ORPHAN_GRACE_MS;
            match stored_files::sweep_orphans(&state.db, &state.storage, before).await {
                Ok(0) => Ok(String::new()),
                Ok(swept) => Ok(format!("{swept} stored files without a row deleted")),
                Err(err) => Err(err.message),
            }
        }),
        Job::new("expire_unit_applications", 60 * minute, 15 * minute, |state: AppState, now| async move {
            match app::units::server::expire_pending(&state, now).await {
                Ok(0) => Ok(String::new()),
                Ok(lapsed) => Ok(format!("{lapsed} unit applications lapsed after 30 days")),
                Err(err) => Err(err.message),
            }
        }),
    ]
}

/// Starts this server's scheduler (a tick every second).
pub fn spawn_background(state: AppState) -> tokio::task::JoinHandle<()> {
    Scheduler::new(background_jobs()).spawn(state, Duration::from_secs(1))
}
