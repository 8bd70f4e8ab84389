//! The units' public pages: 单位注册 — first the applicant's phone, proven by an
//! SMS code (the image captcha guards the sending, as in 个人用户注册); then the credit
//! code and licence scan, the unit's details and the applicant's account; then the
//! authority reviews it — and the region → unit → department chooser used on 注册 and
//! 我的信息. Their server functions are in `units::api`.

use crate::{
    accounts::pages::CaptchaField,
    platform::text::mask_phone,
    shell::{
        components::{
            Card, Field, FileField, FormError, PRIMARY_BUTTON, SelectField, same_options, url_error,
        },
        islands::{AutoSubmitSelect, ResendCountdown, SelectChoice},
        page_data::PageData,
    },
    units::{
        api::{Directory, RegisterUnit, SendUnitRegisterCode, load_directory},
        domain::{INDUSTRIES, LEVELS, NATURES},
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

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

/// The region and unit chooser: a GET form (so it works without JavaScript) whose
/// selects submit it at once when JavaScript runs. `keep` lists query parameters to
/// carry along (for example the phone of a registration in progress).
#[component]
pub fn UnitPicker(directory: Directory, keep: Vec<(&'static str, String)>) -> impl IntoView {
    let query = use_query_map();
    let region = query.read_untracked().get("region").unwrap_or_default();
    let unit = query.read_untracked().get("unit").unwrap_or_default();
    let mut region_choices = vec![SelectChoice {
        value: String::new(),
        label: "请选择地区".to_owned(),
        selected: region.is_empty(),
    }];
    region_choices.extend(directory.regions.iter().map(|r| SelectChoice {
        value: r.code.clone(),
        label: if r.level == 1 { r.name.clone() } else { format!("　{}", r.name) },
        selected: r.code == region,
    }));
    let placeholder = if region.is_empty() {
        "请先选择地区"
    } else if directory.units.is_empty() {
        "该地区暂无已注册单位"
    } else {
        "请选择单位"
    };
    let mut unit_choices =
        vec![SelectChoice { value: String::new(), label: placeholder.to_owned(), selected: unit.is_empty() }];
    unit_choices.extend(directory.units.iter().map(|u| {
        let value = u.id.to_string();
        SelectChoice { selected: value == unit, value, label: u.name.clone() }
    }));
    let select = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base";
    view! {
        <form method="get" class="grid gap-3 sm:grid-cols-2" aria-label="选择所属单位">
            {keep.iter().map(|(k, v)| view! { <input type="hidden" name=*k value=v.clone() /> }).collect_view()}
            <div>
                <label for="region" class="block text-sm font-medium text-slate-700">"所在地区"</label>
                <AutoSubmitSelect
                    id="region".to_owned()
                    class=select.to_owned()
                    choices=region_choices
                    disabled=false
                    clears="unit".to_owned()
                />
            </div>
            <div>
                <label for="unit" class="block text-sm font-medium text-slate-700">"所属单位"</label>
                <AutoSubmitSelect
                    id="unit".to_owned()
                    class=select.to_owned()
                    choices=unit_choices
                    disabled=region.is_empty()
                    clears=String::new()
                />
            </div>
            <div class="sm:col-span-2">
                <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-50">
                    "确定所选地区和单位"
                </button>
            </div>
        </form>
    }
}
