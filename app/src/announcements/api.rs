//! Server functions for announcements: public reading, and editing by the platform
//! admin. Each one checks its caller first, then calls the domain and storage code.

use super::domain::{Announcement, AnnouncementForEdit, AnnouncementSummary, HomeFeed};
use crate::{error::AppResult, platform::paging::Page};
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

#[cfg(feature = "ssr")]
use {
    super::{
        domain::{Category, PAGE_SIZE, validate_draft},
        server::repo,
    },
    crate::{
        accounts::{domain::roles::Role, server::guard},
        error::AppError,
        platform::{
            paging::clamp_page,
            server::{audit, files, markdown, multipart::MultipartForm, respond, storage::FileKind},
        },
        state::{Ctx, app_state},
    },
};

/// The most pages a visitor can page through; deeper pages are clamped.
#[cfg(feature = "ssr")]
const MAX_PAGE: u32 = 10_000;

#[server(prefix = "/api", endpoint = "announcements/list")]
pub async fn list_announcements(
    category: Option<String>,
    page: Option<u32>,
) -> AppResult<Page<AnnouncementSummary>> {
    respond(async move {
        let category = match category.as_deref() {
            None | Some("") | Some("all") => None,
            Some(code) => Some(Category::from_code(code).ok_or_else(|| AppError::not_found("没有这个栏目"))?),
        };
        let state = app_state()?;
        let page = clamp_page(page, MAX_PAGE);
        let key = format!("announcements:list:{}:{page}", category.map_or("all", Category::code));
        let list = state
            .public_cache
            .get_or_load(key, repo::list_published(&state.db, category, page, PAGE_SIZE))
            .await?;
        Ok(Page::clone(&list))
    })
    .await
}

#[server(prefix = "/api", endpoint = "announcements/home")]
pub async fn load_home_feed() -> AppResult<HomeFeed> {
    respond(async move {
        let state = app_state()?;
        let feed = state
            .public_cache
            .get_or_load("announcements:home".into(), repo::home_feed(&state.db, 6))
            .await?;
        Ok(HomeFeed::clone(&feed))
    })
    .await
}

/// One announcement. Drafts are visible to the platform admin only (preview).
#[server(prefix = "/api", endpoint = "announcements/get")]
pub async fn get_announcement(id: i64) -> AppResult<Announcement> {
    respond(async move {
        let state = app_state()?;
        let is_admin = guard::current_user().await?.is_some_and(|u| u.has_role(Role::PlatformAdmin));
        repo::find(&state.db, id, is_admin).await?.ok_or_else(|| AppError::not_found("该公告不存在或已下线"))
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/announcements/list")]
pub async fn admin_list_announcements(page: Option<u32>) -> AppResult<Page<AnnouncementSummary>> {
    respond(async move {
        let cx = Ctx::require(Role::PlatformAdmin).await?;
        Ok(repo::list_all(&cx.state.db, clamp_page(page, MAX_PAGE), 20).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/announcements/get")]
pub async fn admin_get_announcement(id: i64) -> AppResult<AnnouncementForEdit> {
    respond(async move {
        let cx = Ctx::require(Role::PlatformAdmin).await?;
        repo::load_for_edit(&cx.state.db, id).await?.ok_or_else(|| AppError::not_found("该公告不存在"))
    })
    .await
}

/// Creates (`id` empty) or updates an announcement, then shows the edit page.
#[server(prefix = "/api", endpoint = "admin/announcements/save")]
pub async fn save_announcement(
    id: Option<i64>,
    category: String,
    title: String,
    body: String,
    #[server(default)] published: Option<String>,
) -> AppResult<i64> {
    respond(async move {
        let cx = Ctx::require(Role::PlatformAdmin).await?;
        let draft = validate_draft(&category, &title, &body, published.is_some())?;
        let body_html = markdown::render(&draft.body_markdown);
        let mut tx = cx.state.db.begin().await?;
        let (saved_id, action) = match id {
            Some(id) => {
                if !repo::update(&mut tx, id, &draft, &body_html, cx.user.id, cx.now).await? {
                    return Err(AppError::not_found("该公告不存在"));
                }
                (id, "announcement.update")
            }
            None => {
                (repo::create(&mut tx, &draft, &body_html, cx.user.id, cx.now).await?, "announcement.create")
            }
        };
        audit::record(
            &mut tx,
            cx.audit(
                action,
                "announcement",
                saved_id.to_string(),
                format!(
                    "{} · {}{}",
                    draft.category.label(),
                    draft.title,
                    if draft.published { " · 发布" } else { " · 草稿" }
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        cx.state.public_cache.clear();
        leptos_axum::redirect(&format!("/admin/announcements/{saved_id}?saved=1"));
        Ok(saved_id)
    })
    .await
}

/// Adds an attachment (PDF, JPEG or PNG, checked by content) to an announcement.
/// A multipart form: `announcement_id`, then `file`.
#[server(prefix = "/api", endpoint = "admin/announcements/attachments/upload", input = MultipartFormData)]
pub async fn attach_file(data: MultipartData) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require(Role::PlatformAdmin).await?;
        let state = &cx.state;
        let mut form = MultipartForm::read(data, &["file"]).await?;
        let announcement_id =
            form.id("announcement_id").ok_or_else(|| AppError::bad_request("缺少公告编号"))?;
        let upload = form
            .take_file("file", "附件")
            .ok_or_else(|| AppError::invalid_field("file", "请选择要上传的文件"))?;

        // Stored before the transaction (the writer is not held while it is written);
        // deleted again if the link does not commit.
        let file = files::put(
            &state.storage,
            files::Upload {
                purpose: "announcement",
                filename: &upload.filename,
                bytes: upload.bytes,
                max_bytes: state.config.upload_limit_bytes,
                accepted: &[FileKind::Pdf, FileKind::Jpeg, FileKind::Png],
                owner_user_id: cx.user.id,
            },
        )
        .await?;
        let linked = async {
            let mut tx = state.db.begin().await?;
            if !repo::exists(&mut tx, announcement_id).await? {
                return Err(AppError::not_found("该公告不存在"));
            }
            files::record(&mut tx, &file).await?;
            repo::add_attachment(&mut tx, announcement_id, &file.record.id).await?;
            audit::record(
                &mut tx,
                cx.audit(
                    "announcement.attach",
                    "announcement",
                    announcement_id.to_string(),
                    file.record.filename.clone(),
                ),
            )
            .await?;
            tx.commit().await?;
            AppResult::Ok(())
        }
        .await;
        if let Err(err) = linked {
            // Nothing refers to the stored object now; remove it.
            files::discard(&state.storage, &file.record).await;
            return Err(err);
        }
        state.public_cache.clear();
        leptos_axum::redirect(&format!("/admin/announcements/{announcement_id}?attached=1"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/announcements/detach")]
pub async fn detach_file(announcement_id: i64, file_id: String) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require(Role::PlatformAdmin).await?;
        let mut tx = cx.state.db.begin().await?;
        if !repo::remove_attachment(&mut tx, announcement_id, &file_id).await? {
            return Err(AppError::not_found("该附件不存在"));
        }
        audit::record(
            &mut tx,
            cx.audit("announcement.detach", "announcement", announcement_id.to_string(), file_id),
        )
        .await?;
        tx.commit().await?;
        cx.state.public_cache.clear();
        leptos_axum::redirect(&format!("/admin/announcements/{announcement_id}"));
        Ok(())
    })
    .await
}
