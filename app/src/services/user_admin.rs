//! User Admin and Role Entitlements: adding staff with an emailed
//! temporary password, deactivating and activating them (which ends their
//! sessions), unlocking, new temporary passwords, and entitlements for a
//! role or one user. The server functions in `api::users` check who may.

use super::clock;
use super::notices::{Mailer, send_temporary_password};
use crate::config::Config;
use crate::db::audit::AuditEntry;
use crate::db::entitlements::Administered;
use crate::db::user_admin::{Deactivation, StaffListRow};
use crate::db::{Db, now_ms};
use crate::domain::audit_action::AuditAction;
use crate::domain::division::DivisionScope;
use crate::domain::email::Email;
use crate::domain::entitlements::{
    Entitlement, Entitlements, RoleEntitlementsView, StaffChange, needs_administrator,
};
use crate::domain::staff::{LoginId, Role, StaffUser};
use crate::domain::user_admin_view::{
    AddUserForm, StaffUserDetail, StaffUserView, check_role_set, temporary_password,
};
use crate::error::{AppError, FieldErrors};
use rand::RngCore;

pub struct UserAdmin<'a> {
    pub db: &'a Db,
    pub config: &'a Config,
    pub mailer: &'a Mailer,
}

fn view(r: StaffListRow, tz: &str) -> Result<StaffUserView, crate::domain::UnknownCode> {
    let now = now_ms();
    Ok(StaffUserView {
        role: Role::decode(&r.role)?,
        active: r.active,
        locked_until: r
            .locked_until
            .filter(|t| *t > now)
            .map(|t| clock::display(t, tz)),
        temporary_password: r.must_change_password,
        created: clock::display(r.created_at, tz),
        last_seen: r.last_sign_in.map(|t| clock::display(t, tz)),
        login: r.login,
        email: r.email,
    })
}

/// Whether `actor` may set the divisions of a user with `role`: with User
/// administration (which a user limited to some divisions never has, or
/// they could widen their own reach through another account), never on
/// themselves, and on an Administrator only as one.
fn may_limit(actor: &StaffUser, role: Role, own: bool) -> bool {
    actor.can(Entitlement::UserAdmin)
        && !own
        && !needs_administrator(actor.role, StaffChange::User(role))
}

fn no_such_user(login: &str) -> AppError {
    AppError::NotFound(format!("There is no staff user {}.", login.trim()))
}

/// Refuses (403, before anything changes) what only an Administrator may
/// do, when `actor` holds delegated administration but is not one.
fn allowed(actor: &StaffUser, change: StaffChange) -> Result<(), AppError> {
    if needs_administrator(actor.role, change) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// An unknown stored role is an error: nothing is changed for a user whose
/// role this build cannot read.
fn role_of(row: &StaffListRow) -> Result<Role, crate::domain::UnknownCode> {
    Role::decode(&row.role)
}

fn no_administrator_left() -> AppError {
    AppError::Conflict(
        "That would leave no active Administrator with User administration and Entitlement administration. Keep them for at least one.".into(),
    )
}

pub(crate) fn new_temporary_password() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    temporary_password(&bytes)
}

