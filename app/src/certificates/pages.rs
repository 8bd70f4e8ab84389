//! The holder's pages (我的证书, 继续教育证书打印, 培训证明 of a class) and the public
//! verification page `/verify/{serial}`.

use super::{
    api::{
        CertificateView, Verification, YearlyCheck, my_certificates, training_certificate,
        verify_certificate, yearly_certificate,
    },
    domain::Kind,
};
use crate::{
    catalogue::domain::Hours,
    credits::pages::YearCard,
    platform::time::format_date,
    shell::{
        components::{CARD_HEADING, Card, EmptyState, InfoRow, PRIMARY_BUTTON, SECONDARY_BUTTON, YearSelect},
        frame::Page,
        page_data::PageData,
    },
};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// 我的证书: every certificate, revoked ones marked, with 下载 and 验证.
#[component]
pub fn MyCertificatesPage() -> impl IntoView {
    let data = PageData::new(my_certificates());
    view! {
        <Page title="我的证书" data render={move |list: Vec<CertificateView>| view! {
            <p class="flex flex-wrap gap-3 text-sm">
                <a href="/me/certificates/yearly" class="text-blue-700 hover:underline">"继续教育证书打印"</a>
                <a href="/learn" class="text-blue-700 hover:underline">"我的班级（打印培训证明）"</a>
            </p>
            {if list.is_empty() {
                view! { <EmptyState message="还没有证书：完成培训班或达到年度学时要求后，证书即时发放" /> }.into_any()
            } else {
                view! {
                    <ul class="space-y-4" aria-label="证书">
                        {list.into_iter().map(|c| view! { <li><CertificateCard certificate=c /></li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        }} />
    }
}

/// One certificate: its facts, hours, status and links.
#[component]
pub fn CertificateCard(certificate: CertificateView) -> impl IntoView {
    let c = certificate;
    let (pdf, verify) = (c.pdf_href(), c.verify_href());
    let h = c.hours;
    let hours = format!(
        "公需 {} · 专业 {} · 选修 {} · 合计 {} 学时",
        Hours(h.public),
        Hours(h.professional),
        Hours(h.elective),
        Hours(h.total)
    );
    let revoked = c.revoked_at.map(|at| format!("已撤销（{}）：{}", format_date(at), c.revoke_reason));
    let heading = match c.kind {
        Kind::Yearly => c.title.clone(),
        Kind::Training => format!("培训证明 · {}", c.title),
    };
    let region = heading.clone();
    view! {
        <Card>
            <section aria-label=region>
                <div class="flex flex-wrap items-baseline gap-2">
                    <h2 class=CARD_HEADING>{heading}</h2>
                    {match &revoked {
                        Some(_) => view! { <span class="rounded bg-red-50 px-1.5 text-xs text-red-700 ring-1 ring-red-200">"已撤销"</span> }.into_any(),
                        None => view! { <span class="rounded bg-green-50 px-1.5 text-xs text-green-700 ring-1 ring-green-200">"有效"</span> }.into_any(),
                    }}
                </div>
                <dl class="mt-2 space-y-1 text-sm">
                    <InfoRow label="证书编号" value=c.serial.clone() />
                    <InfoRow label="年度" value=format!("{}年度", c.year) />
                    <InfoRow label="学时" value=hours />
                    <InfoRow label="发证单位" value=c.issuer.clone() />
                    <InfoRow label="发证日期" value=c.issued_on.clone() />
                </dl>
                {revoked.map(|text| view! { <p class="mt-2 text-sm text-red-700">{text}</p> })}
                <p class="mt-3 flex flex-wrap gap-3">
                    <a href=pdf class=PRIMARY_BUTTON download="">{match c.kind { Kind::Training => "打印培训证明", Kind::Yearly => "打印证书" }}</a>
                    <a href=verify class=SECONDARY_BUTTON>"验证真伪"</a>
                </p>
            </section>
        </Card>
    }
}

/// 继续教育证书打印: choose the year; 查询 shows whether it is due and what is missing.
#[component]
pub fn YearlyCertificatePage() -> impl IntoView {
    let year = use_query_map().with_untracked(|q| q.get("year").and_then(|y| y.parse::<i64>().ok()));
    let data = PageData::new(yearly_certificate(year));
    view! {
        <Page title="继续教育证书打印" data render={move |check: YearlyCheck| {
            let chosen = check.year;
            view! {
                <Card>
                    <form method="get" class="flex flex-wrap items-end gap-3" aria-label="选择年度">
                        <YearSelect years=check.years.clone() selected=chosen />
                        <button type="submit" class=SECONDARY_BUTTON>"查询"</button>
                    </form>
                </Card>
                {match check.certificate {
                    Some(certificate) => view! { <CertificateCard certificate /> }.into_any(),
                    None => view! {
                        <p role="status" class="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800">
                            {format!("{chosen}年度的学时尚未达到要求，暂不能打印证书。")}
                        </p>
                    }.into_any(),
                }}
                <YearCard completion=check.completion link=true />
            }
        }} />
    }
}

/// 打印培训证明 of one class.
#[component]
pub fn TrainingCertificatePage() -> impl IntoView {
    let class_id = use_params_map()
        .with_untracked(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()))
        .unwrap_or_default();
    let data = PageData::new(training_certificate(class_id));
    view! {
        <Page title="培训证明" data render={move |certificate: CertificateView| view! { <CertificateCard certificate /> }} />
    }
}

/// The public verification page: the full data and the status, never "not found" for
/// a certificate that exists (a revoked one says 已撤销).
#[component]
pub fn CertificateVerifyPage() -> impl IntoView {
    // `/verify/{serial}` from a QR code or a link, `/verify?serial=` from 证书查询's form.
    let query = use_query_map();
    let serial = use_params_map()
        .with_untracked(|p| p.get("serial"))
        .or_else(|| query.with_untracked(|q| q.get("serial")))
        .unwrap_or_default();
    let (key_id, signature) =
        query.with_untracked(|q| (q.get("k").unwrap_or_default(), q.get("s").unwrap_or_default()));
    let data = PageData::new(verify_certificate(serial, key_id, signature));
    view! {
        <Page title="证书验证" data render={move |v: Verification| {
            let c = v.certificate;
            let h = c.hours;
            let (status, class) = match (c.revoked_at, v.signature_valid, v.code_matches) {
                (Some(at), _, _) => (format!("已撤销：{}于 {} 撤销，原因：{}", c.kind.label(), format_date(at), c.revoke_reason), "border-red-200 bg-red-50 text-red-800"),
                (None, true, Some(false)) => ("二维码的签名与本证书不符，请谨慎对待".to_owned(), "border-red-200 bg-red-50 text-red-800"),
                (None, true, _) => ("有效：本平台签发，数字签名核验通过".to_owned(), "border-green-200 bg-green-50 text-green-800"),
                (None, false, _) => ("签名核验未通过，请联系发证单位".to_owned(), "border-red-200 bg-red-50 text-red-800"),
            };
            view! {
                <p role="status" class=format!("rounded-md border px-3 py-2 text-sm {class}")>{status}</p>
                <Card title=c.kind.label()>
                    <dl class="space-y-1 text-sm">
                        <InfoRow label="证书编号" value=c.serial.clone() />
                        <InfoRow label="姓名" value=c.holder_name.clone() />
                        <InfoRow label="身份证号" value=c.holder_id_number.clone() />
                        <InfoRow label="证书名称" value=c.title.clone() />
                        <InfoRow label="年度" value=format!("{}年度", c.year) />
                        <InfoRow label="公需科目" value=format!("{} 学时", Hours(h.public)) />
                        <InfoRow label="专业科目" value=format!("{} 学时", Hours(h.professional)) />
                        <InfoRow label="选修科目" value=format!("{} 学时", Hours(h.elective)) />
                        <InfoRow label="合计" value=format!("{} 学时", Hours(h.total)) />
                        <InfoRow label="发证单位" value=c.issuer.clone() />
                        <InfoRow label="发证日期" value=c.issued_on.clone() />
                    </dl>
                </Card>
                <p class="text-xs text-slate-500">
                    "证书数据由平台的 Ed25519 密钥签名；公钥公布于 "
                    <a href="/.well-known/xueshi-keys.json" class="text-blue-700 hover:underline">"/.well-known/xueshi-keys.json"</a>
                    "，无需联网也可核验纸质证书上的二维码。"
                </p>
            }
        }} />
    }
}
