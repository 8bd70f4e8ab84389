//! 找回密码: 姓名 + 身份证号, then the code sent to the bound phone and a new
//! password.

use super::CaptchaField;
use crate::{
    accounts::api::{ResetPassword, StartRecovery},
    shell::components::{Card, Field, FormError, PRIMARY_BUTTON},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn RecoverPage() -> impl IntoView {
    let query = use_query_map();
    let ticket = move || query.read().get("ticket").filter(|t| !t.is_empty());
    view! {
        <Title text="找回密码" />
        <div class="mx-auto max-w-md py-2 md:py-8">
            <h1 class="mb-4 text-xl font-semibold text-slate-900">"找回密码"</h1>
            {move || match ticket() {
                Some(ticket) => view! { <NewPasswordStep ticket /> }.into_any(),
                None => view! { <IdentityStep /> }.into_any(),
            }}
            <p class="mt-4 text-center text-sm text-slate-500">
                "未绑定手机号或手机号有误，请联系所在单位或客服。"
            </p>
        </div>
    }
}

#[component]
fn IdentityStep() -> impl IntoView {
    let start = ServerAction::<StartRecovery>::new();
    let error = Signal::derive(move || start.value().get().and_then(Result::err));
    view! {
        <Card>
            <p class="mb-4 text-sm text-slate-600">"请输入注册时的姓名和身份证号进行验证。"</p>
            <ActionForm action=start attr:class="space-y-4" attr:novalidate="">
                <FormError error />
                <Field label="姓名" name="name" error autocomplete="name" />
                <Field label="身份证号" name="id_number" error maxlength=18 />
                <CaptchaField error />
                <button type="submit" class=format!("{PRIMARY_BUTTON} w-full")>"下一步"</button>
            </ActionForm>
        </Card>
    }
}

#[component]
fn NewPasswordStep(ticket: String) -> impl IntoView {
    let reset = ServerAction::<ResetPassword>::new();
    let error = Signal::derive(move || reset.value().get().and_then(Result::err));
    view! {
        <Card>
            <p role="status" class="mb-4 text-sm text-slate-600">
                "若姓名与身份证号匹配，验证码已发送至该账号绑定的手机号，5分钟内有效。"
            </p>
            <ActionForm action=reset attr:class="space-y-4" attr:novalidate="">
                <FormError error />
                <input type="hidden" name="ticket" value=ticket />
                <Field label="短信验证码" name="code" error autocomplete="one-time-code" maxlength=6 inputmode="numeric" />
                <Field label="新密码" name="password" input_type="password" error autocomplete="new-password" hint="至少8个字符，不要使用常见密码" />
                <Field label="确认新密码" name="password_confirm" input_type="password" error autocomplete="new-password" />
                <button type="submit" class=format!("{PRIMARY_BUTTON} w-full")>"重置密码"</button>
            </ActionForm>
            <a href="/recover" class="mt-3 inline-block text-sm text-blue-700 hover:underline">"重新开始"</a>
        </Card>
    }
}
