//! `/p/plans`: the signed-in payer's Automatic Payments (their recurring
//! and bill-triggered plans, with the next date each pays) and the saved
//! payment methods the plans use. CSRs set plans up and cancel them on
//! Payer Support (automatic-payments.md); this page shows them to the payer.

use super::payer_activity::PayerNav;
use super::payer_site::PayerLayout;
use crate::api::payer_accounts::p_plans;
use crate::domain::plan::{PayerView, PlanView};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PayerPlansPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| p_plans());
    view! {
        <Title text="Automatic Payments"/>
        <PayerLayout>
            <PayerNav/>
            <h1>"Automatic Payments"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    Ok(v) => view! { <Plans v/> }.into_any(),
                    Err(e) => view! { <p class="form-alert" role="alert">{super::forms::error_text(&e)}</p> }.into_any(),
                })}
            </Suspense>
        </PayerLayout>
    }
}

#[component]
fn Plans(v: PayerView) -> impl IntoView {
    view! {
        {if v.plans.is_empty() {
            view! { <p>"You have no automatic payments. To set one up, call us: we will set it up on your account with you."</p> }.into_any()
        } else {
            v.plans.into_iter().map(|p| view! { <PlanCard p/> }).collect_view().into_any()
        }}
        <section class="panel" aria-labelledby="payer-methods">
            <h2 id="payer-methods">"Saved Payment Methods"</h2>
            {if v.methods.is_empty() {
                view! { <p class="muted">"None saved."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list">
                        {v.methods.into_iter().map(|m| view! {
                            <li>{m.label}" · "{m.detail}{m.expired.then_some(" · expired")}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn PlanCard(p: PlanView) -> impl IntoView {
    let heading = format!("plan-{}", p.id);
    let labelled_by = heading.clone();
    view! {
        <section class="panel" aria-labelledby=labelled_by>
            <h2 id=heading>{format!("{} {} · {}", p.kind.label(), p.id, p.status.label())}</h2>
            <p>{format!("Account {} · {}", p.account_number, p.method_label)}</p>
            <p>{p.description}</p>
            {p.next.map(|(date, runs)| view! { <p>"Next payment: "<strong>{date}</strong>{format!(" ({runs})")}</p> })}
            {p.end_reason.map(|r| view! { <p class="muted">{r}</p> })}
            {p.warning.map(|w| view! { <p class="form-alert" role="note">{w}</p> })}
        </section>
    }
}
