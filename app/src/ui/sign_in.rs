use super::forms::{FieldMessage, FormAlert, field_errors, form_error};
use crate::api::auth::SignIn;
use crate::error::FieldErrors;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let notice = move || {
        let q = query.read();
        if q.get("expired").is_some() {
            Some("Your session has ended. Please sign in again.")
        } else if q.get("password_reset").is_some() {
            Some("Your new password is set. Sign in with it.")
        } else if q.get("signed_out").is_some() {
            Some("You have signed out.")
        } else {
            None
        }
    };
    let errors = move || field_errors(action.value().get());
    let message = move |field: &'static str| {
        Signal::derive(move || errors().and_then(|e| e.message_for(field).map(str::to_string)))
    };
    let kept_login = move || FieldErrors::typed_or(errors().as_ref(), "login", "");
    let alert = Signal::derive(move || form_error(action.value().get()));
    // After a failed attempt the password is cleared and focused for retyping
    // (without JavaScript the re-rendered page starts empty anyway).
    let password_input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let (Some(Err(_)), Some(input)) = (action.value().get(), password_input.get()) {
            input.set_value("");
            let _ = input.focus();
        }
    });

    view! {
        <Title text="Sign in"/>
        <main class="signin" id="main">
            <section class="signin-card" aria-labelledby="signin-title">
                <div class="brand brand-large">
                    <span class="brand-mark" aria-hidden="true">"P"</span>
                    <span class="brand-name">"Paydesk"</span>
                </div>
                <h1 id="signin-title">"Staff sign-in"</h1>
                {move || notice().map(|n| view! { <p class="notice" role="status">{n}</p> })}
                <ActionForm action=action>
                    <FormAlert message=alert/>
                    <div class="field">
                        <label for="login">"Login ID"</label>
                        <input
                            id="login"
                            name="login"
                            autocomplete="username"
                            autocapitalize="none"
                            spellcheck="false"
                            // First, unless only the password was wrong.
                            autofocus=move || message("login").get().is_some() || message("password").get().is_none()
                            value=kept_login
                            aria-invalid=move || message("login").get().is_some().to_string()
                            aria-describedby="login-error"
                        />
                        <FieldMessage id="login" message=message("login")/>
                    </div>
                    <div class="field">
                        <label for="password">"Password"</label>
                        <input
                            id="password"
                            node_ref=password_input
                            name="password"
                            type="password"
                            autocomplete="current-password"
                            aria-invalid=move || message("password").get().is_some().to_string() autofocus=move || message("password").get().is_some()
                            aria-describedby="password-error"
                        />
                        <FieldMessage id="password" message=message("password")/>
                    </div>
                    <input type="hidden" name="next" value=next/>
                    <button type="submit" class="btn btn-primary btn-block" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                <p class="hint">
                    <a href=crate::routes::FORGOT_PASSWORD>"Forgot Your Password?"</a>
                    " · "
                    <a href=crate::routes::FORGOT_USERNAME>"Forgot Your Username?"</a>
                </p>
            </section>
        </main>
    }
}
