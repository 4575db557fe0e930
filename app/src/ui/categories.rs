//! Manage Category (help center D2, `/admin/categories`): the category
//! line items, Add Category Line Item and Edit in a form above the list
//! (`?add=1`, `?edit=ID`), and Delete after a confirmation (`?delete=ID`).
//! Links and forms, so every step works without JavaScript.

use super::Layout;
use super::forms::{
    ConfirmBox, FormAlert, TextField, error_text, field_errors, form_error, form_message,
};
use crate::api::categories::{DeleteCategory, SaveCategory, load_categories};
use crate::api::divisions::my_divisions;
use crate::domain::category::{Category, CategoryForm};
use crate::domain::division::Division;
use crate::error::FieldErrors;
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ManageCategoryPage() -> impl IntoView {
    let save = ServerAction::<SaveCategory>::new();
    let delete = ServerAction::<DeleteCategory>::new();
    let data = Resource::new(
        move || (save.version().get(), delete.version().get()),
        |_| load_categories(),
    );
    // Named only when the biller has more than one.
    let divisions = Resource::new(|| (), |_| my_divisions());
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k);
    let id_param = move |k: &str| param(k).and_then(|v| v.parse::<i64>().ok());
    let saved = move || param("saved").is_some();
    let deleted = move || param("deleted").is_some();
    let delete_alert = Signal::derive(move || form_error(delete.value().get()));
    view! {
        <Title text="Manage Category"/>
        <Layout>
            <h1>"Manage Category"</h1>
            <p class="muted">"Line items payers may pay besides their balance, offered to all payers or to one division's."</p>
            {move || saved().then(|| view! { <p class="form-ok" role="status">"The category line item was saved."</p> })}
            {move || deleted().then(|| view! { <p class="form-ok" role="status">"The category line item was deleted."</p> })}
            <FormAlert message=delete_alert/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => view! { <p class="form-alert" role="alert">{error_text(&e)}</p> }.into_any(),
                    Ok(list) => {
                        let all = divisions.get().and_then(Result::ok).unwrap_or_default();
                        let all = if all.len() > 1 { all } else { Vec::new() };
                        let editing = id_param("edit").and_then(|id| list.iter().find(|c| c.id == id).cloned());
                        let adding = param("add").is_some();
                        let asked = id_param("delete");
                        view! {
                            {if editing.is_some() || adding {
                                view! { <CategoryEditor line=editing save divisions=all.clone()/> }.into_any()
                            } else {
                                view! {
                                    <div class="actions">
                                        <a class="btn btn-primary" href=routes::categories_add()>"Add Category Line Item"</a>
                                    </div>
                                }.into_any()
                            }}
                            <CategoryList list asked delete divisions=all/>
                        }.into_any()
                    }
                })}
            </Suspense>
        </Layout>
    }
}

