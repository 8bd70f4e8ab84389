//! 实名审核 (admin console): the 实名认证 submissions the identity provider left to a
//! person. The platform admin and the authority see the photos, the name and the ID
//! number, and decide: 通过, or 驳回 with a reason the trainee sees (and may then submit
//! again); a verification already granted can be revoked (撤销认证) with a reason.

use crate::shell::page_data::PageData;
#[cfg(feature = "ssr")]
use crate::state::app_state;
use crate::{
    error::AppResult,
    platform::{paging::Page, time::format_datetime},
    shell::{
        components::{
            Card, EmptyState, FormError, INPUT, InfoRow, LABEL, Notice, PRIMARY_BUTTON, Pager,
            SECONDARY_BUTTON, notice_from_query,
        },
        errors::ErrorPage,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::{
        roles::Role,
        server::{guard, identity_reviews},
    },
    crate::{
        error::AppError,
        platform::{
            paging::clamp_page,
            server::{
                request::{client_ip, request_parts},
                respond,
            },
            time::now_ms,
        },
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Pending,
    Approved,
    Rejected,
    Revoked,
}

impl ReviewStatus {
    pub const ALL: [Self; 4] = [Self::Pending, Self::Approved, Self::Rejected, Self::Revoked];

    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Revoked => "revoked",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "待审核",
            Self::Approved => "已通过",
            Self::Rejected => "未通过",
            Self::Revoked => "已撤销",
        }
    }
}

crate::stored_code!(ReviewStatus);

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
        let reviewer = guard::require_any_role(REVIEWERS).await?;
        let status = status.as_deref().and_then(ReviewStatus::from_code).unwrap_or(ReviewStatus::Pending);
        identity_reviews::list(&app_state()?, &reviewer, status, clamp_page(page, 10_000)).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/identity/get")]
pub async fn get_identity_review(id: i64) -> AppResult<IdentityReviewDetail> {
    respond(async move {
        let reviewer = guard::require_any_role(REVIEWERS).await?;
        identity_reviews::detail(&app_state()?, &reviewer, id).await
    })
    .await
}

/// `decision`: `approve` (通过) or `reject` (驳回, with `reason`).
#[server(prefix = "/api", endpoint = "admin/identity/review")]
pub async fn review_identity(id: i64, decision: String, #[server(default)] reason: String) -> AppResult<()> {
    respond(async move {
        let reviewer = guard::require_any_role(REVIEWERS).await?;
        let approve = match decision.as_str() {
            "approve" => true,
            "reject" => false,
            _ => return Err(AppError::bad_request("请选择审核结果")),
        };
        let state = app_state()?;
        let ip = client_ip(&request_parts()?, &state.config);
        identity_reviews::decide(&state, &reviewer, id, approve, &reason, &ip, now_ms()).await?;
        leptos_axum::redirect(&format!("/admin/identity/{id}?reviewed=1"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/identity/revoke")]
pub async fn revoke_identity(id: i64, #[server(default)] reason: String) -> AppResult<()> {
    respond(async move {
        let reviewer = guard::require_any_role(REVIEWERS).await?;
        let state = app_state()?;
        let ip = client_ip(&request_parts()?, &state.config);
        identity_reviews::revoke(&state, &reviewer, id, &reason, &ip, now_ms()).await?;
        leptos_axum::redirect(&format!("/admin/identity/{id}?revoked=1"));
        Ok(())
    })
    .await
}

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
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) => {
                        let status = status().unwrap_or_else(|| "pending".to_owned());
                        let total_pages = page.total_pages();
                        let current = page.page;
                        view! {
                            <Card>
                                {if page.items.is_empty() {
                                    view! { <EmptyState message="没有记录" /> }.into_any()
                                } else {
                                    view! {
                                        <ul class="divide-y divide-slate-100">
                                            {page.items.into_iter().map(|r| view! {
                                                <li class="flex flex-wrap items-center gap-x-3 gap-y-1 py-3">
                                                    <a href=format!("/admin/identity/{}", r.id) class="min-w-0 flex-1 font-medium text-slate-900 hover:text-blue-700">{r.name}</a>
                                                    <span class="text-sm text-slate-500">{r.id_number_masked}</span>
                                                    <span class="text-sm text-slate-500">{r.phone_masked}</span>
                                                    <time class="text-xs text-slate-400">{format_datetime(r.submitted_at)}</time>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </Card>
                            <Pager page=current total_pages href=move |p| format!("/admin/identity?status={status}&page={p}") />
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
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
