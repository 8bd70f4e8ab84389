//! The course player: chapters at the side, the chosen one playing. The `VideoPlayer`
//! island resumes where the trainee stopped, pulls forward seeks back to what has been
//! watched, keeps the rate at 1x, and sends heartbeats (every 10 s, on pause, at the
//! end, when the page goes away) describing the segments watched; the server credits
//! only what is plausible and refuses a second playback of the same account.

use super::Studied;
use crate::learning::api::{PlayerView, load_player};
use crate::shell::components::{Card, SECONDARY_BUTTON};
use crate::shell::page_data::PageData;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn PlayerPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let chapter = move || query.read().get("chapter").and_then(|id| id.parse::<i64>().ok());
    let player = PageData::new(load_player(id(), chapter()));
    view! {
        <Title text="课程学习" />
        <Studied data=player render={|p: PlayerView| {
                        let next = p.chapters.iter().skip_while(|c| c.id != p.chapter_id).nth(1)
                            .map(|c| format!("/learn/course/{}?chapter={}", p.selection_id, c.id));
                        let current = p.chapters.iter().find(|c| c.id == p.chapter_id).cloned();
                        let (chapter_progress, chapter_done) =
                            current.as_ref().map(|c| (c.progress, c.done)).unwrap_or_default();
                        view! {
                            <div class="space-y-4">
                                <a href=format!("/learn/class/{}", p.class_id) class="text-sm text-blue-700 hover:underline">"‹ 班级首页"</a>
                                <h1 class="text-xl font-semibold text-slate-900">{p.course_title.clone()}</h1>
                                <div class="grid gap-4 lg:grid-cols-[1fr_18rem]">
                                    <Card>
                                        <h2 class="mb-3 font-medium text-slate-900">{current.map(|c| c.title).unwrap_or_default()}</h2>
                                        <VideoPlayer
                                            chapter_id=p.chapter_id
                                            video_url=p.video_url.clone()
                                            duration_ms=p.duration_ms
                                            position_ms=p.position_ms
                                            furthest_ms=p.furthest_ms
                                            chapter_progress
                                            chapter_done
                                            course_progress=p.course_progress
                                            next_url=next
                                        />
                                        <noscript>
                                            <p class="mt-2 text-sm text-amber-800">"请启用浏览器的JavaScript，学习进度才能被记录。"</p>
                                        </noscript>
                                    </Card>
                                    <Card title="章节">
                                        <ol class="space-y-1" aria-label="章节列表">
                                            {p.chapters.iter().map(|c| {
                                                let current = c.id == p.chapter_id;
                                                view! {
                                                    <li>
                                                        <a href=format!("/learn/course/{}?chapter={}", p.selection_id, c.id)
                                                            aria-current=current.then_some("page")
                                                            class="flex items-center gap-2 rounded-md px-2 py-2 text-sm hover:bg-slate-50 aria-[current=page]:bg-blue-50 aria-[current=page]:text-blue-700">
                                                            <span class="min-w-0 flex-1">{c.title.clone()}</span>
                                                            <span class="shrink-0 text-xs text-slate-500">
                                                                {if c.done { "已学完".to_owned() } else { format!("{}%", c.progress / 10) }}
                                                            </span>
                                                        </a>
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ol>
                                        <a href=format!("/learn/quiz/{}", p.selection_id) class=format!("{SECONDARY_BUTTON} mt-3 w-full")>"课后测验"</a>
                                    </Card>
                                </div>
                            </div>
                        }
        }} />
    }
}

/// The video element and what it reports. Segments are in milliseconds of the video.
#[island]
fn VideoPlayer(
    chapter_id: i64,
    video_url: String,
    duration_ms: i64,
    position_ms: i64,
    furthest_ms: i64,
    chapter_progress: i64,
    chapter_done: bool,
    course_progress: i64,
    next_url: Option<String>,
) -> impl IntoView {
    let video = NodeRef::<leptos::html::Video>::new();
    let status = RwSignal::new(String::new());
    let chapter_per_mille = RwSignal::new(chapter_progress);
    let course_percent = RwSignal::new(course_progress);
    // A chapter counts as learnt at 98 %: from then on it reads 100 % and 已学完.
    let finished = RwSignal::new(chapter_done);
    #[cfg(feature = "hydrate")]
    let tracker = playback::Tracker::new(
        chapter_id,
        duration_ms,
        position_ms,
        furthest_ms,
        video,
        status,
        chapter_per_mille,
        course_percent,
        finished,
    );
    #[cfg(feature = "hydrate")]
    let handlers = tracker.handlers();
    #[cfg(not(feature = "hydrate"))]
    let handlers = playback::Handlers::default();
    #[cfg(not(feature = "hydrate"))]
    let _ = (chapter_id, duration_ms, position_ms, furthest_ms);
    view! {
        <div>
            <video
                node_ref=video
                src=video_url
                controls=true
                playsinline=true
                preload="metadata"
                class="aspect-video w-full rounded-lg bg-black"
                aria-label="课程视频"
                on:loadedmetadata=handlers.loaded
                on:play=handlers.play
                on:timeupdate=handlers.time
                on:seeking=handlers.seeking
                on:ratechange=handlers.rate
                on:pause=handlers.pause
                on:ended=handlers.ended
            ></video>
            <div class="mt-3 flex flex-wrap items-center gap-x-4 gap-y-1 text-sm text-slate-600">
                <span>"本章进度 " <span data-testid="chapter-progress">{move || if finished.get() { "100%".to_owned() } else { format!("{}%", chapter_per_mille.get() / 10) }}</span></span>
                <span>"课程进度 " <span data-testid="course-progress">{move || format!("{}%", course_percent.get())}</span></span>
            </div>
            <p role="status" class="mt-2 min-h-5 text-sm text-amber-800">{move || status.get()}</p>
            {move || (finished.get()).then(|| match next_url.clone() {
                Some(url) => view! { <a href=url class="mt-2 inline-block text-sm font-medium text-blue-700 hover:underline">"本章已学完，学习下一章 ›"</a> }.into_any(),
                None => view! { <p class="mt-2 text-sm text-green-700">"本章已学完"</p> }.into_any(),
            })}
        </div>
    }
}

mod playback {
    //! The player's bookkeeping in the browser. On the server the handlers do nothing.

    use leptos::ev;

    type Handler<E> = Box<dyn FnMut(E) + 'static>;

    /// The video element's event handlers.
    pub struct Handlers {
        pub loaded: Handler<ev::Event>,
        pub play: Handler<ev::Event>,
        pub time: Handler<ev::Event>,
        pub seeking: Handler<ev::Event>,
        pub rate: Handler<ev::Event>,
        pub pause: Handler<ev::Event>,
        pub ended: Handler<ev::Event>,
    }

    impl Default for Handlers {
        fn default() -> Self {
            let none = || -> Handler<ev::Event> { Box::new(|_| {}) };
            Self {
                loaded: none(),
                play: none(),
                time: none(),
                seeking: none(),
                rate: none(),
                pause: none(),
                ended: none(),
            }
        }
    }

    #[cfg(feature = "hydrate")]
    pub use browser::Tracker;

    #[cfg(feature = "hydrate")]
    mod browser {
        use super::Handlers;
        use crate::learning::{
            api::{heartbeat, start_playback},
            domain::TOLERANCE_MS,
        };
        use leptos::{html, prelude::*};
        use web_sys::UrlSearchParams;

        const TOKEN_KEY: &str = "xueshi.playback";
        const HEARTBEAT_SECONDS: u64 = 10;
        /// A jump between two time updates larger than this is a seek, not playback.
        const MAX_STEP_MS: i64 = 2_500;

        /// What the player has seen and not yet reported.
        #[derive(Clone, Copy)]
        pub struct Tracker {
            chapter_id: i64,
            duration_ms: i64,
            resume_ms: i64,
            video: NodeRef<html::Video>,
            token: RwSignal<Option<String>>,
            /// Whether the video has played on this page: until then the player reports
            /// no position (it would be 0:00, or the resume point it was given).
            played: RwSignal<bool>,
            /// Whether the resume point has been applied to the video.
            resumed: RwSignal<bool>,
            /// Whether heartbeats are refused for good (another playback holds the account).
            stopped: RwSignal<bool>,
            /// The segment playing now: (start, last time seen).
            current: RwSignal<Option<(i64, i64)>>,
            /// Closed segments not yet reported.
            pending: RwSignal<Vec<(i64, i64)>>,
            /// How far the video has been watched without a gap.
            furthest: RwSignal<i64>,
            status: RwSignal<String>,
            chapter: RwSignal<i64>,
            course: RwSignal<i64>,
            finished: RwSignal<bool>,
        }

        impl Tracker {
            #[allow(clippy::too_many_arguments)]
            pub fn new(
                chapter_id: i64,
                duration_ms: i64,
                resume_ms: i64,
                furthest_ms: i64,
                video: NodeRef<html::Video>,
                status: RwSignal<String>,
                chapter: RwSignal<i64>,
                course: RwSignal<i64>,
                finished: RwSignal<bool>,
            ) -> Self {
                let tracker = Self {
                    chapter_id,
                    duration_ms,
                    resume_ms,
                    video,
                    token: RwSignal::new(None),
                    played: RwSignal::new(false),
                    resumed: RwSignal::new(false),
                    stopped: RwSignal::new(false),
                    current: RwSignal::new(None),
                    pending: RwSignal::new(Vec::new()),
                    furthest: RwSignal::new(furthest_ms),
                    status,
                    chapter,
                    course,
                    finished,
                };
                tracker.start();
                // The video's metadata may have loaded before the island hydrated (its
                // `loadedmetadata` then came before the handler): resume at once then.
                Effect::new(move |_| {
                    if video.get().is_some_and(|v| v.ready_state() >= 1) {
                        tracker.resume();
                    }
                });
                set_interval(move || tracker.beat(false), std::time::Duration::from_secs(HEARTBEAT_SECONDS));
                let _ = window_event_listener(leptos::ev::pagehide, move |_| tracker.leave());
                tracker
            }

            /// Moves the video to where the trainee stopped, once, before it plays.
            fn resume(self) {
                if self.resumed.get_untracked() || self.played.get_untracked() {
                    return;
                }
                let Some(video) = self.video.get_untracked() else { return };
                self.resumed.set(true);
                let resume = self.resume_ms.min(self.furthest.get_untracked());
                if resume > 0 && resume < self.duration_ms - 1_000 {
                    video.set_current_time(resume as f64 / 1000.0);
                }
            }

            fn now_ms(&self) -> i64 {
                self.video.get_untracked().map(|v| (v.current_time() * 1000.0) as i64).unwrap_or(0)
            }

            fn storage() -> Option<web_sys::Storage> {
                window().session_storage().ok().flatten()
            }

            /// Takes the account's playback (a reload presents its old token).
            fn start(self) {
                let previous =
                    Self::storage().and_then(|s| s.get_item(TOKEN_KEY).ok().flatten()).unwrap_or_default();
                leptos::task::spawn_local(async move {
                    match start_playback(self.chapter_id, previous).await {
                        Ok(token) => {
                            if let Some(storage) = Self::storage() {
                                let _ = storage.set_item(TOKEN_KEY, &token);
                            }
                            self.token.set(Some(token));
                        }
                        Err(err) => {
                            self.stopped.set(true);
                            self.status.set(err.message);
                        }
                    }
                });
            }

            /// Ends the segment playing now (at the last time seen).
            fn close_segment(&self) {
                if let Some((start, last)) = self.current.get_untracked() {
                    if last > start {
                        self.pending.update(|p| p.push((start, last)));
                    }
                    self.current.set(None);
                }
            }

            /// Sends what was watched since the last heartbeat; `leaving` uses a beacon,
            /// which survives the page closing.
            fn beat(self, leaving: bool) {
                if self.stopped.get_untracked() {
                    return;
                }
                let Some(token) = self.token.get_untracked() else { return };
                // The segment playing now is reported up to now and goes on from here.
                if let Some((start, last)) = self.current.get_untracked()
                    && last > start
                {
                    self.pending.update(|p| p.push((start, last)));
                    self.current.set(Some((last, last)));
                }
                let segments = self.pending.get_untracked();
                let position = self.played.get_untracked().then(|| self.now_ms());
                if segments.is_empty() && !leaving {
                    return;
                }
                self.pending.set(Vec::new());
                let text = segments.iter().map(|(s, e)| format!("{s}-{e}")).collect::<Vec<_>>().join(",");
                if leaving {
                    if let Ok(params) = UrlSearchParams::new() {
                        params.append("chapter_id", &self.chapter_id.to_string());
                        params.append("token", &token);
                        params.append("segments", &text);
                        if let Some(position) = position {
                            params.append("position_ms", &position.to_string());
                        }
                        let _ = window()
                            .navigator()
                            .send_beacon_with_opt_url_search_params("/api/learn/heartbeat", Some(&params));
                    }
                    return;
                }
                leptos::task::spawn_local(async move {
                    match heartbeat(self.chapter_id, token, text, position).await {
                        Ok(answer) => {
                            self.chapter.set(answer.chapter_progress);
                            self.course.set(answer.course_progress);
                            self.furthest.update(|f| *f = (*f).max(answer.furthest_ms));
                            if answer.chapter_done {
                                self.finished.set(true);
                            }
                        }
                        Err(err) if err.kind == crate::error::ErrorKind::Conflict => {
                            if err.message.contains("其他页面") {
                                self.stopped.set(true);
                            }
                            self.status.set(err.message);
                        }
                        Err(_) => {
                            // Not delivered: report it with the next heartbeat.
                            self.pending.update(|p| p.extend(segments));
                        }
                    }
                });
            }

            fn leave(self) {
                self.close_segment();
                self.beat(true);
                if let (Some(token), Ok(params)) = (self.token.get_untracked(), UrlSearchParams::new()) {
                    params.append("token", &token);
                    let _ = window()
                        .navigator()
                        .send_beacon_with_opt_url_search_params("/api/learn/playback/stop", Some(&params));
                }
            }

            pub fn handlers(self) -> Handlers {
                Handlers {
                    loaded: Box::new(move |_| self.resume()),
                    play: Box::new(move |_| {
                        self.played.set(true);
                        let now = self.now_ms();
                        self.current.set(Some((now, now)));
                    }),
                    time: Box::new(move |_| {
                        let Some(video) = self.video.get_untracked() else { return };
                        if video.paused() || video.seeking() {
                            return;
                        }
                        let now = self.now_ms();
                        match self.current.get_untracked() {
                            Some((start, last)) if now >= last && now - last <= MAX_STEP_MS => {
                                self.current.set(Some((start, now)));
                                if start <= self.furthest.get_untracked() + TOLERANCE_MS {
                                    self.furthest.update(|f| *f = (*f).max(now));
                                }
                            }
                            _ => {
                                self.close_segment();
                                self.current.set(Some((now, now)));
                            }
                        }
                    }),
                    seeking: Box::new(move |_| {
                        self.close_segment();
                        let Some(video) = self.video.get_untracked() else { return };
                        let furthest = self.furthest.get_untracked();
                        if self.now_ms() > furthest + 1_000 {
                            // Forward past what was watched: back to where watching stopped.
                            video.set_current_time(furthest as f64 / 1000.0);
                            self.status.set("请按顺序学习，不能跳过未观看的内容".to_owned());
                        }
                        // Seeking while playing (the resume after a reload among them): the
                        // next segment starts where the seek lands, not at the first
                        // `timeupdate` after it, which a busy machine fires late and so
                        // left a gap the chapter never closed (97 %).
                        if !video.paused() {
                            let at = self.now_ms();
                            self.current.set(Some((at, at)));
                        }
                    }),
                    rate: Box::new(move |_| {
                        if let Some(video) = self.video.get_untracked()
                            && video.playback_rate() > 1.0
                        {
                            video.set_playback_rate(1.0);
                            self.status.set("学习视频只能以正常速度播放".to_owned());
                        }
                    }),
                    pause: Box::new(move |_| {
                        self.close_segment();
                        self.beat(false);
                    }),
                    ended: Box::new(move |_| {
                        self.close_segment();
                        self.beat(false);
                    }),
                }
            }
        }
    }
}
