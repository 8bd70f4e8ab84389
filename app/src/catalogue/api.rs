//! Server functions of the catalogue: the public list and detail, favourites, and the
//! provider's management of classes and sessions. Each checks its caller first.

use super::domain::{ClassForm, ClassState, Hours, Lodging, Mode, SessionForm};
#[cfg(feature = "ssr")]
use crate::state::app_state;
use crate::{
    error::AppResult,
    platform::{money::Fen, paging::Page},
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::server::{repo, service},
    crate::{
        accounts::{domain::roles::Role, server::guard},
        error::AppError,
        platform::{
            paging::clamp_page,
            server::{request::redirect_without_js, respond},
            time::now_ms,
        },
        state::Ctx,
    },
};

/// Who may manage classes in the console.
#[cfg(feature = "ssr")]
const MANAGERS: &[Role] = &[Role::Provider, Role::PlatformAdmin];

/// A class in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassSummary {
    pub id: i64,
    pub title: String,
    pub provider_name: String,
    pub mode: Mode,
    pub year: i64,
    pub hours: [Hours; 3],
    pub fee_fen: Fen,
    pub state: ClassState,
    pub opens_on: String,
    pub closes_on: String,
    pub region_name: String,
    pub seats_left: i64,
    pub needs_review: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: i64,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub place: String,
    pub checkin_opens: String,
    pub checkin_closes: String,
    pub capacity: i64,
    pub seats_taken: i64,
}

impl SessionInfo {
    pub fn seats_left(&self) -> i64 {
        (self.capacity - self.seats_taken).max(0)
    }
}

/// Everything the class page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassDetail {
    pub summary: ClassSummary,
    pub description_html: String,
    pub notice: String,
    pub region_code: String,
    pub needs_job_title: bool,
    pub needs_photo: bool,
    pub exam_subjects: Vec<String>,
    pub exam_types: Vec<String>,
    pub lodgings: Vec<Lodging>,
    pub sessions: Vec<SessionInfo>,
    /// Whether registration is possible today (state and window).
    pub accepting: bool,
    pub favourite: bool,
    /// The caller may edit the class (its provider or the platform admin).
    pub manageable: bool,
}

/// The provider's form, filled from a stored class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassForEdit {
    pub id: i64,
    pub form: ClassForm,
    pub state: ClassState,
    pub sessions: Vec<SessionInfo>,
    pub seats_taken: i64,
}

/// Filters of 报名中心 → 培训.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassFilter {
    pub q: String,
    pub mode: String,
    pub year: String,
    pub category: String,
    pub region: String,
}

pub const CLASS_PAGE_SIZE: u32 = 10;

#[server(prefix = "/api", endpoint = "catalogue/list")]
pub async fn list_open_classes(
    #[server(default)] filter: ClassFilter,
    page: Option<u32>,
) -> AppResult<Page<ClassSummary>> {
    respond(async move {
        let state = app_state()?;
        repo::list_public(&state.db, &filter, clamp_page(page, 10_000), now_ms()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "catalogue/latest")]
pub async fn latest_open_classes() -> AppResult<Vec<ClassSummary>> {
    respond(async move {
        let state = app_state()?;
        // The same for every visitor: cached for a few seconds like the home feed.
        let latest = state
            .public_cache
            .get_or_load("catalogue:latest".to_owned(), async {
                let page = repo::list_public(&state.db, &ClassFilter::default(), 1, now_ms()).await?;
                AppResult::Ok(page.items.into_iter().take(4).collect::<Vec<_>>())
            })
            .await?;
        Ok(Vec::clone(&latest))
    })
    .await
}

/// The years of the classes open now, for the 年度 filter.
#[server(prefix = "/api", endpoint = "catalogue/years")]
pub async fn open_class_years() -> AppResult<Vec<i64>> {
    respond(async move { repo::open_years(&app_state()?.db).await }).await
}

#[server(prefix = "/api", endpoint = "catalogue/get")]
pub async fn get_class(id: i64) -> AppResult<ClassDetail> {
    respond(async move {
        let viewer = guard::current_user().await?;
        repo::detail(&app_state()?.db, viewer.as_ref(), id, now_ms()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "catalogue/favourite")]
pub async fn toggle_favourite(
    class_id: i64,
    favourite: String,
    /// The page to return to (the list or the class page).
    #[server(default)]
    back: String,
) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let on = favourite == "1";
        repo::set_favourite(&cx.state.db, cx.user.id, class_id, on, cx.now).await?;
        let class_page = format!("/classes/{class_id}");
        redirect_without_js(crate::shell::errors::safe_next(&back).unwrap_or(&class_page));
        Ok(())
    })
    .await
}

/// The ids of the caller's favourite classes (none for a visitor).
#[server(prefix = "/api", endpoint = "catalogue/favourite-ids")]
pub async fn favourite_class_ids() -> AppResult<Vec<i64>> {
    respond(async move {
        match guard::current_user().await? {
            Some(user) => {
                Ok(repo::favourites(&app_state()?.db, user.id).await?.into_iter().map(|c| c.id).collect())
            }
            None => Ok(Vec::new()),
        }
    })
    .await
}

#[server(prefix = "/api", endpoint = "catalogue/favourites")]
pub async fn list_favourites() -> AppResult<Vec<ClassSummary>> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        repo::favourites(&cx.state.db, cx.user.id).await
    })
    .await
}

// ---- the provider's console ---------------------------------------------------------

#[server(prefix = "/api", endpoint = "provider/classes/list")]
pub async fn list_provider_classes(page: Option<u32>) -> AppResult<Page<ClassSummary>> {
    respond(async move {
        let cx = Ctx::require_any(MANAGERS).await?;
        repo::list_for_provider(&cx.state.db, &cx.user, clamp_page(page, 10_000)).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "provider/classes/get")]
pub async fn get_class_for_edit(id: i64) -> AppResult<ClassForEdit> {
    respond(async move {
        let cx = Ctx::require_any(MANAGERS).await?;
        repo::for_edit(&cx.state.db, &cx.user, id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "provider/classes/save")]
pub async fn save_class(#[server(flatten)] form: ClassForm) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(MANAGERS).await?;
        let draft = form.check()?;
        let id = match form.id.trim() {
            "" => service::create(&cx, &draft).await?,
            id => {
                let id = id.parse::<i64>().map_err(|_| AppError::bad_request("培训班编号不正确"))?;
                service::update(&cx, id, &draft).await?;
                id
            }
        };
        leptos_axum::redirect(&format!("/admin/classes/{id}?saved=1"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "provider/classes/state")]
pub async fn change_class_state(id: i64, next: String) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(MANAGERS).await?;
        let next = ClassState::from_code(&next).ok_or_else(|| AppError::bad_request("请选择培训班状态"))?;
        service::change_state(&cx, id, next).await?;
        leptos_axum::redirect(&format!("/admin/classes/{id}?state=1"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "provider/sessions/add")]
pub async fn add_session(#[server(flatten)] form: SessionForm) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(MANAGERS).await?;
        let class_id = form.class_id.parse::<i64>().map_err(|_| AppError::bad_request("培训班编号不正确"))?;
        service::add_session(&cx, class_id, &form).await?;
        leptos_axum::redirect(&format!("/admin/classes/{class_id}?session=1"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "provider/sessions/delete")]
pub async fn delete_session(class_id: i64, session_id: i64) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(MANAGERS).await?;
        service::delete_session(&cx, class_id, session_id).await?;
        leptos_axum::redirect(&format!("/admin/classes/{class_id}"));
        Ok(())
    })
    .await
}
