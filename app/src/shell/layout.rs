use super::icons::{EnrollIcon, HomeIcon, LearnIcon, LogoMark, UserIcon};
use crate::accounts::{api::Logout, pages::use_auth};
use leptos::prelude::*;
use leptos_router::components::A;

const NAV_LINK: &str = "rounded-md px-3 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900 aria-[current=page]:bg-blue-50 aria-[current=page]:text-blue-700";

#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <header class="sticky top-0 z-30 border-b border-slate-200 bg-white/95 backdrop-blur">
            <div class="mx-auto flex h-14 max-w-6xl items-center gap-4 px-4">
                <a href="/" class="flex items-center gap-2 font-semibold text-slate-900">
                    <LogoMark />
                    <span class="text-lg tracking-wide">"学时"</span>
                    <span class="hidden text-sm font-normal text-slate-500 lg:inline">"专业技术人员继续教育平台"</span>
                </a>
                <nav aria-label="主导航" class="hidden flex-1 items-center gap-1 md:flex">
                    <A href="/" exact=true attr:class=NAV_LINK>"首页"</A>
                    <A href="/enroll" attr:class=NAV_LINK>"报名中心"</A>
                    <A href="/learn" attr:class=NAV_LINK>"学习"</A>
                    <A href="/news" attr:class=NAV_LINK>"信息中心"</A>
                    <A href="/me" attr:class=NAV_LINK>"个人中心"</A>
                </nav>
                <div class="ml-auto flex items-center gap-2 text-sm">
                    <UserMenu />
                </div>
            </div>
        </header>
    }
}

/// The signed-in user's name and 退出, or 登录.
#[component]
fn UserMenu() -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        {match use_auth().current() {
                    Some(user) => {
                        let staff = user.is_staff();
                        view! {
                            {staff.then(|| view! {
                                <a href="/admin" class="hidden rounded-md px-3 py-2 font-medium text-blue-700 hover:bg-blue-50 sm:inline">"管理后台"</a>
                            })}
                            <a href="/me" class="max-w-[9rem] truncate font-medium text-slate-700" data-testid="current-user">{user.name.clone()}</a>
                            <ActionForm action=logout>
                                <button type="submit" class="rounded-md px-3 py-2 text-slate-600 hover:bg-slate-100">"退出"</button>
                            </ActionForm>
                        }
                            .into_any()
                    }
                    None => view! {
                        <a href="/login" class="rounded-md bg-blue-700 px-4 py-2 font-medium text-white hover:bg-blue-800">"登录"</a>
                    }
                        .into_any(),
        }}
    }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="hidden border-t border-slate-200 bg-white md:block">
            <div class="mx-auto max-w-6xl px-4 py-6 text-sm text-slate-500">
                <p>"学时 · 专业技术人员继续教育与培训报名平台"</p>
                <p class="mt-1">"报名、缴费、在线学习、学时登记与证书查询，一站办理。"</p>
            </div>
        </footer>
    }
}

const TAB: &str =
    "flex flex-1 flex-col items-center gap-0.5 py-2 text-xs text-slate-500 aria-[current=page]:text-blue-700";

/// The phone's bottom tab bar (hidden from medium screens up).
#[component]
pub fn TabBar() -> impl IntoView {
    view! {
        <nav
            aria-label="底部导航"
            class="fixed inset-x-0 bottom-0 z-30 flex border-t border-slate-200 bg-white pb-[env(safe-area-inset-bottom)] md:hidden"
        >
            <A href="/" exact=true attr:class=TAB><HomeIcon />"首页"</A>
            <A href="/enroll" attr:class=TAB><EnrollIcon />"报名中心"</A>
            <A href="/learn" attr:class=TAB><LearnIcon />"学习"</A>
            <A href="/me" attr:class=TAB><UserIcon />"个人中心"</A>
        </nav>
    }
}