impl UserAdmin<'_> {
    async fn row(&self, login: &str) -> Result<StaffListRow, AppError> {
        let key = login.trim().to_ascii_lowercase();
        self.db
            .staff_listing(&key)
            .await?
            .ok_or_else(|| no_such_user(login))
    }

    /// The staff who work in the divisions `viewer` has chosen (all: everyone).
    pub async fn list(&self, viewer: &StaffUser) -> Result<Vec<StaffUserView>, AppError> {
        let tz = &self.config.timezone;
        Ok(self
            .db
            .list_staff(&viewer.shown())
            .await?
            .into_iter()
            .map(|r| view(r, tz))
            .collect::<Result<_, _>>()?)
    }

    pub async fn detail(
        &self,
        viewer: &StaffUser,
        login: &str,
    ) -> Result<StaffUserDetail, AppError> {
        let row = self.row(login).await?;
        let user = view(row.clone(), &self.config.timezone)?;
        Ok(StaffUserDetail {
            role_entitlements: self.db.role_entitlements(user.role).await?,
            entitlements: self.db.entitlements_of(row.id, user.role).await?,
            is_self: row.id == viewer.id,
            can_edit_entitlements: viewer.can(Entitlement::EntitlementAdmin),
            all_divisions: self.db.divisions().await?,
            divisions: self.db.staff_divisions(row.id).await?,
            can_edit_divisions: may_limit(viewer, user.role, row.id == viewer.id),
            user,
        })
    }

    /// Add user: the new user gets a temporary password by email and must
    /// choose their own at first sign-in. Returns the login ID.
    pub async fn add(
        &self,
        admin: &StaffUser,
        form: &AddUserForm,
        ip: Option<&str>,
    ) -> Result<String, AppError> {
        let Some(role) = Role::from_code(&form.role) else {
            // Say everything that is wrong at once, and add nothing.
            let mut errs = FieldErrors::new()
                .keep("login", &form.login)
                .keep("email", &form.email);
            if let Err(e) = LoginId::parse(&form.login) {
                errs.add("login", e.to_string());
            }
            if let Err(e) = Email::parse(&form.email) {
                errs.add("email", e.to_string());
            }
            errs.add("role", "Choose Administrator or CSR.");
            return Err(AppError::Invalid(errs));
        };
        allowed(admin, StaffChange::AddUser(role))?;
        let password = new_temporary_password();
        super::auth::add_user_with(
            self.db,
            &form.login,
            &form.email,
            role,
            &password,
            true,
            Some(&admin.login),
        )
        .await?;
        let row = self.row(&form.login).await?;
        self.db
            .audit(&AuditEntry::by_staff(
                admin,
                AuditAction::UserTemporaryPassword,
                &row.login,
                ip,
            ))
            .await?;
        self.mail(&row, &password).await?;
        Ok(row.login)
    }

    async fn mail(&self, row: &StaffListRow, password: &str) -> Result<(), AppError> {
        send_temporary_password(self.mailer, self.config, &row.email, &row.login, password).await.map_err(|e| {
            let incident = super::incident_id();
            tracing::error!(incident = %incident, user = row.id, error = %e, "temporary password email failed");
            AppError::Conflict(format!(
                "The email with the temporary password for {} could not be sent (incident {incident}). Use Generate Temporary Password to try again.",
                row.login
            ))
        })
    }

    /// Deactivate: the user can no longer sign in, and any open session ends
    /// at its next request. Never yourself, never the last administrator.
    pub async fn deactivate(
        &self,
        admin: &StaffUser,
        login: &str,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let row = self.row(login).await?;
        allowed(admin, StaffChange::User(role_of(&row)?))?;
        if row.id == admin.id {
            return Err(AppError::Conflict("You can't deactivate yourself.".into()));
        }
        match self
            .db
            .deactivate_staff(
                row.id,
                &AuditEntry::by_staff(admin, AuditAction::UserDeactivate, &row.login, ip),
            )
            .await?
        {
            Deactivation::Done => Ok(()),
            Deactivation::NoSuchUser => Err(AppError::Conflict(format!(
                "{} is already inactive.",
                row.login
            ))),
            Deactivation::LastAdministrator => Err(AppError::Conflict(
                "You can't deactivate the last active administrator with User administration and Entitlement administration.".into(),
            )),
        }
    }

    pub async fn activate(
        &self,
        admin: &StaffUser,
        login: &str,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let row = self.row(login).await?;
        allowed(admin, StaffChange::User(role_of(&row)?))?;
        self.db
            .activate_staff(
                row.id,
                &AuditEntry::by_staff(admin, AuditAction::UserActivate, &row.login, ip),
            )
            .await?;
        Ok(())
    }

    pub async fn unlock(
        &self,
        admin: &StaffUser,
        login: &str,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let row = self.row(login).await?;
        allowed(admin, StaffChange::User(role_of(&row)?))?;
        if !self
            .db
            .unlock_staff(
                row.id,
                now_ms(),
                &AuditEntry::by_staff(admin, AuditAction::UserUnlock, &row.login, ip),
            )
            .await?
        {
            return Err(AppError::Conflict(format!("{} is not locked.", row.login)));
        }
        Ok(())
    }

    /// Generate Temporary Password, once the administrator has typed the
    /// user's email address to confirm where it goes. The user's sessions
    /// end and they must choose a new password at sign-in.
    pub async fn reset_password(
        &self,
        admin: &StaffUser,
        login: &str,
        confirm_email: &str,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let row = self.row(login).await?;
        allowed(admin, StaffChange::User(role_of(&row)?))?;
        if !confirm_email.trim().eq_ignore_ascii_case(&row.email) {
            let mut errs = FieldErrors::new().keep("email", confirm_email);
            errs.add(
                "email",
                format!("That is not {}'s email address.", row.login),
            );
            return Err(AppError::Invalid(errs));
        }
        if !row.active {
            return Err(AppError::Conflict(format!(
                "{} is inactive. Activate them first.",
                row.login
            )));
        }
        let password = new_temporary_password();
        let hash = super::auth::hash_blocking(&password).await?;
        self.db
            .set_temporary_password(
                row.id,
                &hash,
                &AuditEntry::by_staff(admin, AuditAction::UserTemporaryPassword, &row.login, ip),
            )
            .await?;
        self.mail(&row, &password).await
    }

    /// One user's entitlements: stored as overrides of their role's set, so
    /// a later change to the role still reaches what was not overridden.
    pub async fn set_entitlements(
        &self,
        admin: &StaffUser,
        login: &str,
        wanted: &Entitlements,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let row = self.row(login).await?;
        let role = role_of(&row)?;
        allowed(
            admin,
            StaffChange::UserEntitlements {
                role,
                own: row.id == admin.id,
            },
        )?;
        if row.id == admin.id {
            return Err(AppError::Conflict(
                "You can't change your own entitlements. Ask another administrator.".into(),
            ));
        }
        let before = self.db.entitlements_of(row.id, role).await?;
        let overrides = self.db.role_entitlements(role).await?.overrides_for(wanted);
        let (before, after) = (before.codes().join(","), wanted.codes().join(","));
        let entry = AuditEntry {
            before: Some(&before),
            after: Some(&after),
            ..AuditEntry::by_staff(admin, AuditAction::UserEntitlements, &row.login, ip)
        };
        match self
            .db
            .set_user_overrides(row.id, &overrides, &entry)
            .await?
        {
            Administered::Done(()) => Ok(()),
            Administered::NoneLeft => Err(no_administrator_left()),
        }
    }

    /// Limits a user to some divisions (none: every division). Only a user
    /// limited to no division may set limits, never their own, and an
    /// Administrator's only when they are one too.
    pub async fn set_divisions(
        &self,
        admin: &StaffUser,
        login: &str,
        wanted: &[i64],
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let row = self.row(login).await?;
        let role = role_of(&row)?;
        if !may_limit(admin, role, row.id == admin.id) {
            return Err(AppError::Forbidden);
        }
        let ids = DivisionScope::limited_to(wanted.to_vec());
        let ids = ids.ids().unwrap_or(&[]);
        let entry = AuditEntry::by_staff(admin, AuditAction::UserDivisions, &row.login, ip);
        if !self.db.set_staff_divisions(row.id, ids, &entry).await? {
            // Said above the form: the boxes have no message of their own.
            return Err(AppError::Conflict(
                "A division ticked no longer exists. Open the page again to see the divisions there are.".into(),
            ));
        }
        Ok(())
    }

    pub async fn role_view(&self, role: Role) -> Result<RoleEntitlementsView, AppError> {
        let (users, users_with_overrides) = self.db.role_user_counts(role).await?;
        Ok(RoleEntitlementsView {
            role,
            granted: self.db.role_entitlements(role).await?,
            users,
            users_with_overrides,
        })
    }

    /// Update Entitlements for a role; with `apply_to_users`, every user in
    /// the role loses their overrides and gets exactly the role's set.
    pub async fn set_role(
        &self,
        admin: &StaffUser,
        role: Role,
        granted: &Entitlements,
        apply_to_users: bool,
        ip: Option<&str>,
    ) -> Result<u64, AppError> {
        allowed(admin, StaffChange::Role(role))?;
        check_role_set(role, granted).map_err(|m| AppError::field("granted", m))?;
        let before = self.db.role_entitlements(role).await?.codes().join(",");
        let after = granted.codes().join(",");
        let action = if apply_to_users {
            AuditAction::RoleEntitlementsApplied
        } else {
            AuditAction::RoleEntitlements
        };
        let entry = AuditEntry {
            before: Some(&before),
            after: Some(&after),
            ..AuditEntry::by_staff(admin, action, role.code(), ip)
        };
        match self
            .db
            .set_role_entitlements(role, granted, apply_to_users, &entry)
            .await?
        {
            Administered::Done(reset) => Ok(reset),
            Administered::NoneLeft => Err(no_administrator_left()),
        }
    }
}
