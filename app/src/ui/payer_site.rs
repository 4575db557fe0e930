//! The payer site (`/p/...`): the small, phone-first pages payers reach.
//! No staff navigation, no staff session: a payment link's token is what
//! lets its holder pay its account. One Time Payment through a link:
//! amount and method, **Next**, the Confirmation, **Pay**, the receipt.

use super::forms::{FormAlert, TextField, field_errors, form_message};
use super::make_payment::{
    AccountCard, BankFields, CardFields, CheckedPaymentForm, FeePreview, FeeShown, Field, Message,
    PayDateField, ReviewList, payment_alert, starting_values,
};
use crate::api::payment_links::{
    PLinkConfirm, PLinkPay, POneTime, p_link_page, p_link_receipt, p_link_review,
};
use crate::domain::bank::BankAccountKind;
use crate::domain::payment_link::{LinkPage, LinkReceipt, LinkState};
use crate::domain::payment_view::ReviewView;
use crate::error::{AppError, FieldErrors};
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The frame of every payer page: the site's name, the page, a footer.
#[component]
pub fn PayerLayout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="payer-top">
            <span class="brand-mark" aria-hidden="true">"P"</span>
            <span class="brand-name">"Pay Online"</span>
        </header>
        <main id="main" class="page payer-page" tabindex="-1">{children()}</main>
        <footer class="payer-foot">
            <p class="muted small">"Card numbers and bank details are sent securely and never shown again."</p>
            <p class="small"><a href=crate::routes::PAYER_CUSTOMER_SERVICE>"Customer Service"</a></p>
        </footer>
    }
}

fn token() -> impl Fn() -> String + Copy {
    let params = use_params_map();
    move || params.read().get("token").unwrap_or_default()
}

#[component]
fn Problem(title: &'static str, error: AppError) -> impl IntoView {
    view! {
        <h1>{title}</h1>
        <p class="form-alert" role="alert">{super::forms::error_text(&error)}</p>
    }
}

/// `/p/link/:token`: One Time Payment for the link's account.
#[component]
pub fn LinkPayPage() -> impl IntoView {
    let token = token();
    let query = use_query_map();
    let data = Resource::new(
        move || (token(), query.read().get("r")),
        |(token, r)| async move {
            // Back from the Confirmation: the form gets its entries again.
            let kept = match r {
                Some(r) => p_link_review(token.clone(), r)
                    .await
                    .map(|v| v.form_values)
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            Ok::<_, AppError>((p_link_page(token).await?, kept))
        },
    );
    view! {
        <Title text="One Time Payment"/>
        <PayerLayout>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    Ok((page, kept)) => match page.state {
                        LinkState::Paid => view! { <LinkUsed page token=token()/> }.into_any(),
                        s if !s.usable() => view! { <LinkClosed page/> }.into_any(),
                        _ => view! { <LinkPayForm page kept token=token()/> }.into_any(),
                    },
                    Err(e) => view! { <Problem title="Payment link" error=e/> }.into_any(),
                })}
            </Suspense>
        </PayerLayout>
    }
}

#[component]
fn LinkUsed(page: LinkPage, token: String) -> impl IntoView {
    view! {
        <h1>"This link was used"</h1>
        <p>{format!(
            "A payment was already made to {} with this link (Reference Number {}). A link pays once.",
            page.biller,
            page.reference.clone().unwrap_or_default()
        )}</p>
        <p><a class="btn btn-secondary" href=routes::payer_link_receipt(&token)>"View Details"</a></p>
    }
}

#[component]
fn LinkClosed(page: LinkPage) -> impl IntoView {
    if page.one_time {
        return view! {
            <h1>"This payment page has timed out"</h1>
            <p>"For your security it works for a short time only. Nothing was paid."</p>
            <p><a class="btn btn-primary" href=routes::PAYER_ONE_TIME>"Start again"</a></p>
        }
        .into_any();
    }
    let why = match page.state {
        LinkState::Expired => format!("It expired on {}.", page.expires_at),
        _ => "It was cancelled.".to_string(),
    };
    view! {
        <h1>"This link can no longer be used"</h1>
        <p>{why}</p>
        <p>{format!("Contact {} for a new payment link.", page.biller)}</p>
    }
    .into_any()
}

