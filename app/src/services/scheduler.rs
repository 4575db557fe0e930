//! The plans' scheduler: `paydesk run-plans`, and a pass inside the server
//! every few minutes. Each pass is idempotent and safe beside another
//! process or server (docs/automatic-payments.md):
//!
//! - every occurrence is a row UNIQUE on (plan, date or invoice), inserted
//!   in the same transaction as its payment and the plan's cursor;
//! - a Scheduled payment is started by a guarded update, once;
//! - a pass after downtime makes every missed occurrence, each once, and
//!   starts it late (marked so); nothing is skipped without a reason and a
//!   notice to the payer.

use super::clock;
use super::payments::Payments;
use super::plans::{CANCELLED_WITH_PLAN, plan_terms};
use super::scheduled::{self, Canceller};
use crate::db::audit::AuditEntry;
use crate::db::payments::NewPayment;
use crate::db::plans::{BillToPlan, NewOccurrence, PlanNotice, PlanRow};
use crate::db::{Db, now_ms};
use crate::domain::audit_action::AuditAction;
use crate::domain::calendar::{self, CivilDate};
use crate::domain::card::Expiry;
use crate::domain::money::Money;
use crate::domain::payment::{PaymentStatus, Reference, Today, parse_iso_date};
use crate::domain::plan::{
    AmountRule, FAILURES_BEFORE_STOP, PlanStatus, PlanTerms, bill_payment, bill_run_date,
};
use crate::error::AppError;
use rand::RngCore;
use std::time::Duration;

/// Plans read per page.
const PAGE: i64 = 500;

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassSummary {
    /// Occurrences made (with a payment or skipped with a reason).
    pub occurrences: usize,
    pub skipped: usize,
    /// Scheduled payments started (plans' and one-off).
    pub started: usize,
    pub plans_ended: usize,
    pub plans_cancelled: usize,
}

fn civil(s: &str) -> Option<CivilDate> {
    parse_iso_date(s).map(|(year, month, day)| Today { year, month, day })
}

fn after(a: CivilDate, b: CivilDate) -> bool {
    calendar::day_number(a) > calendar::day_number(b)
}

fn reference() -> String {
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Reference::from_random(bytes).as_str().to_string()
}

/// An audit row by the scheduler; callers add the object and what happened.
fn scheduler_audit(action: AuditAction) -> AuditEntry<'static> {
    AuditEntry {
        actor_login: Some("scheduler"),
        ..AuditEntry::new(now_ms(), action)
    }
}

/// One pass for `today` (the biller's date, or the date given to
/// `paydesk run-plans --today`).
pub async fn run_pass(p: &Payments<'_>, today: CivilDate) -> Result<PassSummary, AppError> {
    let db = p.db;
    let mut sum = PassSummary::default();
    // Payments a crash left at the processor (a request's, or a pass's)
    // are finished first.
    p.recover_stale(p.config.recover_after.as_millis() as i64)
        .await?;
    sum.plans_cancelled += cancel_on_inactive_accounts(db).await?;
    // A cancellation cut short leaves Scheduled payments behind.
    let by = Canceller {
        actor_id: None,
        actor_login: "scheduler",
        ip: None,
        why: CANCELLED_WITH_PLAN,
    };
    for payment in db.scheduled_of_ended_plans().await? {
        scheduled::cancel(db, payment, &by).await?;
    }
    let mut after_id = 0;
    loop {
        let plans = db
            .recurring_plans_to_advance(&today.iso(), after_id, PAGE)
            .await?;
        let Some(last) = plans.last() else { break };
        after_id = last.id;
        let mut page = Vec::new();
        for plan in &plans {
            match recurring_occurrences(plan, p.config.max_payment, today)? {
                Due::Occurrences(list) => page.extend(list),
                Due::Ended => {
                    sum.plans_ended +=
                        usize::from(end(db, plan, PlanStatus::Ended, "Its end date passed").await?);
                }
            }
        }
        let done = make(db, page).await?;
        sum.occurrences += done.occurrences;
        sum.skipped += done.skipped;
    }
    let done = plan_bills(db, today).await?;
    sum.occurrences += done.occurrences;
    sum.skipped += done.skipped;
    let started = p.start_due_scheduled(&today.iso()).await?;
    sum.started = started.ids.len();
    for id in started.declined_plan_payments {
        after_failure(db, id).await?;
    }
    Ok(sum)
}

