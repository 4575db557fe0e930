//! The payer site's enrolled side (help center P1, B7): Sign In, Register
//! Now, the payer's Change Password, and the
//! dashboard (accounts, balances, bills, Pay Now). Phone-first, in the
//! payer frame, every form posting without JavaScript too.

use super::forms::{FormAlert, TextField, field_errors, form_message};
use super::payer_site::PayerLayout;
use crate::api::payer_accounts::{PChangePassword, PPayNow, PRegister, PSignIn, PSignOut, p_home};
use crate::domain::payer_account::{CHALLENGE_QUESTIONS, PayerAccount, PayerHome};
use crate::error::FieldErrors;
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// What was typed into `f` before a refused submit (never a password).
pub(super) fn kept(errors: &Option<FieldErrors>, f: &str) -> String {
    FieldErrors::typed_or(errors.as_ref(), f, "")
}

/// `/p` and `/p/sign-in`: Sign In, Register Now, One Time Payment.
#[component]
pub fn PayerSignInPage() -> impl IntoView {
    let action = ServerAction::<PSignIn>::new();
    let errors = Signal::derive(move || field_errors(action.value().get()));
    let alert = form_message(action.value().into());
    let typed = field_errors(action.value().get_untracked());
    let query = use_query_map();
    let note = move || {
        let q = query.read();
        if q.get("signed_out").is_some() {
            Some("You signed out.")
        } else if q.get("reset").is_some() {
            Some("Your password was reset. Sign in with the new one.")
        } else if q.get("registered").is_some() {
            Some("You are registered. Sign in with your User ID and password.")
        } else if q.get("expired").is_some() {
            Some("For your security you were signed out. Sign in again.")
        } else {
            None
        }
    };
    view! {
        <Title text="Sign In"/>
        <PayerLayout>
            <h1>"Sign In"</h1>
            {move || note().map(|n| view! { <p class="form-ok" role="status">{n}</p> })}
            <ActionForm action=action>
                <FormAlert message=alert/>
                <TextField prefix="ps" name="user_id" label="User ID" value=kept(&typed, "user_id") errors
                    autocomplete="username"/>
                <TextField prefix="ps" name="password" label="Password" value=String::new() errors
                    kind="password" autocomplete="current-password"/>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Sign In"</button>
                </div>
            </ActionForm>
            <p><a href=routes::PAYER_FORGOT>"Forgot Password?"</a></p>
            <section class="payer-choices" aria-labelledby="payer-new">
                <h2 id="payer-new">"New here?"</h2>
                <p><a class="btn btn-secondary" href=routes::PAYER_REGISTER>"Register Now"</a></p>
                <p class="muted">"Registered payers see their bills, pay with saved methods and schedule payments."</p>
                <p><a href=routes::PAYER_ONE_TIME>"One Time Payment"</a>" — pay without registering."</p>
            </section>
        </PayerLayout>
    }
}

/// One challenge question and its answer.
#[component]
pub(super) fn Challenge(
    n: u8,
    chosen: String,
    errors: Signal<Option<FieldErrors>>,
) -> impl IntoView {
    let (q, a) = (
        if n == 1 { "question1" } else { "question2" },
        if n == 1 { "answer1" } else { "answer2" },
    );
    let id = format!("pr-{q}");
    let message = super::forms::message_for(q, errors);
    let invalid = move || message.with(Option::is_some).to_string();
    view! {
        <div class="field">
            <label for=id.clone()>{format!("Challenge Question {n}")}</label>
            <select id=id.clone() name=format!("form[{q}]") aria-invalid=invalid
                aria-describedby=format!("{id}-error")>
                <option value="" selected=chosen.is_empty()>"Choose a question"</option>
                {CHALLENGE_QUESTIONS.iter().map(|text| view! {
                    <option value=*text selected=chosen == *text>{*text}</option>
                }).collect_view()}
            </select>
            <super::forms::FieldMessage id=id message/>
        </div>
        <TextField prefix="pr" name=a label=if n == 1 { "Answer 1" } else { "Answer 2" } value=String::new() errors
            hint="Answers are case-sensitive."/>
    }
}

/// `/p/register`: Register Now.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = ServerAction::<PRegister>::new();
    let errors = Signal::derive(move || field_errors(action.value().get()));
    let alert = form_message(action.value().into());
    let typed = field_errors(action.value().get_untracked());
    view! {
        <Title text="Register Now"/>
        <PayerLayout>
            <h1>"Register Now"</h1>
            <p class="muted">"Enter the account number and the last name on your bill (or the business name), then choose how you will sign in."</p>
            <ActionForm action=action>
                <FormAlert message=alert/>
                <fieldset>
                    <legend>"Your account"</legend>
                    <TextField prefix="pr" name="account" label="Account Number" value=kept(&typed, "account") errors/>
                    <TextField prefix="pr" name="name" label="Last Name or Business Name" value=kept(&typed, "name") errors
                        autocomplete="family-name"/>
                    <TextField prefix="pr" name="email" label="Email" value=kept(&typed, "email") errors
                        kind="email" autocomplete="email"/>
                </fieldset>
                <fieldset>
                    <legend>"Sign-in"</legend>
                    <TextField prefix="pr" name="user_id" label="User ID" value=kept(&typed, "user_id") errors
                        autocomplete="username" hint="3 to 64 letters, digits and . _ - @"/>
                    <TextField prefix="pr" name="password" label="Password" value=String::new() errors
                        kind="password" autocomplete="new-password" hint="At least 12 characters, not your User ID."/>
                    <TextField prefix="pr" name="confirm" label="Confirm Password" value=String::new() errors
                        kind="password" autocomplete="new-password"/>
                </fieldset>
                <fieldset>
                    <legend>"Challenge questions"</legend>
                    <Challenge n=1 chosen=kept(&typed, "question1") errors/>
                    <Challenge n=2 chosen=kept(&typed, "question2") errors/>
                </fieldset>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Register"</button>
                </div>
            </ActionForm>
            <p><a href=routes::PAYER_SIGN_IN>"Back to Sign In"</a></p>
        </PayerLayout>
    }
}

