//! The trainee's side: 提交订单 (the form, then the 报名须知 dialog), 我的考试 and
//! 我的订单 with their status tags, and one registration's page.

use super::{
    api::{
        ApplyContext, ConfirmRegistration, MyRegistration, NoticeView, StartRegistration, get_notice,
        load_apply_context, load_my_registration, load_my_registrations,
    },
    domain::Status,
};
use crate::shell::page_data::PageData;
use crate::{
    platform::time::format_datetime,
    shell::{
        components::{
            Card, EmptyState, FileField, FormError, INPUT, InfoRow, LABEL, Notice, PRIMARY_BUTTON,
            SECONDARY_BUTTON, url_error,
        },
        errors::{ErrorPage, LoginRequiredPage},
        frame::Loaded,
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The coloured status tag of a registration.
#[component]
pub fn StatusTag(status: Status) -> impl IntoView {
    view! {
        <span class=format!("inline-flex shrink-0 items-center rounded-full px-2.5 py-0.5 text-xs font-medium ring-1 ring-inset {}", status.tag_class())>
            {status.label()}
        </span>
    }
}

#[component]
pub fn ApplyPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let class_id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let again = move || query.read().get("again").and_then(|id| id.parse::<i64>().ok());
    let context = PageData::new(load_apply_context(class_id(), again()));
    let error = url_error::<StartRegistration>();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match context.await {
                    Ok(context) => view! { <ApplyForm context error /> }.into_any(),
                    Err(e) if e.kind == crate::error::ErrorKind::Unauthenticated => {
                        let next = format!("/classes/{}/apply", class_id());
                        view! { <LoginRequiredPage next /> }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ApplyForm(context: ApplyContext, error: Signal<Option<crate::error::AppError>>) -> impl IntoView {
    let class = context.class;
    let previous = context.again.as_ref().map(|(_, form)| form.clone()).unwrap_or_default();
    let again_id = context.again.as_ref().map(|(id, _)| id.to_string()).unwrap_or_default();
    let heading = if context.again.is_some() { "重新报名" } else { "提交订单" };
    let field_error =
        move |field: &'static str| move || error.get().and_then(|e| e.field(field).map(str::to_owned));
    let invalid = move |field: &'static str| {
        move || error.get().is_some_and(|e| e.field(field).is_some()).then_some("true")
    };
    let next_here = format!("/classes/{}/apply", class.summary.id);
    let has_lodgings = !class.lodgings.is_empty();
    view! {
        <Title text=heading />
        <div class="mx-auto max-w-2xl space-y-4">
            <div>
                <a href=format!("/classes/{}", class.summary.id) class="text-sm text-blue-700 hover:underline">"‹ 返回培训详情"</a>
                <h1 class="mt-1 text-xl font-semibold text-slate-900">{heading}</h1>
                <p class="text-slate-600">{class.summary.title.clone()}</p>
            </div>
            {context.refusal.clone().map(|message| {
                let unverified = message.contains("实名认证");
                view! {
                    <p role="alert" class="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800">
                        {message} " "
                        {unverified.then(|| view! { <a href="/me/verify" class="font-medium underline">"实名认证"</a> })}
                    </p>
                }
            })}
            <Card title="确认个人信息">
                <dl class="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
                    <InfoRow label="姓名" value=context.name.clone() />
                    <InfoRow label="性别" value=context.gender.clone() />
                    <InfoRow label="身份证号" value=context.id_number_masked.clone() />
                    <InfoRow label="手机号" value=context.phone_masked.clone() />
                    <InfoRow label="所属单位" value=if context.unit.is_empty() { "未加入单位".to_owned() } else { context.unit.clone() } />
                </dl>
                <p class="mt-3 text-xs text-slate-500">
                    "姓名、性别和身份证号在首次报名后不能修改。信息有误请先到 "
                    <a href="/me/info" class="text-blue-700 hover:underline">"我的信息"</a> " 修改。"
                </p>
            </Card>
            <form method="post" enctype="multipart/form-data" action=StartRegistration::url() class="space-y-4" novalidate>
                <FormError error />
                <input type="hidden" name="class_id" value=class.summary.id />
                <input type="hidden" name="again" value=again_id />
                <Card title="报名信息">
                    <div class="space-y-4">
                        <div>
                            <label for="session_id" class=LABEL>"报名期次"</label>
                            <select id="session_id" name="session_id" class=INPUT aria-invalid=invalid("session_id")>
                                <option value="">"请选择期次"</option>
                                {class.sessions.iter().map(|s| {
                                    let full = s.seats_left() == 0;
                                    let label = format!(
                                        "{}（{} 至 {}{}）{}",
                                        s.name, s.starts_on, s.ends_on,
                                        if s.place.is_empty() { String::new() } else { format!("，{}", s.place) },
                                        if full { " 已满".to_owned() } else { format!(" 余{}个名额", s.seats_left()) }
                                    );
                                    view! { <option value=s.id selected=previous.session_id == s.id.to_string() disabled=full>{label}</option> }
                                }).collect_view()}
                            </select>
                            <p class="mt-1 text-sm text-red-600">{field_error("session_id")}</p>
                        </div>
                        {class.needs_job_title.then(|| view! {
                            <div>
                                <label for="job_title" class=LABEL>"职务（必填）"</label>
                                <input id="job_title" name="job_title" class=INPUT maxlength="50" value=previous.job_title.clone() aria-invalid=invalid("job_title") />
                                <p class="mt-1 text-xs text-slate-500">"填写最新职务，如：总监理工程师"</p>
                                <p class="mt-1 text-sm text-red-600">{field_error("job_title")}</p>
                            </div>
                        })}
                        {(!class.lodgings.is_empty()).then(|| view! {
                            <div>
                                <label for="lodging" class=LABEL>"住宿（必选）"</label>
                                <select id="lodging" name="lodging" class=INPUT aria-invalid=invalid("lodging")>
                                    <option value="">"请选择住宿"</option>
                                    {class.lodgings.iter().map(|l| view! {
                                        <option value=l.name.clone() selected=previous.lodging == l.name>
                                            {format!("{}（{}）", l.name, l.price_fen)}
                                        </option>
                                    }).collect_view()}
                                </select>
                                <p class="mt-1 text-sm text-red-600">{field_error("lodging")}</p>
                            </div>
                        })}
                        {(!class.exam_subjects.is_empty()).then(|| view! {
                            <fieldset>
                                <legend class=LABEL>"考试科目"</legend>
                                <div class="mt-1 flex flex-wrap gap-x-4 gap-y-2">
                                    {class.exam_subjects.iter().map(|subject| view! {
                                        <label class="inline-flex items-center gap-2 text-sm text-slate-700">
                                            <input type="checkbox" name="exam_subjects" value=subject.clone() checked=previous.exam_subjects.contains(subject) class="h-4 w-4" />
                                            {subject.clone()}
                                        </label>
                                    }).collect_view()}
                                </div>
                                <p class="mt-1 text-sm text-red-600">{field_error("exam_subjects")}</p>
                            </fieldset>
                        })}
                        {(!class.exam_types.is_empty()).then(|| view! {
                            <div>
                                <label for="exam_type" class=LABEL>"考试类型"</label>
                                <select id="exam_type" name="exam_type" class=INPUT aria-invalid=invalid("exam_type")>
                                    <option value="">"请选择考试类型"</option>
                                    {class.exam_types.iter().map(|t| view! {
                                        <option value=t.clone() selected=previous.exam_type == *t>{t.clone()}</option>
                                    }).collect_view()}
                                </select>
                                <p class="mt-1 text-sm text-red-600">{field_error("exam_type")}</p>
                            </div>
                        })}
                        {class.needs_photo.then(|| view! {
                            <div>
                                <FileField label="一寸白底免冠证件照" name="photo" accept="image/jpeg,image/png" error />
                                <p class="mt-1 text-xs text-slate-500">"JPEG 或 PNG，竖版，宽高比约 5:7（如 295×413 像素），不超过 2 MB。"</p>
                            </div>
                        })}
                    </div>
                </Card>
                <Card title="发票信息">
                    <div class="space-y-4">
                        <div>
                            <label for="invoice_title_id" class=LABEL>"发票抬头"</label>
                            <div class="flex items-end gap-2">
                                <select id="invoice_title_id" name="invoice_title_id" class=INPUT aria-invalid=invalid("invoice_title_id")>
                                    <option value="">"暂不开票"</option>
                                    {context.invoice_titles.iter().map(|(id, title, default)| {
                                        let chosen = if previous.invoice_title_id.is_empty() { *default } else { previous.invoice_title_id == id.to_string() };
                                        view! { <option value=*id selected=chosen>{title.clone()}</option> }
                                    }).collect_view()}
                                </select>
                                <a href=format!("/me/invoices?next={}", crate::platform::url::percent_encode(&next_here))
                                    class=format!("{SECONDARY_BUTTON} shrink-0") title="新增发票信息" aria-label="新增发票信息">"+"</a>
                            </div>
                            <p class="mt-1 text-sm text-red-600">{field_error("invoice_title_id")}</p>
                        </div>
                        <div>
                            <label for="joint_invoice_note" class=LABEL>"同单位合开（选填）"</label>
                            <textarea id="joint_invoice_note" name="joint_invoice_note" rows="2" class=INPUT maxlength="500"
                                placeholder="同一单位多人报名、发票开在一起时填写：备注和合开人员">{previous.joint_invoice_note.clone()}</textarea>
                            <p class="mt-1 text-sm text-red-600">{field_error("joint_invoice_note")}</p>
                        </div>
                    </div>
                </Card>
                <Card>
                    <p class="text-sm text-slate-600">
                        "培训费 " <span class="font-medium text-slate-900">{class.summary.fee_fen.to_string()}</span>
                        {has_lodgings.then_some("，住宿费按所选住宿另计")}
                    </p>
                    <button type="submit" class=format!("{PRIMARY_BUTTON} mt-3 w-full py-2.5") disabled=context.refusal.is_some()>"提交订单"</button>
                </Card>
            </form>
        </div>
    }
}

/// The 报名须知 dialog: "我已知晓" counts down from 10 seconds in the browser; the
/// server refuses an earlier confirmation either way.
#[component]
pub fn NoticePage() -> impl IntoView {
    let params = use_params_map();
    let draft = move || params.read().get("draft").unwrap_or_default();
    let notice = PageData::new(get_notice(draft()));
    let confirm = ServerAction::<ConfirmRegistration>::new();
    let error = Signal::derive(move || confirm.value().get().and_then(Result::err));
    view! {
        <Title text="报名须知" />
        <Loaded data=notice render={move |n: NoticeView| view! {
                        <div class="fixed inset-0 z-40 flex items-end justify-center bg-slate-900/50 p-0 sm:items-center sm:p-4">
                            <div role="dialog" aria-modal="true" aria-labelledby="notice-title"
                                class="flex max-h-[90vh] w-full max-w-lg flex-col rounded-t-2xl bg-white shadow-xl sm:rounded-2xl">
                                <div class="border-b border-slate-100 px-5 py-4">
                                    <h1 id="notice-title" class="text-lg font-semibold text-slate-900">"报名须知"</h1>
                                    <p class="text-sm text-slate-500">{n.class_title.clone()}</p>
                                </div>
                                <div class="overflow-y-auto px-5 py-4">
                                    <p class="whitespace-pre-line text-sm leading-relaxed text-slate-700">{n.notice.clone()}</p>
                                    <dl class="mt-4 space-y-1 rounded-md bg-slate-50 p-3 text-sm">
                                        <div class="flex gap-2"><dt class="w-16 text-slate-500">"期次"</dt><dd>{n.session.clone()}</dd></div>
                                        {n.lodging.clone().map(|l| view! { <div class="flex gap-2"><dt class="w-16 text-slate-500">"住宿"</dt><dd>{l}</dd></div> })}
                                        <div class="flex gap-2"><dt class="w-16 text-slate-500">"合计"</dt><dd class="font-medium">{n.total_fen.to_string()}</dd></div>
                                    </dl>
                                </div>
                                <ActionForm action=confirm attr:class="space-y-3 border-t border-slate-100 px-5 py-4">
                                    <FormError error />
                                    <input type="hidden" name="draft_id" value=n.draft_id.clone() />
                                    <div class="grid grid-cols-2 gap-3">
                                        <a href=format!("/classes/{}/apply", n.class_id) class=SECONDARY_BUTTON>"返回修改"</a>
                                        <AcknowledgeButton wait_ms=n.wait_ms />
                                    </div>
                                </ActionForm>
                            </div>
                        </div>
        }} />
    }
}

/// 我的考试 (every registration) or 我的订单 (those that became orders).
#[component]
pub fn MyRegistrationsPage(orders: bool) -> impl IntoView {
    let list = PageData::new(load_my_registrations(orders));
    let title = if orders { "我的订单" } else { "我的考试" };
    let here = if orders { "/me/orders" } else { "/me/exams" };
    view! {
        <Title text=title />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">{title}</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(items) if items.is_empty() => view! {
                        <Card>
                            <EmptyState message=if orders { "暂无订单" } else { "暂无报名记录" } />
                            <p class="text-center text-sm"><a href="/enroll" class="text-blue-700 hover:underline">"去报名中心看看"</a></p>
                        </Card>
                    }.into_any(),
                    Ok(items) => view! {
                        <ul class="space-y-3" aria-label=title>
                            {items.into_iter().map(|r| view! { <RegistrationCard r orders /> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) if e.kind == crate::error::ErrorKind::Unauthenticated => view! { <LoginRequiredPage next=here /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RegistrationCard(r: MyRegistration, orders: bool) -> impl IntoView {
    view! {
        <li>
            <a href=format!("/me/exams/{}", r.id) class="block rounded-xl border border-slate-200 bg-white p-4 shadow-sm hover:border-blue-300">
                <div class="flex items-start gap-3">
                    <div class="min-w-0 flex-1">
                        <p class="font-medium text-slate-900">{r.class_title.clone()}</p>
                        <p class="mt-1 text-sm text-slate-500">{r.session.clone()}</p>
                    </div>
                    <StatusTag status=r.status />
                </div>
                <p class="mt-2 text-sm text-slate-600">
                    {if orders {
                        format!("{}培训费 {}{} · 合计 {}",
                            r.order_no.as_ref().map(|no| format!("订单号 {no} · ")).unwrap_or_default(),
                            r.fee_fen,
                            if r.lodging.is_empty() { String::new() } else { format!(" · 住宿费 {}", r.lodging_fen) },
                            r.total_fen)
                    } else {
                        format!("提交于 {}", format_datetime(r.submitted_at))
                    }}
                </p>
                {(r.status == Status::Rejected).then(|| view! {
                    <p class="mt-1 text-sm text-red-700">"点击查看不通过原因"</p>
                })}
            </a>
        </li>
    }
}

#[component]
pub fn MyRegistrationPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let item = PageData::new(load_my_registration(id()));
    let notice = Signal::derive(move || {
        let q = query.read();
        if q.get("paid").is_some() {
            Some("报名成功".to_owned())
        } else if q.get("refund").is_some() {
            Some("退款申请已提交，请耐心等待财务审核".to_owned())
        } else {
            q.get("submitted").map(|_| "报名提交成功".to_owned())
        }
    });
    view! {
        <Title text="报名详情" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match item.await {
                    Ok(r) => {
                        let status = r.status;
                        view! {
                            <div class="mx-auto max-w-2xl space-y-4">
                                <a href="/me/exams" class="text-sm text-blue-700 hover:underline">"‹ 我的考试"</a>
                                <Notice message=notice />
                                <Card>
                                    <div class="flex items-start gap-3">
                                        <h1 class="min-w-0 flex-1 text-lg font-semibold text-slate-900">{r.class_title.clone()}</h1>
                                        <StatusTag status />
                                    </div>
                                    <dl class="mt-3 grid gap-2 text-sm">
                                        <InfoRow label="期次" value=r.session.clone() />
                                        <InfoRow label="培训费" value=r.fee_fen.to_string() />
                                        {(!r.lodging.is_empty()).then(|| view! {
                                            <InfoRow label="住宿" value=format!("{}（{}）", r.lodging, r.lodging_fen) />
                                        })}
                                        <InfoRow label="合计" value=r.total_fen.to_string() />
                                        {r.order_no.clone().map(|no| view! { <InfoRow label="订单号" value=no /> })}
                                        <InfoRow label="提交时间" value=format_datetime(r.submitted_at) />
                                    </dl>
                                    {match status {
                                        Status::Rejected => view! {
                                            <div class="mt-4 rounded-md border border-red-200 bg-red-50 p-3">
                                                <p class="text-sm font-medium text-red-800">"审核不通过原因"</p>
                                                <p class="mt-1 text-sm text-red-700" data-testid="reject-reason">{r.reject_reason.clone()}</p>
                                            </div>
                                            <a href=format!("/classes/{}/apply?again={}", r.class_id, r.id) class=format!("{PRIMARY_BUTTON} mt-4 w-full")>"重新报名"</a>
                                        }.into_any(),
                                        Status::UnderReview => view! {
                                            <p class="mt-4 text-sm text-slate-600">"报名信息已提交，请等待培训机构审核。审核结果会发送到您的消息和手机。"</p>
                                        }.into_any(),
                                        Status::AwaitingPayment => view! {
                                            <p class="mt-4 text-sm text-slate-600">
                                                {match r.order_expires_at {
                                                    Some(at) => format!("报名已通过，请在 {} 前完成支付，逾期订单将自动关闭并释放名额。", format_datetime(at)),
                                                    None => "报名已通过，订单待支付。".to_owned(),
                                                }}
                                            </p>
                                            <a href=format!("/me/exams/{}/pay", r.id) class=format!("{PRIMARY_BUTTON} mt-4 w-full")>"立即支付"</a>
                                        }.into_any(),
                                        _ => ().into_any(),
                                    }}
                                    {r.latest_refund.clone().map(|refund| view! {
                                        <div class="mt-4 rounded-md border border-slate-200 bg-slate-50 p-3 text-sm" data-testid="refund">
                                            <p class="font-medium text-slate-900">{format!("{}：{} · {}", refund.kind.label(), refund.amount_fen, refund.status.label())}</p>
                                            <p class="mt-1 text-slate-600">{format!("退款原因：{}", refund.reason)}</p>
                                            {(!refund.review_note.is_empty()).then(|| view! {
                                                <p class="mt-1 text-red-700" data-testid="refund-note">{format!("未通过原因：{}", refund.review_note)}</p>
                                            })}
                                        </div>
                                    })}
                                    {(!r.offline && matches!(status, Status::Paid | Status::Completed)).then(|| view! {
                                        <a href=format!("/learn/class/{}", r.class_id) class=format!("{PRIMARY_BUTTON} mt-4 w-full")>"立即学习"</a>
                                    })}
                                    {matches!(status, Status::Paid | Status::RefundFailed | Status::Completed).then(|| view! {
                                        <div class="mt-4 grid gap-2 sm:grid-cols-2">
                                            {match r.invoice {
                                                Some(invoice) => view! {
                                                    <a href="/me/fapiao" class=SECONDARY_BUTTON>{format!("发票：{}", invoice.label())}</a>
                                                }.into_any(),
                                                None => view! {
                                                    <a href=format!("/me/exams/{}/invoice", r.id) class=SECONDARY_BUTTON>"申请开票"</a>
                                                }.into_any(),
                                            }}
                                            {(status != Status::Completed).then(|| view! {
                                                <a href=format!("/me/exams/{}/refund", r.id) class=SECONDARY_BUTTON>"退款申请"</a>
                                            })}
                                        </div>
                                    })}
                                </Card>
                            </div>
                        }.into_any()
                    }
                    Err(e) if e.kind == crate::error::ErrorKind::Unauthenticated => view! { <LoginRequiredPage next="/me/exams" /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// "我已知晓", disabled with a visible countdown until the notice has been on screen
/// for `wait_ms`. Without JavaScript it is enabled at once and the server enforces the
/// wait instead.
#[island]
pub fn AcknowledgeButton(wait_ms: i64) -> impl IntoView {
    let remaining = RwSignal::new(0i64);
    Effect::new(move |_| {
        remaining.set((wait_ms + 999) / 1000);
        if let Ok(handle) = set_interval_with_handle(
            move || remaining.update(|s| *s = (*s - 1).max(0)),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <button
            type="submit"
            class=crate::shell::components::PRIMARY_BUTTON
            disabled=move || remaining.get() != 0
            aria-live="polite"
        >
            {move || match remaining.get() {
                0 => "我已知晓".to_owned(),
                s => format!("我已知晓（{s}秒）"),
            }}
        </button>
    }
}
