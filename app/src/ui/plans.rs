//! Automatic payments, in the help center's words: the payer's Saved
//! Payment Methods (Add Credit Card, Add Bank Account, Delete), Set Up
//! (Recurring Payments, Bill-Triggered Payments) with its confirmation
//! page, and Scheduled Recurring Payments with Cancel. Every form posts
//! without JavaScript too.

use super::Layout;
use super::forms::{ConfirmBox, FormAlert, field_errors, form_error};
use super::make_payment::{AccountCard, BankFields, CardFields, Field, Message};
use crate::api::plans::{
    AddSavedMethod, CancelPlan, ConfirmPlan, DeleteSavedMethod, ReviewSavedMethod, SetupPlan,
    load_payer, load_saved_method_review, load_setup, review_plan,
};
use crate::domain::bank::BankAccountKind;
use crate::domain::calendar::Frequency;
use crate::domain::plan::{
    AmountRule, BillAmount, MAX_DAYS_BEFORE, MethodReview, PayerView, PlanKind, PlanReview,
    PlanStatus, PlanView, SetUpContext,
};
use crate::error::{AppError, FieldErrors};
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

const RULE_NOTE: &str =
    "A plan's payment method and limit can't be changed: cancel the plan and set up a new one.";

fn loading() -> impl IntoView {
    view! { <p class="muted">"Loading…"</p> }
}

fn load_error(title: &'static str, e: AppError) -> AnyView {
    view! {
        <h1>{title}</h1>
        <p class="form-alert" role="alert">{e.to_string()}</p>
        <p><a href=routes::PAYER_SUPPORT>"Back to Payer Support"</a></p>
    }
    .into_any()
}

