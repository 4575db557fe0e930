//! Change Password: from the header for anyone signed in, and the only page
//! open to a user whose password is temporary or expired.

use super::Layout;
use super::forms::{FieldMessage, FormAlert, field_errors, form_error};
use crate::api::auth::ChangePassword;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let query = use_query_map();
    let required = move || query.read().get("required").is_some();
    let errors = move || field_errors(action.value().get());
    let message = move |field: &'static str| {
        Signal::derive(move || errors().and_then(|e| e.message_for(field).map(str::to_string)))
    };
    let alert = Signal::derive(move || form_error(action.value().get()));
    let field = move |id: &'static str,
                      label: &'static str,
                      autocomplete: &'static str,
                      hint: Option<&'static str>| {
        let described = if hint.is_some() {
            format!("{id}-error {id}-hint")
        } else {
            format!("{id}-error")
        };
        view! {
            <div class="field">
                <label for=format!("pw-{id}")>{label}</label>
                <input id=format!("pw-{id}") name=id type="password" autocomplete=autocomplete
                    aria-invalid=move || message(id).get().is_some().to_string() autofocus=move || message(id).get().is_some() aria-describedby=described/>
                {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
                <FieldMessage id=id message=message(id)/>
            </div>
        }
    };
    view! {
        <Title text="Change Password"/>
        <Layout>
            <h1>"Change Password"</h1>
            {move || required().then(|| view! {
                <p class="notice" role="status">"Your password is temporary or has expired. Set your own password to continue."</p>
            })}
            <ActionForm action=action>
                <FormAlert message=alert/>
                {field("current", "Current password", "current-password", None)}
                {field("new", "New password", "new-password", Some("12 to 64 characters; not a common password, not your login ID, and not one of your last 4."))}
                {field("confirm", "New password again", "new-password", None)}
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Change Password"</button>
                </div>
            </ActionForm>
        </Layout>
    }
}
