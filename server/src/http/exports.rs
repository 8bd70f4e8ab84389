//! `GET /exports/unit-hours.csv?year=&unmet=1`: the unit admin's 学时完成情况 of its
//! staff as a spreadsheet (CSV with a BOM, so Excel reads the Chinese), judged by the
//! same evaluation as the pages.

use app::state::AppState;
use app::{
    accounts::{domain::roles::Role, server::guard},
    credits::{domain::declarable_years, server::service},
    platform::time::{now_ms, year_of},
};
use axum::{
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct UnitHoursQuery {
    year: Option<i64>,
    unmet: Option<String>,
}

pub async fn unit_hours(
    State(state): State<AppState>,
    Query(query): Query<UnitHoursQuery>,
    headers: HeaderMap,
) -> Response {
    match export(&state, &query, &headers).await {
        Ok(response) => response,
        Err((status, text)) => (status, text).into_response(),
    }
}

async fn export(
    state: &AppState,
    query: &UnitHoursQuery,
    headers: &HeaderMap,
) -> Result<Response, (StatusCode, &'static str)> {
    let internal = |err: &dyn std::fmt::Display| {
        tracing::error!(error = %err, "unit hours export failed");
        (StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙，请稍后再试")
    };
    let user = guard::user_from_headers(state, headers).await.map_err(|e| internal(&e))?;
    let user = user.ok_or((StatusCode::UNAUTHORIZED, "请先登录"))?;
    let unit_id = user
        .grants
        .iter()
        .find(|g| g.role == Role::UnitAdmin)
        .and_then(|g| g.scope_id)
        .ok_or((StatusCode::FORBIDDEN, "您没有权限进行此操作"))?;
    let this_year = year_of(now_ms());
    let year = query.year.unwrap_or(this_year);
    if !declarable_years(this_year).contains(&year) {
        return Err((StatusCode::NOT_FOUND, "只能导出本年度和上一年度"));
    }
    let unmet_only = query.unmet.as_deref() == Some("1");
    let csv = service::unit_hours_csv(&state.db, unit_id, year, unmet_only)
        .await
        .map_err(|e| internal(&e.message))?;
    let name = format!("{year}年度学时完成情况.csv");
    let mut response = csv.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename*=UTF-8''{}",
        app::platform::url::percent_encode(&name)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
