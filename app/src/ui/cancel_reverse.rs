//! Cancel/Reverse on the payment page: the actions the payment's state
//! offers, a reason, and a confirmation box; a plain form, so it works with
//! and without JavaScript.

use super::forms::{FieldMessage, FormAlert, field_errors, form_error};
use crate::api::lifecycle::CancelReverse;
use crate::domain::lifecycle::ActionKind;
use crate::domain::payment_view::CancelReverseView;
use crate::error::FieldErrors;
use leptos::prelude::*;

/// Each choice in words, the convenience fee named where it goes back
/// (`domain::lifecycle::plan` decides the same).
fn describe(kind: ActionKind, view: &CancelReverseView) -> String {
    let fee = view.fee_left;
    let with_fee = |always: bool| {
        if fee.is_positive() && (always || view.partial_returns_fee) {
            format!(" The {fee} fee goes back too.")
        } else if fee.is_positive() {
            format!(" The {fee} fee is kept.")
        } else {
            String::new()
        }
    };
    match kind {
        ActionKind::Cancel => "Cancel: the payment never starts; no money moves.".into(),
        ActionKind::Void => format!(
            "Void: the ACH debit is not sent; no money moves.{}",
            with_fee(true)
        ),
        ActionKind::FullReversal => format!(
            "Full Reversal: give back all of the remaining {}.{}",
            view.refundable,
            with_fee(true)
        ),
        ActionKind::PartialRefund => {
            format!("Partial refund: give back part of it.{}", with_fee(false))
        }
        ActionKind::AchRefund => format!(
            "Refund to bank account: an ACH credit in the next file.{}",
            with_fee(false)
        ),
    }
}

#[component]
pub fn CancelReversePanel(
    reference: String,
    view: CancelReverseView,
    action: ServerAction<CancelReverse>,
) -> impl IntoView {
    let errors = Signal::derive(move || field_errors(action.value().get()));
    let alert = Signal::derive(move || {
        form_error(action.value().get()).or_else(|| {
            field_errors(action.value().get())
                .map(|_| "Please correct the highlighted fields.".into())
        })
    });
    let kept = move |field: &'static str| {
        errors.with_untracked(|e| FieldErrors::typed_or(e.as_ref(), field, ""))
    };
    let message = move |field: &'static str| {
        Signal::derive(move || {
            errors.with(|e| {
                e.as_ref()
                    .and_then(|e| e.message_for(field))
                    .map(str::to_string)
            })
        })
    };
    let invalid = move |field: &'static str| {
        move || {
            errors
                .with(|e| e.as_ref().and_then(|e| e.message_for(field)).is_some())
                .to_string()
        }
    };
    let refundable = view.refundable.to_string();
    let wants_amount = view
        .offered
        .iter()
        .any(|k| matches!(k, ActionKind::PartialRefund | ActionKind::AchRefund));
    let chosen = kept("action");
    let only = (view.offered.len() == 1).then(|| view.offered[0]);
    let reason_kept = kept("reason");
    view! {
        <section class="panel cancel-reverse" id="cancel-reverse" aria-labelledby="cancel-reverse-title">
            <h2 id="cancel-reverse-title">"Cancel/Reverse"</h2>
            <ActionForm action=action>
                <FormAlert message=alert/>
                <input type="hidden" name="form[reference]" value=reference/>
                <input type="hidden" name="form[key]" value=view.key.clone()/>
                <fieldset class="methods" aria-describedby="cr-action-error">
                    <legend>"What to do"</legend>
                    {view.offered.iter().map(|k| {
                        let checked = chosen == k.code() || only == Some(*k);
                        view! {
                            <label class="method-option">
                                <input type="radio" name="form[action]" value=k.code() checked=checked/>
                                <span>{describe(*k, &view)}</span>
                            </label>
                        }
                    }).collect_view()}
                    <FieldMessage id="cr-action" message=message("action")/>
                </fieldset>
                {wants_amount.then(|| view! {
                    <div class="field">
                        <label for="cr-amount">"Refund amount"</label>
                        <div class="affix"><span aria-hidden="true">"$"</span>
                            <input id="cr-amount" name="form[amount]" inputmode="decimal" value=kept("amount")
                                aria-invalid=invalid("amount") autofocus=move || invalid("amount")() == "true" aria-describedby="cr-amount-error cr-amount-hint"/>
                        </div>
                        <p class="hint" id="cr-amount-hint">{format!("Up to {refundable} can still be refunded.")}</p>
                        <FieldMessage id="cr-amount" message=message("amount")/>
                    </div>
                })}
                <div class="field">
                    <label for="cr-reason">"Reason"</label>
                    <select id="cr-reason" name="form[reason]" aria-invalid=invalid("reason") autofocus=move || invalid("reason")() == "true" aria-describedby="cr-reason-error">
                        <option value="">"Choose a reason…"</option>
                        {view.reasons.iter().map(|r| {
                            let selected = reason_kept == r.code();
                            view! { <option value=r.code() selected=selected>{r.label()}</option> }
                        }).collect_view()}
                    </select>
                    <FieldMessage id="cr-reason" message=message("reason")/>
                </div>
                <div class="field">
                    <label for="cr-reason-text">"Explanation"<span class="muted small">" (needed for Other)"</span></label>
                    <textarea id="cr-reason-text" name="form[reason_text]" rows="2" maxlength="500"
                        aria-invalid=invalid("reason_text") autofocus=move || invalid("reason_text")() == "true" aria-describedby="cr-reason-text-error">{kept("reason_text")}</textarea>
                    <FieldMessage id="cr-reason-text" message=message("reason_text")/>
                </div>
                <div class="field">
                    <label class="check">
                        <input type="checkbox" name="form[confirm]" value="yes" aria-invalid=invalid("confirm") autofocus=move || invalid("confirm")() == "true" aria-describedby="cr-confirm-error"/>
                        <span>"Yes, I confirmed this with the payer. It cannot be undone."</span>
                    </label>
                    <FieldMessage id="cr-confirm" message=message("confirm")/>
                </div>
                <div class="actions">
                    <button type="submit" class="btn btn-danger" disabled=move || action.pending().get()>"Confirm"</button>
                </div>
            </ActionForm>
        </section>
    }
}
