//! 报名中心. Classes, sessions and registration arrive with the catalogue issue; until
//! then the page says truthfully that nothing is open for registration.

use crate::{
    accounts::pages::{UNVERIFIED_NOTICE, use_auth},
    shell::components::{Card, EmptyState},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn EnrollPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Title text="报名中心" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"报名中心"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                auth.user.await.ok().flatten().filter(|u| !u.real_name_verified).map(|_| view! {
                    <p role="note" class="mb-4 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800">
                        {UNVERIFIED_NOTICE} " " <a href="/me/verify" class="font-medium underline">"实名认证"</a>
                    </p>
                })
            })}
        </Suspense>
        <Card title="培训">
            <EmptyState message="目前没有接受报名的培训班。" />
            <p class="text-center text-sm">
                <a href="/news?category=notice" class="text-blue-700 hover:underline">"查看通知公告"</a>
            </p>
        </Card>
    }
}
