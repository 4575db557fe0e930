//! User Admin and Role Entitlements, as server functions. User changes need
//! User administration; entitlement changes need Entitlement administration.

use crate::domain::entitlements::RoleEntitlementsView;
use crate::domain::user_admin_view::{AddUserForm, StaffUserDetail, StaffUserView};
use crate::error::AppError;
use leptos::prelude::*;
use std::collections::BTreeMap;

#[cfg(feature = "ssr")]
mod guard {
    use crate::domain::entitlements::Entitlement;
    use crate::domain::staff::StaffUser;
    use crate::error::AppError;
    use crate::web::AppState;
    use crate::web::session::RequestSession;

    pub fn admin(e: Entitlement) -> Result<(AppState, StaffUser, RequestSession), AppError> {
        crate::api::context::require(e)
    }

    pub fn users() -> Result<(AppState, StaffUser, RequestSession), AppError> {
        admin(Entitlement::UserAdmin)
    }

    pub fn entitlements() -> Result<(AppState, StaffUser, RequestSession), AppError> {
        admin(Entitlement::EntitlementAdmin)
    }

    pub fn back_to(login: &str) {
        leptos_axum::redirect(&crate::routes::staff_user(login));
    }
}

#[server(endpoint = "load_users")]
pub async fn load_users() -> Result<Vec<StaffUserView>, AppError> {
    let (state, user, _) = guard::users()?;
    state.user_admin().list(&user).await
}

#[server(endpoint = "load_user")]
pub async fn load_user(login: String) -> Result<StaffUserDetail, AppError> {
    let (state, user, _) = guard::users()?;
    state.user_admin().detail(&user, &login).await
}

/// Add user; the temporary password goes to the user's email.
#[server(endpoint = "add_user")]
pub async fn add_user(form: AddUserForm) -> Result<String, AppError> {
    let (state, user, session) = guard::users()?;
    let login = state
        .user_admin()
        .add(&user, &form, session.ip.as_deref())
        .await?;
    guard::back_to(&login);
    Ok(format!(
        "{login} was added. Their temporary password was emailed to them."
    ))
}

/// Deactivate (`active` false) or Activate a user.
#[server(endpoint = "set_user_active")]
pub async fn set_user_active(login: String, active: bool) -> Result<String, AppError> {
    let (state, user, session) = guard::users()?;
    let admin = state.user_admin();
    if active {
        admin.activate(&user, &login, session.ip.as_deref()).await?;
    } else {
        admin
            .deactivate(&user, &login, session.ip.as_deref())
            .await?;
    }
    guard::back_to(&login);
    Ok(format!(
        "{} is now {}.",
        login.trim(),
        if active {
            "active"
        } else {
            "inactive; their sessions have ended"
        }
    ))
}

#[server(endpoint = "unlock_user")]
pub async fn unlock_user(login: String) -> Result<String, AppError> {
    let (state, user, session) = guard::users()?;
    state
        .user_admin()
        .unlock(&user, &login, session.ip.as_deref())
        .await?;
    guard::back_to(&login);
    Ok(format!("{} is unlocked.", login.trim()))
}

/// Generate Temporary Password, after typing the user's email to confirm.
#[server(endpoint = "temporary_password")]
pub async fn temporary_password(login: String, email: String) -> Result<String, AppError> {
    let (state, user, session) = guard::users()?;
    state
        .user_admin()
        .reset_password(&user, &login, &email, session.ip.as_deref())
        .await?;
    guard::back_to(&login);
    Ok(format!(
        "A temporary password was emailed to {}.",
        email.trim()
    ))
}

/// One user's entitlements (the ticked boxes, named by
/// `user_admin_view::checkbox_name`).
#[server(endpoint = "set_user_entitlements")]
pub async fn set_user_entitlements(
    login: String,
    #[server(default)] granted: BTreeMap<String, String>,
) -> Result<String, AppError> {
    let (state, user, session) = guard::entitlements()?;
    let wanted = crate::domain::user_admin_view::ticked(granted.keys());
    state
        .user_admin()
        .set_entitlements(&user, &login, &wanted, session.ip.as_deref())
        .await?;
    guard::back_to(&login);
    Ok(format!("{}'s entitlements were updated.", login.trim()))
}

/// One user's divisions (the ticked boxes are named `limit[ID]`); none
/// ticked means every division.
#[server(endpoint = "set_user_divisions")]
pub async fn set_user_divisions(
    login: String,
    #[server(default)] limit: BTreeMap<String, String>,
) -> Result<String, AppError> {
    let (state, user, session) = guard::users()?;
    let wanted = crate::domain::division::ticked(limit.keys());
    state
        .user_admin()
        .set_divisions(&user, &login, &wanted, session.ip.as_deref())
        .await?;
    guard::back_to(&login);
    Ok(format!("{}'s divisions were updated.", login.trim()))
}

#[server(endpoint = "load_role_entitlements")]
pub async fn load_role_entitlements(role: String) -> Result<RoleEntitlementsView, AppError> {
    let (state, _, _) = guard::entitlements()?;
    let role =
        crate::domain::staff::Role::from_code(&role).unwrap_or(crate::domain::staff::Role::Csr);
    state.user_admin().role_view(role).await
}

/// Update Entitlements for a role; `apply` = Apply to current users.
#[server(endpoint = "set_role_entitlements")]
pub async fn set_role_entitlements(
    role: String,
    #[server(default)] granted: BTreeMap<String, String>,
    #[server(default)] apply: Option<String>,
) -> Result<String, AppError> {
    let (state, user, session) = guard::entitlements()?;
    let role = crate::domain::staff::Role::from_code(&role)
        .ok_or_else(|| AppError::BadRequest("role must be admin or csr".into()))?;
    let wanted = crate::domain::user_admin_view::ticked(granted.keys());
    let reset = state
        .user_admin()
        .set_role(&user, role, &wanted, apply.is_some(), session.ip.as_deref())
        .await?;
    leptos_axum::redirect(&crate::routes::role_entitlements(role.code()));
    Ok(match apply {
        Some(_) => format!(
            "{} entitlements updated and applied to every {} ({reset} override(s) removed).",
            role.label(),
            role.label()
        ),
        None => format!("{} entitlements updated.", role.label()),
    })
}
