//! 继续教育记录 (the trainee's records, filtered), 学时记录添加 / 继续教育记录申报 (choose
//! 继续教育类型 first, then that type's fields, 计入年度, the hours, 附件材料 and 备注;
//! 保存 keeps a draft, 确认送审 sends it to the unit), and 详细 of one record.

use crate::{
    catalogue::domain::Category,
    credits::{
        api::{
            DeclarationDetail, DeclareView, DeleteDeclaration, RecordFilter, RecordLine, RecordsView,
            SaveDeclaration, SendDeclaration, declare_form, my_record, my_records,
        },
        domain::{
            Source,
            declarations::{DeclarationStatus, FieldKind, FieldSpec, REMARK_MAX_CHARS},
            signed_hours,
        },
    },
    error::AppError,
    platform::time::{format_date, format_datetime},
    shell::{
        components::{
            CARD_HEADING, Card, EmptyState, FormError, INPUT, InfoRow, LABEL, PRIMARY_BUTTON,
            SECONDARY_BUTTON, notice_from_query, url_error,
        },
        frame::Page,
        page_data::PageData,
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn RecordsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = query.with_untracked(|q| RecordFilter {
        year: q.get("year").unwrap_or_default(),
        category: q.get("category").unwrap_or_default(),
        source: q.get("source").unwrap_or_default(),
        status: q.get("status").unwrap_or_default(),
    });
    let data = PageData::new(my_records(filter.clone()));
    let notice = notice_from_query(&[("deleted", "", "已删除")]);
    view! {
        <Page title="继续教育记录" data notice render={move |view: RecordsView| {
            let filter = filter.clone();
            view! {
                <div class="flex justify-end">
                    <a href="/me/records/new" class=PRIMARY_BUTTON>"学时记录添加"</a>
                </div>
                <RecordFilterForm view=view.clone() filter />
                <Card>
                    {if view.lines.is_empty() {
                        view! { <EmptyState message="没有符合条件的继续教育记录" /> }.into_any()
                    } else {
                        view! {
                            <ul class="divide-y divide-slate-100" aria-label="继续教育记录">
                                {view.lines.into_iter().map(|line| view! { <RecordItem line /> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </Card>
            }
        }} />
    }
}

fn options_with_all(options: Vec<(String, String)>, selected: &str) -> impl IntoView + use<> {
    let all_selected = selected.is_empty();
    let selected = selected.to_owned();
    view! {
        <option value="" selected=all_selected>"全部"</option>
        {options.into_iter().map(|(value, text)| {
            let is_selected = value == selected;
            view! { <option value=value selected=is_selected>{text}</option> }
        }).collect_view()}
    }
}

#[component]
fn RecordFilterForm(view: RecordsView, filter: RecordFilter) -> impl IntoView {
    let years: Vec<(String, String)> =
        view.years.iter().map(|y| (y.to_string(), format!("{y}年度"))).collect();
    let categories: Vec<(String, String)> =
        Category::ALL.iter().map(|c| (c.code().to_owned(), c.label().to_owned())).collect();
    let sources: Vec<(String, String)> =
        Source::ALL.iter().map(|s| (s.code().to_owned(), s.label().to_owned())).collect();
    let statuses: Vec<(String, String)> = DeclarationStatus::ALL
        .iter()
        .map(|s| (s.code().to_owned(), s.label().to_owned()))
        .chain([("credited".to_owned(), "已计入".to_owned())])
        .collect();
    let select = |id: &'static str, label: &'static str, options: Vec<(String, String)>, selected: &str| {
        view! {
            <div>
                <label for=id class=LABEL>{label}</label>
                <select id=id name=id class=INPUT>{options_with_all(options, selected)}</select>
            </div>
        }
    };
    view! {
        <Card>
            <form method="get" class="grid grid-cols-2 gap-3 sm:grid-cols-5 sm:items-end" aria-label="筛选">
                {select("year", "计入年度", years, &filter.year)}
                {select("category", "学时类别", categories, &filter.category)}
                {select("source", "来源", sources, &filter.source)}
                {select("status", "状态", statuses, &filter.status)}
                <button type="submit" class=SECONDARY_BUTTON>"查询"</button>
            </form>
        </Card>
    }
}

#[component]
fn RecordItem(line: RecordLine) -> impl IntoView {
    let facts = format!(
        "{} · {} · {}年度 · {}",
        line.source,
        line.category.label(),
        line.year,
        signed_hours(line.tenths)
    );
    view! {
        <li class="py-3">
            <div class="flex flex-wrap items-baseline gap-2">
                <span class="font-medium text-slate-900">{line.title.clone()}</span>
                <span class="rounded bg-slate-100 px-1.5 text-xs text-slate-700">{line.status.clone()}</span>
                {line.declaration_id.map(|id| view! {
                    <a href=format!("/me/records/{id}") class="ml-auto text-sm text-blue-700 hover:underline">"详细"</a>
                })}
            </div>
            <p class="mt-1 text-sm text-slate-600">{facts}</p>
            <p class="mt-1 text-xs text-slate-400">{format_date(line.at)}</p>
        </li>
    }
}

/// 继续教育记录申报: new (`/me/records/new`) or changing a draft (`/me/records/:id/edit`).
#[component]
pub fn DeclarePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = params.read_untracked().get("id").and_then(|id| id.parse::<i64>().ok());
    let kind = query.read_untracked().get("type");
    let data = PageData::new(declare_form(kind, id));
    let error = url_error::<SaveDeclaration>();
    view! {
        <Page title="继续教育记录申报" data error render={move |view: DeclareView| {
            match view.chosen.clone() {
                None => view! { <ChooseType view /> }.into_any(),
                Some(kind) => view! { <DeclareForm view kind=kind error /> }.into_any(),
            }
        }} />
    }
}

/// Step one: the 继续教育类型 (a GET form, so it works without JavaScript).
#[component]
fn ChooseType(view: DeclareView) -> impl IntoView {
    view! {
        <Card>
            <form method="get" action="/me/records/new" class="space-y-4">
                <div>
                    <label for="type" class=LABEL>"继续教育类型"</label>
                    <select id="type" name="type" class=INPUT required>
                        <option value="">"请选择"</option>
                        {view.types.into_iter().map(|t| view! { <option value=t.code>{t.name}</option> }).collect_view()}
                    </select>
                    <p class="mt-1 text-xs text-slate-500">"选择类型后，系统将显示该类型需要填写的内容。"</p>
                </div>
                <button type="submit" class=PRIMARY_BUTTON>"下一步"</button>
            </form>
        </Card>
    }
}

fn field_message(
    error: Signal<Option<AppError>>,
    name: String,
) -> impl Fn() -> Option<String> + Send + Sync + 'static {
    move || error.get().and_then(|e| e.field(&name).map(str::to_owned))
}

fn field_invalid(
    error: Signal<Option<AppError>>,
    name: String,
) -> impl Fn() -> String + Send + Sync + 'static {
    move || error.get().is_some_and(|e| e.field(&name).is_some()).to_string()
}

/// One of the type's fields, as its kind asks.
#[component]
fn TypeField(spec: FieldSpec, value: String, error: Signal<Option<AppError>>) -> impl IntoView {
    let name = spec.input_name();
    let error_id = format!("{name}-error");
    let label = if spec.required { format!("{}（必填）", spec.label) } else { spec.label.clone() };
    let control = match spec.kind {
        FieldKind::Choice => view! {
            <select id=name.clone() name=name.clone() class=INPUT aria-invalid=field_invalid(error, name.clone()) aria-describedby=error_id.clone()>
                <option value="">"请选择"</option>
                {spec.options.iter().map(|o| {
                    let selected = *o == value;
                    view! { <option value=o.clone() selected=selected>{o.clone()}</option> }
                }).collect_view()}
            </select>
        }.into_any(),
        FieldKind::File => view! {
            <input id=name.clone() name=name.clone() type="file" accept="application/pdf,image/jpeg,image/png" class="mt-1 block w-full text-sm"
                aria-invalid=field_invalid(error, name.clone()) aria-describedby=error_id.clone() />
            {(!value.is_empty()).then(|| view! {
                <p class="mt-1 text-xs text-slate-500">"已上传 " <a href=format!("/files/{value}") class="text-blue-700 hover:underline">"查看"</a> "，不选则保留"</p>
            })}
        }.into_any(),
        kind => {
            let input_type = match kind {
                FieldKind::Date => "date",
                FieldKind::Number => "number",
                _ => "text",
            };
            view! {
                <input id=name.clone() name=name.clone() type=input_type value=value class=INPUT
                    aria-invalid=field_invalid(error, name.clone()) aria-describedby=error_id.clone() />
            }.into_any()
        }
    };
    view! {
        <div>
            <label for=name.clone() class=LABEL>{label}</label>
            {control}
            <p id=error_id class="mt-1 text-sm text-red-600">{field_message(error, name)}</p>
        </div>
    }
}

/// A common field's error line.
fn common_error(error: Signal<Option<AppError>>, name: &'static str) -> impl IntoView {
    view! { <p id=format!("{name}-error") class="mt-1 text-sm text-red-600">{field_message(error, name.to_owned())}</p> }
}

/// Step two: the chosen type's fields and the common ones.
#[component]
fn DeclareForm(
    view: DeclareView,
    kind: crate::credits::domain::declarations::DeclarationType,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let existing = view.existing.clone();
    let value_of = |key: &str| existing.as_ref().and_then(|e| e.values.get(key).cloned()).unwrap_or_default();
    let year = existing.as_ref().map(|e| e.year.to_string()).unwrap_or_default();
    let category = existing.as_ref().map(|e| e.category.code().to_owned()).unwrap_or_default();
    let hours = existing.as_ref().map(|e| e.claimed.to_string()).unwrap_or_default();
    let remark = existing.as_ref().map(|e| e.remark.clone()).unwrap_or_default();
    let id = existing.as_ref().map(|e| e.id.to_string()).unwrap_or_default();
    let refused =
        existing.as_ref().filter(|e| e.status == DeclarationStatus::Rejected).map(|e| e.review_note.clone());
    let conversion = kind.conversion();
    let type_fields = kind
        .fields
        .iter()
        .map(|spec| {
            let value = value_of(&spec.key);
            view! { <TypeField spec=spec.clone() value error /> }
        })
        .collect_view();
    let attached = existing.as_ref().map(|e| e.attachments.len()).unwrap_or_default();
    // A saved record keeps its type; a new one may go back to step one.
    let is_new = id.is_empty();
    view! {
        {refused.map(|reason| view! {
            <p role="note" class="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800">{format!("审核不通过：{reason}。修改后可重新送审。")}</p>
        })}
        {(!view.has_unit).then(|| view! {
            <p role="note" class="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800">
                "您还没有加入工作单位，可以先保存，加入单位（单位审核通过）后再确认送审。"
                <a href="/me/info" class="ml-1 font-medium underline">"我的信息"</a>
            </p>
        })}
        <Card>
            <form method="post" enctype="multipart/form-data" action=SaveDeclaration::url() class="space-y-4" novalidate>
                <FormError error />
                <input type="hidden" name="type" value=kind.code.clone() />
                <input type="hidden" name="id" value=id />
                <div class="flex flex-wrap items-baseline gap-2">
                    <h2 class=CARD_HEADING>{format!("继续教育类型：{}", kind.name)}</h2>
                    {is_new.then(|| view! { <a href="/me/records/new" class="text-sm text-blue-700 hover:underline">"更换类型"</a> })}
                </div>
                <fieldset class="grid gap-4 sm:grid-cols-2">
                    <legend class="sr-only">"基本信息"</legend>
                    {type_fields}
                    <div>
                        <label for="year" class=LABEL>"计入年度"</label>
                        <select id="year" name="year" class=INPUT aria-invalid=field_invalid(error, "year".into())>
                            {view.years.iter().map(|y| {
                                let selected = y.to_string() == year;
                                view! { <option value=y.to_string() selected=selected>{format!("{y}年度")}</option> }
                            }).collect_view()}
                        </select>
                        <p class="mt-1 text-xs text-slate-500">"审核通过后，学时计入所选年度。"</p>
                        {common_error(error, "year")}
                    </div>
                    <div>
                        <label for="category" class=LABEL>"学时类别"</label>
                        <select id="category" name="category" class=INPUT aria-invalid=field_invalid(error, "category".into())>
                            <option value="">"请选择"</option>
                            {Category::ALL.iter().map(|c| {
                                let selected = c.code() == category;
                                view! { <option value=c.code() selected=selected>{c.label()}</option> }
                            }).collect_view()}
                        </select>
                        {common_error(error, "category")}
                    </div>
                    {match conversion {
                        Some(rule) => view! { <p class="text-sm text-slate-600 sm:col-span-2">{rule}</p> }.into_any(),
                        None => view! {
                            <div>
                                <label for="hours" class=LABEL>"申报学时"</label>
                                <input id="hours" name="hours" value=hours inputmode="decimal" class=INPUT aria-invalid=field_invalid(error, "hours".into()) />
                                <p class="mt-1 text-xs text-slate-500">"可填小数，如 1.5"</p>
                                {common_error(error, "hours")}
                            </div>
                        }.into_any(),
                    }}
                </fieldset>
                <div>
                    <label for="attachments" class=LABEL>"附件材料"</label>
                    <input id="attachments" name="attachments" type="file" multiple accept="application/pdf,image/jpeg,image/png,application/zip,.zip"
                        class="mt-1 block w-full text-sm" aria-invalid=field_invalid(error, "attachments".into()) />
                    <p class="mt-1 text-xs text-slate-500">"证书、论文首页等证明材料的扫描件：图片或 PDF，可选多个文件，或打包为一个 zip；每个不超过 10 MB。"</p>
                    {(attached > 0).then(|| view! {
                        <p class="mt-1 text-xs text-slate-500">{format!("已上传 {attached} 个附件，新选的文件将一并保存。")}</p>
                    })}
                    {common_error(error, "attachments")}
                </div>
                <div>
                    <label for="remark" class=LABEL>"备注"</label>
                    <textarea id="remark" name="remark" rows="4" class=INPUT aria-invalid=field_invalid(error, "remark".into())>{remark}</textarea>
                    <p class="mt-1 text-xs text-slate-500">{format!("不超过 {REMARK_MAX_CHARS} 字")}</p>
                    {common_error(error, "remark")}
                </div>
                <div class="flex flex-wrap gap-3">
                    <button type="submit" name="action" value="save" class=SECONDARY_BUTTON>"保存"</button>
                    <button type="submit" name="action" value="send" class=PRIMARY_BUTTON>"确认送审"</button>
                </div>
            </form>
        </Card>
    }
}

/// 详细 of one of the trainee's records, with 修改 / 确认送审 / 删除 while it may change.
#[component]
pub fn RecordPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.read_untracked().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    let data = PageData::new(my_record(id));
    let send = ServerAction::<SendDeclaration>::new();
    let delete = ServerAction::<DeleteDeclaration>::new();
    let error = Signal::derive(move || {
        send.value().get().and_then(Result::err).or_else(|| delete.value().get().and_then(Result::err))
    });
    let notice = notice_from_query(&[("saved", "", "已保存为草稿"), ("sent", "", "已送审，请等待单位审核")]);
    view! {
        <Page title="继续教育记录详细" data notice error render={move |detail: DeclarationDetail| {
            let editable = detail.status.editable();
            let id = detail.id;
            view! {
                <DeclarationCard detail />
                {editable.then(|| view! {
                    <div class="flex flex-wrap gap-3">
                        <a href=format!("/me/records/{id}/edit") class=SECONDARY_BUTTON>"修改"</a>
                        <ActionForm action=send>
                            <input type="hidden" name="id" value=id />
                            <button type="submit" class=PRIMARY_BUTTON>"确认送审"</button>
                        </ActionForm>
                        <ActionForm action=delete>
                            <input type="hidden" name="id" value=id />
                            <button type="submit" class="inline-flex items-center rounded-md px-4 py-2 text-sm text-red-600 hover:bg-red-50">"删除"</button>
                        </ActionForm>
                    </div>
                })}
                <p><a href="/me/records" class="text-sm text-blue-700 hover:underline">"返回继续教育记录"</a></p>
            }
        }} />
    }
}

/// Every field and attachment of a record, as the trainee and the unit read it.
#[component]
pub fn DeclarationCard(detail: DeclarationDetail) -> impl IntoView {
    let hours = match detail.granted {
        Some(granted) if granted != detail.claimed => {
            format!("申报 {} 学时，核定 {} 学时", detail.claimed, granted)
        }
        Some(granted) => format!("{granted} 学时"),
        None => format!("{} 学时", detail.claimed),
    };
    let reviewed = detail
        .reviewed_at
        .map(|at| format!("{} {}", detail.reviewer.clone().unwrap_or_default(), format_datetime(at)));
    view! {
        <Card>
            <div class="flex flex-wrap items-baseline gap-2">
                <h2 class=CARD_HEADING>{detail.title.clone()}</h2>
                <span class="rounded bg-slate-100 px-1.5 text-xs text-slate-700">{detail.status.label()}</span>
            </div>
            <dl class="mt-3 space-y-2 text-sm">
                <InfoRow label="申报人" value=if detail.department.is_empty() { detail.user_name.clone() } else { format!("{} · {}", detail.user_name, detail.department) } />
                <InfoRow label="继续教育类型" value=detail.type_name.clone() />
                {detail.fields.into_iter().map(|f| view! {
                    <div class="flex gap-2">
                        <dt class="w-24 shrink-0 text-slate-500">{f.label}</dt>
                        <dd class="min-w-0 text-slate-900">{match f.file {
                            Some(href) => view! { <a href=href class="text-blue-700 hover:underline">{f.value}</a> }.into_any(),
                            None => view! { <span>{f.value}</span> }.into_any(),
                        }}</dd>
                    </div>
                }).collect_view()}
                <InfoRow label="计入年度" value=format!("{}年度", detail.year) />
                <InfoRow label="学时类别" value=detail.category.label() />
                <InfoRow label="学时" value=hours />
                <InfoRow label="备注" value=if detail.remark.is_empty() { "无".to_owned() } else { detail.remark.clone() } />
                {detail.submitted_at.map(|at| view! { <InfoRow label="送审时间" value=format_datetime(at) /> })}
                {reviewed.map(|text| view! { <InfoRow label="审核" value=text /> })}
                {(!detail.review_note.is_empty()).then(|| view! { <InfoRow label="审核意见" value=detail.review_note.clone() /> })}
            </dl>
            <h3 class="mt-4 text-sm font-medium text-slate-700">"附件材料"</h3>
            {if detail.attachments.is_empty() {
                view! { <p class="text-sm text-slate-500">"无"</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-1 space-y-1 text-sm" aria-label="附件材料">
                        {detail.attachments.into_iter().map(|a| view! {
                            <li><a href=a.href class="text-blue-700 hover:underline">{a.name}</a></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </Card>
    }
}
