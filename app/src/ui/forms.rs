//! Small pieces every form uses: the message next to a field, and the
//! message above the form.

use crate::error::{AppError, FieldErrors};
use leptos::prelude::*;

/// The field errors in an action's latest result, if it failed validation.
pub fn field_errors<T: Clone>(result: Option<Result<T, AppError>>) -> Option<FieldErrors> {
    result
        .and_then(|r| r.err())
        .and_then(|e| e.field_errors().cloned())
}

/// The message for a failure that is not about one field.
pub fn form_error<T: Clone>(result: Option<Result<T, AppError>>) -> Option<String> {
    match result? {
        Ok(_) => None,
        Err(AppError::Invalid(f)) => f.message_for("form").map(str::to_string),
        Err(e) => Some(e.to_string()),
    }
}

/// The message shown under a field; its id is what the input's
/// `aria-describedby` points at. A message appearing (a failed submit)
/// sends focus to the first field in error.
#[component]
pub fn FieldMessage(
    #[prop(into)] id: String,
    #[prop(into)] message: Signal<Option<String>>,
) -> impl IntoView {
    Effect::new(move |_| {
        if message.with(Option::is_some) {
            super::focus::first_field_in_error();
        }
    });
    view! {
        <p class="field-error" id=format!("{id}-error") aria-live="polite">
            {move || message.get()}
        </p>
    }
}

#[component]
pub fn FormAlert(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="form-alert" role="alert" hidden=move || message.get().is_none()>
            {move || message.get()}
        </div>
    }
}

/// A destructive action's confirmation (WCAG 3.3.4): the question, the form
/// that does it (`children`, whose `.btn-danger` confirms), and the way back
/// to the page without it. Shown, it puts the focus on the confirming
/// button (without JavaScript, give that button `autofocus`).
#[component]
pub fn ConfirmBox(
    #[prop(into)] id: String,
    /// What is confirmed, for the group's name ("Confirm: …").
    #[prop(into)]
    action: String,
    #[prop(into)] question: String,
    #[prop(into)] keep_href: String,
    keep: &'static str,
    children: Children,
) -> impl IntoView {
    let confirm = format!("#{id} .btn-danger");
    Effect::new(move |_| super::focus::element(confirm.clone()));
    view! {
        <div class="confirm-box" id=id role="group" aria-label=format!("Confirm: {action}")>
            <p>{question}</p>
            {children()}
            <a class="btn btn-secondary" href=keep_href>{keep}</a>
        </div>
    }
}
