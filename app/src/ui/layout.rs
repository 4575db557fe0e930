//! The frame around every signed-in page: header, navigation, sign-out.

use crate::api::auth::{SignOut, current_user};
use crate::api::divisions::{ChooseDivision, my_divisions};
use crate::domain::division::Division;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::A;

fn is_change_password_page() -> bool {
    leptos_router::hooks::use_location()
        .pathname
        .get_untracked()
        == crate::routes::CHANGE_PASSWORD
}

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    let divisions = Resource::new(|| (), |_| my_divisions());
    let sign_out = ServerAction::<SignOut>::new();
    // A session that ended while the page was open: back to sign-in.
    Effect::new(move |_| {
        let navigate = leptos_router::hooks::use_navigate();
        match user.get() {
            Some(Err(AppError::Unauthenticated)) => {
                navigate("/sign-in?expired=1", Default::default())
            }
            // A temporary or expired password: Change Password first (the
            // server's page guard does the same for full page loads).
            Some(Ok(u)) if u.must_change_password && !is_change_password_page() => navigate(
                &format!("{}?required=1", crate::routes::CHANGE_PASSWORD),
                Default::default(),
            ),
            _ => {}
        }
    });
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            // Named by its visible text, "Paydesk" (WCAG 2.5.3, Label in Name).
            <a class="brand" href=crate::routes::HOME>
                <span class="brand-mark" aria-hidden="true">"P"</span>
                <span class="brand-name">"Paydesk"</span>
            </a>
            // Above the menu, as in the help center: shown only to a user
            // with more than one division to work in.
            <Transition fallback=|| ()>
                {move || {
                    let viewing = user.get().and_then(Result::ok).map(|u| u.viewing);
                    let list = divisions.get().and_then(Result::ok).unwrap_or_default();
                    viewing
                        .filter(|_| list.len() > 1)
                        .map(|viewing| view! { <DivisionSelector list viewing/> })
                }}
            </Transition>
            <nav class="mainnav" aria-label="Main">
                // Home first, for those who may read reports (the others'
                // home is Payer Support). `exact`: every path starts with "/".
                <Transition fallback=|| ()>
                    {move || user.get().and_then(Result::ok).filter(|u| {
                        u.can(crate::domain::entitlements::Entitlement::Reports)
                    }).map(|_| view! { <A href=crate::routes::HOME exact=true>"Home"</A> })}
                </Transition>
                <A href="/payer-support">"Payer Support"</A>
                // Only what this user may use (the server refuses the rest).
                <Transition fallback=|| ()>
                    {move || user.get().and_then(Result::ok).map(|u| {
                        use crate::domain::entitlements::Entitlement as E;
                        use crate::routes;
                        [
                            (E::ApproveRefunds, routes::APPROVALS, "Approvals"),
                            (E::Uploads, routes::UPLOADS, "File Transfers"),
                            (E::Settlement, routes::SETTLEMENTS, "Settlement"),
                            (E::Reports, routes::REPORTS, "Reports"),
                            (E::UserAdmin, routes::USERS, "User Admin"),
                            (E::EntitlementAdmin, routes::ROLES, "Role Entitlements"),
                            (E::Categories, routes::CATEGORIES, "Manage Category"),
                            (E::Fees, routes::FEES, "Convenience Fees"),
                            (E::Divisions, routes::DIVISIONS, "Divisions"),
                            (E::BillerProfile, routes::BILLER_PROFILE, "Profile"),
                        ]
                        .into_iter()
                        .filter(|(e, _, _)| u.can(*e))
                        .map(|(_, href, label)| view! { <A href=href>{label}</A> })
                        .collect_view()
                    })}
                </Transition>
            </nav>
            <div class="session">
                <Transition fallback=|| ()>
                    {move || {
                        user.get()
                            .and_then(Result::ok)
                            .map(|u| {
                                view! {
                                    <span class="who" data-testid="signed-in-user">
                                        <span class="who-login">{u.login}</span>
                                        <span class="who-role">{u.role.label()}</span>
                                    </span>
                                }
                            })
                    }}
                </Transition>
                <a class="btn btn-quiet" href=crate::routes::CHANGE_PASSWORD>"Change password"</a>
                <ActionForm action=sign_out>
                    <button type="submit" class="btn btn-quiet">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
        <main id="main" class="page" tabindex="-1">{children()}</main>
        <super::session_watch::SessionWatch/>
    }
}

/// The name of the division chosen in the selector above the menu, if one
/// is (with All divisions, or one division to work in: none).
async fn chosen_division() -> Option<String> {
    let viewing = current_user().await.ok()?.viewing?;
    let list = my_divisions().await.ok()?;
    list.into_iter().find(|d| d.id == viewing).map(|d| d.name)
}

/// A note on a page that a chosen division changes, or doesn't: `say`
/// words it for the division's name (docs/divisions.md).
#[component]
pub fn ChosenDivisionNote(id: &'static str, say: fn(&str) -> String) -> impl IntoView {
    let chosen = Resource::new(|| (), |_| chosen_division());
    view! {
        <Transition fallback=|| ()>
            {move || chosen.get().flatten().map(|name| view! { <p class="note" id=id>{say(&name)}</p> })}
        </Transition>
    }
}

/// The division selector: a plain form that posts the choice and comes
/// back to the page it was on (`back`), narrowed.
#[component]
fn DivisionSelector(list: Vec<Division>, viewing: Option<i64>) -> impl IntoView {
    use leptos::server_fn::ServerFn;
    let action = ChooseDivision::url();
    let location = leptos_router::hooks::use_location();
    let back = move || {
        let search = location.search.get();
        let mark = if search.is_empty() || search.starts_with('?') {
            ""
        } else {
            "?"
        };
        format!("{}{mark}{search}", location.pathname.get())
    };
    view! {
        <form class="division-picker" method="post" action=action>
            <label for="division-choice">"Division"</label>
            <select id="division-choice" name="division">
                <option value="" selected=viewing.is_none()>"All divisions"</option>
                {list
                    .into_iter()
                    .map(|d| {
                        view! {
                            <option value=d.id.to_string() selected=viewing == Some(d.id)>
                                {d.name}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <input type="hidden" name="back" value=back/>
            <button type="submit" class="btn btn-quiet">"Switch"</button>
        </form>
    }
}
