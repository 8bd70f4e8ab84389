//! The provider's console for courses: the course (category, hours, quiz settings),
//! its chapters with their videos, its question bank, its cover, and the online classes
//! that offer it.

use super::{
    api::{
        AddChapter, AddQuestion, CourseAdmin, CourseLine, DeleteQuestion, SaveCourse, SetCourseClasses,
        SetCover, get_course, list_courses,
    },
    domain::{QuestionKind, hours_label},
};
use crate::shell::page_data::PageData;
use crate::{
    catalogue::domain::{Category, Hours},
    error::AppError,
    shell::{
        components::{
            Card, EmptyState, Field, FileField, FormError, INPUT, LABEL, Notice, PRIMARY_BUTTON,
            SECONDARY_BUTTON, notice_from_query, url_error,
        },
        frame::Loaded,
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn CourseListPage() -> impl IntoView {
    let list = PageData::new(list_courses());
    view! {
        <Title text="课程管理" />
        <div class="mb-4 flex items-center justify-between">
            <h1 class="text-xl font-semibold text-slate-900">"课程管理"</h1>
            <a href="/admin/courses/new" class=PRIMARY_BUTTON>"新建课程"</a>
        </div>
        <Loaded data=list render={|courses: Vec<CourseLine>| if courses.is_empty() {
            view! { <Card><EmptyState message="还没有课程" /></Card> }.into_any()
        } else {
                    view! {
                        <Card>
                            <ul class="divide-y divide-slate-100" aria-label="课程列表">
                                {courses.into_iter().map(|course| view! {
                                    <li class="flex flex-wrap items-center gap-x-3 gap-y-1 py-3">
                                        <a href=format!("/admin/courses/{}", course.id) class="min-w-0 flex-1 font-medium text-slate-900 hover:text-blue-700">{course.title}</a>
                                        <span class="text-sm text-slate-500">{format!("{} · {} · {} 章", course.category.label(), hours_label(course.hours_tenths), course.chapters)}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        </Card>
                    }.into_any()
        }} />
    }
}

#[component]
pub fn CourseNewPage() -> impl IntoView {
    view! {
        <Title text="新建课程" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"新建课程"</h1>
        <CourseFormCard course=None />
    }
}

#[component]
fn CourseFormCard(course: Option<CourseAdmin>) -> impl IntoView {
    let save = ServerAction::<SaveCourse>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let c = course;
    let value = |f: fn(&CourseAdmin) -> String, default: &str| {
        c.as_ref().map(f).unwrap_or_else(|| default.to_owned())
    };
    let category = c.as_ref().map(|c| c.category.code()).unwrap_or("");
    let (id, title, hours, count, points, pass, description) = (
        c.as_ref().map(|c| c.id.to_string()).unwrap_or_default(),
        value(|c| c.title.clone(), ""),
        value(|c| Hours(c.hours_tenths).to_string(), ""),
        value(|c| c.quiz_count.to_string(), "5"),
        value(|c| c.quiz_points.to_string(), "20"),
        value(|c| c.pass_score.to_string(), "60"),
        value(|c| c.description.clone(), ""),
    );
    view! {
        <Card title="课程信息">
            <ActionForm action=save attr:class="grid gap-4 sm:grid-cols-2" attr:novalidate="">
                <div class="sm:col-span-2"><FormError error /></div>
                <input type="hidden" name="id" value=id />
                <div class="sm:col-span-2"><Field label="课程名称" name="title" error value=title /></div>
                <div>
                    <label for="category" class=LABEL>"课程类别"</label>
                    <select id="category" name="category" class=INPUT>
                        <option value="">"请选择"</option>
                        {Category::ALL.into_iter().map(|k| view! {
                            <option value=k.code() selected=k.code() == category>{k.label()}</option>
                        }).collect_view()}
                    </select>
                    <p class="mt-1 text-sm text-red-600">{move || error.get().and_then(|e| e.field("category").map(str::to_owned))}</p>
                </div>
                <Field label="学时" name="hours" error value=hours hint="可有一位小数，如 1.5" />
                <Field label="每次测验题数" name="quiz_count" error value=count inputmode="numeric" />
                <Field label="每题分值" name="quiz_points" error value=points inputmode="numeric" />
                <Field label="及格分" name="pass_score" error value=pass inputmode="numeric" />
                <div class="sm:col-span-2">
                    <label for="description" class=LABEL>"课程简介"</label>
                    <textarea id="description" name="description" rows="3" class=INPUT>{description}</textarea>
                </div>
                <div class="sm:col-span-2"><button type="submit" class=PRIMARY_BUTTON>"保存课程"</button></div>
            </ActionForm>
        </Card>
    }
}

#[component]
pub fn CourseEditPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let course = PageData::new(get_course(id()));
    let notice = notice_from_query(&[
        ("saved", "", "已保存"),
        ("chapter", "", "章节已添加"),
        ("question", "", "题目已添加"),
        ("classes", "", "开设班级已保存"),
        ("cover", "", "封面已更新"),
    ]);
    view! {
        <Title text="编辑课程" />
        <Loaded data=course render={move |c: CourseAdmin| view! {
                        <div class="space-y-4">
                            <a href="/admin/courses" class="text-sm text-blue-700 hover:underline">"‹ 课程管理"</a>
                            <h1 class="text-xl font-semibold text-slate-900">{c.title.clone()}</h1>
                            <Notice message=notice />
                            <CourseFormCard course=Some(c.clone()) />
                            <Chapters course=c.clone() />
                            <Questions course=c.clone() />
                            <Offering course=c.clone() />
                            <Cover course=c />
                        </div>
        }} />
    }
}

fn minutes(ms: i64) -> String {
    format!("{}:{:02}", ms / 60_000, (ms / 1000) % 60)
}

#[component]
fn Chapters(course: CourseAdmin) -> impl IntoView {
    let error = url_error::<AddChapter>();
    view! {
        <Card title="章节">
            {if course.chapters.is_empty() {
                view! { <EmptyState message="还没有章节" /> }.into_any()
            } else {
                view! {
                    <ol class="mb-4 divide-y divide-slate-100" aria-label="章节">
                        {course.chapters.iter().map(|ch| view! {
                            <li class="flex items-center gap-3 py-2 text-sm">
                                <span class="min-w-0 flex-1">{format!("{}. {}", ch.position, ch.title)}</span>
                                <span class="text-slate-500">{minutes(ch.duration_ms)}</span>
                                {ch.video_url.clone().map(|url| view! { <a href=url class="text-blue-700 hover:underline">"视频"</a> })}
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <form method="post" enctype="multipart/form-data" action=AddChapter::url() class="grid gap-3 border-t border-slate-100 pt-4 sm:grid-cols-2" aria-label="添加章节">
                <div class="sm:col-span-2"><FormError error /></div>
                <input type="hidden" name="course_id" value=course.id />
                <Field label="章节名称" name="title" error />
                <Field label="视频时长（秒）" name="duration_seconds" error hint="WebM、MP4 视频可自动读取，无法读取时才需填写" inputmode="numeric" />
                <div class="sm:col-span-2"><FileField label="视频文件（WebM 或 MP4）" name="video" accept="video/webm,video/mp4" error /></div>
                <div class="sm:col-span-2"><button type="submit" class=PRIMARY_BUTTON>"添加章节"</button></div>
            </form>
        </Card>
    }
}

#[component]
fn Questions(course: CourseAdmin) -> impl IntoView {
    let add = ServerAction::<AddQuestion>::new();
    let delete = ServerAction::<DeleteQuestion>::new();
    let delete_error = {
        let from_url = url_error::<DeleteQuestion>();
        Signal::derive(move || delete.value().get().and_then(Result::err).or_else(|| from_url.get()))
    };
    let error = Signal::derive(move || add.value().get().and_then(Result::err));
    let field_error =
        move |f: &'static str| move || error.get().and_then(|e: AppError| e.field(f).map(str::to_owned));
    view! {
        <Card title=format!("题库（{}题，每次抽取{}题）", course.questions.len(), course.quiz_count)>
            <FormError error=delete_error />
            <ol class="mb-4 space-y-2" aria-label="题库">
                {course.questions.clone().into_iter().map(|q| view! {
                    <li class="rounded-md border border-slate-200 p-3 text-sm">
                        <p class="font-medium text-slate-900">{format!("[{}] {}", q.kind.label(), q.stem)}</p>
                        {(!q.options.is_empty()).then(|| view! { <p class="text-slate-600">{q.options.join(" / ")}</p> })}
                        <p class="text-slate-600">{format!("答案：{} · 题析：{}", q.answer, q.explanation)}</p>
                        <ActionForm action=delete attr:class="mt-1">
                            <input type="hidden" name="id" value=q.id />
                            <button type="submit" class="text-red-700 hover:underline">"删除"</button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ol>
            <ActionForm action=add attr:class="grid gap-3 border-t border-slate-100 pt-4 sm:grid-cols-2" attr:aria-label="添加题目">
                <div class="sm:col-span-2"><FormError error /></div>
                <input type="hidden" name="course_id" value=course.id />
                <div>
                    <label for="kind" class=LABEL>"题型"</label>
                    <select id="kind" name="kind" class=INPUT>
                        {QuestionKind::ALL.into_iter().map(|k| view! { <option value=k.code()>{k.label()}</option> }).collect_view()}
                    </select>
                </div>
                <Field label="答案" name="answer" error hint="单选填 B；多选填 AC；判断题填 T 或 F" />
                <div class="sm:col-span-2">
                    <label for="stem" class=LABEL>"题干"</label>
                    <textarea id="stem" name="stem" rows="2" class=INPUT></textarea>
                    <p class="mt-1 text-sm text-red-600">{field_error("stem")}</p>
                </div>
                <div class="sm:col-span-2">
                    <label for="options" class=LABEL>"选项（每行一个，判断题不填）"</label>
                    <textarea id="options" name="options" rows="4" class=INPUT></textarea>
                    <p class="mt-1 text-sm text-red-600">{field_error("options")}</p>
                </div>
                <div class="sm:col-span-2">
                    <label for="explanation" class=LABEL>"题析"</label>
                    <textarea id="explanation" name="explanation" rows="2" class=INPUT></textarea>
                </div>
                <div class="sm:col-span-2"><button type="submit" class=PRIMARY_BUTTON>"添加题目"</button></div>
            </ActionForm>
        </Card>
    }
}

#[component]
fn Offering(course: CourseAdmin) -> impl IntoView {
    let save = ServerAction::<SetCourseClasses>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <Card title="开设班级">
            {if course.classes.is_empty() {
                view! { <EmptyState message="本机构还没有线上培训班" /> }.into_any()
            } else {
                view! {
                    <ActionForm action=save attr:class="space-y-2" attr:aria-label="开设班级">
                        <FormError error />
                        <input type="hidden" name="course_id" value=course.id />
                        {course.classes.iter().map(|class| view! {
                            <label class="flex items-center gap-2 text-sm">
                                <input type="checkbox" name=format!("class_{}", class.class_id) value="1" checked=class.offered />
                                {class.title.clone()}
                            </label>
                        }).collect_view()}
                        <button type="submit" class=SECONDARY_BUTTON>"保存开设班级"</button>
                    </ActionForm>
                }.into_any()
            }}
        </Card>
    }
}

#[component]
fn Cover(course: CourseAdmin) -> impl IntoView {
    let error = url_error::<SetCover>();
    view! {
        <Card title="课程封面">
            {course.cover_url.clone().map(|url| view! { <img src=url alt="课程封面" class="mb-3 h-24 rounded object-cover" /> })}
            <form method="post" enctype="multipart/form-data" action=SetCover::url() class="space-y-3" aria-label="上传封面">
                <FormError error />
                <input type="hidden" name="course_id" value=course.id />
                <FileField label="封面图片（JPEG 或 PNG，不超过 2 MB）" name="cover" accept="image/jpeg,image/png" error />
                <button type="submit" class=SECONDARY_BUTTON>"上传封面"</button>
            </form>
        </Card>
    }
}
