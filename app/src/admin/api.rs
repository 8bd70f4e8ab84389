//! The admin area's server functions: the overview and the outbox.

use crate::{error::AppResult, platform::paging::Page};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::server::{outbox::for_viewer, repo},
    crate::{
        accounts::domain::roles::Role, platform::paging::clamp_page, platform::server::respond, state::Ctx,
    },
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOverview {
    pub roles: Vec<String>,
    /// Figures for the platform admin only.
    pub platform: Option<PlatformFigures>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformFigures {
    pub users: i64,
    pub published_announcements: i64,
    pub draft_announcements: i64,
    pub recent: Vec<AuditLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

#[server(prefix = "/api", endpoint = "admin/overview")]
pub async fn load_admin_overview() -> AppResult<AdminOverview> {
    respond(async move {
        let cx = Ctx::require_staff().await?;
        let user = &cx.user;
        let mut roles: Vec<String> = user.grants.iter().map(|g| g.role.label().to_owned()).collect();
        roles.dedup();
        let platform = if user.has_role(Role::PlatformAdmin) {
            Some(repo::platform_figures(&cx.state.db).await?)
        } else {
            None
        };
        Ok(AdminOverview { roles, platform })
    })
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OutboxMessage {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
}

#[server(prefix = "/api", endpoint = "admin/outbox")]
pub async fn list_outbox(
    #[server(default)] recipient: String,
    page: Option<u32>,
) -> AppResult<Page<OutboxMessage>> {
    respond(async move {
        let cx = Ctx::require(Role::PlatformAdmin).await?;
        let page = clamp_page(page, 10_000);
        let per_page = 20;
        let (rows, total) = repo::outbox_page(&cx.state.db, recipient.trim(), page, per_page).await?;
        let production = cx.state.config.is_production();
        let items = rows.into_iter().map(|m| for_viewer(m, production)).collect();
        Ok(Page { items, page, per_page, total })
    })
    .await
}
