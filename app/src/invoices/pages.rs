//! The trainee's 申请开票 form and 发票下载 list.

use super::{
    ApplyContext,
    api::{ApplyInvoice, load_invoice_apply, load_my_invoices},
    domain::InvoiceStatus,
};
use crate::shell::page_data::PageData;
use crate::{
    platform::time::format_datetime,
    shell::{
        components::{
            Card, EmptyState, Field, FormError, INPUT, InfoRow, LABEL, Notice, PRIMARY_BUTTON,
            notice_from_query,
        },
        errors::{ErrorPage, LoginRequiredPage},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn InvoiceApplyPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let context = PageData::new(load_invoice_apply(id()));
    view! {
        <Title text="申请开票" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match context.await {
                    Ok(context) => view! { <ApplyForm context /> }.into_any(),
                    Err(e) if e.kind == crate::error::ErrorKind::Unauthenticated => view! { <LoginRequiredPage next="/me/orders" /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ApplyForm(context: ApplyContext) -> impl IntoView {
    let apply = ServerAction::<ApplyInvoice>::new();
    let error = Signal::derive(move || apply.value().get().and_then(Result::err));
    let field_error =
        move |field: &'static str| move || error.get().and_then(|e| e.field(field).map(str::to_owned));
    let has_titles = !context.titles.is_empty();
    view! {
        <div class="mx-auto max-w-2xl space-y-4">
            <a href=format!("/me/exams/{}", context.registration_id) class="text-sm text-blue-700 hover:underline">"‹ 报名详情"</a>
            <h1 class="text-xl font-semibold text-slate-900">"申请开票"</h1>
            <Card>
                <p class="font-medium text-slate-900">{context.class_title.clone()}</p>
                <dl class="mt-3 grid gap-2 text-sm">
                    <InfoRow label="订单号" value=context.order_no.clone() />
                    <InfoRow label="开票金额" value=context.amount_fen.to_string() />
                    <InfoRow label="发票类型" value="增值税电子普通发票" />
                </dl>
            </Card>
            {match context.refusal.clone() {
                Some(message) => view! {
                    <Card>
                        <p role="alert" class="text-sm text-amber-800">{message}</p>
                        <a href="/me/fapiao" class="mt-2 inline-block text-sm text-blue-700 hover:underline">"发票下载"</a>
                    </Card>
                }.into_any(),
                None => view! {
                    <ActionForm action=apply attr:class="space-y-4" attr:novalidate="">
                        <FormError error />
                        <input type="hidden" name="registration_id" value=context.registration_id />
                        <Card title="发票抬头">
                            <div class="space-y-3">
                                {has_titles.then(|| view! {
                                    <div>
                                        <label for="title_id" class=LABEL>"选择已保存的抬头"</label>
                                        <select id="title_id" name="title_id" class=INPUT aria-describedby="title_id-error">
                                            {context.titles.iter().map(|t| view! {
                                                <option value=t.id selected=t.is_default>
                                                    {if t.tax_number.is_empty() { t.title.clone() } else { format!("{}（{}）", t.title, t.tax_number) }}
                                                </option>
                                            }).collect_view()}
                                            <option value="">"+ 使用新的抬头（填写下方信息）"</option>
                                        </select>
                                        <p id="title_id-error" class="mt-1 text-sm text-red-600">{field_error("title_id")}</p>
                                    </div>
                                })}
                                <details open=!has_titles class="rounded-md border border-slate-200 p-3">
                                    <summary class="cursor-pointer text-sm font-medium text-slate-700">
                                        {if has_titles { "新的发票抬头" } else { "填写发票抬头" }}
                                    </summary>
                                    <div class="mt-3 grid gap-3 sm:grid-cols-2">
                                        <Field label="发票抬头" name="title" error placeholder="单位全称或个人姓名" />
                                        <Field label="纳税人识别号" name="tax_number" error hint="单位必填，个人可不填" maxlength=20 />
                                        <Field label="地址" name="address" error />
                                        <Field label="电话" name="phone" error input_type="tel" />
                                        <Field label="开户银行" name="bank_name" error />
                                        <Field label="银行账号" name="bank_account" error inputmode="numeric" />
                                    </div>
                                    <label class="mt-3 flex items-center gap-2 text-sm text-slate-700">
                                        <input type="checkbox" name="save_title" value="on" checked=true />
                                        "保存到“发票信息”"
                                    </label>
                                </details>
                                <Field label="接收电子发票的邮箱（选填）" name="email" error input_type="email" autocomplete="email" />
                            </div>
                        </Card>
                        <Card title="同单位合开（选填）">
                            <p class="mb-3 text-sm text-slate-600">
                                "同一单位多人报名、发票开在一起时，填写同事的订单号（可在其“我的订单”中查看），并在备注中写明合开人员。"
                            </p>
                            <div class="space-y-3">
                                <div>
                                    <label for="joint_orders" class=LABEL>"合开订单号"</label>
                                    <textarea id="joint_orders" name="joint_orders" rows="2" class=INPUT placeholder="每行一个订单号"
                                        disabled=!context.in_unit aria-describedby="joint_orders-error"></textarea>
                                    <p id="joint_orders-error" class="mt-1 text-sm text-red-600">
                                        {field_error("joint_orders")}
                                        {(!context.in_unit).then_some("加入单位并通过审核后才能同单位合开。")}
                                    </p>
                                </div>
                                <div>
                                    <label for="note" class=LABEL>"备注"</label>
                                    <textarea id="note" name="note" rows="2" maxlength="200" class=INPUT aria-describedby="note-error">{context.joint_note.clone()}</textarea>
                                    <p id="note-error" class="mt-1 text-sm text-red-600">{field_error("note")}</p>
                                </div>
                            </div>
                        </Card>
                        <button type="submit" class=format!("{PRIMARY_BUTTON} w-full")>"提交开票申请"</button>
                    </ActionForm>
                }.into_any(),
            }}
        </div>
    }
}

/// 发票下载: every invoice covering one of the trainee's orders, with its state.
#[component]
pub fn MyInvoicesPage() -> impl IntoView {
    let list = PageData::new(load_my_invoices());
    let notice = notice_from_query(&[("applied", "", "开票申请已提交，财务开具后可在此下载")]);
    view! {
        <Title text="发票下载" />
        <div class="mx-auto max-w-3xl space-y-4">
            <a href="/me" class="text-sm text-blue-700 hover:underline">"‹ 个人中心"</a>
            <h1 class="text-xl font-semibold text-slate-900">"发票下载"</h1>
            <Notice message=notice />
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(items) if items.is_empty() => view! {
                            <Card><EmptyState message="暂无发票。订单支付成功后，可在报名详情中申请开票。" /></Card>
                        }.into_any(),
                        Ok(items) => view! {
                            <ul class="space-y-3" aria-label="我的发票">
                                {items.into_iter().map(|i| view! {
                                    <li class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
                                        <div class="flex items-start gap-3">
                                            <p class="min-w-0 flex-1 font-medium text-slate-900">{i.title.clone()}</p>
                                            <span class=format!("inline-flex shrink-0 rounded-full px-2.5 py-0.5 text-xs font-medium ring-1 ring-inset {}", i.status.tag_class())>
                                                {i.status.label()}
                                            </span>
                                        </div>
                                        <dl class="mt-2 grid gap-1 text-sm">
                                            <InfoRow label="金额" value=i.amount_fen.to_string() />
                                            <InfoRow label="订单号" value=i.my_orders.join("、") />
                                            {(i.order_count > 1).then(|| view! { <InfoRow label="同单位合开" value=format!("共{}个订单", i.order_count) /> })}
                                            {(!i.invoice_no.is_empty()).then(|| view! { <InfoRow label="发票号码" value=i.invoice_no.clone() /> })}
                                            {(!i.issued_on.is_empty()).then(|| view! { <InfoRow label="开票日期" value=i.issued_on.clone() /> })}
                                            {(!i.note.is_empty()).then(|| view! { <InfoRow label="备注" value=i.note.clone() /> })}
                                            <InfoRow label="申请时间" value=format_datetime(i.created_at) />
                                        </dl>
                                        {(!i.reason.is_empty()).then(|| view! {
                                            <p class="mt-2 text-sm text-red-700">
                                                {if i.status == InvoiceStatus::Voided { "作废原因：" } else { "驳回原因：" }}{i.reason.clone()}
                                            </p>
                                        })}
                                        {i.download_url.clone().map(|url| view! {
                                            <a href=url class=format!("{PRIMARY_BUTTON} mt-3") download="">"下载发票（PDF）"</a>
                                        })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) if e.kind == crate::error::ErrorKind::Unauthenticated => view! { <LoginRequiredPage next="/me/fapiao" /> }.into_any(),
                        Err(error) => view! { <ErrorPage error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}