/// Makes a page of occurrences in one transaction; if that clashes on a
/// UNIQUE key (another scheduler's bill occurrence, a Reference Number
/// taken), one by one, each clash then meaning "made already".
async fn make(db: &Db, page: Vec<NewOccurrence>) -> Result<PassSummary, AppError> {
    let mut sum = PassSummary::default();
    if page.is_empty() {
        return Ok(sum);
    }
    let made = match db.insert_occurrences(&page).await {
        Ok(made) => made,
        Err(e) if e.is_unique_violation() => {
            let mut made = Vec::with_capacity(page.len());
            for o in &page {
                let mut o = o.clone();
                if let Some(p) = o.payment.as_mut() {
                    p.reference = reference();
                }
                made.push(db.insert_occurrence(&o).await?);
            }
            made
        }
        Err(e) => return Err(e.into()),
    };
    for (o, made) in page.iter().zip(made) {
        if made {
            sum.occurrences += 1;
            sum.skipped += usize::from(o.payment.is_none());
        }
    }
    Ok(sum)
}

/// Cancels active plans on inactive accounts, and their Scheduled payments.
pub async fn cancel_on_inactive_accounts(db: &Db) -> Result<usize, AppError> {
    let mut n = 0;
    for id in db.active_plans_on_inactive_accounts().await? {
        let Some(plan) = db.plan(id).await? else {
            continue;
        };
        let reason = "The account was made inactive";
        if end(db, &plan, PlanStatus::Cancelled, reason).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// Ends a plan (cancelled or ended) with a notice to the payer, and
/// cancels its Scheduled payments.
async fn end(db: &Db, plan: &PlanRow, status: PlanStatus, reason: &str) -> Result<bool, AppError> {
    let object = format!("plan {}", plan.id);
    let audit = AuditEntry {
        object: Some(&object),
        after: Some(reason),
        account: Some(plan.account_id),
        ..scheduler_audit(if status == PlanStatus::Ended {
            AuditAction::PlanEnd
        } else {
            AuditAction::PlanCancel
        })
    };
    let notice = PlanNotice {
        once_key: format!("plan:{}:{}", plan.id, status.code()),
        to: plan.email.clone(),
        subject: format!(
            "Your automatic payment for account {} has {}",
            plan.account_number,
            if status == PlanStatus::Ended {
                "ended"
            } else {
                "stopped"
            }
        ),
        body: format!(
            "Your automatic payment plan for account {} ({}) has {}.\n\nWhy: {reason}.\n\n\
             No further payments will be made by it. To pay automatically again, contact us \
             and we will set up a new plan.\n",
            plan.account_number,
            plan.method_label,
            if status == PlanStatus::Ended {
                "ended"
            } else {
                "stopped"
            }
        ),
        reason: reason.to_string(),
    };
    let ended = db
        .end_plan(plan.id, status.code(), reason, Some(&notice), &audit)
        .await?;
    let by = Canceller {
        actor_id: None,
        actor_login: "scheduler",
        ip: None,
        why: CANCELLED_WITH_PLAN,
    };
    for payment in db.scheduled_of_plan(plan.id).await? {
        scheduled::cancel(db, payment, &by).await?;
    }
    Ok(ended)
}

/// The payment a plan makes, from its saved method: the same columns (the
/// token, or the account number as already encrypted) copied over; or why
/// it can't be made.
fn plan_payment(
    plan: &PlanRow,
    key: &str,
    amount_cents: i64,
    run_date: CivilDate,
    bill_id: Option<i64>,
    note: String,
) -> Result<NewPayment, String> {
    if plan.method_deleted_at.is_some() {
        return Err("Its saved payment method was deleted.".into());
    }
    if plan.method_kind == "card"
        && Expiry::parse(
            plan.method.card_expiry.as_deref().unwrap_or(""),
            run_date.month(),
        )
        .is_err()
    {
        return Err(format!(
            "The card {} will have expired by {}, so this payment was not made.",
            plan.method_label,
            run_date.iso()
        ));
    }
    Ok(NewPayment {
        reference: reference(),
        idempotency_key: key.to_string(),
        account_id: plan.account_id,
        amount_cents,
        // Automatic payments pay no convenience fee: the payer agreed to
        // the plan without one shown (docs/fees.md).
        fee_cents: 0,
        // Nor category lines: a plan pays toward the balance.
        category: Default::default(),
        method_kind: if plan.method_kind == "card" {
            "card"
        } else {
            "ach"
        },
        method_label: plan.method_label.clone(),
        method: plan.method.clone(),
        receipt_email: plan.email.clone(),
        entered_by: plan.created_by,
        scheduled_for: Some(run_date.iso()),
        bill_id,
        channel: if plan.kind == "recurring" {
            "recurring"
        } else {
            "triggered"
        },
        plan_id: Some(plan.id),
        history_note: Some(note),
    })
}

fn skip_notice(plan: &PlanRow, key: &str, why: &str) -> PlanNotice {
    PlanNotice {
        once_key: format!("plan:{}:{key}:skipped", plan.id),
        to: plan.email.clone(),
        subject: format!(
            "An automatic payment for account {} was not made",
            plan.account_number
        ),
        body: format!(
            "An automatic payment for account {} was not made.\n\nWhy: {why}\n\n\
             Your plan is still active. If you want to pay now, contact us or pay online.\n",
            plan.account_number
        ),
        reason: why.to_string(),
    }
}

/// What a recurring plan owes on `today`.
pub enum Due {
    /// The occurrences to make, oldest first: each one due by `today`
    /// (late ones too), then, for a fixed amount, the next one ahead. Each
    /// moves the plan's cursor from its own number, so a second scheduler
    /// with the same list makes none of them.
    Occurrences(Vec<NewOccurrence>),
    /// Its next occurrence is past its end date.
    Ended,
}

/// The occurrences a recurring plan owes from its cursor (see [`Due`]).
/// The caller has checked that none is made ahead already.
pub fn recurring_occurrences(
    plan: &PlanRow,
    max_payment: Money,
    today: CivilDate,
) -> Result<Due, AppError> {
    let mut out = Vec::new();
    let PlanTerms::Recurring {
        rule,
        amount,
        frequency,
        first_date,
        end_date,
    } = plan_terms(plan)?
    else {
        return Ok(Due::Occurrences(out));
    };
    if plan.status != PlanStatus::Active.code() {
        return Ok(Due::Occurrences(out));
    }
    let mut seq = plan.next_seq;
    let at = now_ms();
    loop {
        let n = u32::try_from(seq).map_err(|_| AppError::Internal(super::incident_id()))?;
        let Some(date) = calendar::occurrence(first_date, frequency, n) else {
            break;
        };
        if end_date.is_some_and(|e| after(date, e)) {
            // Ended once what it owes is made.
            if out.is_empty() {
                return Ok(Due::Ended);
            }
            break;
        }
        let runs_on = calendar::run_date(date);
        let ahead = after(runs_on, today);
        // A Pay Balance payment is made on its date, for the balance then.
        if ahead && rule == AmountRule::Balance {
            break;
        }
        let key = date.iso();
        let cents = match (rule, amount) {
            (AmountRule::Fixed, Some(a)) => Ok(a.cents()),
            _ if plan.balance_cents <= 0 => {
                Err("Nothing was owed on the account on the payment's date.".to_string())
            }
            _ => Ok(plan.balance_cents.min(max_payment.cents())),
        };
        let note = format!("recurring plan {}, occurrence {key}", plan.id);
        let payment = cents.and_then(|c| {
            plan_payment(
                plan,
                &format!("plan:{}:{key}", plan.id),
                c,
                runs_on,
                None,
                note.clone(),
            )
        });
        let (payment, skipped, action, note) = match payment {
            Ok(np) => (
                Some(np),
                None,
                AuditAction::PlanOccurrence,
                format!("occurrence {key}, runs {}", runs_on.iso()),
            ),
            Err(why) => {
                let note = format!("occurrence {key} skipped: {why}");
                (
                    None,
                    Some(skip_notice(plan, &key, &why)),
                    AuditAction::PlanSkipped,
                    note,
                )
            }
        };
        out.push(NewOccurrence {
            plan_id: plan.id,
            account_id: plan.account_id,
            key: key.clone(),
            due_date: key,
            run_date: runs_on.iso(),
            bill_id: None,
            payment,
            skipped,
            advance_from: Some(seq),
            action,
            note,
            at,
        });
        seq += 1;
        if ahead {
            break;
        }
    }
    Ok(Due::Occurrences(out))
}

/// Makes a recurring plan's occurrences owed on `today` at once (a plan
/// just set up shows its first payment in Payments Found).
pub async fn advance_recurring(
    db: &Db,
    max_payment: Money,
    plan: &PlanRow,
    today: CivilDate,
) -> Result<PassSummary, AppError> {
    match recurring_occurrences(plan, max_payment, today)? {
        Due::Occurrences(list) => make(db, list).await,
        Due::Ended => Ok(PassSummary {
            plans_ended: usize::from(
                end(db, plan, PlanStatus::Ended, "Its end date passed").await?,
            ),
            ..PassSummary::default()
        }),
    }
}

/// Plans the payment of each new bill for its bill-triggered plans: once
/// per invoice; a new version of a bill still Scheduled replaces the older
/// version's payment.
pub async fn plan_bills(db: &Db, today: CivilDate) -> Result<PassSummary, AppError> {
    let mut sum = PassSummary::default();
    let mut after_plan = 0;
    // Each row is planned or repointed, so it is not found again; a page
    // that changed nothing (all raced away) moves past its plans.
    loop {
        let rows = db.bills_to_plan(after_plan, PAGE).await?;
        if rows.is_empty() {
            break;
        }
        let mut progressed = false;
        for row in &rows {
            progressed |= plan_bill(db, row, today, &mut sum).await?;
        }
        if !progressed {
            after_plan = rows.last().map_or(after_plan, |r| r.plan_id);
        }
    }
    Ok(sum)
}

async fn plan_bill(
    db: &Db,
    row: &BillToPlan,
    today: CivilDate,
    sum: &mut PassSummary,
) -> Result<bool, AppError> {
    let Some(plan) = db.plan(row.plan_id).await? else {
        return Ok(false);
    };
    let PlanTerms::BillTriggered {
        days_before,
        pays,
        max,
    } = plan_terms(&plan)?
    else {
        return Ok(false);
    };
    let Some(due) = civil(&row.due_date) else {
        return Ok(false);
    };
    let runs_on = bill_run_date(due, days_before, today);
    let key = format!("invoice:{}", row.invoice_number);
    let earlier_status = row
        .earlier_status
        .as_deref()
        .map(PaymentStatus::decode)
        .transpose()?;
    match (row.earlier_payment, earlier_status) {
        (Some(id), Some(PaymentStatus::Scheduled)) => {
            // The older version's payment never ran: the new version is
            // paid instead.
            let by = Canceller {
                actor_id: None,
                actor_login: "scheduler",
                ip: None,
                why: "A new version of the bill replaced it",
            };
            scheduled::cancel(db, id, &by).await?;
        }
        (
            Some(_),
            Some(PaymentStatus::Cancelled | PaymentStatus::Declined | PaymentStatus::Failed),
        )
        | (None, _)
        | (Some(_), None) => {}
        (Some(_), Some(_)) => {
            // Paid (or being paid) toward the older version: once is enough.
            let why = "An earlier version of this bill was already paid by the plan.";
            return keep_earlier(db, &plan, row, &key, why, sum).await;
        }
    }
    let note = format!(
        "bill-triggered plan {}, invoice {}",
        plan.id, row.invoice_number
    );
    let payment = bill_payment(
        Money::from_cents(row.amount_due_cents),
        Money::from_cents(row.minimum_due_cents),
        Money::from_cents(row.paid_cents),
        pays,
        max,
    )
    .and_then(|amount| {
        let pay_key = format!("plan:{}:{key}:bill:{}", plan.id, row.bill_id);
        plan_payment(
            &plan,
            &pay_key,
            amount.cents(),
            runs_on,
            Some(row.bill_id),
            note,
        )
    });
    let (payment, skipped, action, note) = match payment {
        Ok(np) => (
            Some(np),
            None,
            AuditAction::PlanOccurrence,
            format!("invoice {}, runs {}", row.invoice_number, runs_on.iso()),
        ),
        Err(why) => (
            None,
            Some(skip_notice(
                &plan,
                &format!("{key}:bill:{}", row.bill_id),
                &why,
            )),
            AuditAction::PlanSkipped,
            format!("invoice {} skipped: {why}", row.invoice_number),
        ),
    };
    let occ = NewOccurrence {
        plan_id: plan.id,
        account_id: plan.account_id,
        key: key.clone(),
        due_date: row.due_date.clone(),
        run_date: runs_on.iso(),
        bill_id: Some(row.bill_id),
        payment,
        skipped,
        advance_from: None,
        action,
        note,
        at: now_ms(),
    };
    let made = match row.occurrence_id {
        None => db.insert_occurrence(&occ).await?,
        Some(_) => {
            db.repoint_occurrence(plan.id, &key, row.earlier_payment, &occ)
                .await?
        }
    };
    if made {
        sum.occurrences += 1;
        sum.skipped += usize::from(occ.payment.is_none());
    }
    Ok(made)
}

/// The occurrence keeps the older version's payment; it now stands for
/// this version, so the version is not planned again.
async fn keep_earlier(
    db: &Db,
    plan: &PlanRow,
    row: &BillToPlan,
    key: &str,
    why: &str,
    sum: &mut PassSummary,
) -> Result<bool, AppError> {
    let object = format!("plan {}", plan.id);
    let after_text = format!("invoice {} version skipped: {why}", row.invoice_number);
    let audit = AuditEntry {
        object: Some(&object),
        after: Some(&after_text),
        account: Some(plan.account_id),
        ..scheduler_audit(AuditAction::PlanSkipped)
    };
    let made = db
        .keep_payment_repoint(plan.id, key, row.bill_id, why, &audit)
        .await?;
    sum.skipped += usize::from(made);
    Ok(made)
}

/// After a plan's payment failed (declined, or returned by the bank): the
/// payer is told, and the plan stops when its last three payments failed.
pub async fn after_failure(db: &Db, payment_id: i64) -> Result<(), AppError> {
    let Some(row) = db.payment_by_id(payment_id).await? else {
        return Ok(());
    };
    let Some(plan_id) = row.plan_id else {
        return Ok(());
    };
    let declined = row.status == PaymentStatus::Declined.code();
    if !declined && row.status != PaymentStatus::Failed.code() {
        return Ok(());
    }
    let Some(plan) = db.plan(plan_id).await? else {
        return Ok(());
    };
    let last = db.last_run_statuses(plan_id, FAILURES_BEFORE_STOP).await?;
    let stop = last.len() as i64 == FAILURES_BEFORE_STOP
        && last
            .iter()
            .all(|s| s == PaymentStatus::Declined.code() || s == PaymentStatus::Failed.code());
    let reference = Reference::shown(&row.reference);
    let why = if declined {
        row.decline_reason
            .clone()
            .unwrap_or_else(|| "declined".into())
    } else {
        format!(
            "returned by the bank ({})",
            row.return_reason
                .clone()
                .or(row.return_code.clone())
                .unwrap_or_default()
        )
    };
    let notice = PlanNotice {
        once_key: format!("plan:{plan_id}:failed:{payment_id}"),
        to: plan.email.clone(),
        subject: format!(
            "Your automatic payment {reference} {}",
            if declined {
                "was declined"
            } else {
                "was returned"
            }
        ),
        body: format!(
            "Your automatic payment of {} for account {} ({}) did not go through: {why}.\n\n{}\n",
            Money::from_cents(row.amount_cents),
            plan.account_number,
            plan.method_label,
            if stop {
                "It was the plan's third failure in a row, so the plan has stopped."
            } else {
                "Your plan is still active and will try again on its next date."
            }
        ),
        reason: why,
    };
    db.queue_plan_notice(plan_id, &notice, now_ms()).await?;
    if stop {
        end(
            db,
            &plan,
            PlanStatus::Cancelled,
            "Three payments in a row failed",
        )
        .await?;
    }
    Ok(())
}

/// After ACH returns were read: each returned plan payment counts against
/// its plan as a decline does.
pub async fn after_returns(
    db: &Db,
    outcomes: &[crate::db::settlement::ReturnOutcome],
) -> Result<(), AppError> {
    for o in outcomes {
        if let crate::db::settlement::ReturnOutcome::Failed { reference, .. } = o
            && let Some(p) = db.payment_by_reference(reference).await?
            && p.plan_id.is_some()
        {
            after_failure(db, p.id).await?;
        }
    }
    Ok(())
}

/// Runs a pass every few minutes inside the server, for the biller's
/// today. Two servers doing it at once would be safe (see the module
/// docs); on PostgreSQL one of them runs it and the other skips that tick
/// (`db::single_runner`).
pub fn spawn(state: crate::web::AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            let held = match state
                .db
                .try_single_runner(crate::db::single_runner::SCHEDULER_LOCK)
                .await
            {
                Ok(Some(held)) => held,
                Ok(None) => {
                    tracing::debug!("another server is running the plans pass");
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "plans pass: cannot take its lock");
                    continue;
                }
            };
            let today = clock::today(&state.config.timezone);
            match run_pass(&state.payments(), today).await {
                Ok(s) if s != PassSummary::default() => tracing::info!(?s, "plans pass"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "plans pass failed"),
            }
            if let Err(e) = held.release().await {
                tracing::warn!(error = %e, "plans pass: cannot release its lock");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::{Frequency, day_number, from_day_number, is_banking_day};
    use proptest::prelude::*;

    fn plan(
        first: CivilDate,
        frequency: Frequency,
        rule: AmountRule,
        next_seq: i64,
        end: Option<CivilDate>,
    ) -> PlanRow {
        PlanRow {
            id: 7,
            kind: "recurring".into(),
            status: "active".into(),
            amount_rule: Some(rule.code().into()),
            amount_cents: (rule == AmountRule::Fixed).then_some(2500),
            frequency: Some(frequency.code().into()),
            first_date: Some(first.iso()),
            end_date: end.map(|e| e.iso()),
            next_seq,
            balance_cents: 4200,
            method_kind: "card".into(),
            method_label: "Visa •••• 4242".into(),
            method: crate::db::payments::MethodColumns {
                card_token: Some("tok".into()),
                card_expiry: Some("12/99".into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn d(s: &str) -> CivilDate {
        civil(s).unwrap()
    }

    fn list(due: Due) -> Vec<NewOccurrence> {
        match due {
            Due::Occurrences(l) => l,
            Due::Ended => panic!("ended"),
        }
    }

    #[test]
    fn month_ends_weekends_and_catching_up() {
        // On the 31st from January; today is March 20: January (late),
        // February 28 (a Saturday in 2026: runs Friday the 27th), then
        // March 31, ahead (a Tuesday).
        let p = plan(
            d("2026-01-31"),
            Frequency::Monthly,
            AmountRule::Fixed,
            0,
            None,
        );
        let l =
            list(recurring_occurrences(&p, Money::from_cents(1_000_000), d("2026-03-20")).unwrap());
        let keys: Vec<(&str, &str)> = l
            .iter()
            .map(|o| (o.key.as_str(), o.run_date.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("2026-01-31", "2026-01-30"),
                ("2026-02-28", "2026-02-27"),
                ("2026-03-31", "2026-03-31")
            ]
        );
        assert_eq!(
            l.iter().map(|o| o.advance_from).collect::<Vec<_>>(),
            [Some(0), Some(1), Some(2)]
        );
        let p = l[0].payment.as_ref().unwrap();
        assert_eq!(p.idempotency_key, "plan:7:2026-01-31");
        assert_eq!(
            p.history_note.as_deref(),
            Some("recurring plan 7, occurrence 2026-01-31")
        );
        assert_eq!(p.channel, "recurring");
    }

    #[test]
    fn pay_balance_is_made_on_its_date_and_an_end_date_ends_the_plan() {
        let p = plan(
            d("2026-12-15"),
            Frequency::Monthly,
            AmountRule::Balance,
            0,
            None,
        );
        assert!(
            list(recurring_occurrences(&p, Money::from_cents(1_000_000), d("2026-12-01")).unwrap())
                .is_empty()
        );
        let l = list(recurring_occurrences(&p, Money::from_cents(1_000), d("2026-12-15")).unwrap());
        assert_eq!(l.len(), 1);
        assert_eq!(
            l[0].payment.as_ref().unwrap().amount_cents,
            1_000,
            "at most the largest payment"
        );
        let p = plan(
            d("2026-10-15"),
            Frequency::Monthly,
            AmountRule::Fixed,
            2,
            Some(d("2026-11-30")),
        );
        assert!(matches!(
            recurring_occurrences(&p, Money::from_cents(1_000), d("2026-12-20")).unwrap(),
            Due::Ended
        ));
    }

    #[test]
    fn a_card_expired_by_the_date_is_skipped_with_a_notice() {
        let mut p = plan(
            d("2027-01-10"),
            Frequency::Monthly,
            AmountRule::Fixed,
            0,
            None,
        );
        p.method.card_expiry = Some("12/26".into());
        let l =
            list(recurring_occurrences(&p, Money::from_cents(1_000_000), d("2026-12-02")).unwrap());
        assert!(l[0].payment.is_none());
        let n = l[0].skipped.as_ref().unwrap();
        assert!(
            n.reason.contains("will have expired by 2027-01-08"),
            "{}",
            n.reason
        );
    }

    fn any_date() -> impl Strategy<Value = CivilDate> {
        (7_305i64..47_846).prop_map(from_day_number)
    }

    proptest! {
        /// Whatever the plan and however long the scheduler was down: the
        /// occurrences owed are the plan's next ones in order, each runs on
        /// a banking day on or before its date, every one but the last runs
        /// by today, and a fixed amount's last is the first still ahead.
        #[test]
        fn a_pass_owes_each_occurrence_once_in_order(
            first in any_date(),
            frequency in prop::sample::select(Frequency::ALL.to_vec()),
            next_seq in 0i64..30,
            gap in 0i64..400,
            balance in any::<bool>(),
        ) {
            let rule = if balance { AmountRule::Balance } else { AmountRule::Fixed };
            let p = plan(first, frequency, rule, next_seq, None);
            let n = u32::try_from(next_seq).unwrap();
            let cursor = calendar::occurrence(first, frequency, n).unwrap();
            let today = calendar::add_days(cursor, gap - 40);
            let l = list(recurring_occurrences(&p, Money::from_cents(1_000_000), today).unwrap());
            for (i, o) in l.iter().enumerate() {
                let date = calendar::occurrence(first, frequency, n + i as u32).unwrap();
                prop_assert_eq!(&o.key, &date.iso());
                prop_assert_eq!(o.advance_from, Some(next_seq + i as i64));
                let run = civil(&o.run_date).unwrap();
                prop_assert!(is_banking_day(run) && day_number(run) <= day_number(date));
                let last = i + 1 == l.len();
                if !last || balance {
                    prop_assert!(day_number(run) <= day_number(today));
                }
            }
            let next = calendar::occurrence(first, frequency, n + l.len() as u32).unwrap();
            let next_runs = calendar::run_date(next);
            if balance {
                // Nothing due is left behind.
                prop_assert!(day_number(next_runs) > day_number(today));
            } else {
                let last = l.last().map(|o| civil(&o.run_date).unwrap());
                prop_assert!(last.is_some_and(|r| day_number(r) > day_number(today)), "one ahead");
            }
        }
    }
}
