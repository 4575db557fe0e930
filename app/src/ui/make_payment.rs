//! Make Payment (the form) and its review, as the help center describes:
//! email, amount and method, **Confirm**, review, **Make Payment**.

use super::Layout;
use super::category_lines::CategoryLines;
use super::category_lines::PaidLines;
use super::forms::{FormAlert, field_errors, form_error};
use crate::api::payments::{ConfirmPayment, MakePayment, load_pay_context, review_payment};
use crate::domain::bank::BankAccountKind;
use crate::domain::category::Category;
use crate::domain::category_payment::required_total;
#[cfg(feature = "hydrate")]
use crate::domain::category_payment::{check_category_form, price};
use crate::domain::fee::FeeSettings;
use crate::domain::money::Money;
use crate::domain::payment::MethodKind;
use crate::domain::payment_view::{PayContext, ReviewView};
use crate::error::{AppError, FieldErrors};
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use std::sync::Arc;

#[component]
pub fn MakePaymentPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let account = move || params.read().get("account").unwrap_or_default();
    let data = Resource::new(
        move || (account(), query.read().get("r"), query.read().get("bill")),
        |(account, r, bill)| async move {
            // Back from the review: the form gets its entries again. A review
            // that can't be opened any more (expired, another CSR's) is said
            // so above the form rather than silently losing the entries.
            let (kept, lost) = match r {
                Some(r) => match review_payment(r).await {
                    Ok(v) => (v.form_values, None),
                    Err(e) => (
                        Vec::new(),
                        Some(format!(
                            "The entries of the review could not be brought back: {}",
                            super::forms::error_text(&e)
                        )),
                    ),
                },
                None => (Vec::new(), None),
            };
            let bill = bill.or_else(|| {
                kept.iter()
                    .find(|(k, _)| k == "bill")
                    .map(|(_, v)| v.clone())
            });
            let ctx = load_pay_context(account, bill.and_then(|b| b.parse().ok())).await?;
            Ok::<_, AppError>((ctx, kept, lost))
        },
    );
    view! {
        <Title text=move || format!("Make Payment · Account {}", account())/>
        <Layout>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    Ok((ctx, kept, lost)) => view! { <PaymentFormView ctx kept lost/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn LoadError(error: AppError) -> impl IntoView {
    view! {
        <h1>"Make Payment"</h1>
        <p class="form-alert" role="alert">{super::forms::error_text(&error)}</p>
        <p><a href="/payer-support">"Back to Payer Support"</a></p>
    }
}

/// The account the payment is for, at the top of each step.
#[component]
pub(super) fn AccountCard(
    account: String,
    name: String,
    #[prop(optional_no_strip)] balance: Option<String>,
) -> impl IntoView {
    view! {
        <section class="account-card" aria-label="Account">
            <div><span class="label">"Account"</span><span class="value mono">{account}</span></div>
            <div><span class="label">"Name"</span><span class="value">{name}</span></div>
            {balance.map(|b| view! {
                <div><span class="label">"Current Balance"</span><span class="value">{b}</span></div>
            })}
        </section>
    }
}

/// The invoice a payment goes toward: what is due, paid and left.
#[component]
fn InvoiceCard(b: crate::domain::bill_view::BillSummary) -> impl IntoView {
    view! {
        <section class="account-card invoice-card" aria-label="Invoice">
            <div><span class="label">"Bill Number"</span><span class="value">{b.invoice_number.clone()}</span></div>
            <div><span class="label">"Due Date"</span><span class="value">{b.due_date.clone()}</span></div>
            <div><span class="label">"Amount Due"</span><span class="value">{b.amount_due.to_string()}</span></div>
            <div><span class="label">"Paid"</span><span class="value" id="invoice-paid">{b.paid.to_string()}</span></div>
            <div><span class="label">"Remaining"</span><span class="value" id="invoice-remaining">{b.remaining().to_string()}</span></div>
        </section>
    }
}

#[component]
fn PaymentFormView(
    ctx: PayContext,
    kept: Vec<(String, String)>,
    /// Why Back could not bring the review's entries back, if it couldn't.
    lost: Option<String>,
) -> impl IntoView {
    let action = ServerAction::<ConfirmPayment>::new();
    let checked = CheckedPaymentForm::new(action.value().into(), ctx.today, ctx.max_payment)
        .with_categories(ctx.categories.clone());
    let (form_ref, errors) = (checked.form_ref, checked.errors);
    let alert = Signal::derive(move || {
        checked.alert.get().or_else(|| {
            action
                .value()
                .with(Option::is_none)
                .then(|| lost.clone())
                .flatten()
        })
    });
    // Toward a bill, what remains on it; with Required category lines,
    // their total; otherwise the balance.
    let owed = ctx.bill.as_ref().map_or(ctx.balance, |b| b.remaining());
    let default_amount = match required_total(&ctx.categories) {
        Some(total) => total.plain(),
        None if owed.is_positive() => owed.plain(),
        None => String::new(),
    };
    let defaults = vec![
        ("email".to_string(), ctx.email.clone().unwrap_or_default()),
        ("amount".to_string(), default_amount),
        (
            "method".to_string(),
            ctx.saved_methods
                .first()
                .map_or_else(|| "card".to_string(), |m| format!("saved:{}", m.id)),
        ),
        (
            "bank_kind".to_string(),
            BankAccountKind::Checking.code().to_string(),
        ),
        ("pay_date".to_string(), ctx.today.iso()),
    ];
    let initial: Arc<dyn Fn(&str) -> String + Send + Sync> = Arc::new(starting_values(
        field_errors(action.value().get_untracked()),
        kept,
        defaults,
    ));
    let method = initial("method");
    let bank_kind = initial("bank_kind");
    let balance = ctx.balance.to_string();
    let saved = ctx
        .saved_methods
        .iter()
        .map(|m| (format!("saved:{}", m.id), m.kind))
        .collect();
    let fee = FeeShown::new(form_ref, ctx.fees, saved);
    let lines_total = RwSignal::new(None::<String>);
    let on_lines = move |_| checked.follow_lines(lines_total);
    // Once the page is live, for the lines it starts with.
    if !ctx.categories.is_empty() {
        Effect::new(move |_| checked.follow_lines(lines_total));
    }
    let back = routes::payer_support_account(&ctx.account_number);
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href=back.clone()>"Payer Support"</a>" › Make Payment"
        </nav>
        <h1>"Make Payment"</h1>
        <AccountCard account=ctx.account_number.clone() name=ctx.name.clone() balance=Some(balance.clone())/>
        {ctx.bill.clone().map(|b| view! { <InvoiceCard b/> })}
        <ActionForm action=action node_ref=form_ref>
            <input type="hidden" name="form[account]" value=ctx.account_number.clone()/>
            {ctx.bill.as_ref().map(|b| view! { <input type="hidden" name="form[bill]" value=b.id/> })}
            <FormAlert message=alert/>
            <div class="payment-fields" on:input=move |_| { checked.on_input(); fee.update(); }>
                <Field label="Email for the receipt" name="email" value=initial("email") errors autocomplete="email" inputmode="email"/>
                {(!ctx.categories.is_empty()).then(|| view! {
                    <div on:input=on_lines>
                        <CategoryLines offered=ctx.categories.clone() initial=initial.clone() errors total=lines_total.into()/>
                    </div>
                })}
                <Field
                    label="Payment Amount"
                    name="amount"
                    value=initial("amount")
                    errors
                    inputmode="decimal"
                    prefix="$"
                    hint=match &ctx.bill {
                        Some(b) => format!("Remaining on bill {}: {}. At most {} per payment.", b.invoice_number, b.remaining(), ctx.max_payment),
                        None => format!("Current balance {balance}. At most {} per payment.", ctx.max_payment),
                    }
                />
                {ctx.fees.any().then(|| view! { <FeePreview fees=ctx.fees fee/> })}
                <PayDateField value=initial("pay_date") errors/>
                <fieldset class="methods">
                    <legend>"Payment Method"</legend>
                    {ctx.saved_methods.iter().map(|m| {
                        let value = format!("saved:{}", m.id);
                        let checked = method == value;
                        view! {
                            <label class="method-option">
                                <input type="radio" name="form[method]" value=value checked=checked/>
                                <span>{m.label.clone()}<span class="muted small">" · saved, "{m.detail.clone()}</span></span>
                            </label>
                        }
                    }).collect_view()}
                    <label class="method-option">
                        <input type="radio" name="form[method]" value="card" checked=method == "card"/>
                        <span>"New card"</span>
                    </label>
                    <label class="method-option">
                        <input type="radio" name="form[method]" value="bank" checked=method == "bank"/>
                        <span>"New bank account"</span>
                    </label>
                    <Message id="method" errors/>
                </fieldset>
                <CardFields class="method-fields card-fields" errors
                    name=initial("card_name") expiry=initial("card_expiry") zip=initial("card_zip")/>
                <BankFields class="method-fields bank-fields" errors
                    holder=initial("bank_holder") routing=initial("bank_routing") kind=bank_kind/>
            </div>
            <div class="actions">
                <a class="btn btn-secondary" href=back>"Cancel"</a>
                <button type="submit" class="btn btn-primary" on:click=move |ev| checked.on_submit(ev) disabled=move || action.pending().get()>
                    "Confirm"
                </button>
            </div>
        </ActionForm>
    }
}

/// The Fee Amount and Total for what the form holds, worked out in the
/// browser with the server's rule (`FeeSettings::preview`) as the amount
/// and method change.
#[derive(Clone, Copy)]
pub(super) struct FeeShown {
    shown: RwSignal<Option<(Money, Money)>>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    form_ref: NodeRef<leptos::html::Form>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    ctx: StoredValue<(FeeSettings, Vec<(String, MethodKind)>)>,
}

impl FeeShown {
    /// For the form `form_ref` under `fees`; `saved` maps each saved
    /// method's radio value (`saved:12`) to its kind.
    pub fn new(
        form_ref: NodeRef<leptos::html::Form>,
        fees: FeeSettings,
        saved: Vec<(String, MethodKind)>,
    ) -> Self {
        let me = FeeShown {
            shown: RwSignal::new(None),
            form_ref,
            ctx: StoredValue::new((fees, saved)),
        };
        // Once the page is live, for the amount it starts with.
        Effect::new(move |_| me.update());
        me
    }

    pub fn update(self) {
        #[cfg(feature = "hydrate")]
        if let Some(form) = self.form_ref.get() {
            let typed = read_form(&form);
            let shown = self.ctx.with_value(|(fees, saved)| {
                let method = match typed.method.as_str() {
                    "card" => Some(MethodKind::Card),
                    "bank" => Some(MethodKind::Ach),
                    m => saved.iter().find(|(v, _)| v == m).map(|(_, k)| *k),
                };
                fees.preview(&typed.amount, method)
            });
            self.shown.set(shown);
        }
    }
}

/// Fee Amount and Total beside the Payment Amount. Before the page is live
/// (or without JavaScript), the rules; the review shows the fee then.
#[component]
pub(super) fn FeePreview(fees: FeeSettings, fee: FeeShown) -> impl IntoView {
    let rules = fees.describe();
    view! {
        <div class="fee-preview" id="fee-preview" aria-live="polite">
            {move || match fee.shown.get() {
                Some((amount, total)) => view! {
                    <span>"Fee Amount "<strong id="fee-amount">{amount.to_string()}</strong></span>
                    <span>"Total "<strong id="fee-total">{total.to_string()}</strong></span>
                }.into_any(),
                None => view! {
                    <span>"Convenience fee (shown as Fee Amount on the review): "{rules.clone()}</span>
                }.into_any(),
            }}
        </div>
    }
}

/// A payment form's checks, the same for Make Payment and the payer site's
/// One Time Payment: the browser runs the server's checks (`check_form`)
/// before anything is sent, and the server's refusal shows the same way.
#[derive(Clone, Copy)]
pub(super) struct CheckedPaymentForm {
    pub form_ref: NodeRef<leptos::html::Form>,
    /// The browser's findings, else the server's.
    pub errors: Signal<Option<FieldErrors>>,
    /// Above the form: the server's word on the whole form, or "correct
    /// the highlighted fields".
    pub alert: Signal<Option<String>>,
    found: RwSignal<Option<FieldErrors>>,
    today: crate::domain::payment::Today,
    max: crate::domain::money::Money,
    /// The account's category lines on Make Payment (none elsewhere).
    categories: StoredValue<Vec<Category>>,
}

impl CheckedPaymentForm {
    pub fn new(
        answer: Signal<Option<Result<String, AppError>>>,
        today: crate::domain::payment::Today,
        max: crate::domain::money::Money,
    ) -> Self {
        let found = RwSignal::new(None::<FieldErrors>);
        let correct = || Some("Please correct the highlighted fields.".to_string());
        CheckedPaymentForm {
            form_ref: NodeRef::new(),
            errors: Signal::derive(move || found.get().or_else(|| field_errors(answer.get()))),
            alert: Signal::derive(move || {
                if found.with(Option::is_some) {
                    return correct();
                }
                form_error(answer.get())
                    .or_else(|| field_errors(answer.get()).and_then(|_| correct()))
            }),
            found,
            today,
            max,
            categories: StoredValue::new(Vec::new()),
        }
    }

    /// Make Payment's: the form is checked with the account's lines.
    pub fn with_categories(self, offered: Vec<Category>) -> Self {
        self.categories.set_value(offered);
        self
    }

    /// As the lines change: with any paid, the Payment Amount becomes their
    /// total and is not typed into (the server takes the total too); with
    /// none, it is the payer's to type again.
    pub fn follow_lines(self, total: RwSignal<Option<String>>) {
        #[cfg(feature = "hydrate")]
        if let Some(form) = self.form_ref.get() {
            use wasm_bindgen::JsCast;
            let typed = read_form(&form);
            let paid = self
                .categories
                .with_value(|offered| price(offered, &typed.lines).ok())
                .filter(|p| !p.lines.is_empty());
            let amount = document()
                .get_element_by_id("pay-amount")
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok());
            if let Some(input) = amount {
                input.set_read_only(paid.is_some());
                if let Some(p) = &paid {
                    input.set_value(&p.total().plain());
                }
            }
            total.set(paid.map(|p| p.total().to_string()));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = total;
    }

    fn check(self) -> Option<FieldErrors> {
        #[cfg(feature = "hydrate")]
        {
            let form = self.form_ref.get()?;
            self.categories
                .with_value(|offered| {
                    check_category_form(&read_form(&form), offered, self.today, self.max)
                })
                .err()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (self.today, self.max);
            None
        }
    }

    /// The submit button's click (Enter in a field too): stopped if the
    /// checks fail.
    pub fn on_submit(self, ev: leptos::ev::MouseEvent) {
        let found = self.check();
        if found.is_some() {
            ev.prevent_default();
        }
        self.found.set(found);
    }

    /// Re-checked as the payer types, once something was found (not on
    /// change, which fires when the field loses focus: on the press of the
    /// button, whose message above it then vanished and moved the button
    /// from under the pointer).
    pub fn on_input(self) {
        if self.found.with_untracked(Option::is_some) {
            self.found.set(self.check());
        }
    }
}

/// What each field of a payment form starts with: what the server sent
/// back with an error (no JavaScript), else what Back kept, else `defaults`.
pub(super) fn starting_values(
    sent_back: Option<FieldErrors>,
    kept: Vec<(String, String)>,
    defaults: Vec<(String, String)>,
) -> impl Fn(&str) -> String {
    move |field| {
        let from = |list: &[(String, String)]| {
            list.iter()
                .find(|(k, _)| k == field)
                .map(|(_, v)| v.clone())
        };
        FieldErrors::typed(sent_back.as_ref(), field)
            .or_else(|| from(&kept))
            .or_else(|| from(&defaults))
            .unwrap_or_default()
    }
}

/// A new card's fields (never refilled with the number or CVV): Make
/// Payment's and Add Credit Card's.
#[component]
pub(super) fn CardFields(
    class: &'static str,
    errors: Signal<Option<FieldErrors>>,
    name: String,
    expiry: String,
    zip: String,
) -> impl IntoView {
    view! {
        <div class=class>
            <Field label="Name on card" name="card_name" value=name errors autocomplete="cc-name"/>
            <Field label="Card number" name="card_number" value=String::new() errors autocomplete="cc-number" inputmode="numeric"/>
            <div class="field-row">
                <Field label="Expiry (MM/YY)" name="card_expiry" value=expiry errors autocomplete="cc-exp" inputmode="numeric"/>
                <Field label="CVV" name="card_cvv" value=String::new() errors autocomplete="cc-csc" inputmode="numeric"/>
                <Field label="Billing ZIP" name="card_zip" value=zip errors autocomplete="postal-code" inputmode="numeric"/>
            </div>
        </div>
    }
}

/// A new bank account's fields (never refilled with the account number):
/// Make Payment's and Add Bank Account's.
#[component]
pub(super) fn BankFields(
    class: &'static str,
    errors: Signal<Option<FieldErrors>>,
    holder: String,
    routing: String,
    kind: String,
) -> impl IntoView {
    view! {
        <div class=class>
            <Field label="Account holder" name="bank_holder" value=holder errors autocomplete="name"/>
            <div class="field-row">
                <Field label="Routing number" name="bank_routing" value=routing errors inputmode="numeric"/>
                <Field label="Account number" name="bank_account" value=String::new() errors inputmode="numeric"/>
            </div>
            <div class="field">
                <label for="pay-bank_kind">"Account type"</label>
                <select id="pay-bank_kind" name="form[bank_kind]">
                    {BankAccountKind::ALL.iter().map(|k| view! {
                        <option value=k.code() selected=kind == k.code()>{k.label()}</option>
                    }).collect_view()}
                </select>
                <Message id="bank_kind" errors/>
            </div>
        </div>
    }
}

/// Reads the payment form as it stands (browser only).
#[cfg(feature = "hydrate")]
pub(super) fn read_form(form: &web_sys::HtmlFormElement) -> crate::domain::payment::PaymentForm {
    let data = web_sys::FormData::new_with_form(form).ok();
    let get = |k: &str| {
        data.as_ref()
            .and_then(|d| d.get(&format!("form[{k}]")).as_string())
            .unwrap_or_default()
    };
    crate::domain::payment::PaymentForm {
        account: get("account"),
        email: get("email"),
        amount: get("amount"),
        method: get("method"),
        card_name: get("card_name"),
        card_number: get("card_number"),
        card_expiry: get("card_expiry"),
        card_cvv: get("card_cvv"),
        card_zip: get("card_zip"),
        bank_holder: get("bank_holder"),
        bank_routing: get("bank_routing"),
        bank_account: get("bank_account"),
        bank_kind: get("bank_kind"),
        pay_date: get("pay_date"),
        bill: get("bill"),
        lines: data
            .as_ref()
            .map(super::category_lines::read_lines)
            .unwrap_or_default(),
    }
}

/// One labelled input of the payment form, with its message underneath.
/// Payment Date: today pays now, a later date schedules the payment
/// (Make Payment, and the payer site's own payment page).
#[component]
pub(super) fn PayDateField(value: String, errors: Signal<Option<FieldErrors>>) -> impl IntoView {
    view! {
        <Field
            label="Payment Date"
            name="pay_date"
            value
            errors
            kind="date"
            hint="Today pays now; a later date schedules the payment (up to a year ahead).".to_string()
        />
    }
}

#[component]
pub(super) fn Field(
    label: &'static str,
    name: &'static str,
    value: String,
    errors: Signal<Option<FieldErrors>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] inputmode: &'static str,
    #[prop(optional)] prefix: &'static str,
    #[prop(optional)] hint: String,
) -> impl IntoView {
    let id = format!("pay-{name}");
    let invalid = move || {
        errors
            .with(|e| e.as_ref().and_then(|e| e.message_for(name)).is_some())
            .to_string()
    };
    let described = if hint.is_empty() {
        format!("{id}-error")
    } else {
        format!("{id}-error {id}-hint")
    };
    let input = view! {
        <input
            id=id.clone()
            name=format!("form[{name}]")
            type=kind
            value=value
            autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
            inputmode=(!inputmode.is_empty()).then_some(inputmode)
            spellcheck="false"
            aria-invalid=invalid
            // Without JavaScript the browser focuses the first field that
            // has it: the first in error (ui/focus.rs does it with).
            autofocus=move || invalid() == "true"
            aria-describedby=described
        />
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {if prefix.is_empty() {
                input.into_any()
            } else {
                view! { <div class="affix"><span aria-hidden="true">{prefix}</span>{input}</div> }.into_any()
            }}
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=format!("{id}-hint")>{hint}</p> })}
            <Message id=name errors/>
        </div>
    }
}

