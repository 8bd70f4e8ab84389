//! 通知公告管理: the platform admin's list, new and edit pages.

use super::{
    api::{AttachFile, DetachFile, SaveAnnouncement, admin_get_announcement, admin_list_announcements},
    domain::{AnnouncementForEdit, AnnouncementSummary, Category},
};
use crate::shell::page_data::PageData;
use crate::{
    error::AppError,
    platform::{paging::Page, time::format_date},
    shell::{
        components::{
            Card, FieldError, FormError, INPUT, LABEL, PRIMARY_BUTTON, PagedList, SECONDARY_BUTTON, url_error,
        },
        frame::Loaded,
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn AdminAnnouncementList() -> impl IntoView {
    let query = use_query_map();
    let page = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok());
    let list = PageData::new(admin_list_announcements(page()));
    view! {
        <Title text="通知公告管理" />
        <div class="mb-4 flex items-center justify-between">
            <h1 class="text-xl font-semibold text-slate-900">"通知公告管理"</h1>
            <a href="/admin/announcements/new" class=PRIMARY_BUTTON>"新建公告"</a>
        </div>
        <Loaded data=list render={|page: Page<AnnouncementSummary>| view! {
            <PagedList
                page
                empty="还没有公告，点击“新建公告”发布第一条"
                href=|p| format!("/admin/announcements?page={p}")
                row=|item: AnnouncementSummary| view! {
                    <li class="flex flex-wrap items-center gap-x-3 gap-y-1 py-3">
                        <span class="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">{item.category.label()}</span>
                        <a href=format!("/admin/announcements/{}", item.id) class="min-w-0 flex-1 truncate text-slate-900 hover:text-blue-700">
                            {item.title}
                        </a>
                        {match item.published_at {
                            Some(at) => view! {
                                <span class="text-xs text-green-700">"已发布 " {format_date(at)}</span>
                            }.into_any(),
                            None => view! { <span class="text-xs text-amber-700">"草稿"</span> }.into_any(),
                        }}
                    </li>
                }
            />
        }} />
    }
}

#[component]
pub fn AdminAnnouncementNew() -> impl IntoView {
    view! {
        <Title text="新建公告" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"新建公告"</h1>
        <AnnouncementForm existing=None />
    }
}

#[component]
pub fn AdminAnnouncementEdit() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let detach = ServerAction::<DetachFile>::new();
    let upload_error = url_error::<AttachFile>();
    let item = PageData::new({
        let id = id();
        async move {
            match id {
                Some(id) => admin_get_announcement(id).await,
                None => Err(AppError::not_found("该公告不存在")),
            }
        }
    });
    let notice = move || {
        let q = query.read();
        if q.get("saved").is_some() {
            Some("已保存")
        } else if q.get("attached").is_some() {
            Some("附件已上传")
        } else {
            None
        }
    };
    let detach_error = Signal::derive(move || detach.value().get().and_then(Result::err));
    view! {
        <Title text="编辑公告" />
        <Loaded data=item render={move |item: AnnouncementForEdit| {
                        let id = item.id;
                        let attachments = item.attachments.clone();
                        view! {
                            <div class="mb-4 flex flex-wrap items-center justify-between gap-2">
                                <h1 class="text-xl font-semibold text-slate-900">"编辑公告"</h1>
                                <a href=format!("/news/{id}") class=SECONDARY_BUTTON>{if item.published { "查看" } else { "预览" }}</a>
                            </div>
                            {move || notice().map(|text| view! {
                                <p role="status" class="mb-4 rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-700">{text}</p>
                            })}
                            <AnnouncementForm existing=Some(item) />
                            <div class="mt-4">
                                <Card title="附件">
                                    <FormError error=detach_error />
                                    {if attachments.is_empty() {
                                        view! { <p class="text-sm text-slate-500">"暂无附件"</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="mb-4 divide-y divide-slate-100">
                                                {attachments.into_iter().map(|a| view! {
                                                    <li class="flex items-center gap-3 py-2">
                                                        <a href=a.url() class="min-w-0 flex-1 truncate text-blue-700 hover:underline">{a.filename.clone()}</a>
                                                        <span class="text-xs text-slate-400">{a.size_label()}</span>
                                                        <ActionForm action=detach>
                                                            <input type="hidden" name="announcement_id" value=id />
                                                            <input type="hidden" name="file_id" value=a.file_id.clone() />
                                                            <button type="submit" class="text-sm text-red-600 hover:underline">"删除"</button>
                                                        </ActionForm>
                                                    </li>
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                    // A native multipart form: it works the same with and without JavaScript.
                                    <form
                                        method="post"
                                        enctype="multipart/form-data"
                                        action=AttachFile::url()
                                        class="mt-3 space-y-2"
                                    >
                                        <FormError error=upload_error />
                                        <input type="hidden" name="announcement_id" value=id />
                                        <label for="file" class=LABEL>"上传附件（PDF、JPEG 或 PNG，不超过 10 MB）"</label>
                                        <input id="file" name="file" type="file" accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png" required class="block w-full text-sm" />
                                        <button type="submit" class=SECONDARY_BUTTON>"上传"</button>
                                    </form>
                                </Card>
                            </div>
                        }
        }} />
    }
}

/// The create/edit form. Field errors appear under their fields.
#[component]
fn AnnouncementForm(existing: Option<AnnouncementForEdit>) -> impl IntoView {
    let save = ServerAction::<SaveAnnouncement>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let invalid =
        move |field: &'static str| move || error.get().is_some_and(|e| e.field(field).is_some()).to_string();
    let (id, category, title, body, published) = match &existing {
        Some(item) => (
            Some(item.id),
            Some(item.category),
            item.title.clone(),
            item.body_markdown.clone(),
            item.published,
        ),
        None => (None, None, String::new(), String::new(), false),
    };
    view! {
        <Card>
            <ActionForm action=save attr:class="space-y-4" attr:novalidate="">
                <FormError error />
                {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
                <div>
                    <label for="category" class=LABEL>"栏目"</label>
                    <select id="category" name="category" class=INPUT aria-invalid=invalid("category") aria-describedby="category-error">
                        <option value="" selected=category.is_none()>"请选择栏目"</option>
                        {Category::ALL.into_iter().map(|c| view! {
                            <option value=c.code() selected=category == Some(c)>{c.label()}</option>
                        }).collect_view()}
                    </select>
                    <FieldError error field="category" id="category-error" />
                </div>
                <div>
                    <label for="title" class=LABEL>"标题"</label>
                    <input id="title" name="title" class=INPUT value=title maxlength="100" aria-invalid=invalid("title") aria-describedby="title-error" />
                    <FieldError error field="title" id="title-error" />
                </div>
                <div>
                    <label for="body" class=LABEL>"正文"</label>
                    <textarea id="body" name="body" rows="12" class=INPUT aria-invalid=invalid("body") aria-describedby="body-hint body-error">{body}</textarea>
                    <p id="body-hint" class="mt-1 text-xs text-slate-500">"支持 Markdown：# 标题、**加粗**、- 列表、[链接](https://…)"</p>
                    <FieldError error field="body" id="body-error" />
                </div>
                <label class="flex items-center gap-2 text-sm text-slate-700">
                    <input type="checkbox" name="published" value="on" checked=published class="h-4 w-4 rounded border-slate-300" />
                    "发布（不勾选则保存为草稿）"
                </label>
                <div class="flex gap-3">
                    <button type="submit" class=PRIMARY_BUTTON disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "正在保存…" } else { "保存" }}
                    </button>
                    <a href="/admin/announcements" class=SECONDARY_BUTTON>"返回列表"</a>
                </div>
            </ActionForm>
        </Card>
    }
}
