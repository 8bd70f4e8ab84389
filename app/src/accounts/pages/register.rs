//! 个人用户注册 (and 专技人员注册 when a unit is chosen): step one proves the phone with
//! an SMS code (the image captcha guards the sending), step two sets the password.

use super::CaptchaField;
use crate::{
    accounts::{
        api::{Register, SendRegisterCode},
        domain::profile_rules::ETHNICITIES,
    },
    error::AppError,
    platform::text::mask_phone,
    shell::{
        components::{Card, Field, FormError, PRIMARY_BUTTON, SECONDARY_BUTTON, SelectField, same_options},
        islands::ResendCountdown,
        page_data::PageData,
    },
    units::{api::load_directory, pages::UnitPicker},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let query = use_query_map();
    let phone = move || query.read().get("phone").unwrap_or_default();
    let sent = move || query.read().get("sent").is_some() && !phone().is_empty();
    view! {
        <Title text="个人用户注册" />
        <div class="mx-auto max-w-2xl py-2 md:py-6">
            <h1 class="mb-4 text-xl font-semibold text-slate-900">"个人用户注册"</h1>
            {move || if sent() { view! { <AccountStep phone=phone() /> }.into_any() } else { view! { <PhoneStep /> }.into_any() }}
            <p class="mt-4 text-center text-sm text-slate-500">
                "已有账号？" <a href="/login" class="text-blue-700 hover:underline">"登录"</a> " · "
                <a href="/register/unit" class="text-blue-700 hover:underline">"单位注册"</a>
            </p>
        </div>
    }
}

#[component]
fn PhoneStep() -> impl IntoView {
    let query = use_query_map();
    let send = ServerAction::<SendRegisterCode>::new();
    let error = Signal::derive(move || send.value().get().and_then(Result::err));
    let phone = query.read_untracked().get("phone").unwrap_or_default();
    view! {
        <Card>
            <p class="mb-4 text-sm text-slate-600">"第一步：验证手机号。我们会向该手机发送6位短信验证码。"</p>
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

#[component]
fn AccountStep(phone: String) -> impl IntoView {
    let query = use_query_map();
    let register = ServerAction::<Register>::new();
    let error = Signal::derive(move || register.value().get().and_then(Result::err));
    let region = move || query.read().get("region");
    let unit = move || query.read().get("unit").and_then(|u| u.parse::<i64>().ok());
    let directory = PageData::new(load_directory(region(), unit()));
    let resend_href = format!("/register?phone={phone}");
    let keep = vec![("phone", phone.clone()), ("sent", "1".to_owned())];
    view! {
        <div class="space-y-4">
            <Card>
                <h2 class="text-base font-semibold text-slate-900">"所属单位（选填）"</h2>
                <p class="mb-3 mt-1 text-sm text-slate-500">
                    "单位已在平台注册的专业技术人员请选择所属单位，注册后需单位审核通过才能登录；暂不加入单位可跳过。"
                </p>
                <Suspense fallback=|| ()>
                    {
                        let keep = keep.clone();
                        move || {
                            let keep = keep.clone();
                            Suspend::new(async move {
                                directory.await.map(|directory| view! { <UnitPicker directory keep /> })
                            })
                        }
                    }
                </Suspense>
            </Card>
            <Card>
                <ActionForm action=register attr:class="space-y-4" attr:novalidate="">
                    <FormError error />
                    <input type="hidden" name="phone" value=phone.clone() />
                    <div>
                        <p class="text-sm text-slate-700">
                            "验证码已发送至 " <span class="font-medium">{mask_phone(&phone)}</span> "，5分钟内有效。"
                        </p>
                        <p class="mt-1 text-sm">
                            // Resending is possible a minute after sending (the server
                            // enforces it); the countdown is the browser's courtesy.
                            <ResendCountdown seconds=60 href=resend_href label="重新获取验证码".to_owned() />
                        </p>
                    </div>
                    <Field label="短信验证码" name="code" error autocomplete="one-time-code" maxlength=6 inputmode="numeric" />
                    <Field label="密码" name="password" input_type="password" error autocomplete="new-password" hint="至少8个字符，不要使用常见密码" />
                    <Field label="确认密码" name="password_confirm" input_type="password" error autocomplete="new-password" />
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let directory = directory.await;
                            let chosen = directory.as_ref().ok().and_then(|d| d.unit_name.clone().map(|name| (name, d.departments.clone())));
                            let error_unit = move || error.get().and_then(|e| e.field("unit").map(str::to_owned));
                            match (chosen, unit()) {
                                (Some((unit_name, departments)), Some(unit_id)) => view! {
                                    <StaffFields unit_id unit_name departments error />
                                }.into_any(),
                                _ => view! {
                                    <Field label="电子邮箱（选填）" name="email" input_type="email" error autocomplete="email" />
                                    <p class="text-sm text-red-600">{error_unit}</p>
                                    <div class="grid gap-3 sm:grid-cols-2">
                                        <button type="submit" name="then" value="login" class=SECONDARY_BUTTON>"注册并返回登录"</button>
                                        <button type="submit" name="then" value="verify" class=PRIMARY_BUTTON>"实名认证"</button>
                                    </div>
                                    <p class="text-xs text-slate-500">"未实名认证的账号可以登录，但不能提交订单和缴费。"</p>
                                }.into_any(),
                            }
                        })}
                    </Suspense>
                </ActionForm>
            </Card>
        </div>
    }
}

