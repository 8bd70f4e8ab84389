//! The accounts' server functions and the data they take and return: signing in and
//! out, 注册, 找回密码, 实名认证 and its 实名审核, and 个人中心 (我的信息, 修改密码,
//! 发票信息).

use super::{
    domain::{invoice_rules::InvoiceTitle, profile_rules::Gender, review_status::ReviewStatus},
    roles::CurrentUser,
};
#[cfg(feature = "ssr")]
use crate::state::{Ctx, Visitor, app_state};
use crate::{error::AppResult, platform::paging::Page};
use leptos::{
    prelude::*,
    server_fn::codec::{MultipartData, MultipartFormData},
};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::{
        identity::Phone,
        roles::Role,
        server::{
            captcha, guard, identity_reviews, login, profile, recovery, registration, session, sms_codes,
            verification,
        },
    },
    crate::{
        error::AppError,
        platform::{
            paging::clamp_page,
            server::{
                request::{redirect_without_js, request_parts, user_agent},
                respond,
            },
            time::now_ms,
            url::percent_encode,
        },
        shell::errors::safe_next,
    },
    http::header::SET_COOKIE,
    leptos_axum::ResponseOptions,
};

/// The signed-in user, or `None` for a visitor.
#[server(prefix = "/api", endpoint = "accounts/me")]
pub async fn get_current_user() -> AppResult<Option<CurrentUser>> {
    respond(guard::current_user()).await
}

/// Issues a captcha for a form (limited per client address); its image is at
/// `/captcha/<id>`. Called while the form page renders, and by the captcha island
/// when its id can no longer be redrawn.
#[server(prefix = "/api", endpoint = "accounts/captcha")]
pub async fn new_captcha() -> AppResult<String> {
    respond(async move {
        let Visitor { state, ip, now } = Visitor::current()?;
        captcha::issue(&state.db, &state.config, &ip, now).await
    })
    .await
}

