//! 我的班级, the 班级首页 and 在线选课 with the hour counter; the course player and
//! 课后测验 in their own files.

pub mod player;
pub mod quiz;

pub use player::PlayerPage;
pub use quiz::{QuizPage, ResultPage};

use crate::learning::{
    api::{
        ClassHome, ConfirmSelection, CourseCard, MyClass, SelectionView, load_class_home, load_my_classes,
        load_selection,
    },
    domain::{HoursByCategory, hours_label},
};
use crate::shell::page_data::PageData;
use crate::{
    accounts::pages::use_auth,
    catalogue::domain::Category,
    error::AppResult,
    shell::{
        components::{Card, EmptyState, FormError, Notice, PRIMARY_BUTTON, ProgressBar, SECONDARY_BUTTON},
        errors::LoginRequiredPage,
        frame::Loaded,
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// "12 / 30 学时" per category the class requires.
fn requirement_lines(required: &HoursByCategory, have: &HoursByCategory) -> Vec<(Category, String)> {
    Category::ALL
        .into_iter()
        .filter(|c| required.get(*c) > 0)
        .map(|c| (c, format!("{} / {}", hours_label(have.get(c)), hours_label(required.get(c)))))
        .collect()
}

fn percent(have: i64, required: i64) -> i64 {
    if required <= 0 { 100 } else { (have * 100 / required).clamp(0, 100) }
}

/// [`Loaded`] for the trainee's pages of learning: a visitor who is not signed in is
/// asked to log in and come back to 我的班级.
#[component]
pub(super) fn Studied<T, F, V>(data: PageData<AppResult<T>>, render: F) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! { <Loaded data render login_next="/learn" /> }
}

/// 学习 → 我的班级.
#[component]
pub fn LearnPage() -> impl IntoView {
    let signed_in = use_auth().current().is_some();
    let classes = PageData::new(load_my_classes());
    view! {
        <Title text="我的班级" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"我的班级"</h1>
        {if signed_in {
            view! {
                <Loaded data=classes render={|list: Vec<MyClass>| if list.is_empty() {
                    view! {
                        <Card><EmptyState message="您还没有已开通的班级。报名并缴费线上培训后，班级会出现在这里。" /></Card>
                    }.into_any()
                } else {
                    view! {
                        <ul class="grid gap-3 md:grid-cols-2" aria-label="我的班级">
                            {list.into_iter().map(|c| view! { <ClassCard class=c /> }).collect_view()}
                        </ul>
                    }.into_any()
                }} />
            }.into_any()
        } else {
            view! { <LoginRequiredPage next="/learn" /> }.into_any()
        }}
    }
}

#[component]
fn ClassCard(class: MyClass) -> impl IntoView {
    let total = percent(class.earned.total(), class.required.total());
    view! {
        <li class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
            <p class="font-medium text-slate-900">{class.title.clone()}</p>
            <p class="mt-1 text-sm text-slate-500">{format!("{}年度 · 已选 {} 门课程", class.year, class.courses_selected)}</p>
            <div class="mt-3 space-y-1 text-sm">
                {requirement_lines(&class.required, &class.earned).into_iter().map(|(c, text)| view! {
                    <p class="flex justify-between"><span class="text-slate-600">{format!("{}学时", c.label())}</span><span>{text}</span></p>
                }).collect_view()}
            </div>
            <div class="mt-2"><ProgressBar value=total label=format!("{} 学习进度", class.title) /></div>
            <a href=format!("/learn/class/{}", class.class_id) class=format!("{PRIMARY_BUTTON} mt-4 w-full")>"立即学习"</a>
        </li>
    }
}

/// 班级首页: selection status, progress per course, hours earned against required, 培训须知.
#[component]
pub fn ClassHomePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let home = PageData::new(load_class_home(id()));
    let notice = Signal::derive(move || query.read().get("selected").map(|n| format!("已确认选课 {n} 门")));
    view! {
        <Title text="班级首页" />
        <Studied data=home render={move |h: ClassHome| {
                        let requirement_met = Category::ALL.iter().all(|c| h.selected.get(*c) >= h.required.get(*c));
                        // The rule that completes the registration (已完成), so its 培训证明 is due.
                        let completed = Category::ALL.iter().all(|c| h.earned.get(*c) >= h.required.get(*c));
                        view! {
                            <div class="space-y-4">
                                <a href="/learn" class="text-sm text-blue-700 hover:underline">"‹ 我的班级"</a>
                                <h1 class="text-xl font-semibold text-slate-900">{h.title.clone()}</h1>
                                <Notice message=notice />
                                <div class="grid gap-4 md:grid-cols-3">
                                    <Card title="选课情况">
                                        <ul class="space-y-1 text-sm" aria-label="已选学时">
                                            {requirement_lines(&h.required, &h.selected).into_iter().map(|(c, text)| view! {
                                                <li class="flex justify-between"><span class="text-slate-600">{format!("已选{}学时", c.label())}</span><span>{text}</span></li>
                                            }).collect_view()}
                                        </ul>
                                        <a href=format!("/learn/class/{}/select", h.class_id)
                                            class=format!("{} mt-3 w-full", if requirement_met { SECONDARY_BUTTON } else { PRIMARY_BUTTON })>
                                            {if requirement_met { "查看课程" } else { "立即选课" }}
                                        </a>
                                    </Card>
                                    <Card title="学习成绩">
                                        <ul class="space-y-1 text-sm" aria-label="获得学时">
                                            {requirement_lines(&h.required, &h.earned).into_iter().map(|(c, text)| view! {
                                                <li class="flex justify-between"><span class="text-slate-600">{format!("获得{}学时", c.label())}</span><span data-testid=format!("earned-{}", c.code())>{text}</span></li>
                                            }).collect_view()}
                                        </ul>
                                        <div class="mt-3"><ProgressBar value=percent(h.earned.total(), h.required.total()) label="学时完成情况" /></div>
                                        {completed.then(|| view! {
                                            <a href=format!("/me/certificates/class/{}", h.class_id) class=format!("{PRIMARY_BUTTON} mt-3 w-full")>"打印培训证明"</a>
                                        })}
                                    </Card>
                                    <Card title="培训须知">
                                        <p class="whitespace-pre-line text-sm text-slate-600">{h.notice.clone()}</p>
                                    </Card>
                                </div>
                                <Card title="学习进度">
                                    {if h.courses.is_empty() {
                                        view! { <EmptyState message="还没有选课。点击“立即选课”选择本班课程。" /> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="divide-y divide-slate-100" aria-label="已选课程">
                                                {h.courses.into_iter().map(|c| view! {
                                                    <li class="flex flex-wrap items-center gap-3 py-3">
                                                        // A line of its own on a phone, so the buttons do not squeeze the title.
                                                        <div class="w-full min-w-0 sm:w-auto sm:flex-1">
                                                            <p class="font-medium text-slate-900">{c.course.title.clone()}</p>
                                                            <p class="text-sm text-slate-500">
                                                                {format!("{} · {} · 进度 {}%", c.course.category.label(), hours_label(c.course.hours_tenths), c.progress)}
                                                                {c.best_score.map(|s| format!(" · 最高成绩 {s}分"))}
                                                            </p>
                                                            <div class="mt-1 max-w-xs"><ProgressBar value=c.progress label=format!("{} 进度", c.course.title) /></div>
                                                        </div>
                                                        {if c.passed {
                                                            view! { <span class="rounded-full bg-green-50 px-2.5 py-0.5 text-xs font-medium text-green-700 ring-1 ring-inset ring-green-200">"已通过"</span> }.into_any()
                                                        } else {
                                                            ().into_any()
                                                        }}
                                                        <a href=format!("/learn/course/{}", c.selection_id) class=SECONDARY_BUTTON>{if c.progress >= 100 { "复习" } else { "开始学习" }}</a>
                                                        <a href=format!("/learn/quiz/{}", c.selection_id) class=SECONDARY_BUTTON>"课后测验"</a>
                                                    </li>
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </Card>
                            </div>
                        }
        }} />
    }
}

/// 在线选课: the class's courses by category; the counter (an island) adds up what is
/// ticked as it happens; 确认选中的课程 posts the ticked ones.
#[component]
pub fn SelectPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let view_data = PageData::new(load_selection(id()));
    let confirm = ServerAction::<ConfirmSelection>::new();
    let error = Signal::derive(move || confirm.value().get().and_then(Result::err));
    view! {
        <Title text="在线选课" />
        <Studied data=view_data render={move |v: SelectionView| {
                        let confirmed_courses: Vec<&CourseCard> =
                            v.catalogue.iter().filter(|c| v.confirmed.contains(&c.id)).collect();
                        let confirmed_hours: Vec<(Category, i64)> =
                            confirmed_courses.iter().map(|c| (c.category, c.hours_tenths)).collect();
                        let confirmed = HoursByCategory::sum(&confirmed_hours);
                        let confirmed_courses: Vec<(String, i64)> =
                            confirmed_courses.iter().map(|c| (c.title.clone(), c.hours_tenths)).collect();
                        view! {
                            <div class="space-y-4">
                                <a href=format!("/learn/class/{}", v.class_id) class="text-sm text-blue-700 hover:underline">"‹ 班级首页"</a>
                                <h1 class="text-xl font-semibold text-slate-900">"在线选课"</h1>
                                <p class="text-sm text-slate-600">{v.title.clone()}</p>
                                <FormError error />
                                <form method="post" action=ConfirmSelection::url() id="course-selection" class="space-y-4">
                                    <input type="hidden" name="class_id" value=v.class_id />
                                    <HourCounter required=v.required confirmed confirmed_courses />
                                    {Category::ALL.into_iter().filter_map(|category| {
                                        let courses: Vec<CourseCard> = v.catalogue.iter().filter(|c| c.category == category).cloned().collect();
                                        let confirmed = v.confirmed.clone();
                                        (!courses.is_empty()).then(move || view! {
                                            <Card title=format!("{}课程", category.label())>
                                                <ul class="divide-y divide-slate-100" aria-label=format!("{}课程", category.label())>
                                                    {courses.into_iter().map(|c| {
                                                        let taken = confirmed.contains(&c.id);
                                                        view! { <CourseChoice course=c taken /> }
                                                    }).collect_view()}
                                                </ul>
                                            </Card>
                                        })
                                    }).collect_view()}
                                    {v.catalogue.is_empty().then(|| view! { <Card><EmptyState message="本班级暂未开设课程" /></Card> })}
                                    <button type="submit" class=format!("{PRIMARY_BUTTON} w-full")>"确认选中的课程"</button>
                                </form>
                            </div>
                        }
        }} />
    }
}

#[component]
fn CourseChoice(course: CourseCard, taken: bool) -> impl IntoView {
    let c = course;
    view! {
        <li class="flex flex-wrap items-center gap-3 py-3">
            {c.cover_url.clone().map(|url| view! { <img src=url alt="" class="h-12 w-20 rounded object-cover" /> })}
            <div class="min-w-0 flex-1">
                <p class="font-medium text-slate-900">{c.title.clone()}</p>
                <p class="text-sm text-slate-500">{format!("{} · {} · {} 章 · {}", c.category.label(), hours_label(c.hours_tenths), c.chapters, c.provider)}</p>
                {(!c.description.is_empty()).then(|| view! { <p class="mt-1 text-sm text-slate-600">{c.description.clone()}</p> })}
            </div>
            {if taken {
                view! { <span class="rounded-full bg-green-50 px-3 py-1 text-sm text-green-700">"已选"</span> }.into_any()
            } else {
                view! {
                    <label class="inline-flex cursor-pointer items-center gap-2 rounded-md border border-slate-300 px-3 py-1.5 text-sm has-[:checked]:border-blue-600 has-[:checked]:bg-blue-50 has-[:checked]:text-blue-700">
                        <input type="checkbox" name=format!("course_{}", c.id) value="1" class="h-4 w-4"
                            data-category=c.category.code() data-tenths=c.hours_tenths data-title=c.title.clone() />
                        "选择课程"
                    </label>
                }.into_any()
            }}
        </li>
    }
}

/// A course ticked in the selection form but not yet confirmed, as its checkbox
/// describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ticked {
    /// The category's code (`data-category`).
    category: String,
    tenths: i64,
    title: String,
}

/// The hour counter: selected hours and hours still needed per category, updated in
/// the browser as courses are ticked; "查看已选择课程" lists the confirmed courses
/// (title, tenths) and the ticked ones.
#[island]
fn HourCounter(
    required: HoursByCategory,
    confirmed: HoursByCategory,
    confirmed_courses: Vec<(String, i64)>,
) -> impl IntoView {
    // Ticked but not yet confirmed.
    let candidates = RwSignal::new(Vec::<Ticked>::new());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| counter::watch(candidates));
    let confirmed_count = confirmed_courses.len();
    let selected = move || {
        let mut sum = confirmed;
        for ticked in candidates.get() {
            if let Some(category) = Category::from_code(&ticked.category) {
                sum.add(category, ticked.tenths);
            }
        }
        sum
    };
    // Its own margin: the island's element is inline, so the form's spacing misses it.
    view! {
        <section class="sticky top-14 z-10 mb-4 rounded-xl border border-blue-200 bg-blue-50/95 p-4 backdrop-blur" aria-label="学时统计">
            <div class="grid gap-2 text-sm sm:grid-cols-3">
                {Category::ALL.into_iter().filter(|c| required.get(*c) > 0).map(|c| view! {
                    <div>
                        <p class="font-medium text-slate-900">{format!("{}学时", c.label())}</p>
                        <p class="text-slate-700">
                            "已选 " <span data-testid=format!("selected-{}", c.code())>{move || hours_label(selected().get(c))}</span>
                            {format!(" / 需 {}", hours_label(required.get(c)))}
                        </p>
                        <p class="text-slate-700">"还差 " <span data-testid=format!("needed-{}", c.code())>{move || hours_label((required.get(c) - selected().get(c)).max(0))}</span></p>
                    </div>
                }).collect_view()}
            </div>
            <details class="mt-2 text-sm">
                <summary class="cursor-pointer text-blue-700">{move || format!("查看已选择课程（{}）", confirmed_count + candidates.get().len())}</summary>
                <ul class="mt-1 list-inside list-disc text-slate-700" aria-label="已选择课程">
                    {confirmed_courses.iter().map(|(title, tenths)| view! { <li>{format!("{title}（{}，已确认）", hours_label(*tenths))}</li> }).collect_view()}
                    {move || candidates.get().into_iter().map(|t| view! { <li>{format!("{}（{}）", t.title, hours_label(t.tenths))}</li> }).collect_view()}
                </ul>
            </details>
        </section>
    }
}

#[cfg(feature = "hydrate")]
mod counter {
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{Event, HtmlInputElement};

    /// Reads the ticked courses of the selection form now and on every change.
    pub fn watch(candidates: RwSignal<Vec<super::Ticked>>) {
        let Some(form) = document().get_element_by_id("course-selection") else { return };
        let read = move || {
            let Ok(boxes) = document().query_selector_all("#course-selection input[type=checkbox]:checked")
            else {
                return;
            };
            let mut ticked = Vec::new();
            for i in 0..boxes.length() {
                let Some(input) = boxes.item(i).and_then(|n| n.dyn_into::<HtmlInputElement>().ok()) else {
                    continue;
                };
                let attr = |name: &str| input.get_attribute(name).unwrap_or_default();
                ticked.push(super::Ticked {
                    category: attr("data-category"),
                    tenths: attr("data-tenths").parse().unwrap_or(0),
                    title: attr("data-title"),
                });
            }
            candidates.set(ticked);
        };
        read();
        let on_change = Closure::<dyn FnMut(Event)>::new(move |_: Event| read());
        let _ = form.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
        on_change.forget();
    }
}
