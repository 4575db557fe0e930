//! Convenience Fees (issue 16; docs/fees.md): the rule per method that
//! Make Payment reads when it seals a review, and the refund setting that
//! Cancel/Reverse reads, changed by an administrator's Save Changes
//! (audited with the settings before and after, refused when someone saved
//! them since the page was opened).

use crate::db::Db;
use crate::db::audit::AuditEntry;
use crate::db::fees::FeeOwner;
use crate::domain::audit_action::AuditAction;
use crate::domain::fee::{DivisionFees, FeeSettings, FeeSettingsForm};
use crate::domain::staff::StaffUser;
use crate::error::AppError;

pub struct Fees<'a> {
    pub db: &'a Db,
}

/// The biller's fees; none until an administrator saved some.
pub async fn current(db: &Db) -> Result<FeeSettings, crate::db::DbError> {
    Ok(db.fee_settings(FeeOwner::Biller).await?.unwrap_or_default())
}

/// What a payer of `division` pays: the division's own rules if it has
/// them, else the biller's; the refund setting is always the biller's.
pub async fn for_division(db: &Db, division: i64) -> Result<FeeSettings, crate::db::DbError> {
    let own = db.fee_settings(FeeOwner::Division(division)).await?;
    Ok(charged(current(db).await?, own))
}

/// The fees a division's payers pay, from the biller's and its own.
fn charged(biller: FeeSettings, own: Option<FeeSettings>) -> FeeSettings {
    match own {
        Some(own) => FeeSettings {
            partial_refund_returns_fee: biller.partial_refund_returns_fee,
            ..own
        },
        None => biller,
    }
}

fn json(s: &FeeSettings) -> Result<String, AppError> {
    serde_json::to_string(s).map_err(|_| AppError::Internal(super::incident_id()))
}

/// A division's own rules as stored: what its page shows, less the
/// biller's refund setting (a division has none of its own), so the audit
/// log doesn't show that setting changing with every save.
fn own_rules(shown: &FeeSettings) -> FeeSettings {
    FeeSettings {
        partial_refund_returns_fee: false,
        ..*shown
    }
}

/// What the audit log keeps of a division without fees of its own.
const BILLERS: &str = "the biller's fees";

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
        let (before_json, after_json) = (json(&before)?, json(&after)?);
        let entry = AuditEntry::by_staff(staff, AuditAction::FeesSaved, "convenience fees", ip);
        let audit = entry.changed(&before_json, &after_json);
        if !self
            .db
            .save_fee_settings(FeeOwner::Biller, &after, version, &audit)
            .await?
        {
            return Err(stale());
        }
        Ok(())
    }

    /// Division `division`'s page: its own fees, or the biller's it
    /// charges while it has none.
    pub async fn load_division(&self, division: i64) -> Result<DivisionFees, AppError> {
        let name = self
            .db
            .divisions()
            .await?
            .into_iter()
            .find(|d| d.id == division)
            .map(|d| d.name)
            .ok_or_else(super::divisions::no_such_division)?;
        // The division's row is read once: what it has, and what it charges.
        let own = self.db.fee_settings(FeeOwner::Division(division)).await?;
        Ok(DivisionFees {
            division,
            name,
            own: own.is_some(),
            version: own.map_or(0, |s| s.version),
            settings: charged(current(self.db).await?, own),
        })
    }

    /// Save Changes on a division's page: its own rules, as they were at
    /// `version` (0: it had none). Its refund setting is the biller's, so
    /// the form's is ignored.
    pub async fn save_division(
        &self,
        staff: &StaffUser,
        division: i64,
        version: i64,
        form: &FeeSettingsForm,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let checked = form.parse().map_err(AppError::Invalid)?;
        let current = self.load_division(division).await?;
        if current.version != version {
            return Err(stale());
        }
        let after = FeeSettings {
            version: version + 1,
            partial_refund_returns_fee: false,
            ..checked
        };
        let before_json = if current.own {
            json(&own_rules(&current.settings))?
        } else {
            BILLERS.to_string()
        };
        let after_json = json(&after)?;
        let object = format!("convenience fees of division {division}");
        let entry = AuditEntry {
            division: Some(division),
            ..AuditEntry::by_staff(staff, AuditAction::FeesSaved, &object, ip)
        };
        let audit = entry.changed(&before_json, &after_json);
        let owner = FeeOwner::Division(division);
        if !self
            .db
            .save_fee_settings(owner, &after, version, &audit)
            .await?
        {
            return Err(stale());
        }
        Ok(())
    }

    /// Use the Biller's Fees: the division stops charging its own, as they
    /// were at `version`.
    pub async fn clear_division(
        &self,
        staff: &StaffUser,
        division: i64,
        version: i64,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let current = self.load_division(division).await?;
        if !current.own || current.version != version {
            return Err(stale());
        }
        let before_json = json(&own_rules(&current.settings))?;
        let object = format!("convenience fees of division {division}");
        let entry = AuditEntry {
            division: Some(division),
            ..AuditEntry::by_staff(staff, AuditAction::FeesSaved, &object, ip)
        };
        let audit = entry.changed(&before_json, BILLERS);
        if !self
            .db
            .clear_division_fees(division, version, &audit)
            .await?
        {
            return Err(stale());
        }
        Ok(())
    }
}
