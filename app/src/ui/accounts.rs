//! Create Account (on Payer Support, when an account number is not found)
//! and the account page: edit its type, names, email and status, Adjust
//! Balance, and its history. Plain forms: with and without JavaScript.

use super::Layout;
use super::forms::{FieldMessage, FormAlert, field_errors, form_error};
use crate::api::accounts::{
    AdjustBalance, CreateAccount as CreateAccountAction, UpdateAccount, load_account,
};
use crate::api::divisions::my_divisions;
use crate::domain::account::AccountStatus;
use crate::domain::account_edit::{AccountDetail, AccountForm};
use crate::domain::division::Division;
use crate::error::{AppError, FieldErrors};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The type, name and email fields both forms share, filled from `start`
/// or, after a refused submit, from what was typed.
#[component]
fn AccountFields(
    prefix: &'static str,
    start: AccountForm,
    errors: Signal<Option<FieldErrors>>,
) -> impl IntoView {
    let kept = move |f: &'static str, default: &str| {
        errors.with_untracked(|e| FieldErrors::typed_or(e.as_ref(), f, default))
    };
    let message = move |f: &'static str| {
        Signal::derive(move || {
            errors.with(|e| {
                e.as_ref()
                    .and_then(|e| e.message_for(f))
                    .map(str::to_string)
            })
        })
    };
    let invalid = move |f: &'static str| move || message(f).get().is_some().to_string();
    let business = start.business.is_some();
    let field = move |f: &'static str, label: &'static str, value: String, kind: &'static str| {
        let id = format!("{prefix}-{f}");
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id.clone() name=format!("form[{f}]") type=kind autocomplete="off" value=kept(f, &value)
                    aria-invalid=invalid(f) autofocus=move || invalid(f)() == "true" aria-describedby=format!("{id}-error")/>
                <FieldMessage id=id message=message(f)/>
            </div>
        }
    };
    view! {
        <label class="check">
            <input type="checkbox" name="form[business]" value="on" checked=business/>
            <span>"Business Account"</span>
        </label>
        <div class="field-row">
            {field("first_name", "First Name", start.first_name.clone(), "text")}
            {field("last_name", "Last Name", start.last_name.clone(), "text")}
        </div>
        {field("company_name", "Company Name", start.company_name.clone(), "text")}
        {field("email", "Email (the default receipt address)", start.email.clone(), "email")}
    }
}

/// The Division of Create Account (`new`) and the account page (`acct`),
/// when the user may choose among several: `start` chosen, or after a
/// refused submit what was chosen.
#[component]
fn DivisionSelect(
    prefix: &'static str,
    list: Vec<Division>,
    start: String,
    errors: Signal<Option<FieldErrors>>,
) -> impl IntoView {
    let message = Signal::derive(move || {
        errors.with(|e| {
            e.as_ref()
                .and_then(|e| e.message_for("division"))
                .map(str::to_string)
        })
    });
    let kept = errors.with_untracked(|e| FieldErrors::typed_or(e.as_ref(), "division", &start));
    let id = format!("{prefix}-division");
    view! {
        <div class="field">
            <label for=id.clone()>"Division"</label>
            <select id=id.clone() name="form[division]" aria-describedby=format!("{id}-error")
                aria-invalid=move || message.get().is_some().to_string()>
                {list.into_iter().map(|d| {
                    let value = d.id.to_string();
                    let selected = value == kept;
                    view! { <option value=value selected=selected>{d.name}</option> }
                }).collect_view()}
            </select>
            <FieldMessage id message/>
        </div>
    }
}

