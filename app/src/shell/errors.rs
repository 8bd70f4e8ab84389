//! Error pages. They set the response status during server rendering and never show
//! internal detail: an error's message is already written for users.

use crate::{
    error::{AppError, ErrorKind},
    platform::url::percent_encode,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[cfg(feature = "ssr")]
fn set_status(code: u16) {
    if let Ok(status) = http::StatusCode::from_u16(code) {
        crate::platform::server::request::set_page_status(status);
    }
}

#[component]
fn ErrorPanel(code: u16, title: &'static str, message: String, children: Children) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_status(code);
    view! {
        <Title text=title />
        <section class="mx-auto max-w-md py-16 text-center">
            <p class="text-5xl font-bold text-blue-700">{code}</p>
            <h1 class="mt-4 text-xl font-semibold text-slate-900">{title}</h1>
            <p class="mt-2 text-slate-600">{message}</p>
            <div class="mt-6 flex justify-center gap-3">{children()}</div>
        </section>
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <ErrorPanel code=404 title="页面不存在" message="您访问的页面不存在或已被移除。".to_owned()>
            <a href="/" class="text-blue-700 hover:underline">"返回首页"</a>
        </ErrorPanel>
    }
}

#[component]
pub fn ForbiddenPage() -> impl IntoView {
    view! {
        <ErrorPanel code=403 title="无权访问" message="您的账号没有访问此页面的权限。".to_owned()>
            <a href="/" class="text-blue-700 hover:underline">"返回首页"</a>
        </ErrorPanel>
    }
}

#[component]
pub fn LoginRequiredPage(#[prop(into)] next: String) -> impl IntoView {
    let href = format!("/login?next={}", percent_encode(&next));
    view! {
        <ErrorPanel code=401 title="请先登录" message="登录后即可使用此功能。".to_owned()>
            <a href=href class="rounded-md bg-blue-700 px-4 py-2 text-white hover:bg-blue-800">"登录"</a>
        </ErrorPanel>
    }
}

/// The page for an error a page's data came back with.
#[component]
pub fn ErrorPage(error: AppError, #[prop(optional, into)] path: String) -> impl IntoView {
    match error.kind {
        ErrorKind::NotFound => view! {
            <ErrorPanel code=404 title="页面不存在" message=error.message>
                <a href="/" class="text-blue-700 hover:underline">"返回首页"</a>
            </ErrorPanel>
        }
        .into_any(),
        ErrorKind::Unauthenticated => view! { <LoginRequiredPage next=path /> }.into_any(),
        ErrorKind::Forbidden => view! { <ForbiddenPage /> }.into_any(),
        kind => view! {
            <ErrorPanel code=kind.status() title="出错了" message=error.message>
                <a href="/" class="text-blue-700 hover:underline">"返回首页"</a>
            </ErrorPanel>
        }
        .into_any(),
    }
}

/// Keeps only paths on this site (see `platform::url::is_site_path`), so `next` can
/// never send a user elsewhere.
pub fn safe_next(next: &str) -> Option<&str> {
    crate::platform::url::is_site_path(next).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_paths_stay_on_site() {
        assert_eq!(safe_next("/admin"), Some("/admin"));
        assert_eq!(safe_next("//evil.example"), None);
        assert_eq!(safe_next("/\\evil.example"), None);
        assert_eq!(safe_next("https://evil.example"), None);
        assert_eq!(safe_next("/%09/evil.example"), None);
        assert_eq!(safe_next("/\t/evil.example"), None);
        assert_eq!(safe_next("/\r\n/evil.example"), None);
        assert_eq!(safe_next("/%5C/evil.example"), None);
        assert_eq!(safe_next("/me/orders?page=2"), Some("/me/orders?page=2"));
    }
}
