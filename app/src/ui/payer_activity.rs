//! `/p/activity`: the signed-in payer's Payment Activity (help center P6):
//! every payment on their accounts, prior and future-dated, and **Cancel**
//! of a Scheduled one after the **Cancel Payment** confirmation. Without
//! JavaScript the confirmation is a page state (`?cancel=REF`).

use super::forms::{ConfirmBox, FormAlert, form_message};
use super::payer_site::PayerLayout;
use crate::api::payer_accounts::{PCancelPayment, p_payments};
use crate::domain::payer_account::PayerPayments;
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The signed-in payer's links between their pages.
#[component]
pub fn PayerNav() -> impl IntoView {
    view! {
        <nav class="payer-nav" aria-label="Your account">
            <a href=routes::PAYER_HOME>"My Accounts"</a>
            <a href=routes::PAYER_ACTIVITY>"Payment Activity"</a>
            <a href=routes::PAYER_PLANS>"Automatic Payments"</a>
            <a href=routes::PAYER_PROFILE>"Profile"</a>
        </nav>
    }
}

#[component]
pub fn PayerActivityPage() -> impl IntoView {
    let cancel = ServerAction::<PCancelPayment>::new();
    let data = Resource::new(move || cancel.version().get(), |_| p_payments());
    view! {
        <Title text="Payment Activity"/>
        <PayerLayout>
            <PayerNav/>
            <h1>"Payment Activity"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    Ok(v) => view! { <Payments v cancel/> }.into_any(),
                    Err(e) => view! { <p class="form-alert" role="alert">{super::forms::error_text(&e)}</p> }.into_any(),
                })}
            </Suspense>
        </PayerLayout>
    }
}

#[component]
fn Payments(v: PayerPayments, cancel: ServerAction<PCancelPayment>) -> impl IntoView {
    let query = use_query_map();
    let asked = move || query.read().get("cancel");
    let cancelled = move || query.read().get("cancelled");
    let alert = form_message(cancel.value().into());
    let done = move || match cancel.value().get() {
        Some(Ok(reference)) => Some(reference),
        _ => cancelled(),
    };
    if v.payments.is_empty() {
        return view! { <p>"No payments yet."</p> }.into_any();
    }
    let rows = v.payments.into_iter().zip(v.keys);
    view! {
        {move || done().map(|r| view! { <p class="form-ok" role="status">{format!("Payment {r} was cancelled.")}</p> })}
        <FormAlert message=alert/>
        <table class="data" id="payer-payments">
            <caption>"Payments on your accounts, newest first"</caption>
            <thead><tr>
                <th scope="col">"Reference Number"</th><th scope="col">"Date"</th><th scope="col">"Account"</th>
                <th scope="col">"Amount"</th><th scope="col">"Status"</th><th scope="col">"Action"</th>
            </tr></thead>
            <tbody>
                {rows.map(|(p, key)| {
                    let reference = p.reference.clone();
                    let when = p.scheduled_for.clone().map_or_else(|| p.date.clone(), |d| format!("Scheduled for {d}"));
                    view! {
                        <tr>
                            <td class="mono" data-label="Reference Number">{p.reference.clone()}</td>
                            <td data-label="Date">{when}</td>
                            <td data-label="Account" class="mono">{p.account_number.clone()}</td>
                            <td data-label="Amount">{p.amount.to_string()}</td>
                            <td data-label="Status">{p.status.label()}</td>
                            <td data-label="Action">
                                {key.map(|key| {
                                    let r = reference.clone();
                                    view! {
                                        <a class="btn btn-secondary btn-small" href=format!("{}?cancel={}", routes::PAYER_ACTIVITY, r)
                                            aria-label=format!("Cancel payment {r}")>"Cancel"</a>
                                        {move || (asked().as_deref() == Some(r.as_str())).then(|| {
                                            let (r, key) = (r.clone(), key.clone());
                                            view! {
                                                <ConfirmBox id="confirm-cancel" action=format!("Cancel Payment {r}")
                                                    question=format!("Cancel Payment {r}? Nothing will be paid on its date.")
                                                    keep_href=routes::PAYER_ACTIVITY keep="Keep Payment">
                                                    <ActionForm action=cancel attr:class="inline-form">
                                                        <input type="hidden" name="reference" value=r/>
                                                        <input type="hidden" name="key" value=key/>
                                                        <button type="submit" class="btn btn-danger" autofocus>"Cancel Payment"</button>
                                                    </ActionForm>
                                                </ConfirmBox>
                                            }
                                        })}
                                    }
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
