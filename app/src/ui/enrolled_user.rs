//! Enrolled User Information (help center B2, B6, B7), at the top of an
//! enrolled payer's page: the User ID, the email (Edit), the enrollment
//! date, Locked with the Unlock/Lock toggle, Change Password (a temporary
//! password shown for a while and emailed), and the Activity log with a
//! filter per column. Every form posts without JavaScript too.

use super::forms::{ConfirmBox, FormAlert, field_errors, form_error};
use crate::api::payer_accounts::{
    ResetPayerPassword, SetPayerEmail, SetPayerLocked, load_enrolled_user,
};
use crate::domain::payer_account::{
    ALERT_CHANNELS, ALERT_KINDS, ALERT_STATES, EnrolledUser, PayerEvent,
};
use crate::error::FieldErrors;
use crate::routes;
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// Each log's filters, kept when the other log is filtered.
const ACTIVITY_FILTERS: &[&str] = &["at", "event", "detail"];
const ALERT_FILTERS: &[&str] = &["a_at", "a_kind", "a_channel", "a_address", "a_status"];

/// How long the temporary password stays on screen (help center B7: "a
/// few seconds"); Hide ends it sooner.
const SHOW_TEMPORARY_MS: u64 = 30_000;

#[component]
pub fn EnrolledUserInfo(user_id: String) -> impl IntoView {
    let lock = ServerAction::<SetPayerLocked>::new();
    let email = ServerAction::<SetPayerEmail>::new();
    let reset = ServerAction::<ResetPayerPassword>::new();
    let key = user_id.clone();
    // Keyed on the actions' versions: with JavaScript the page stays and
    // shows the payer as they are now.
    let data = Resource::new(
        move || {
            (
                key.clone(),
                lock.version().get(),
                email.version().get(),
                reset.version().get(),
            )
        },
        |(user, ..)| load_enrolled_user(user),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(v) => view! { <Details v lock email reset/> }.into_any(),
                // A payer page for a User ID with no enrollment row, or a
                // user without the entitlement: the rest of the page says so.
                Err(_) => ().into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Details(
    v: EnrolledUser,
    lock: ServerAction<SetPayerLocked>,
    email: ServerAction<SetPayerEmail>,
    reset: ServerAction<ResetPayerPassword>,
) -> impl IntoView {
    let query = use_query_map();
    let user = v.user_id.clone();
    let asking_reset = move || query.read().get("reset").as_deref() == Some("ask");
    let sent_to = move || query.read().get("reset_sent");
    let email_errors = Signal::derive(move || field_errors(email.value().get()));
    let email_alert = Signal::derive(move || form_error(email.value().get()));
    let lock_alert = Signal::derive(move || form_error(lock.value().get()));
    let reset_alert = Signal::derive(move || form_error(reset.value().get()));
    let typed_email = FieldErrors::typed(
        field_errors(email.value().get_untracked()).as_ref(),
        "email",
    )
    .unwrap_or_else(|| v.email.clone().unwrap_or_default());
    let page = routes::payer(&user);
    let ask_href = format!("{page}&reset=ask");
    let status = if v.locked {
        format!("true ({})", v.locked_note.clone().unwrap_or_default())
    } else {
        "false".to_string()
    };
    let password_note = if !v.has_password {
        Some("No password yet: enrolled by file. Change Password gives the first one.")
    } else if v.must_change_password {
        Some("Temporary password: the payer must change it at the next sign-in.")
    } else {
        None
    };
    let (user_a, user_b, user_c) = (user.clone(), user.clone(), user.clone());
    view! {
        <section class="panel" aria-labelledby="enrolled-user">
            <h2 id="enrolled-user">"Enrolled User Information"</h2>
            <TemporaryShown reset/>
            {move || sent_to().map(|to| view! {
                <p class="form-ok" role="status">{if to.is_empty() {
                    "A temporary password was set. There is no email address on record: turn on JavaScript to see it, or set an email and try again.".to_string()
                } else {
                    format!("A temporary password was emailed to {to}. The payer must change it at the next sign-in.")
                }}</p>
            })}
            <FormAlert message=reset_alert/>
            <FormAlert message=lock_alert/>
            <dl class="facts">
                <dt>"User ID"</dt><dd class="mono">{v.user_id.clone()}</dd>
                <dt>"Email"</dt>
                <dd>
                    {v.email.clone().unwrap_or_else(|| "none".into())}
                    <details class="inline-edit" open=email_errors.get_untracked().is_some()>
                        <summary>"Edit Email"</summary>
                        <ActionForm action=email>
                            <FormAlert message=email_alert/>
                            <input type="hidden" name="user_id" value=user_a/>
                            <div class="field">
                                <label for="eu-email">"Email"</label>
                                <input id="eu-email" name="email" type="email" value=typed_email autocomplete="off"
                                    aria-describedby="eu-email-error"
                                    aria-invalid=move || super::forms::message_for("email", email_errors).with(Option::is_some).to_string()/>
                                <super::forms::FieldMessage id="eu-email" message=super::forms::message_for("email", email_errors)/>
                            </div>
                            <button type="submit" class="btn btn-primary btn-small">"Save Email"</button>
                        </ActionForm>
                    </details>
                </dd>
                <dt>"Enrollment Date"</dt><dd>{v.enrolled_on.clone()}</dd>
                <dt>"Locked"</dt>
                <dd>
                    <span id="payer-locked">{status}</span>" "
                    <ActionForm action=lock attr:class="inline-form">
                        <input type="hidden" name="user_id" value=user_b/>
                        <input type="hidden" name="locked" value=(!v.locked).to_string()/>
                        <button type="submit" class="btn btn-secondary btn-small">{if v.locked { "Unlock" } else { "Lock" }}</button>
                    </ActionForm>
                </dd>
                <dt>"Password"</dt>
                <dd>
                    {password_note.unwrap_or("Set by the payer.")}" "
                    <a class="btn btn-secondary btn-small" href=ask_href>"Change Password"</a>
                </dd>
            </dl>
            {move || asking_reset().then(|| {
                let (user, keep) = (user_c.clone(), page.clone());
                view! {
                    <ConfirmBox id="confirm-reset" action="Change Password"
                        question="Set a temporary password for this payer? It is emailed to the address on record, ends the payer's sessions, and must be changed at the next sign-in."
                        keep_href=keep keep="Keep the password">
                        <ActionForm action=reset attr:class="inline-form">
                            <input type="hidden" name="user_id" value=user/>
                            <button type="submit" class="btn btn-danger" autofocus>"Send Temporary Password"</button>
                        </ActionForm>
                    </ConfirmBox>
                }
            })}
            <Log id="alerts" title="Alerts" noun="notices" user=user.clone() keep=ACTIVITY_FILTERS
                columns=vec![
                    column("Time", "a_at", vec![]),
                    column("Type", "a_kind", ALERT_KINDS.iter().map(|(_, l)| *l).collect()),
                    column("Channel", "a_channel", ALERT_CHANNELS.iter().map(|(_, l)| *l).collect()),
                    column("Address", "a_address", vec![]),
                    column("Status", "a_status", ALERT_STATES.iter().map(|(_, l)| *l).collect()),
                ]
                rows=v.alerts.into_iter().map(|a| vec![a.at, a.kind, a.channel, a.address, a.status]).collect()/>
            <Log id="activity" title="Activity" noun="events" user=user keep=ALERT_FILTERS
                columns=vec![
                    column("Time", "at", vec![]),
                    column("Event", "event", PayerEvent::ALL.iter().map(|e| e.label()).collect()),
                    column("By / From", "detail", vec![]),
                ]
                rows=v.activity.into_iter().map(|l| vec![l.at, l.event, l.detail]).collect()/>
        </section>
    }
}

/// With JavaScript: the temporary password, for `SHOW_TEMPORARY_MS`.
#[component]
fn TemporaryShown(reset: ServerAction<ResetPayerPassword>) -> impl IntoView {
    let shown = RwSignal::new(None::<(String, Option<String>)>);
    Effect::new(move |_| {
        if let Some(Ok(t)) = reset.value().get() {
            shown.set(Some((t.password, t.emailed_to)));
            set_timeout(
                move || shown.set(None),
                std::time::Duration::from_millis(SHOW_TEMPORARY_MS),
            );
        }
    });
    view! {
        {move || shown.get().map(|(password, to)| view! {
            <div class="form-ok temporary-password" role="status">
                <p>"Temporary password (shown for 30 seconds): "<strong class="mono" id="temporary-password">{password}</strong></p>
                <p>{match to {
                    Some(to) => format!("Emailed to {to}. The payer must change it at the next sign-in."),
                    None => "There is no email address on record (or it could not be sent): read it to the payer.".to_string(),
                }}</p>
                <button type="button" class="btn btn-secondary btn-small" on:click=move |_| shown.set(None)>"Hide"</button>
            </div>
        })}
    }
}

/// A column of a log: its heading, the address parameter of its filter,
/// and the values to choose from (a "contains" text filter when empty).
struct LogColumn {
    label: &'static str,
    param: &'static str,
    choices: Vec<&'static str>,
}

fn column(label: &'static str, param: &'static str, choices: Vec<&'static str>) -> LogColumn {
    LogColumn {
        label,
        param,
        choices,
    }
}

/// Whether `value` passes a column's filter `f`: the exact choice, or the
/// text anywhere in it, ignoring case.
fn passes(col: &LogColumn, f: &str, value: &str) -> bool {
    f.is_empty()
        || if col.choices.is_empty() {
            value.to_lowercase().contains(&f.to_lowercase())
        } else {
            value == f
        }
}

/// A log (Alerts, Activity) with a filter per column. The filters live in
/// the address, so they work without JavaScript and can be linked; the
/// other log's filters ride along unchanged.
#[component]
fn Log(
    id: &'static str,
    title: &'static str,
    noun: &'static str,
    user: String,
    columns: Vec<LogColumn>,
    rows: Vec<Vec<String>>,
    /// The other log's filter parameters, kept as they are.
    keep: &'static [&'static str],
) -> impl IntoView {
    let query = use_query_map();
    let filter = move |k: &str| query.read().get(k).unwrap_or_default();
    let total = rows.len();
    let columns = std::sync::Arc::new(columns);
    let cols = columns.clone();
    let shown = move || {
        let filters: Vec<String> = cols.iter().map(|c| filter(c.param)).collect();
        rows.iter()
            .filter(|r| {
                cols.iter()
                    .zip(&filters)
                    .zip(r.iter())
                    .all(|((c, f), v)| passes(c, f, v))
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    let heading = format!("{id}-heading");
    let heads: Vec<&'static str> = columns.iter().map(|c| c.label).collect();
    let labels = heads.clone();
    view! {
        <h3 id=heading.clone()>{title}</h3>
        <Form method="GET" action=routes::PAYER attr:class="filters column-filters" attr:aria-label=format!("Filter {title}")>
            <input type="hidden" name="user" value=user/>
            {keep.iter().filter_map(|k| {
                let v = filter(k);
                (!v.is_empty()).then(|| view! { <input type="hidden" name=*k value=v/> })
            }).collect_view()}
            {columns.iter().map(|c| {
                let dom = format!("{id}-f-{}", c.param);
                let current = filter(c.param);
                let input = if c.choices.is_empty() {
                    view! { <input id=dom.clone() name=c.param value=current/> }.into_any()
                } else {
                    view! {
                        <select id=dom.clone() name=c.param>
                            <option value="">"All"</option>
                            {c.choices.iter().map(|v| view! {
                                <option value=*v selected=current == *v>{*v}</option>
                            }).collect_view()}
                        </select>
                    }.into_any()
                };
                view! { <div class="field"><label for=dom>{c.label}</label>{input}</div> }
            }).collect_view()}
            <button type="submit" class="btn btn-secondary btn-small">"Filter"</button>
        </Form>
        {move || {
            let rows = shown();
            let count = rows.len();
            let labels = labels.clone();
            view! {
                <p class="muted" id=format!("{id}-count") aria-live="polite">{format!("{count} of {total} {noun}")}</p>
                <table class="data" id=format!("{id}-table") aria-labelledby=heading.clone()>
                    <thead><tr>{heads.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {rows.into_iter().map(|r| {
                            let labels = labels.clone();
                            view! {
                                <tr>{r.into_iter().zip(labels).map(|(v, l)| view! { <td data-label=l>{v}</td> }).collect_view()}</tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }
        }}
    }
}
