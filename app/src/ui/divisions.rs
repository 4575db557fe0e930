//! Divisions (`/admin/divisions`, administrators): the biller's divisions
//! with their number of accounts and ACH company, Add Division (`?add=1`),
//! Rename (`?rename=ID`) and ACH Company (`?ach=ID`) in a form above the
//! list, as on Manage Category. Links and forms, so every step works
//! without JavaScript.

use super::Layout;
use super::forms::{FormAlert, TextField, error_text, field_errors, form_message};
use crate::api::divisions::{SaveDivision, SaveDivisionAch, load_divisions};
use crate::domain::division::Division;
use crate::error::FieldErrors;
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn DivisionsPage() -> impl IntoView {
    let save = ServerAction::<SaveDivision>::new();
    let save_ach = ServerAction::<SaveDivisionAch>::new();
    let data = Resource::new(
        move || (save.version().get(), save_ach.version().get()),
        |_| load_divisions(),
    );
    let query = use_query_map();
    let opened = move |key: &str| query.read().get(key).and_then(|v| v.parse::<i64>().ok());
    let saved = move || query.read().get("saved").is_some();
    let adding = move || query.read().get("add").is_some();
    view! {
        <Title text="Divisions"/>
        <Layout>
            <h1>"Divisions"</h1>
            <p class="muted">
                "Each account belongs to one division. With more than one, staff can be limited to some of them on User Admin, and Create Account and the universal file name the division."
            </p>
            <p class="muted">
                "In the NACHA file, each division's payments go in batches of their own, under the division's ACH company if it has one, else the Profile's."
            </p>
            {move || saved().then(|| view! { <p class="form-ok" role="status">"The division was saved."</p> })}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => view! { <p class="form-alert" role="alert">{error_text(&e)}</p> }.into_any(),
                    Ok(list) => {
                        let find = |key: &str| opened(key).and_then(|id| list.iter().find(|d| d.id == id).cloned());
                        let editing = find("rename");
                        // A form only while adding or editing: after a
                        // save the page shows the list, and the next form
                        // starts empty (an input kept across a re-render
                        // would keep what was typed before).
                        let form = if let Some(d) = find("ach") {
                            view! { <AchCompanyEditor division=d save=save_ach/> }.into_any()
                        } else if editing.is_some() || adding() {
                            view! { <DivisionEditor division=editing save/> }.into_any()
                        } else {
                            view! {
                                <div class="actions">
                                    <a class="btn btn-primary" href=routes::divisions_add()>"Add Division"</a>
                                </div>
                            }.into_any()
                        };
                        view! {
                            {form}
                            <DivisionList list/>
                        }.into_any()
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn DivisionList(list: Vec<Division>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="data" id="divisions-table">
                <caption>"Divisions"</caption>
                <thead><tr>
                    <th scope="col">"Name"</th>
                    <th scope="col" class="num">"Accounts"</th>
                    <th scope="col">"ACH Company"</th>
                    <th scope="col">"Actions"</th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|d| view! {
                        <tr data-division=d.id.to_string()>
                            <td data-label="Name">{d.name.clone()}</td>
                            <td data-label="Accounts" class="num">{d.accounts.unwrap_or_default()}</td>
                            <td data-label="ACH Company">{match &d.ach {
                                Some(c) => format!("{} ({})", c.name, c.id),
                                None => "The Profile's".to_string(),
                            }}</td>
                            <td data-label="Actions">
                                <a class="btn btn-secondary btn-small" href=routes::division_rename(d.id)
                                    aria-label=format!("Rename {}", d.name)>"Rename"</a>
                                " "
                                <a class="btn btn-secondary btn-small" href=routes::division_ach(d.id)
                                    aria-label=format!("ACH Company of {}", d.name)>"ACH Company"</a>
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Add Division (`division` None) or Rename.
#[component]
fn DivisionEditor(division: Option<Division>, save: ServerAction<SaveDivision>) -> impl IntoView {
    let errors = Signal::derive(move || field_errors(save.value().get()));
    let alert = form_message(save.value().into());
    let typed = field_errors(save.value().get_untracked());
    let current = division
        .as_ref()
        .map(|d| d.name.clone())
        .unwrap_or_default();
    let name = FieldErrors::typed_or(typed.as_ref(), "name", &current);
    let (title, button) = match &division {
        Some(d) => (format!("Rename {}", d.name), "Save Name"),
        None => ("Add Division".to_string(), "Add Division"),
    };
    let id = division.as_ref().map(|d| d.id);
    view! {
        <section class="panel" aria-labelledby="division-editor">
            <h2 id="division-editor">{title}</h2>
            <ActionForm action=save>
                <FormAlert message=alert/>
                {id.map(|id| view! { <input type="hidden" name="id" value=id.to_string()/> })}
                <TextField prefix="division" name="name" label="Division Name" value=name errors
                    hint=NAME_HINT/>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>{button}</button>
                    <a class="btn btn-secondary" href=routes::DIVISIONS>"Cancel"</a>
                </div>
            </ActionForm>
        </section>
    }
}

/// ACH Company: the Company Name and Company ID of the division's batches
/// in the NACHA file; both empty, the Profile's.
#[component]
fn AchCompanyEditor(division: Division, save: ServerAction<SaveDivisionAch>) -> impl IntoView {
    let errors = Signal::derive(move || field_errors(save.value().get()));
    let alert = form_message(save.value().into());
    let typed = field_errors(save.value().get_untracked());
    let (name, id) = match &division.ach {
        Some(c) => (c.name.clone(), c.id.clone()),
        None => (String::new(), String::new()),
    };
    let name = FieldErrors::typed_or(typed.as_ref(), "company_name", &name);
    let id = FieldErrors::typed_or(typed.as_ref(), "company_id", &id);
    view! {
        <section class="panel" aria-labelledby="division-ach">
            <h2 id="division-ach">{format!("ACH Company of {}", division.name)}</h2>
            <p class="muted">"Leave both fields empty to send this division's payments under the Profile's company."</p>
            <ActionForm action=save>
                <FormAlert message=alert/>
                <input type="hidden" name="id" value=division.id.to_string()/>
                <TextField prefix="division-ach" name="company_name" label="ACH Company Name" value=name
                    errors hint="As your bank knows it; at most 16 characters."/>
                <TextField prefix="division-ach" name="company_id" label="ACH Company ID" value=id
                    errors hint="10 letters or digits, usually 1 and the 9-digit EIN."/>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>"Save ACH Company"</button>
                    <a class="btn btn-secondary" href=routes::DIVISIONS>"Cancel"</a>
                </div>
            </ActionForm>
        </section>
    }
}

/// The name's hint (a test keeps its number in step with NAME_MAX).
const NAME_HINT: &str = "As staff see it, like Water or Parks; at most 40 characters.";

#[cfg(test)]
mod tests {
    #[test]
    fn the_name_hint_names_the_limit() {
        assert!(super::NAME_HINT.contains(&crate::domain::division::NAME_MAX.to_string()));
    }
}
