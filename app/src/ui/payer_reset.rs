//! The payer site's Forgot Password: `/p/forgot` (the User ID, then the
//! same answer whether or not it exists) and `/p/reset/:token` (the link
//! emailed: the challenge answers and a new password).

use super::forms::{FormAlert, TextField, field_errors, form_message};
use super::payer_site::PayerLayout;
use crate::api::payer_accounts::{PForgot, PReset, p_reset_page};
use crate::domain::payer_account::ResetPage;
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The answer to every Forgot Password request.
pub const FORGOT_SENT: &str = "If that User ID is registered, we emailed a link to reset its password to the address on record. It works once, for 30 minutes.";

#[component]
pub fn ForgotPage() -> impl IntoView {
    let action = ServerAction::<PForgot>::new();
    let errors = Signal::derive(move || field_errors(action.value().get()));
    let alert = form_message(action.value().into());
    let query = use_query_map();
    let sent =
        move || matches!(action.value().get(), Some(Ok(()))) || query.read().get("sent").is_some();
    view! {
        <Title text="Forgot Password"/>
        <PayerLayout>
            <h1>"Forgot Password"</h1>
            {move || if sent() {
                view! {
                    <p class="form-ok" role="status">{FORGOT_SENT}</p>
                    <p><a href=routes::PAYER_SIGN_IN>"Back to Sign In"</a></p>
                }.into_any()
            } else {
                view! {
                    <p class="muted">"Enter your User ID. We will email a link to reset your password to the address on record."</p>
                    <ActionForm action=action>
                        <FormAlert message=alert/>
                        <TextField prefix="pf" name="user_id" label="User ID" value=String::new() errors autocomplete="username"/>
                        <div class="actions">
                            <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Send Link"</button>
                        </div>
                    </ActionForm>
                    <p><a href=routes::PAYER_SIGN_IN>"Back to Sign In"</a></p>
                }.into_any()
            }}
        </PayerLayout>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let data = Resource::new(token, p_reset_page);
    view! {
        <Title text="Reset Password"/>
        <PayerLayout>
            <h1>"Reset Password"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    Ok(page) => view! { <ResetForm page token=token()/> }.into_any(),
                    Err(e) => view! {
                        <p class="form-alert" role="alert">{super::forms::error_text(&e)}</p>
                        <p><a href=routes::PAYER_FORGOT>"Forgot Password"</a></p>
                    }.into_any(),
                })}
            </Suspense>
        </PayerLayout>
    }
}

/// A challenge answer, labelled by its question.
#[component]
fn Answer(
    name: &'static str,
    question: String,
    errors: Signal<Option<crate::error::FieldErrors>>,
) -> impl IntoView {
    let dom = format!("pr-{name}");
    let message = super::forms::message_for(name, errors);
    let invalid = move || message.with(Option::is_some).to_string();
    view! {
        <div class="field">
            <label for=dom.clone()>{question}</label>
            <input id=dom.clone() name=format!("form[{name}]") type="text" autocomplete="off" spellcheck="false"
                aria-invalid=invalid autofocus=move || invalid() == "true" aria-describedby=format!("{dom}-error")/>
            <super::forms::FieldMessage id=dom message/>
        </div>
    }
}

#[component]
fn ResetForm(page: ResetPage, token: String) -> impl IntoView {
    let action = ServerAction::<PReset>::new();
    let errors = Signal::derive(move || field_errors(action.value().get()));
    let alert = form_message(action.value().into());
    let mut questions = page.questions.into_iter();
    let (q1, q2) = (questions.next(), questions.next());
    view! {
        <p class="muted">{format!("Choose a new password for User ID {}.", page.user_id)}</p>
        <ActionForm action=action>
            <FormAlert message=alert/>
            <input type="hidden" name="form[token]" value=token/>
            {(q1.is_some()).then(|| view! { <p class="muted">"Answer your challenge questions as you typed them (answers are case-sensitive)."</p> })}
            {q1.map(|q| view! { <Answer name="answer1" question=q errors/> })}
            {q2.map(|q| view! { <Answer name="answer2" question=q errors/> })}
            <TextField prefix="pr" name="new" label="New Password" value=String::new() errors
                kind="password" autocomplete="new-password" hint="At least 12 characters, not your User ID."/>
            <TextField prefix="pr" name="confirm" label="Confirm New Password" value=String::new() errors
                kind="password" autocomplete="new-password"/>
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Reset Password"</button>
            </div>
        </ActionForm>
    }
}
