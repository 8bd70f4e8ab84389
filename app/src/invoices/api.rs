//! Server functions of invoices: the trainee's application and downloads, finance's
//! queue, issuing (multipart: the PDF may be uploaded), refusing and voiding.

use super::{ApplyContext, FinanceInvoice, MyInvoice};
#[cfg(feature = "ssr")]
use crate::state::app_state;
use crate::{error::AppResult, platform::paging::Page};
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::{
        domain::{ApplicationInput, InvoiceStatus},
        server::{self, IssuedPdf},
    },
    crate::{
        accounts::{invoice_rules::InvoiceTitle, roles::Role, server::guard},
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

#[server(prefix = "/api", endpoint = "me/invoices/apply-context")]
pub async fn load_invoice_apply(registration_id: i64) -> AppResult<ApplyContext> {
    respond(async move {
        let user = guard::require_user().await?;
        server::apply_context(&app_state()?, user.id, registration_id).await
    })
    .await
}

/// The 申请开票 form as posted (a flattened form reaches serde as strings).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyForm {
    pub registration_id: String,
    /// A saved title's id; empty: the typed title below.
    #[serde(default)]
    pub title_id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub tax_number: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub bank_name: String,
    #[serde(default)]
    pub bank_account: String,
    #[serde(default)]
    pub email: String,
    /// Colleagues' order numbers (同单位合开).
    #[serde(default)]
    pub joint_orders: String,
    #[serde(default)]
    pub note: String,
    /// "on" to keep a typed title in 发票信息.
    #[serde(default)]
    pub save_title: String,
}

/// 申请开票. A saved title, or the typed one (kept in 发票信息 when asked).
#[server(prefix = "/api", endpoint = "me/invoices/apply")]
pub async fn apply_invoice(#[server(flatten)] form: ApplyForm) -> AppResult<()> {
    respond(async move {
        let user = guard::require_user().await?;
        let state = app_state()?;
        let registration_id =
            form.registration_id.trim().parse::<i64>().map_err(|_| AppError::bad_request("订单不存在"))?;
        let saved = form.title_id.trim().parse::<i64>().ok().filter(|id| *id > 0);
        let typed = InvoiceTitle {
            id: 0,
            title: form.title,
            tax_number: form.tax_number,
            address: form.address,
            phone: form.phone,
            bank_name: form.bank_name,
            bank_account: form.bank_account,
            is_default: false,
        };
        let title = server::chosen_title(&state, user.id, saved, typed).await?;
        let input =
            ApplicationInput { title, email: form.email, joint_orders: form.joint_orders, note: form.note };
        let save_title = saved.is_none() && !form.save_title.is_empty();
        server::apply(&state, &user, registration_id, &input, save_title, now_ms()).await?;
        leptos_axum::redirect("/me/fapiao?applied=1");
        Ok(())
    })
    .await
}
#[server(prefix = "/api", endpoint = "me/invoices")]
pub async fn load_my_invoices() -> AppResult<Vec<MyInvoice>> {
    respond(async move {
        let user = guard::require_user().await?;
        server::mine(&app_state()?, user.id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "finance/invoices/list")]
pub async fn list_invoices(
    #[server(default)] status: String,
    page: Option<u32>,
) -> AppResult<Page<FinanceInvoice>> {
    respond(async move {
        guard::require_any_role(&[Role::Finance, Role::PlatformAdmin]).await?;
        server::queue(&app_state()?, InvoiceStatus::from_code(status.trim()), clamp_page(page, 10_000)).await
    })
    .await
}

/// 开具发票, a multipart form: `invoice_id`, `invoice_no`, `issued_on`, `source`
/// (`generate`: the platform draws the PDF; `upload`: the tax system's PDF in `file`).
#[server(prefix = "/api", endpoint = "finance/invoices/issue/upload", input = MultipartFormData)]
pub async fn issue_invoice(data: MultipartData) -> AppResult<()> {
    respond(async move {
        let finance = guard::require_any_role(&[Role::Finance, Role::PlatformAdmin]).await?;
        let state = app_state()?;
        let ip = client_ip(&request_parts()?, &state.config);
        let mut data = data.into_inner().ok_or_else(|| AppError::bad_request("请求格式不正确"))?;
        let (mut invoice_id, mut invoice_no, mut issued_on, mut source) =
            (None, String::new(), String::new(), String::new());
        let mut upload: Option<(String, bytes::Bytes)> = None;
        while let Ok(Some(field)) = data.next_field().await {
            match field.name().unwrap_or_default() {
                "invoice_id" => {
                    invoice_id = field.text().await.ok().and_then(|t| t.trim().parse::<i64>().ok())
                }
                "invoice_no" => invoice_no = field.text().await.unwrap_or_default(),
                "issued_on" => issued_on = field.text().await.unwrap_or_default(),
                "source" => source = field.text().await.unwrap_or_default(),
                "file" => {
                    let filename = field.file_name().unwrap_or("发票.pdf").to_owned();
                    let bytes =
                        field.bytes().await.map_err(|_| AppError::bad_request("文件上传不完整，请重试"))?;
                    if !bytes.is_empty() {
                        upload = Some((filename, bytes));
                    }
                }
                _ => {}
            }
        }
        let invoice_id = invoice_id.ok_or_else(|| AppError::bad_request("缺少发票申请编号"))?;
        let pdf = match (source.as_str(), upload) {
            ("generate", _) => IssuedPdf::Generate,
            ("upload", Some((filename, bytes))) => IssuedPdf::Upload { filename, bytes },
            ("upload", None) => return Err(AppError::invalid_field("file", "请选择税务系统开具的PDF文件")),
            _ => return Err(AppError::invalid_field("source", "请选择发票文件的来源")),
        };
        server::issue(&state, &finance, invoice_id, &invoice_no, &issued_on, pdf, &ip).await?;
        leptos_axum::redirect("/admin/finance/invoices?issued=1");
        Ok(())
    })
    .await
}

/// 驳回 (a requested invoice) or 作废 (an issued one), each with its reason.
#[server(prefix = "/api", endpoint = "finance/invoices/close")]
pub async fn close_invoice(
    invoice_id: i64,
    action: String,
    #[server(default)] reason: String,
) -> AppResult<()> {
    respond(async move {
        let finance = guard::require_any_role(&[Role::Finance, Role::PlatformAdmin]).await?;
        let state = app_state()?;
        let ip = client_ip(&request_parts()?, &state.config);
        match action.as_str() {
            "reject" => server::reject(&state, &finance, invoice_id, &reason, &ip).await?,
            "void" => server::void(&state, &finance, invoice_id, &reason, &ip).await?,
            _ => return Err(AppError::bad_request("请选择操作")),
        }
        leptos_axum::redirect(&format!("/admin/finance/invoices?{action}ed=1"));
        Ok(())
    })
    .await
}
