//! The provider's console (施教机构): classes with their form, sessions and state.

use super::{
    api::{
        AddSession, ChangeClassState, ClassForEdit, ClassSummary, DeleteSession, SaveClass,
        get_class_for_edit, list_provider_classes,
    },
    domain::{ClassForm, ClassState, Mode},
    pages::hours_text,
};
use crate::shell::page_data::PageData;
use crate::{
    error::{AppError, AppResult},
    platform::paging::Page,
    shell::{
        components::{
            Card, EmptyState, FormError, INPUT, LABEL, Notice, PRIMARY_BUTTON, Pager, SECONDARY_BUTTON,
        },
        frame::{Loaded, Page as FramePage},
    },
    units::api::{RegionOption, load_directory},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use std::future::IntoFuture;

#[component]
pub fn ProviderClassList() -> impl IntoView {
    let query = use_query_map();
    let page = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok());
    let list = PageData::new(list_provider_classes(page()));
    view! {
        <Title text="培训班管理" />
        <div class="mb-4 flex items-center justify-between">
            <h1 class="text-xl font-semibold text-slate-900">"培训班管理"</h1>
            <a href="/admin/classes/new" class=PRIMARY_BUTTON>"新建培训班"</a>
        </div>
        <Loaded data=list render={|page: Page<ClassSummary>| {
                        let total_pages = page.total_pages();
                        let number = page.page;
                        view! {
                            <Card>
                                {if page.items.is_empty() {
                                    view! { <EmptyState message="还没有培训班" /> }.into_any()
                                } else {
                                    view! {
                                        <ul class="divide-y divide-slate-100">
                                            {page.items.into_iter().map(|c| view! {
                                                <li class="flex flex-wrap items-center gap-x-3 gap-y-1 py-3">
                                                    <a href=format!("/admin/classes/{}", c.id) class="min-w-0 flex-1 font-medium text-slate-900 hover:text-blue-700">{c.title.clone()}</a>
                                                    <span class="text-sm text-slate-500">{c.mode.label()}</span>
                                                    <span class="text-sm text-slate-500">{c.fee_fen.to_string()}</span>
                                                    <span class="rounded-full bg-slate-100 px-2.5 py-0.5 text-xs text-slate-700">{c.state.label()}</span>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </Card>
                            <Pager page=number total_pages href=|p| format!("/admin/classes?page={p}") />
                        }
        }} />
    }
}

#[component]
pub fn ProviderClassNew() -> impl IntoView {
    let save = ServerAction::<SaveClass>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let regions = PageData::new(load_directory(None, None));
    let blank = ClassForm {
        mode: Mode::Offline.code().to_owned(),
        needs_review: "on".to_owned(),
        ..Default::default()
    };
    // Without the region list the form still works (no region to choose).
    let regions =
        PageData::new(async move { AppResult::Ok(regions.await.map(|d| d.regions).unwrap_or_default()) });
    view! {
        <FramePage title="新建培训班" data=regions render={move |regions: Vec<RegionOption>| {
            let blank = blank.clone();
            view! {
                <ActionForm action=save attr:class="space-y-4" attr:novalidate="">
                    <ClassFields form=blank error regions />
                    <button type="submit" class=PRIMARY_BUTTON>"保存为草稿"</button>
                </ActionForm>
            }
        }} />
    }
}

/// The inputs of a class; names match [`ClassForm`].
#[component]
fn ClassFields(
    form: ClassForm,
    error: Signal<Option<AppError>>,
    regions: Vec<RegionOption>,
) -> impl IntoView {
    let message =
        move |field: &'static str| move || error.get().and_then(|e| e.field(field).map(str::to_owned));
    let invalid = move |field: &'static str| {
        move || error.get().is_some_and(|e| e.field(field).is_some()).then_some("true")
    };
    let text = move |label: &'static str,
                     name: &'static str,
                     value: String,
                     kind: &'static str,
                     hint: &'static str| {
        view! {
            <div>
                <label for=name class=LABEL>{label}</label>
                <input id=name name=name type=kind class=INPUT value=value aria-invalid=invalid(name) />
                {(!hint.is_empty()).then(|| view! { <p class="mt-1 text-xs text-slate-500">{hint}</p> })}
                <p class="mt-1 text-sm text-red-600">{message(name)}</p>
            </div>
        }
    };
    let area = move |label: &'static str,
                     name: &'static str,
                     value: String,
                     rows: u32,
                     hint: &'static str| {
        view! {
            <div>
                <label for=name class=LABEL>{label}</label>
                <textarea id=name name=name rows=rows class=INPUT aria-invalid=invalid(name)>{value}</textarea>
                {(!hint.is_empty()).then(|| view! { <p class="mt-1 text-xs text-slate-500">{hint}</p> })}
                <p class="mt-1 text-sm text-red-600">{message(name)}</p>
            </div>
        }
    };
    let check = |label: &'static str, name: &'static str, on: bool| {
        view! {
            <label class="inline-flex items-center gap-2 text-sm text-slate-700">
                <input type="checkbox" name=name checked=on class="h-4 w-4" />
                {label}
            </label>
        }
    };
    view! {
        <FormError error />
        <input type="hidden" name="id" value=form.id.clone() />
        <Card title="基本信息">
            <div class="grid gap-4 sm:grid-cols-2">
                <div class="sm:col-span-2">{text("培训班名称", "title", form.title.clone(), "text", "")}</div>
                <div>
                    <label for="mode" class=LABEL>"培训方式"</label>
                    <select id="mode" name="mode" class=INPUT>
                        {[Mode::Offline, Mode::Online].into_iter().map(|m| view! {
                            <option value=m.code() selected=form.mode == m.code()>{m.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                {text("培训年度", "year", form.year.clone(), "number", "")}
                {text("公需学时", "hours_public", form.hours_public.clone(), "text", "可填小数，如 1.5")}
                {text("专业学时", "hours_professional", form.hours_professional.clone(), "text", "")}
                {text("选修学时", "hours_elective", form.hours_elective.clone(), "text", "")}
                {text("培训费（元）", "fee_yuan", form.fee_yuan.clone(), "text", "")}
                {text("人数上限", "capacity", form.capacity.clone(), "number", "")}
                <div>
                    <label for="region_code" class=LABEL>"面向地区"</label>
                    <select id="region_code" name="region_code" class=INPUT aria-invalid=invalid("region_code")>
                        <option value="">"不限"</option>
                        {regions.into_iter().map(|r| {
                            let label = if r.level == 1 { r.name.clone() } else { format!("　{}", r.name) };
                            view! { <option value=r.code.clone() selected=form.region_code == r.code>{label}</option> }
                        }).collect_view()}
                    </select>
                    <p class="mt-1 text-xs text-slate-500">"只有所属单位在该地区的人员可以报名；选省份包含其下各市"</p>
                    <p class="mt-1 text-sm text-red-600">{message("region_code")}</p>
                </div>
                {text("报名开始日期", "opens_on", form.opens_on.clone(), "date", "")}
                {text("报名截止日期", "closes_on", form.closes_on.clone(), "date", "")}
                <div class="sm:col-span-2">{area("培训简介", "description", form.description.clone(), 5, "支持 Markdown：# 标题、**加粗**、- 列表、[链接](https://…)")}</div>
            </div>
        </Card>
        <Card title="报名要求">
            <div class="space-y-4">
                <div class="flex flex-wrap gap-x-6 gap-y-2">
                    {check("报名需要审核", "needs_review", !form.needs_review.is_empty())}
                    {check("需要填写职务", "needs_job_title", !form.needs_job_title.is_empty())}
                    {check("需要上传一寸照片", "needs_photo", !form.needs_photo.is_empty())}
                </div>
                {area("住宿选项", "lodgings", form.lodgings.clone(), 3, "线下培训可选，每行一项：名称 价格（元），如“标准间 300”")}
                {area("考试科目", "exam_subjects", form.exam_subjects.clone(), 3, "每行一个；留空则不选科目")}
                {area("考试类型", "exam_types", form.exam_types.clone(), 2, "每行一个，如“初次考试”“补考”")}
                {area("报名须知", "notice", form.notice.clone(), 6, "提交订单时弹出，学员阅读10秒后才能确认")}
            </div>
        </Card>
    }
}

#[component]
pub fn ProviderClassEdit() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let class = PageData::new(get_class_for_edit(id()));
    let regions = PageData::new(load_directory(None, None));
    let save = ServerAction::<SaveClass>::new();
    let state = ServerAction::<ChangeClassState>::new();
    let add = ServerAction::<AddSession>::new();
    let delete = ServerAction::<DeleteSession>::new();
    let save_error = Signal::derive(move || save.value().get().and_then(Result::err));
    let state_error = Signal::derive(move || {
        state.value().get().and_then(Result::err).or_else(|| delete.value().get().and_then(Result::err))
    });
    let session_error = Signal::derive(move || add.value().get().and_then(Result::err));
    let notice = Signal::derive(move || {
        let q = query.read();
        if q.get("saved").is_some() {
            Some("已保存".to_owned())
        } else if q.get("state").is_some() {
            Some("状态已更新".to_owned())
        } else if q.get("session").is_some() {
            Some("期次已添加".to_owned())
        } else {
            None
        }
    });
    let actions = EditActions { notice, save, save_error, state, state_error, add, session_error, delete };
    // The class, with the region list (without which the form still works).
    let data = PageData::new(async move {
        let (class, regions) = futures::join!(class.into_future(), regions.into_future());
        class.map(|c| (c, regions.map(|d| d.regions).unwrap_or_default()))
    });
    view! {
        <Title text="编辑培训班" />
        <Loaded data render={move |(c, regions): (ClassForEdit, Vec<RegionOption>)| view! { <EditBody c regions actions /> }} />
    }
}

/// The edit page's notice, its forms' actions and their errors.
#[derive(Clone, Copy)]
struct EditActions {
    notice: Signal<Option<String>>,
    save: ServerAction<SaveClass>,
    save_error: Signal<Option<AppError>>,
    state: ServerAction<ChangeClassState>,
    state_error: Signal<Option<AppError>>,
    add: ServerAction<AddSession>,
    session_error: Signal<Option<AppError>>,
    delete: ServerAction<DeleteSession>,
}

#[component]
fn EditBody(c: ClassForEdit, regions: Vec<RegionOption>, actions: EditActions) -> impl IntoView {
    let EditActions { notice, save, save_error, state, state_error, add, session_error, delete } = actions;
    let offline = c.form.mode == Mode::Offline.code();
    let next_states: Vec<ClassState> =
        ClassState::ALL.into_iter().filter(|s| c.state.can_become(*s)).collect();
    let hours = [&c.form.hours_public, &c.form.hours_professional, &c.form.hours_elective]
        .map(|h| super::domain::Hours::parse(h).unwrap_or_default());
    let message = move |field: &'static str| {
        move || session_error.get().and_then(|e| e.field(field).map(str::to_owned))
    };
    let field = move |label: &'static str, name: &'static str, kind: &'static str| {
        view! {
            <div>
                <label for=format!("session-{name}") class=LABEL>{label}</label>
                <input id=format!("session-{name}") name=name type=kind class=INPUT />
                <p class="mt-1 text-sm text-red-600">{message(name)}</p>
            </div>
        }
    };
    view! {
        <div class="mb-4 flex flex-wrap items-center gap-3">
            <h1 class="min-w-0 flex-1 text-xl font-semibold text-slate-900">{c.form.title.clone()}</h1>
            <span class="rounded-full bg-slate-100 px-2.5 py-0.5 text-sm text-slate-700" data-testid="class-state">{c.state.label()}</span>
            <a href=format!("/classes/{}", c.id) class=SECONDARY_BUTTON>"查看报名页"</a>
            <a href=format!("/admin/registrations?class_id={}", c.id) class=SECONDARY_BUTTON>"报名审核"</a>
        </div>
        <div class="space-y-4">
            <Notice message=notice />
            <Card title="培训班状态">
                <p class="text-sm text-slate-600">
                    {format!("当前：{}。已报名 {} 人。{}", c.state.label(), c.seats_taken, hours_text(&hours))}
                </p>
                <FormError error=state_error />
                <div class="mt-3 flex flex-wrap gap-3">
                    {next_states.into_iter().map(|next| view! {
                        <ActionForm action=state>
                            <input type="hidden" name="id" value=c.id />
                            <input type="hidden" name="next" value=next.code() />
                            <button type="submit" class=if next == ClassState::Open { PRIMARY_BUTTON } else { SECONDARY_BUTTON }>{next.action_label()}</button>
                        </ActionForm>
                    }).collect_view()}
                </div>
                <p class="mt-2 text-xs text-slate-500">"草稿 → 接受报名 → 报名截止 → 已结束；只有“接受报名”状态的培训班可以报名。"</p>
            </Card>
            <Card title="期次">
                {if c.sessions.is_empty() {
                    view! { <EmptyState message="还没有期次，开放报名前请至少添加一个" /> }.into_any()
                } else {
                    view! {
                        <ul class="divide-y divide-slate-100 text-sm">
                            {c.sessions.clone().into_iter().map(|s| view! {
                                <li class="flex flex-wrap items-center gap-x-4 gap-y-1 py-2">
                                    <span class="font-medium text-slate-900">{s.name.clone()}</span>
                                    <span class="text-slate-600">{format!("{} 至 {}", s.starts_on, s.ends_on)}</span>
                                    {(!s.place.is_empty()).then(|| view! { <span class="text-slate-600">{s.place.clone()}</span> })}
                                    {(!s.checkin_opens.is_empty()).then(|| view! {
                                        <span class="text-slate-500">{format!("报到 {} – {}", s.checkin_opens.replace('T', " "), s.checkin_closes.replace('T', " "))}</span>
                                    })}
                                    <span class="text-slate-500">{format!("已报 {} / {}", s.seats_taken, s.capacity)}</span>
                                    <ActionForm action=delete attr:class="ml-auto">
                                        <input type="hidden" name="class_id" value=c.id />
                                        <input type="hidden" name="session_id" value=s.id />
                                        <button type="submit" class="text-sm text-red-700 hover:underline">"删除"</button>
                                    </ActionForm>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <ActionForm action=add attr:class="mt-4 grid gap-3 border-t border-slate-100 pt-4 sm:grid-cols-2" attr:aria-label="添加期次" attr:novalidate="">
                    <div class="sm:col-span-2"><FormError error=session_error /></div>
                    <input type="hidden" name="class_id" value=c.id />
                    {field("期次名称", "name", "text")}
                    {field("名额", "capacity", "number")}
                    {field("开始日期", "starts_on", "date")}
                    {field("结束日期", "ends_on", "date")}
                    {offline.then(|| view! {
                        {field("培训地点", "place", "text")}
                        <div></div>
                        {field("报到开始时间", "checkin_opens", "datetime-local")}
                        {field("报到截止时间", "checkin_closes", "datetime-local")}
                    })}
                    <div class="sm:col-span-2"><button type="submit" class=SECONDARY_BUTTON>"添加期次"</button></div>
                </ActionForm>
            </Card>
            <ActionForm action=save attr:class="space-y-4" attr:novalidate="">
                <ClassFields form=c.form.clone() error=save_error regions />
                <button type="submit" class=PRIMARY_BUTTON>"保存修改"</button>
            </ActionForm>
        </div>
    }
}
