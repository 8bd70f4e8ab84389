//! The unit admin's spreadsheets: `GET /exports/unit-hours.{csv,xlsx}?year=&unmet=1`,
//! the 学时完成情况 of its staff judged by the same evaluation as the pages (CSV with a
//! BOM, so Excel reads the Chinese), and `GET /exports/unit-hours-template.xlsx`, the
//! file 单位申报学时 imports.

use app::state::AppState;
use app::{
    accounts::{domain::roles::Role, server::guard},
    credits::{domain::declarable_years, server::service},
    platform::{
        server::sheet::Table,
        time::{now_ms, year_of},
    },
};
use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

type Refusal = (StatusCode, &'static str);

#[derive(Debug, Deserialize)]
pub struct UnitHoursQuery {
    year: Option<i64>,
    unmet: Option<String>,
}

/// The two formats a table downloads in.
#[derive(Clone, Copy)]
enum Format {
    Csv,
    Xlsx,
}

impl Format {
    fn from_extension(extension: &str) -> Option<Self> {
        match extension {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// `/exports/{file}`: `unit-hours.csv`, `unit-hours.xlsx` or `unit-hours-template.xlsx`.
pub async fn unit_file(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<UnitHoursQuery>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let unit_id = unit_admin(&state, &headers).await?;
        let (stem, extension) = file.rsplit_once('.').ok_or((StatusCode::NOT_FOUND, "没有这个文件"))?;
        let format = Format::from_extension(extension).ok_or((StatusCode::NOT_FOUND, "没有这个文件"))?;
        match (stem, format) {
            ("unit-hours", _) => unit_hours(&state, unit_id, &query, format).await,
            ("unit-hours-template", Format::Xlsx) => {
                attachment(&service::import_template(), format, "单位申报学时导入模板")
            }
            _ => Err((StatusCode::NOT_FOUND, "没有这个文件")),
        }
    };
    answer.await.unwrap_or_else(|refusal| refusal.into_response())
}

fn internal(err: &dyn std::fmt::Display) -> Refusal {
    tracing::error!(error = %err, "unit export failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙，请稍后再试")
}

/// The unit the signed-in unit admin runs.
async fn unit_admin(state: &AppState, headers: &HeaderMap) -> Result<i64, Refusal> {
    let user = guard::user_from_headers(state, headers).await.map_err(|e| internal(&e))?;
    let user = user.ok_or((StatusCode::UNAUTHORIZED, "请先登录"))?;
    user.grants
        .iter()
        .find(|g| g.role == Role::UnitAdmin)
        .and_then(|g| g.scope_id)
        .ok_or((StatusCode::FORBIDDEN, "您没有权限进行此操作"))
}

async fn unit_hours(
    state: &AppState,
    unit_id: i64,
    query: &UnitHoursQuery,
    format: Format,
) -> Result<Response, Refusal> {
    let this_year = year_of(now_ms());
    let year = query.year.unwrap_or(this_year);
    if !declarable_years(this_year).contains(&year) {
        return Err((StatusCode::NOT_FOUND, "只能导出本年度和上一年度"));
    }
    let unmet_only = query.unmet.as_deref() == Some("1");
    let table = service::unit_hours_table(&state.db, unit_id, year, unmet_only)
        .await
        .map_err(|e| internal(&e.message))?;
    attachment(&table, format, &format!("{year}年度学时完成情况"))
}

/// The table as a download named `name` (Chinese, so RFC 5987-encoded); never cached.
fn attachment(table: &Table, format: Format, name: &str) -> Result<Response, Refusal> {
    let bytes = match format {
        Format::Csv => table.to_csv(),
        Format::Xlsx => table.to_xlsx(),
    }
    .map_err(|e| internal(&e.message))?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    let name = format!("{name}.{}", format.extension());
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename*=UTF-8''{}",
        app::platform::url::percent_encode(&name)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
