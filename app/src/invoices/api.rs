//! Server functions of invoices: the trainee's application and downloads, finance's
//! queue, issuing (multipart: the PDF may be uploaded), refusing and voiding.

use crate::{
    accounts::domain::invoice_rules::InvoiceTitle,
    error::AppResult,
    platform::{money::Fen, paging::Page},
};
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::{
        domain::ApplicationInput,
        server::{
            repo,
            service::{self, IssuedPdf},
        },
    },
    crate::{
        accounts::domain::roles::Role,
        error::AppError,
        platform::{
            paging::clamp_page,
            server::{multipart::MultipartForm, respond},
        },
        state::Ctx,
    },
};

use super::domain::InvoiceStatus;

/// What the 申请开票 form needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyContext {
    pub registration_id: i64,
    pub class_title: String,
    pub order_no: String,
    /// What the invoice would show for this order (paid less refunded).
    pub amount_fen: Fen,
    pub titles: Vec<InvoiceTitle>,
    /// The 同单位合开 note given at registration, as a start for the application's.
    pub joint_note: String,
    /// Whether the trainee belongs to a unit (同单位合开 needs one).
    pub in_unit: bool,
    /// Why no application can be made now.
    pub refusal: Option<String>,
}

/// An invoice as a covered trainee sees it (发票下载).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyInvoice {
    pub id: i64,
    pub status: InvoiceStatus,
    pub title: String,
    pub amount_fen: Fen,
    pub invoice_no: String,
    pub issued_on: String,
    /// `/files/<id>` once issued.
    pub download_url: Option<String>,
    /// The trainee's own orders on it.
    pub my_orders: Vec<String>,
    /// How many orders it covers in all (more than one: 同单位合开).
    pub order_count: i64,
    pub note: String,
    /// Finance's reason for refusing, or the 作废原因.
    pub reason: String,
    pub applied_by_me: bool,
    pub created_at: i64,
}

/// An invoice in finance's console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinanceInvoice {
    pub id: i64,
    pub status: InvoiceStatus,
    pub applicant: String,
    pub title: String,
    pub tax_number: String,
    pub email: String,
    pub amount_fen: Fen,
    /// "订单号 姓名 班级" per covered order.
    pub orders: Vec<String>,
    pub note: String,
    pub invoice_no: String,
    pub issued_on: String,
    pub download_url: Option<String>,
    pub reason: String,
    pub created_at: i64,
}

#[server(prefix = "/api", endpoint = "me/invoices/apply-context")]
pub async fn load_invoice_apply(registration_id: i64) -> AppResult<ApplyContext> {
    respond(async move { service::apply_context(&Ctx::require_user().await?, registration_id).await }).await
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
        let cx = Ctx::require_user().await?;
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
        let title = service::chosen_title(&cx, saved, typed).await?;
        let input =
            ApplicationInput { title, email: form.email, joint_orders: form.joint_orders, note: form.note };
        let save_title = saved.is_none() && !form.save_title.is_empty();
        service::apply(&cx, registration_id, &input, save_title).await?;
        leptos_axum::redirect("/me/fapiao?applied=1");
        Ok(())
    })
    .await
}
#[server(prefix = "/api", endpoint = "me/invoices")]
pub async fn load_my_invoices() -> AppResult<Vec<MyInvoice>> {
    respond(async move {
        let cx = Ctx::require_user().await?;
        repo::mine(&cx.state.db, cx.user.id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "finance/invoices/list")]
pub async fn list_invoices(
    #[server(default)] status: String,
    page: Option<u32>,
) -> AppResult<Page<FinanceInvoice>> {
    respond(async move {
        let cx = Ctx::require_any(FINANCE).await?;
        repo::queue(&cx.state.db, InvoiceStatus::from_code(status.trim()), clamp_page(page, 10_000)).await
    })
    .await
}

/// 开具发票, a multipart form: `invoice_id`, `invoice_no`, `issued_on`, `source`
/// (`generate`: the platform draws the PDF; `upload`: the tax system's PDF in `file`).
#[server(prefix = "/api", endpoint = "finance/invoices/issue/upload", input = MultipartFormData)]
pub async fn issue_invoice(data: MultipartData) -> AppResult<()> {
    respond(async move {
        let cx = Ctx::require_any(FINANCE).await?;
        let mut form = MultipartForm::read(data, &["file"]).await?;
        let invoice_id = form.id("invoice_id").ok_or_else(|| AppError::bad_request("缺少发票申请编号"))?;
        let upload = form.take_file("file", "发票.pdf");
        let pdf = match (form.text("source").as_str(), upload) {
            ("generate", _) => IssuedPdf::Generate,
            ("upload", Some(file)) => IssuedPdf::Upload { filename: file.filename, bytes: file.bytes },
            ("upload", None) => return Err(AppError::invalid_field("file", "请选择税务系统开具的PDF文件")),
            _ => return Err(AppError::invalid_field("source", "请选择发票文件的来源")),
        };
        service::issue(&cx, invoice_id, &form.text("invoice_no"), &form.text("issued_on"), pdf).await?;
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
        let cx = Ctx::require_any(FINANCE).await?;
        match action.as_str() {
            "reject" => service::reject(&cx, invoice_id, &reason).await?,
            "void" => service::void(&cx, invoice_id, &reason).await?,
            _ => return Err(AppError::bad_request("请选择操作")),
        }
        leptos_axum::redirect(&format!("/admin/finance/invoices?{action}ed=1"));
        Ok(())
    })
    .await
}

/// Who keeps the invoices.
#[cfg(feature = "ssr")]
const FINANCE: &[Role] = &[Role::Finance, Role::PlatformAdmin];
