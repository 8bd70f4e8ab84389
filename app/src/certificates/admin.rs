//! The authority's 证书管理: find a person of its region by ID number, see their
//! certificates, and 撤销 one with a reason (the holder is told).

use super::{
    api::{HolderCertificates, RevokeCertificate, person_certificates},
    pages::CertificateCard,
};
use crate::shell::{
    components::{Card, EmptyState, INPUT, LABEL, SECONDARY_BUTTON, notice_from_query},
    frame::Page,
    page_data::PageData,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn CertificatesAdminPage() -> impl IntoView {
    let id_number = use_query_map().with_untracked(|q| q.get("id_number")).unwrap_or_default();
    let revoke = ServerAction::<RevokeCertificate>::new();
    let error = Signal::derive(move || revoke.value().get().and_then(Result::err));
    let notice = notice_from_query(&[("revoked", "", "已撤销，已通知证书持有人")]);
    let typed = id_number.clone();
    let search = view! {
        <Card>
            <form method="get" class="flex flex-wrap items-end gap-3" aria-label="查找人员">
                <div class="min-w-0 flex-1">
                    <label for="id_number" class=LABEL>"身份证号"</label>
                    <input id="id_number" name="id_number" value=typed class=INPUT />
                </div>
                <button type="submit" class=SECONDARY_BUTTON>"查询"</button>
            </form>
        </Card>
    };
    if id_number.trim().is_empty() {
        return view! {
            <leptos_meta::Title text="证书管理" />
            <h1 class="mb-4 text-xl font-semibold text-slate-900">"证书管理"</h1>
            <div class="space-y-4">{search}<EmptyState message="输入身份证号查找本辖区人员的证书" /></div>
        }
        .into_any();
    }
    let data = PageData::new(person_certificates(id_number.clone()));
    view! {
        <Page title="证书管理" data notice error render={move |person: HolderCertificates| {
            let id_number = id_number.clone();
            view! {
                <p class="text-sm text-slate-700">{format!("{} · {}", person.name, person.unit_name)}</p>
                {if person.certificates.is_empty() {
                    view! { <EmptyState message="该人员还没有证书" /> }.into_any()
                } else {
                    view! {
                        <ul class="space-y-4" aria-label="证书">
                            {person.certificates.into_iter().map(|c| {
                                let live = c.revoked_at.is_none();
                                let serial = c.serial_code.clone();
                                let reason_id = format!("reason-{serial}");
                                let id_number = id_number.clone();
                                view! {
                                    <li>
                                        <CertificateCard certificate=c />
                                        {live.then(|| view! {
                                            <ActionForm action=revoke attr:class="mt-2 flex flex-wrap items-center gap-2">
                                                <input type="hidden" name="serial" value=serial.clone() />
                                                <input type="hidden" name="id_number" value=id_number.clone() />
                                                <label for=reason_id.clone() class="sr-only">"撤销原因"</label>
                                                <input id=reason_id.clone() name="reason" placeholder="撤销原因" class="min-w-0 flex-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
                                                <button type="submit" class=SECONDARY_BUTTON>"撤销证书"</button>
                                            </ActionForm>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            }
        }}>
            {search}
        </Page>
    }
    .into_any()
}
