//! Convenience Fees (`/admin/fees`, administrators): the fee a payer pays
//! on top of a payment, per method, and whether a partial refund gives it
//! back (docs/fees.md). Save Changes posts without JavaScript too.

use super::Layout;
use super::forms::{FormAlert, TextField, field_errors, form_message};
use crate::api::fees::{SaveFees, load_fees};
use crate::domain::fee::{FeeSettings, FeeSettingsForm};
use crate::domain::money::Money;
use crate::domain::payment::MethodKind;
use crate::error::FieldErrors;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn FeesPage() -> impl IntoView {
    let save = ServerAction::<SaveFees>::new();
    let data = Resource::new(move || save.version().get(), |_| load_fees());
    let saved = move || use_query_map().read().get("saved").is_some();
    view! {
        <Title text="Convenience Fees"/>
        <Layout>
            <h1>"Convenience Fees"</h1>
            <p class="muted">
                "What a payer pays on top of a payment, shown as Fee Amount on Make Payment, the review and the receipt. "
                "The fee is your income: it never reduces the account's balance."
            </p>
            {move || saved().then(|| view! { <p class="form-ok" role="status">"Your changes were saved."</p> })}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    Ok(s) => view! { <FeesForm s save/> }.into_any(),
                    Err(e) => view! { <p class="form-alert" role="alert">{super::forms::error_text(&e)}</p> }.into_any(),
                })}
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
    let form = FeeSettingsForm::of(&s);
    let saved = form.fields();
    let values = |method: MethodKind| {
        FeeSettingsForm::names(method).map(|name| {
            let stored = saved
                .iter()
                .find(|(f, _)| *f == name)
                .map_or("", |(_, v)| v);
            FieldErrors::typed_or(typed.as_ref(), name, stored)
        })
    };
    let (card, ach) = (values(MethodKind::Card), values(MethodKind::Ach));
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
