//! The payer site's Profile (docs/payer-site.md): the email and challenge
//! questions (each change confirmed by the current password, which counts
//! toward the lockout), Alerts by email and text, and the payer's saved
//! payment methods. Methods and plans (and the payer's Cancel of an
//! automatic payment) go through the console's own code
//! (`services::plans`, with [`super::actor::Actor::Payer`]), so the same
//! review, key and audit rules hold.

use super::actor::Actor;
use super::payer_accounts::{PayerAccounts, PayerSession};
use crate::db::audit::AuditEntry;
use crate::db::notices::AlertPreferences;
use crate::db::now_ms;
use crate::db::payer_accounts::Activity;
use crate::domain::audit_action::AuditAction;
use crate::domain::payer_account::PayerEvent;
use crate::domain::payer_profile::{
    Alerts, AlertsForm, EmailForm, PayerProfile, QuestionsForm, check_alerts_form,
    check_email_form, check_questions_form,
};
use crate::domain::payment_link::MobileNumber;
use crate::error::AppError;

impl PayerAccounts<'_> {
    /// The Profile page.
    pub async fn profile(&self, session: &PayerSession) -> Result<PayerProfile, AppError> {
        let row = self.payer(&session.user_id).await?;
        let (methods, _) = self.links.payments.method_lines(row.id).await?;
        Ok(PayerProfile {
            user_id: row.user_id,
            email: row.email,
            questions: [row.question1, row.question2],
            alerts: Alerts {
                email: row.alert_email,
                text: row.alert_text,
                mobile: row
                    .mobile
                    .as_deref()
                    .and_then(|m| MobileNumber::parse(m).ok()),
            },
            methods,
        })
    }

    /// Profile's Email. Audited with the address before and after; a live
    /// Forgot Password link ends.
    pub async fn change_email(
        &self,
        session: &PayerSession,
        form: &EmailForm,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let email = check_email_form(form).map_err(AppError::Invalid)?;
        let row = self
            .verify_current(session, &form.current, ip)
            .await
            .map_err(|e| match e {
                AppError::Invalid(f) => AppError::Invalid(f.keep("email", &form.email)),
                other => other,
            })?;
        let before = row.email.clone().unwrap_or_default();
        let login = Actor::Payer(session).login();
        self.db
            .set_payer_email(
                row.id,
                email.as_str(),
                &Activity::new(now_ms(), PayerEvent::EmailChanged, ip),
                &AuditEntry {
                    actor_login: Some(&login),
                    object: Some(&row.user_id),
                    before: Some(&before),
                    after: Some(email.as_str()),
                    ip,
                    ..AuditEntry::new(now_ms(), AuditAction::PayerEmailChanged)
                },
            )
            .await?;
        Ok(())
    }

    /// Profile's Challenge Questions: both, with new answers (argon2id).
    pub async fn change_questions(
        &self,
        session: &PayerSession,
        form: &QuestionsForm,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let checked = check_questions_form(form).map_err(AppError::Invalid)?;
        let row = self.verify_current(session, &form.current, ip).await?;
        let permit = self.gate.enter().await?;
        let a1 = permit.hash(&checked[0].1).await?;
        let a2 = permit.hash(&checked[1].1).await?;
        drop(permit);
        self.db
            .set_payer_questions(
                row.id,
                [
                    (checked[0].0.as_str(), a1.as_str()),
                    (checked[1].0.as_str(), a2.as_str()),
                ],
                &Activity::new(now_ms(), PayerEvent::QuestionsChanged, ip),
            )
            .await?;
        Ok(())
    }

    /// Profile's Alerts.
    pub async fn change_alerts(
        &self,
        session: &PayerSession,
        form: &AlertsForm,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let alerts = check_alerts_form(form).map_err(AppError::Invalid)?;
        self.db
            .set_payer_alerts(
                session.payer_id,
                &AlertPreferences {
                    alert_email: alerts.email,
                    alert_text: alerts.text,
                    mobile: alerts.mobile.map(String::from),
                },
                &Activity::new(now_ms(), PayerEvent::AlertsChanged, ip),
            )
            .await?;
        Ok(())
    }
}