/// `/p/pay`: One Time Payment for a payer who has not registered: the
/// account number and the last name (or business name) on it, **Continue**.
#[component]
pub fn OneTimePage() -> impl IntoView {
    let action = ServerAction::<POneTime>::new();
    let errors = Signal::derive(move || field_errors(action.value().get()));
    let alert = form_message(action.value().into());
    let kept = field_errors(action.value().get_untracked());
    let value = move |f: &str| FieldErrors::typed_or(kept.as_ref(), f, "");
    view! {
        <Title text="One Time Payment"/>
        <PayerLayout>
            <h1>"One Time Payment"</h1>
            <p class="muted">"Pay your bill without registering. Enter the account number and the last name on your bill (or the business name)."</p>
            <ActionForm action=action>
                <FormAlert message=alert/>
                <TextField prefix="ot" name="account" label="Account Number" value=value("account") errors/>
                <TextField prefix="ot" name="name" label="Last Name or Business Name" value=value("name") errors
                    autocomplete="family-name"/>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Continue"</button>
                </div>
            </ActionForm>
        </PayerLayout>
    }
}

#[component]
fn LinkPayForm(page: LinkPage, kept: Vec<(String, String)>, token: String) -> impl IntoView {
    let action = ServerAction::<PLinkConfirm>::new();
    let checked = CheckedPaymentForm::new(action.value().into(), page.today, page.max_payment);
    let (form_ref, errors, alert) = (checked.form_ref, checked.errors, checked.alert);
    let defaults = vec![
        ("email".to_string(), page.email.clone().unwrap_or_default()),
        (
            "amount".to_string(),
            if page.balance.is_positive() {
                page.balance.plain()
            } else {
                String::new()
            },
        ),
        ("method".to_string(), "card".to_string()),
        (
            "bank_kind".to_string(),
            BankAccountKind::Checking.code().to_string(),
        ),
        ("pay_date".to_string(), page.today.iso()),
    ];
    // The site's own payment page (One Time Payment, Pay Now) may be
    // scheduled for a later date (help center P6); a link sent by a CSR
    // pays today.
    let may_schedule = page.one_time;
    let fee = FeeShown::new(form_ref, page.fees, Vec::new());
    let initial = starting_values(field_errors(action.value().get_untracked()), kept, defaults);
    let method = initial("method");
    view! {
        <h1>"One Time Payment"</h1>
        <p class="muted">{if page.one_time {
            format!("Pay {} online. For your security this page works until {}.", page.biller, page.expires_at)
        } else {
            format!("Pay {} online. The link works once, until {}.", page.biller, page.expires_at)
        }}</p>
        <AccountCard account=page.account_number.clone() name=page.name.clone() balance=Some(page.balance.to_string())/>
        <ActionForm action=action node_ref=form_ref>
            <input type="hidden" name="token" value=token/>
            <input type="hidden" name="form[account]" value=page.account_number.clone()/>
            <FormAlert message=alert/>
            <div class="payment-fields" on:input=move |_| { checked.on_input(); fee.update(); }>
                <Field label="Email for the receipt" name="email" value=initial("email") errors autocomplete="email" inputmode="email"/>
                <Field
                    label="Payment Amount"
                    name="amount"
                    value=initial("amount")
                    errors
                    inputmode="decimal"
                    prefix="$"
                    hint=format!("Current balance {}. At most {} per payment.", page.balance, page.max_payment)
                />
                {page.fees.any().then(|| view! { <FeePreview fees=page.fees fee/> })}
                {may_schedule.then(|| view! { <PayDateField value=initial("pay_date") errors/> })}
                <fieldset class="methods">
                    <legend>"Payment Method"</legend>
                    <label class="method-option">
                        <input type="radio" name="form[method]" value="card" checked=method == "card"/>
                        <span>"Card"</span>
                    </label>
                    <label class="method-option">
                        <input type="radio" name="form[method]" value="bank" checked=method == "bank"/>
                        <span>"Bank account (ACH)"</span>
                    </label>
                    <Message id="method" errors/>
                </fieldset>
                <CardFields class="method-fields card-fields" errors
                    name=initial("card_name") expiry=initial("card_expiry") zip=initial("card_zip")/>
                <BankFields class="method-fields bank-fields" errors
                    holder=initial("bank_holder") routing=initial("bank_routing") kind=initial("bank_kind")/>
                {(!may_schedule).then(|| view! { <Message id="pay_date" errors/> })}
            </div>
            <div class="actions">
                <button type="submit" class="btn btn-primary" on:click=move |ev| checked.on_submit(ev) disabled=move || action.pending().get()>
                    "Next"
                </button>
            </div>
        </ActionForm>
    }
}

