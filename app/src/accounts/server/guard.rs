//! The guard at the top of every server function: who is calling, and may they.
//! Pages use the same answers only to decide what to show.

use super::{session, users};
use crate::state::AppState;
use crate::{
    accounts::domain::roles::{CurrentUser, Role},
    error::{AppError, AppResult},
    platform::time::now_ms,
};
use http::{HeaderMap, request::Parts};
use leptos::prelude::*;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The caller, resolved at most once per request (the shell, the page and its data
/// all ask).
#[derive(Clone, Default)]
pub struct AuthCache(Arc<OnceCell<Option<CurrentUser>>>);

/// The signed-in user of a page request, resolved by [`resolve_page_user`] before the
/// page renders.
#[derive(Clone)]
pub struct PageUser(pub AppResult<Option<CurrentUser>>);

impl AuthCache {
    /// The cache for the current request: already filled when the middleware resolved
    /// the user of a page, empty (filled on first use) for a server function call.
    pub fn for_request() -> Self {
        let resolved = use_context::<Parts>()
            .and_then(|parts| parts.extensions.get::<PageUser>().and_then(|user| user.0.clone().ok()));
        match resolved {
            Some(user) => Self(Arc::new(OnceCell::new_with(Some(user)))),
            None => Self::default(),
        }
    }
}

/// Middleware: resolves the signed-in user of a page request before rendering, so the
/// page reads it as a plain value. Pages used to load it as a resource read by several
/// `<Suspense>`/`<Transition>` boundaries (header, password gate, page), and that
/// pattern occasionally left a concurrent server render waiting forever.
pub async fn resolve_page_user(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if is_page_request(&request) {
        let user = user_from_headers(&state, request.headers()).await;
        if let Err(err) = &user {
            tracing::error!(error = %err.message, "the signed-in user could not be resolved");
        }
        request.extensions_mut().insert(PageUser(user));
    }
    next.run(request).await
}

/// GETs that render the app (not assets, files, captchas, health or server functions).
fn is_page_request(request: &axum::extract::Request) -> bool {
    const NOT_PAGES: [&str; 7] = ["/pkg/", "/files/", "/captcha/", "/api/", "/pay/", "/healthz", "/readyz"];
    request.method() == http::Method::GET && {
        let path = request.uri().path();
        path != "/favicon.svg" && !NOT_PAGES.iter().any(|prefix| path.starts_with(prefix))
    }
}

/// The user a page shows: resolved before the render (see [`resolve_page_user`]).
/// Outside a page request (the route listing at start-up) nobody is signed in.
pub fn page_user() -> AppResult<Option<CurrentUser>> {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<PageUser>().map(|user| user.0.clone()))
        .unwrap_or(Ok(None))
}

/// The signed-in user for a request's headers (for plain axum handlers).
pub async fn user_from_headers(state: &AppState, headers: &HeaderMap) -> AppResult<Option<CurrentUser>> {
    let Some(token) = session::token_from_headers(headers, &state.config) else {
        return Ok(None);
    };
    let Some(user_id) = session::resolve(&state.db, &state.config, &token, now_ms()).await? else {
        return Ok(None);
    };
    Ok(users::load_current_user(&state.db, user_id).await?)
}

/// The signed-in user of the current request, or `None`. Outside a request (the
/// router renders the app once at start to list its routes) nobody is signed in.
pub async fn current_user() -> AppResult<Option<CurrentUser>> {
    let (Some(state), Some(parts)) = (use_context::<AppState>(), use_context::<Parts>()) else {
        return Ok(None);
    };
    let headers = parts.headers;
    match use_context::<AuthCache>() {
        Some(cache) => cache.0.get_or_try_init(|| user_from_headers(&state, &headers)).await.cloned(),
        None => user_from_headers(&state, &headers).await,
    }
}

/// The signed-in user. An account that still has the one-time password a unit sent
/// it may do nothing else until it sets its own.
pub async fn require_user() -> AppResult<CurrentUser> {
    let user = require_user_even_with_initial_password().await?;
    if user.must_change_password {
        return Err(AppError::new(crate::error::ErrorKind::Forbidden, "请先修改初始密码"));
    }
    Ok(user)
}

/// For the password change itself.
pub async fn require_user_even_with_initial_password() -> AppResult<CurrentUser> {
    current_user().await?.ok_or_else(AppError::unauthenticated)
}

/// A unit admin and the unit they administer.
pub async fn require_unit_admin() -> AppResult<(CurrentUser, i64)> {
    let user = require_user().await?;
    let unit_id = user
        .grants
        .iter()
        .find(|g| g.role == Role::UnitAdmin)
        .and_then(|g| g.scope_id)
        .ok_or_else(AppError::forbidden)?;
    Ok((user, unit_id))
}

pub async fn require_role(role: Role) -> AppResult<CurrentUser> {
    require_any_role(&[role]).await
}

pub async fn require_any_role(roles: &[Role]) -> AppResult<CurrentUser> {
    let user = require_user().await?;
    if roles.iter().any(|role| user.has_role(*role)) { Ok(user) } else { Err(AppError::forbidden()) }
}

/// Any role of the administration area.
pub async fn require_staff() -> AppResult<CurrentUser> {
    let user = require_user().await?;
    if user.is_staff() { Ok(user) } else { Err(AppError::forbidden()) }
}