/// The message under one payment field (`pay-{id}-error`).
#[component]
pub(super) fn Message(id: &'static str, errors: Signal<Option<FieldErrors>>) -> impl IntoView {
    view! { <super::forms::ErrorFor prefix="pay" name=id errors/> }
}

#[component]
pub fn ReviewPaymentPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let account = move || params.read().get("account").unwrap_or_default();
    let sealed = move || query.read().get("r").unwrap_or_default();
    let review = Resource::new(sealed, review_payment);
    view! {
        <Title text=move || format!("Review Payment · Account {}", account())/>
        <Layout>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || review.get().map(|r| match r {
                    Ok(v) => view! { <ReviewView review=v sealed=sealed() account=account()/> }.into_any(),
                    Err(e) => view! {
                        <h1>"Review Payment"</h1>
                        <p class="form-alert" role="alert">{e.to_string()}</p>
                        <p><a href=routes::make_payment(&account())>"Back to Make Payment"</a></p>
                    }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn ReviewView(review: ReviewView, sealed: String, account: String) -> impl IntoView {
    let action = ServerAction::<MakePayment>::new();
    let alert =
        Signal::derive(move || payment_alert(action.value().get(), "another payment method"));
    let back = routes::make_payment_again(&account, &sealed);
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href=routes::payer_support_account(&account)>"Payer Support"</a>" › Make Payment › Review"
        </nav>
        <h1>"Review Payment"</h1>
        <p class="muted">"Check everything with the payer, then click Make Payment."</p>
        <AccountCard account=review.account_number.clone() name=review.name.clone() balance=None/>
        <ReviewList review/>
        <ActionForm action=action>
            <FormAlert message=alert/>
            <input type="hidden" name="r" value=sealed/>
            <div class="actions">
                <a class="btn btn-secondary" href=back>"Back"</a>
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Making Payment…" } else { "Make Payment" }}
                </button>
            </div>
        </ActionForm>
    }
}

/// What a review shows: the receipt address, the invoice, amount, date and
/// method (Make Payment's review and the payer site's Confirmation).
#[component]
pub(super) fn ReviewList(review: ReviewView) -> impl IntoView {
    view! {
        <dl class="review">
            <div><dt>"Email for the receipt"</dt><dd>{review.email.clone()}</dd></div>
            {review.invoice.clone().map(|i| view! { <div><dt>"Invoice"</dt><dd id="review-invoice">{i}</dd></div> })}
            <div><dt>"Payment Amount"</dt><dd class="amount">{review.amount.to_string()}</dd></div>
            {review.fee.is_positive().then(|| view! {
                <div><dt>"Fee Amount"</dt><dd class="amount" id="review-fee">{review.fee.to_string()}</dd></div>
                <div><dt>"Total"</dt><dd class="amount" id="review-total">{
                    review.total().to_string()
                }</dd></div>
            })}
            <div><dt>"Payment Date"</dt><dd>{review.scheduled_for.clone().map_or_else(|| "Today".to_string(), |d| format!("{d} (Scheduled)"))}</dd></div>
            <div><dt>"Payment Method"</dt><dd>{review.method_label.clone()}</dd></div>
            {review.method_details.into_iter().map(|(k, v)| view! { <div><dt>{k}</dt><dd>{v}</dd></div> }).collect_view()}
        </dl>
        <PaidLines lines=review.lines/>
    }
}

/// What a refused Make Payment (or Pay) says above its button.
pub(super) fn payment_alert(
    result: Option<Result<String, AppError>>,
    back_to: &str,
) -> Option<String> {
    match result {
        Some(Err(AppError::Declined(reason))) => Some(format!(
            "The payment was declined: {reason}. No payment was made. Go Back to use {back_to}."
        )),
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    }
}
