use app::state::AppState;
use axum::{extract::State, http::StatusCode};

/// The process answers.
pub async fn live() -> &'static str {
    "ok"
}

/// The process can serve: the database answers.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}