/// Shown under an empty Accounts Found for an account number search.
#[component]
pub fn CreateAccount(number: String) -> impl IntoView {
    // Payer Support's, so its search runs again once the account exists.
    let action = use_context::<ServerAction<CreateAccountAction>>().unwrap_or_default();
    let errors = Signal::derive(move || field_errors(action.value().get()));
    let alert = Signal::derive(move || form_error(action.value().get()));
    let number_error = Signal::derive(move || {
        errors
            .get()
            .and_then(|e| e.message_for("account_number").map(str::to_string))
    });
    let start = AccountForm {
        account_number: number.clone(),
        ..Default::default()
    };
    // The divisions this user may put the account into (none shown with one).
    let divisions = Resource::new(|| (), |_| my_divisions());
    view! {
        <section class="panel" aria-labelledby="create-account-title">
            <h2 id="create-account-title">{format!("Create account {number}")}</h2>
            <p class="muted">"An individual needs a first and last name; tick Business Account for a company."</p>
            <ActionForm action=action>
                <FormAlert message=alert/>
                <input type="hidden" name="form[account_number]" value=number.clone()/>
                <FieldMessage id="new-account_number" message=number_error/>
                <AccountFields prefix="new" start errors/>
                <Suspense fallback=|| ()>
                    {move || divisions.get().and_then(Result::ok).filter(|list| list.len() > 1)
                        .map(|list| view! { <DivisionSelect prefix="new" list start=String::new() errors/> })}
                </Suspense>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Create Account"</button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let params = use_params_map();
    let number = move || params.read().get("number").unwrap_or_default();
    let save = ServerAction::<UpdateAccount>::new();
    let adjust = ServerAction::<AdjustBalance>::new();
    let detail = Resource::new(
        move || (number(), save.version().get(), adjust.version().get()),
        |(n, _, _)| load_account(n),
    );
    view! {
        <Title text=move || format!("Account {}", number())/>
        <Layout>
            <nav class="crumbs" aria-label="Breadcrumb">
                <a href=move || crate::routes::payer_support_account(&number())>"Payer Support"</a>" › Account "{number}
            </nav>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || detail.get().map(|r| match r {
                    Ok(d) => view! { <AccountView d save adjust/> }.into_any(),
                    Err(e) => view! { <h1>"Account"</h1><p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn AccountView(
    d: AccountDetail,
    save: ServerAction<UpdateAccount>,
    adjust: ServerAction<AdjustBalance>,
) -> impl IntoView {
    let number = d.form.account_number.clone();
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
    let alert = Signal::derive(move || match save.value().get() {
        Some(Err(AppError::Invalid(_))) => {
            Some("Please correct the highlighted fields.".to_string())
        }
        other => form_error(other),
    });
    let done = move || {
        save.value()
            .get()
            .and_then(Result::ok)
            .or_else(|| adjust.value().get().and_then(Result::ok))
    };
    let status_now =
        errors.with_untracked(|e| FieldErrors::typed_or(e.as_ref(), "status", &d.form.status));
    let scheduled = d.scheduled;
    // Where the account may move: the user's divisions (none shown with one).
    let divisions = Resource::new(|| (), |_| my_divisions());
    let division_now = d.form.division.clone();
    let adjust_number = number.clone();
    let links_number = number.clone();
    view! {
        <h1>"Account "<span class="mono">{number.clone()}</span></h1>
        <p class="notice" role="status">{done}</p>
        <dl class="review detail">
            <div><dt>"Current Balance"</dt><dd class="amount">{d.balance.to_string()}</dd></div>
            <div><dt>"Status"</dt><dd><span class=format!("badge badge-{}", d.status.code())>{d.status.label()}</span></dd></div>
            {d.division.clone().map(|name| view! { <div><dt>"Division"</dt><dd>{name}</dd></div> })}
            <div><dt>"Type"</dt><dd>{d.account_type.label()}</dd></div>
        </dl>
        <section class="panel" aria-labelledby="account-edit-title">
            <h2 id="account-edit-title">"Account details"</h2>
            <ActionForm action=save>
                <FormAlert message=alert/>
                <input type="hidden" name="form[account_number]" value=number.clone()/>
                <AccountFields prefix="acct" start=d.form.clone() errors/>
                <div class="field">
                    <label for="acct-status">"Status"</label>
                    <select id="acct-status" name="form[status]" aria-describedby="acct-status-error acct-status-hint">
                        {AccountStatus::ALL.iter().map(|s| {
                            let selected = status_now == s.code();
                            view! { <option value=s.code() selected=selected>{s.label()}</option> }
                        }).collect_view()}
                    </select>
                    <p class="hint" id="acct-status-hint">"An inactive account takes no new payments."</p>
                    <FieldMessage id="acct-status" message=message("status")/>
                </div>
                <Suspense fallback=|| ()>
                    {move || divisions.get().and_then(Result::ok).filter(|list| list.len() > 1)
                        .map(|list| view! { <DivisionSelect prefix="acct" list start=division_now.clone() errors/> })}
                </Suspense>
                {(scheduled > 0).then(|| view! {
                    <label class="check">
                        <input type="checkbox" name="form[confirm]" value="yes" aria-describedby="acct-confirm-error"/>
                        <span>{format!("If I make it inactive, cancel its {scheduled} scheduled payment(s).")}</span>
                    </label>
                    <FieldMessage id="acct-confirm" message=message("confirm")/>
                })}
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>"Save"</button>
                </div>
            </ActionForm>
        </section>
        {d.adjust_key.clone().map(|key| view! { <AdjustPanel number=adjust_number key adjust/> })}
        <super::payment_links::PaymentLinksPanel number=links_number/>
        <OwnCategories lines=d.own_categories.clone()/>
        <section class="panel" aria-labelledby="history-title">
            <h2 id="history-title">"Balance history"</h2>
            {if d.history.is_empty() {
                view! { <p class="empty">"Nothing has changed this balance yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data" id="history-table">
                            <caption class="sr-only">"Balance history"</caption>
                            <thead><tr>
                                <th scope="col">"Time"</th><th scope="col">"What"</th><th scope="col" class="num">"Change"</th>
                                <th scope="col">"By"</th><th scope="col">"Note"</th>
                            </tr></thead>
                            <tbody>
                                {d.history.into_iter().map(|h| view! {
                                    <tr>
                                        <td data-label="Time">{h.at}</td>
                                        <td data-label="What">{h.what}{h.reference.map(|r| view! { " "<a class="mono" href=crate::routes::payment(&r)>{r.clone()}</a> })}</td>
                                        <td data-label="Change" class="num">{h.change.to_string()}</td>
                                        <td data-label="By">{h.by}</td>
                                        <td data-label="Note">{h.memo}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn AdjustPanel(number: String, key: String, adjust: ServerAction<AdjustBalance>) -> impl IntoView {
    let errors = Signal::derive(move || field_errors(adjust.value().get()));
    let message = move |f: &'static str| {
        Signal::derive(move || {
            errors.with(|e| {
                e.as_ref()
                    .and_then(|e| e.message_for(f))
                    .map(str::to_string)
            })
        })
    };
    let kept =
        move |f: &'static str| errors.with_untracked(|e| FieldErrors::typed_or(e.as_ref(), f, ""));
    let invalid = move |f: &'static str| move || message(f).get().is_some().to_string();
    let alert = Signal::derive(move || match adjust.value().get() {
        Some(Err(AppError::Invalid(_))) => None,
        other => form_error(other),
    });
    view! {
        <section class="panel" aria-labelledby="adjust-title">
            <h2 id="adjust-title">"Adjust Balance"</h2>
            <p class="muted">"A positive amount adds to what the payer owes; a negative amount (like -12.50) is a credit."</p>
            <ActionForm action=adjust>
                <FormAlert message=alert/>
                <input type="hidden" name="form[account_number]" value=number/>
                <input type="hidden" name="form[key]" value=key/>
                <div class="field-row">
                    <div class="field">
                        <label for="adjust-amount">"Amount"</label>
                        <input id="adjust-amount" name="form[amount]" inputmode="decimal" value=kept("amount")
                            aria-invalid=invalid("amount") autofocus=move || invalid("amount")() == "true" aria-describedby="adjust-amount-error"/>
                        <FieldMessage id="adjust-amount" message=message("amount")/>
                    </div>
                    <div class="field">
                        <label for="adjust-reason">"Reason"</label>
                        <input id="adjust-reason" name="form[reason]" maxlength="500" value=kept("reason")
                            aria-invalid=invalid("reason") autofocus=move || invalid("reason")() == "true" aria-describedby="adjust-reason-error"/>
                        <FieldMessage id="adjust-reason" message=message("reason")/>
                    </div>
                </div>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || adjust.pending().get()>"Adjust Balance"</button>
                </div>
            </ActionForm>
        </section>
    }
}

/// The payer's own category lines (a category file's, help center D4):
/// what Make Payment offers this account besides, or instead of, the
/// lines for all payers.
#[component]
fn OwnCategories(lines: Vec<crate::domain::category::Category>) -> impl IntoView {
    (!lines.is_empty()).then(|| {
        view! {
            <section class="panel" aria-labelledby="own-categories-title">
                <h2 id="own-categories-title">"Categories for this payer"</h2>
                <p class="muted">"From a category file. Make Payment offers them, in place of any line for all payers with the same charge code."</p>
                <div class="table-wrap">
                    <table class="data" id="own-categories">
                        <caption class="sr-only">"Categories for this payer"</caption>
                        <thead><tr>
                            <th scope="col">"Description"</th><th scope="col">"Charge Code"</th>
                            <th scope="col" class="num">"Amount"</th><th scope="col" class="num">"Quantity"</th>
                            <th scope="col">"Options"</th>
                        </tr></thead>
                        <tbody>
                            {lines.into_iter().map(|c| view! {
                                <tr>
                                    <td data-label="Description">{c.description}</td>
                                    <td data-label="Charge Code" class="mono">{c.charge_code}</td>
                                    <td data-label="Amount" class="num">{c.amount.to_string()}</td>
                                    <td data-label="Quantity" class="num">{c.quantity}</td>
                                    <td data-label="Options">{c.options.labels().join(", ")}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
        }
    })
}
