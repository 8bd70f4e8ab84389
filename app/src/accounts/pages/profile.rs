//! 个人中心 → 我的信息 (个人信息 and 所属单位), 修改密码, 发票信息.

use super::use_auth;
use crate::{
    accounts::{
        api::{
            AnswerInvitation, ChangePassword, DeleteInvoiceTitle, JoinUnit, MyInfo, SaveInvoiceTitle,
            UpdateProfile, list_invoice_titles, load_my_info,
        },
        domain::{invoice_rules::InvoiceTitle, profile_rules::ETHNICITIES},
    },
    error::AppError,
    shell::{
        components::{
            Card, EmptyState, Field, FormError, Notice, PRIMARY_BUTTON, SECONDARY_BUTTON, SelectField,
            same_options,
        },
        errors::ErrorPage,
        page_data::PageData,
    },
    units::{api::load_directory, pages::UnitPicker},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn query_notice(pairs: &'static [(&'static str, &'static str)]) -> Signal<Option<String>> {
    let query = use_query_map();
    Signal::derive(move || {
        let query = query.read();
        pairs.iter().find(|(key, _)| query.get(key).is_some()).map(|(_, text)| (*text).to_owned())
    })
}

#[component]
pub fn MyInfoPage() -> impl IntoView {
    let query = use_query_map();
    let info = PageData::new(load_my_info());
    let region = move || query.read().get("region");
    let unit = move || query.read().get("unit").and_then(|u| u.parse::<i64>().ok());
    let directory = PageData::new(load_directory(region(), unit()));
    let save = ServerAction::<UpdateProfile>::new();
    let join = ServerAction::<JoinUnit>::new();
    let answer = ServerAction::<AnswerInvitation>::new();
    let save_error = Signal::derive(move || save.value().get().and_then(Result::err));
    let join_error = Signal::derive(move || join.value().get().and_then(Result::err));
    let notice = query_notice(&[("saved", "已保存"), ("joined", "已提交，等待单位审核")]);
    view! {
        <Title text="我的信息" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"我的信息"</h1>
        <div class="space-y-4">
            <Notice message=notice />
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(info) => view! {
                            <PersonalInfo info=info.clone() save error=save_error />
                            <Card title="所属单位">
                                <UnitStatus info=info.clone() answer />
                                <p class="mb-3 mt-4 text-sm text-slate-600">"选择地区和单位后提交，单位管理员审核通过即可加入。"</p>
                                {move || Suspend::new(async move {
                                    directory.await.map(|directory| {
                                        let departments: Vec<(String, String)> = directory
                                            .departments
                                            .iter()
                                            .map(|(id, label)| (id.to_string(), label.clone()))
                                            .collect();
                                        let chosen = directory.unit_name.clone();
                                        view! {
                                            <UnitPicker directory keep=vec![] />
                                            <ActionForm action=join attr:class="mt-3 space-y-3">
                                                <FormError error=join_error />
                                                {chosen.map(|name| view! {
                                                    <p class="text-sm text-slate-700">"选择的单位：" {name}</p>
                                                    <input type="hidden" name="unit_id" value=unit().unwrap_or_default() />
                                                    <SelectField label="所属部门" name="department_id" error=join_error options=departments placeholder="不选择部门" />
                                                    <button type="submit" class=PRIMARY_BUTTON>"申请加入"</button>
                                                })}
                                            </ActionForm>
                                        }
                                    })
                                })}
                            </Card>
                        }.into_any(),
                        Err(error) => view! { <ErrorPage error path="/me/info" /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn PersonalInfo(
    info: MyInfo,
    save: ServerAction<UpdateProfile>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let locked = info.identity_locked;
    let genders = vec![("male".to_owned(), "男".to_owned()), ("female".to_owned(), "女".to_owned())];
    view! {
        <Card title="个人信息">
            <ActionForm action=save attr:class="grid gap-4 sm:grid-cols-2" attr:novalidate="">
                <div class="sm:col-span-2"><FormError error /></div>
                <Field label="手机号" name="phone_display" error value=info.phone_masked.clone() readonly=true />
                <div>
                    <Field label="身份证号" name="id_display" error value=info.id_number_masked.clone().unwrap_or_else(|| "未实名认证".to_owned()) readonly=true />
                    {(!info.verified).then(|| view! { <a href="/me/verify" class="text-sm text-blue-700 hover:underline">"去实名认证"</a> })}
                </div>
                <Field label="姓名" name="name" error value=info.name.clone() readonly=locked hint=if locked { "已实名认证或已报名，不能修改" } else { "实名认证后不能修改" } />
                {if locked {
                    view! { <Field label="性别" name="gender_display" error value=info.gender.map(|g| g.label().to_owned()).unwrap_or_default() readonly=true /> }.into_any()
                } else {
                    view! { <SelectField label="性别" name="gender" error options=genders selected=info.gender.map(|g| g.code().to_owned()).unwrap_or_default() /> }.into_any()
                }}
                <Field label="出生日期" name="birth_display" error value=info.birth_date.clone() readonly=true hint="由身份证号生成" />
                <Field label="电子邮箱" name="email" input_type="email" error value=info.email.clone() autocomplete="email" />
                <SelectField label="民族" name="ethnicity" error options=same_options(&ETHNICITIES) selected=info.ethnicity.clone() />
                <Field label="籍贯" name="native_place" error value=info.native_place.clone() />
                <Field label="毕业院校" name="school" error value=info.school.clone() />
                <Field label="所学专业" name="major" error value=info.major.clone() />
                <Field label="职称" name="job_title" error value=info.job_title.clone() />
                <div class="sm:col-span-2"><button type="submit" class=PRIMARY_BUTTON>"保存"</button></div>
            </ActionForm>
        </Card>
    }
}

#[component]
fn UnitStatus(info: MyInfo, answer: ServerAction<AnswerInvitation>) -> impl IntoView {
    view! {
        {match info.affiliation {
            Some(a) => view! {
                <p class="text-slate-800">
                    {a.unit_name}
                    {a.department.map(|d| format!(" · {d}"))}
                    <span class=if a.approved { "ml-2 rounded bg-green-50 px-1.5 py-0.5 text-xs text-green-700" } else { "ml-2 rounded bg-amber-50 px-1.5 py-0.5 text-xs text-amber-700" }>
                        {if a.approved { "已加入" } else { "审核中" }}
                    </span>
                </p>
            }.into_any(),
            None => view! { <p class="text-slate-500">"尚未加入单位"</p> }.into_any(),
        }}
        {info.rejected_reason.map(|reason| view! {
            <p class="mt-2 text-sm text-red-600">"单位审核未通过：" {reason}</p>
        })}
        {(!info.invitations.is_empty()).then(|| view! {
            <ul class="mt-3 space-y-2">
                {info.invitations.into_iter().map(|invitation| view! {
                    <li class="flex flex-wrap items-center gap-2 rounded-md border border-blue-100 bg-blue-50 px-3 py-2 text-sm">
                        <span class="flex-1">{format!("{} 邀请您加入{}", invitation.unit_name, invitation.department.map(|d| format!("（{d}）")).unwrap_or_default())}</span>
                        <ActionForm action=answer>
                            <input type="hidden" name="id" value=invitation.id />
                            <button type="submit" name="accept" value="yes" class=PRIMARY_BUTTON>"接受"</button>
                            <button type="submit" name="accept" value="no" class=format!("{SECONDARY_BUTTON} ml-2")>"拒绝"</button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
        })}
    }
}

#[component]
pub fn PasswordPage() -> impl IntoView {
    let must_change = use_auth().current().is_some_and(|u| u.must_change_password);
    let change = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    view! {
        <Title text="修改密码" />
        <div class="mx-auto max-w-md">
            <h1 class="mb-4 text-xl font-semibold text-slate-900">"修改密码"</h1>
            {must_change.then(|| view! {
                <p role="alert" class="mb-4 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800">
                    "您正在使用单位添加账号时发给您的初始密码，请先设置自己的密码。"
                </p>
            })}
            <Card>
                <ActionForm action=change attr:class="space-y-4" attr:novalidate="">
                    <FormError error />
                    <Field label="原密码" name="old_password" input_type="password" error autocomplete="current-password" />
                    <Field label="新密码" name="password" input_type="password" error autocomplete="new-password" hint="至少8个字符，不要使用常见密码" />
                    <Field label="确认新密码" name="password_confirm" input_type="password" error autocomplete="new-password" />
                    <p class="text-xs text-slate-500">"修改后，其他设备上的登录将退出。"</p>
                    <button type="submit" class=format!("{PRIMARY_BUTTON} w-full")>"修改密码"</button>
                </ActionForm>
            </Card>
        </div>
    }
}

#[component]
pub fn InvoiceTitlesPage() -> impl IntoView {
    let query = use_query_map();
    let save = ServerAction::<SaveInvoiceTitle>::new();
    let delete = ServerAction::<DeleteInvoiceTitle>::new();
    let titles = PageData::new(list_invoice_titles());
    let editing = move || query.read().get("edit").and_then(|id| id.parse::<i64>().ok());
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let notice = query_notice(&[("saved", "已保存"), ("deleted", "已删除")]);
    view! {
        <Title text="发票信息" />
        <h1 class="mb-1 text-xl font-semibold text-slate-900">"发票信息"</h1>
        <p class="mb-4 text-sm text-slate-500">"统一开具增值税电子普通发票，请认真填写发票抬头和纳税人识别号。"</p>
        <div class="space-y-4">
            <Notice message=notice />
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match titles.await {
                        Ok(titles) => {
                            let edited = editing().and_then(|id| titles.iter().find(|t| t.id == id).cloned());
                            view! {
                                <Card title="已保存的发票抬头">
                                    {if titles.is_empty() {
                                        view! { <EmptyState message="还没有发票抬头" /> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="divide-y divide-slate-100">
                                                {titles.into_iter().map(|t| view! {
                                                    <li class="flex flex-wrap items-center gap-x-3 gap-y-1 py-3">
                                                        <div class="min-w-0 flex-1">
                                                            <p class="font-medium text-slate-900">
                                                                {t.title.clone()}
                                                                {t.is_default.then(|| view! { <span class="ml-2 rounded bg-blue-50 px-1.5 py-0.5 text-xs text-blue-700">"默认"</span> })}
                                                            </p>
                                                            <p class="text-sm text-slate-500">{if t.tax_number.is_empty() { "个人（无税号）".to_owned() } else { t.tax_number.clone() }}</p>
                                                        </div>
                                                        <a href=format!("/me/invoices?edit={}", t.id) class="text-sm text-blue-700 hover:underline">"编辑"</a>
                                                        <ActionForm action=delete>
                                                            <input type="hidden" name="id" value=t.id />
                                                            <button type="submit" class="text-sm text-red-600 hover:underline">"删除"</button>
                                                        </ActionForm>
                                                    </li>
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </Card>
                                <InvoiceTitleForm edited save error next=query.read_untracked().get("next").unwrap_or_default() />
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorPage error path="/me/invoices" /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn InvoiceTitleForm(
    edited: Option<InvoiceTitle>,
    save: ServerAction<SaveInvoiceTitle>,
    #[prop(into)] error: Signal<Option<AppError>>,
    next: String,
) -> impl IntoView {
    let heading = if edited.is_some() { "编辑发票抬头" } else { "新增发票抬头" };
    let t = edited.clone().unwrap_or_default();
    view! {
        <Card title=heading>
            <ActionForm action=save attr:class="grid gap-4 sm:grid-cols-2" attr:novalidate="">
                <div class="sm:col-span-2"><FormError error /></div>
                {edited.as_ref().map(|t| view! { <input type="hidden" name="id" value=t.id /> })}
                <input type="hidden" name="next" value=next />
                <Field label="发票抬头" name="title" error value=t.title.clone() hint="单位名称或个人姓名" />
                <Field label="纳税人识别号" name="tax_number" error value=t.tax_number.clone() maxlength=20 hint="单位必填；个人可不填" />
                <Field label="地址（选填）" name="address" error value=t.address.clone() />
                <Field label="电话（选填）" name="phone" error value=t.phone.clone() />
                <Field label="开户行（选填）" name="bank_name" error value=t.bank_name.clone() />
                <Field label="银行账号（选填）" name="bank_account" error value=t.bank_account.clone() />
                <label class="flex items-center gap-2 text-sm text-slate-700 sm:col-span-2">
                    <input type="checkbox" name="is_default" value="on" checked=t.is_default class="h-4 w-4 rounded border-slate-300" />
                    "设为默认发票抬头"
                </label>
                <div class="flex gap-3 sm:col-span-2">
                    <button type="submit" class=PRIMARY_BUTTON>"保存"</button>
                    {edited.is_some().then(|| view! { <a href="/me/invoices" class=SECONDARY_BUTTON>"取消"</a> })}
                </div>
            </ActionForm>
        </Card>
    }
}
