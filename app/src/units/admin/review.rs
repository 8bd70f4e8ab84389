//! The authority's review of unit registrations (单位审核), scoped to its region. Its
//! server functions are in `units::api`.

use crate::{
    platform::{paging::Page, time::format_datetime},
    shell::{
        components::{
            Card, FormError, INPUT, InfoRow, LABEL, Notice, PRIMARY_BUTTON, PagedList, SECONDARY_BUTTON,
        },
        errors::ErrorPage,
        frame::Loaded,
        page_data::PageData,
    },
    units::{
        api::{ReviewUnit, UnitApplicationLine, get_unit_application, list_unit_applications},
        domain::UnitStatus,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn UnitReviewList() -> impl IntoView {
    let query = use_query_map();
    let status = move || query.read().get("status");
    let page = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok());
    let list = PageData::new(list_unit_applications(status(), page()));
    let tab = move |code: &'static str| {
        let active = status().as_deref().unwrap_or("pending") == code;
        if active {
            "rounded-full bg-blue-700 px-3 py-1.5 text-sm text-white"
        } else {
            "rounded-full border border-slate-200 bg-white px-3 py-1.5 text-sm text-slate-600"
        }
    };
    view! {
        <Title text="单位注册审核" />
        <h1 class="mb-3 text-xl font-semibold text-slate-900">"单位注册审核"</h1>
        <nav aria-label="审核状态" class="mb-4 flex gap-2">
            {[UnitStatus::Pending, UnitStatus::Approved, UnitStatus::Rejected].into_iter().map(|s| view! {
                <a href=format!("/admin/units?status={}", s.code()) class=move || tab(s.code())>{s.label()}</a>
            }).collect_view()}
        </nav>
        <Loaded data=list render={move |page: Page<UnitApplicationLine>| {
            let status = status().unwrap_or_else(|| "pending".to_owned());
            view! {
                <PagedList
                    page
                    empty="没有记录"
                    href={move |p| format!("/admin/units?status={status}&page={p}")}
                    row={|u: UnitApplicationLine| view! {
                        <li class="flex flex-wrap items-center gap-x-3 gap-y-1 py-3">
                            <a href=format!("/admin/units/{}", u.id) class="min-w-0 flex-1 font-medium text-slate-900 hover:text-blue-700">{u.name}</a>
                            <span class="text-sm text-slate-500">{u.credit_code}</span>
                            <span class="text-sm text-slate-500">{u.region_name}</span>
                            <time class="text-xs text-slate-400">{format_datetime(u.created_at)}</time>
                        </li>
                    }}
                />
            }
        }} />
    }
}

#[component]
pub fn UnitReviewDetail() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let review = ServerAction::<ReviewUnit>::new();
    let detail = PageData::new(get_unit_application(id()));
    let error = Signal::derive(move || review.value().get().and_then(Result::err));
    let notice = Signal::derive(move || {
        query.read().get("reviewed").map(|_| "审核结果已保存，已通知申请人".to_owned())
    });
    view! {
        <Title text="单位注册审核" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => {
                        let pending = d.status == UnitStatus::Pending;
                        view! {
                            <div class="mb-4 flex items-center justify-between">
                                <h1 class="text-xl font-semibold text-slate-900">{d.name.clone()}</h1>
                                <a href="/admin/units" class=SECONDARY_BUTTON>"返回列表"</a>
                            </div>
                            <div class="space-y-4">
                                <Notice message=notice />
                                <Card title="单位信息">
                                    <dl class="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
                                        <InfoRow label="统一社会信用代码" value=d.credit_code.clone() />
                                        <InfoRow label="单位性质" value=d.nature.clone() />
                                        <InfoRow label="所属行业" value=d.industry.clone() />
                                        <InfoRow label="行业主管部门" value=d.supervisor.clone() />
                                        <InfoRow label="单位级别" value=d.level.clone() />
                                        <InfoRow label="所在地区" value=d.region_name.clone() />
                                        <InfoRow label="详细地址" value=d.address.clone() />
                                        <InfoRow label="申请人" value=format!("{}（{}）", d.applicant_name, d.applicant_phone_masked) />
                                        <InfoRow label="申请时间" value=format_datetime(d.created_at) />
                                        <InfoRow label="状态" value=d.status.label().to_owned() />
                                        {(!d.review_reason.is_empty()).then(|| view! { <InfoRow label="未通过原因" value=d.review_reason.clone() /> })}
                                    </dl>
                                    {d.licence_url.clone().map(|url| view! {
                                        <a href=url class="mt-3 inline-block text-blue-700 hover:underline">"查看营业执照扫描件"</a>
                                    })}
                                </Card>
                                {pending.then(|| view! {
                                    <Card title="审核">
                                        <ActionForm action=review attr:class="space-y-3">
                                            <FormError error />
                                            <input type="hidden" name="id" value=d.id />
                                            <label for="reason" class=LABEL>"不通过原因（驳回时必填）"</label>
                                            <textarea id="reason" name="reason" rows="3" class=INPUT></textarea>
                                            <div class="flex gap-3">
                                                <button type="submit" name="decision" value="approve" class=PRIMARY_BUTTON>"审核通过"</button>
                                                <button type="submit" name="decision" value="reject" class=SECONDARY_BUTTON>"驳回"</button>
                                            </div>
                                        </ActionForm>
                                    </Card>
                                })}
                            </div>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