/// `/p/link/:token/review`: the Confirmation, and **Pay**.
#[component]
pub fn LinkReviewPage() -> impl IntoView {
    let token = token();
    let query = use_query_map();
    let sealed = move || query.read().get("r").unwrap_or_default();
    let review = Resource::new(move || (token(), sealed()), |(t, r)| p_link_review(t, r));
    view! {
        <Title text="Confirm Payment"/>
        <PayerLayout>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || review.get().map(|r| match r {
                    Ok(v) => view! { <LinkConfirmation review=v sealed=sealed() token=token()/> }.into_any(),
                    Err(e) => view! {
                        <Problem title="Confirm Payment" error=e/>
                        <p><a href=routes::payer_link(&token())>"Back to the payment"</a></p>
                    }.into_any(),
                })}
            </Suspense>
        </PayerLayout>
    }
}

#[component]
fn LinkConfirmation(review: ReviewView, sealed: String, token: String) -> impl IntoView {
    let action = ServerAction::<PLinkPay>::new();
    let alert =
        Signal::derive(move || payment_alert(action.value().get(), "another card or bank account"));
    let back = routes::payer_link_again(&token, &sealed);
    view! {
        <h1>"Confirm Payment"</h1>
        <p class="muted">"Check the payment, then press Pay."</p>
        <AccountCard account=review.account_number.clone() name=review.name.clone() balance=None/>
        <ReviewList review/>
        <ActionForm action=action>
            <FormAlert message=alert/>
            <input type="hidden" name="token" value=token/>
            <input type="hidden" name="r" value=sealed/>
            <div class="actions">
                <a class="btn btn-secondary" href=back>"Back"</a>
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Paying…" } else { "Pay" }}
                </button>
            </div>
        </ActionForm>
    }
}

/// `/p/link/:token/receipt`: the payment made through the link.
#[component]
pub fn LinkReceiptPage() -> impl IntoView {
    let token = token();
    let receipt = Resource::new(token, p_link_receipt);
    view! {
        <Title text="Payment Receipt"/>
        <PayerLayout>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || receipt.get().map(|r| match r {
                    Ok(r) => view! { <Receipt r/> }.into_any(),
                    Err(e) => view! { <Problem title="Payment Receipt" error=e/> }.into_any(),
                })}
            </Suspense>
        </PayerLayout>
    }
}

#[component]
fn Receipt(r: LinkReceipt) -> impl IntoView {
    view! {
        <h1>"Thank you for your payment"</h1>
        <p role="status">{match &r.scheduled_for {
            Some(d) => format!("{} scheduled your payment for {d}. A receipt was sent to {}; a signed-in payer can cancel it in Payment Activity until then.", r.biller, r.email),
            None => format!("{} received your payment. A receipt was sent to {}.", r.biller, r.email),
        }}</p>
        <dl class="review receipt">
            <div><dt>"Reference Number"</dt><dd class="mono" data-testid="receipt-reference">{r.reference}</dd></div>
            <div><dt>"Account"</dt><dd class="mono">{r.account_number}</dd></div>
            <div><dt>"Payment Amount"</dt><dd class="amount">{r.amount.to_string()}</dd></div>
            <div><dt>"Payment Method"</dt><dd>{r.method}</dd></div>
            <div><dt>"Date"</dt><dd>{r.paid_at}</dd></div>
            {r.scheduled_for.clone().map(|d| view! { <div><dt>"Payment Date"</dt><dd data-testid="receipt-payment-date">{d}</dd></div> })}
            <div><dt>"Status"</dt><dd>{r.status}</dd></div>
        </dl>
        <p class="muted">"Keep the Reference Number for your records."</p>
    }
}
