//! `GET /files/<id>`: uploaded files, each readable only by who may see it.

use app::{
    accounts::server::guard,
    downloads,
    platform::{
        server::{AppState, files},
        url::percent_encode,
    },
};
use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

pub async fn download(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    match serve(&state, &id, &headers).await {
        Ok(response) => response,
        Err(status) => (status, status_text(status)).into_response(),
    }
}

fn status_text(status: StatusCode) -> &'static str {
    if status == StatusCode::NOT_FOUND { "文件不存在" } else { "系统繁忙，请稍后再试" }
}

async fn serve(state: &AppState, id: &str, headers: &HeaderMap) -> Result<Response, StatusCode> {
    let internal = |err: &dyn std::fmt::Display| {
        tracing::error!(error = %err, "file download failed");
        StatusCode::INTERNAL_SERVER_ERROR
    };
    let record =
        files::find(state.db.reader(), id).await.map_err(|e| internal(&e))?.ok_or(StatusCode::NOT_FOUND)?;
    let public = downloads::is_public(state, &record).await.map_err(|e| internal(&e))?;
    if !public {
        // Refusals look like absence, so ids cannot be probed.
        let user = guard::user_from_headers(state, headers).await.map_err(|e| internal(&e))?;
        let allowed = match user {
            Some(user) => downloads::may_read(state, &record, &user).await.map_err(|e| internal(&e))?,
            None => false,
        };
        if !allowed {
            return Err(StatusCode::NOT_FOUND);
        }
    }
    let bytes = state.storage.get(&record.storage_key).await.map_err(|e| internal(&e))?;
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_fallback(&record.filename),
        percent_encode(&record.filename)
    );
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&record.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public { "public, max-age=3600" } else { "private, no-store" }),
    );
    Ok(response)
}

/// The plain `filename=` for old clients: ASCII only.
fn ascii_fallback(name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' { c } else { '_' }).collect();
    ascii
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_chinese_file_names() {
        assert_eq!(ascii_fallback("手册.pdf"), "__.pdf");
    }
}
