//! The biller's Profile (help center A2; docs/biller-profile.md): read by
//! receipts, payer notices and the payer site's Customer Service, changed
//! by an administrator's Save Changes (audited with the values before and
//! after). Until the first save, the configuration's biller name and ACH
//! originator (`PAYDESK_BILLER_NAME`, `PAYDESK_ACH_*`) are the first-run
//! defaults; settlement and the sandbox bank's returns read the saved ones.

use crate::config::Config;
use crate::db::Db;
use crate::db::audit::AuditEntry;
use crate::domain::audit_action::AuditAction;
use crate::domain::biller_profile::{BillerProfile, BillerProfileForm, check_biller_profile};
use crate::domain::staff::StaffUser;
use crate::error::AppError;

pub struct BillerProfiles<'a> {
    pub db: &'a Db,
    pub config: &'a Config,
}

/// The Biller Key a new installation gets: its name in lower case, words
/// joined by dashes ("Town of Lakeside" → "town-of-lakeside").
fn key_of(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if words.is_empty() {
        "biller".into()
    } else {
        words.join("-")
    }
}

/// The Profile before anyone saved it: the name and the ACH originator
/// from the configuration, the rest to be filled in.
pub fn first_run(config: &Config) -> BillerProfile {
    BillerProfile {
        biller_key: key_of(&config.mail.biller_name),
        biller_name: config.mail.biller_name.clone(),
        ..BillerProfile::default()
    }
    .with_originator(&config.ach)
}

/// The Profile as it stands (a background task's read: no request).
pub async fn current(db: &Db, config: &Config) -> Result<BillerProfile, crate::db::DbError> {
    Ok(match db.biller_profile().await? {
        // Saved before the ACH settings were on the page (migration 0027):
        // the configuration's stay in force until the next Save Changes.
        Some(p) if p.ach_company_id.is_empty() => p.with_originator(&config.ach),
        Some(p) => p,
        None => first_run(config),
    })
}

impl BillerProfiles<'_> {
    pub async fn load(&self) -> Result<BillerProfile, AppError> {
        Ok(current(self.db, self.config).await?)
    }

    /// Save Changes: every field checked, then the whole Profile written
    /// with an audit row holding it before and after.
    pub async fn save(
        &self,
        staff: &StaffUser,
        form: &BillerProfileForm,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let checked = check_biller_profile(form).map_err(AppError::Invalid)?;
        let before = self.load().await?;
        let after = checked.with_key(before.biller_key.clone());
        let json = |p: &BillerProfile| {
            serde_json::to_string(p).map_err(|_| AppError::Internal(super::incident_id()))
        };
        let (before_json, after_json) = (json(&before)?, json(&after)?);
        let audit = AuditEntry {
            before: Some(&before_json),
            after: Some(&after_json),
            ..AuditEntry::by_staff(staff, AuditAction::BillerProfileSaved, "biller profile", ip)
        };
        self.db.save_biller_profile(&after, &audit).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_key_is_the_name_in_lower_case_with_dashes() {
        assert_eq!(super::key_of("Town of Lakeside"), "town-of-lakeside");
        assert_eq!(
            super::key_of("  Paydesk Demo Utilities, Inc. "),
            "paydesk-demo-utilities-inc"
        );
        assert_eq!(super::key_of("—"), "biller");
    }
}
