//! 继续教育类型: the kinds of record a trainee may declare and the fields each asks,
//! edited by the authority (one card per kind, two blank rows for new fields).

use crate::{
    credits::{
        api::{SaveDeclarationType, TypeLine, admin_declaration_types},
        domain::declarations::{FieldKind, FieldSpec, MAX_FIELDS},
    },
    error::AppError,
    shell::{
        components::{CARD_HEADING, Card, FormError, INPUT, LABEL, PRIMARY_BUTTON},
        frame::Page,
        page_data::PageData,
    },
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn DeclarationTypesPage() -> impl IntoView {
    let data = PageData::new(admin_declaration_types());
    let save = ServerAction::<SaveDeclarationType>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let query = use_query_map();
    let notice =
        Signal::derive(move || query.with(|q| q.get("saved").map(|_| "已保存，申报表单即时更新".to_owned())));
    view! {
        <Page title="继续教育类型" data notice render={move |lines: Vec<TypeLine>| view! {
            <p class="text-sm text-slate-600">"每种类型的字段即学员申报时填写的内容；计入年度、学时类别、申报学时、附件材料和备注是每种类型都有的。删去字段名称即删除该字段，已申报的记录不受影响。"</p>
            {lines.into_iter().map(|line| view! { <TypeCard line=Some(line) save error /> }).collect_view()}
            <TypeCard line=None save error />
        }} />
    }
}

#[component]
fn TypeCard(
    line: Option<TypeLine>,
    save: ServerAction<SaveDeclarationType>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let (code, name, per_item, active, fields) = match &line {
        Some(l) => (
            l.kind.code.clone(),
            l.kind.name.clone(),
            l.kind.per_item.map(|h| h.to_string()).unwrap_or_default(),
            l.active,
            l.kind.fields.clone(),
        ),
        None => (String::new(), String::new(), String::new(), true, Vec::new()),
    };
    let prefix = if code.is_empty() { "new".to_owned() } else { code.clone() };
    let heading = if line.is_some() { name.clone() } else { "新增类型".to_owned() };
    let rows: Vec<Option<FieldSpec>> =
        fields.into_iter().map(Some).chain(std::iter::repeat_n(None, 2)).take(MAX_FIELDS).collect();
    // Only the card that was posted shows the error.
    let posted = code.clone();
    let card_error = Signal::derive(move || {
        error.get().filter(|_| {
            save.input()
                .get()
                .is_none_or(|i| i.form.pairs.get("code").map(String::as_str) == Some(posted.as_str()))
        })
    });
    let region_label = heading.clone();
    view! {
        <Card>
            <section aria-label=region_label>
                <h2 class=CARD_HEADING>{heading}</h2>
                <ActionForm action=save attr:class="space-y-3" attr:novalidate="">
                    <FormError error=card_error />
                    <input type="hidden" name="code" value=code />
                    <div class="grid gap-3 sm:grid-cols-3">
                        <div>
                            <label for=format!("{prefix}-name") class=LABEL>"类型名称"</label>
                            <input id=format!("{prefix}-name") name="name" value=name class=INPUT />
                        </div>
                        <div>
                            <label for=format!("{prefix}-per-item") class=LABEL>"每项折算学时"</label>
                            <input id=format!("{prefix}-per-item") name="per_item" value=per_item inputmode="decimal" class=INPUT placeholder="留空：按申报学时" />
                        </div>
                        <label class="inline-flex items-center gap-2 self-end pb-2 text-sm text-slate-700">
                            <input type="checkbox" name="active" checked=active class="h-4 w-4" />
                            "启用"
                        </label>
                    </div>
                    // Scrolls sideways on a phone rather than squeezing the five columns.
                    <div class="overflow-x-auto">
                    <table class="w-full min-w-[36rem] text-sm">
                        <thead>
                            <tr class="text-left text-slate-500">
                                <th class="py-1 font-normal">"字段名称"</th>
                                <th class="py-1 font-normal">"字段类型"</th>
                                <th class="py-1 font-normal">"必填"</th>
                                <th class="py-1 font-normal">"选项（顿号分隔）"</th>
                                <th class="py-1 font-normal">"上限"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows.into_iter().enumerate().map(|(i, spec)| view! { <FieldEditRow i spec prefix=prefix.clone() /> }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                    <button type="submit" class=PRIMARY_BUTTON>"保存"</button>
                </ActionForm>
            </section>
        </Card>
    }
}

#[component]
fn FieldEditRow(i: usize, spec: Option<FieldSpec>, prefix: String) -> impl IntoView {
    let name = |what: &str| format!("field_{i}_{what}");
    let id = |what: &str| format!("{prefix}-{i}-{what}");
    let kind = spec.as_ref().map(|s| s.kind).unwrap_or(FieldKind::Text);
    let key = spec.as_ref().map(|s| s.key.clone()).unwrap_or_default();
    let label = spec.as_ref().map(|s| s.label.clone()).unwrap_or_default();
    let required = spec.as_ref().is_some_and(|s| s.required);
    let options = spec.as_ref().map(|s| s.options.join("、")).unwrap_or_default();
    let max = spec.as_ref().and_then(|s| s.max).map(|m| m.to_string()).unwrap_or_default();
    let cell = "w-full rounded-md border border-slate-300 px-2 py-1";
    view! {
        <tr>
            <td class="py-1 pr-2">
                <input type="hidden" name=name("key") value=key />
                <label for=id("label") class="sr-only">{format!("第 {} 个字段名称", i + 1)}</label>
                <input id=id("label") name=name("label") value=label class=cell />
            </td>
            <td class="py-1 pr-2">
                <label for=id("kind") class="sr-only">{format!("第 {} 个字段类型", i + 1)}</label>
                <select id=id("kind") name=name("kind") class=cell>
                    {FieldKind::ALL.into_iter().map(|k| view! { <option value=k.code() selected=k == kind>{k.label()}</option> }).collect_view()}
                </select>
            </td>
            <td class="py-1 pr-2 text-center">
                <input type="checkbox" name=name("required") checked=required class="h-4 w-4" aria-label=format!("第 {} 个字段必填", i + 1) />
            </td>
            <td class="py-1 pr-2">
                <label for=id("options") class="sr-only">{format!("第 {} 个字段选项", i + 1)}</label>
                <input id=id("options") name=name("options") value=options class=cell />
            </td>
            <td class="py-1">
                <label for=id("max") class="sr-only">{format!("第 {} 个字段上限", i + 1)}</label>
                <input id=id("max") name=name("max") value=max inputmode="numeric" class=cell />
            </td>
        </tr>
    }
}