/// "看不清？换一张": a new image (and answer) for an issued captcha.
#[server(prefix = "/api", endpoint = "accounts/captcha/redraw")]
pub async fn redraw_captcha(id: String) -> AppResult<()> {
    respond(async move {
        let Visitor { state, now, .. } = Visitor::current()?;
        captcha::redraw(&state.db, &state.config, &id, now).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "accounts/login")]
pub async fn login(
    account: String,
    password: String,
    captcha_id: String,
    captcha: String,
    #[server(default)] next: Option<String>,
    #[server(default)] credit_code: Option<String>,
) -> AppResult<()> {
    respond(async move {
        let Visitor { state, ip, now } = Visitor::current()?;
        let parts = request_parts()?;
        let previous = session::token_from_headers(&parts.headers, &state.config);
        let logged_in = login::login(
            &state,
            login::LoginAttempt {
                credit_code,
                account,
                password,
                captcha_id,
                captcha_answer: captcha,
                ip,
                user_agent: user_agent(&parts),
            },
            now,
        )
        .await?;
        if let Some(previous) = previous {
            session::delete(&state.db, &state.config, &previous).await?;
        }
        let response = expect_context::<ResponseOptions>();
        response.append_header(SET_COOKIE, session::set_cookie(&state.config, &logged_in.session_token));
        let user = super::server::users::load_current_user(&state.db, logged_in.user_id).await?;
        let target = match (next.as_deref().and_then(safe_next), user) {
            (_, Some(user)) if user.must_change_password => "/me/password".to_owned(),
            (Some(next), _) => next.to_owned(),
            (None, Some(user)) if user.is_staff() => "/admin".to_owned(),
            (None, _) => "/me".to_owned(),
        };
        leptos_axum::redirect(&target);
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "accounts/logout")]
pub async fn logout() -> AppResult<()> {
    respond(async move {
        let state = app_state()?;
        let parts = request_parts()?;
        if let Some(token) = session::token_from_headers(&parts.headers, &state.config) {
            session::delete(&state.db, &state.config, &token).await?;
        }
        expect_context::<ResponseOptions>().append_header(SET_COOKIE, session::clear_cookie(&state.config));
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}

// --- 注册 ---

/// Everything the registration form can post.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RegistrationForm {
    pub phone: String,
    pub code: String,
    pub password: String,
    pub password_confirm: String,
    pub email: String,
    // Text, not numbers: flattened form fields reach serde as strings.
    pub unit_id: String,
    pub department_id: String,
    pub id_number: String,
    pub name: String,
    pub ethnicity: String,
    pub native_place: String,
    pub school: String,
    pub major: String,
    pub job_title: String,
    /// The button pressed: `login` (注册并返回登录), `verify` (实名认证) or `staff`.
    pub then: String,
}

/// Sends the registration code to `phone` once the image captcha is right.
#[server(prefix = "/api", endpoint = "accounts/register/code")]
pub async fn send_register_code(phone: String, captcha_id: String, captcha: String) -> AppResult<()> {
    respond(async move {
        let Visitor { state, ip, now } = Visitor::current()?;
        let phone = Phone::parse(&phone).map_err(|e| AppError::invalid_field("phone", e))?;
        if !captcha::check(&state.db, &captcha_id, &captcha, now).await? {
            return Err(AppError::invalid_field("captcha", "验证码错误或已过期，请重新输入"));
        }
        if registration::phone_registered(&state.db, phone.as_str()).await? {
            return Err(AppError::invalid_field("phone", "该手机号已注册，请直接登录"));
        }
        sms_codes::send(&state, phone.as_str(), sms_codes::Purpose::Register, &ip, now).await?;
        leptos_axum::redirect(&format!("/register?phone={}&sent=1", percent_encode(phone.as_str())));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "accounts/register")]
pub async fn register(#[server(flatten)] form: RegistrationForm) -> AppResult<()> {
    respond(async move {
        let Visitor { state, ip, now } = Visitor::current()?;
        let registered = registration::register(&state, form, now).await?;
        match registered.next {
            registration::NextStep::Login => leptos_axum::redirect("/login?registered=1"),
            registration::NextStep::AwaitUnit => leptos_axum::redirect("/register/done?kind=staff"),
            registration::NextStep::Verify => {
                let parts = request_parts()?;
                let token =
                    registration::sign_in(&state, registered.user_id, &ip, &user_agent(&parts), now).await?;
                expect_context::<leptos_axum::ResponseOptions>()
                    .append_header(SET_COOKIE, session::set_cookie(&state.config, &token));
                leptos_axum::redirect("/me/verify");
            }
        }
        Ok(())
    })
    .await
}

// --- 找回密码 ---

#[server(prefix = "/api", endpoint = "accounts/recover/start")]
pub async fn start_recovery(
    name: String,
    id_number: String,
    captcha_id: String,
    captcha: String,
) -> AppResult<()> {
    respond(async move {
        let Visitor { state, ip, now } = Visitor::current()?;
        if !captcha::check(&state.db, &captcha_id, &captcha, now).await? {
            return Err(AppError::invalid_field("captcha", "验证码错误或已过期，请重新输入"));
        }
        let ticket = recovery::start(&state, &name, &id_number, &ip, now).await?;
        leptos_axum::redirect(&format!("/recover?ticket={ticket}"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "accounts/recover/finish")]
pub async fn reset_password(
    ticket: String,
    code: String,
    password: String,
    password_confirm: String,
) -> AppResult<()> {
    respond(async move {
        let Visitor { state, now, .. } = Visitor::current()?;
        let form = recovery::NewPassword {
            ticket: &ticket,
            code: &code,
            password: &password,
            password_confirm: &password_confirm,
        };
        recovery::finish(&state, form, now).await?;
        leptos_axum::redirect("/login?reset=1");
        Ok(())
    })
    .await
}

// --- 实名认证 ---

/// Where the account's 实名认证 stands, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VerificationState {
    NotSubmitted,
    /// 审核中.
    Pending {
        name: String,
        id_number_masked: String,
        submitted_at: i64,
    },
    /// 未通过（原因）: the trainee may submit again.
    Rejected {
        reason: String,
    },
    /// A reviewer withdrew the verification.
    Revoked {
        reason: String,
    },
    /// 已认证.
    Verified,
}

#[server(prefix = "/api", endpoint = "accounts/verify/state")]
pub async fn load_verification_state() -> AppResult<VerificationState> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        identity_reviews::state_of(&cx.state, cx.user.id).await
    })
    .await
}

/// A multipart form: `id_number`, `name`, `front`, `back`.
#[server(prefix = "/api", endpoint = "accounts/verify/upload", input = MultipartFormData)]
pub async fn submit_verification(data: MultipartData) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let mut data = data.into_inner().ok_or_else(|| AppError::bad_request("请求格式不正确"))?;
        let mut form = verification::VerificationForm::default();
        while let Ok(Some(field)) = data.next_field().await {
            let name = field.name().unwrap_or_default().to_owned();
            match name.as_str() {
                "id_number" => form.id_number = field.text().await.unwrap_or_default(),
                "name" => form.name = field.text().await.unwrap_or_default(),
                "front" | "back" => {
                    let filename = field.file_name().unwrap_or("身份证.jpg").to_owned();
                    let bytes =
                        field.bytes().await.map_err(|_| AppError::bad_request("文件上传不完整，请重试"))?;
                    let upload = (!bytes.is_empty()).then_some((filename, bytes));
                    if name == "front" {
                        form.front = upload;
                    } else {
                        form.back = upload;
                    }
                }
                _ => {}
            }
        }
        match verification::verify(&cx.state, cx.user.id, form, &cx.ip, cx.now).await? {
            verification::Submitted::Verified => leptos_axum::redirect("/me?verified=1"),
            verification::Submitted::InReview | verification::Submitted::Refused => {
                leptos_axum::redirect("/me/verify?submitted=1")
            }
        }
        Ok(())
    })
    .await
}

