//! The compiled site assets under /pkg. File names carry content hashes in builds by
//! cargo-leptos, so browsers may keep them for a year; release builds ship .br and
//! .gz copies next to each file, served as they are.

use app::state::AppState;
use axum::{
    Router,
    http::{HeaderValue, header},
};
use std::path::Path;
use tower::ServiceBuilder;
use tower_http::{
    services::{ServeDir, ServeFile},
    set_header::SetResponseHeaderLayer,
};

pub fn pkg_router(dir: &Path, hashed: bool) -> Router<AppState> {
    let cache = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
    Router::new().fallback_service(
        ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static(cache)))
            .service(ServeDir::new(dir).precompressed_br().precompressed_gzip()),
    )
}

/// The site icon (its name is not hashed): cached for a day.
pub fn favicon_router(path: &Path) -> Router<AppState> {
    Router::new().route_service(
        "/favicon.svg",
        ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ))
            .service(ServeFile::new(path)),
    )
}
