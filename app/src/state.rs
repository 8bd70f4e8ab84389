//! The application state, composed above the features: the ground (`platform`) knows
//! no feature, while this state holds the features' own services (the payment gateway,
//! the heartbeat writer, the common-password list) beside the platform's pieces.

use crate::{
    accounts::{
        domain::roles::{CurrentUser, Role},
        server::{
            guard,
            passwords::{CommonPasswords, PasswordWork},
        },
    },
    error::{AppError, AppResult},
    learning::server::heartbeats::HeartbeatWriter,
    payments::server::Payments,
    platform::{
        server::{
            audit::AuditEntry,
            cache::PublicCache,
            config::Config,
            db::Db,
            messaging::Messenger,
            pdf::PdfFont,
            request::{client_ip, request_parts},
            storage::Storage,
        },
        time::now_ms,
    },
};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Everything a request may need, built once at start and shared by reference: a
/// cheap handle (one reference count) that every middleware and render clones. Cloning
/// the fields themselves on each request (the Leptos options, the caches) took about a
/// quarter of the CPU of a cached page under load.
#[derive(Clone, Debug)]
pub struct AppState(Arc<AppStateInner>);

impl AppState {
    pub fn new(inner: AppStateInner) -> Self {
        Self(Arc::new(inner))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppStateInner;

    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

/// Changing a field (tests that swap the storage) gives this handle its own copy.
impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut AppStateInner {
        Arc::make_mut(&mut self.0)
    }
}

#[derive(Clone, Debug)]
pub struct AppStateInner {
    pub db: Db,
    pub config: Arc<Config>,
    pub storage: Storage,
    /// Public, visitor-independent query results, kept for a few seconds.
    pub public_cache: PublicCache,
    /// SMS and e-mail providers.
    pub messenger: Messenger,
    /// The payment gateway.
    pub payments: Payments,
    /// Writes the players' heartbeats by group commit.
    pub heartbeats: HeartbeatWriter,
    /// The CJK font for the PDFs the platform draws (invoices).
    pub pdf_font: PdfFont,
    pub common_passwords: Arc<CommonPasswords>,
    pub leptos_options: LeptosOptions,
    /// Bounds concurrent argon2 work (19 MiB and ~30 ms of CPU each), so a burst of
    /// logins queues instead of exhausting memory.
    pub password_permits: Arc<Semaphore>,
    /// Bounds the uploads served at once (`XUESHI_UPLOAD_CONCURRENCY`); the body
    /// middleware refuses one more with 503 instead of queuing it.
    pub upload_permits: Arc<Semaphore>,
    /// Counts the argon2 hashes and verifications done.
    pub password_work: Arc<PasswordWork>,
    /// A real argon2 hash to verify against when an account does not exist, so that
    /// a wrong account costs as much time as a wrong password.
    pub dummy_password_hash: Arc<str>,
}

impl AppState {
    /// This server's own address for gateways and cashier links: the configured public
    /// origin, or the listen address.
    pub fn base_url(config: &Config) -> String {
        config.public_origin.clone().unwrap_or_else(|| format!("http://{}", config.listen))
    }
}

/// The application state, provided to every render and server function.
pub fn app_state() -> AppResult<AppState> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| AppError::internal("AppState missing from the request context"))
}

impl crate::platform::server::jobs::JobState for AppState {
    fn db(&self) -> &Db {
        &self.db
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// One request's context, obtained by one guard call at the top of a server function
/// (`let cx = Ctx::require(Role::Finance).await?;`) and handed to services instead of
/// loose arguments: the state, the caller (checked), the client's address (for the
/// audit log and throttles) and the time every write of the request uses.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub state: AppState,
    pub user: CurrentUser,
    pub ip: String,
    pub now: i64,
}

impl Ctx {
    /// A signed-in user (who has set their own password).
    pub async fn require_user() -> AppResult<Ctx> {
        Self::with(guard::require_user().await?)
    }

    /// A user holding `role`.
    pub async fn require(role: Role) -> AppResult<Ctx> {
        Self::with(guard::require_role(role).await?)
    }

    /// A user holding one of `roles`.
    pub async fn require_any(roles: &[Role]) -> AppResult<Ctx> {
        Self::with(guard::require_any_role(roles).await?)
    }

    /// Any role of the administration area.
    pub async fn require_staff() -> AppResult<Ctx> {
        Self::with(guard::require_staff().await?)
    }

    /// A unit admin, and the unit they administer.
    pub async fn require_unit_admin() -> AppResult<(Ctx, i64)> {
        let (user, unit_id) = guard::require_unit_admin().await?;
        Ok((Self::with(user)?, unit_id))
    }

    fn with(user: CurrentUser) -> AppResult<Ctx> {
        let Visitor { state, ip, now } = Visitor::current()?;
        Ok(Ctx { state, user, ip, now })
    }

    /// An entry of the audit log for this request's caller and address.
    pub fn audit<'a>(
        &'a self,
        action: &'a str,
        object_type: &'a str,
        object_id: impl Into<String>,
        detail: impl Into<String>,
    ) -> AuditEntry<'a> {
        AuditEntry {
            actor_user_id: self.user.id,
            action,
            object_type,
            object_id: object_id.into(),
            detail: detail.into(),
            ip: &self.ip,
            at: self.now,
        }
    }
}

/// The context of a request anyone may make (registration, login, 找回密码, public
/// queries): the state, the client's address and the time, with nobody signed in.
#[derive(Clone, Debug)]
pub struct Visitor {
    pub state: AppState,
    pub ip: String,
    pub now: i64,
}

impl Visitor {
    pub fn current() -> AppResult<Visitor> {
        let state = app_state()?;
        let ip = client_ip(&request_parts()?, &state.config);
        Ok(Visitor { state, ip, now: now_ms() })
    }
}
