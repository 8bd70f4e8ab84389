use app::{
    accounts::server::captcha,
    platform::{server::AppState, time::now_ms},
};
use axum::{
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

/// `GET /captcha/<id>`: a new image (and answer) for a form's captcha id.
pub async fn image(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if !captcha::is_valid_id(&id) {
        return (StatusCode::NOT_FOUND, "验证码不存在").into_response();
    }
    match captcha::issue_image(&state.db, &state.config, &id, now_ms()).await {
        Ok(jpeg) => ([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "no-store")], jpeg)
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "captcha could not be issued");
            (StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙，请稍后再试").into_response()
        }
    }
}
