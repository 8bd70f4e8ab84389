//! The console's certificate pages: the authority's 证书管理 (find a person of its region
//! by ID number, see their certificates, 撤销 one with a reason; the holder is told) and
//! the unit admin's 证书打印 (one PDF of the chosen staff's certificates, made in the
//! background, with its progress).

use super::{
    api::{
        BatchLine, HolderCertificates, PrintCertificates, RevokeCertificate, StaffCertificateLine,
        UnitCertificatesView, certificate_batch, person_certificates, unit_certificates,
    },
    domain::BatchStatus,
    pages::CertificateCard,
};
use crate::shell::{
    components::{
        Card, EmptyState, INPUT, LABEL, PRIMARY_BUTTON, ProgressBar, SECONDARY_BUTTON, YearSelect,
        notice_from_query,
    },
    frame::Page,
    page_data::PageData,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

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

/// 证书打印 (the unit admin): the staff of a year with their certificates; choose some,
/// or every member who met the year, and one PDF of them is made in the background.
#[component]
pub fn UnitCertificatesPage() -> impl IntoView {
    let (year, department) = use_query_map().with_untracked(|q| {
        (q.get("year").and_then(|y| y.parse::<i64>().ok()), q.get("department").filter(|d| !d.is_empty()))
    });
    let data = PageData::new(unit_certificates(year, department));
    let print = ServerAction::<PrintCertificates>::new();
    let print_all = ServerAction::<PrintCertificates>::new();
    let error = Signal::derive(move || {
        print.value().get().and_then(Result::err).or(print_all.value().get().and_then(Result::err))
    });
    view! {
        <Page title="证书打印" data error render={move |view: UnitCertificatesView| {
            let (year, chosen) = (view.year, view.department.clone());
            let met = view.staff.iter().filter(|s| s.met).count();
            view! {
                <Card>
                    <form method="get" class="grid gap-3 sm:grid-cols-3 sm:items-end" aria-label="筛选">
                        <YearSelect years=view.years.clone() selected=year />
                        <div>
                            <label for="department" class=LABEL>"部门"</label>
                            <select id="department" name="department" class=INPUT>
                                <option value="">"全部"</option>
                                {view.departments.iter().map(|d| view! { <option value=d.clone() selected=*d == chosen>{d.clone()}</option> }).collect_view()}
                            </select>
                        </div>
                        <button type="submit" class=SECONDARY_BUTTON>"查询"</button>
                    </form>
                </Card>
                {(!view.batches.is_empty()).then(|| view! {
                    <Card title="最近的打印任务">
                        <ul class="divide-y divide-slate-100 text-sm" aria-label="打印任务">
                            {view.batches.into_iter().map(|b| view! {
                                <li class="flex flex-wrap items-center gap-2 py-2">
                                    <span>{format!("{}年度 · {} 人 · {}", b.year, b.total, b.status.label())}</span>
                                    <a href=format!("/admin/unit/certificates/batches/{}", b.id) class="text-blue-700 hover:underline">"查看"</a>
                                </li>
                            }).collect_view()}
                        </ul>
                    </Card>
                })}
                <ActionForm action=print_all attr:class="flex flex-wrap items-center gap-3">
                    <input type="hidden" name="year" value=year />
                    <input type="hidden" name="all" value="1" />
                    <p class="text-sm text-slate-600">{format!("{year}年度已达标 {met} 人。")}</p>
                    <button type="submit" class=SECONDARY_BUTTON disabled=met == 0>"打印全部达标人员证书"</button>
                </ActionForm>
                <ActionForm action=print attr:class="space-y-3" attr:aria-label="选择人员">
                    <input type="hidden" name="year" value=year />
                    <Card>
                        {if view.staff.is_empty() {
                            view! { <EmptyState message="没有符合条件的人员" /> }.into_any()
                        } else {
                            view! {
                                <ul class="divide-y divide-slate-100" aria-label="人员">
                                    {view.staff.into_iter().map(|s| view! { <StaffCertificateItem line=s /> }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </Card>
                    <button type="submit" class=PRIMARY_BUTTON>"生成所选人员证书PDF"</button>
                </ActionForm>
            }
        }} />
    }
}

#[component]
fn StaffCertificateItem(line: StaffCertificateLine) -> impl IntoView {
    let id = format!("pick_{}", line.user_id);
    let department =
        if line.department.is_empty() { "未分配部门".to_owned() } else { line.department.clone() };
    let status = match (&line.serial, line.revoked, line.met) {
        (Some(serial), false, _) => format!("已发证 {serial}"),
        (Some(_), true, _) => "证书已撤销".to_owned(),
        (None, _, true) => "已达标，打印时发证".to_owned(),
        (None, _, false) => format!("未达标：{}", line.shortfall),
    };
    let printable = line.met && !line.revoked;
    view! {
        <li class="py-2">
            <label for=id.clone() class="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
                <input id=id.clone() type="checkbox" name=id.clone() value="1" class="h-4 w-4" disabled=!printable />
                <span class="font-medium text-slate-900">{line.name.clone()}</span>
                <span class="text-slate-500">{format!("{} · {department}", line.id_number)}</span>
                <span class=if printable { "text-green-700" } else { "text-slate-500" }>{status}</span>
            </label>
        </li>
    }
}

/// One 证书打印 batch: its progress while it is made (the page refreshes itself, with or
/// without JavaScript), then the PDF.
#[component]
pub fn CertificateBatchPage() -> impl IntoView {
    let id = use_params_map()
        .with_untracked(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()))
        .unwrap_or_default();
    let data = PageData::new(certificate_batch(id));
    view! {
        <Page title="证书打印任务" data render={move |b: BatchLine| {
            let percent = if b.total > 0 { b.done * 100 / b.total } else { 100 };
            view! {
                {b.status.pending().then(|| view! { <leptos_meta::Meta http_equiv="refresh" content="2" /> })}
                <Card>
                    <p role="status" class="text-sm text-slate-700">
                        {match b.status {
                            BatchStatus::Ready if b.printed == 0 => "已完成：所选人员没有可打印的证书".to_owned(),
                            BatchStatus::Ready => format!("已完成：共 {} 份证书", b.printed),
                            BatchStatus::Failed => b.error.clone(),
                            status => format!("{}：已处理 {} / {} 人", status.label(), b.done, b.total),
                        }}
                    </p>
                    <div class="mt-3"><ProgressBar value=percent label="打印进度" /></div>
                    {b.file_id.clone().map(|file| view! {
                        <a href=format!("/files/{file}") class=format!("{PRIMARY_BUTTON} mt-4") download="">"下载证书PDF"</a>
                    })}
                </Card>
                <p><a href=format!("/admin/unit/certificates?year={}", b.year) class="text-sm text-blue-700 hover:underline">"返回证书打印"</a></p>
            }
        }} />
    }
}
