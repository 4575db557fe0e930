//! `/p/profile`: the signed-in payer's Profile (help center section 5):
//! Email, Password, Challenge Questions, Alerts by email and text, and
//! Payment Methods (Add Credit Card, Add Bank Account, Delete after a
//! confirmation). Adding a method is a page, then its review, then Add,
//! as on the console; Register Now's next step uses the same pages.
//! Every form posts without JavaScript too.

use super::forms::{ConfirmBox, FormAlert, TextField, field_errors, form_message};
use super::payer_accounts::{Challenge, kept};
use super::payer_activity::PayerNav;
use super::payer_site::PayerLayout;
use super::plans::{MethodDetails, MethodInputs, method_alert};
use crate::api::payer_profile::{
    PAddMethod, PChangeAlerts, PChangeEmail, PChangeQuestions, PDeleteMethod, PReviewMethod,
    p_method_review, p_profile,
};
use crate::domain::payer_profile::PayerProfile;
use crate::domain::plan::SavedMethodLine;
use crate::error::FieldErrors;
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// What the page says after a change (`?email_changed=1`, ...).
const DONE: &[(&str, &str)] = &[
    ("email_changed", "Your email was changed."),
    (
        "questions_changed",
        "Your challenge questions were changed.",
    ),
    ("alerts_changed", "Your alert preferences were saved."),
    ("method_added", "The payment method was saved."),
    ("method_deleted", "The payment method was deleted."),
];

/// Add Credit Card / Add Bank Account's page, for `kind`, returning to
/// Register Now's next step when `next` says so.
fn add_method_href(kind: &str, next: Option<&str>) -> String {
    let mut href = format!("{}?kind={kind}", routes::PAYER_ADD_METHOD);
    if let Some(next) = next {
        href.push_str("&next=");
        href.push_str(next);
    }
    href
}

#[component]
pub fn PayerProfilePage() -> impl IntoView {
    let actions = Actions {
        email: ServerAction::new(),
        questions: ServerAction::new(),
        alerts: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let query = use_query_map();
    let done = move || {
        let q = query.read();
        DONE.iter()
            .find(|(k, _)| q.get(k).is_some())
            .map(|(_, text)| *text)
    };
    // Read again after each change, as the page is without JavaScript.
    let data = Resource::new(
        move || {
            (
                actions.email.version().get(),
                actions.questions.version().get(),
                actions.alerts.version().get(),
                actions.delete.version().get(),
            )
        },
        |_| p_profile(),
    );
    view! {
        <Title text="Profile"/>
        <PayerLayout>
            <PayerNav/>
            <h1>"Profile"</h1>
            {move || done().map(|d| view! { <p class="form-ok" role="status">{d}</p> })}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    Ok(p) => view! { <Profile p actions/> }.into_any(),
                    Err(e) => view! { <p class="form-alert" role="alert">{super::forms::error_text(&e)}</p> }.into_any(),
                })}
            </Suspense>
        </PayerLayout>
    }
}

/// The page's forms, kept by the page so that it reads the profile again
/// after each.
#[derive(Clone, Copy)]
struct Actions {
    email: ServerAction<PChangeEmail>,
    questions: ServerAction<PChangeQuestions>,
    alerts: ServerAction<PChangeAlerts>,
    delete: ServerAction<PDeleteMethod>,
}

#[component]
fn Profile(p: PayerProfile, actions: Actions) -> impl IntoView {
    let Actions {
        email: email_action,
        questions: questions_action,
        alerts: alerts_action,
        delete,
    } = actions;
    view! {
        <EmailSection email=p.email action=email_action/>
        <section class="panel" aria-labelledby="profile-password">
            <h2 id="profile-password">"Password"</h2>
            <p><a class="btn btn-secondary" href=routes::PAYER_CHANGE_PASSWORD>"Change Password"</a></p>
        </section>
        <QuestionsSection questions=p.questions action=questions_action/>
        <AlertsSection alerts=p.alerts action=alerts_action/>
        <MethodsSection methods=p.methods delete/>
    }
}