/// The personal fields (民族, 学历, 职称, 工作岗位, …), for staff registering under a unit.
#[component]
fn StaffFields(
    unit_id: i64,
    unit_name: String,
    departments: Vec<(i64, String)>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let department_options = departments.into_iter().map(|(id, label)| (id.to_string(), label)).collect();
    view! {
        <input type="hidden" name="unit_id" value=unit_id />
        <p class="rounded-md bg-blue-50 px-3 py-2 text-sm text-blue-800">"所属单位：" {unit_name}</p>
        <SelectField label="所属部门" name="department_id" error options=department_options placeholder="不选择部门" />
        <Field label="电子邮箱" name="email" input_type="email" error autocomplete="email" />
        <Field label="身份证号" name="id_number" error maxlength=18 hint="注册后不可修改，可作为登录账号" />
        <Field label="真实姓名" name="name" error autocomplete="name" />
        <SelectField label="民族" name="ethnicity" error options=same_options(&ETHNICITIES) />
        <Field label="籍贯（选填）" name="native_place" error />
        <Field label="毕业院校（选填）" name="school" error />
        <Field label="所学专业（选填）" name="major" error />
        <Field label="职称（选填）" name="job_title" error />
        <p class="text-xs text-slate-500">"性别和出生日期由身份证号自动生成。"</p>
        <button type="submit" name="then" value="staff" class=format!("{PRIMARY_BUTTON} w-full")>"注册"</button>
    }
}

/// After a registration that waits for someone's approval.
#[component]
pub fn RegisterDonePage() -> impl IntoView {
    let query = use_query_map();
    let unit = move || query.read().get("kind").as_deref() == Some("unit");
    view! {
        <Title text="注册完成" />
        <div class="mx-auto max-w-md py-10 text-center">
            <div class="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
                <h1 class="text-lg font-semibold text-slate-900">"注册完成"</h1>
                <p role="status" class="mt-3 text-slate-700">
                    {move || if unit() {
                        "您已完成单位注册，请耐心等待所属人社部门审批"
                    } else {
                        "您已完成专技人员注册，请耐心等待所属单位审批"
                    }}
                </p>
                <p class="mt-2 text-sm text-slate-500">"审核结果将通过短信和电子邮件通知您。"</p>
                <a href="/" class="mt-5 inline-block text-blue-700 hover:underline">"返回首页"</a>
            </div>
        </div>
    }
}