/// `/p/change-password`: required after a temporary password.
#[component]
pub fn PayerChangePasswordPage() -> impl IntoView {
    let action = ServerAction::<PChangePassword>::new();
    let errors = Signal::derive(move || field_errors(action.value().get()));
    let alert = form_message(action.value().into());
    view! {
        <Title text="Change Password"/>
        <PayerLayout>
            <h1>"Change Password"</h1>
            <p class="muted">"If you were given a temporary password, enter it as the current password, then choose your own."</p>
            <ActionForm action=action>
                <FormAlert message=alert/>
                <TextField prefix="pc" name="current" label="Current Password" value=String::new() errors
                    kind="password" autocomplete="current-password"/>
                <TextField prefix="pc" name="new" label="New Password" value=String::new() errors
                    kind="password" autocomplete="new-password" hint="At least 12 characters, not your User ID."/>
                <TextField prefix="pc" name="confirm" label="Confirm New Password" value=String::new() errors
                    kind="password" autocomplete="new-password"/>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Change Password"</button>
                </div>
            </ActionForm>
            <SignOut/>
        </PayerLayout>
    }
}

#[component]
fn SignOut() -> impl IntoView {
    let action = ServerAction::<PSignOut>::new();
    view! {
        <ActionForm action=action attr:class="inline-form">
            <button type="submit" class="btn btn-secondary">"Sign Out"</button>
        </ActionForm>
    }
}

/// `/p/home`: the payer's accounts, balances and bills, with Pay Now.
#[component]
pub fn PayerHomePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| p_home());
    let query = use_query_map();
    let changed = move || query.read().get("password_changed").is_some();
    view! {
        <Title text="My Accounts"/>
        <PayerLayout>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    Ok(home) => view! { <Dashboard home changed=changed()/> }.into_any(),
                    Err(e) => view! {
                        <h1>"My Accounts"</h1>
                        <p class="form-alert" role="alert">{super::forms::error_text(&e)}</p>
                        <p><a href=routes::PAYER_SIGN_IN>"Sign In"</a></p>
                    }.into_any(),
                })}
            </Suspense>
        </PayerLayout>
    }
}

#[component]
fn Dashboard(home: PayerHome, changed: bool) -> impl IntoView {
    view! {
        <super::payer_activity::PayerNav/>
        <h1>"My Accounts"</h1>
        {changed.then(|| view! { <p class="form-ok" role="status">"Your password was changed."</p> })}
        <p class="muted">{format!("Signed in as {}.", home.user_id)}</p>
        {home.accounts.into_iter().map(|a| view! { <AccountPanel a/> }).collect_view()}
        <SignOut/>
    }
}

#[component]
fn AccountPanel(a: PayerAccount) -> impl IntoView {
    let action = ServerAction::<PPayNow>::new();
    let alert = form_message(action.value().into());
    let heading = format!("acct-{}", a.number);
    let heading_id = heading.clone();
    let number = a.number.clone();
    let pay_label = format!("Pay Now on account {}", a.number);
    let caption = format!("Bills on account {}", a.number);
    view! {
        <section class="panel" aria-labelledby=heading_id>
            <h2 id=heading>{format!("Account {}", a.number)}</h2>
            <p>{a.name.clone()}</p>
            <p class="balance">"Balance: "<strong>{a.balance.to_string()}</strong></p>
            {if a.active {
                view! {
                    <ActionForm action=action attr:class="inline-form">
                        <FormAlert message=alert/>
                        <input type="hidden" name="account" value=number/>
                        <button type="submit" class="btn btn-primary"
                            aria-label=pay_label>"Pay Now"</button>
                    </ActionForm>
                }.into_any()
            } else {
                view! { <p class="muted">"This account takes no online payments. Call us for help."</p> }.into_any()
            }}
            {(!a.bills.is_empty()).then(|| view! {
                <table class="data">
                    <caption>{caption}</caption>
                    <thead><tr><th scope="col">"Bill"</th><th scope="col">"Due"</th><th scope="col">"Amount"</th><th scope="col">"Status"</th></tr></thead>
                    <tbody>
                        {a.bills.iter().map(|b| view! {
                            <tr>
                                <td class="mono" data-label="Bill">{b.invoice_number.clone()}</td>
                                <td data-label="Due">{b.due_date.clone()}</td>
                                <td data-label="Amount">{b.amount_due.to_string()}</td>
                                <td data-label="Status">{b.status.label()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}
