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

/// What a page says when its data could not be loaded: the whole form's
/// message for a refused request, else the error itself.
pub fn error_text(e: &AppError) -> String {
    form_error(Some(Err::<(), _>(e.clone()))).unwrap_or_else(|| e.to_string())
}

/// The message for a failure that is not about one field.
pub fn form_error<T: Clone>(result: Option<Result<T, AppError>>) -> Option<String> {
    match result? {
        Ok(_) => None,
        Err(AppError::Invalid(f)) => f.message_for("form").map(str::to_string),
        Err(e) => Some(e.to_string()),
    }
}

/// The message above a form whose server may say why in its "form" entry
/// (a sign-in refused, an account not matched): that message, else "correct
/// the fields" for field errors, else the failure itself.
pub fn form_message<T: Clone + Send + Sync + 'static>(
    value: Signal<Option<Result<T, AppError>>>,
) -> Signal<Option<String>> {
    Signal::derive(move || match value.get() {
        Some(Err(AppError::Invalid(f))) => Some(
            f.message_for("form")
                .unwrap_or("Please correct the highlighted fields.")
                .to_string(),
        ),
        other => form_error(other),
    })
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

/// One labelled text input of a `form[...]` struct, with its hint and the
/// message for it in `errors` underneath (ids `{prefix}-{name}`, and
/// `-hint`, `-error`). Invalid, it is marked so and takes the focus
/// without JavaScript too (`autofocus`: the first in error wins).
#[component]
pub fn TextField(
    prefix: &'static str,
    name: &'static str,
    label: &'static str,
    value: String,
    errors: Signal<Option<crate::error::FieldErrors>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    let dom = format!("{prefix}-{name}");
    let message = message_for(name, errors);
    let invalid = move || message.with(Option::is_some).to_string();
    let described = if hint.is_empty() {
        format!("{dom}-error")
    } else {
        format!("{dom}-error {dom}-hint")
    };
    view! {
        <div class="field">
            <label for=dom.clone()>{label}</label>
            <input id=dom.clone() name=format!("form[{name}]") type=kind value=value autocomplete=autocomplete
                spellcheck="false" aria-invalid=invalid autofocus=move || invalid() == "true"
                aria-describedby=described/>
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=format!("{dom}-hint")>{hint}</p> })}
            <FieldMessage id=dom message/>
        </div>
    }
}

/// `name`'s message in `errors`, as it changes.
pub fn message_for(
    name: &'static str,
    errors: Signal<Option<crate::error::FieldErrors>>,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        errors.with(|e| {
            e.as_ref()
                .and_then(|e| e.message_for(name))
                .map(str::to_string)
        })
    })
}

/// The message under field `name` of a form whose ids start with `prefix`
/// (`{prefix}-{name}-error`), for a field that is not a [`TextField`].
#[component]
pub fn ErrorFor(
    prefix: &'static str,
    name: &'static str,
    errors: Signal<Option<crate::error::FieldErrors>>,
) -> impl IntoView {
    view! { <FieldMessage id=format!("{prefix}-{name}") message=message_for(name, errors)/> }
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
