//! The guard at the top of every server function: who is calling, and may they.
//! Pages use the same answers only to decide what to show.

use super::{session, users};
use crate::{
    accounts::roles::{CurrentUser, Role},
    error::{AppError, AppResult},
    platform::{server::AppState, time::now_ms},
};
use http::{HeaderMap, request::Parts};
use leptos::prelude::*;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The caller, resolved at most once per request (the shell, the page and its data
/// all ask).
#[derive(Clone, Default)]
pub struct AuthCache(Arc<OnceCell<Option<CurrentUser>>>);

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
