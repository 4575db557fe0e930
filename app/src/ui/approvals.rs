//! Two-person approval: the refunds awaiting approval, and the panel on a
//! payment's page where a second person approves or rejects one.

use super::Layout;
use super::forms::{FormAlert, form_error};
use crate::api::lifecycle::{DecideRefund, load_approvals};
use crate::domain::payment_view::ApprovalView;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let list = Resource::new(|| (), |_| load_approvals());
    view! {
        <Title text="Approvals"/>
        <Layout>
            <h1>"Refunds awaiting approval"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || list.get().map(|r| match r {
                    Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(rows) if rows.is_empty() => view! { <p class="empty">"No refund is awaiting approval."</p> }.into_any(),
                    Ok(rows) => view! {
                        <div class="table-wrap">
                            <table class="data" id="approvals-table">
                                <caption class="sr-only">"Refunds awaiting approval"</caption>
                                <thead><tr>
                                    <th scope="col">"Reference Number"</th><th scope="col">"Account"</th><th scope="col">"Refund"</th>
                                    <th scope="col" class="num">"Amount"</th><th scope="col">"Asked by"</th><th scope="col">"Time"</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|a| view! {
                                        <tr>
                                            <td data-label="Reference Number"><a class="mono" href=crate::routes::payment(&a.reference)>{a.reference.clone()}</a></td>
                                            <td data-label="Account" class="mono">{a.account_number.clone()}</td>
                                            <td data-label="Refund">{a.kind.label()}</td>
                                            <td data-label="Amount" class="num">{a.amount.to_string()}{
                                                a.fee.is_positive().then(|| view! { <span class="refund-note">" + "{a.fee.to_string()}" fee"</span> })
                                            }</td>
                                            <td data-label="Asked by">{a.requested_by.clone()}</td>
                                            <td data-label="Time">{a.requested_at.clone()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

/// On a payment's page while a refund of it waits.
#[component]
pub fn AwaitingApprovalPanel(a: ApprovalView, decide: ServerAction<DecideRefund>) -> impl IntoView {
    let alert = Signal::derive(move || form_error(decide.value().get()));
    let decision_form = move |decision: &'static str, label: &'static str, class: &'static str| {
        view! {
            <ActionForm action=decide>
                <input type="hidden" name="approval" value=a.id/>
                <input type="hidden" name="decision" value=decision/>
                <button type="submit" class=class disabled=move || decide.pending().get()>{label}</button>
            </ActionForm>
        }
    };
    view! {
        <section class="panel awaiting-approval" id="awaiting-approval" aria-labelledby="approval-title">
            <h2 id="approval-title">"Awaiting approval"</h2>
            <p>{format!(
                "{} of {}{} asked by {} on {}: {}.",
                a.kind.label(),
                a.amount,
                if a.fee.is_positive() { format!(" and the {} fee", a.fee) } else { String::new() },
                a.requested_by,
                a.requested_at,
                a.reason
            )}</p>
            <FormAlert message=alert/>
            {if a.can_decide {
                view! {
                    <div class="actions">
                        {decision_form("approve", "Approve refund", "btn btn-primary")}
                        {decision_form("reject", "Reject", "btn btn-secondary")}
                    </div>
                }.into_any()
            } else {
                view! { <p class="muted">"A second person with the approval entitlement must approve or reject it."</p> }.into_any()
            }}
        </section>
    }
}
