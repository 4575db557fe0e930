//! Convenience Fees (`/admin/fees`, administrators): the fee a payer pays
//! on top of a payment, per method, and whether a partial refund gives it
//! back (docs/fees.md). With two or more divisions, a division may charge
//! fees of its own (`?division=ID`). Save Changes posts without JavaScript
//! too.

use super::Layout;
use super::forms::{FormAlert, TextField, field_errors, form_message};
use crate::api::divisions::my_divisions;
use crate::api::fees::{
    ClearDivisionFees, SaveDivisionFees, SaveFees, load_division_fees, load_fees,
};
use crate::domain::division::Division;
use crate::domain::fee::{DivisionFees, FeeSettings, FeeSettingsForm};
use crate::domain::money::Money;
use crate::domain::payment::MethodKind;
use crate::error::FieldErrors;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn FeesPage() -> impl IntoView {
    let save = ServerAction::<SaveFees>::new();
    let save_division = ServerAction::<SaveDivisionFees>::new();
    let clear = ServerAction::<ClearDivisionFees>::new();
    let query = use_query_map();
    let division = move || {
        query
            .read()
            .get("division")
            .and_then(|v| v.parse::<i64>().ok())
    };
    let data = Resource::new(move || save.version().get(), |_| load_fees());
    let division_data = Resource::new(
        move || {
            (
                division(),
                save_division.version().get(),
                clear.version().get(),
            )
        },
        |(d, _, _)| async move {
            match d {
                Some(d) => Some(load_division_fees(d).await),
                None => None,
            }
        },
    );
    // Named only when the biller has more than one.
    let divisions = Resource::new(|| (), |_| my_divisions());
    let saved = move || query.read().get("saved").is_some();
    view! {
        <Title text="Convenience Fees"/>
        <Layout>
            <h1>"Convenience Fees"</h1>
            <p class="muted">
                "What a payer pays on top of a payment, shown as Fee Amount on Make Payment, the review and the receipt. "
                "The fee is your income: it never reduces the account's balance."
            </p>
            <Transition fallback=|| ()>
                {move || {
                    divisions
                        .get()
                        .and_then(Result::ok)
                        .filter(|l| l.len() > 1)
                        .map(|list| view! { <FeeDivisions list current=division()/> })
                }}
            </Transition>
            {move || saved().then(|| view! { <p class="form-ok" role="status">"Your changes were saved."</p> })}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || match division() {
                    None => data.get().map(|r| match r {
                        Ok(s) => view! { <FeesForm s save/> }.into_any(),
                        Err(e) => view! { <p class="form-alert" role="alert">{super::forms::error_text(&e)}</p> }.into_any(),
                    }),
                    Some(_) => division_data.get().flatten().map(|r| match r {
                        Ok(d) => view! { <DivisionFeesForm d save=save_division clear/> }.into_any(),
                        Err(e) => view! { <p class="form-alert" role="alert">{super::forms::error_text(&e)}</p> }.into_any(),
                    }),
                }}
            </Suspense>
        </Layout>
    }
}

#[component]
fn FeesForm(s: FeeSettings, save: ServerAction<SaveFees>) -> impl IntoView {
    let errors = Signal::derive(move || field_errors(save.value().get()));
    let alert = form_message(save.value().into());
    // After a refusal, what was typed; else what is saved.
    let typed = field_errors(save.value().get_untracked());
    let (card, ach) = rule_values(&s, typed.as_ref());
    let returns_fee = FieldErrors::ticked_or(
        typed.as_ref(),
        "partial_refund_returns_fee",
        s.partial_refund_returns_fee,
    );
    let example = Money::from_cents(10_000);
    view! {
        <ActionForm action=save>
            <FormAlert message=alert/>
            <input type="hidden" name="version" value=s.version.to_string()/>
            <p class="hint">
                "Each method: a flat amount and/or a percentage of the payment, with an optional minimum and maximum. "
                "Leave a method blank for no fee. The percentage's share is rounded half-up to the cent."
            </p>
            <RuleFields legend="Card" method=MethodKind::Card values=card errors/>
            <RuleFields legend="Bank account (ACH)" method=MethodKind::Ach values=ach errors/>
            <fieldset>
                <legend>"Refunds"</legend>
                <div class="field">
                    <label class="check">
                        <input type="checkbox" name="form[partial_refund_returns_fee]" value="on" checked=returns_fee
                            aria-describedby="fee-partial-hint"/>
                        <span>"A partial refund gives the fee back"</span>
                    </label>
                    <p class="hint" id="fee-partial-hint">
                        "A Void or a Full Reversal always gives the fee back. With this, the first partial refund gives all of it back too."
                    </p>
                </div>
            </fieldset>
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>"Save Changes"</button>
            </div>
        </ActionForm>
        <section class="panel" aria-labelledby="fee-example">
            <h2 id="fee-example">"As saved, on a payment of " {example.to_string()}</h2>
            <dl class="review">
                <div><dt>"Card"</dt><dd id="fee-example-card">{s.card.describe()}" → "{s.card.fee(example).to_string()}</dd></div>
                <div><dt>"Bank account"</dt><dd id="fee-example-ach">{s.ach.describe()}" → "{s.ach.fee(example).to_string()}</dd></div>
            </dl>
        </section>
    }
}

