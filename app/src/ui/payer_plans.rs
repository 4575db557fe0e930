//! `/p/plans`: the signed-in payer's Automatic Payments (their recurring
//! and bill-triggered plans, with the next date each pays) and **Cancel**
//! of an active one after a confirmation (`?cancel=ID` without
//! JavaScript). CSRs set plans up on Payer Support
//! (automatic-payments.md); a plan's method and limit can't be changed,
//! so a payer cancels and asks for a new one.

use super::forms::{ConfirmBox, FormAlert, form_message};
use super::payer_activity::PayerNav;
use super::payer_site::PayerLayout;
use crate::api::payer_accounts::p_plans;
use crate::api::payer_profile::PCancelPlan;
use crate::domain::plan::{PayerView, PlanStatus, PlanView};
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn PayerPlansPage() -> impl IntoView {
    let cancel = ServerAction::<PCancelPlan>::new();
    let data = Resource::new(move || cancel.version().get(), |_| p_plans());
    let query = use_query_map();
    // Fixed words: nothing from the address is shown.
    let done = move || {
        let q = query.read();
        if q.get("cancelled").is_some() {
            Some("The automatic payment was cancelled. Its scheduled payments were cancelled too.")
        } else if q.get("ended_already").is_some() {
            Some("That automatic payment had already ended.")
        } else {
            None
        }
    };
    let alert = form_message(cancel.value().into());
    view! {
        <Title text="Automatic Payments"/>
        <PayerLayout>
            <PayerNav/>
            <h1>"Automatic Payments"</h1>
            {move || done().map(|d| view! { <p class="form-ok" role="status">{d}</p> })}
            <FormAlert message=alert/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    Ok(v) => view! { <Plans v cancel/> }.into_any(),
                    Err(e) => view! { <p class="form-alert" role="alert">{super::forms::error_text(&e)}</p> }.into_any(),
                })}
            </Suspense>
        </PayerLayout>
    }
}

#[component]
fn Plans(v: PayerView, cancel: ServerAction<PCancelPlan>) -> impl IntoView {
    view! {
        {if v.plans.is_empty() {
            view! { <p>"You have no automatic payments. To set one up, call us: we will set it up on your account with you."</p> }.into_any()
        } else {
            v.plans.into_iter().map(|p| view! { <PlanCard p cancel/> }).collect_view().into_any()
        }}
        <p class="muted">"Your saved cards and bank accounts are on "<a href=routes::PAYER_PROFILE>"Profile"</a>"."</p>
    }
}

#[component]
fn PlanCard(p: PlanView, cancel: ServerAction<PCancelPlan>) -> impl IntoView {
    let heading = format!("plan-{}", p.id);
    let labelled_by = heading.clone();
    let id = p.id;
    let query = use_query_map();
    let asked = move || query.read().get("cancel") == Some(id.to_string());
    let name = format!("{} {}", p.kind.label(), p.id);
    let active = p.status == PlanStatus::Active;
    view! {
        <section class="panel" aria-labelledby=labelled_by>
            <h2 id=heading>{format!("{name} · {}", p.status.label())}</h2>
            <p>{format!("Account {} · {}", p.account_number, p.method_label)}</p>
            <p>{p.description}</p>
            {p.next.map(|(date, runs)| view! { <p>"Next payment: "<strong>{date}</strong>{format!(" ({runs})")}</p> })}
            {p.end_reason.map(|r| view! { <p class="muted">{r}</p> })}
            {p.warning.map(|w| view! { <p class="form-alert" role="note">{w}</p> })}
            {active.then(|| {
                let name = name.clone();
                move || if asked() {
                    view! {
                        <ConfirmBox id=format!("confirm-cancel-plan-{id}") action=format!("Cancel {name}")
                            question=format!("Cancel {name}? Its scheduled payments are cancelled too. It can't be undone.")
                            keep_href=routes::PAYER_PLANS keep="Keep It">
                            <ActionForm action=cancel attr:class="inline-form">
                                <input type="hidden" name="plan" value=id.to_string()/>
                                <button type="submit" class="btn btn-danger" autofocus>"Cancel Automatic Payment"</button>
                            </ActionForm>
                        </ConfirmBox>
                    }.into_any()
                } else {
                    view! {
                        <a class="btn btn-secondary btn-small" href=format!("{}?cancel={id}", routes::PAYER_PLANS)
                            aria-label=format!("Cancel {name}")>"Cancel"</a>
                    }.into_any()
                }
            })}
        </section>
    }
}
