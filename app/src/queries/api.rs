//! The public query and its answer: the form posts here, the answer page reads the
//! stored answer by its one-time token.

use super::domain::QueryKind;
use crate::error::AppResult;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::server::repo,
    crate::{accounts::server::captcha, error::AppError, platform::server::respond, state::Visitor},
};

/// One line of an answer: what it is, and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerLine {
    pub title: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub kind: QueryKind,
    /// The name as typed, with the ID number masked.
    pub who: String,
    pub lines: Vec<AnswerLine>,
}

#[server(prefix = "/api", endpoint = "public/query")]
pub async fn public_query(
    kind: String,
    id_number: String,
    name: String,
    captcha_id: String,
    captcha: String,
) -> AppResult<()> {
    respond(async move {
        let kind = QueryKind::from_code(&kind).ok_or_else(|| AppError::bad_request("请选择查询类型"))?;
        let Visitor { state, ip, now } = Visitor::current()?;
        repo::check_rate(&state.db, &ip, now).await?;
        if !captcha::check(&state.db, &captcha_id, &captcha, now).await? {
            return Err(AppError::invalid_field("captcha", "验证码错误或已过期，请重新输入"));
        }
        let token = repo::answer(&state.db, kind, &id_number, &name, now).await?;
        leptos_axum::redirect(&format!("/query/{}/{token}", kind.code()));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "public/answer")]
pub async fn get_answer(token: String) -> AppResult<Answer> {
    respond(async move {
        let Visitor { state, now, .. } = Visitor::current()?;
        repo::load_answer(&state.db, &token, now).await
    })
    .await
}
