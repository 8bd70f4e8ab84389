//! `xueshi`: serve the site, apply migrations, or seed the demo data.

use app::{
    accounts::server::seed::{DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_UNIT_NAME},
    platform::server::config::Config,
};
use std::{net::SocketAddr, process::ExitCode};
use tracing_subscriber::{EnvFilter, fmt};

// Rendering pages allocates many small strings; mimalloc serves them faster than glibc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
用法 (usage): xueshi [command]

commands:
  serve       apply migrations and serve the site (default)
  migrate     apply migrations and exit
  seed-demo   apply migrations and insert the demo accounts and announcements
              (idempotent; refused when XUESHI_ENV=production)
  rotate-certificate-key
              make a new certificate signing key; the old ones stop signing but
              stay published, so what they signed still verifies
  help        show this text

Configuration comes from XUESHI_* environment variables (see README.md).";

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".to_owned());
    if matches!(command.as_str(), "help" | "-h" | "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    init_tracing();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let outcome = runtime.block_on(async move {
        match command.as_str() {
            "serve" => serve(config).await,
            "migrate" => migrate(config).await,
            "seed-demo" => seed_demo(config).await,
            "rotate-certificate-key" => rotate_certificate_key(config).await,
            other => Err(format!("unknown command '{other}'\n\n{USAGE}")),
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    if std::env::var("XUESHI_LOG_FORMAT").is_ok_and(|f| f == "json") {
        fmt().with_env_filter(filter).json().init();
    } else {
        fmt().with_env_filter(filter).init();
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let listen = config.listen;
    let state = xueshi::build_state(config).await.map_err(|e| e.to_string())?;
    let background = xueshi::spawn_background(state.clone());
    let db = state.db.clone();
    let app = xueshi::router(state);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("无法监听 {listen} (cannot listen): {e}"))?;
    tracing::info!("Xueshi serving at http://{listen}");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    background.abort();
    db.close().await;
    tracing::info!("Xueshi stopped");
    Ok(())
}

async fn migrate(config: Config) -> Result<(), String> {
    xueshi::build_state(config).await.map_err(|e| e.to_string())?.db.close().await;
    println!("数据库已是最新 (migrations applied)");
    Ok(())
}

async fn rotate_certificate_key(config: Config) -> Result<(), String> {
    let state = xueshi::build_state(config).await.map_err(|e| e.to_string())?;
    let id = app::certificates::server::keys::rotate(&state.db, app::platform::time::now_ms())
        .await
        .map_err(|e| format!("rotation failed: {}", e.message))?;
    state.db.close().await;
    println!("新的证书签名密钥已启用 (new certificate signing key): {id}");
    Ok(())
}

async fn seed_demo(config: Config) -> Result<(), String> {
    if config.is_production() {
        return Err(
            "seed-demo is refused when XUESHI_ENV=production: demo accounts have published passwords".into(),
        );
    }
    let state = xueshi::build_state(config).await.map_err(|e| e.to_string())?;
    let report = app::seed::seed_demo(&state).await.map_err(|e| format!("seeding failed: {}", e.message))?;
    state.db.close().await;
    println!(
        "演示数据已就绪 (demo data ready): {} announcement(s), {} class(es), {} course(s) added",
        report.announcements_added, report.classes_added, report.courses_added
    );
    println!("演示账号 (demo accounts), password for all: {DEMO_PASSWORD}");
    for account in &DEMO_ACCOUNTS {
        let unit = if matches!(
            account.role,
            app::accounts::domain::roles::Role::Trainee | app::accounts::domain::roles::Role::UnitAdmin
        ) {
            format!("  ({DEMO_UNIT_NAME})")
        } else {
            String::new()
        };
        println!(
            "  {:<6} {}  手机号 {}  身份证号 {}{unit}",
            account.role.label(),
            account.name,
            account.phone,
            account.id_number
        );
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
