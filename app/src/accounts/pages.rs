//! 登录 and 个人中心, and the signed-in user as the pages see it.

use super::{
    api::{Login, get_current_user, new_captcha},
    roles::CurrentUser,
};
use crate::{
    error::AppResult,
    shell::{
        components::{Card, FormError, INPUT, LABEL, PRIMARY_BUTTON},
        errors::{ErrorPage, LoginRequiredPage},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The signed-in user for the whole page, refetched after login and logout.
#[derive(Clone, Copy)]
pub struct Auth {
    pub user: Resource<AppResult<Option<CurrentUser>>>,
    version: RwSignal<u32>,
}

impl Auth {
    pub fn refresh(&self) {
        self.version.update(|v| *v += 1);
    }
}

pub fn provide_auth() {
    let version = RwSignal::new(0u32);
    let user = Resource::new(move || version.get(), |_| get_current_user());
    provide_context(Auth { user, version });
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let captcha_id = Resource::new(|| (), |_| new_captcha());
    let captcha_version = RwSignal::new(0u32);
    let captcha_input = NodeRef::<leptos::html::Input>::new();
    let error = Signal::derive(move || login.value().get().and_then(Result::err));

    // After an attempt the captcha is spent: draw a new one and clear the answer.
    // (The first run only reads the value a no-JS round trip left in the URL.)
    Effect::new(move |previous: Option<()>| {
        let outcome = login.value().get();
        if previous.is_none() {
            return;
        }
        match outcome {
            Some(Ok(())) => auth.refresh(),
            Some(Err(_)) => {
                captcha_version.update(|v| *v += 1);
                if let Some(input) = captcha_input.get() {
                    input.set_value("");
                }
            }
            None => {}
        }
    });

    view! {
        <Title text="登录" />
        <div class="mx-auto max-w-md py-4 md:py-10">
            <Card>
                <h1 class="mb-1 text-xl font-semibold text-slate-900">"登录"</h1>
                <p class="mb-5 text-sm text-slate-500">"使用手机号或身份证号登录"</p>
                <ActionForm action=login attr:class="space-y-4" attr:novalidate="">
                    <FormError error />
                    <input type="hidden" name="next" value=next />
                    <div>
                        <label for="account" class=LABEL>"账号"</label>
                        <input
                            id="account"
                            name="account"
                            class=INPUT
                            autocomplete="username"
                            placeholder="手机号或身份证号"
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
                    <div>
                        <label for="captcha" class=LABEL>"验证码"</label>
                        <div class="mt-1 flex items-stretch gap-2">
                            <input
                                id="captcha"
                                name="captcha"
                                node_ref=captcha_input
                                class="block w-full rounded-md border border-slate-300 px-3 py-2 text-base uppercase shadow-sm focus:border-blue-600 focus:outline-none focus:ring-2 focus:ring-blue-600/20 aria-[invalid=true]:border-red-500"
                                autocomplete="off"
                                autocapitalize="characters"
                                maxlength="8"
                                required
                                aria-invalid=move || error.get().is_some_and(|e| e.field("captcha").is_some()).to_string()
                            />
                            <Suspense fallback=|| view! { <span class="h-11 w-[120px] rounded bg-slate-100"></span> }>
                                {move || Suspend::new(async move {
                                    captcha_id.await.map(|id| view! { <CaptchaImage id version=captcha_version /> })
                                })}
                            </Suspense>
                        </div>
                        <noscript>
                            <a href="/login" class="mt-1 inline-block text-sm text-blue-700">"看不清？换一张"</a>
                        </noscript>
                    </div>
                    <button type="submit" class=format!("{PRIMARY_BUTTON} w-full py-2.5") disabled=move || login.pending().get()>
                        {move || if login.pending().get() { "正在登录…" } else { "登录" }}
                    </button>
                </ActionForm>
            </Card>
        </div>
    }
}

/// The captcha image and its id; clicking draws a new one for the same id.
#[component]
fn CaptchaImage(id: String, version: RwSignal<u32>) -> impl IntoView {
    let src = {
        let id = id.clone();
        move || format!("/captcha/{id}?v={}", version.get())
    };
    view! {
        <input type="hidden" name="captcha_id" value=id />
        <button
            type="button"
            class="shrink-0 overflow-hidden rounded-md border border-slate-300"
            title="看不清？换一张"
            aria-label="看不清？换一张"
            on:click=move |_| version.update(|v| *v += 1)
        >
            <img src=src alt="验证码图片" width="120" height="44" class="block h-11 w-[120px]" />
        </button>
    }
}

/// 个人中心.
#[component]
pub fn MePage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Title text="个人中心" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) => view! { <Profile user /> }.into_any(),
                    Ok(None) => view! { <LoginRequiredPage next="/me" /> }.into_any(),
                    Err(error) => view! { <ErrorPage error path="/me" /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Profile(user: CurrentUser) -> impl IntoView {
    let initial = user.name.chars().next().unwrap_or('学').to_string();
    let verified = user.real_name_verified;
    let staff = user.is_staff();
    let roles = user.role_labels();
    view! {
        <div class="space-y-4">
            <h1 class="sr-only">"个人中心"</h1>
            <Card>
                <div class="flex items-center gap-4">
                    <div class="flex h-14 w-14 items-center justify-center rounded-full bg-blue-100 text-xl font-semibold text-blue-700">
                        {initial}
                    </div>
                    <div class="min-w-0">
                        <p class="truncate text-lg font-semibold text-slate-900">{user.name.clone()}</p>
                        <p class="text-sm text-slate-500">{roles}</p>
                    </div>
                    <span class=if verified {
                        "ml-auto rounded-full bg-green-50 px-2.5 py-1 text-xs font-medium text-green-700"
                    } else {
                        "ml-auto rounded-full bg-amber-50 px-2.5 py-1 text-xs font-medium text-amber-700"
                    }>{if verified { "已实名认证" } else { "未实名认证" }}</span>
                </div>
            </Card>
            {staff.then(|| view! {
                <Card title="工作台">
                    <a href="/admin" class="text-blue-700 hover:underline">"进入管理后台"</a>
                </Card>
            })}
        </div>
    }
}