/// Each method's four fields: what was typed if the form was refused,
/// else what `s` holds.
fn rule_values(s: &FeeSettings, typed: Option<&FieldErrors>) -> ([String; 4], [String; 4]) {
    let form = FeeSettingsForm::of(s);
    let saved = form.fields();
    let values = |method: MethodKind| {
        FeeSettingsForm::names(method).map(|name| {
            let stored = saved
                .iter()
                .find(|(f, _)| *f == name)
                .map_or("", |(_, v)| v);
            FieldErrors::typed_or(typed, name, stored)
        })
    };
    (values(MethodKind::Card), values(MethodKind::Ach))
}

/// Whose fees the page shows: the biller's (every division without its
/// own) or one division's.
#[component]
fn FeeDivisions(list: Vec<Division>, current: Option<i64>) -> impl IntoView {
    let tab = move |href: String, label: String, here: bool| {
        view! {
            <a class="tab" class:current=here aria-current=here.then_some("page") href=href>{label}</a>
        }
    };
    view! {
        <nav class="tabs" aria-label="Fees of">
            {tab(crate::routes::FEES.to_string(), "All divisions".into(), current.is_none())}
            {list
                .into_iter()
                .map(|d| tab(crate::routes::division_fees(d.id), d.name, current == Some(d.id)))
                .collect_view()}
        </nav>
    }
}

/// One division's fees: its own, or the biller's until Save Changes gives
/// it its own; Use the Biller's Fees goes back.
#[component]
fn DivisionFeesForm(
    d: DivisionFees,
    save: ServerAction<SaveDivisionFees>,
    clear: ServerAction<ClearDivisionFees>,
) -> impl IntoView {
    let errors = Signal::derive(move || field_errors(save.value().get()));
    let alert = form_message(save.value().into());
    let clear_alert = form_message(clear.value().into());
    let typed = field_errors(save.value().get_untracked());
    let (card, ach) = rule_values(&d.settings, typed.as_ref());
    let state = if d.own {
        format!("{} charges fees of its own.", d.name)
    } else {
        format!(
            "{} charges the biller's fees, shown below. Save Changes gives it fees of its own.",
            d.name
        )
    };
    let (division, version) = (d.division.to_string(), d.version.to_string());
    let back = d.own.then(|| {
        let (division, version) = (division.clone(), version.clone());
        view! {
            <ActionForm action=clear>
                <FormAlert message=clear_alert/>
                <input type="hidden" name="division" value=division/>
                <input type="hidden" name="version" value=version/>
                <div class="actions">
                    <button type="submit" class="btn btn-secondary" disabled=move || clear.pending().get()>"Use the Biller's Fees"</button>
                </div>
            </ActionForm>
        }
    });
    view! {
        <section class="panel" aria-labelledby="division-fees">
            <h2 id="division-fees">{format!("Fees of {}", d.name)}</h2>
            <p id="division-fees-state">{state}</p>
            <ActionForm action=save>
                <FormAlert message=alert/>
                <input type="hidden" name="division" value=division/>
                <input type="hidden" name="version" value=version/>
                <RuleFields legend="Card" method=MethodKind::Card values=card errors/>
                <RuleFields legend="Bank account (ACH)" method=MethodKind::Ach values=ach errors/>
                <p class="hint">"Whether a partial refund gives the fee back is the biller's setting, under All divisions."</p>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>"Save Changes"</button>
                </div>
            </ActionForm>
            {back}
        </section>
    }
}

/// One method's rule: Flat Amount, Percentage, Minimum and Maximum, named
/// for the method (`card_flat`, ...).
#[component]
fn RuleFields(
    legend: &'static str,
    method: MethodKind,
    values: [String; 4],
    errors: Signal<Option<FieldErrors>>,
) -> impl IntoView {
    const LABELS: [(&str, &str); 4] = [
        ("Flat Amount", "Like 0.50; blank for none."),
        (
            "Percentage",
            "Of the payment amount, like 2.95; blank for none.",
        ),
        (
            "Minimum",
            "The least a payment by this method pays; blank for none.",
        ),
        (
            "Maximum",
            "The most a payment by this method pays; blank for none.",
        ),
    ];
    let fields = FeeSettingsForm::names(method)
        .into_iter()
        .zip(values)
        .zip(LABELS);
    view! {
        <fieldset>
            <legend>{legend}</legend>
            {fields.map(|((name, value), (label, hint))| view! {
                <TextField prefix="fee" name label value errors hint/>
            }).collect_view()}
        </fieldset>
    }
}
