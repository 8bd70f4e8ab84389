//! The site's routes: the HTML document, the router that maps every path to its
//! feature's page, and the gate that sends an account with a one-time password to
//! change it. The one module that knows every feature's pages, so that the features
//! and the shell (layout and UI kit) never import each other through it.

use crate::{
    accounts::{
        admin::{IdentityReviewDetailPage, IdentityReviewList},
        pages::{
            LoginPage, MePage,
            profile::{InvoiceTitlesPage, MyInfoPage, PasswordPage},
            provide_auth,
            recover::RecoverPage,
            register::{RegisterDonePage, RegisterPage},
            use_auth,
            verify::VerifyPage,
        },
    },
    admin::admin::{AdminHome, AdminLayout, OutboxPage},
    announcements::{
        admin::{AdminAnnouncementEdit, AdminAnnouncementList, AdminAnnouncementNew},
        pages::{NewsDetailPage, NewsListPage},
    },
    catalogue::{
        admin::{ProviderClassEdit, ProviderClassList, ProviderClassNew},
        pages::{ClassPage, EnrollPage, FavouritesPage},
    },
    enrolment::{
        admin::ReviewQueuePage,
        pages::{ApplyPage, MyRegistrationPage, MyRegistrationsPage, NoticePage},
    },
    home::HomePage,
    invoices::{
        admin::InvoicesPage,
        pages::{InvoiceApplyPage, MyInvoicesPage},
    },
    learning::{
        admin::{CourseEditPage, CourseListPage, CourseNewPage},
        pages::{ClassHomePage, LearnPage, PlayerPage, QuizPage, ResultPage, SelectPage},
    },
    messages::MessagesPage,
    payments::{
        admin::TransfersPage,
        pages::{CashierPage, PayPage},
    },
    queries::{AnswerPage, QueryPage},
    refunds::{admin::RefundsPage, pages::RefundPage},
    shell::{
        errors::NotFoundPage,
        islands,
        layout::{SiteFooter, SiteHeader, TabBar},
    },
    units::{
        admin::{
            console::{
                DepartmentsPage, ImportReportPage, ManagersPage, StaffPage, StaffReviewPage, UnitInfoPage,
            },
            review::{UnitReviewDetail, UnitReviewList},
        },
        pages::UnitRegisterPage,
    },
};

use crate::certificates::{
    CertificateBatchPage, CertificateVerifyPage, CertificatesAdminPage, MyCertificatesPage,
    TrainingCertificatePage, UnitCertificatesPage, YearlyCertificatePage,
};
use crate::credits::{
    admin::{
        CreditsManagementPage, DeclarationTypesPage, RequirementsPage, UnitDeclarationsPage, UnitDeclarePage,
        UnitHoursPage, UnitRecordPage, UnitRecordsPage,
    },
    pages::{DeclarePage, HoursPage, HoursYearPage, RecordPage, RecordsPage},
};
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    hooks::use_location,
    path,
};

/// The whole HTML document, rendered on the server for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy(&options);
    view! {
        <!DOCTYPE html>
        <html lang="zh-CN">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
                <meta name="theme-color" content="#1d4ed8" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options=options.clone() islands=true />
                <HashedStylesheet options id="leptos" />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-800 antialiased">
                <App />
            </body>
        </html>
    }
}

