//! Divisions (issue 16; docs/divisions.md): administrators add and rename
//! them on the Divisions page, and limit staff users to some of them on
//! User Admin. What a limited user may reach is checked here, on the
//! server, for every account they ask for: an account of another division
//! is answered exactly as one that doesn't exist, so a URL can't tell a
//! Water CSR that an Electric account is there.

use crate::db::Db;
use crate::db::accounts::AccountRow;
use crate::db::audit::AuditEntry;
use crate::db::divisions::DivisionWrite;
use crate::domain::audit_action::AuditAction;
use crate::domain::division::{
    AchCompanyForm, Division, DivisionScope, check_ach_company, check_name, parse_choice,
};
use crate::domain::staff::StaffUser;
use crate::error::{AppError, FieldErrors};

pub struct Divisions<'a> {
    pub db: &'a Db,
}

fn invalid(name: &str, message: impl Into<String>) -> AppError {
    let mut e = FieldErrors::new().keep("name", name);
    e.add("name", message);
    AppError::Invalid(e)
}

impl Divisions<'_> {
    /// The Divisions page's list, with each division's number of accounts.
    pub async fn list(&self) -> Result<Vec<Division>, AppError> {
        Ok(self.db.divisions_with_counts().await?)
    }

    /// The divisions `staff` may use, for the pages that let them pick one.
    pub async fn usable_by(&self, staff: &StaffUser) -> Result<Vec<Division>, AppError> {
        let mut all = self.db.divisions().await?;
        all.retain(|d| staff.divisions.allows(d.id));
        Ok(all)
    }

    /// ACH Company: the Company Name and Company ID of division `id`'s
    /// batches in the NACHA file; both empty, the Profile's. The next
    /// settlement run uses it.
    pub async fn save_ach(
        &self,
        staff: &StaffUser,
        id: i64,
        form: &AchCompanyForm,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let company = check_ach_company(form).map_err(AppError::Invalid)?;
        let object = format!("division {id}");
        let audit = AuditEntry {
            division: Some(id),
            ..AuditEntry::by_staff(staff, AuditAction::DivisionAch, &object, ip)
        };
        match self
            .db
            .set_division_ach(id, company.as_ref(), &audit)
            .await?
        {
            DivisionWrite::Missing => Err(no_such_division()),
            _ => Ok(()),
        }
    }

    /// The selector above the menu: `staff` works in `division` (as
    /// posted: empty is every division they may use) in the session
    /// `token` until they choose again or sign out. A division they may
    /// not use is answered as one that doesn't exist.
    pub async fn choose(
        &self,
        staff: &StaffUser,
        token: &str,
        division: &str,
    ) -> Result<(), AppError> {
        let division = parse_choice(division).map_err(|m| {
            let mut e = FieldErrors::new();
            e.add("division", m);
            AppError::Invalid(e)
        })?;
        if let Some(d) = division
            && !may_use(self.db, &staff.divisions, d).await?
        {
            return Err(no_such_division());
        }
        let hash = super::auth::token_hash(token);
        Ok(self.db.set_session_division(&hash, division).await?)
    }

    /// Add Division (`id` None) or Rename division `id`. Returns its id.
    pub async fn save(
        &self,
        staff: &StaffUser,
        id: Option<i64>,
        name: &str,
        ip: Option<&str>,
    ) -> Result<i64, AppError> {
        let checked = check_name(name).map_err(|m| invalid(name, m))?;
        let written = match id {
            None => {
                let audit = AuditEntry {
                    after: Some(&checked),
                    ..AuditEntry::by_staff(staff, AuditAction::DivisionAdded, "division", ip)
                };
                self.db.add_division(&checked, &audit).await?
            }
            Some(id) => {
                let object = format!("division {id}");
                let audit = AuditEntry {
                    division: Some(id),
                    ..AuditEntry::by_staff(staff, AuditAction::DivisionRenamed, &object, ip)
                };
                self.db.rename_division(id, &checked, &audit).await?
            }
        };
        match written {
            DivisionWrite::Done(id) => Ok(id),
            DivisionWrite::DuplicateName => Err(invalid(name, "Another division has that name.")),
            DivisionWrite::Missing => Err(no_such_division()),
        }
    }
}

/// A division that doesn't exist, or that the asker may not use: the
/// same answer either way.
pub fn no_such_division() -> AppError {
    AppError::NotFound("There is no such division.".into())
}

/// The account, if `scope` reaches its division; else the same 404 as an
/// account that doesn't exist (`missing`).
pub fn visible(
    scope: &DivisionScope,
    account: Option<AccountRow>,
    missing: impl FnOnce() -> AppError,
) -> Result<AccountRow, AppError> {
    match account {
        Some(a) if scope.allows(a.division_id) => Ok(a),
        _ => Err(missing()),
    }
}

/// Whether a staff user with `scope` may put an account into `division`
/// (Create Account): it must exist, and a limited user
/// may only use their own divisions.
pub async fn may_use(db: &Db, scope: &DivisionScope, division: i64) -> Result<bool, AppError> {
    Ok(scope.allows(division) && db.division_exists(division).await?)
}

/// Whether a staff user with `scope` reaches the enrolled payer `user_id`
/// (Enrolled User Information, their saved methods and plans): only
/// through an account of their divisions that the payer pays.
pub async fn reaches_payer(
    db: &Db,
    scope: &DivisionScope,
    user_id: &str,
) -> Result<bool, AppError> {
    if scope.ids().is_none() {
        return Ok(true);
    }
    let accounts = db.accounts_for_user_id(user_id.trim()).await?;
    Ok(accounts.iter().any(|a| scope.allows(a.division_id)))
}
