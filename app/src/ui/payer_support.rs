//! Payer Support: find a payer's accounts by account number, user ID,
//! Reference Number, name or email (with suggestions as a name or email is
//! typed).

use super::Layout;
use super::status::StatusWatch;
use crate::api::accounts::{search_accounts, suggest_accounts};
use crate::domain::account::AccountStatus;
use crate::domain::payer_support::{AccountSummary, SUGGEST_FROM, SearchBy, SearchResults};
use crate::domain::payment_view::PaymentSummary;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn PayerSupportPage() -> impl IntoView {
    let query = use_query_map();
    // The query lives in the URL, so back, refresh and bookmarks all work.
    let by = move || {
        query
            .read()
            .get("by")
            .unwrap_or_else(|| SearchBy::AccountNumber.code().to_string())
    };
    let q = move || query.read().get("q").unwrap_or_default();
    // Create Account lands back on this very search; its version makes the
    // search run again so the new account shows.
    let created = ServerAction::<crate::api::accounts::CreateAccount>::new();
    provide_context(created);
    // Unlock Account's, so the search runs again once the lock is gone.
    let unlocked = ServerAction::<crate::api::payment_links::UnlockOneTime>::new();
    provide_context(unlocked);
    let results = Resource::new(
        move || (by(), q(), created.version().get(), unlocked.version().get()),
        |(by, q, _, _)| async move {
            if q.trim().is_empty() {
                None
            } else {
                Some(search_accounts(by, q).await)
            }
        },
    );
    // Suggestions while a name or email is typed (with JavaScript only;
    // without it the search button does the same).
    let by_now = RwSignal::new(SearchBy::from_code(&by()).unwrap_or(SearchBy::AccountNumber));
    let settled = RwSignal::new(String::new());
    let timer = StoredValue::new(None::<leptos::prelude::TimeoutHandle>);
    let on_input = move |ev| {
        let typed = event_target_value(&ev);
        if let Some(t) = timer.get_value() {
            t.clear();
        }
        // Wait for a pause in typing before asking the server.
        let handle = set_timeout_with_handle(
            move || settled.set(typed),
            std::time::Duration::from_millis(250),
        )
        .ok();
        timer.set_value(handle);
    };
    // A search that ran (or a new URL) puts the suggestions away.
    Effect::new(move |_| {
        by_now.set(SearchBy::from_code(&by()).unwrap_or(SearchBy::AccountNumber));
        q();
        settled.set(String::new());
    });
    let suggestions = LocalResource::new(move || {
        let (b, q) = (by_now.get(), settled.get());
        async move {
            if !b.suggests() || q.trim().chars().count() < SUGGEST_FROM {
                return Vec::new();
            }
            suggest_accounts(b.code().to_string(), q)
                .await
                .unwrap_or_default()
        }
    });
    let field_error = move || match results.get().flatten() {
        Some(Err(AppError::Invalid(f))) => f.message_for("q").map(str::to_string),
        _ => None,
    };

    view! {
        <Title text="Payer Support"/>
        <Layout>
            <h1>"Payer Support"</h1>
            <Form method="GET" action="/payer-support">
                <div class="searchbar" role="search">
                    <label class="sr-only" for="search-by">"Search by"</label>
                    <select id="search-by" name="by"
                        on:change=move |ev| by_now.set(SearchBy::from_code(&event_target_value(&ev)).unwrap_or(SearchBy::AccountNumber))>
                        {SearchBy::ALL
                            .iter()
                            .map(|b| {
                                let code = b.code();
                                view! {
                                    <option value=code selected=move || by() == code>
                                        {b.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <label class="sr-only" for="search-q">"Search for"</label>
                    <input
                        id="search-q"
                        name="q"
                        type="search"
                        inputmode="search"
                        autocomplete="off"
                        placeholder="Account number, user ID, Reference Number, name, email, invoice or last 4 digits"
                        value=q
                        on:input=on_input
                        aria-controls="search-suggestions"
                        aria-invalid=move || field_error().is_some().to_string() autofocus=move || field_error().is_some()
                        aria-describedby="search-q-error"
                    />
                    <button type="submit" class="btn btn-search" aria-label="Search">
                        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
                            <circle cx="10.5" cy="10.5" r="6.5" fill="none" stroke="currentColor" stroke-width="2.5"/>
                            <line x1="15.5" y1="15.5" x2="21" y2="21" stroke="currentColor" stroke-width="2.5" stroke-linecap="round"/>
                        </svg>
                    </button>
                </div>
                <p class="field-error" id="search-q-error" aria-live="polite">{field_error}</p>
                <ul class="suggestions" id="search-suggestions" aria-label="Suggestions" aria-live="polite">
                    {move || suggestions.get().unwrap_or_default().into_iter().map(|s| view! {
                        <li>
                            <a href=crate::routes::payer_support_account(&s.account_number)>
                                <span class="suggestion-name">{s.name}</span>
                                <span class="mono">{s.account_number.clone()}</span>
                                {s.email.map(|e| view! { <span class="muted small">{e}</span> })}
                            </a>
                        </li>
                    }).collect_view()}
                </ul>
            </Form>
            <Transition fallback=|| view! { <p class="muted">"Searching…"</p> }>
                {move || results.get().map(|r| match r {
                    None => view! {
                        <p class="muted intro">"Search by account number, user ID, Reference Number, name, email or invoice number to find a payer's accounts, bills and payments."</p>
                    }.into_any(),
                    Some(Ok(found)) => {
                        // An account number that is not there yet can be created here.
                        let create_for = (by() == SearchBy::AccountNumber.code() && found.accounts.is_empty())
                            .then(|| crate::domain::account::AccountNumber::parse(&q()).ok())
                            .flatten()
                            .map(|n| n.as_str().to_string());
                        // A User ID search is about one enrolled payer: their
                        // saved methods and plans come with the accounts.
                        let payer = (by() == SearchBy::UserId.code() && !found.accounts.is_empty())
                            .then(|| q().trim().to_string());
                        let enrolled = payer.clone();
                        view! {
                            {enrolled.map(|user_id| view! { <super::enrolled_user::EnrolledUserInfo user_id/> })}
                            <AccountsFound results=found create_for/>
                            {payer.map(|user_id| view! { <super::plans::PayerPanel user_id/> })}
                        }.into_any()
                    }
                    Some(Err(AppError::Invalid(_))) => ().into_any(),
                    Some(Err(e)) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </Layout>
    }
}

#[component]
fn AccountsFound(results: SearchResults, create_for: Option<String>) -> impl IntoView {
    let payments = results.payments.clone();
    let highlight = results.highlight.clone();
    let bills = results.bills.clone();
    view! {
        <AccountsTable results create_for/>
        <super::bills::BillsFound bills/>
        <PaymentsFound payments highlight/>
    }
}

#[component]
fn AccountsTable(results: SearchResults, create_for: Option<String>) -> impl IntoView {
    if results.accounts.is_empty() {
        return view! {
            <section class="panel" aria-labelledby="accounts-found">
                <h2 id="accounts-found">"Accounts Found"</h2>
                <p class="empty" role="status">"No accounts match that search. Check the number and the search type."</p>
            </section>
            {create_for.map(|number| view! { <super::accounts::CreateAccount number/> })}
        }
        .into_any();
    }
    view! {
        <section class="panel" aria-labelledby="accounts-found">
            <h2 id="accounts-found">"Accounts Found"</h2>
            <div class="table-wrap">
                <table class="data" id="accounts-table">
                    <caption class="sr-only">"Accounts Found"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Account Number"</th>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col" class="num">"Current Balance"</th>
                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {results.accounts.into_iter().map(|a| {
                            let locked = results.one_time_locked.contains(&a.account_number);
                            view! { <AccountRow account=a locked/> }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn AccountRow(account: AccountSummary, locked: bool) -> impl IntoView {
    let status_class = format!("badge badge-{}", account.status.code());
    let account_number = account.account_number.clone();
    view! {
        <tr>
            <td data-label="Account Number" class="mono">
                <a href=crate::routes::account(&account_number) aria-label=format!("Account details {account_number}")>{account_number.clone()}</a>
            </td>
            <td data-label="Name">{account.name}</td>
            <td data-label="Type">{account.account_type.label()}</td>
            <td data-label="Status"><span class=status_class>{account.status.label()}</span></td>
            <td data-label="Current Balance" class="num">{account.balance.to_string()}</td>
            <td class="row-actions">
                {if account.status == AccountStatus::Active {
                    view! {
                        <a class="btn btn-primary btn-small" href=crate::routes::make_payment(&account.account_number)
                           aria-label=format!("Make Payment on account {}", account.account_number)>
                            "Make Payment"
                        </a>
                        <a class="btn btn-secondary btn-small" href=crate::routes::setup(&account.account_number)
                           aria-label=format!("Set Up automatic payments on account {}", account.account_number)>
                            "Set Up"
                        </a>
                        <a class="btn btn-secondary btn-small" href=crate::routes::send_link(&account.account_number)
                           aria-label=format!("Send Payment Link for account {}", account.account_number)>
                            "Send Payment Link"
                        </a>
                    }.into_any()
                } else {
                    view! { <span class="muted small">"Inactive: no payments"</span> }.into_any()
                }}
                {locked.then(|| view! { <UnlockAccount account=account.account_number.clone()/> })}
            </td>
        </tr>
    }
}

#[component]
fn PaymentsFound(payments: Vec<PaymentSummary>, highlight: Option<String>) -> impl IntoView {
    let watch = StatusWatch::new(
        payments
            .iter()
            .map(|p| (p.reference.clone(), p.status))
            .collect(),
    );
    view! {
        <section class="panel" aria-labelledby="payments-found">
            <h2 id="payments-found">"Payments Found"</h2>
            {watch.live_region()}
            {if payments.is_empty() {
                view! { <p class="empty">"No payments on these accounts yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data" id="payments-table">
                            <caption class="sr-only">"Payments on these accounts"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Reference Number"</th>
                                    <th scope="col">"Date"</th>
                                    <th scope="col">"Account"</th>
                                    <th scope="col" class="num">"Amount"</th>
                                    <th scope="col">"Method"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col">"Entered By"</th>
                                    <th scope="col">"Action"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {payments.into_iter().map(|p| {
                                    let hit = highlight.as_deref() == Some(p.reference.as_str());
                                    let reference = p.reference.clone();
                                    let state = p.state();
                                    let offers = !state.offered().is_empty();
                                    let cancel_reverse = format!("{}#cancel-reverse", crate::routes::payment(&reference));
                                    view! {
                                        <tr class:highlight=hit aria-current=hit.then_some("true") data-reference=reference.clone()>
                                            <td data-label="Reference Number" class="mono">
                                                <a href=crate::routes::payment(&reference)>{reference.clone()}</a>
                                            </td>
                                            <td data-label="Date">
                                                {p.date}
                                                {p.scheduled_for.clone().filter(|_| p.status == crate::domain::payment::PaymentStatus::Scheduled).map(|d| view! { <span class="cell-note">"Scheduled for "{d}</span> })}
                                                {p.plan.clone().map(|plan| view! { <span class="cell-note">"From "{plan}</span> })}
                                            </td>
                                            <td data-label="Account" class="mono">{p.account_number}</td>
                                            <td data-label="Amount" class="num">{p.amount.to_string()}</td>
                                            <td data-label="Method">{p.method_label}</td>
                                            <td data-label="Status">
                                                {watch.badge(p.reference)}
                                                // The mark's meaning is written under it: a tooltip never
                                                // shows on touch, nor to a screen reader.
                                                {state.refund_note().map(|n| view! {
                                                    <span class="refund-mark" aria-hidden="true">"**"</span>
                                                    <span class="cell-note">{n}</span>
                                                })}
                                            </td>
                                            <td data-label="Entered By">{p.entered_by}</td>
                                            <td data-label="Action">
                                                {offers.then(|| view! { <a class="btn btn-secondary btn-small" href=cancel_reverse>"Cancel/Reverse"</a> })}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// Unlock Account: the payer's One Time Payment is locked after too many
/// tries that did not match (help center B7).
#[component]
fn UnlockAccount(account: String) -> impl IntoView {
    // Payer Support's, so its search runs again once the lock is gone.
    let action =
        use_context::<ServerAction<crate::api::payment_links::UnlockOneTime>>().unwrap_or_default();
    view! {
        <ActionForm action=action attr:class="inline-form">
            <input type="hidden" name="account" value=account.clone()/>
            <span class="badge badge-locked">"One Time Payment locked"</span>
            <button type="submit" class="btn btn-secondary btn-small"
                aria-label=format!("Unlock Account {account} for One Time Payment")>"Unlock Account"</button>
        </ActionForm>
        {move || action.value().get().and_then(|r| r.err()).map(|e| view! {
            <p class="form-alert" role="alert">{e.to_string()}</p>
        })}
    }
}