#[component]
fn EmailSection(email: Option<String>, action: ServerAction<PChangeEmail>) -> impl IntoView {
    let errors = Signal::derive(move || field_errors(action.value().get()));
    let alert = form_message(action.value().into());
    let typed = field_errors(action.value().get_untracked());
    let start = FieldErrors::typed(typed.as_ref(), "email")
        .or_else(|| email.clone())
        .unwrap_or_default();
    view! {
        <section class="panel" aria-labelledby="profile-email">
            <h2 id="profile-email">"Email"</h2>
            <p class="muted">"Receipts, notices and Forgot Password's link go here."</p>
            <ActionForm action=action>
                <FormAlert message=alert/>
                <TextField prefix="pe" name="email" label="Email" value=start errors kind="email" autocomplete="email"/>
                <TextField prefix="pe" name="current" label="Current Password" value=String::new() errors
                    kind="password" autocomplete="current-password" hint="To confirm it is you."/>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Save Email"</button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn QuestionsSection(
    questions: [Option<String>; 2],
    action: ServerAction<PChangeQuestions>,
) -> impl IntoView {
    let errors = Signal::derive(move || field_errors(action.value().get()));
    let alert = form_message(action.value().into());
    let typed = field_errors(action.value().get_untracked());
    let [q1, q2] = questions;
    let chosen = |n: &str, now: Option<String>| {
        let k = kept(&typed, n);
        if k.is_empty() {
            now.unwrap_or_default()
        } else {
            k
        }
    };
    let (q1, q2) = (chosen("question1", q1), chosen("question2", q2));
    view! {
        <section class="panel" aria-labelledby="profile-questions">
            <h2 id="profile-questions">"Challenge Questions"</h2>
            <p class="muted">"Forgot Password asks them. Enter both answers again to change either question."</p>
            <ActionForm action=action>
                <FormAlert message=alert/>
                <Challenge n=1 chosen=q1 errors/>
                <Challenge n=2 chosen=q2 errors/>
                <TextField prefix="pq" name="current" label="Current Password" value=String::new() errors
                    kind="password" autocomplete="current-password" hint="To confirm it is you."/>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Save Questions"</button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn AlertsSection(
    alerts: crate::domain::payer_profile::Alerts,
    action: ServerAction<PChangeAlerts>,
) -> impl IntoView {
    let errors = Signal::derive(move || field_errors(action.value().get()));
    let alert = form_message(action.value().into());
    let typed = field_errors(action.value().get_untracked());
    let mobile = FieldErrors::typed(typed.as_ref(), "mobile")
        .or_else(|| alerts.mobile.as_ref().map(|m| m.national()))
        .unwrap_or_default();
    // After a refusal, the boxes as they were ticked.
    let ticked = |f: &str, stored: bool| FieldErrors::ticked_or(typed.as_ref(), f, stored);
    let (by_email, by_text) = (
        ticked("email_alerts", alerts.email),
        ticked("text_alerts", alerts.text),
    );
    view! {
        <section class="panel" aria-labelledby="profile-alerts">
            <h2 id="profile-alerts">"Alerts"</h2>
            <ActionForm action=action>
                <FormAlert message=alert/>
                <fieldset>
                    <legend>"Send me notices of my payments and automatic payments"</legend>
                    <label class="check">
                        <input type="checkbox" name="form[email_alerts]" value="on" checked=by_email/>
                        <span>"By email"</span>
                    </label>
                    <label class="check">
                        <input type="checkbox" name="form[text_alerts]" value="on" checked=by_text/>
                        <span>"By text message"</span>
                    </label>
                </fieldset>
                <p class="muted small">"A payment's receipt always goes to the email given with that payment."</p>
                <TextField prefix="pa" name="mobile" label="Mobile Number" value=mobile errors
                    kind="tel" autocomplete="tel-national" hint="For text alerts: 10 digits, like 555-201-0147."/>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Save Alerts"</button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn MethodsSection(
    methods: Vec<SavedMethodLine>,
    delete: ServerAction<PDeleteMethod>,
) -> impl IntoView {
    let alert = form_message(delete.value().into());
    // Delete asks first (WCAG 3.3.4): `?delete=ID` shows the confirmation,
    // a link so that it works without JavaScript.
    let query = use_query_map();
    let asked = Memo::new(move |_| query.read().get("delete"));
    view! {
        <section class="panel" aria-labelledby="profile-methods">
            <h2 id="profile-methods">"Payment Methods"</h2>
            <FormAlert message=alert/>
            {if methods.is_empty() {
                view! { <p class="muted">"You have no saved payment methods."</p> }.into_any()
            } else {
                view! {
                    <ul class="method-list">
                        {methods.into_iter().map(|m| {
                            let id = m.id.to_string();
                            let label = m.label.clone();
                            let held = (!m.held_by.is_empty()).then(|| format!(
                                "Pays automatic payment {}",
                                m.held_by.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
                            ));
                            let asking = {
                                let id = id.clone();
                                move || asked.get().as_deref() == Some(id.as_str())
                            };
                            view! {
                                <li class="method-line">
                                    <span class="method-label">{label.clone()}</span>
                                    <span class="muted small">{m.detail}</span>
                                    {m.expired.then(|| view! { <span class="badge badge-declined">"Expired"</span> })}
                                    {held.map(|h| view! { <span class="muted small">{h}</span> })}
                                    {move || if asking() {
                                        let (id, label) = (id.clone(), label.clone());
                                        view! {
                                            <ConfirmBox id=format!("confirm-delete-{id}") action=format!("Delete {label}")
                                                question=format!("Delete {label}? It can't be undone.")
                                                keep_href=routes::PAYER_PROFILE keep="Keep It">
                                                <ActionForm action=delete attr:class="inline-form">
                                                    <input type="hidden" name="method" value=id/>
                                                    <button type="submit" class="btn btn-danger" autofocus>"Yes, Delete"</button>
                                                </ActionForm>
                                            </ConfirmBox>
                                        }.into_any()
                                    } else {
                                        view! {
                                            <a class="btn btn-secondary btn-small" href=format!("{}?delete={}", routes::PAYER_PROFILE, id)
                                                aria-label=format!("Delete {label}")>"Delete"</a>
                                        }.into_any()
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <div class="actions">
                <a class="btn btn-secondary" href=add_method_href("card", None)>"Add Credit Card"</a>
                <a class="btn btn-secondary" href=add_method_href("bank", None)>"Add Bank Account"</a>
            </div>
        </section>
    }
}

/// `?next=registered`: the step after Register Now.
fn next_param() -> Option<String> {
    use_query_map()
        .read_untracked()
        .get("next")
        .filter(|n| n == "registered")
}

fn back_href(next: Option<&str>) -> &'static str {
    if next.is_some() {
        routes::PAYER_REGISTERED
    } else {
        routes::PAYER_PROFILE
    }
}

/// `/p/profile/add-method?kind=card|bank`: the method's form.
#[component]
pub fn PayerAddMethodPage() -> impl IntoView {
    let kind = match use_query_map().read_untracked().get("kind").as_deref() {
        Some("bank") => "bank",
        _ => "card",
    };
    let next = next_param();
    let action = ServerAction::<PReviewMethod>::new();
    let errors = Signal::derive(move || field_errors(action.value().get()));
    let alert = method_alert(action.value().into());
    let kept = field_errors(action.value().get_untracked());
    let title = if kind == "card" {
        "Add Credit Card"
    } else {
        "Add Bank Account"
    };
    view! {
        <Title text=title/>
        <PayerLayout>
            <h1>{title}</h1>
            <p class="muted">"You review it before it is saved."</p>
            <ActionForm action=action>
                {next.clone().map(|n| view! { <input type="hidden" name="next" value=n/> })}
                <FormAlert message=alert/>
                <MethodInputs kind errors kept/>
                <div class="actions">
                    <a class="btn btn-secondary" href=back_href(next.as_deref())>"Cancel"</a>
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Continue"</button>
                </div>
            </ActionForm>
        </PayerLayout>
    }
}

/// `/p/profile/method-review?r=…`: the review, then Add.
#[component]
pub fn PayerMethodReviewPage() -> impl IntoView {
    let query = use_query_map();
    let sealed = move || query.read().get("r").unwrap_or_default();
    let next = next_param();
    let data = Resource::new(sealed, p_method_review);
    let action = ServerAction::<PAddMethod>::new();
    let alert = form_message(action.value().into());
    view! {
        <Title text="Review Payment Method"/>
        <PayerLayout>
            <h1>"Review Payment Method"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    Ok(v) => {
                        let button = if v.card { "Add Credit Card" } else { "Add Bank Account" };
                        let back = add_method_href(if v.card { "card" } else { "bank" }, next.as_deref());
                        let next = next.clone();
                        view! {
                            <MethodDetails v/>
                            <ActionForm action=action>
                                <FormAlert message=alert/>
                                <input type="hidden" name="r" value=sealed()/>
                                {next.map(|n| view! { <input type="hidden" name="next" value=n/> })}
                                <div class="actions">
                                    <a class="btn btn-secondary" href=back>"Back"</a>
                                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>{button}</button>
                                </div>
                            </ActionForm>
                        }.into_any()
                    }
                    Err(e) => view! {
                        <p class="form-alert" role="alert">{super::forms::error_text(&e)}</p>
                        <p><a href=routes::PAYER_PROFILE>"Back to Profile"</a></p>
                    }.into_any(),
                })}
            </Suspense>
        </PayerLayout>
    }
}

/// `/p/registered`: after Register Now (the payer is signed in), save a
/// card or bank account, or Skip to Login.
#[component]
pub fn RegisteredPage() -> impl IntoView {
    let saved = use_query_map()
        .read_untracked()
        .get("method_added")
        .is_some();
    view! {
        <Title text="Registered"/>
        <PayerLayout>
            <h1>"You are registered"</h1>
            {saved.then(|| view! { <p class="form-ok" role="status">"The payment method was saved. Add another, or continue."</p> })}
            <p>"Save a card or bank account now to pay faster, or skip this step. You can add one later on Profile."</p>
            <div class="actions">
                <a class="btn btn-secondary" href=add_method_href("card", Some("registered"))>"Add Credit Card"</a>
                <a class="btn btn-secondary" href=add_method_href("bank", Some("registered"))>"Add Bank Account"</a>
            </div>
            <p><a class="btn btn-primary" href=routes::PAYER_HOME>{if saved { "Continue" } else { "Skip to Login" }}</a></p>
        </PayerLayout>
    }
}
