//! `GET /files/<id>`: uploaded files, each readable only by who may see it.

use app::state::AppState;
use app::{
    accounts::server::guard,
    downloads,
    platform::{server::files, url::percent_encode},
};
use axum::{
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures::TryStreamExt;

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
    let size = u64::try_from(record.size_bytes).unwrap_or(0);
    // Videos play inline and seek with range requests; everything else downloads.
    let inline = record.content_type.starts_with("video/") || record.content_type.starts_with("image/");
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).map(|v| parse_range(v, size));
    // Streamed from storage in chunks, ranges too: twenty viewers of a 200 MiB video
    // must not hold 4 GiB.
    let (status, read) = match range {
        Some(Some(range)) => (StatusCode::PARTIAL_CONTENT, Some(range)),
        Some(None) => {
            let mut refused = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                refused.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(refused);
        }
        None => (StatusCode::OK, None),
    };
    let length = read.as_ref().map_or(size, |range| range.end - range.start);
    // An empty object has no range to ask the store for.
    let body = if length == 0 {
        Body::empty()
    } else {
        let chunks = state.storage.open(&record.storage_key, read.clone()).await.map_err(|e| internal(&e))?;
        Body::from_stream(chunks.inspect_err(|err| tracing::error!(error = %err, "file download broke off")))
    };
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if let Some(range) = read
        && let Ok(value) =
            HeaderValue::from_str(&format!("bytes {}-{}/{size}", range.start, range.end.saturating_sub(1)))
    {
        response.headers_mut().insert(header::CONTENT_RANGE, value);
    }
    let disposition = format!(
        "{}; filename=\"{}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        ascii_fallback(&record.filename),
        percent_encode(&record.filename)
    );
    let headers = response.headers_mut();
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
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

/// A single `bytes=start-end` range (or `start-`, or `-suffix`) within `size`, as the
/// half-open range to read; `None` when it cannot be satisfied.
fn parse_range(header: &str, size: u64) -> Option<std::ops::Range<u64>> {
    let spec = header.strip_prefix("bytes=")?.trim();
    if spec.contains(',') || size == 0 {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let (start, end) = match (start.trim(), end.trim()) {
        ("", suffix) => {
            let suffix: u64 = suffix.parse().ok()?;
            (size.saturating_sub(suffix), size - 1)
        }
        (start, "") => (start.parse().ok()?, size - 1),
        (start, end) => (start.parse().ok()?, end.parse::<u64>().ok()?.min(size - 1)),
    };
    (start <= end && start < size).then_some(start..end + 1)
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
    fn ranges_within_the_file() {
        assert_eq!(parse_range("bytes=0-99", 1000), Some(0..100));
        assert_eq!(parse_range("bytes=900-", 1000), Some(900..1000));
        assert_eq!(parse_range("bytes=-100", 1000), Some(900..1000));
        assert_eq!(parse_range("bytes=500-5000", 1000), Some(500..1000));
        assert_eq!(parse_range("bytes=1000-", 1000), None);
        assert_eq!(parse_range("bytes=5-1", 1000), None);
        assert_eq!(parse_range("bytes=0-1,5-9", 1000), None);
        assert_eq!(parse_range("items=0-1", 1000), None);
    }

    #[test]
    fn encodes_chinese_file_names() {
        assert_eq!(ascii_fallback("手册.pdf"), "__.pdf");
    }
}