/// The list, with Edit and Delete on each line.
#[component]
fn CategoryList(
    list: Vec<Category>,
    asked: Option<i64>,
    delete: ServerAction<DeleteCategory>,
    /// Every division, when there is more than one (else empty: no column).
    divisions: Vec<Division>,
) -> impl IntoView {
    let named = !divisions.is_empty();
    let division_of = move |id: Option<i64>| match id {
        None => "All divisions".to_string(),
        Some(id) => divisions
            .iter()
            .find(|d| d.id == id)
            .map_or_else(|| format!("Division {id}"), |d| d.name.clone()),
    };
    if list.is_empty() {
        return view! { <p class="empty">"No category line items yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data" id="categories-table">
                <caption>"Category Line Items"</caption>
                <thead><tr>
                    <th scope="col">"Description"</th><th scope="col">"Charge Code"</th>
                    <th scope="col" class="num">"Amount"</th><th scope="col" class="num">"Quantity"</th>
                    <th scope="col">"Options"</th>
                    {named.then(|| view! { <th scope="col">"Division"</th> })}
                    <th scope="col">"Actions"</th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|c| {
                        let options = c.options.labels().join(", ");
                        let label = c.description.clone();
                        let actions = if asked == Some(c.id) {
                            view! {
                                <ConfirmBox id=format!("confirm-delete-{}", c.id) action=format!("Delete {label}")
                                    question=format!("Delete {label}? Payments already made keep their lines.")
                                    keep_href=routes::CATEGORIES keep="Keep It">
                                    <ActionForm action=delete attr:class="inline-form">
                                        <input type="hidden" name="id" value=c.id.to_string()/>
                                        <input type="hidden" name="version" value=c.version.to_string()/>
                                        <button type="submit" class="btn btn-danger" autofocus>"Yes, Delete"</button>
                                    </ActionForm>
                                </ConfirmBox>
                            }.into_any()
                        } else {
                            view! {
                                <a class="btn btn-secondary btn-small" href=routes::category_edit(c.id)
                                    aria-label=format!("Edit {label}")>"Edit"</a>
                                " "
                                <a class="btn btn-secondary btn-small" href=routes::category_delete(c.id)
                                    aria-label=format!("Delete {label}")>"Delete"</a>
                            }.into_any()
                        };
                        view! {
                            <tr data-code=c.charge_code.clone()>
                                <td data-label="Description">{c.description.clone()}</td>
                                <td data-label="Charge Code">{c.charge_code.clone()}</td>
                                <td data-label="Amount" class="num">{c.amount.to_string()}</td>
                                <td data-label="Quantity" class="num">{c.quantity}</td>
                                <td data-label="Options">{options}</td>
                                {named.then(|| view! { <td data-label="Division">{division_of(c.division)}</td> })}
                                <td data-label="Actions">{actions}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }.into_any()
}

/// Add Category Line Item (`line` None) or Edit.
#[component]
fn CategoryEditor(
    line: Option<Category>,
    save: ServerAction<SaveCategory>,
    /// Every division, when there is more than one (else empty: no field).
    divisions: Vec<Division>,
) -> impl IntoView {
    let errors = Signal::derive(move || field_errors(save.value().get()));
    let alert = form_message(save.value().into());
    let start = line
        .as_ref()
        .map(CategoryForm::of)
        .unwrap_or_else(|| CategoryForm {
            quantity: "1".into(),
            ..CategoryForm::default()
        });
    // After a refusal, what was typed and ticked; else the line as saved.
    let typed = field_errors(save.value().get_untracked());
    let value = |f: &str, saved: &str| FieldErrors::typed_or(typed.as_ref(), f, saved);
    let ticked = |f: &str, saved: &Option<String>| {
        FieldErrors::ticked_or(typed.as_ref(), f, saved.is_some())
    };
    let description = value("description", &start.description);
    let code = value("charge_code", &start.charge_code);
    let amount = value("amount", &start.amount);
    let quantity = value("quantity", &start.quantity);
    let division = value("division", &start.division);
    let boxes = [
        (
            "impact_balance",
            "Impact Balance",
            "Payments of this line reduce the account's balance; otherwise they are category income.",
            ticked("impact_balance", &start.impact_balance),
        ),
        (
            "amount_editable",
            "Amount Editable",
            "The payer may change the amount.",
            ticked("amount_editable", &start.amount_editable),
        ),
        (
            "show_quantity",
            "Show Quantity",
            "The payer picks a quantity from 1 to the Quantity above.",
            ticked("show_quantity", &start.show_quantity),
        ),
        (
            "required",
            "Required",
            "Every payment of the account includes this line; it comes pre-checked.",
            ticked("required", &start.required),
        ),
    ];
    let title = if line.is_some() {
        "Edit Category Line Item"
    } else {
        "Add Category Line Item"
    };
    let (id, version) = line.as_ref().map_or((None, 0), |c| (Some(c.id), c.version));
    view! {
        <section class="panel" aria-labelledby="category-editor">
            <h2 id="category-editor">{title}</h2>
            <ActionForm action=save>
                <FormAlert message=alert/>
                {id.map(|id| view! { <input type="hidden" name="id" value=id.to_string()/> })}
                <input type="hidden" name="version" value=version.to_string()/>
                <TextField prefix="cat" name="description" label="Description" value=description errors
                    hint="What the payer pays for, as payers see it."/>
                <TextField prefix="cat" name="charge_code" label="Charge Code" value=code errors
                    hint="Your books' code for this line; letters, digits, - and _."/>
                <TextField prefix="cat" name="amount" label="Amount" value=amount errors kind="text"
                    hint="The price of one, like 15.00."/>
                <TextField prefix="cat" name="quantity" label="Quantity" value=quantity errors kind="number"
                    hint=QUANTITY_HINT/>
                {(!divisions.is_empty()).then(|| view! { <DivisionField divisions chosen=division errors/> })}
                <fieldset>
                    <legend>"Options"</legend>
                    {boxes.into_iter().map(|(name, label, hint, on)| {
                        let hint_id = format!("cat-{name}-hint");
                        view! {
                            <div class="field">
                                <label class="check">
                                    <input type="checkbox" name=format!("form[{name}]") value="on" checked=on
                                        aria-describedby=hint_id.clone()/>
                                    <span>{label}</span>
                                </label>
                                <p class="hint" id=hint_id>{hint}</p>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>"Save Category Item"</button>
                    <a class="btn btn-secondary" href=routes::CATEGORIES>"Cancel"</a>
                </div>
            </ActionForm>
        </section>
    }
}

/// Which payers see the line: every division's, or one division's.
#[component]
fn DivisionField(
    divisions: Vec<Division>,
    chosen: String,
    errors: Signal<Option<FieldErrors>>,
) -> impl IntoView {
    let message = super::forms::message_for("division", errors);
    let invalid = move || message.with(Option::is_some).to_string();
    view! {
        <div class="field">
            <label for="cat-division">"Division"</label>
            <select id="cat-division" name="form[division]" aria-invalid=invalid
                aria-describedby="cat-division-error cat-division-hint">
                <option value="" selected=chosen.is_empty()>"All divisions"</option>
                {divisions.into_iter().map(|d| {
                    let id = d.id.to_string();
                    let selected = id == chosen;
                    view! { <option value=id selected=selected>{d.name}</option> }
                }).collect_view()}
            </select>
            <p class="hint" id="cat-division-hint">"Offer the line to the payers of one division only, or of all."</p>
            <super::forms::FieldMessage id="cat-division".to_string() message/>
        </div>
    }
}

/// Quantity's hint (a test keeps its number in step with QUANTITY_MAX).
const QUANTITY_HINT: &str = "With Show Quantity, the most a payer may pick (1 to 999); without, how many every payment is for.";

#[cfg(test)]
mod tests {
    #[test]
    fn the_quantity_hint_names_the_limit() {
        assert!(super::QUANTITY_HINT.contains(&crate::domain::category::QUANTITY_MAX.to_string()));
    }
}
