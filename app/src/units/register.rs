//! 单位注册 (004): first the applicant's phone, proven by an SMS code (the image
//! captcha guards the sending, as in 个人用户注册); then the credit code and licence
//! scan, the unit's details and the applicant's account; then the authority reviews it.

use super::{
    directory::load_directory,
    domain::{INDUSTRIES, LEVELS, NATURES},
};
use crate::shell::page_data::PageData;
#[cfg(feature = "ssr")]
use crate::state::app_state;
use crate::{
    accounts::{identity::mask_phone, pages::CaptchaField},
    error::AppResult,
    shell::{
        components::{
            Card, Field, FileField, FormError, PRIMARY_BUTTON, SelectField, same_options, url_error,
        },
        islands::ResendCountdown,
    },
};
use leptos::{
    prelude::*,
    server_fn::{
        ServerFn,
        codec::{MultipartData, MultipartFormData},
    },
};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[cfg(feature = "ssr")]
use {
    super::{domain::UnitApplication, server::units},
    crate::accounts::{
        identity::Phone,
        server::{captcha, sms_codes},
    },
    crate::error::AppError,
    crate::platform::{
        server::{
            request::{client_ip, request_parts},
            respond,
        },
        time::now_ms,
        url::percent_encode,
    },
};

/// Sends the 单位注册 code to the applicant's phone once the image captcha is right.
#[server(prefix = "/api", endpoint = "units/register/code")]
pub async fn send_unit_register_code(phone: String, captcha_id: String, captcha: String) -> AppResult<()> {
    respond(async move {
        let state = app_state()?;
        let now = now_ms();
        let phone = Phone::parse(&phone).map_err(|e| AppError::invalid_field("phone", e))?;
        if !captcha::check(&state.db, &captcha_id, &captcha, now).await? {
            return Err(AppError::invalid_field("captcha", "验证码错误或已过期，请重新输入"));
        }
        units::may_send_code(&state, phone.as_str()).await?;
        let ip = client_ip(&request_parts()?, &state.config);
        sms_codes::send(&state, phone.as_str(), sms_codes::Purpose::UnitRegister, &ip, now).await?;
        leptos_axum::redirect(&format!("/register/unit?phone={}&sent=1", percent_encode(phone.as_str())));
        Ok(())
    })
    .await
}

/// A multipart form: the fields of [`UnitApplication`] and `licence`.
#[server(prefix = "/api", endpoint = "units/register/upload", input = MultipartFormData)]
pub async fn register_unit(data: MultipartData) -> AppResult<()> {
    respond(async move {
        let state = app_state()?;
        let mut data = data.into_inner().ok_or_else(|| AppError::bad_request("请求格式不正确"))?;
        let mut form = UnitApplication::default();
        let mut licence = None;
        while let Ok(Some(field)) = data.next_field().await {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "licence" {
                let filename = field.file_name().unwrap_or("营业执照").to_owned();
                let bytes =
                    field.bytes().await.map_err(|_| AppError::bad_request("文件上传不完整，请重试"))?;
                licence = (!bytes.is_empty()).then_some((filename, bytes));
                continue;
            }
            let value = field.text().await.unwrap_or_default();
            let slot = match name.as_str() {
                "credit_code" => &mut form.credit_code,
                "name" => &mut form.name,
                "nature" => &mut form.nature,
                "industry" => &mut form.industry,
                "supervisor" => &mut form.supervisor,
                "level" => &mut form.level,
                "region_code" => &mut form.region_code,
                "address" => &mut form.address,
                "applicant_id_number" => &mut form.applicant_id_number,
                "applicant_name" => &mut form.applicant_name,
                "applicant_phone" => &mut form.applicant_phone,
                "code" => &mut form.code,
                "password" => &mut form.password,
                "password_confirm" => &mut form.password_confirm,
                _ => continue,
            };
            *slot = value;
        }
        units::register(&state, &form, licence, now_ms()).await?;
        leptos_axum::redirect("/register/done?kind=unit");
        Ok(())
    })
    .await
}

#[component]
pub fn UnitRegisterPage() -> impl IntoView {
    let query = use_query_map();
    let phone = move || query.read().get("phone").unwrap_or_default();
    let sent = move || query.read().get("sent").is_some() && !phone().is_empty();
    view! {
        <Title text="单位注册" />
        <div class="mx-auto max-w-2xl">
            <h1 class="mb-1 text-xl font-semibold text-slate-900">"单位注册"</h1>
            <p class="mb-4 text-sm text-slate-500">"法人单位注册后，由所属人社部门审核，审核通过后即可使用单位账号登录。"</p>
            {move || if sent() {
                view! { <ApplicationForm phone=phone() /> }.into_any()
            } else {
                view! { <ApplicantPhoneStep /> }.into_any()
            }}
        </div>
    }
}

