//! The biller's Profile (help center A2: `/admin/profile`, administrators)
//! with its preview of what payers see under Customer Service, and the
//! payer site's Customer Service page (`/p/customer-service`). Save
//! Changes posts without JavaScript too.

use super::Layout;
use super::forms::{FieldMessage, FormAlert, TextField, field_errors, form_message, message_for};
use super::payer_site::PayerLayout;
use crate::api::biller_profile::{SaveBillerProfile, load_biller_profile, p_customer_service};
use crate::domain::biller_profile::BillerProfile;
use crate::error::FieldErrors;
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn BillerProfilePage() -> impl IntoView {
    let save = ServerAction::<SaveBillerProfile>::new();
    let data = Resource::new(move || save.version().get(), |_| load_biller_profile());
    let saved = move || use_query_map().read().get("saved").is_some();
    view! {
        <Title text="Profile"/>
        <Layout>
            <h1>"Profile"</h1>
            {move || saved().then(|| view! { <p class="form-ok" role="status">"Your changes were saved."</p> })}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    Ok(p) => view! { <ProfileForm p save/> }.into_any(),
                    Err(e) => view! { <p class="form-alert" role="alert">{super::forms::error_text(&e)}</p> }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

/// A labelled multi-line field of the `form[...]` struct.
#[component]
fn TextArea(
    name: &'static str,
    label: &'static str,
    value: String,
    errors: Signal<Option<FieldErrors>>,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    let dom = format!("bp-{name}");
    let message = message_for(name, errors);
    let invalid = move || message.with(Option::is_some).to_string();
    let described = if hint.is_empty() {
        format!("{dom}-error")
    } else {
        format!("{dom}-error {dom}-hint")
    };
    view! {
        <div class="field">
            <label for=dom.clone()>{label}</label>
            <textarea id=dom.clone() name=format!("form[{name}]") rows="3" aria-invalid=invalid
                autofocus=move || invalid() == "true" aria-describedby=described>{value}</textarea>
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=format!("{dom}-hint")>{hint}</p> })}
            <FieldMessage id=dom message/>
        </div>
    }
}

#[component]
fn ProfileForm(p: BillerProfile, save: ServerAction<SaveBillerProfile>) -> impl IntoView {
    let errors = Signal::derive(move || field_errors(save.value().get()));
    let alert = form_message(save.value().into());
    // After a refusal, what was typed; else what is saved.
    let typed = field_errors(save.value().get_untracked());
    let start = |f: &str, saved: &str| FieldErrors::typed_or(typed.as_ref(), f, saved);
    let preview = p.customer_service();
    let name = start("biller_name", &p.biller_name);
    let url = start("payer_login_url", &p.payer_login_url);
    let dnis = start("biller_dnis", &p.biller_dnis);
    let contact = start("contact_info", &p.contact_info);
    let email = start("support_email", &p.support_email);
    let phone = start("support_phone", &p.support_phone);
    let address = start("address", &p.address);
    let company = start("ach_company_name", &p.ach_company_name);
    let company_id = start("ach_company_id", &p.ach_company_id);
    let odfi = start("ach_odfi_routing", &p.ach_odfi_routing);
    let destination = start("ach_destination", &p.ach_destination);
    let destination_name = start("ach_destination_name", &p.ach_destination_name);
    let origin = start("ach_origin", &p.ach_origin);
    let origin_name = start("ach_origin_name", &p.ach_origin_name);
    view! {
        <ActionForm action=save>
            <FormAlert message=alert/>
            <div class="field">
                <label for="bp-biller_key">"Biller Key"</label>
                <input id="bp-biller_key" type="text" value=p.biller_key.clone() readonly aria-describedby="bp-biller_key-hint"/>
                <p class="hint" id="bp-biller_key-hint">"Set when Paydesk was installed; it does not change."</p>
            </div>
            <TextField prefix="bp" name="biller_name" label="Biller Name" value=name errors
                hint="On receipts, notices and the payer site."/>
            <TextField prefix="bp" name="payer_login_url" label="Payer Login URL" value=url errors
                kind="url" hint="Where payers sign in; link to it from your website."/>
            <TextField prefix="bp" name="biller_dnis" label="Biller DNIS" value=dnis errors
                kind="tel" hint="The toll-free number of your phone payments, if any."/>
            <TextArea name="contact_info" label="Contact Information" value=contact errors
                hint="Required. Your contacts, for the record; payers do not see them."/>
            <fieldset>
                <legend>"Customer Support Setup"</legend>
                <TextField prefix="bp" name="support_email" label="Support Email" value=email errors
                    kind="email" hint="Optional."/>
                <TextField prefix="bp" name="support_phone" label="Support Phone" value=phone errors
                    kind="tel" hint="Required."/>
                <TextArea name="address" label="Address" value=address errors hint="Required."/>
            </fieldset>
            <fieldset>
                <legend>"ACH Originator"</legend>
                <p class="hint">"Every bank payment file (NACHA) carries these. Your bank gives them to you; all are required."</p>
                <TextField prefix="bp" name="ach_company_name" label="Company Name" value=company errors
                    hint="At most 16 characters; on the payer's bank statement."/>
                <TextField prefix="bp" name="ach_company_id" label="Company ID" value=company_id errors
                    hint="10 characters, usually 1 and your 9-digit EIN."/>
                <TextField prefix="bp" name="ach_odfi_routing" label="ODFI Routing Number" value=odfi errors
                    hint="Your bank's 9-digit routing number."/>
                <TextField prefix="bp" name="ach_destination" label="Immediate Destination" value=destination errors
                    hint="The routing number of the bank that receives the file; often your bank's."/>
                <TextField prefix="bp" name="ach_destination_name" label="Immediate Destination Name"
                    value=destination_name errors hint="At most 23 characters."/>
                <TextField prefix="bp" name="ach_origin" label="Immediate Origin" value=origin errors
                    hint="10 characters, or 9 digits; often your Company ID."/>
                <TextField prefix="bp" name="ach_origin_name" label="Immediate Origin Name" value=origin_name errors
                    hint="At most 23 characters; usually your name."/>
            </fieldset>
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>"Save Changes"</button>
            </div>
        </ActionForm>
        <section class="panel" aria-labelledby="cs-preview">
            <h2 id="cs-preview">"Preview: Customer Service"</h2>
            <p class="muted">"What payers see under Customer Service, as saved."</p>
            <CustomerService lines=preview/>
            <p><a href=routes::PAYER_CUSTOMER_SERVICE>"Open it on the payer site"</a></p>
        </section>
    }
}

/// The biller's support contacts, as payers see them.
#[component]
fn CustomerService(lines: Vec<String>) -> impl IntoView {
    view! {
        <address class="customer-service">
            {lines.into_iter().map(|l| view! { <span>{l}</span><br/> }).collect_view()}
        </address>
    }
}

/// `/p/customer-service`: the payer site's Customer Service.
#[component]
pub fn CustomerServicePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| p_customer_service());
    view! {
        <Title text="Customer Service"/>
        <PayerLayout>
            <h1>"Customer Service"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    Ok(lines) => view! { <CustomerService lines/> }.into_any(),
                    Err(e) => view! { <p class="form-alert" role="alert">{super::forms::error_text(&e)}</p> }.into_any(),
                })}
            </Suspense>
            <p><a href=routes::PAYER_SIGN_IN>"Back to Sign In"</a></p>
        </PayerLayout>
    }
}
