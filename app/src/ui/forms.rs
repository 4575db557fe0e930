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
/// `aria-describedby` points at.
#[component]
pub fn FieldMessage(
    #[prop(into)] id: String,
    #[prop(into)] message: Signal<Option<String>>,
) -> impl IntoView {
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