/// 第一步: the applicant (the unit's admin) proves the phone.
#[component]
fn ApplicantPhoneStep() -> impl IntoView {
    let query = use_query_map();
    let send = ServerAction::<SendUnitRegisterCode>::new();
    let error = Signal::derive(move || send.value().get().and_then(Result::err));
    let phone = query.read_untracked().get("phone").unwrap_or_default();
    view! {
        <Card title="第一步：验证申请人手机号">
            <p class="mb-4 text-sm text-slate-600">"申请人即单位管理员。我们会向该手机发送6位短信验证码。"</p>
            <ActionForm action=send attr:class="space-y-4" attr:novalidate="">
                <FormError error />
                <Field label="手机号" name="phone" error value=phone input_type="tel" autocomplete="tel" maxlength=11 inputmode="numeric" />
                <CaptchaField error />
                <button type="submit" class=format!("{PRIMARY_BUTTON} w-full") disabled=move || send.pending().get()>
                    "获取短信验证码"
                </button>
            </ActionForm>
        </Card>
    }
}

/// The rest, with the code sent to `phone`: a multipart form (the licence scan).
#[component]
fn ApplicationForm(phone: String) -> impl IntoView {
    let error = url_error::<RegisterUnit>();
    let regions = PageData::new(load_directory(None, None));
    let resend_href = format!("/register/unit?phone={phone}");
    view! {
        <form method="post" enctype="multipart/form-data" action=RegisterUnit::url() class="space-y-4">
            <FormError error />
            <input type="hidden" name="applicant_phone" value=phone.clone() />
            <Card title="第一步：验证申请人手机号">
                <p class="text-sm text-slate-700">
                    "验证码已发送至 " <span class="font-medium">{mask_phone(&phone)}</span> "，5分钟内有效。"
                </p>
                <p class="mb-3 mt-1 text-sm">
                    <ResendCountdown seconds=60 href=resend_href label="重新获取验证码".to_owned() />
                </p>
                <Field label="短信验证码" name="code" error autocomplete="one-time-code" maxlength=6 inputmode="numeric" />
                <p class="mt-1 text-sm text-red-600">{move || error.get().and_then(|e| e.field("applicant_phone").map(str::to_owned))}</p>
            </Card>
            <Card title="第二步：单位证照">
                <div class="space-y-4">
                    <Field label="统一社会信用代码" name="credit_code" error maxlength=18 />
                    <FileField label="营业执照或登记证书扫描件（PDF、JPEG 或 PNG）" name="licence" accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png" error />
                </div>
            </Card>
            <Card title="第三步：单位基本信息">
                <div class="grid gap-4 sm:grid-cols-2">
                    <Field label="单位名称" name="name" error maxlength=100 />
                    <SelectField label="单位性质" name="nature" error options=same_options(&NATURES) />
                    <SelectField label="所属行业" name="industry" error options=same_options(&INDUSTRIES) />
                    <Field label="行业主管部门" name="supervisor" error maxlength=100 />
                    <SelectField label="单位级别" name="level" error options=same_options(&LEVELS) />
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let options = regions
                                .await
                                .map(|d| {
                                    d.regions
                                        .into_iter()
                                        .map(|r| (r.code, if r.level == 1 { r.name } else { format!("　{}", r.name) }))
                                        .collect::<Vec<_>>()
                                })
                                .unwrap_or_default();
                            view! { <SelectField label="所在地区" name="region_code" error options /> }
                        })}
                    </Suspense>
                    <div class="sm:col-span-2"><Field label="详细地址" name="address" error maxlength=200 /></div>
                </div>
            </Card>
            <Card title="第四步：申请人账号">
                <p class="mb-3 text-sm text-slate-500">"申请人即单位管理员，登录时选择“单位”，输入统一社会信用代码、本人手机号或身份证号和密码。"</p>
                <div class="grid gap-4 sm:grid-cols-2">
                    <Field label="身份证号" name="applicant_id_number" error maxlength=18 />
                    <Field label="真实姓名" name="applicant_name" error maxlength=30 />
                    <Field label="密码" name="password" error input_type="password" autocomplete="new-password" />
                    <Field label="确认密码" name="password_confirm" error input_type="password" autocomplete="new-password" />
                </div>
            </Card>
            <button type="submit" class=format!("{PRIMARY_BUTTON} w-full")>"注册"</button>
        </form>
    }
}
