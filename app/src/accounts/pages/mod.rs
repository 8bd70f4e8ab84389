//! The accounts' pages: 登录 and 个人中心 (here), and the signed-in user as the pages
//! see it; 注册, 找回密码, 实名认证 and 个人中心's sub-pages in their own files.

pub mod profile;
pub mod recover;
pub mod register;
pub mod verify;

use super::{
    api::{Login, new_captcha, redraw_captcha},
    domain::roles::CurrentUser,
};
use crate::shell::page_data::PageData;
use crate::{
    error::{AppError, AppResult},
    shell::{
        components::{Card, Field, FormError, INPUT, LABEL, Notice, PRIMARY_BUTTON},
        errors::{ErrorPage, LoginRequiredPage},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The signed-in user for the whole page, resolved on the server before the page
/// renders (every navigation is a page load, see the islands notes), so components
/// read it as a value instead of awaiting a shared resource.
#[derive(Clone)]
pub struct Auth {
    user: AppResult<Option<CurrentUser>>,
}

impl Auth {
    /// The user, or why they could not be looked up.
    pub fn result(&self) -> AppResult<Option<CurrentUser>> {
        self.user.clone()
    }

    /// The user, if signed in (a failed lookup counts as signed out).
    pub fn current(&self) -> Option<CurrentUser> {
        self.user.clone().ok().flatten()
    }
}

pub fn provide_auth() {
    #[cfg(feature = "ssr")]
    let user = crate::accounts::server::guard::page_user();
    // Pages render on the server only; islands never ask.
    #[cfg(not(feature = "ssr"))]
    let user = Ok(None);
    provide_context(Auth { user });
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let as_unit = move || query.read().get("type").as_deref() == Some("unit");
    let tab = |active: bool| {
        if active {
            "rounded-md bg-white py-1.5 font-medium text-blue-700 shadow-sm"
        } else {
            "rounded-md py-1.5 text-slate-600"
        }
    };
    let error = Signal::derive(move || login.value().get().and_then(Result::err));
    let notice = Signal::derive(move || {
        let query = query.read();
        if query.get("registered").is_some() {
            Some("注册成功，请登录".to_owned())
        } else if query.get("reset").is_some() {
            Some("密码已重置，请使用新密码登录".to_owned())
        } else {
            None
        }
    });

    view! {
        <Title text="登录" />
        <div class="mx-auto max-w-md py-4 md:py-10">
            <Card>
                <h1 class="mb-3 text-xl font-semibold text-slate-900">"登录"</h1>
                <nav aria-label="用户类型" class="mb-4 grid grid-cols-2 gap-1 rounded-lg bg-slate-100 p-1 text-center text-sm">
                    <a href="/login" class=move || tab(!as_unit()) aria-current=move || (!as_unit()).then_some("page")>"个人"</a>
                    <a href="/login?type=unit" class=move || tab(as_unit()) aria-current=move || as_unit().then_some("page")>"单位"</a>
                </nav>
                <ActionForm action=login attr:class="space-y-4" attr:novalidate="">
                    <Notice message=notice />
                    <FormError error />
                    <input type="hidden" name="next" value=next />
                    {move || as_unit().then(|| view! {
                        <Field label="统一社会信用代码" name="credit_code" error maxlength=18 autocomplete="organization" />
                    })}
                    <div>
                        <label for="account" class=LABEL>"账号"</label>
                        <input
                            id="account"
                            name="account"
                            class=INPUT
                            autocomplete="username"
                            placeholder=move || if as_unit() { "单位管理员的手机号或身份证号" } else { "手机号或身份证号" }
                            required
                        />
                    </div>
                    <div>
                        <label for="password" class=LABEL>"密码"</label>
                        <input
                            id="password"
                            name="password"
                            type="password"
                            class=INPUT
                            autocomplete="current-password"
                            required
                        />
                    </div>
                    <CaptchaField error />
                    <button type="submit" class=format!("{PRIMARY_BUTTON} w-full py-2.5") disabled=move || login.pending().get()>
                        {move || if login.pending().get() { "正在登录…" } else { "登录" }}
                    </button>
                </ActionForm>
                <p class="mt-4 flex flex-wrap justify-between gap-2 text-sm">
                    <a href="/register" class="text-blue-700 hover:underline">"个人用户注册"</a>
                    <a href="/register/unit" class="text-blue-700 hover:underline">"单位注册"</a>
                    <a href="/recover" class="text-blue-700 hover:underline">"找回密码"</a>
                </p>
            </Card>
        </div>
    }
}

/// The 验证码 input with its image: the server issues a captcha for this page as it
/// renders (so the form works without JavaScript; "换一张" then reloads the page).
#[component]
pub fn CaptchaField(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let captcha_id = PageData::new(new_captcha());
    let message = move || error.get().and_then(|e| e.field("captcha").map(str::to_owned));
    view! {
        <div>
            <label for="captcha" class=LABEL>"验证码"</label>
            <div class="mt-1 flex items-stretch gap-2">
                <input
                    id="captcha"
                    name="captcha"
                    class="block w-full rounded-md border border-slate-300 px-3 py-2 text-base uppercase shadow-sm focus:border-blue-600 focus:outline-none focus:ring-2 focus:ring-blue-600/20 aria-[invalid=true]:border-red-500"
                    autocomplete="off"
                    autocapitalize="characters"
                    maxlength="8"
                    required
                    aria-invalid=move || error.get().is_some_and(|e| e.field("captcha").is_some()).to_string()
                    aria-describedby="captcha-error"
                />
                <Suspense fallback=|| view! { <span class="h-11 w-[120px] rounded bg-slate-100"></span> }>
                    {move || Suspend::new(async move {
                        match captcha_id.await {
                            Ok(id) => view! { <CaptchaImage id /> }.into_any(),
                            // Too many captchas from this address: say so where the image goes.
                            Err(e) => view! {
                                <span role="alert" class="flex w-[120px] shrink-0 items-center text-xs text-red-600">{e.message}</span>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
            <p id="captcha-error" class="mt-1 text-sm text-red-600">{message}</p>
            <noscript>
                <a href="" class="mt-1 inline-block text-sm text-blue-700">"看不清？换一张"</a>
            </noscript>
        </div>
    }
}

/// The captcha image and its id; clicking redraws the same id, and once it may not be
/// redrawn any more (or has expired) asks for a new one.
#[island]
fn CaptchaImage(id: String) -> impl IntoView {
    let id = RwSignal::new(id);
    let version = RwSignal::new(0u32);
    let src = move || format!("/captcha/{}?v={}", id.get(), version.get());
    let refresh = move |_| {
        leptos::task::spawn_local(async move {
            if redraw_captcha(id.get_untracked()).await.is_err() {
                match new_captcha().await {
                    Ok(new) => id.set(new),
                    Err(_) => return,
                }
            }
            version.update(|v| *v += 1);
        });
    };
    view! {
        <input type="hidden" name="captcha_id" value=move || id.get() />
        <button
            type="button"
            class="shrink-0 overflow-hidden rounded-md border border-slate-300"
            title="看不清？换一张"
            aria-label="看不清？换一张"
            on:click=refresh
        >
            <img src=src alt="验证码图片" width="120" height="44" class="block h-11 w-[120px]" />
        </button>
    }
}

/// 个人中心.
#[component]
pub fn MePage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let notice = Signal::derive(move || {
        let query = query.read();
        if query.get("verified").is_some() {
            Some("实名认证成功，现在可以报名和缴费了".to_owned())
        } else if query.get("password").is_some() {
            Some("密码已修改，其他设备上的登录已退出".to_owned())
        } else {
            None
        }
    });
    view! {
        <Title text="个人中心" />
        {match auth.result() {
            Ok(Some(user)) => view! { <Notice message=notice /> <Profile user /> }.into_any(),
            Ok(None) => view! { <LoginRequiredPage next="/me" /> }.into_any(),
            Err(error) => view! { <ErrorPage error path="/me" /> }.into_any(),
        }}
    }
}

#[component]
fn Profile(user: CurrentUser) -> impl IntoView {
    let initial = user.name.chars().next().unwrap_or('学').to_string();
    let verified = user.real_name_verified;
    let staff = user.is_staff();
    let roles = user.role_labels();
    let name = if user.name.is_empty() { "未实名用户".to_owned() } else { user.name.clone() };
    let link = "flex items-center justify-between px-4 py-3 text-slate-800 hover:bg-slate-50";
    view! {
        <div class="mt-4 space-y-4">
            <h1 class="sr-only">"个人中心"</h1>
            <Card>
                <div class="flex items-center gap-4">
                    <div class="flex h-14 w-14 items-center justify-center rounded-full bg-blue-100 text-xl font-semibold text-blue-700">
                        {initial}
                    </div>
                    <div class="min-w-0">
                        <p class="truncate text-lg font-semibold text-slate-900">{name}</p>
                        <p class="text-sm text-slate-500">{roles}</p>
                    </div>
                    <span class=if verified {
                        "ml-auto rounded-full bg-green-50 px-2.5 py-1 text-xs font-medium text-green-700"
                    } else {
                        "ml-auto rounded-full bg-amber-50 px-2.5 py-1 text-xs font-medium text-amber-700"
                    }>{if verified { "已实名认证" } else { "未实名认证" }}</span>
                </div>
            </Card>
            {(!verified).then(|| view! {
                <p role="note" class="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800">
                    {UNVERIFIED_NOTICE} " " <a href="/me/verify" class="font-medium underline">"实名认证"</a>
                </p>
            })}
            <nav aria-label="我的报名" class="divide-y divide-slate-100 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm">
                <a href="/me/exams" class=link>"我的考试" <span aria-hidden="true">"›"</span></a>
                <a href="/me/records" class=link>"继续教育记录" <span aria-hidden="true">"›"</span></a>
                <a href="/me/hours" class=link>"学时完成情况" <span aria-hidden="true">"›"</span></a>
                <a href="/me/certificates" class=link>"我的证书" <span aria-hidden="true">"›"</span></a>
                <a href="/me/orders" class=link>"我的订单" <span aria-hidden="true">"›"</span></a>
                <a href="/me/fapiao" class=link>"发票下载" <span aria-hidden="true">"›"</span></a>
                <a href="/me/favourites" class=link>"我的收藏" <span aria-hidden="true">"›"</span></a>
                <a href="/me/messages" class=link>"消息" <span aria-hidden="true">"›"</span></a>
            </nav>
            <nav aria-label="个人中心" class="divide-y divide-slate-100 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm">
                <a href="/me/info" class=link>"我的信息" <span aria-hidden="true">"›"</span></a>
                <a href="/me/invoices" class=link>"发票信息" <span aria-hidden="true">"›"</span></a>
                <a href="/me/password" class=link>"修改密码" <span aria-hidden="true">"›"</span></a>
                {(!verified).then(|| view! { <a href="/me/verify" class=link>"实名认证" <span aria-hidden="true">"›"</span></a> })}
                {staff.then(|| view! { <a href="/admin" class=link>"管理后台" <span aria-hidden="true">"›"</span></a> })}
            </nav>
        </div>
    }
}

/// Why an unverified account cannot order: it must complete 实名认证 first.
pub use super::identity::UNVERIFIED_NOTICE;
