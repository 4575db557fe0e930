//! A signed-in payer's Payment Activity (help center P6): the payments on
//! their accounts, newest first, and **Cancel** of a Scheduled one. The
//! cancel is the console's Cancel (`db::apply_action`): exactly once per
//! key, the payment cancelled, its ledger and audit rows in one
//! transaction; the actor is the payer.

use super::payer_accounts::{PayerAccounts, PayerSession};
use crate::db::lifecycle::{ActionResult, NewAction};
use crate::db::now_ms;
use crate::domain::lifecycle::{ActionKind, ActionReason, is_client_key};
use crate::domain::payer_account::PayerPayments;
use crate::domain::payment::{PaymentStatus, Reference};
use crate::error::AppError;

/// Payments Payment Activity lists.
const PAYMENTS_SHOWN: i64 = 100;

fn no_such_payment() -> AppError {
    AppError::NotFound("There is no such payment on your accounts.".into())
}

impl PayerAccounts<'_> {
    /// Payment Activity: the payments on the payer's accounts, each
    /// Scheduled one with a fresh key for its Cancel.
    pub async fn payments(&self, session: &PayerSession) -> Result<PayerPayments, AppError> {
        let ids: Vec<i64> = self
            .db
            .accounts_for_user_id(&session.user_id)
            .await?
            .iter()
            .map(|a| a.id)
            .collect();
        let payments = self
            .db
            .payments_for_accounts(&ids, PAYMENTS_SHOWN)
            .await?
            .iter()
            .map(|p| super::payments::summary(p, &self.config.timezone))
            .collect::<Result<Vec<_>, _>>()?;
        let keys = payments
            .iter()
            .map(|p| (p.status == PaymentStatus::Scheduled).then(super::lifecycle::new_key))
            .collect();
        Ok(PayerPayments { payments, keys })
    }

    /// Cancel Payment: a Scheduled payment on one of the payer's accounts,
    /// once per key (a second press answers with the first's result).
    /// Another payer's payment is "not found", like one that does not exist.
    pub async fn cancel(
        &self,
        session: &PayerSession,
        reference: &str,
        key: &str,
        ip: Option<&str>,
    ) -> Result<String, AppError> {
        let reference = Reference::parse(reference).ok_or_else(no_such_payment)?;
        let row = self
            .db
            .payment_by_reference(reference.as_str())
            .await?
            .ok_or_else(no_such_payment)?;
        let own = self
            .db
            .accounts_for_user_id(&session.user_id)
            .await?
            .iter()
            .any(|a| a.id == row.account_id);
        if !own {
            return Err(no_such_payment());
        }
        if !is_client_key(key) {
            return Err(AppError::BadRequest(
                "This form is missing its key. Reload Payment Activity and try again.".into(),
            ));
        }
        if let Some(done) = self.db.action_by_key(key).await? {
            return if done.payment_id == row.id {
                Ok(reference.to_string())
            } else {
                Err(AppError::Conflict(
                    "This form was already used for another payment. Reload and try again.".into(),
                ))
            };
        }
        if row.status != PaymentStatus::Scheduled.code() {
            return Err(AppError::Conflict(format!(
                "Payment {reference} is no longer Scheduled, so it can't be cancelled here. Call us for help."
            )));
        }
        let actor = super::actor::Actor::Payer(session).login();
        let request = NewAction {
            payment_id: row.id,
            idempotency_key: key,
            kind: ActionKind::Cancel,
            amount: None,
            reason: ActionReason::PayerRequest,
            reason_text: None,
            processor_ref: None,
            actor_id: None,
            actor_login: &actor,
            ip,
            now: now_ms(),
            approval_id: None,
            partial_returns_fee: false,
            approval_threshold: None,
        };
        match self.db.apply_action(&request).await {
            Ok(ActionResult::Applied(_)) => Ok(reference.to_string()),
            Ok(ActionResult::Repeat(a)) if a.payment_id == row.id => Ok(reference.to_string()),
            Ok(_) => Err(AppError::Conflict(format!(
                "Payment {reference} changed just now. Reload Payment Activity."
            ))),
            // Two presses at once: the other one won.
            Err(e) if e.is_unique_violation() => match self.db.action_by_key(key).await? {
                Some(a) if a.payment_id == row.id => Ok(reference.to_string()),
                _ => Err(e.into()),
            },
            Err(e) => Err(e.into()),
        }
    }
}
