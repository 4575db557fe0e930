//! Forgot Your Password? and Forgot Your Username?, reached from the
//! sign-in page while signed out. Every page says the same whatever was
//! typed: "if there is such a user, we emailed them".

use super::forms::{FieldMessage, FormAlert, field_errors, form_error};
use crate::api::password_reset::{
    ForgotUsername, RequestPasswordReset, ResendPasswordResetCode, ResetPassword,
};
use crate::error::{AppError, FieldErrors};
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The card every signed-out page sits in.
#[component]
fn SignedOutCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <main class="signin" id="main">
            <section class="signin-card" aria-labelledby="card-title">
                <div class="brand brand-large">
                    <span class="brand-mark" aria-hidden="true">"P"</span>
                    <span class="brand-name">"Paydesk"</span>
                </div>
                <h1 id="card-title">{title}</h1>
                {children()}
                <p class="hint"><a href=routes::SIGN_IN>"Back to sign-in"</a></p>
            </section>
        </main>
    }
}

/// The latest answer of a form's server function.
type Outcome = Signal<Option<Result<(), AppError>>>;

/// One labelled input with its message underneath (and an optional hint).
#[allow(clippy::too_many_arguments)]
fn input_field(
    result: Outcome,
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    hint: Option<&'static str>,
    value: Signal<String>,
    autofocus: bool,
) -> impl IntoView {
    let message = Signal::derive(move || {
        field_errors(result.get()).and_then(|e| e.message_for(name).map(str::to_string))
    });
    let described = match hint {
        Some(_) => format!("{name}-error {name}-hint"),
        None => format!("{name}-error"),
    };
    let id = format!("f-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id name=name type=kind autocomplete=autocomplete autocapitalize="none"
                spellcheck="false"
                inputmode=(name == "code").then_some("numeric")
                value=move || value.get()
                aria-invalid=move || message.get().is_some().to_string()
                aria-describedby=described
                // The form's first field, or (after a failed submit) the
                // first in error: the browser focuses the first that has it.
                autofocus=move || message.get().is_some() || (autofocus && field_errors(result.get()).is_none())/>
            {hint.map(|h| view! { <p class="hint" id=format!("{name}-hint")>{h}</p> })}
            <FieldMessage id=name message=message/>
        </div>
    }
}

/// What was typed in `field`, as the server kept it with an error.
fn kept(
    result: Outcome,
    field: &'static str,
    or: impl Fn() -> String + Send + Sync + 'static,
) -> Signal<String> {
    Signal::derive(move || {
        FieldErrors::typed(field_errors(result.get()).as_ref(), field).unwrap_or_else(&or)
    })
}

/// Step 1: the login ID.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let result: Outcome = Signal::derive(move || action.value().get());
    let alert = Signal::derive(move || form_error(result.get()));
    view! {
        <Title text="Forgot Your Password?"/>
        <SignedOutCard title="Forgot Your Password?">
            <p>"Enter your login ID. We will email a security code to the address on file for it."</p>
            <ActionForm action=action>
                <FormAlert message=alert/>
                {input_field(result, "login", "Login ID", "text", "username", None,
                    kept(result, "login", String::new), true)}
                <button type="submit" class="btn btn-primary btn-block" disabled=move || action.pending().get()>
                    "Send Security Code"
                </button>
            </ActionForm>
            <p class="hint"><a href=routes::FORGOT_USERNAME>"Forgot Your Username?"</a></p>
        </SignedOutCard>
    }
}

/// Steps 2 and 3: "Security Code Sent!", Resend Code and Create New
/// Password.
#[component]
pub fn ForgotPasswordCodePage() -> impl IntoView {
    let reset = ServerAction::<ResetPassword>::new();
    let resend = ServerAction::<ResendPasswordResetCode>::new();
    let query = use_query_map();
    // Only login-ID characters come from the address bar (see
    // `routes::forgot_password_code`).
    let login = move || {
        query
            .read()
            .get("login")
            .unwrap_or_default()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || "._@-".contains(*c))
            .take(64)
            .collect::<String>()
    };
    let resent = move || query.read().get("resent").is_some();
    let result: Outcome = Signal::derive(move || reset.value().get());
    let alert = Signal::derive(move || form_error(result.get()));
    let resend_alert = Signal::derive(move || form_error(resend.value().get()));
    view! {
        <Title text="Security Code Sent!"/>
        <SignedOutCard title="Security Code Sent!">
            <p class="notice" role="status">
                {move || if resent() {
                    "A new security code is on its way. Codes sent before it no longer work."
                } else {
                    "If that login ID belongs to an active staff user, a security code is on its way to the email address on file."
                }}
                " It expires in 15 minutes."
            </p>
            <h2>"Create New Password"</h2>
            <ActionForm action=reset>
                <FormAlert message=alert/>
                {input_field(result, "login", "Login ID", "text", "username", None,
                    kept(result, "login", login), false)}
                {input_field(result, "code", "Security code", "text", "one-time-code",
                    Some("The 8 digits in the email."), Signal::derive(String::new), true)}
                {input_field(result, "new", "New password", "password", "new-password",
                    Some("12 to 64 characters; not a common password, not your login ID, and not one of your last 4."),
                    Signal::derive(String::new), false)}
                {input_field(result, "confirm", "New password again", "password", "new-password", None,
                    Signal::derive(String::new), false)}
                <button type="submit" class="btn btn-primary btn-block" disabled=move || reset.pending().get()>
                    "Create New Password"
                </button>
            </ActionForm>
            <ActionForm action=resend>
                <FormAlert message=resend_alert/>
                <input type="hidden" name="login" value=login/>
                <p class="hint">"No email, or the code expired?"</p>
                <button type="submit" class="btn btn-secondary" disabled=move || resend.pending().get()>
                    "Resend Code"
                </button>
            </ActionForm>
        </SignedOutCard>
    }
}

/// Forgot Your Username?: an email address.
#[component]
pub fn ForgotUsernamePage() -> impl IntoView {
    let action = ServerAction::<ForgotUsername>::new();
    let query = use_query_map();
    let sent = move || query.read().get("sent").is_some();
    let result: Outcome = Signal::derive(move || action.value().get());
    let alert = Signal::derive(move || form_error(result.get()));
    view! {
        <Title text="Forgot Your Username?"/>
        <SignedOutCard title="Forgot Your Username?">
            {move || sent().then(|| view! {
                <p class="notice" role="status">
                    "Username Sent! If an active staff user has that email address, their login ID is on its way to it."
                </p>
            })}
            <p>"Enter your email address. We will email the login ID of any staff user who has it."</p>
            <ActionForm action=action>
                <FormAlert message=alert/>
                {input_field(result, "email", "Email address", "email", "email", None,
                    kept(result, "email", String::new), true)}
                <button type="submit" class="btn btn-primary btn-block" disabled=move || action.pending().get()>
                    "Send Username"
                </button>
            </ActionForm>
            <p class="hint"><a href=routes::FORGOT_PASSWORD>"Forgot Your Password?"</a></p>
        </SignedOutCard>
    }
}
