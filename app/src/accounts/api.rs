//! Server functions for signing in and out.

use super::roles::CurrentUser;
use crate::error::AppResult;
#[cfg(feature = "ssr")]
use crate::state::app_state;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::server::{captcha, guard, login, session},
    crate::{
        platform::{
            server::{
                request::{client_ip, request_parts, user_agent},
                respond,
            },
            time::now_ms,
        },
        shell::errors::safe_next,
    },
    http::header::SET_COOKIE,
    leptos_axum::ResponseOptions,
};

/// The signed-in user, or `None` for a visitor.
#[server(prefix = "/api", endpoint = "accounts/me")]
pub async fn get_current_user() -> AppResult<Option<CurrentUser>> {
    respond(guard::current_user()).await
}

/// Issues a captcha for a form (limited per client address); its image is at
/// `/captcha/<id>`. Called while the form page renders, and by the captcha island
/// when its id can no longer be redrawn.
#[server(prefix = "/api", endpoint = "accounts/captcha")]
pub async fn new_captcha() -> AppResult<String> {
    respond(async move {
        let state = app_state()?;
        let parts = request_parts()?;
        captcha::issue(&state.db, &state.config, &client_ip(&parts, &state.config), now_ms()).await
    })
    .await
}

/// "看不清？换一张": a new image (and answer) for an issued captcha.
#[server(prefix = "/api", endpoint = "accounts/captcha/redraw")]
pub async fn redraw_captcha(id: String) -> AppResult<()> {
    respond(async move {
        let state = app_state()?;
        captcha::redraw(&state.db, &state.config, &id, now_ms()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "accounts/login")]
pub async fn login(
    account: String,
    password: String,
    captcha_id: String,
    captcha: String,
    #[server(default)] next: Option<String>,
    #[server(default)] credit_code: Option<String>,
) -> AppResult<()> {
    respond(async move {
        let state = app_state()?;
        let parts = request_parts()?;
        let previous = session::token_from_headers(&parts.headers, &state.config);
        let logged_in = login::login(
            &state,
            login::LoginAttempt {
                credit_code,
                account,
                password,
                captcha_id,
                captcha_answer: captcha,
                ip: client_ip(&parts, &state.config),
                user_agent: user_agent(&parts),
            },
            now_ms(),
        )
        .await?;
        if let Some(previous) = previous {
            session::delete(&state.db, &state.config, &previous).await?;
        }
        let response = expect_context::<ResponseOptions>();
        response.append_header(SET_COOKIE, session::set_cookie(&state.config, &logged_in.session_token));
        let user = super::server::users::load_current_user(&state.db, logged_in.user_id).await?;
        let target = match (next.as_deref().and_then(safe_next), user) {
            (_, Some(user)) if user.must_change_password => "/me/password".to_owned(),
            (Some(next), _) => next.to_owned(),
            (None, Some(user)) if user.is_staff() => "/admin".to_owned(),
            (None, _) => "/me".to_owned(),
        };
        leptos_axum::redirect(&target);
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "accounts/logout")]
pub async fn logout() -> AppResult<()> {
    respond(async move {
        let state = app_state()?;
        let parts = request_parts()?;
        if let Some(token) = session::token_from_headers(&parts.headers, &state.config) {
            session::delete(&state.db, &state.config, &token).await?;
        }
        expect_context::<ResponseOptions>().append_header(SET_COOKIE, session::clear_cookie(&state.config));
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}
