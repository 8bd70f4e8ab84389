//! 学习 (我的班级). Classes open for study after payment, which later issues add;
//! until then the page lists what a signed-in trainee really has: nothing yet.

use crate::{
    accounts::pages::use_auth,
    shell::{
        components::{Card, EmptyState},
        errors::{ErrorPage, LoginRequiredPage},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LearnPage() -> impl IntoView {
    view! {
        <Title text="学习" />
        <h1 class="mb-4 text-xl font-semibold text-slate-900">"学习"</h1>
                {match use_auth().result() {
                    Ok(Some(_)) => view! {
                        <Card title="我的班级">
                            <EmptyState message="您还没有已开通的班级。报名缴费后，班级会出现在这里。" />
                        </Card>
                    }
                        .into_any(),
                    Ok(None) => view! { <LoginRequiredPage next="/learn" /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }}
    }
}
