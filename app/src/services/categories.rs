//! Manage Category (help center D2; docs/categories.md): administrators
//! add, edit and delete the payment categories offered to all payers. Every
//! change is audited with the line before and after; an edit or delete
//! made on an older copy of the line is refused with a message, never
//! applied over someone else's save.

use crate::db::Db;
use crate::db::audit::AuditEntry;
use crate::db::categories::CategoryWrite;
use crate::domain::audit_action::AuditAction;
use crate::domain::category::{Category, CategoryForm, NewCategory, check_category};
use crate::domain::division::DivisionScope;
use crate::domain::staff::StaffUser;
use crate::error::{AppError, FieldErrors};

pub struct Categories<'a> {
    pub db: &'a Db,
}

/// What the audit log keeps of a line.
fn snapshot(c: &NewCategory) -> String {
    serde_json::json!({
        "description": c.description,
        "charge_code": c.charge_code,
        "amount": c.amount.plain(),
        "quantity": c.quantity,
        "options": c.options.labels(),
        "division": c.division,
    })
    .to_string()
}

fn as_new(c: &Category) -> NewCategory {
    NewCategory {
        description: c.description.clone(),
        charge_code: c.charge_code.clone(),
        amount: c.amount,
        quantity: c.quantity,
        options: c.options,
        division: c.division,
    }
}

fn stale() -> AppError {
    AppError::Conflict(
        "Someone else changed or deleted this line since you opened it. Open it again to see it as it is now."
            .into(),
    )
}

fn duplicate(form: &CategoryForm) -> AppError {
    let mut e = FieldErrors::new();
    e.add("charge_code", "Another line has that charge code.");
    AppError::Invalid(
        e.keep("description", &form.description)
            .keep("charge_code", &form.charge_code)
            .keep("amount", &form.amount)
            .keep("quantity", &form.quantity),
    )
}

impl Categories<'_> {
    /// Manage Category's list: the lines of every division, and those of
    /// the divisions `shown` (the selector's).
    pub async fn list(&self, shown: &DivisionScope) -> Result<Vec<Category>, AppError> {
        Ok(self.db.categories(shown).await?)
    }

    pub async fn get(&self, id: i64) -> Result<Category, AppError> {
        self.db
            .category(id)
            .await?
            .ok_or_else(|| AppError::NotFound("There is no such category line.".into()))
    }

    /// Save Category Item: a new line (`id` None) or an edit of line `id`
    /// as it was at `version`. Returns the line's id.
    pub async fn save(
        &self,
        staff: &StaffUser,
        id: Option<i64>,
        version: i64,
        form: &CategoryForm,
        ip: Option<&str>,
    ) -> Result<i64, AppError> {
        let checked = check_category(form).map_err(AppError::Invalid)?;
        if let Some(d) = checked.division
            && !super::divisions::may_use(self.db, &staff.divisions, d).await?
        {
            let mut e = FieldErrors::new().keep("division", &form.division);
            e.add("division", "There is no such division.");
            return Err(AppError::Invalid(e));
        }
        let after = snapshot(&checked);
        let written = match id {
            None => {
                let audit = AuditEntry {
                    after: Some(&after),
                    division: checked.division,
                    ..AuditEntry::by_staff(staff, AuditAction::CategoryAdded, "category", ip)
                };
                self.db.add_category(&checked, &audit).await?
            }
            Some(id) => {
                let current = self.db.category(id).await?.ok_or_else(stale)?;
                let before = snapshot(&as_new(&current));
                let object = format!("category {id}");
                let audit = AuditEntry {
                    before: Some(&before),
                    after: Some(&after),
                    // A line moved to every division stays in its old one's report.
                    division: checked.division.or(current.division),
                    ..AuditEntry::by_staff(staff, AuditAction::CategoryEdited, &object, ip)
                };
                self.db.edit_category(id, version, &checked, &audit).await?
            }
        };
        match written {
            CategoryWrite::Done(id) => Ok(id),
            CategoryWrite::DuplicateCode => Err(duplicate(form)),
            CategoryWrite::Stale => Err(stale()),
        }
    }

    /// Delete, confirmed, of line `id` as it was at `version`.
    pub async fn delete(
        &self,
        staff: &StaffUser,
        id: i64,
        version: i64,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let current = self.db.category(id).await?.ok_or_else(stale)?;
        let before = snapshot(&as_new(&current));
        let object = format!("category {id}");
        let audit = AuditEntry {
            before: Some(&before),
            division: current.division,
            ..AuditEntry::by_staff(staff, AuditAction::CategoryDeleted, &object, ip)
        };
        match self.db.delete_category(id, version, &audit).await? {
            CategoryWrite::Done(_) => Ok(()),
            _ => Err(stale()),
        }
    }
}