// --- 实名审核 (console) ---

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityReviewLine {
    pub id: i64,
    pub name: String,
    pub id_number_masked: String,
    pub phone_masked: String,
    pub status: ReviewStatus,
    pub submitted_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityReviewDetail {
    pub id: i64,
    pub name: String,
    /// In full: the reviewer compares it with the photo.
    pub id_number: String,
    pub gender: String,
    pub birth_date: String,
    pub phone_masked: String,
    pub front_url: String,
    pub back_url: String,
    /// Who decided first: `review` (a person) or `sandbox`.
    pub provider: String,
    pub status: ReviewStatus,
    pub reason: String,
    pub submitted_at: i64,
    pub decided_at: Option<i64>,
    /// Another account holds this ID number: approving is refused.
    pub id_number_held_elsewhere: bool,
    /// The account's submissions before this one (rejected or revoked).
    pub earlier_submissions: i64,
}

/// Who reviews: the guard checks it on the server for every function here.
#[cfg(feature = "ssr")]
const REVIEWERS: &[Role] = &[Role::Authority, Role::PlatformAdmin];

#[server(prefix = "/api", endpoint = "admin/identity/list")]
pub async fn list_identity_reviews(
    status: Option<String>,
    page: Option<u32>,
) -> AppResult<Page<IdentityReviewLine>> {
    respond(async move {
        let cx = Ctx::require_any(REVIEWERS).await?;
        let status = status.as_deref().and_then(ReviewStatus::from_code).unwrap_or(ReviewStatus::Pending);
        identity_reviews::list(&cx.state, &cx.user, status, clamp_page(page, 10_000)).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/identity/get")]
pub async fn get_identity_review(id: i64) -> AppResult<IdentityReviewDetail> {
    respond(async move {
        let cx = Ctx::require_any(REVIEWERS).await?;
        identity_reviews::detail(&cx.state, &cx.user, id).await
    })
    .await
}

/// `decision`: `approve` (通过) or `reject` (驳回, with `reason`).
#[server(prefix = "/api", endpoint = "admin/identity/review")]
pub async fn review_identity(id: i64, decision: String, #[server(default)] reason: String) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(REVIEWERS).await?;
        let approve = match decision.as_str() {
            "approve" => true,
            "reject" => false,
            _ => return Err(AppError::bad_request("请选择审核结果")),
        };
        identity_reviews::decide(&cx, id, approve, &reason).await?;
        leptos_axum::redirect(&format!("/admin/identity/{id}?reviewed=1"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/identity/revoke")]
pub async fn revoke_identity(id: i64, #[server(default)] reason: String) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(REVIEWERS).await?;
        identity_reviews::revoke(&cx, id, &reason).await?;
        leptos_axum::redirect(&format!("/admin/identity/{id}?revoked=1"));
        Ok(())
    })
    .await
}

// --- 个人中心 ---

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affiliation {
    pub unit_id: i64,
    pub unit_name: String,
    pub department: Option<String>,
    pub approved: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: i64,
    pub unit_name: String,
    pub department: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyInfo {
    pub phone_masked: String,
    pub id_number_masked: Option<String>,
    pub name: String,
    pub email: String,
    pub gender: Option<Gender>,
    pub birth_date: String,
    pub ethnicity: String,
    pub native_place: String,
    pub school: String,
    pub major: String,
    pub job_title: String,
    pub verified: bool,
    /// Name, gender and ID number can no longer change.
    pub identity_locked: bool,
    pub affiliation: Option<Affiliation>,
    /// Why the last unit turned the user down, if it did.
    pub rejected_reason: Option<String>,
    pub invitations: Vec<Invitation>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    pub name: String,
    pub gender: String,
    pub email: String,
    pub ethnicity: String,
    pub native_place: String,
    pub school: String,
    pub major: String,
    pub job_title: String,
}

#[server(prefix = "/api", endpoint = "me/info")]
pub async fn load_my_info() -> AppResult<MyInfo> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        profile::my_info(&cx.state, cx.user.id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "me/info/save")]
pub async fn update_profile(#[server(flatten)] form: ProfileForm) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        profile::update_profile(&cx.state, cx.user.id, &form, cx.now).await?;
        leptos_axum::redirect("/me/info?saved=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "me/unit/join")]
pub async fn join_unit(
    #[server(default)] unit_id: Option<i64>,
    #[server(default)] department_id: Option<i64>,
) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let unit_id = unit_id.ok_or_else(|| AppError::invalid_field("unit", "请先选择所在地区和所属单位"))?;
        profile::join_unit(&cx.state, cx.user.id, unit_id, department_id, cx.now).await?;
        leptos_axum::redirect("/me/info?joined=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "me/invitations/answer")]
pub async fn answer_invitation(id: i64, accept: String) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        profile::answer_invitation(&cx.state, cx.user.id, id, accept == "yes", cx.now).await?;
        leptos_axum::redirect("/me/info");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "me/password")]
pub async fn change_password(
    old_password: String,
    password: String,
    password_confirm: String,
) -> AppResult<()> {
    respond(async move {
        // The one route open to an account that must replace its one-time password.
        let user = guard::require_user_even_with_initial_password().await?;
        let state = app_state()?;
        let token = session::token_from_headers(&request_parts()?.headers, &state.config);
        let form = profile::PasswordChange {
            old_password: &old_password,
            password: &password,
            password_confirm: &password_confirm,
        };
        profile::change_password(&state, user.id, token.as_deref(), form, now_ms()).await?;
        redirect_without_js(PASSWORD_CHANGED);
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "me/invoice-titles")]
pub async fn list_invoice_titles() -> AppResult<Vec<InvoiceTitle>> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        profile::invoice_titles(&cx.state, cx.user.id).await
    })
    .await
}

/// The 发票信息 form as posted (text fields; flattened forms reach serde as strings).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InvoiceTitleForm {
    pub id: String,
    pub title: String,
    pub tax_number: String,
    pub address: String,
    pub phone: String,
    pub bank_name: String,
    pub bank_account: String,
    pub is_default: String,
    /// Where to go after saving (提交订单's "+"), a path on this site.
    pub next: String,
}

#[server(prefix = "/api", endpoint = "me/invoice-titles/save")]
pub async fn save_invoice_title(#[server(flatten)] form: InvoiceTitleForm) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        let input = InvoiceTitle {
            id: form.id.trim().parse().unwrap_or(0),
            title: form.title,
            tax_number: form.tax_number,
            address: form.address,
            phone: form.phone,
            bank_name: form.bank_name,
            bank_account: form.bank_account,
            is_default: !form.is_default.is_empty(),
        };
        profile::save_invoice_title(&cx.state, cx.user.id, &input, cx.now).await?;
        match crate::shell::errors::safe_next(&form.next) {
            Some(next) => leptos_axum::redirect(next),
            None => leptos_axum::redirect("/me/invoices?saved=1"),
        }
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "me/invoice-titles/delete")]
pub async fn delete_invoice_title(id: i64) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        profile::delete_invoice_title(&cx.state, cx.user.id, id).await?;
        leptos_axum::redirect("/me/invoices?deleted=1");
        Ok(())
    })
    .await
}

#[cfg(feature = "ssr")]
const PASSWORD_CHANGED: &str = "/me?password=1";
