//! Payer Support: find a payer's accounts by account number or user ID.

use super::Layout;
use crate::api::accounts::search_accounts;
use crate::domain::payer_support::{AccountSummary, SearchBy, SearchResults};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn PayerSupportPage() -> impl IntoView {
    let query = use_query_map();
    // The query lives in the URL, so back, refresh and bookmarks all work.
    let by = move || query.read().get("by").unwrap_or_else(|| SearchBy::AccountNumber.code().to_string());
    let q = move || query.read().get("q").unwrap_or_default();
    let results = Resource::new(
        move || (by(), q()),
        |(by, q)| async move {
            if q.trim().is_empty() { None } else { Some(search_accounts(by, q).await) }
        },
    );
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
                    <select id="search-by" name="by">
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
                        placeholder="Account number or user ID"
                        value=q
                        aria-invalid=move || field_error().is_some().to_string()
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
            </Form>
            <Transition fallback=|| view! { <p class="muted">"Searching…"</p> }>
                {move || results.get().map(|r| match r {
                    None => view! {
                        <p class="muted intro">"Search by account number or user ID to find a payer's accounts."</p>
                    }.into_any(),
                    Some(Ok(found)) => view! { <AccountsFound results=found/> }.into_any(),
                    Some(Err(AppError::Invalid(_))) => ().into_any(),
                    Some(Err(e)) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </Layout>
    }
}

#[component]
fn AccountsFound(results: SearchResults) -> impl IntoView {
    if results.accounts.is_empty() {
        return view! {
            <section class="panel" aria-labelledby="accounts-found">
                <h2 id="accounts-found">"Accounts Found"</h2>
                <p class="empty" role="status">"No accounts match that search. Check the number and the search type."</p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="panel" aria-labelledby="accounts-found">
            <h2 id="accounts-found">"Accounts Found"</h2>
            <div class="table-wrap">
                <table class="data">
                    <thead>
                        <tr>
                            <th scope="col">"Account Number"</th>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col" class="num">"Current Balance"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {results.accounts.into_iter().map(|a| view! { <AccountRow account=a/> }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn AccountRow(account: AccountSummary) -> impl IntoView {
    let status_class = format!("badge badge-{}", account.status.code());
    view! {
        <tr>
            <td data-label="Account Number" class="mono">{account.account_number}</td>
            <td data-label="Name">{account.name}</td>
            <td data-label="Type">{account.account_type.label()}</td>
            <td data-label="Status"><span class=status_class>{account.status.label()}</span></td>
            <td data-label="Current Balance" class="num">{account.balance.to_string()}</td>
        </tr>
    }
}