/// A per-response policy: scripts only from this site or carrying this response's
/// nonce (the hydration script), wasm compilation allowed, nothing framed.
#[cfg(feature = "ssr")]
fn set_content_security_policy(options: &LeptosOptions) {
    use http::{HeaderValue, header::CONTENT_SECURITY_POLICY};
    let (Some(nonce), Some(response)) =
        (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    // `cargo leptos watch` reloads the page through a websocket on its own port.
    let reload = if std::env::var_os("LEPTOS_WATCH").is_some() {
        format!(" ws://{}:{}", options.site_addr.ip(), options.reload_port)
    } else {
        String::new()
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'{reload}; \
         media-src 'self' blob:; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_auth();
    // Every route waits for its data on the server, so the first HTML is complete
    // (pages work without JavaScript) and statuses such as 404 and 403 are real.
    let ssr = SsrMode::Async;
    view! {
        <Title formatter=|text: String| {
            if text.is_empty() { "学时 · 专业技术人员继续教育平台".to_owned() } else { format!("{text} - 学时") }
        } />
        <Router>
            <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
                "跳到主要内容"
            </a>
            <SiteHeader />
            <PasswordGate />
            <main id="main" class="mx-auto w-full max-w-6xl px-4 pb-24 pt-4 md:pb-10 md:pt-6">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("") view=HomePage ssr=ssr.clone() />
                    <Route path=path!("/news") view=NewsListPage ssr=ssr.clone() />
                    <Route path=path!("/news/:id") view=NewsDetailPage ssr=ssr.clone() />
                    <Route path=path!("/login") view=LoginPage ssr=ssr.clone() />
                    <Route path=path!("/me") view=MePage ssr=ssr.clone() />
                    <Route path=path!("/me/info") view=MyInfoPage ssr=ssr.clone() />
                    <Route path=path!("/me/verify") view=VerifyPage ssr=ssr.clone() />
                    <Route path=path!("/me/password") view=PasswordPage ssr=ssr.clone() />
                    <Route path=path!("/me/invoices") view=InvoiceTitlesPage ssr=ssr.clone() />
                    <Route path=path!("/register") view=RegisterPage ssr=ssr.clone() />
                    <Route path=path!("/register/done") view=RegisterDonePage ssr=ssr.clone() />
                    <Route path=path!("/register/unit") view=UnitRegisterPage ssr=ssr.clone() />
                    <Route path=path!("/recover") view=RecoverPage ssr=ssr.clone() />
                    <Route path=path!("/enroll") view=EnrollPage ssr=ssr.clone() />
                    <Route path=path!("/enroll/notice/:draft") view=NoticePage ssr=ssr.clone() />
                    <Route path=path!("/classes/:id") view=ClassPage ssr=ssr.clone() />
                    <Route path=path!("/classes/:id/apply") view=ApplyPage ssr=ssr.clone() />
                    <Route path=path!("/me/exams") view=|| view! { <MyRegistrationsPage orders=false /> } ssr=ssr.clone() />
                    <Route path=path!("/me/exams/:id") view=MyRegistrationPage ssr=ssr.clone() />
                    <Route path=path!("/me/exams/:id/pay") view=PayPage ssr=ssr.clone() />
                    <Route path=path!("/me/exams/:id/refund") view=RefundPage ssr=ssr.clone() />
                    <Route path=path!("/me/exams/:id/invoice") view=InvoiceApplyPage ssr=ssr.clone() />
                    <Route path=path!("/me/fapiao") view=MyInvoicesPage ssr=ssr.clone() />
                    <Route path=path!("/sandbox/cashier/:id") view=CashierPage ssr=ssr.clone() />
                    <Route path=path!("/me/orders") view=|| view! { <MyRegistrationsPage orders=true /> } ssr=ssr.clone() />
                    <Route path=path!("/me/favourites") view=FavouritesPage ssr=ssr.clone() />
                    <Route path=path!("/me/messages") view=MessagesPage ssr=ssr.clone() />
                    <Route path=path!("/me/hours") view=HoursPage ssr=ssr.clone() />
                    <Route path=path!("/me/hours/:year") view=HoursYearPage ssr=ssr.clone() />
                    <Route path=path!("/me/records") view=RecordsPage ssr=ssr.clone() />
                    <Route path=path!("/me/records/new") view=DeclarePage ssr=ssr.clone() />
                    <Route path=path!("/me/records/:id") view=RecordPage ssr=ssr.clone() />
                    <Route path=path!("/me/records/:id/edit") view=DeclarePage ssr=ssr.clone() />
                    <Route path=path!("/me/certificates") view=MyCertificatesPage ssr=ssr.clone() />
                    <Route path=path!("/me/certificates/yearly") view=YearlyCertificatePage ssr=ssr.clone() />
                    <Route path=path!("/me/certificates/class/:id") view=TrainingCertificatePage ssr=ssr.clone() />
                    <Route path=path!("/verify") view=CertificateVerifyPage ssr=ssr.clone() />
                    <Route path=path!("/verify/:serial") view=CertificateVerifyPage ssr=ssr.clone() />
                    <Route path=path!("/query/:kind") view=QueryPage ssr=ssr.clone() />
                    <Route path=path!("/query/:kind/:token") view=AnswerPage ssr=ssr.clone() />
                    <Route path=path!("/learn") view=LearnPage ssr=ssr.clone() />
                    <Route path=path!("/learn/class/:id") view=ClassHomePage ssr=ssr.clone() />
                    <Route path=path!("/learn/class/:id/select") view=SelectPage ssr=ssr.clone() />
                    <Route path=path!("/learn/course/:id") view=PlayerPage ssr=ssr.clone() />
                    <Route path=path!("/learn/quiz/:id") view=QuizPage ssr=ssr.clone() />
                    <Route path=path!("/learn/result/:id") view=ResultPage ssr=ssr.clone() />
                    <ParentRoute path=path!("/admin") view=AdminLayout ssr=ssr.clone()>
                        <Route path=path!("") view=AdminHome ssr=ssr.clone() />
                        <Route path=path!("/announcements") view=AdminAnnouncementList ssr=ssr.clone() />
                        <Route path=path!("/announcements/new") view=AdminAnnouncementNew ssr=ssr.clone() />
                        <Route path=path!("/announcements/:id") view=AdminAnnouncementEdit ssr=ssr.clone() />
                        <Route path=path!("/outbox") view=OutboxPage ssr=ssr.clone() />
                        <Route path=path!("/classes") view=ProviderClassList ssr=ssr.clone() />
                        <Route path=path!("/classes/new") view=ProviderClassNew ssr=ssr.clone() />
                        <Route path=path!("/classes/:id") view=ProviderClassEdit ssr=ssr.clone() />
                        <Route path=path!("/registrations") view=ReviewQueuePage ssr=ssr.clone() />
                        <Route path=path!("/courses") view=CourseListPage ssr=ssr.clone() />
                        <Route path=path!("/courses/new") view=CourseNewPage ssr=ssr.clone() />
                        <Route path=path!("/courses/:id") view=CourseEditPage ssr=ssr.clone() />
                        <Route path=path!("/finance/transfers") view=TransfersPage ssr=ssr.clone() />
                        <Route path=path!("/finance/refunds") view=RefundsPage ssr=ssr.clone() />
                        <Route path=path!("/finance/invoices") view=InvoicesPage ssr=ssr.clone() />
                        <Route path=path!("/units") view=UnitReviewList ssr=ssr.clone() />
                        <Route path=path!("/units/:id") view=UnitReviewDetail ssr=ssr.clone() />
                        <Route path=path!("/identity") view=IdentityReviewList ssr=ssr.clone() />
                        <Route path=path!("/credit-requirements") view=RequirementsPage ssr=ssr.clone() />
                        <Route path=path!("/credits") view=CreditsManagementPage ssr=ssr.clone() />
                        <Route path=path!("/declaration-types") view=DeclarationTypesPage ssr=ssr.clone() />
                        <Route path=path!("/unit-declarations") view=UnitDeclarationsPage ssr=ssr.clone() />
                        <Route path=path!("/certificates") view=CertificatesAdminPage ssr=ssr.clone() />
                        <Route path=path!("/identity/:id") view=IdentityReviewDetailPage ssr=ssr.clone() />
                        <Route path=path!("/unit") view=UnitInfoPage ssr=ssr.clone() />
                        <Route path=path!("/unit/reviews") view=StaffReviewPage ssr=ssr.clone() />
                        <Route path=path!("/unit/staff") view=StaffPage ssr=ssr.clone() />
                        <Route path=path!("/unit/hours") view=UnitHoursPage ssr=ssr.clone() />
                        <Route path=path!("/unit/certificates") view=UnitCertificatesPage ssr=ssr.clone() />
                        <Route path=path!("/unit/certificates/batches/:id") view=CertificateBatchPage ssr=ssr.clone() />
                        <Route path=path!("/unit/records") view=UnitRecordsPage ssr=ssr.clone() />
                        <Route path=path!("/unit/records/:id") view=UnitRecordPage ssr=ssr.clone() />
                        <Route path=path!("/unit/declare/:category") view=UnitDeclarePage ssr=ssr.clone() />
                        <Route path=path!("/unit/imports/:id") view=ImportReportPage ssr=ssr.clone() />
                        <Route path=path!("/unit/departments") view=DepartmentsPage ssr=ssr.clone() />
                        <Route path=path!("/unit/managers") view=ManagersPage ssr=ssr.clone() />
                    </ParentRoute>
                </Routes>
            </main>
            <SiteFooter />
            <TabBar />
            <islands::FormMemory />
        </Router>
    }
}

/// An account created by its unit must set its own password before anything else: the
/// server redirects every page load (navigation is always a page load, see islands).
#[component]
fn PasswordGate() -> impl IntoView {
    let must_change = use_auth().current().is_some_and(|u| u.must_change_password);
    if must_change {
        redirect_to_password_change(&use_location().pathname.get_untracked());
    }
}

#[cfg(feature = "ssr")]
fn redirect_to_password_change(path: &str) {
    const TARGET: &str = "/me/password";
    if path != TARGET {
        leptos_axum::redirect(TARGET);
    }
}

/// Pages render on the server only (islands), so the browser never needs to redirect.
#[cfg(not(feature = "ssr"))]
fn redirect_to_password_change(_path: &str) {}
