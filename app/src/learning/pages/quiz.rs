//! 课后测验: locked until the course is complete; the answer sheet with its 答题卡 (an
//! island that marks answered questions and asks before handing in with blanks); the
//! result with each answer, the right one and 题析; 继续测验 below the pass line.

use super::Studied;
use crate::learning::{
    api::{
        QuizGate, QuizQuestion, QuizResult, QuizSheet, StartQuiz, SubmitQuiz, load_quiz_gate,
        load_quiz_result, load_quiz_sheet,
    },
    domain::{QuestionKind, hours_label, option_letter},
};
use crate::shell::components::{Card, FormError, PRIMARY_BUTTON, SECONDARY_BUTTON};
use crate::shell::page_data::PageData;
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn QuizPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let selection = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let attempt = query.read_untracked().get("attempt").and_then(|id| id.parse::<i64>().ok());
    view! {
        <Title text="课后测验" />
        {match attempt {
            Some(attempt) => view! { <SheetPage attempt /> }.into_any(),
            None => view! { <GatePage selection=selection() /> }.into_any(),
        }}
    }
}

#[component]
fn GatePage(selection: i64) -> impl IntoView {
    let gate = PageData::new(load_quiz_gate(selection));
    let start = ServerAction::<StartQuiz>::new();
    let error = Signal::derive(move || start.value().get().and_then(Result::err));
    view! {
        <Studied data=gate render={move |g: QuizGate| view! {
                        <div class="mx-auto max-w-xl space-y-4">
                            <a href=format!("/learn/class/{}", g.class_id) class="text-sm text-blue-700 hover:underline">"‹ 班级首页"</a>
                            <h1 class="text-xl font-semibold text-slate-900">"课后测验"</h1>
                            <Card title=g.course_title.clone()>
                                <p class="text-sm text-slate-600">{format!("共 {} 题，{} 分及格。", g.question_count, g.pass_score)}</p>
                                {if g.passed {
                                    view! { <p role="status" class="mt-3 text-green-700">"您已通过本课程测验，学时已计入。"</p> }.into_any()
                                } else if g.progress < 100 {
                                    view! {
                                        <p role="alert" class="mt-3 text-amber-800">{format!("学完全部章节后才能参加测验（当前进度 {}%）。", g.progress)}</p>
                                        <a href=format!("/learn/course/{}", g.selection_id) class=format!("{SECONDARY_BUTTON} mt-3")>"继续学习"</a>
                                    }.into_any()
                                } else {
                                    view! {
                                        <FormError error />
                                        <ActionForm action=start attr:class="mt-3">
                                            <input type="hidden" name="selection_id" value=g.selection_id />
                                            <button type="submit" class=format!("{PRIMARY_BUTTON} w-full")>
                                                {if g.open_attempt.is_some() { "继续答题" } else { "开始测验" }}
                                            </button>
                                        </ActionForm>
                                    }.into_any()
                                }}
                            </Card>
                        </div>
        }} />
    }
}

#[component]
fn SheetPage(attempt: i64) -> impl IntoView {
    let sheet = PageData::new(load_quiz_sheet(attempt));
    view! {
        <Studied data=sheet render={|sheet: QuizSheet| view! { <Sheet sheet /> }} />
    }
}

#[component]
fn Sheet(sheet: QuizSheet) -> impl IntoView {
    let numbers: Vec<(usize, i64)> = sheet.questions.iter().enumerate().map(|(i, q)| (i + 1, q.id)).collect();
    view! {
        <div class="space-y-4">
            <h1 class="text-xl font-semibold text-slate-900">{format!("课后测验：{}", sheet.course_title)}</h1>
            <p class="text-sm text-slate-600">{format!("每题 {} 分，{} 分及格。多选题须全部选对才得分。", sheet.points, sheet.pass_score)}</p>
            <AnswerCard numbers />
            <form method="post" action=SubmitQuiz::url() id="answer-sheet" class="space-y-4">
                <input type="hidden" name="attempt_id" value=sheet.attempt_id />
                {sheet.questions.into_iter().enumerate().map(|(i, q)| view! { <QuestionBlock number=i + 1 question=q /> }).collect_view()}
                <button type="submit" class=format!("{PRIMARY_BUTTON} w-full")>"我要交卷"</button>
            </form>
        </div>
    }
}

#[component]
fn QuestionBlock(number: usize, question: QuizQuestion) -> impl IntoView {
    let q = question;
    let multiple = q.kind == QuestionKind::Multiple;
    view! {
        <fieldset id=format!("question-{}", q.id) class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
            <legend class="sr-only">{format!("第{number}题")}</legend>
            <p class="font-medium text-slate-900">
                <span class="mr-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">{q.kind.label()}</span>
                {format!("{number}. {}", q.stem)}
            </p>
            <div class="mt-3 space-y-2">
                {q.options.iter().enumerate().map(|(i, text)| {
                    let letter = if q.kind == QuestionKind::TrueFalse { if i == 0 { 'T' } else { 'F' } } else { option_letter(i) };
                    let shown = if q.kind == QuestionKind::TrueFalse { text.clone() } else { format!("{letter}. {text}") };
                    let (kind, name) = if multiple { ("checkbox", format!("q{}_{letter}", q.id)) } else { ("radio", format!("q{}", q.id)) };
                    view! {
                        <label class="flex items-start gap-2 rounded-md border border-slate-200 p-2 text-sm has-[:checked]:border-blue-600 has-[:checked]:bg-blue-50">
                            <input type=kind name=name value=letter.to_string() class="mt-0.5" data-question=q.id />
                            <span>{shown}</span>
                        </label>
                    }
                }).collect_view()}
            </div>
        </fieldset>
    }
}

