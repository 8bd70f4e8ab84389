//! 实名审核 (admin console): the 实名认证 submissions the identity provider left to a
//! person. The platform admin and the authority see the photos, the name and the ID
//! number, and decide: 通过, or 驳回 with a reason the trainee sees (and may then submit
//! again); a verification already granted can be revoked (撤销认证) with a reason.

use crate::{
    accounts::{
        api::{
            IdentityReviewLine, ReviewIdentity, RevokeIdentity, get_identity_review, list_identity_reviews,
        },
        domain::review_status::ReviewStatus,
    },
    platform::{paging::Page, time::format_datetime},
    shell::{
        components::{
            Card, FormError, INPUT, InfoRow, LABEL, Notice, PRIMARY_BUTTON, PagedList, SECONDARY_BUTTON,
            notice_from_query,
        },
        errors::ErrorPage,
        frame::Loaded,
        page_data::PageData,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn IdentityReviewList() -> impl IntoView {
    let query = use_query_map();
    let status = move || query.read().get("status");
    let page = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok());
    let list = PageData::new(list_identity_reviews(status(), page()));
    let tab = move |code: &'static str| {
        if status().as_deref().unwrap_or("pending") == code {
            "rounded-full bg-blue-700 px-3 py-1.5 text-sm text-white"
        } else {
            "rounded-full border border-slate-200 bg-white px-3 py-1.5 text-sm text-slate-600"
        }
    };
    view! {
        <Title text="实名审核" />
        <h1 class="mb-3 text-xl font-semibold text-slate-900">"实名审核"</h1>
        <nav aria-label="审核状态" class="mb-4 flex flex-wrap gap-2">
            {ReviewStatus::ALL.into_iter().map(|s| view! {
                <a
                    href=format!("/admin/identity?status={}", s.code())
                    class=move || tab(s.code())
                    aria-current=move || (status().as_deref().unwrap_or("pending") == s.code()).then_some("page")
                >{s.label()}</a>
            }).collect_view()}
        </nav>
        <Loaded data=list render={move |page: Page<IdentityReviewLine>| {
            let status = status().unwrap_or_else(|| "pending".to_owned());
            view! {
                <PagedList
                    page
                    empty="没有记录"
                    href={move |p| format!("/admin/identity?status={status}&page={p}")}
                    row={|r: IdentityReviewLine| view! {
                        <li class="flex flex-wrap items-center gap-x-3 gap-y-1 py-3">
                            <a href=format!("/admin/identity/{}", r.id) class="min-w-0 flex-1 font-medium text-slate-900 hover:text-blue-700">{r.name}</a>
                            <span class="text-sm text-slate-500">{r.id_number_masked}</span>
                            <span class="text-sm text-slate-500">{r.phone_masked}</span>
                            <time class="text-xs text-slate-400">{format_datetime(r.submitted_at)}</time>
                        </li>
                    }}
                />
            }
        }} />
    }
}

#[component]
pub fn IdentityReviewDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let review = ServerAction::<ReviewIdentity>::new();
    let revoke = ServerAction::<RevokeIdentity>::new();
    let detail = PageData::new(get_identity_review(id()));
    let review_error = Signal::derive(move || review.value().get().and_then(Result::err));
    let revoke_error = Signal::derive(move || revoke.value().get().and_then(Result::err));
    let notice = notice_from_query(&[
        ("reviewed", "", "审核结果已保存，已通知本人"),
        ("revoked", "", "已撤销该实名认证，已通知本人"),
    ]);
    view! {
        <Title text="实名审核" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! {
                        <div class="mb-4 flex items-center justify-between">
                            <h1 class="text-xl font-semibold text-slate-900">{format!("实名审核：{}", d.name)}</h1>
                            <a href="/admin/identity" class=SECONDARY_BUTTON>"返回列表"</a>
                        </div>
                        <div class="space-y-4">
                            <Notice message=notice />
                            <Card title="提交的身份信息">
                                <dl class="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
                                    <InfoRow label="真实姓名" value=d.name.clone() />
                                    <InfoRow label="身份证号" value=d.id_number.clone() />
                                    <InfoRow label="性别" value=d.gender.clone() />
                                    <InfoRow label="出生日期" value=d.birth_date.clone() />
                                    <InfoRow label="账号手机号" value=d.phone_masked.clone() />
                                    <InfoRow label="提交时间" value=format_datetime(d.submitted_at) />
                                    <InfoRow label="状态" value=d.status.label().to_owned() />
                                    {(!d.reason.is_empty()).then(|| view! { <InfoRow label="原因" value=d.reason.clone() /> })}
                                    {(d.earlier_submissions > 0).then(|| view! {
                                        <InfoRow label="此前提交" value=format!("{} 次", d.earlier_submissions) />
                                    })}
                                </dl>
                                {d.id_number_held_elsewhere.then(|| view! {
                                    <p role="note" class="mt-3 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800">
                                        "该身份证号已被其他账号使用，不能通过。请驳回，并在原因中说明申诉方式。"
                                    </p>
                                })}
                            </Card>
                            <Card title="身份证照片">
                                <div class="grid gap-4 sm:grid-cols-2">
                                    <figure>
                                        <a href=d.front_url.clone()><img src=d.front_url.clone() alt="身份证正面照片（人像面）" class="w-full rounded border border-slate-200" /></a>
                                        <figcaption class="mt-1 text-sm text-slate-500">"正面（人像面）"</figcaption>
                                    </figure>
                                    <figure>
                                        <a href=d.back_url.clone()><img src=d.back_url.clone() alt="身份证反面照片（国徽面）" class="w-full rounded border border-slate-200" /></a>
                                        <figcaption class="mt-1 text-sm text-slate-500">"反面（国徽面）"</figcaption>
                                    </figure>
                                </div>
                            </Card>
                            {(d.status == ReviewStatus::Pending).then(|| view! {
                                <Card title="审核">
                                    <ActionForm action=review attr:class="space-y-3">
                                        <FormError error=review_error />
                                        <input type="hidden" name="id" value=d.id />
                                        <label for="reason" class=LABEL>"不通过原因（驳回时必填，本人可见）"</label>
                                        <textarea id="reason" name="reason" rows="3" class=INPUT></textarea>
                                        <div class="flex gap-3">
                                            <button type="submit" name="decision" value="approve" class=PRIMARY_BUTTON>"通过"</button>
                                            <button type="submit" name="decision" value="reject" class=SECONDARY_BUTTON>"驳回"</button>
                                        </div>
                                    </ActionForm>
                                </Card>
                            })}
                            {(d.status == ReviewStatus::Approved).then(|| view! {
                                <Card title="撤销认证">
                                    <ActionForm action=revoke attr:class="space-y-3">
                                        <FormError error=revoke_error />
                                        <input type="hidden" name="id" value=d.id />
                                        <label for="revoke-reason" class=LABEL>"撤销原因（必填，本人可见）"</label>
                                        <textarea id="revoke-reason" name="reason" rows="3" class=INPUT></textarea>
                                        <p class="text-xs text-slate-500">"撤销后该账号不再是实名账号，身份证号被释放，本人可重新提交实名认证。"</p>
                                        <button type="submit" class=SECONDARY_BUTTON>"撤销认证"</button>
                                    </ActionForm>
                                </Card>
                            })}
                        </div>
                    }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
