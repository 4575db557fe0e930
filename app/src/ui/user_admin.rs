//! User Admin: every staff user with their status, Add user, and one user's
//! page (Deactivate/Activate, Unlock, Generate Temporary Password, and
//! their entitlements). Plain forms: they work with and without JavaScript.

use super::Layout;
use super::forms::{FieldMessage, FormAlert, field_errors, form_error};
use super::layout::ChosenDivisionNote;
use crate::api::users::{
    AddUser, SetUserActive, SetUserDivisions, SetUserEntitlements, TemporaryPassword, UnlockUser,
    load_user, load_users,
};
use crate::domain::entitlements::Entitlement;
use crate::domain::staff::Role;
use crate::domain::user_admin_view::{StaffUserDetail, StaffUserView, checkbox_name};
use crate::error::{AppError, FieldErrors};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

fn status_badges(u: &StaffUserView) -> AnyView {
    let (locked, temporary) = (u.locked_until.clone(), u.temporary_password);
    view! {
        {if u.active {
            view! { <span class="badge badge-active">"Active"</span> }.into_any()
        } else {
            view! { <span class="badge badge-inactive">"Inactive"</span> }.into_any()
        }}
        {locked.map(|t| view! { <span class="badge badge-locked" title=format!("Locked until {t}")>"Locked"</span> })}
        {temporary.then(|| view! { <span class="badge badge-temporary">"Temporary password"</span> })}
    }
    .into_any()
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let add = ServerAction::<AddUser>::new();
    let users = Resource::new(move || add.version().get(), |_| load_users());
    let errors = move || field_errors(add.value().get());
    let message = move |f: &'static str| {
        Signal::derive(move || errors().and_then(|e| e.message_for(f).map(str::to_string)))
    };
    let kept = move |f: &'static str| FieldErrors::typed_or(errors().as_ref(), f, "");
    let invalid = move |f: &'static str| move || message(f).get().is_some().to_string();
    let alert = Signal::derive(move || form_error(add.value().get()));
    let done = move || add.value().get().and_then(Result::ok);
    view! {
        <Title text="User Admin"/>
        <Layout>
            <h1>"User Admin"</h1>
            <ChosenDivisionNote id="users-division" say=division_staff/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || users.get().map(|r| match r {
                    Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table class="data" id="users-table">
                                <caption class="sr-only">"Staff users"</caption>
                                <thead><tr>
                                    <th scope="col">"Login ID"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                                    <th scope="col">"Status"</th><th scope="col">"Last seen"</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|u| { let badges = status_badges(&u); view! {
                                        <tr data-login=u.login.clone()>
                                            <td data-label="Login ID"><a href=crate::routes::staff_user(&u.login)>{u.login.clone()}</a></td>
                                            <td data-label="Email">{u.email.clone()}</td>
                                            <td data-label="Role">{u.role.label()}</td>
                                            <td data-label="Status">{badges}</td>
                                            <td data-label="Last seen">{u.last_seen.clone().unwrap_or_else(|| "Never".into())}</td>
                                        </tr>
                                    }}).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                })}
            </Suspense>
            <section class="panel" aria-labelledby="add-user-title">
                <h2 id="add-user-title">"Add user"</h2>
                <p class="muted">"The new user gets a temporary password by email and chooses their own at first sign-in."</p>
                <ActionForm action=add>
                    <FormAlert message=alert/>
                    <p class="notice" role="status">{done}</p>
                    <div class="field">
                        <label for="add-login">"Login ID"</label>
                        <input id="add-login" name="form[login]" autocomplete="off" autocapitalize="none" value=move || kept("login")
                            aria-invalid=invalid("login") autofocus=move || invalid("login")() == "true" aria-describedby="add-login-error"/>
                        <FieldMessage id="add-login" message=message("login")/>
                    </div>
                    <div class="field">
                        <label for="add-email">"Email"</label>
                        <input id="add-email" name="form[email]" type="email" autocomplete="off" value=move || kept("email")
                            aria-invalid=invalid("email") autofocus=move || invalid("email")() == "true" aria-describedby="add-email-error"/>
                        <FieldMessage id="add-email" message=message("email")/>
                    </div>
                    <fieldset class="methods" aria-describedby="add-role-error">
                        <legend>"Role"</legend>
                        {Role::ALL.iter().map(|r| view! {
                            <label class="method-option">
                                <input type="radio" name="form[role]" value=r.code() checked=*r == Role::Csr/>
                                <span>{r.label()}</span>
                            </label>
                        }).collect_view()}
                        <FieldMessage id="add-role" message=message("role")/>
                    </fieldset>
                    <div class="actions">
                        <button type="submit" class="btn btn-primary" disabled=move || add.pending().get()>"Add user"</button>
                    </div>
                </ActionForm>
            </section>
        </Layout>
    }
}

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let login = move || params.read().get("login").unwrap_or_default();
    let active = ServerAction::<SetUserActive>::new();
    let unlock = ServerAction::<UnlockUser>::new();
    let reset = ServerAction::<TemporaryPassword>::new();
    let grants = ServerAction::<SetUserEntitlements>::new();
    let limits = ServerAction::<SetUserDivisions>::new();
    let changed = move || {
        (
            active.version().get(),
            unlock.version().get(),
            reset.version().get(),
            grants.version().get(),
            limits.version().get(),
        )
    };
    let user = Resource::new(move || (login(), changed()), |(l, _)| load_user(l));
    // The latest answer of any of the page's forms.
    let latest = Signal::derive(move || {
        [
            active.value().get(),
            unlock.value().get(),
            reset.value().get(),
            grants.value().get(),
            limits.value().get(),
        ]
        .into_iter()
        .flatten()
        .find(|r| r.is_err())
        .or_else(|| {
            [
                active.value().get(),
                unlock.value().get(),
                reset.value().get(),
                grants.value().get(),
                limits.value().get(),
            ]
            .into_iter()
            .flatten()
            .last()
        })
    });
    let alert = Signal::derive(move || match latest.get() {
        Some(Err(AppError::Invalid(_))) => None,
        other => form_error(other),
    });
    let done = move || latest.get().and_then(Result::ok);
    view! {
        <Title text=move || format!("User {}", login())/>
        <Layout>
            <nav class="crumbs" aria-label="Breadcrumb"><a href=crate::routes::USERS>"User Admin"</a>" › "{login}</nav>
            <FormAlert message=alert/>
            <p class="notice" role="status">{done}</p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || user.get().map(|r| match r {
                    Err(e) => view! { <h1>"User"</h1><p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(d) => view! { <UserDetail d active unlock reset grants limits/> }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn UserDetail(
    d: StaffUserDetail,
    active: ServerAction<SetUserActive>,
    unlock: ServerAction<UnlockUser>,
    reset: ServerAction<TemporaryPassword>,
    grants: ServerAction<SetUserEntitlements>,
    limits: ServerAction<SetUserDivisions>,
) -> impl IntoView {
    let u = d.user.clone();
    let divisions = (d.all_divisions.len() > 1).then(|| {
        view! { <DivisionLimits login=u.login.clone() all=d.all_divisions.clone() limited=d.divisions.clone()
            editable=d.can_edit_divisions limits/> }
    });
    let badges = status_badges(&u);
    let (l1, l2, l3, l4) = (
        u.login.clone(),
        u.login.clone(),
        u.login.clone(),
        u.login.clone(),
    );
    let (is_active, locked) = (u.active, u.locked_until.is_some());
    let email_error = Signal::derive(move || {
        field_errors(reset.value().get()).and_then(|e| e.message_for("email").map(str::to_string))
    });
    view! {
        <h1>"User "<span class="mono">{u.login.clone()}</span></h1>
        <dl class="review detail">
            <div><dt>"Email"</dt><dd>{u.email.clone()}</dd></div>
            <div><dt>"Role"</dt><dd>{u.role.label()}</dd></div>
            <div><dt>"Status"</dt><dd>{badges}</dd></div>
            {u.locked_until.clone().map(|t| view! { <div><dt>"Locked until"</dt><dd>{t}</dd></div> })}
            <div><dt>"Added"</dt><dd>{u.created.clone()}</dd></div>
            <div><dt>"Last seen"</dt><dd>{u.last_seen.clone().unwrap_or_else(|| "Never".into())}</dd></div>
        </dl>
        <section class="panel" aria-labelledby="user-actions-title">
            <h2 id="user-actions-title">"Actions"</h2>
            <div class="actions">
                {(!d.is_self).then(|| view! {
                    <ActionForm action=active>
                        <input type="hidden" name="login" value=l1/>
                        <input type="hidden" name="active" value=(!is_active).to_string()/>
                        <button type="submit" class="btn btn-secondary">{if is_active { "Deactivate" } else { "Activate" }}</button>
                    </ActionForm>
                })}
                {locked.then(|| view! {
                    <ActionForm action=unlock>
                        <input type="hidden" name="login" value=l2/>
                        <button type="submit" class="btn btn-secondary">"Unlock"</button>
                    </ActionForm>
                })}
            </div>
            {is_active.then(|| view! {
                <ActionForm action=reset>
                    <input type="hidden" name="login" value=l3/>
                    <div class="field">
                        <label for="reset-email">"Type the user's email address to confirm"</label>
                        <input id="reset-email" name="email" type="email" autocomplete="off"
                            aria-invalid=move || email_error.get().is_some().to_string() autofocus=move || email_error.get().is_some() aria-describedby="reset-email-error"/>
                        <FieldMessage id="reset-email" message=email_error/>
                    </div>
                    <button type="submit" class="btn btn-secondary" disabled=move || reset.pending().get()>"Generate Temporary Password"</button>
                </ActionForm>
            })}
        </section>
        <section class="panel" aria-labelledby="user-entitlements-title">
            <h2 id="user-entitlements-title">"Entitlements"</h2>
            <p class="muted">{format!("Boxes start from the {} role; a change here applies to this user only.", u.role.label())}</p>
            <ActionForm action=grants>
                <input type="hidden" name="login" value=l4/>
                <EntitlementBoxes granted=d.entitlements.clone() role=Some(d.role_entitlements.clone()) disabled=d.is_self || !d.can_edit_entitlements/>
                {(!d.is_self && d.can_edit_entitlements).then(|| view! {
                    <button type="submit" class="btn btn-primary" disabled=move || grants.pending().get()>"Update Entitlements"</button>
                })}
            </ActionForm>
        </section>
        {divisions}
    }
}

/// The divisions a user is limited to, shown when the biller has more
/// than one: nothing ticked means every division.
#[component]
fn DivisionLimits(
    login: String,
    all: Vec<crate::domain::division::Division>,
    limited: Vec<i64>,
    editable: bool,
    limits: ServerAction<SetUserDivisions>,
) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="user-divisions-title">
            <h2 id="user-divisions-title">"Divisions"</h2>
            <ActionForm action=limits>
                <input type="hidden" name="login" value=login/>
                <fieldset aria-describedby="user-divisions-hint">
                    <legend>"Limit this user to"</legend>
                    <p class="hint" id="user-divisions-hint">
                        "The user sees and acts on only the accounts of the divisions ticked. With none ticked, every division, including ones added later."
                    </p>
                    {all.into_iter().map(|d| view! {
                        <div class="field">
                            <label class="check">
                                <input type="checkbox" name=format!("limit[{}]", d.id) value="on"
                                    checked=limited.contains(&d.id) disabled=!editable/>
                                <span>{d.name}</span>
                            </label>
                        </div>
                    }).collect_view()}
                </fieldset>
                {editable.then(|| view! {
                    <button type="submit" class="btn btn-primary" disabled=move || limits.pending().get()>"Update Divisions"</button>
                })}
            </ActionForm>
        </section>
    }
}

/// One checkbox per entitlement; with `role`, each notes where it differs
/// from the role's set.
#[component]
pub fn EntitlementBoxes(
    granted: crate::domain::entitlements::Entitlements,
    role: Option<crate::domain::entitlements::Entitlements>,
    disabled: bool,
) -> impl IntoView {
    view! {
        <fieldset class="entitlements">
            <legend class="sr-only">"Entitlements"</legend>
            {Entitlement::ALL.iter().map(|e| {
                let on = granted.has(*e);
                let differs = role.as_ref().is_some_and(|r| r.has(*e) != on);
                view! {
                    <label class="check">
                        <input type="checkbox" name=format!("granted[{}]", checkbox_name(*e)) value="on" checked=on disabled=disabled/>
                        <span>{e.label()}</span>
                        {differs.then(|| view! { <span class="muted small">" (differs from the role)"</span> })}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// Said with a division chosen: whom the list holds (docs/divisions.md).
fn division_staff(name: &str) -> String {
    format!(
        "The staff who work in {name}: those limited to it and those with every division. Choose All divisions to see everyone."
    )
}
