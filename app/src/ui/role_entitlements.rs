//! Role Entitlements: pick a role, tick boxes, Update Entitlements; Apply to
//! current users resets everyone in the role to exactly its set.

use super::Layout;
use super::forms::{FormAlert, field_errors, form_error};
use super::user_admin::EntitlementBoxes;
use crate::api::users::{SetRoleEntitlements, load_role_entitlements};
use crate::domain::staff::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn RoleEntitlementsPage() -> impl IntoView {
    let query = use_query_map();
    let role = move || {
        query
            .read()
            .get("role")
            .and_then(|r| Role::from_code(&r))
            .unwrap_or(Role::Csr)
    };
    let save = ServerAction::<SetRoleEntitlements>::new();
    let view_of = Resource::new(
        move || (role(), save.version().get()),
        |(r, _)| load_role_entitlements(r.code().to_string()),
    );
    let alert = Signal::derive(move || {
        form_error(save.value().get()).or_else(|| {
            field_errors(save.value().get())
                .and_then(|e| e.message_for("granted").map(str::to_string))
        })
    });
    let done = move || save.value().get().and_then(Result::ok);
    view! {
        <Title text="Role Entitlements"/>
        <Layout>
            <h1>"Role Entitlements"</h1>
            <Form method="GET" action=crate::routes::ROLES>
                <div class="filters">
                    <div class="field">
                        <label for="role-pick">"Role"</label>
                        <select id="role-pick" name="role">
                            {Role::ALL.iter().map(|r| view! { <option value=r.code() selected=move || role() == *r>{r.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class="btn btn-secondary">"Show"</button>
                </div>
            </Form>
            <FormAlert message=alert/>
            <p class="notice" role="status">{done}</p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || view_of.get().map(|r| match r {
                    Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(v) => view! {
                        <section class="panel" aria-labelledby="role-title">
                            <h2 id="role-title">{v.role.label()}</h2>
                            <p class="muted">{format!(
                                "{} active user(s) have this role; {} of them have entitlements of their own.",
                                v.users, v.users_with_overrides
                            )}</p>
                            <ActionForm action=save>
                                <input type="hidden" name="role" value=v.role.code()/>
                                <EntitlementBoxes granted=v.granted.clone() role=None disabled=false/>
                                <div class="actions">
                                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>"Update Entitlements"</button>
                                    <button type="submit" name="apply" value="1" class="btn btn-secondary" disabled=move || save.pending().get()>
                                        "Update and Apply to current users"
                                    </button>
                                </div>
                            </ActionForm>
                        </section>
                    }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}
