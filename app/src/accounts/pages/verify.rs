//! 实名认证: the ID number (GB 11643), the real name and both sides of the ID card.
//! The photos are checked by content, stored through the storage interface and shown
//! only to their owner and the reviewers (platform admin, the owner's unit admin).

use super::use_auth;
use crate::{
    accounts::api::{SubmitVerification, VerificationState, load_verification_state},
    platform::time::format_datetime,
    shell::{
        components::{Card, Field, FileField, FormError, PRIMARY_BUTTON, url_error},
        errors::{ErrorPage, LoginRequiredPage},
        page_data::PageData,
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;

#[component]
pub fn VerifyPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Title text="实名认证" />
        <div class="mx-auto max-w-xl">
            <h1 class="mb-4 text-xl font-semibold text-slate-900">"实名认证"</h1>
            {match auth.result() {
                Ok(Some(user)) if user.real_name_verified => view! {
                    <Card>
                        <p role="status" class="text-green-700">"已认证：您已完成实名认证，可以报名和缴费。"</p>
                        <a href="/me" class="mt-3 inline-block text-blue-700 hover:underline">"返回个人中心"</a>
                    </Card>
                }.into_any(),
                Ok(Some(_)) => view! { <VerificationStatus /> }.into_any(),
                Ok(None) => view! { <LoginRequiredPage next="/me/verify" /> }.into_any(),
                Err(error) => view! { <ErrorPage error /> }.into_any(),
            }}
        </div>
    }
}

/// 审核中, or 未通过（原因） above the form to submit again, or just the form.
#[component]
fn VerificationStatus() -> impl IntoView {
    let state = PageData::new(load_verification_state());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match state.await {
                    Ok(VerificationState::Pending { name, id_number_masked, submitted_at }) => view! {
                        <Card>
                            <p role="status" class="font-medium text-amber-700">"审核中"</p>
                            <p class="mt-2 text-sm text-slate-600">
                                {format!(
                                    "您于{}提交的实名认证（{name}，{id_number_masked}）正在审核，审核结果将通过短信和消息通知您。",
                                    format_datetime(submitted_at)
                                )}
                            </p>
                            <a href="/me" class="mt-3 inline-block text-blue-700 hover:underline">"返回个人中心"</a>
                        </Card>
                    }.into_any(),
                    Ok(VerificationState::Verified) => view! {
                        <Card>
                            <p role="status" class="text-green-700">"已认证：您已完成实名认证，可以报名和缴费。"</p>
                        </Card>
                    }.into_any(),
                    Ok(VerificationState::Rejected { reason }) => view! {
                        <p role="note" class="mb-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
                            {format!("未通过（{reason}）。请核对后重新提交。")}
                        </p>
                        <VerifyForm />
                    }.into_any(),
                    Ok(VerificationState::Revoked { reason }) => view! {
                        <p role="note" class="mb-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
                            {format!("实名认证已撤销（{reason}）。如有疑问请联系平台客服，也可重新提交。")}
                        </p>
                        <VerifyForm />
                    }.into_any(),
                    Ok(VerificationState::NotSubmitted) => view! { <VerifyForm /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn VerifyForm() -> impl IntoView {
    let error = url_error::<SubmitVerification>();
    view! {
        <Card>
            <p class="mb-4 text-sm text-slate-600">
                "请输入正确的身份证号和姓名，并上传身份证正反面清晰的照片（JPEG 或 PNG，每张不超过 5 MB）。认证后姓名、性别和身份证号不能修改。"
            </p>
            <form method="post" enctype="multipart/form-data" action=SubmitVerification::url() class="space-y-4">
                <FormError error />
                <Field label="身份证号" name="id_number" error maxlength=18 />
                <Field label="真实姓名" name="name" error maxlength=30 autocomplete="name" />
                <FileField label="身份证正面照片（人像面）" name="front" accept="image/jpeg,image/png" error />
                <FileField label="身份证反面照片（国徽面）" name="back" accept="image/jpeg,image/png" error />
                <button type="submit" class=format!("{PRIMARY_BUTTON} w-full")>"提交"</button>
            </form>
        </Card>
    }
}
