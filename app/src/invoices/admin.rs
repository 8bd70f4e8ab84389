//! 财务 → 发票管理: the queue of applications (开具 with number, date and PDF, or
//! 驳回), and issued invoices (作废 with the required reason).

use super::{
    FinanceInvoice,
    api::{CloseInvoice, IssueInvoice, list_invoices},
    domain::InvoiceStatus,
};
use crate::shell::page_data::PageData;
use crate::{
    platform::{paging::Page, time::format_datetime},
    shell::{
        components::{
            Card, EmptyState, FormError, INPUT, LABEL, Notice, PRIMARY_BUTTON, Pager, SECONDARY_BUTTON,
            notice_from_query, url_error,
        },
        frame::Loaded,
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const TAB: &str = "rounded-md px-3 py-1.5 text-sm text-slate-600 aria-[current=page]:bg-white aria-[current=page]:font-medium aria-[current=page]:text-blue-700 aria-[current=page]:shadow-sm";

#[component]
pub fn InvoicesPage() -> impl IntoView {
    let query = use_query_map();
    let status =
        move || query.read().get("status").unwrap_or_else(|| InvoiceStatus::Requested.code().to_owned());
    let page = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok());
    let list = PageData::new(list_invoices(status(), page()));
    let close = ServerAction::<CloseInvoice>::new();
    let issue_error = url_error::<IssueInvoice>();
    let error =
        Signal::derive(move || close.value().get().and_then(Result::err).or_else(|| issue_error.get()));
    let notice = notice_from_query(&[
        ("issued", "", "发票已开具，已通知学员"),
        ("rejected", "", "已驳回开票申请"),
        ("voided", "", "发票已作废，已通知学员"),
    ]);
    view! {
        <Title text="发票管理" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"发票管理"</h1>
        <nav aria-label="发票状态" class="mb-4 inline-flex gap-1 rounded-lg bg-slate-100 p-1">
            {[("requested", "待开票"), ("issued", "已开票"), ("", "全部")].into_iter().map(|(code, label)| view! {
                <a href=format!("/admin/finance/invoices?status={code}") class=TAB
                    aria-current=move || (status() == code).then_some("page")>{label}</a>
            }).collect_view()}
        </nav>
        <div class="space-y-4">
            <Notice message=notice />
            <FormError error />
            <Loaded data=list render={move |p: Page<FinanceInvoice>| {
                    match p {
                        p if p.items.is_empty() => view! { <Card><EmptyState message="没有发票" /></Card> }.into_any(),
                        p => {
                            let (current, pages) = (p.page, p.total_pages());
                            let code = status();
                            view! {
                                <ul class="space-y-3" aria-label="发票列表">
                                    {p.items.into_iter().map(|i| view! { <InvoiceItem invoice=i close /> }).collect_view()}
                                </ul>
                                <Pager page=current total_pages=pages href=move |n| format!("/admin/finance/invoices?status={code}&page={n}") />
                            }.into_any()
                        }
                    }
                }} />
        </div>
    }
}

#[component]
fn InvoiceItem(invoice: FinanceInvoice, close: ServerAction<CloseInvoice>) -> impl IntoView {
    let i = invoice;
    // Pages render on the server only (islands): the date field starts at today there.
    #[cfg(feature = "ssr")]
    let today = crate::platform::time::format_date(crate::platform::time::now_ms());
    #[cfg(not(feature = "ssr"))]
    let today = String::new();
    view! {
        <li class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
            <div class="flex flex-wrap items-start gap-2">
                <p class="min-w-0 flex-1 font-medium text-slate-900">{format!("{} · {}", i.title, i.amount_fen)}</p>
                <span class=format!("inline-flex shrink-0 rounded-full px-2.5 py-0.5 text-xs font-medium ring-1 ring-inset {}", i.status.tag_class())>
                    {i.status.label()}
                </span>
            </div>
            <p class="mt-1 text-sm text-slate-600">
                {format!("申请人 {} · 申请于 {}", i.applicant, format_datetime(i.created_at))}
                {(!i.tax_number.is_empty()).then(|| format!(" · 税号 {}", i.tax_number))}
                {(!i.email.is_empty()).then(|| format!(" · 邮箱 {}", i.email))}
            </p>
            <ul class="mt-2 list-inside list-disc text-sm text-slate-700">
                {i.orders.iter().map(|o| view! { <li>{o.clone()}</li> }).collect_view()}
            </ul>
            {(!i.note.is_empty()).then(|| view! { <p class="mt-1 text-sm text-slate-600">{format!("备注：{}", i.note)}</p> })}
            {(!i.invoice_no.is_empty()).then(|| view! {
                <p class="mt-1 text-sm text-slate-900">{format!("发票号码 {} · 开票日期 {}", i.invoice_no, i.issued_on)}</p>
            })}
            {(!i.reason.is_empty()).then(|| view! { <p class="mt-1 text-sm text-red-700">{format!("原因：{}", i.reason)}</p> })}
            {i.download_url.clone().map(|url| view! { <a href=url class="mt-1 inline-block text-sm text-blue-700 hover:underline">"查看PDF"</a> })}
            {match i.status {
                InvoiceStatus::Requested => view! {
                    <form method="post" enctype="multipart/form-data" action=IssueInvoice::url()
                        class="mt-3 grid gap-3 border-t border-slate-100 pt-3 sm:grid-cols-2" aria-label=format!("开具发票 {}", i.id)>
                        <input type="hidden" name="invoice_id" value=i.id />
                        <div>
                            <label class=LABEL for=format!("no-{}", i.id)>"发票号码"</label>
                            <input id=format!("no-{}", i.id) name="invoice_no" class=INPUT inputmode="numeric" maxlength="20" />
                        </div>
                        <div>
                            <label class=LABEL for=format!("date-{}", i.id)>"开票日期"</label>
                            <input id=format!("date-{}", i.id) name="issued_on" type="date" value=today.clone() class=INPUT />
                        </div>
                        <fieldset class="sm:col-span-2">
                            <legend class=LABEL>"发票文件"</legend>
                            <div class="mt-1 flex flex-wrap gap-4 text-sm">
                                <label class="flex items-center gap-2"><input type="radio" name="source" value="generate" checked=true />"由平台根据订单生成"</label>
                                <label class="flex items-center gap-2"><input type="radio" name="source" value="upload" />"上传税务系统开具的PDF"</label>
                            </div>
                            <input name="file" type="file" accept="application/pdf" class="mt-2 block w-full text-sm" aria-label=format!("发票PDF {}", i.id) />
                        </fieldset>
                        <div class="sm:col-span-2">
                            <button type="submit" class=PRIMARY_BUTTON>"开具发票"</button>
                        </div>
                    </form>
                    <CloseForm close invoice_id=i.id action="reject" class="mt-3 flex flex-wrap items-end gap-3"
                        form_label=format!("驳回开票 {}", i.id) reason_label="驳回原因" button="驳回" />
                }.into_any(),
                InvoiceStatus::Issued => view! {
                    <CloseForm close invoice_id=i.id action="void" class="mt-3 flex flex-wrap items-end gap-3 border-t border-slate-100 pt-3"
                        form_label=format!("作废发票 {}", i.invoice_no) reason_label="作废原因" button="作废" />
                }.into_any(),
                _ => ().into_any(),
            }}
        </li>
    }
}

/// 驳回 (a requested invoice) or 作废 (an issued one): the same form with its reason,
/// `action` naming which (and the reason field's id prefix).
#[component]
fn CloseForm(
    close: ServerAction<CloseInvoice>,
    invoice_id: i64,
    action: &'static str,
    class: &'static str,
    form_label: String,
    reason_label: &'static str,
    button: &'static str,
) -> impl IntoView {
    let reason_id = format!("{action}-{invoice_id}");
    view! {
        <ActionForm action=close attr:class=class attr:aria-label=form_label>
            <input type="hidden" name="invoice_id" value=invoice_id />
            <input type="hidden" name="action" value=action />
            <div class="min-w-0 flex-1">
                <label class=LABEL for=reason_id.clone()>{reason_label}</label>
                <input id=reason_id name="reason" class=INPUT maxlength="200" />
            </div>
            <button type="submit" class=SECONDARY_BUTTON>{button}</button>
        </ActionForm>
    }
}
