use app::state::AppState;
use app::{accounts::server::captcha, platform::time::now_ms};
use axum::{
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

/// `GET /captcha/<id>`: the image of a captcha the server issued. Reading only: an id
/// it did not issue (or one used or expired) draws nothing and writes nothing.
pub async fn image(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match captcha::image(&state.db, &id, now_ms()).await {
        Ok(Some(jpeg)) => ([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "no-store")], jpeg)
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "验证码不存在或已失效").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "captcha image could not be read");
            (StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙，请稍后再试").into_response()
        }
    }
}