/// 答题卡: which questions are answered, updated as the trainee answers; handing in
/// with unanswered questions asks first.
#[island]
fn AnswerCard(numbers: Vec<(usize, i64)>) -> impl IntoView {
    let answered = RwSignal::new(Vec::<i64>::new());
    #[cfg(feature = "hydrate")]
    {
        let total = numbers.len();
        Effect::new(move |_| sheet::watch(answered, total));
    }
    view! {
        <nav aria-label="答题卡" class="sticky top-14 z-10 rounded-xl border border-slate-200 bg-white/95 p-3 shadow-sm backdrop-blur">
            <p class="mb-2 text-sm text-slate-600">
                "答题卡：已答 " <span data-testid="answered-count">{move || answered.get().len()}</span>
                {format!(" / {} 题", numbers.len())}
            </p>
            <ol class="flex flex-wrap gap-2">
                {numbers.clone().into_iter().map(|(number, id)| {
                    view! {
                        <li>
                            <a href=format!("#question-{id}")
                                class=move || if answered.get().contains(&id) {
                                    "flex h-8 w-8 items-center justify-center rounded bg-blue-600 text-sm text-white"
                                } else {
                                    "flex h-8 w-8 items-center justify-center rounded border border-slate-300 text-sm text-slate-600"
                                }
                                aria-label=move || format!("第{number}题{}", if answered.get().contains(&id) { "（已答）" } else { "（未答）" })>
                                {number}
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </nav>
    }
}

#[cfg(feature = "hydrate")]
mod sheet {
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{Event, HtmlInputElement};

    pub fn watch(answered: RwSignal<Vec<i64>>, total: usize) {
        let Some(form) = document().get_element_by_id("answer-sheet") else { return };
        let read = move || {
            let Ok(checked) = document().query_selector_all("#answer-sheet input:checked") else { return };
            let mut ids: Vec<i64> = (0..checked.length())
                .filter_map(|i| checked.item(i).and_then(|n| n.dyn_into::<HtmlInputElement>().ok()))
                .filter_map(|input| input.get_attribute("data-question")?.parse().ok())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            answered.set(ids);
        };
        read();
        let on_change = Closure::<dyn FnMut(Event)>::new(move |_: Event| read());
        let _ = form.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
        on_change.forget();
        let on_submit = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            let blank = total.saturating_sub(answered.get_untracked().len());
            if blank > 0 {
                let sure = window()
                    .confirm_with_message(&format!("还有 {blank} 题未作答，确定交卷吗？"))
                    .unwrap_or(true);
                if !sure {
                    event.prevent_default();
                }
            }
        });
        let _ = form.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
        on_submit.forget();
    }
}

#[component]
pub fn ResultPage() -> impl IntoView {
    let params = use_params_map();
    let attempt = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let result = PageData::new(load_quiz_result(attempt()));
    let again = ServerAction::<StartQuiz>::new();
    view! {
        <Title text="测验结果" />
        <Studied data=result render={move |r: QuizResult| view! {
                        <div class="space-y-4">
                            <a href=format!("/learn/class/{}", r.class_id) class="text-sm text-blue-700 hover:underline">"‹ 班级首页"</a>
                            <h1 class="text-xl font-semibold text-slate-900">{format!("测验结果：{}", r.course_title)}</h1>
                            <Card>
                                <p class="text-3xl font-semibold" class:text-green-700=r.passed class:text-red-700=!r.passed data-testid="quiz-score">
                                    {format!("{}分", r.score)}
                                </p>
                                {if r.passed {
                                    view! { <p role="status" class="mt-2 text-green-700">{format!("测验通过，获得{}{}。", r.category.label(), hours_label(r.hours_tenths))}</p> }.into_any()
                                } else {
                                    view! {
                                        <p role="status" class="mt-2 text-red-700">{format!("未达到及格线（{}分），请查看题析后继续测验。", r.pass_score)}</p>
                                        <ActionForm action=again attr:class="mt-3">
                                            <input type="hidden" name="selection_id" value=r.selection_id />
                                            <button type="submit" class=PRIMARY_BUTTON>"继续测验"</button>
                                        </ActionForm>
                                    }.into_any()
                                }}
                            </Card>
                            <ol class="space-y-3" aria-label="答题详情">
                                {r.lines.into_iter().enumerate().map(|(i, l)| {
                                    let show = |answer: &str| -> String {
                                        if answer.is_empty() { "未作答".to_owned() }
                                        else if l.question.kind == QuestionKind::TrueFalse { if answer == "T" { "正确".to_owned() } else { "错误".to_owned() } }
                                        else { answer.to_owned() }
                                    };
                                    view! {
                                        <li class="rounded-xl border bg-white p-4 shadow-sm" class:border-green-200=l.correct class:border-red-200=!l.correct>
                                            <p class="font-medium text-slate-900">{format!("{}. {}", i + 1, l.question.stem)}</p>
                                            {(l.question.kind != QuestionKind::TrueFalse).then(|| view! {
                                                <ul class="mt-2 text-sm text-slate-600">
                                                    {l.question.options.iter().enumerate().map(|(j, o)| view! { <li>{format!("{}. {o}", option_letter(j))}</li> }).collect_view()}
                                                </ul>
                                            })}
                                            <p class="mt-2 text-sm">
                                                <span class=if l.correct { "font-medium text-green-700" } else { "font-medium text-red-700" }>{if l.correct { "回答正确" } else { "回答错误" }}</span>
                                                {format!(" · 您的答案：{} · 正确答案：{}", show(&l.given), show(&l.answer))}
                                            </p>
                                            {(!l.explanation.is_empty()).then(|| view! { <p class="mt-1 text-sm text-slate-600">{format!("题析：{}", l.explanation)}</p> })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ol>
                        </div>
        }} />
    }
}
