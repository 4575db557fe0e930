//! After Make Payment: "Thanks for the payment!", and the payment's detail
//! page (every field, the status history and the receipt).

use super::Layout;
use super::approvals::AwaitingApprovalPanel;
use super::cancel_reverse::CancelReversePanel;
use super::category_lines::PaidLines;
use super::status::{StatusBadge, StatusWatch};
use crate::api::lifecycle::{CancelReverse, DecideRefund};
use crate::api::payments::load_payment_detail;
use crate::domain::payment_view::PaymentDetail;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The page's payment reference (from its address), and its detail.
fn use_detail() -> (
    impl Fn() -> String + Copy + Send + Sync + 'static,
    Resource<Result<PaymentDetail, crate::error::AppError>>,
) {
    let params = use_params_map();
    let reference = move || params.read().get("reference").unwrap_or_default();
    (reference, Resource::new(reference, load_payment_detail))
}

#[component]
pub fn ThanksPage() -> impl IntoView {
    let (reference, detail) = use_detail();
    view! {
        <Title text=move || format!("Thanks for the payment! · Payment {}", reference())/>
        <Layout>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || detail.get().map(|r| match r {
                    Ok(d) => {
                        let done = crate::routes::payer_support_account(&d.summary.account_number);
                        view! {
                            <section class="thanks" aria-labelledby="thanks-title">
                                <div class="thanks-mark" aria-hidden="true">"✓"</div>
                                <h1 id="thanks-title">"Thanks for the payment!"</h1>
                                <dl class="review">
                                    <div><dt>"Reference Number"</dt><dd class="mono reference">{d.summary.reference.clone()}</dd></div>
                                    <div><dt>"Amount"</dt><dd class="amount">{d.summary.amount.to_string()}</dd></div>
                                    <FeeRows s=d.summary.clone()/>
                                    <div><dt>"Account"</dt><dd><span class="mono">{d.summary.account_number.clone()}</span>" · "{d.account_name.clone()}</dd></div>
                                    <div><dt>"Payment Method"</dt><dd>{d.summary.method_label.clone()}</dd></div>
                                    <div><dt>"Receipt sent to"</dt><dd>{d.receipt_email.clone()}</dd></div>
                                    <div><dt>"Status"</dt><dd><StatusBadge status=d.summary.status/></dd></div>
                                </dl>
                                <PaidLines lines=d.lines.clone()/>
                                <a class="btn btn-primary" href=done>"Done"</a>
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
pub fn PaymentDetailPage() -> impl IntoView {
    let (reference, detail) = use_detail();
    let action = ServerAction::<CancelReverse>::new();
    let decide = ServerAction::<DecideRefund>::new();
    // After a Cancel/Reverse or an approval the page shows the payment as it
    // is now (and a fresh form key); without JavaScript the redirect reloads it.
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_)))
            || matches!(decide.value().get(), Some(Ok(_)))
        {
            detail.refetch();
        }
    });
    view! {
        <Title text=move || format!("Payment details · Payment {}", reference())/>
        <Layout>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || detail.get().map(|r| match r {
                    Ok(d) => view! { <Detail d action decide/> }.into_any(),
                    Err(e) => view! {
                        <h1>"Payment details"</h1>
                        <p class="form-alert" role="alert">{e.to_string()}</p>
                    }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn Detail(
    d: PaymentDetail,
    action: ServerAction<CancelReverse>,
    decide: ServerAction<DecideRefund>,
) -> impl IntoView {
    let s = d.summary.clone();
    let state = s.state();
    let done = move || {
        action
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| decide.value().get().and_then(Result::ok))
    };
    let back = crate::routes::payer_support_account(&s.account_number);
    let watch = StatusWatch::new(vec![(s.reference.clone(), s.status)]);
    let reference = s.reference.clone();
    view! {
        <nav class="crumbs" aria-label="Breadcrumb"><a href=back>"Payer Support"</a>" › Payment "{s.reference.clone()}</nav>
        <h1>"Payment "<span class="mono">{s.reference.clone()}</span></h1>
        {watch.live_region()}
        <dl class="review detail">
            <div><dt>"Reference Number"</dt><dd class="mono">{s.reference.clone()}</dd></div>
            <div><dt>"Status"</dt><dd>
                {watch.badge(reference)}
                {state.refunded.is_positive().then(|| view! { <span class="refund-mark" aria-hidden="true">"**"</span> })}
                {state.refund_note().map(|n| view! { <span class="refund-note">" "{n}</span> })}
            </dd></div>
            {d.return_label.clone().map(|r| view! { <div><dt>"Return"</dt><dd class="return-reason">{r}</dd></div> })}
            <div><dt>"Amount"</dt><dd class="amount">{s.amount.to_string()}</dd></div>
            <FeeRows s=s.clone()/>
            <div><dt>"Date"</dt><dd>{s.date.clone()}</dd></div>
            <div><dt>"Account"</dt><dd><span class="mono">{s.account_number.clone()}</span>" · "{d.account_name.clone()}</dd></div>
            <div><dt>"Payment Method"</dt><dd>{s.method_label.clone()}</dd></div>
            {d.holder.clone().map(|h| view! { <div><dt>"Name on method"</dt><dd>{h}</dd></div> })}
            <div><dt>"Entered By"</dt><dd>{s.entered_by.clone()}</dd></div>
            <div><dt>"Channel"</dt><dd>{d.channel.clone()}</dd></div>
            {d.decline_reason.clone().map(|r| view! { <div><dt>"Decline reason"</dt><dd>{r}</dd></div> })}
            {d.settled_at.clone().map(|t| view! { <div><dt>"Processed"</dt><dd>{t}</dd></div> })}
            <div><dt>"Receipt"</dt><dd>{d.receipt_status.clone()}</dd></div>
            {d.notices.iter().map(|(what, status)| view! { <div><dt>{what.clone()}</dt><dd>{status.clone()}</dd></div> }).collect_view()}
        </dl>
        <PaidLines lines=d.lines.clone()/>
        <p class="notice" role="status">{done}</p>
        {d.awaiting_approval.clone().map(|a| view! { <AwaitingApprovalPanel a decide/> })}
        {d.cancel_reverse.clone().map(|view| view! { <CancelReversePanel reference=s.reference.clone() view action/> })}
        {(!d.actions.is_empty()).then(|| view! {
            <section class="panel" aria-labelledby="actions-title">
                <h2 id="actions-title">"Cancellations and refunds"</h2>
                <div class="table-wrap">
                    <table class="data" id="actions-table">
                        <caption class="sr-only">"Cancellations and refunds"</caption>
                        <thead><tr><th scope="col">"Time"</th><th scope="col">"Action"</th><th scope="col" class="num">"Amount"</th><th scope="col">"Reason"</th><th scope="col">"By"</th></tr></thead>
                        <tbody>
                            {d.actions.iter().cloned().map(|a| view! {
                                <tr>
                                    <td data-label="Time">{a.at}</td>
                                    <td data-label="Action">{a.kind.label()}{a.note.map(|n| view! { <span class="muted small">" · "{n}</span> })}</td>
                                    <td data-label="Amount" class="num">{a.amount.to_string()}{
                                        a.fee.is_positive().then(|| format!(" + {} fee", a.fee))
                                    }</td>
                                    <td data-label="Reason">{a.reason}</td>
                                    <td data-label="By">{a.by}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
        })}
        <section class="panel" aria-labelledby="history-title">
            <h2 id="history-title">"Status history"</h2>
            <div class="table-wrap">
                <table class="data">
                    <caption class="sr-only">"Status history"</caption>
                    <thead><tr><th scope="col">"Time"</th><th scope="col">"Status"</th><th scope="col">"By"</th><th scope="col">"Reason"</th></tr></thead>
                    <tbody>
                        {d.history.into_iter().map(|h| view! {
                            <tr>
                                <td data-label="Time">{h.at}</td>
                                <td data-label="Status">{h.from.map(|f| format!("{} → ", f.label()))}{h.to.label()}</td>
                                <td data-label="By">{h.by}</td>
                                <td data-label="Reason">{h.reason.unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// A payment's Fee Amount and Total, when it paid a fee; what of the fee
/// went back, when any did.
#[component]
fn FeeRows(s: crate::domain::payment_view::PaymentSummary) -> impl IntoView {
    s.fee.is_positive().then(|| {
        let total = s.total();
        view! {
            <div><dt>"Fee Amount"</dt><dd class="amount" id="payment-fee">{s.fee.to_string()}{
                s.fee_refunded.is_positive().then(|| view! { <span class="refund-note">" (given back "{s.fee_refunded.to_string()}")"</span> })
            }</dd></div>
            <div><dt>"Total"</dt><dd class="amount" id="payment-total">{total.to_string()}</dd></div>
        }
    })
}
