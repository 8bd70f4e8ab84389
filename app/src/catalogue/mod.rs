//! 报名中心. Classes, sessions and registration arrive with the catalogue issue; until
//! then the page says truthfully that nothing is open for registration.

use crate::shell::components::{Card, EmptyState};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn EnrollPage() -> impl IntoView {
    view! {
        <Title text="报名中心" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"报名中心"</h1>
        <Card title="培训">
            <EmptyState message="目前没有接受报名的培训班。" />
            <p class="text-center text-sm">
                <a href="/news?category=notice" class="text-blue-700 hover:underline">"查看通知公告"</a>
            </p>
        </Card>
    }
}
