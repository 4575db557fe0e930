//! Bills Found (on Payer Support) and Bill Details (State, Status, Do Not
//! Call, then Submit).

use super::Layout;
use super::forms::{FieldMessage, FormAlert, field_errors, form_error};
use crate::api::bills::{UpdateBill, load_bill};
use crate::domain::bill_view::{BillStatus, BillSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

fn state_label(active: bool) -> &'static str {
    if active { "Active" } else { "Inactive" }
}

#[component]
pub fn BillsFound(bills: Vec<BillSummary>) -> impl IntoView {
    // Erased: Payer Support's results view is deep enough already.
    if bills.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="panel" aria-labelledby="bills-found">
            <h2 id="bills-found">"Bills Found"</h2>
            <div class="table-wrap">
                <table class="data" id="bills-table">
                    <caption class="sr-only">"Bills Found"</caption>
                    <thead><tr>
                        <th scope="col">"Bill Number"</th><th scope="col">"Account"</th><th scope="col">"Invoice Date"</th>
                        <th scope="col">"Due Date"</th><th scope="col" class="num">"Amount Due"</th>
                        <th scope="col" class="num">"Minimum Due"</th><th scope="col">"Status"</th><th scope="col">"State"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr></thead>
                    <tbody>
                        {bills.into_iter().map(|b| {
                            let pay = b.payable().then(|| (crate::routes::make_payment_for_bill(&b.account_number, b.id), format!("Make Payment on bill {}", b.invoice_number)));
                            view! {
                            <tr data-bill=b.id>
                                <td data-label="Bill Number"><a href=crate::routes::bill(b.id)>{b.invoice_number.clone()}</a>
                                    {(b.version > 1).then(|| view! { <span class="muted small">{format!(" v{}", b.version)}</span> })}</td>
                                <td data-label="Account" class="mono">{b.account_number}</td>
                                <td data-label="Invoice Date">{b.invoice_date}</td>
                                <td data-label="Due Date">{b.due_date}</td>
                                <td data-label="Amount Due" class="num">{b.amount_due.to_string()}</td>
                                <td data-label="Minimum Due" class="num">{b.minimum_due.to_string()}</td>
                                <td data-label="Status">{b.status.label()}</td>
                                <td data-label="State">{state_label(b.active)}</td>
                                <td class="row-actions">{pay.map(|(href, label)| view! {
                                    <a class="btn btn-primary btn-small" href=href aria-label=label>"Make Payment"</a>
                                })}</td>
                            </tr>
                        }}).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[component]
pub fn BillDetailsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|i| i.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let save = ServerAction::<UpdateBill>::new();
    let bill = Resource::new(move || (id(), save.version().get()), |(i, _)| load_bill(i));
    view! {
        <Title text="Bill Details"/>
        <Layout>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || bill.get().map(|r| match r {
                    Err(e) => view! { <h1>"Bill Details"</h1><p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(b) => view! { <BillView b save/> }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn BillView(b: BillSummary, save: ServerAction<UpdateBill>) -> impl IntoView {
    let errors = Signal::derive(move || field_errors(save.value().get()));
    let message = move |f: &'static str| {
        Signal::derive(move || {
            errors.with(|e| {
                e.as_ref()
                    .and_then(|e| e.message_for(f))
                    .map(str::to_string)
            })
        })
    };
    let alert = Signal::derive(move || form_error(save.value().get()));
    let done = move || save.value().get().and_then(Result::ok);
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href=crate::routes::payer_support_account(&b.account_number)>"Payer Support"</a>" › Bill "{b.invoice_number.clone()}
        </nav>
        <h1>"Bill Details"</h1>
        <p class="notice" role="status">{done}</p>
        <dl class="review detail">
            <div><dt>"Bill Number"</dt><dd>{b.invoice_number.clone()}{(b.version > 1).then(|| format!(" (version {})", b.version))}</dd></div>
            <div><dt>"Account"</dt><dd class="mono">{b.account_number.clone()}</dd></div>
            <div><dt>"Invoice Date"</dt><dd>{b.invoice_date.clone()}</dd></div>
            <div><dt>"Due Date"</dt><dd>{b.due_date.clone()}</dd></div>
            <div><dt>"Amount Due"</dt><dd class="amount">{b.amount_due.to_string()}</dd></div>
            <div><dt>"Minimum Due"</dt><dd>{b.minimum_due.to_string()}</dd></div>
            <div><dt>"Paid"</dt><dd id="bill-paid">{b.paid.to_string()}</dd></div>
            <div><dt>"Remaining"</dt><dd id="bill-remaining">{b.remaining().to_string()}</dd></div>
            <div><dt>"Status"</dt><dd>{b.status.label()}</dd></div>
            <div><dt>"State"</dt><dd>{state_label(b.active)}{b.do_not_call.then_some(" · Do Not Call")}</dd></div>
            {b.description.clone().map(|d| view! { <div><dt>"Description"</dt><dd>{d}</dd></div> })}
        </dl>
        {b.payable().then(|| view! {
            <p><a class="btn btn-primary" href=crate::routes::make_payment_for_bill(&b.account_number, b.id)>"Make Payment"</a></p>
        })}
        <section class="panel" aria-labelledby="bill-edit-title">
            <h2 id="bill-edit-title">"Edit"</h2>
            <ActionForm action=save>
                <FormAlert message=alert/>
                <input type="hidden" name="form[id]" value=b.id/>
                <div class="field-row">
                    <div class="field">
                        <label for="bill-state">"State"</label>
                        <select id="bill-state" name="form[state]" aria-describedby="bill-state-hint bill-state-error">
                            <option value="active" selected=b.active>"Active"</option>
                            <option value="inactive" selected=!b.active>"Inactive"</option>
                        </select>
                        <p class="hint" id="bill-state-hint">"An inactive bill is hidden from payment."</p>
                        <FieldMessage id="bill-state" message=message("state")/>
                    </div>
                    <div class="field">
                        <label for="bill-status">"Status"</label>
                        <select id="bill-status" name="form[status]" aria-describedby="bill-status-error">
                            {BillStatus::ALL.iter().map(|s| view! { <option value=s.code() selected=*s == b.status>{s.label()}</option> }).collect_view()}
                        </select>
                        <FieldMessage id="bill-status" message=message("status")/>
                    </div>
                </div>
                <label class="check">
                    <input type="checkbox" name="form[do_not_call]" value="on" checked=b.do_not_call/>
                    <span>"Do Not Call"</span>
                </label>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>"Submit"</button>
                </div>
            </ActionForm>
        </section>
    }
}
