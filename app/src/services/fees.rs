//! Convenience Fees (issue 16; docs/fees.md): the rule per method that
//! Make Payment reads when it seals a review, and the refund setting that
//! Cancel/Reverse reads, changed by an administrator's Save Changes
//! (audited with the settings before and after, refused when someone saved
//! them since the page was opened).

use crate::db::Db;
use crate::db::audit::AuditEntry;
use crate::domain::audit_action::AuditAction;
use crate::domain::fee::{FeeSettings, FeeSettingsForm};
use crate::domain::staff::StaffUser;
use crate::error::AppError;

pub struct Fees<'a> {
    pub db: &'a Db,
}

/// The fees in force; none until an administrator saved some.
pub async fn current(db: &Db) -> Result<FeeSettings, crate::db::DbError> {
    Ok(db.fee_settings().await?.unwrap_or_default())
}

fn stale() -> AppError {
    AppError::Conflict(
        "Someone else saved the fees since you opened this page. Open it again to see them as they are now."
            .into(),
    )
}

impl Fees<'_> {
    pub async fn load(&self) -> Result<FeeSettings, AppError> {
        Ok(current(self.db).await?)
    }

    /// Save Changes of the fees as they were at `version`.
    pub async fn save(
        &self,
        staff: &StaffUser,
        version: i64,
        form: &FeeSettingsForm,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let checked = form.parse().map_err(AppError::Invalid)?;
        let before = self.load().await?;
        if before.version != version {
            return Err(stale());
        }
        let after = FeeSettings {
            version: version + 1,
            ..checked
        };
        let json = |s: &FeeSettings| {
            serde_json::to_string(s).map_err(|_| AppError::Internal(super::incident_id()))
        };
        let (before_json, after_json) = (json(&before)?, json(&after)?);
        let audit = AuditEntry {
            before: Some(&before_json),
            after: Some(&after_json),
            ..AuditEntry::by_staff(staff, AuditAction::FeesSaved, "convenience fees", ip)
        };
        if !self.db.save_fee_settings(&after, version, &audit).await? {
            return Err(stale());
        }
        Ok(())
    }
}
