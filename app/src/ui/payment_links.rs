//! Send Payment Link (Accounts Found → Send Payment Link, help center B9):
//! choose the notification method, confirm the address, **Send Link**; and
//! the account page's list of the links sent, with Revoke.

use super::Layout;
use super::forms::{ErrorFor, FormAlert, TextField, field_errors, form_error};
use super::make_payment::AccountCard;
use crate::api::payment_links::{RevokePaymentLink, SendPaymentLink, load_payment_links};
use crate::api::payments::load_pay_context;
use crate::domain::payment_link::{LinkChannel, LinkView};
use crate::domain::payment_view::PayContext;
use crate::error::{AppError, FieldErrors};
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn SendLinkPage() -> impl IntoView {
    let params = use_params_map();
    let account = move || params.read().get("account").unwrap_or_default();
    let ctx = Resource::new(account, |a| load_pay_context(a, None));
    view! {
        <Title text=move || format!("Send Payment Link · Account {}", account())/>
        <Layout>
            <nav class="crumbs" aria-label="Breadcrumb">
                <a href=move || routes::payer_support_account(&account())>"Payer Support"</a>" › Send Payment Link"
            </nav>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || ctx.get().map(|r| match r {
                    Ok(ctx) => view! { <SendLinkForm ctx/> }.into_any(),
                    Err(e) => view! {
                        <h1>"Send Payment Link"</h1>
                        <p class="form-alert" role="alert">{super::forms::error_text(&e)}</p>
                    }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn SendLinkForm(ctx: PayContext) -> impl IntoView {
    let action = ServerAction::<SendPaymentLink>::new();
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let client_errors = RwSignal::new(None::<FieldErrors>);
    let errors = Signal::derive(move || {
        client_errors
            .get()
            .or_else(|| field_errors(action.value().get()))
    });
    let alert = Signal::derive(move || match action.value().get() {
        _ if client_errors.with(Option::is_some) => {
            Some("Please correct the highlighted fields.".to_string())
        }
        Some(Err(AppError::Invalid(f))) if f.message_for("form").is_none() => {
            Some("Please correct the highlighted fields.".to_string())
        }
        other => form_error(other),
    });
    // The server's checks, run in the browser before anything is sent.
    let check = move || -> Option<FieldErrors> {
        #[cfg(feature = "hydrate")]
        {
            let data = web_sys::FormData::new_with_form(&form_ref.get()?).ok()?;
            let get = |k: &str| {
                data.get(&format!("form[{k}]"))
                    .as_string()
                    .unwrap_or_default()
            };
            crate::domain::payment_link::check_send_form(
                &crate::domain::payment_link::SendLinkForm {
                    account: get("account"),
                    channel: get("channel"),
                    email: get("email"),
                    mobile: get("mobile"),
                },
            )
            .err()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = form_ref;
            None
        }
    };
    let on_send = move |ev: leptos::ev::MouseEvent| {
        let found = check();
        if found.is_some() {
            ev.prevent_default();
        }
        client_errors.set(found);
    };
    let kept = field_errors(action.value().get_untracked());
    let initial =
        move |f: &str, default: String| FieldErrors::typed(kept.as_ref(), f).unwrap_or(default);
    let channel = initial("channel", LinkChannel::Email.code().to_string());
    let email = initial("email", ctx.email.clone().unwrap_or_default());
    let mobile = initial("mobile", String::new());
    let back = routes::payer_support_account(&ctx.account_number);
    view! {
        <h1>"Send Payment Link"</h1>
        <p class="muted">"The payer gets a link that pays this account once, with no sign-in and nothing to type but the amount and the card or bank account."</p>
        <AccountCard account=ctx.account_number.clone() name=ctx.name.clone() balance=Some(ctx.balance.to_string())/>
        <ActionForm action=action node_ref=form_ref>
            <FormAlert message=alert/>
            <input type="hidden" name="form[account]" value=ctx.account_number.clone()/>
            <fieldset class="methods">
                <legend>"Notification Method"</legend>
                {LinkChannel::ALL.iter().map(|c| view! {
                    <label class="method-option">
                        <input type="radio" name="form[channel]" value=c.code() checked=channel == c.code()/>
                        <span>{c.label()}</span>
                    </label>
                }).collect_view()}
                <ErrorFor prefix="link" name="channel" errors/>
            </fieldset>
            <TextField prefix="link" name="email" label="Email address" kind="email" value=email errors
                autocomplete="email" hint="For Email: confirm the address with the payer."/>
            <TextField prefix="link" name="mobile" label="Mobile number" kind="tel" value=mobile errors
                autocomplete="tel" hint="For Text message: a 10-digit US mobile number."/>
            <div class="actions">
                <a class="btn btn-secondary" href=back>"Cancel"</a>
                <button type="submit" class="btn btn-primary" on:click=on_send disabled=move || action.pending().get()>"Send Link"</button>
            </div>
        </ActionForm>
    }
}

/// The account page's Payment Links: what was sent, where it stands, and
/// Revoke for a link not yet used. Shown to staff who take payments.
#[component]
pub fn PaymentLinksPanel(number: String) -> impl IntoView {
    let revoke = ServerAction::<RevokePaymentLink>::new();
    let query = use_query_map();
    let key = number.clone();
    let links = Resource::new(
        move || (key.clone(), revoke.version().get()),
        |(n, _)| load_payment_links(n),
    );
    let announce = move |list: &[LinkView]| {
        let q = query.read();
        let id_in = |k: &str| q.get(k).and_then(|v| v.parse::<i64>().ok());
        let link = |k: &str| id_in(k).and_then(|id| list.iter().find(|l| l.id == id));
        if let Some(l) = link("link_sent") {
            return Some(format!(
                "Payment link sent by {} to {}.",
                l.channel.label().to_lowercase(),
                l.address
            ));
        }
        link("link_revoked")
            .map(|l| format!("Payment link to {} revoked: it no longer works.", l.address))
    };
    view! {
        <Suspense fallback=|| ()>
            {move || links.get().map(|r| match r {
                Ok(list) => {
                    let said = revoke.value().get().and_then(|r| r.err()).map(|e| e.to_string());
                    let message = said.clone().or_else(|| announce(&list));
                    let number = number.clone();
                    view! {
                        <section class="panel" id="payment-links" aria-labelledby="payment-links-title">
                            <h2 id="payment-links-title">"Payment Links"</h2>
                            <p class=if said.is_some() { "form-alert" } else { "notice" } role="status">{message}</p>
                            <p><a class="btn btn-secondary btn-small" href=routes::send_link(&number)>"Send Payment Link"</a></p>
                            {if list.is_empty() {
                                view! { <p class="empty">"No payment link has been sent for this account."</p> }.into_any()
                            } else {
                                view! { <LinkTable list number revoke/> }.into_any()
                            }}
                        </section>
                    }.into_any()
                }
                // Staff who may not take payments do not see the links.
                Err(AppError::Forbidden) => ().into_any(),
                Err(e) => view! {
                    <section class="panel" id="payment-links" aria-labelledby="payment-links-title">
                        <h2 id="payment-links-title">"Payment Links"</h2>
                        <p class="form-alert" role="alert">{e.to_string()}</p>
                    </section>
                }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn LinkTable(
    list: Vec<LinkView>,
    number: String,
    revoke: ServerAction<RevokePaymentLink>,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="data" id="links-table">
                <caption class="sr-only">"Payment links sent for this account"</caption>
                <thead><tr>
                    <th scope="col">"Sent"</th><th scope="col">"By"</th><th scope="col">"To"</th>
                    <th scope="col">"Status"</th><th scope="col">"Expires"</th><th scope="col">"Payment"</th>
                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|l| {
                        let number = number.clone();
                        let open = l.state.usable();
                        view! {
                            <tr>
                                <td data-label="Sent">{l.sent_at.clone()}</td>
                                <td data-label="By">{l.sent_by.clone()}</td>
                                <td data-label="To">{format!("{}: {}", l.channel.label(), l.address)}</td>
                                <td data-label="Status"><span class=format!("badge badge-link-{}", l.state.code())>{l.state.label()}</span></td>
                                <td data-label="Expires">{l.expires_at.clone()}</td>
                                <td data-label="Payment">{l.reference.clone().map(|r| view! { <a class="mono" href=routes::payment(&r)>{r.clone()}</a> })}</td>
                                <td data-label="Actions">{open.then(|| view! {
                                    <ActionForm action=revoke>
                                        <input type="hidden" name="account" value=number.clone()/>
                                        <input type="hidden" name="link" value=l.id/>
                                        <button type="submit" class="btn btn-secondary btn-small"
                                            aria-label=format!("Revoke the link sent to {}", l.address)>"Revoke"</button>
                                    </ActionForm>
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
