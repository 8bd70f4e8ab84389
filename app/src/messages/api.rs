//! The trainee's 消息: the list, and marking it read.

use crate::error::AppResult;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::server::repo,
    crate::{
        platform::server::{request::redirect_without_js, respond},
        state::Ctx,
    },
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: i64,
    pub unread: bool,
}

#[server(prefix = "/api", endpoint = "me/messages")]
pub async fn list_messages() -> AppResult<Vec<Message>> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        Ok(repo::list(&cx.state.db, cx.user.id).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "me/messages/read")]
pub async fn mark_messages_read() -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        repo::mark_all_read(&cx.state.db, cx.user.id, cx.now).await?;
        redirect_without_js("/me/messages");
        Ok(())
    })
    .await
}