/// An enrolled payer's page (Payer Support → search by User ID → the payer).
#[component]
pub fn PayerPage() -> impl IntoView {
    let query = use_query_map();
    let user = move || query.read().get("user").unwrap_or_default();
    let data = Resource::new(user, load_payer);
    let delete = ServerAction::<DeleteSavedMethod>::new();
    let cancel = ServerAction::<CancelPlan>::new();
    // With JavaScript the page stays: it shows the payer as they are now.
    // Without, the redirect reloads it.
    Effect::new(move |_| {
        if matches!(delete.value().get(), Some(Ok(_)))
            || matches!(cancel.value().get(), Some(Ok(_)))
        {
            data.refetch();
        }
    });
    view! {
        <Title text=move || format!("Payer {}", user())/>
        <Layout>
            <Suspense fallback=loading>
                {move || data.get().map(|r| match r {
                    Ok(v) => view! { <PayerDetails v delete cancel added=Callback::new(move |_| data.refetch())/> }.into_any(),
                    Err(e) => load_error("Payer", e),
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn PayerDetails(
    v: PayerView,
    delete: ServerAction<DeleteSavedMethod>,
    cancel: ServerAction<CancelPlan>,
    added: Callback<()>,
) -> impl IntoView {
    let query = use_query_map();
    let set_up = query.read_untracked().get("plan");
    let cancel_asked = Memo::new(move |_| {
        query
            .read()
            .get("cancel")
            .and_then(|c| c.parse::<i64>().ok())
    });
    let user_id = v.user_id.clone();
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href=routes::PAYER_SUPPORT>"Payer Support"</a>" › Payer "{user_id.clone()}
        </nav>
        <h1>"Payer "<span class="mono">{user_id.clone()}</span></h1>
        <super::enrolled_user::EnrolledUserInfo user_id=user_id.clone()/>
        {set_up.map(|id| view! {
            <p class="form-ok" role="status">{format!("Plan {id} was set up. Its payments are listed below and in Payments Found.")}</p>
        })}
        <section class="panel" aria-labelledby="payer-accounts">
            <h2 id="payer-accounts">"Accounts"</h2>
            <ul class="plain-list">
                {v.accounts.iter().map(|(number, name)| view! {
                    <li>
                        <a class="mono" href=routes::payer_support_account(number)>{number.clone()}</a>" · "{name.clone()}
                        " "<a class="btn btn-secondary btn-small" href=routes::setup(number)
                              aria-label=format!("Set Up automatic payments on account {number}")>"Set Up"</a>
                    </li>
                }).collect_view()}
            </ul>
        </section>
        <SavedMethods v=v.clone() delete added/>
        <ScheduledPlans user_id=user_id plans=v.plans cancel_asked cancel/>
    }
}

/// The payer's saved methods on Payer Support (a User ID search), with a
/// link to their Scheduled Recurring Payments.
#[component]
pub fn PayerPanel(user_id: String) -> impl IntoView {
    let data = Resource::new(move || user_id.clone(), load_payer);
    let delete = ServerAction::<DeleteSavedMethod>::new();
    Effect::new(move |_| {
        if matches!(delete.value().get(), Some(Ok(_))) {
            data.refetch();
        }
    });
    view! {
        <Suspense fallback=loading>
            {move || data.get().map(|r| match r {
                Ok(v) => {
                    let href = routes::payer(&v.user_id);
                    let plans = v.plans.iter().filter(|p| p.status == PlanStatus::Active).count();
                    view! {
                        <SavedMethods v delete added=Callback::new(move |_| data.refetch())/>
                        <p><a href=href>{format!("Scheduled Recurring Payments ({plans} active)")}</a></p>
                    }.into_any()
                }
                Err(_) => ().into_any(),
            })}
        </Suspense>
    }
}

/// Saved Payment Methods: each with Delete (refused, naming the plan,
/// while a plan uses it), and Add Credit Card / Add Bank Account.
#[component]
pub fn SavedMethods(
    v: PayerView,
    delete: ServerAction<DeleteSavedMethod>,
    /// After a method was added in the pop-up: show the payer again.
    added: Callback<()>,
) -> impl IntoView {
    let alert = Signal::derive(move || form_error(delete.value().get()));
    let user_id = v.user_id.clone();
    // Delete asks first (WCAG 3.3.4): `?delete=ID` on this same page shows
    // the confirmation; Keep is the page without it. A link, so that it
    // works without JavaScript.
    let query = use_query_map();
    let pathname = leptos_router::hooks::use_location().pathname;
    let delete_asked = Memo::new(move |_| query.read().get("delete"));
    let here = move |asking: Option<&str>| {
        let mut q = query.get_untracked();
        q.remove("delete");
        if let Some(id) = asking {
            q.insert("delete", id.to_string());
        }
        // No `#fragment`: a page opened at one skips `autofocus`, and the
        // confirming button is to have the focus (it scrolls into view).
        format!("{}{}", pathname.get_untracked(), q.to_query_string())
    };
    // With JavaScript, Add opens the form in a pop-up over this page;
    // without, the links lead to the same form as a page.
    let adding = RwSignal::new(None::<&'static str>);
    let open = move |kind: &'static str| {
        move |ev: leptos::ev::MouseEvent| {
            ev.prevent_default();
            adding.set(Some(kind));
        }
    };
    let dialog_user = user_id.clone();
    view! {
        <section class="panel" aria-labelledby="saved-methods">
            <h2 id="saved-methods">"Saved Payment Methods"</h2>
            <FormAlert message=alert/>
            {if v.methods.is_empty() {
                view! { <p class="empty">"This payer has no saved payment methods."</p> }.into_any()
            } else {
                view! {
                    <ul class="method-list">
                        {v.methods.into_iter().map(|m| {
                            let user_id = user_id.clone();
                            let label = m.label.clone();
                            let id = m.id.to_string();
                            let asking = {
                                let id = id.clone();
                                move || delete_asked.get().as_deref() == Some(id.as_str())
                            };
                            let held = (!m.held_by.is_empty()).then(|| format!(
                                "Used by {}",
                                m.held_by.iter().map(|p| format!("plan {p}")).collect::<Vec<_>>().join(", ")
                            ));
                            view! {
                                <li class="method-line">
                                    <span class="method-label">{label.clone()}</span>
                                    <span class="muted small">{m.detail}</span>
                                    {m.expired.then(|| view! { <span class="badge badge-declined">"Expired"</span> })}
                                    {held.map(|h| view! { <span class="muted small">{h}</span> })}
                                    {
                                        let (id, label) = (id.clone(), label.clone());
                                        move || if asking() {
                                            let (user_id, method) = (user_id.clone(), id.clone());
                                            view! {
                                                <ConfirmBox id=format!("confirm-delete-{id}") action=format!("Delete {label}") question=format!("Delete {label}? It can't be undone.")
                                                    keep_href=here(None) keep="Keep It">
                                                    <ActionForm action=delete attr:class="inline-form">
                                                        <input type="hidden" name="payer" value=user_id/>
                                                        <input type="hidden" name="method" value=method/>
                                                        <button type="submit" class="btn btn-danger" autofocus>"Yes, Delete"</button>
                                                    </ActionForm>
                                                </ConfirmBox>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <a class="btn btn-icon" href=here(Some(&id)) aria-label=format!("Delete {label}") title="Delete">
                                                    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                                                        <path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>
                                                    </svg>
                                                </a>
                                            }.into_any()
                                        }
                                    }
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <div class="actions">
                <a class="btn btn-secondary" id="add-method-card" href=routes::add_method(&user_id, "card") on:click=open("card")>"Add Credit Card"</a>
                <a class="btn btn-secondary" id="add-method-bank" href=routes::add_method(&user_id, "bank") on:click=open("bank")>"Add Bank Account"</a>
            </div>
            {move || adding.get().map(|kind| view! {
                <AddMethodDialog user=dialog_user.clone() kind added close=Callback::new(move |_| {
                    adding.set(None);
                    // Back to the button that opened it (the dialog is
                    // removed, not closed, so the browser would not).
                    super::focus::element(if kind == "card" { "#add-method-card" } else { "#add-method-bank" });
                })/>
            })}
        </section>
    }
}

/// Scheduled Recurring Payments: each plan, its next date, its history and
/// its Cancel (with a confirmation step).
#[component]
fn ScheduledPlans(
    user_id: String,
    plans: Vec<PlanView>,
    cancel_asked: Memo<Option<i64>>,
    cancel: ServerAction<CancelPlan>,
) -> impl IntoView {
    let alert = Signal::derive(move || form_error(cancel.value().get()));
    let done = Signal::derive(move || cancel.value().get().and_then(|r| r.ok()));
    view! {
        <section class="panel" aria-labelledby="scheduled-plans">
            <h2 id="scheduled-plans">"Scheduled Recurring Payments"</h2>
            <p class="muted small">{RULE_NOTE}</p>
            <FormAlert message=alert/>
            <p class="form-ok" role="status" hidden=move || done.get().is_none()>{move || done.get()}</p>
            {if plans.is_empty() {
                view! { <p class="empty">"No automatic payments are set up for this payer."</p> }.into_any()
            } else {
                plans.into_iter().map(|p| {
                    let id = p.id;
                    let asking = Signal::derive(move || cancel_asked.get() == Some(id));
                    view! { <PlanCard p user_id=user_id.clone() asking cancel/> }
                }).collect_view().into_any()
            }}
        </section>
    }
}

#[component]
fn PlanCard(
    p: PlanView,
    user_id: String,
    asking: Signal<bool>,
    cancel: ServerAction<CancelPlan>,
) -> impl IntoView {
    let cancel_label = match p.kind {
        PlanKind::Recurring => "Cancel Recurring Payment",
        PlanKind::BillTriggered => "Cancel Bill-Triggered Payment",
    };
    let heading_id = format!("plan-{}", p.id);
    let heading_ref = heading_id.clone();
    let keep_href = routes::payer(&user_id);
    // No `#plan-N`: a page opened at a fragment skips `autofocus`, and the
    // confirming button (which `autofocus` scrolls into view) is to have it.
    let ask_href = format!("{}&cancel={}", routes::payer(&user_id), p.id);
    let status_class = format!("badge badge-plan-{}", p.status.code());
    view! {
        <article class="plan-card" aria-labelledby=heading_ref data-plan=p.id>
            <h3 id=heading_id>{format!("{} · plan {}", p.kind.label(), p.id)}" "<span class=status_class>{p.status.label()}</span></h3>
            <dl class="review compact">
                <div><dt>"Account"</dt><dd class="mono">{p.account_number.clone()}</dd></div>
                <div><dt>"Plan"</dt><dd>{p.description.clone()}</dd></div>
                <div><dt>"Payment Method"</dt><dd>{p.method_label.clone()}</dd></div>
                {p.next.clone().map(|(date, runs)| view! {
                    <div><dt>"Next Payment"</dt><dd class="next-payment">{if date == runs { date } else { format!("{date} (runs {runs}, the banking day before)") }}</dd></div>
                })}
                {p.end_reason.clone().map(|r| view! { <div><dt>"Ended"</dt><dd>{r}</dd></div> })}
            </dl>
            {p.warning.clone().map(|w| view! { <p class="form-alert warning">{w}</p> })}
            {(!p.history.is_empty()).then(|| view! {
                <div class="table-wrap">
                    <table class="data compact">
                        <caption class="sr-only">{format!("Payments of plan {}", p.id)}</caption>
                        <thead><tr>
                            <th scope="col">"Date"</th><th scope="col">"Runs"</th><th scope="col">"Reference Number"</th>
                            <th scope="col" class="num">"Amount"</th><th scope="col">"Status"</th><th scope="col">"Note"</th>
                        </tr></thead>
                        <tbody>
                            {p.history.iter().map(|o| view! {
                                <tr>
                                    <td data-label="Date">{o.due_date.clone()}</td>
                                    <td data-label="Runs">{o.run_date.clone()}</td>
                                    <td data-label="Reference Number" class="mono">{o.reference.clone().map(|r| view! { <a href=routes::payment(&r)>{r.clone()}</a> })}</td>
                                    <td data-label="Amount" class="num">{o.amount.map(|a| a.to_string())}</td>
                                    <td data-label="Status">{o.status.clone()}</td>
                                    <td data-label="Note">{o.note.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
            {
                let (id, active) = (p.id, p.status == PlanStatus::Active);
                move || if !active {
                    ().into_any()
                } else if asking.get() {
                    let (user_id, keep_href) = (user_id.clone(), keep_href.clone());
                    view! {
                        <ConfirmBox id=format!("confirm-cancel-{id}") action=cancel_label question=format!("Cancel plan {id}? Its scheduled payments are cancelled too. This can't be undone.")
                            keep_href=keep_href keep="Keep the Plan">
                            <ActionForm action=cancel attr:class="inline-form">
                                <input type="hidden" name="plan" value=id/>
                                <input type="hidden" name="payer" value=user_id/>
                                <button type="submit" class="btn btn-danger" autofocus>{cancel_label}</button>
                            </ActionForm>
                        </ConfirmBox>
                    }.into_any()
                } else {
                    view! { <a class="btn btn-secondary" href=ask_href.clone()>{cancel_label}</a> }.into_any()
                }
            }
        </article>
    }
}

fn method_title(kind: &str) -> &'static str {
    if kind == "card" {
        "Add Credit Card"
    } else {
        "Add Bank Account"
    }
}

/// Add Credit Card / Add Bank Account as a page: without JavaScript, or
/// opened by its address.
#[component]
pub fn AddMethodPage() -> impl IntoView {
    let query = use_query_map();
    let user = query.read_untracked().get("user").unwrap_or_default();
    let kind = match query.read_untracked().get("kind").as_deref() {
        Some("bank") => "bank",
        _ => "card",
    };
    let action = ServerAction::<ReviewSavedMethod>::new();
    let title = method_title(kind);
    view! {
        <Title text=title/>
        <Layout>
            <nav class="crumbs" aria-label="Breadcrumb">
                <a href=routes::PAYER_SUPPORT>"Payer Support"</a>" › "
                <a href=routes::payer(&user)>"Payer "{user.clone()}</a>" › "{title}
            </nav>
            <h1>{title}</h1>
            <MethodForm user kind action/>
        </Layout>
    }
}

/// The card or bank form of Add Credit Card / Add Bank Account, on its
/// page or in the pop-up (`close` given): Continue leads to the review.
#[component]
fn MethodForm(
    user: String,
    kind: &'static str,
    action: ServerAction<ReviewSavedMethod>,
    #[prop(optional)] close: Option<Callback<()>>,
) -> impl IntoView {
    let errors = Signal::derive(move || field_errors(action.value().get()));
    let alert = method_alert(action.value().into());
    let kept = field_errors(action.value().get_untracked());
    let cancel = match close {
        Some(close) => view! {
            <button type="button" class="btn btn-secondary" on:click=move |_| close.run(())>"Cancel"</button>
        }
        .into_any(),
        None => view! { <a class="btn btn-secondary" href=routes::payer(&user)>"Cancel"</a> }.into_any(),
    };
    view! {
        <p class="muted">"For payer "<span class="mono">{user.clone()}</span>". The same checks as Make Payment; you review it before it is saved."</p>
        <ActionForm action=action>
            <input type="hidden" name="payer" value=user.clone()/>
            {close.is_some().then(|| view! { <input type="hidden" name="stay" value="true"/> })}
            <FormAlert message=alert/>
            <MethodInputs kind errors kept/>
            <div class="actions">
                {cancel}
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Continue"</button>
            </div>
        </ActionForm>
    }
}

/// The alert above a method's form: the server's refusal, or a pointer to
/// the highlighted fields.
pub fn method_alert(value: Signal<Option<Result<String, AppError>>>) -> Signal<Option<String>> {
    Signal::derive(move || {
        form_error(value.get()).or_else(|| {
            field_errors(value.get()).map(|_| "Please correct the highlighted fields.".to_string())
        })
    })
}

/// The card or bank fields of Add Credit Card / Add Bank Account (the
/// console's and the payer site's), posted as `form[...]`. Without
/// JavaScript the page comes back with what was typed (`kept`; never the
/// card or account number).
#[component]
pub fn MethodInputs(
    kind: &'static str,
    errors: Signal<Option<FieldErrors>>,
    kept: Option<FieldErrors>,
) -> impl IntoView {
    let initial = move |f: &str| FieldErrors::typed_or(kept.as_ref(), f, "");
    let bank_kind = {
        let k = initial("bank_kind");
        if k.is_empty() {
            BankAccountKind::Checking.code().to_string()
        } else {
            k
        }
    };
    view! {
        <input type="hidden" name="form[account]" value=""/>
        <input type="hidden" name="form[method]" value=kind/>
        {if kind == "card" {
            view! {
                <CardFields class="method-fields-static" errors
                    name=initial("card_name") expiry=initial("card_expiry") zip=initial("card_zip")/>
            }.into_any()
        } else {
            view! {
                <BankFields class="method-fields-static" errors
                    holder=initial("bank_holder") routing=initial("bank_routing") kind=bank_kind/>
            }.into_any()
        }}
        <Message id="method" errors/>
    }
}

/// A method's review: who it is for, its label and details.
#[component]
pub fn MethodDetails(v: MethodReview) -> impl IntoView {
    view! {
        <dl class="review">
            <div><dt>"Payer"</dt><dd class="mono">{v.payer}</dd></div>
            <div><dt>"Payment Method"</dt><dd>{v.label}</dd></div>
            {v.details.into_iter().map(|(k, v)| view! { <div><dt>{k}</dt><dd>{v}</dd></div> }).collect_view()}
        </dl>
    }
}

/// The pop-up (a modal `<dialog>`) of Add Credit Card / Add Bank Account:
/// the form, then its review, then the method is saved and the payer's
/// list shown again. Escape or Cancel closes it; nothing is saved before
/// Add Credit Card / Add Bank Account on the review.
#[component]
fn AddMethodDialog(
    user: String,
    kind: &'static str,
    close: Callback<()>,
    added: Callback<()>,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move |_| {
        if let Some(d) = dialog.get()
            && !d.open()
        {
            let _ = d.show_modal();
        }
    });
    let review = ServerAction::<ReviewSavedMethod>::new();
    let add = ServerAction::<AddSavedMethod>::new();
    let sealed = Memo::new(move |_| review.value().get().and_then(|r| r.ok()));
    let shown = Resource::new(
        move || sealed.get(),
        |s| async move {
            match s {
                Some(s) => Some(load_saved_method_review(s).await),
                None => None,
            }
        },
    );
    Effect::new(move |_| {
        if matches!(add.value().get(), Some(Ok(_))) {
            close.run(());
            added.run(());
        }
    });
    let alert = Signal::derive(move || form_error(add.value().get()));
    let title = method_title(kind);
    view! {
        <dialog node_ref=dialog class="modal" aria-labelledby="add-method-title" on:close=move |_| close.run(())>
            <h2 id="add-method-title">{move || if sealed.get().is_some() { "Review Payment Method" } else { title }}</h2>
            <div hidden=move || sealed.get().is_some()>
                <MethodForm user=user.clone() kind action=review close/>
            </div>
            <Suspense fallback=loading>
                {move || shown.get().flatten().map(|r| match r {
                    Ok(v) => {
                        let button = if v.card { "Add Credit Card" } else { "Add Bank Account" };
                        view! {
                            <p class="muted">"Check it with the payer, then click "{button}"."</p>
                            <MethodDetails v/>
                            <ActionForm action=add>
                                <FormAlert message=alert/>
                                <input type="hidden" name="r" value=sealed.get_untracked().unwrap_or_default()/>
                                <input type="hidden" name="stay" value="true"/>
                                <div class="actions">
                                    <button type="button" class="btn btn-secondary" on:click=move |_| review.value().set(None)>"Back"</button>
                                    <button type="submit" class="btn btn-primary" disabled=move || add.pending().get()>{button}</button>
                                </div>
                            </ActionForm>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </dialog>
    }
}

/// The review of a method to add, then Add Credit Card / Add Bank Account.
#[component]
pub fn MethodReviewPage() -> impl IntoView {
    let query = use_query_map();
    let sealed = move || query.read().get("r").unwrap_or_default();
    let data = Resource::new(sealed, load_saved_method_review);
    let action = ServerAction::<AddSavedMethod>::new();
    let alert = Signal::derive(move || form_error(action.value().get()));
    view! {
        <Title text="Review Payment Method"/>
        <Layout>
            <Suspense fallback=loading>
                {move || data.get().map(|r| match r {
                    Ok(v) => {
                        let (user, card) = (v.payer.clone(), v.card);
                        let button = if card { "Add Credit Card" } else { "Add Bank Account" };
                        let back = routes::add_method(&user, if card { "card" } else { "bank" });
                        view! {
                            <nav class="crumbs" aria-label="Breadcrumb">
                                <a href=routes::PAYER_SUPPORT>"Payer Support"</a>" › "
                                <a href=routes::payer(&user)>"Payer "{user.clone()}</a>" › Review"
                            </nav>
                            <h1>"Review Payment Method"</h1>
                            <p class="muted">"Check it with the payer, then click "{button}"."</p>
                            <MethodDetails v/>
                            <ActionForm action=action>
                                <FormAlert message=alert/>
                                <input type="hidden" name="r" value=sealed()/>
                                <div class="actions">
                                    <a class="btn btn-secondary" href=back>"Back"</a>
                                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>{button}</button>
                                </div>
                            </ActionForm>
                        }.into_any()
                    }
                    Err(e) => load_error("Review Payment Method", e),
                })}
            </Suspense>
        </Layout>
    }
}

/// Set Up (Accounts Found → Set Up).
#[component]
pub fn SetUpPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let account = move || params.read().get("account").unwrap_or_default();
    let data = Resource::new(
        move || (account(), query.read().get("r")),
        |(account, r)| async move {
            let kept = match r {
                Some(r) => review_plan(r)
                    .await
                    .map(|v| v.form_values)
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            Ok::<_, AppError>((load_setup(account).await?, kept))
        },
    );
    view! {
        <Title text=move || format!("Set Up · Account {}", account())/>
        <Layout>
            <Suspense fallback=loading>
                {move || data.get().map(|r| match r {
                    Ok((ctx, kept)) => view! { <SetUpForm ctx kept/> }.into_any(),
                    Err(e) => load_error("Set Up", e),
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn SetUpForm(ctx: SetUpContext, kept: Vec<(String, String)>) -> impl IntoView {
    let query = use_query_map();
    let action = ServerAction::<SetupPlan>::new();
    let errors = Signal::derive(move || field_errors(action.value().get()));
    let alert = Signal::derive(move || {
        form_error(action.value().get()).or_else(|| {
            field_errors(action.value().get())
                .map(|_| "Please correct the highlighted fields.".to_string())
        })
    });
    let server_kept = field_errors(action.value().get_untracked());
    let asked_kind = query.read_untracked().get("kind");
    let first_method = ctx
        .payers
        .iter()
        .flat_map(|(_, ms)| ms.first())
        .next()
        .map(|(id, _)| format!("saved:{id}"))
        .unwrap_or_default();
    let defaults: Vec<(&str, String)> = vec![
        (
            "kind",
            asked_kind.unwrap_or_else(|| PlanKind::Recurring.code().to_string()),
        ),
        (
            "payer",
            ctx.payers
                .first()
                .map(|(u, _)| u.clone())
                .unwrap_or_default(),
        ),
        ("email", ctx.email.clone().unwrap_or_default()),
        ("amount_rule", AmountRule::Fixed.code().to_string()),
        ("frequency", Frequency::Monthly.code().to_string()),
        ("method", first_method),
        ("days_before", "3".to_string()),
        ("bill_amount", BillAmount::Full.code().to_string()),
    ];
    let initial = move |f: &str| -> String {
        FieldErrors::typed(server_kept.as_ref(), f)
            .or_else(|| kept.iter().find(|(k, _)| k == f).map(|(_, v)| v.clone()))
            .or_else(|| {
                defaults
                    .iter()
                    .find(|(k, _)| *k == f)
                    .map(|(_, v)| v.clone())
            })
            .unwrap_or_default()
    };
    let kind = PlanKind::from_code(&initial("kind")).unwrap_or(PlanKind::Recurring);
    let account = ctx.account_number.clone();
    let tab = |k: PlanKind| {
        let href = format!("{}?kind={}", routes::setup(&account), k.code());
        let current = k == kind;
        view! {
            <a class="tab" class:current=current aria-current=current.then_some("page") href=href>
                {match k { PlanKind::Recurring => "Recurring Payments", PlanKind::BillTriggered => "Bill-Triggered Payments" }}
            </a>
        }
    };
    let (method, payer, rule, frequency, pays) = (
        initial("method"),
        initial("payer"),
        initial("amount_rule"),
        initial("frequency"),
        initial("bill_amount"),
    );
    let no_methods = ctx.payers.iter().all(|(_, ms)| ms.is_empty());
    let button = match kind {
        PlanKind::Recurring => "Setup Recurring Payment",
        PlanKind::BillTriggered => "Setup Bill-Triggered Payment",
    };
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href=routes::payer_support_account(&ctx.account_number)>"Payer Support"</a>" › Set Up"
        </nav>
        <h1>"Set Up"</h1>
        <AccountCard account=ctx.account_number.clone() name=ctx.name.clone() balance=Some(ctx.balance.to_string())/>
        <nav class="tabs" aria-label="Plan kind">{tab(PlanKind::Recurring)}{tab(PlanKind::BillTriggered)}</nav>
        {if ctx.payers.is_empty() {
            view! {
                <p class="form-alert" role="alert">"This account has no enrolled payer. Automatic payments are set up for an enrolled payer: the payer enrolls on the payer site, or an accounts file gives the account a User ID."</p>
            }.into_any()
        } else {
            view! {
                <p class="muted small">{RULE_NOTE}</p>
                {no_methods.then(|| view! {
                    <p class="form-alert warning">
                        "The payer has no saved payment method yet. "
                        {ctx.payers.iter().map(|(u, _)| view! { <a href=routes::payer(u)>{format!("Add one for {u}")}</a>" " }).collect_view()}
                    </p>
                })}
                <ActionForm action=action>
                    <input type="hidden" name="form[account]" value=ctx.account_number.clone()/>
                    <input type="hidden" name="form[kind]" value=kind.code()/>
                    <FormAlert message=alert/>
                    <div class="field">
                        <label for="pay-payer">"Enrolled payer"</label>
                        <select id="pay-payer" name="form[payer]" aria-describedby="pay-payer-error">
                            {ctx.payers.iter().map(|(u, _)| view! { <option value=u.clone() selected=*u == payer>{u.clone()}</option> }).collect_view()}
                        </select>
                        <Message id="payer" errors/>
                    </div>
                    <fieldset class="methods">
                        <legend>"Payment Method"</legend>
                        {ctx.payers.iter().flat_map(|(u, ms)| ms.iter().map(move |(id, label)| (u.clone(), *id, label.clone()))).map(|(u, id, label)| {
                            let value = format!("saved:{id}");
                            let checked = value == method;
                            view! {
                                <label class="method-option">
                                    <input type="radio" name="form[method]" value=value checked=checked/>
                                    <span>{label}<span class="muted small">{format!(" · saved by {u}")}</span></span>
                                </label>
                            }
                        }).collect_view()}
                        <Message id="method" errors/>
                    </fieldset>
                    <Field label="Email for receipts and notices" name="email" value=initial("email") errors autocomplete="email" inputmode="email"/>
                    {match kind {
                        PlanKind::Recurring => view! {
                            <fieldset class="methods">
                                <legend>"Amount"</legend>
                                {AmountRule::ALL.iter().map(|r| view! {
                                    <label class="method-option">
                                        <input type="radio" name="form[amount_rule]" value=r.code() checked=rule == r.code()/>
                                        <span>{r.label()}</span>
                                    </label>
                                }).collect_view()}
                                <Message id="amount_rule" errors/>
                            </fieldset>
                            <Field label="Fixed amount" name="amount" value=initial("amount") errors inputmode="decimal" prefix="$"
                                hint=format!("For Pay Fixed Amount. Pay Balance pays the balance on each date (at most {}).", ctx.max_payment)/>
                            <div class="field">
                                <label for="pay-frequency">"Frequency"</label>
                                <select id="pay-frequency" name="form[frequency]" aria-describedby="pay-frequency-error">
                                    {Frequency::ALL.iter().map(|f| view! { <option value=f.code() selected=frequency == f.code()>{f.label()}</option> }).collect_view()}
                                </select>
                                <Message id="frequency" errors/>
                            </div>
                            <div class="field-row">
                                <Field label="First payment date" name="first_date" value=initial("first_date") errors kind="date"
                                    hint="After today. A date on a weekend or holiday runs the banking day before.".to_string()/>
                                <Field label="End date (optional)" name="end_date" value=initial("end_date") errors kind="date"/>
                            </div>
                        }.into_any(),
                        PlanKind::BillTriggered => view! {
                            <Field label="Days before the due date" name="days_before" value=initial("days_before") errors inputmode="numeric"
                                hint=format!("0 to {MAX_DAYS_BEFORE}. A bill loaded later than that is paid at once.")/>
                            <fieldset class="methods">
                                <legend>"Pay"</legend>
                                {BillAmount::ALL.iter().map(|b| view! {
                                    <label class="method-option">
                                        <input type="radio" name="form[bill_amount]" value=b.code() checked=pays == b.code()/>
                                        <span>{b.label()}</span>
                                    </label>
                                }).collect_view()}
                                <Message id="bill_amount" errors/>
                            </fieldset>
                            <Field label="Do not automatically pay any bill over (optional)" name="max_amount" value=initial("max_amount") errors inputmode="decimal" prefix="$"/>
                        }.into_any(),
                    }}
                    <div class="actions">
                        <a class="btn btn-secondary" href=routes::payer_support_account(&ctx.account_number)>"Cancel"</a>
                        <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>{button}</button>
                    </div>
                </ActionForm>
            }.into_any()
        }}
    }
}

/// The confirmation page: Confirm Recurring Payment / Confirm
/// Bill-Triggered Payment.
#[component]
pub fn SetUpReviewPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let account = move || params.read().get("account").unwrap_or_default();
    let sealed = move || query.read().get("r").unwrap_or_default();
    let data = Resource::new(sealed, review_plan);
    view! {
        <Title text="Confirm Automatic Payment"/>
        <Layout>
            <Suspense fallback=loading>
                {move || data.get().map(|r| match r {
                    Ok(v) => view! { <PlanReviewView v sealed=sealed() account=account()/> }.into_any(),
                    Err(e) => load_error("Confirm Automatic Payment", e),
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn PlanReviewView(v: PlanReview, sealed: String, account: String) -> impl IntoView {
    let action = ServerAction::<ConfirmPlan>::new();
    let alert = Signal::derive(move || form_error(action.value().get()));
    let (title, button) = match v.kind {
        PlanKind::Recurring => ("Confirm Recurring Payment", "Confirm Recurring Payment"),
        PlanKind::BillTriggered => (
            "Confirm Bill-Triggered Payment",
            "Confirm Bill-Triggered Payment",
        ),
    };
    let back = routes::setup_again(&account, &sealed);
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href=routes::payer_support_account(&account)>"Payer Support"</a>" › Set Up › Confirm"
        </nav>
        <h1>{title}</h1>
        <p class="muted">"Check the plan with the payer, then click "{button}"."</p>
        <AccountCard account=v.account_number.clone() name=v.name.clone() balance=None/>
        <dl class="review">
            <div><dt>"Enrolled payer"</dt><dd class="mono">{v.payer.clone()}</dd></div>
            <div><dt>"Plan"</dt><dd id="plan-description">{v.description.clone()}</dd></div>
            <div><dt>"Payment Method"</dt><dd>{v.method_label.clone()}</dd></div>
            <div><dt>"Email for receipts and notices"</dt><dd>{v.email.clone()}</dd></div>
            {(!v.first_runs.is_empty()).then(|| view! {
                <div><dt>"First payments"</dt><dd><ul class="plain-list">
                    {v.first_runs.iter().map(|(d, r)| view! { <li>{if d == r { d.clone() } else { format!("{d}, runs {r}") }}</li> }).collect_view()}
                </ul></dd></div>
            })}
        </dl>
        <p class="muted small">{RULE_NOTE}</p>
        <ActionForm action=action>
            <FormAlert message=alert/>
            <input type="hidden" name="r" value=sealed/>
            <input type="hidden" name="payer" value=v.payer.clone()/>
            <div class="actions">
                <a class="btn btn-secondary" href=back>"Back"</a>
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>{button}</button>
            </div>
        </ActionForm>
    }
}
