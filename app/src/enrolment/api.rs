//! Server functions of enrolment: 提交订单 in two steps, the trainee's own lists, and
//! the provider's review. Each checks its caller first.

use super::domain::{ApplicationForm, Status};
use crate::{
    catalogue::api::ClassDetail,
    error::AppResult,
    platform::{money::Fen, paging::Page},
};
use leptos::{
    prelude::*,
    server_fn::codec::{MultipartData, MultipartFormData},
};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::server::{
        repo,
        service::{self, Submission},
    },
    crate::{
        accounts::domain::roles::Role,
        catalogue::server::repo as catalogue,
        error::AppError,
        platform::{
            paging::clamp_page,
            server::{multipart::MultipartForm, respond},
        },
        state::Ctx,
    },
};

/// Who reviews registrations in the console.
#[cfg(feature = "ssr")]
const REVIEWERS: &[Role] = &[Role::Provider, Role::PlatformAdmin];

/// One of the trainee's registrations, as 我的考试 and 我的订单 list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRegistration {
    pub id: i64,
    pub class_id: i64,
    pub class_title: String,
    pub offline: bool,
    pub session: String,
    pub status: Status,
    pub fee_fen: Fen,
    pub lodging: String,
    pub lodging_fen: Fen,
    pub total_fen: Fen,
    pub reject_reason: String,
    pub submitted_at: i64,
    /// The order, once the registration reached 待支付.
    pub order_no: Option<String>,
    /// Until when an unpaid order may be paid.
    pub order_expires_at: Option<i64>,
    /// The newest refund asked for, if any (its state and finance's reason).
    #[serde(default)]
    pub latest_refund: Option<crate::refunds::MyRefund>,
    /// The state of the order's live invoice (待开票 or 已开票), if any.
    #[serde(default)]
    pub invoice: Option<crate::invoices::domain::InvoiceStatus>,
}

/// The 报名须知 dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeView {
    pub draft_id: String,
    pub class_id: i64,
    pub class_title: String,
    pub notice: String,
    pub session: String,
    pub lodging: Option<String>,
    pub total_fen: Fen,
    /// How much longer "我已知晓" must wait, as of rendering.
    pub wait_ms: i64,
}

/// Everything the 提交订单 form needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyContext {
    pub class: ClassDetail,
    pub name: String,
    pub gender: String,
    pub id_number_masked: String,
    pub phone_masked: String,
    pub unit: String,
    /// Saved invoice titles: id, title, default.
    pub invoice_titles: Vec<(i64, String, bool)>,
    /// For "重新报名": the rejected registration and its form.
    pub again: Option<(i64, ApplicationForm)>,
    /// Why this user cannot register now, if they cannot.
    pub refusal: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewFilter {
    pub class_id: String,
    pub session_id: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewLine {
    pub id: i64,
    pub trainee: String,
    pub id_number_masked: String,
    pub phone_masked: String,
    pub class_title: String,
    pub session: String,
    pub status: Status,
    pub job_title: String,
    pub lodging: String,
    pub reject_reason: String,
    pub photo_url: Option<String>,
    pub submitted_at: i64,
}

#[server(prefix = "/api", endpoint = "enrol/context")]
pub async fn load_apply_context(class_id: i64, again: Option<i64>) -> AppResult<ApplyContext> {
    respond(async move {
        let Ctx { state, user, now, .. } = Ctx::require_user().await?;
        let pool = state.db.reader();
        let class = catalogue::detail(&state.db, Some(&user), class_id, now).await?;
        let facts = repo::class_facts(pool, class_id).await?;
        let refusal = repo::check_eligible(pool, &user, &facts, now).await.err().map(|e| e.message);
        let again = match again {
            Some(id) => {
                let (of_class, form) = repo::previous_form(pool, user.id, id).await?;
                (of_class == class_id).then_some((id, form))
            }
            None => None,
        };
        let profile = repo::applicant(pool, user.id).await?;
        Ok(ApplyContext {
            class,
            name: profile.name,
            gender: profile.gender,
            id_number_masked: profile.id_number_masked,
            phone_masked: profile.phone_masked,
            unit: profile.unit,
            invoice_titles: profile.invoice_titles,
            again,
            refusal,
        })
    })
    .await
}

/// Step one of 提交订单, a multipart form (the 1-inch photo travels with it).
#[server(prefix = "/api", endpoint = "enrol/start/upload", input = MultipartFormData)]
pub async fn start_registration(data: MultipartData) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let mut data = MultipartForm::read(data, &["photo"]).await?;
        let form = ApplicationForm {
            session_id: data.text("session_id"),
            job_title: data.text("job_title"),
            lodging: data.text("lodging"),
            exam_subjects: data.texts("exam_subjects"),
            exam_type: data.text("exam_type"),
            invoice_title_id: data.text("invoice_title_id"),
            joint_invoice_note: data.text("joint_invoice_note"),
        };
        let photo = data.take_file("photo", "照片.jpg").map(|upload| (upload.filename, upload.bytes));
        let (class_id, again) = (data.id("class_id"), data.id("again"));
        let class_id = class_id.ok_or_else(|| AppError::bad_request("请选择培训班"))?;
        let draft = service::start(&cx, Submission { class_id, again, form, photo }).await?;
        leptos_axum::redirect(&format!("/enroll/notice/{draft}"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "enrol/notice")]
pub async fn get_notice(draft_id: String) -> AppResult<NoticeView> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        repo::notice(cx.state.db.reader(), cx.user.id, &draft_id, cx.now).await
    })
    .await
}

/// Step two: "我已知晓".
#[server(prefix = "/api", endpoint = "enrol/confirm")]
pub async fn confirm_registration(draft_id: String) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let id = service::confirm(&cx, &draft_id).await?;
        leptos_axum::redirect(&format!("/me/exams/{id}?submitted=1"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "me/registrations")]
pub async fn load_my_registrations(orders_only: bool) -> AppResult<Vec<MyRegistration>> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        repo::mine_list(cx.state.db.reader(), cx.user.id, orders_only, cx.now).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "me/registration")]
pub async fn load_my_registration(id: i64) -> AppResult<MyRegistration> {
    respond(async move {
        let Ctx { state, user, now, .. } = Ctx::require_user().await?;
        let mut registration = repo::mine_one(state.db.reader(), user.id, id, now).await?;
        registration.latest_refund =
            crate::refunds::server::repo::mine(&state.db, user.id, id).await?.into_iter().next();
        registration.invoice =
            crate::invoices::server::repo::live_status_of_registration(&state.db, id).await?;
        Ok(registration)
    })
    .await
}

#[server(prefix = "/api", endpoint = "provider/registrations/list")]
pub async fn list_registrations_for_review(
    #[server(default)] filter: ReviewFilter,
    page: Option<u32>,
) -> AppResult<Page<ReviewLine>> {
    respond(async move {
        let cx = Ctx::require_any(REVIEWERS).await?;
        repo::review_queue(cx.state.db.reader(), &cx.user, &filter, clamp_page(page, 10_000), cx.now).await
    })
    .await
}

/// Approves or rejects the checked registrations (`ids[0]`, `ids[1]`, … in the form).
#[server(prefix = "/api", endpoint = "provider/registrations/review")]
pub async fn review_registrations(
    #[server(default)] ids: Vec<i64>,
    decision: String,
    #[server(default)] reason: String,
) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(REVIEWERS).await?;
        let approve = match decision.as_str() {
            "approve" => true,
            "reject" => false,
            _ => return Err(AppError::bad_request("请选择审核结果")),
        };
        service::review(&cx, &ids, approve, &reason).await?;
        Ok(())
    })
    .await
}
