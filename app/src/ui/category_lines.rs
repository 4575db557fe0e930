//! A category payment's lines (help center C2): the fieldset Make Payment
//! offers them in, and the table the review and the payment's page list
//! what was paid in. The pricing is `domain::category_payment`'s, the same
//! in the browser as on the server.

use super::forms::FieldMessage;
use crate::domain::category::Category;
use crate::domain::category_payment::{
    PaymentLine, amount_field, checked_field, pre_checked, quantity_field,
};
use crate::error::FieldErrors;
use leptos::prelude::*;

/// Make Payment's lines: a box per line (Required ones ticked for good),
/// its quantity and amount where the line lets the payer pick them. With
/// JavaScript the Payment Amount follows the lines as they change; without,
/// the server takes their total and the review shows it.
#[component]
pub(super) fn CategoryLines(
    offered: Vec<Category>,
    /// What each line's fields start with (`line_<id>`, `qty_<id>`,
    /// `amt_<id>`): what the server sent back, else what Back kept.
    initial: std::sync::Arc<dyn Fn(&str) -> String + Send + Sync>,
    errors: Signal<Option<FieldErrors>>,
    /// The lines' total as the browser works it out (None: no line paid).
    total: Signal<Option<String>>,
) -> impl IntoView {
    let lines = offered
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let name = |field: &str| format!("form[lines][{i}][{field}]");
            let ticked = pre_checked(&c) || initial(&checked_field(c.id)) == "true";
            let (qty, amt) = (quantity_field(c.id), amount_field(c.id));
            let message = |field: String| {
                Signal::derive(move || {
                    errors.with(|e| {
                        e.as_ref()
                            .and_then(|e| e.message_for(&field))
                            .map(str::to_string)
                    })
                })
            };
            let (qty_message, amt_message) = (message(qty.clone()), message(amt.clone()));
            let price = if c.amount.is_positive() {
                format!("{} each", c.amount)
            } else {
                "Any amount".to_string()
            };
            let fixed_quantity = (!c.options.show_quantity && c.quantity > 1)
                .then(|| format!("× {}", c.quantity));
            view! {
                <div class="category-line">
                    <input type="hidden" name=name("category_id") value=c.id/>
                    <label class="check">
                        <input
                            type="checkbox"
                            id=format!("line-{}", c.id)
                            name=name("checked")
                            value="true"
                            checked=ticked
                            disabled=c.options.required
                        />
                        <span>
                            {c.description.clone()}
                            <span class="muted">" · "{c.charge_code.clone()}</span>
                            {c.options.required.then(|| view! { <span class="badge">"Required"</span> })}
                        </span>
                    </label>
                    <span class="line-price">{price}{fixed_quantity.map(|q| format!(" {q}"))}</span>
                    {c.options.show_quantity.then(|| {
                        let id = format!("pay-{qty}");
                        view! {
                            <div class="field line-field">
                                <label for=id.clone()>
                                    {format!("Quantity (1 to {})", c.quantity)}
                                    <span class="sr-only">{format!(" of {}", c.description)}</span>
                                </label>
                                <input id=id.clone() name=name("quantity") inputmode="numeric" size="4"
                                    value=match initial(&qty) {
                                        typed if typed.is_empty() => "1".to_string(),
                                        typed => typed,
                                    }
                                    aria-invalid=move || qty_message.with(Option::is_some).to_string()
                                    aria-describedby=format!("{id}-error")/>
                                <FieldMessage id=id message=qty_message/>
                            </div>
                        }
                    })}
                    {c.options.amount_editable.then(|| {
                        let id = format!("pay-{amt}");
                        let start = match initial(&amt) {
                            typed if !typed.is_empty() => typed,
                            _ if c.amount.is_positive() => c.amount.plain(),
                            _ => String::new(),
                        };
                        view! {
                            <div class="field line-field">
                                <label for=id.clone()>
                                    "Amount"<span class="sr-only">{format!(" for {}", c.description)}</span>
                                </label>
                                <div class="affix">
                                    <span aria-hidden="true">"$"</span>
                                    <input id=id.clone() name=name("amount") inputmode="decimal" size="10"
                                        value=start
                                        aria-invalid=move || amt_message.with(Option::is_some).to_string()
                                        aria-describedby=format!("{id}-error")/>
                                </div>
                                <FieldMessage id=id message=amt_message/>
                            </div>
                        }
                    })}
                </div>
            }
        })
        .collect_view();
    let whole = Signal::derive(move || {
        errors.with(|e| {
            e.as_ref()
                .and_then(|e| e.message_for("categories"))
                .map(str::to_string)
        })
    });
    view! {
        <fieldset class="category-lines" aria-describedby="pay-categories-hint">
            <legend>"Payment Categories"</legend>
            <p class="hint" id="pay-categories-hint">
                "Required lines are always paid. With any line checked, the Payment Amount is the lines' total; with none, it is the amount you enter."
            </p>
            {lines}
            <FieldMessage id="pay-categories" message=whole/>
            <p class="lines-total" id="lines-total" aria-live="polite">
                {move || total.get().map(|t| format!("Total of the lines: {t}"))}
            </p>
        </fieldset>
    }
}

/// The lines a payment paid, as a table: the review's and the payment
/// page's.
#[component]
pub(super) fn PaidLines(lines: Vec<PaymentLine>) -> impl IntoView {
    (!lines.is_empty()).then(|| {
        view! {
            <table class="data paid-lines" id="paid-lines">
                <caption>"Payment Categories"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Description"</th>
                        <th scope="col">"Charge Code"</th>
                        <th scope="col" class="num">"Quantity"</th>
                        <th scope="col" class="num">"Amount"</th>
                        <th scope="col" class="num">"Total"</th>
                    </tr>
                </thead>
                <tbody>
                    {lines.into_iter().map(|l| view! {
                        <tr>
                            <td>{l.description}{(!l.impact_balance).then_some(" (not toward the balance)")}</td>
                            <td class="mono">{l.charge_code}</td>
                            <td class="num">{l.quantity}</td>
                            <td class="num">{l.unit.to_string()}</td>
                            <td class="num">{l.total.to_string()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
    })
}

/// The lines as the form holds them (browser only): each `form[lines][i]`
/// group, in order, until one is missing.
#[cfg(feature = "hydrate")]
pub(super) fn read_lines(
    data: &web_sys::FormData,
) -> Vec<crate::domain::category_payment::LinePick> {
    let get = |i: usize, k: &str| data.get(&format!("form[lines][{i}][{k}]")).as_string();
    (0..)
        .map_while(|i| {
            let id = get(i, "category_id")?.parse().ok()?;
            Some(crate::domain::category_payment::LinePick {
                category_id: id,
                checked: get(i, "checked").as_deref() == Some("true"),
                quantity: get(i, "quantity").unwrap_or_default(),
                amount: get(i, "amount").unwrap_or_default(),
            })
        })
        .collect()
}
