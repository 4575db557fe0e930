//! The console's pages and components. The same code renders on the server
//! (so every page works without JavaScript) and hydrates in the browser.

mod accounts;
mod approvals;
mod audit_report;
mod biller_profile;
mod bills;
mod cancel_reverse;
mod categories;
mod category_lines;
mod change_password;
mod divisions;
mod enrolled_user;
mod fees;
mod focus;
mod forgot;
mod forms;
mod home;
mod layout;
mod make_payment;
mod not_found;
mod payer_accounts;
mod payer_activity;
mod payer_plans;
mod payer_profile;
mod payer_reset;
mod payer_site;
mod payer_support;
mod payment_links;
mod payment_pages;
mod plans;
mod reports;
mod role_entitlements;
mod root;
mod session_watch;
mod settlements;
mod sign_in;
mod status;
mod upload_progress;
mod uploads;
mod user_admin;

use crate::domain::report::ReportKind;
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

pub use layout::Layout;

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::web::security::provide_page_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // The stylesheet's name carries its hash in release builds.
                <HashedStylesheet options=options.clone() id="leptos"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| format!("{page} · Paydesk")/>
        <Router>
            <focus::FocusOnNavigate/>
            <Routes fallback=not_found::NotFound>
                // Async: the server answers with the finished page, data
                // included, so it is complete without JavaScript (streamed
                // out-of-order chunks would need a script to be placed).
                <Route path=path!("/") view=root::RootPage ssr=SsrMode::Async/>
                <Route path=path!("/sign-in") view=sign_in::SignInPage ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password") view=forgot::ForgotPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password/code") view=forgot::ForgotPasswordCodePage ssr=SsrMode::Async/>
                <Route path=path!("/forgot-username") view=forgot::ForgotUsernamePage ssr=SsrMode::Async/>
                <Route path=path!("/payer-support") view=payer_support::PayerSupportPage ssr=SsrMode::Async/>
                <Route path=path!("/accounts/:number") view=accounts::AccountPage ssr=SsrMode::Async/>
                <Route path=path!("/bills/:id") view=bills::BillDetailsPage ssr=SsrMode::Async/>
                <Route path=path!("/pay/:account") view=make_payment::MakePaymentPage ssr=SsrMode::Async/>
                <Route path=path!("/pay/:account/review") view=make_payment::ReviewPaymentPage ssr=SsrMode::Async/>
                <Route path=path!("/payer") view=plans::PayerPage ssr=SsrMode::Async/>
                <Route path=path!("/payer/add-method") view=plans::AddMethodPage ssr=SsrMode::Async/>
                <Route path=path!("/payer/add-method/review") view=plans::MethodReviewPage ssr=SsrMode::Async/>
                <Route path=path!("/set-up/:account") view=plans::SetUpPage ssr=SsrMode::Async/>
                <Route path=path!("/set-up/:account/review") view=plans::SetUpReviewPage ssr=SsrMode::Async/>
                <Route path=path!("/payments/:reference") view=payment_pages::PaymentDetailPage ssr=SsrMode::Async/>
                <Route path=path!("/payments/:reference/thanks") view=payment_pages::ThanksPage ssr=SsrMode::Async/>
                <Route path=path!("/settlements") view=settlements::SettlementsPage ssr=SsrMode::Async/>
                <Route path=path!("/reports/audit") view=audit_report::AuditReportPage ssr=SsrMode::Async/>
                <Route path=path!("/reports") view=reports::ReportsPage ssr=SsrMode::Async/>
                <Route path=path!("/reports/payment-history") view=|| view! { <reports::ReportView kind=ReportKind::PaymentHistory/> } ssr=SsrMode::Async/>
                <Route path=path!("/reports/reconciliation") view=|| view! { <reports::ReportView kind=ReportKind::Reconciliation/> } ssr=SsrMode::Async/>
                <Route path=path!("/reports/settlement") view=|| view! { <reports::ReportView kind=ReportKind::Settlement/> } ssr=SsrMode::Async/>
                <Route path=path!("/reports/enrollment") view=|| view! { <reports::ReportView kind=ReportKind::Enrollment/> } ssr=SsrMode::Async/>
                <Route path=path!("/reports/aging") view=|| view! { <reports::ReportView kind=ReportKind::Aging/> } ssr=SsrMode::Async/>
                <Route path=path!("/reports/activity") view=|| view! { <reports::ReportView kind=ReportKind::Activity/> } ssr=SsrMode::Async/>
                <Route path=path!("/admin/users") view=user_admin::UsersPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/users/:login") view=user_admin::UserPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/roles") view=role_entitlements::RoleEntitlementsPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/profile") view=biller_profile::BillerProfilePage ssr=SsrMode::Async/>
                <Route path=path!("/admin/categories") view=categories::ManageCategoryPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/fees") view=fees::FeesPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/divisions") view=divisions::DivisionsPage ssr=SsrMode::Async/>
                <Route path=path!("/uploads") view=uploads::UploadsPage ssr=SsrMode::Async/>
                <Route path=path!("/uploads/:id") view=uploads::UploadPage ssr=SsrMode::Async/>
                <Route path=path!("/approvals") view=approvals::ApprovalsPage ssr=SsrMode::Async/>
                <Route path=path!("/send-link/:account") view=payment_links::SendLinkPage ssr=SsrMode::Async/>
                // The payer site: no staff sign-in, no staff navigation.
                <Route path=path!("/p") view=payer_accounts::PayerSignInPage ssr=SsrMode::Async/>
                <Route path=path!("/p/sign-in") view=payer_accounts::PayerSignInPage ssr=SsrMode::Async/>
                <Route path=path!("/p/register") view=payer_accounts::RegisterPage ssr=SsrMode::Async/>
                <Route path=path!("/p/registered") view=payer_profile::RegisteredPage ssr=SsrMode::Async/>
                <Route path=path!("/p/profile") view=payer_profile::PayerProfilePage ssr=SsrMode::Async/>
                <Route path=path!("/p/profile/add-method") view=payer_profile::PayerAddMethodPage ssr=SsrMode::Async/>
                <Route path=path!("/p/profile/method-review") view=payer_profile::PayerMethodReviewPage ssr=SsrMode::Async/>
                <Route path=path!("/p/home") view=payer_accounts::PayerHomePage ssr=SsrMode::Async/>
                <Route path=path!("/p/forgot") view=payer_reset::ForgotPage ssr=SsrMode::Async/>
                <Route path=path!("/p/reset/:token") view=payer_reset::ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/p/plans") view=payer_plans::PayerPlansPage ssr=SsrMode::Async/>
                <Route path=path!("/p/activity") view=payer_activity::PayerActivityPage ssr=SsrMode::Async/>
                <Route path=path!("/p/change-password") view=payer_accounts::PayerChangePasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/p/pay") view=payer_site::OneTimePage ssr=SsrMode::Async/>
                <Route path=path!("/p/customer-service") view=biller_profile::CustomerServicePage ssr=SsrMode::Async/>
                <Route path=path!("/p/link/:token") view=payer_site::LinkPayPage ssr=SsrMode::Async/>
                <Route path=path!("/p/link/:token/review") view=payer_site::LinkReviewPage ssr=SsrMode::Async/>
                <Route path=path!("/p/link/:token/receipt") view=payer_site::LinkReceiptPage ssr=SsrMode::Async/>
                <Route path=path!("/account/password") view=change_password::ChangePasswordPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

/// Marks `<body data-hydrated>` once the client has taken over, so browser
/// tests (and people debugging) can tell a live page from a static one.
#[cfg(feature = "hydrate")]
pub fn mark_hydrated() {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
