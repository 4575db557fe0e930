//! Plans (recurring and bill-triggered automatic payments) and their
//! occurrences. `plan_occurrences` is UNIQUE on (plan, occurrence key): the
//! database, not the scheduler, makes sure a plan pays a date or a bill once
//! (docs/automatic-payments.md).

use super::audit::{AuditEntry, write_audit};
use super::payments::{MethodColumns, NewPayment, insert_payments};
use super::{Db, DbError, in_tx, on_pool};
use crate::domain::audit_action::AuditAction;

/// Queues a plan's notice on `$conn` (its text written now; see
/// [`PlanNotice`]). The once key keeps a retried pass from mailing twice.
macro_rules! queue_plan_notice {
    ($conn:expr, $plan_id:expr, $n:expr, $now:expr) => {{
        let n: &$crate::db::plans::PlanNotice = $n;
        sqlx::query(
            "INSERT INTO notices (plan_id, kind, once_key, to_email, subject, body, status, next_attempt_at) \
             VALUES ($1, 'plan', $2, $3, $4, $5, 'queued', $6)",
        )
        .bind($plan_id)
        .bind(&n.once_key)
        .bind(&n.to)
        .bind(&n.subject)
        .bind(&n.body)
        .bind($now)
        .execute($conn)
        .await
    }};
}

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct PlanRow {
    pub id: i64,
    pub kind: String,
    pub payer_id: i64,
    pub user_id: String,
    pub account_id: i64,
    pub account_number: String,
    pub account_status: String,
    pub balance_cents: i64,
    pub saved_method_id: i64,
    pub method_label: String,
    pub email: String,
    pub amount_rule: Option<String>,
    pub amount_cents: Option<i64>,
    pub frequency: Option<String>,
    pub first_date: Option<String>,
    pub end_date: Option<String>,
    pub next_seq: i64,
    pub days_before: Option<i64>,
    pub bill_amount: Option<String>,
    pub max_cents: Option<i64>,
    pub status: String,
    pub end_reason: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: i64,
    /// The saved method, as a plan payment copies it.
    pub method_kind: String,
    pub method_deleted_at: Option<i64>,
    #[sqlx(flatten)]
    pub method: MethodColumns,
}

const PLAN_SELECT: &str = "SELECT pl.id, pl.kind, pl.payer_id, py.user_id, pl.account_id, a.account_number, \
    a.status AS account_status, a.balance_cents, pl.saved_method_id, m.label AS method_label, pl.email, pl.amount_rule, \
    pl.amount_cents, pl.frequency, pl.first_date, pl.end_date, pl.next_seq, pl.days_before, pl.bill_amount, pl.max_cents, \
    pl.status, pl.end_reason, pl.created_by, pl.created_at, m.method_kind, m.deleted_at AS method_deleted_at, \
    m.card_token, m.card_brand, m.card_last4, m.card_expiry, m.cardholder, m.billing_zip, \
    m.bank_holder, m.bank_routing, m.bank_account_enc, m.bank_last4, m.bank_kind \
    FROM plans pl JOIN payers py ON py.id = pl.payer_id JOIN accounts a ON a.id = pl.account_id \
    JOIN saved_methods m ON m.id = pl.saved_method_id";

/// A plan to insert, as Confirm checked it.
#[derive(Debug, Clone, Default)]
pub struct NewPlan {
    pub kind: &'static str,
    pub payer_id: i64,
    pub account_id: i64,
    pub saved_method_id: i64,
    pub email: String,
    pub amount_rule: Option<&'static str>,
    pub amount_cents: Option<i64>,
    pub frequency: Option<&'static str>,
    pub first_date: Option<String>,
    pub end_date: Option<String>,
    pub days_before: Option<i64>,
    pub bill_amount: Option<&'static str>,
    pub max_cents: Option<i64>,
    pub idempotency_key: String,
    pub created_by: Option<i64>,
}

/// Why a plan could not be inserted.
#[derive(Debug)]
pub enum PlanInsert {
    Created(i64),
    /// The same review was confirmed before: this is its plan.
    Repeat(i64),
    /// The saved method was deleted meanwhile.
    MethodGone,
}

/// One occurrence, with its payment when it has one.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OccurrenceRow {
    pub plan_id: i64,
    pub occurrence_key: String,
    pub due_date: String,
    pub run_date: String,
    pub bill_id: Option<i64>,
    pub payment_id: Option<i64>,
    pub skipped_reason: Option<String>,
    pub reference: Option<String>,
    pub amount_cents: Option<i64>,
    pub payment_status: Option<String>,
    pub ran_late: Option<bool>,
}

/// An occurrence the scheduler makes: the row, and the payment when there
/// is one to make (a skipped occurrence has none, and a notice instead).
#[derive(Debug, Clone)]
pub struct NewOccurrence {
    pub plan_id: i64,
    /// The plan's account: its audit row is in the account's division.
    pub account_id: i64,
    pub key: String,
    pub due_date: String,
    pub run_date: String,
    pub bill_id: Option<i64>,
    pub payment: Option<NewPayment>,
    pub skipped: Option<PlanNotice>,
    /// A recurring plan's cursor moves from this to the next; a guard, so
    /// two schedulers advance it once.
    pub advance_from: Option<i64>,
    /// The audit row's action and what it says.
    pub action: AuditAction,
    pub note: String,
    pub at: i64,
}

impl NewOccurrence {
    fn audit(&self) -> (String, AuditEntry<'_>) {
        let object = format!("plan {}", self.plan_id);
        let entry = AuditEntry {
            actor_login: Some("scheduler"),
            after: Some(&self.note),
            account: Some(self.account_id),
            ..AuditEntry::new(self.at, self.action)
        };
        (object, entry)
    }
}

/// A notice to the payer about a plan, written when it is queued.
#[derive(Debug, Clone)]
pub struct PlanNotice {
    pub once_key: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub reason: String,
}

/// A bill a bill-triggered plan has not paid yet (or paid an older
/// version of, still Scheduled), for the scheduler to plan.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BillToPlan {
    pub plan_id: i64,
    pub bill_id: i64,
    pub invoice_number: String,
    pub due_date: String,
    pub amount_due_cents: i64,
    pub minimum_due_cents: i64,
    pub paid_cents: i64,
    /// The plan's occurrence for this invoice (an older version's), if any,
    /// with its payment.
    pub occurrence_id: Option<i64>,
    pub earlier_payment: Option<i64>,
    pub earlier_status: Option<String>,
}

/// What a Delete of a saved method did.
#[derive(Debug, PartialEq, Eq)]
pub enum MethodDelete {
    Deleted,
    /// Active plans use it: it stays.
    HeldBy(Vec<i64>),
    /// Not this payer's, or deleted already.
    NotFound,
}

impl Db {
    /// Inserts a plan unless its review's key was used already. The saved
    /// method's row is written first (a no-op update) so that a Delete of
    /// it and this insert queue one behind the other on both engines: the
    /// one that comes second sees what the first did.
    pub async fn insert_plan(
        &self,
        p: &NewPlan,
        audit: &AuditEntry<'_>,
    ) -> Result<PlanInsert, DbError> {
        if let Some(id) = self.plan_by_key(&p.idempotency_key).await? {
            return Ok(PlanInsert::Repeat(id));
        }
        let result = async {
            Ok::<_, DbError>(in_tx!(self, |tx| {
                let live = sqlx::query(
                    "UPDATE saved_methods SET label = label WHERE id = $1 AND payer_id = $2 AND deleted_at IS NULL",
                )
                .bind(p.saved_method_id)
                .bind(p.payer_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if live == 0 {
                    return Ok(PlanInsert::MethodGone);
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO plans (kind, payer_id, account_id, saved_method_id, email, amount_rule, amount_cents, \
                     frequency, first_date, end_date, days_before, bill_amount, max_cents, status, idempotency_key, \
                     created_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'active', $14, $15, $16, $16) RETURNING id",
                )
                .bind(p.kind)
                .bind(p.payer_id)
                .bind(p.account_id)
                .bind(p.saved_method_id)
                .bind(&p.email)
                .bind(p.amount_rule)
                .bind(p.amount_cents)
                .bind(p.frequency)
                .bind(&p.first_date)
                .bind(&p.end_date)
                .bind(p.days_before)
                .bind(p.bill_amount)
                .bind(p.max_cents)
                .bind(&p.idempotency_key)
                .bind(p.created_by)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                let object = format!("plan {id}");
                write_audit!(&mut *tx, AuditEntry { object: Some(&object), ..*audit })?;
                PlanInsert::Created(id)
            }))
        }
        .await;
        match result {
            Err(e) if e.is_unique_violation() => {
                match self.plan_by_key(&p.idempotency_key).await? {
                    Some(id) => Ok(PlanInsert::Repeat(id)),
                    None => Err(e),
                }
            }
            other => other,
        }
    }

    async fn plan_by_key(&self, key: &str) -> Result<Option<i64>, DbError> {
        let id = on_pool!(self, |pool| sqlx::query_scalar::<_, i64>(
            "SELECT id FROM plans WHERE idempotency_key = $1"
        )
        .bind(key)
        .fetch_optional(pool)
        .await)?;
        Ok(id)
    }

    pub async fn plan(&self, id: i64) -> Result<Option<PlanRow>, DbError> {
        let sql = format!("{PLAN_SELECT} WHERE pl.id = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, PlanRow>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    /// A payer's plans, newest first.
    pub async fn plans_of_payer(&self, payer_id: i64) -> Result<Vec<PlanRow>, DbError> {
        let sql = format!("{PLAN_SELECT} WHERE pl.payer_id = $1 ORDER BY pl.id DESC");
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, PlanRow>(&sql)
            .bind(payer_id)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// Ends a plan (cancelled or ended) if it is still active, audited in
    /// the same transaction; with a notice to the payer when `notice` is
    /// given. False if it was not active (a repeat, or ended meanwhile).
    pub async fn end_plan(
        &self,
        id: i64,
        status: &str,
        reason: &str,
        notice: Option<&PlanNotice>,
        audit: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        let done = in_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE plans SET status = $2, end_reason = $3, updated_at = $4 WHERE id = $1 AND status = 'active'",
            )
            .bind(id)
            .bind(status)
            .bind(reason)
            .bind(audit.at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                write_audit!(&mut *tx, audit)?;
                if let Some(n) = notice {
                    queue_plan_notice!(&mut *tx, id, n, audit.at)?;
                }
            }
            n == 1
        });
        Ok(done)
    }

    /// The Scheduled payments of a plan (to cancel with it).
    pub async fn scheduled_of_plan(&self, plan_id: i64) -> Result<Vec<i64>, DbError> {
        let ids = on_pool!(self, |pool| sqlx::query_scalar::<_, i64>(
            "SELECT id FROM payments WHERE plan_id = $1 AND status = 'scheduled' ORDER BY id"
        )
        .bind(plan_id)
        .fetch_all(pool)
        .await)?;
        Ok(ids)
    }

    /// Scheduled payments whose plan is no longer active: a cancellation
    /// that crashed before cancelling them, finished by the next pass.
    pub async fn scheduled_of_ended_plans(&self) -> Result<Vec<i64>, DbError> {
        let ids = on_pool!(self, |pool| sqlx::query_scalar::<_, i64>(
            "SELECT p.id FROM payments p JOIN plans pl ON pl.id = p.plan_id \
             WHERE p.status = 'scheduled' AND pl.status <> 'active' ORDER BY p.id"
        )
        .fetch_all(pool)
        .await)?;
        Ok(ids)
    }

    /// Active plans on inactive accounts (cancelled by the scheduler, and
    /// at once when an account is made inactive).
    pub async fn active_plans_on_inactive_accounts(&self) -> Result<Vec<i64>, DbError> {
        let ids = on_pool!(self, |pool| sqlx::query_scalar::<_, i64>(
            "SELECT pl.id FROM plans pl JOIN accounts a ON a.id = pl.account_id \
             WHERE pl.status = 'active' AND a.status <> 'active' ORDER BY pl.id"
        )
        .fetch_all(pool)
        .await)?;
        Ok(ids)
    }

    /// Active recurring plans the scheduler must look at on `today`: those
    /// with no occurrence made ahead. A fixed-amount plan keeps its next
    /// payment made ahead (Payments Found shows it); a Pay Balance plan's
    /// payment is made on its date, for the balance then.
    pub async fn recurring_plans_to_advance(
        &self,
        today: &str,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<PlanRow>, DbError> {
        let sql = format!(
            "{PLAN_SELECT} WHERE pl.status = 'active' AND pl.kind = 'recurring' AND pl.id > $1 \
             AND NOT EXISTS (SELECT 1 FROM plan_occurrences o WHERE o.plan_id = pl.id AND o.run_date > $3) \
             ORDER BY pl.id LIMIT $2"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, PlanRow>(&sql)
            .bind(after_id)
            .bind(limit)
            .bind(today)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// Bills that active bill-triggered plans have yet to plan: active,
    /// Unpaid or In Mail, loaded or changed since the plan was set up, and
    /// with no occurrence of the plan for this bill (an occurrence for an
    /// older version of the invoice comes with its payment).
    pub async fn bills_to_plan(
        &self,
        after_plan: i64,
        limit: i64,
    ) -> Result<Vec<BillToPlan>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, BillToPlan>(
            "SELECT pl.id AS plan_id, b.id AS bill_id, b.invoice_number, b.due_date, b.amount_due_cents, \
             b.minimum_due_cents, b.paid_cents, o.id AS occurrence_id, o.payment_id AS earlier_payment, p.status AS earlier_status \
             FROM plans pl JOIN bills b ON b.account_id = pl.account_id \
             LEFT JOIN plan_occurrences o ON o.plan_id = pl.id AND o.occurrence_key = 'invoice:' || b.invoice_number \
             LEFT JOIN payments p ON p.id = o.payment_id \
             WHERE pl.status = 'active' AND pl.kind = 'bill_triggered' AND pl.id > $1 \
             AND b.active = TRUE AND b.status IN ('unpaid', 'in_mail') AND b.updated_at >= pl.created_at \
             AND (o.id IS NULL OR o.bill_id <> b.id) \
             ORDER BY pl.id, b.id LIMIT $2"
        )
        .bind(after_plan)
        .bind(limit)
        .fetch_all(pool)
        .await
        })?;
        Ok(rows)
    }

    /// Makes occurrences: each its row (UNIQUE on plan and key), its
    /// payment or its notice, its audit row, and the recurring plan's
    /// cursor, all in one transaction (one commit, and a few statements,
    /// for a page of plans). An occurrence whose cursor had moved is skipped
    /// (another scheduler made it): false in its place. A UNIQUE clash (a
    /// bill's occurrence made by another scheduler, a Reference Number
    /// taken) rolls the page back; the caller makes them one by one.
    pub async fn insert_occurrences(&self, list: &[NewOccurrence]) -> Result<Vec<bool>, DbError> {
        use super::batch::{audit_row, insert_audits, with_rows};
        use super::insert_rows;
        use std::collections::{BTreeMap, HashSet};
        let backend = self.backend();
        // Each recurring plan's cursor moves once, over all its occurrences
        // here (a late plan may owe several): from its first to past its last.
        let mut cursors: BTreeMap<i64, (i64, i64, i64)> = BTreeMap::new();
        for o in list {
            if let Some(seq) = o.advance_from {
                let c = cursors.entry(o.plan_id).or_insert((seq, seq + 1, o.at));
                c.0 = c.0.min(seq);
                c.1 = c.1.max(seq + 1);
            }
        }
        let cursors: Vec<(i64, i64, i64, i64)> = cursors
            .into_iter()
            .map(|(plan, (from, to, at))| (plan, from, to, at))
            .collect();
        let cursor_sql = format!(
            "{}UPDATE plans SET next_seq = v.to_seq, updated_at = v.at_ms FROM v \
             WHERE plans.id = v.plan_row AND plans.next_seq = v.from_seq AND plans.status = 'active' RETURNING id",
            with_rows(backend, "plan_row, from_seq, to_seq, at_ms", &["bigint"; 4])
        );
        let made = in_tx!(self, |tx| {
            let mut advanced = HashSet::new();
            for chunk in cursors.chunks(super::WRITE_BATCH) {
                let ids: Vec<i64> = sqlx::query_scalar(&cursor_sql)
                    .bind(super::json(&chunk)?)
                    .fetch_all(&mut *tx)
                    .await?;
                advanced.extend(ids);
            }
            let made: Vec<bool> = list
                .iter()
                .map(|o| o.advance_from.is_none() || advanced.contains(&o.plan_id))
                .collect();
            let kept: Vec<&NewOccurrence> = list
                .iter()
                .zip(&made)
                .filter(|(_, m)| **m)
                .map(|(o, _)| o)
                .collect();
            let at = kept.iter().map(|o| o.at).max().unwrap_or_default();
            let payments: Vec<&NewPayment> =
                kept.iter().filter_map(|o| o.payment.as_ref()).collect();
            let mut ids = insert_payments!(tx, backend, &payments, "scheduler", at)?.into_iter();
            let mut rows = Vec::with_capacity(kept.len());
            let mut notices = Vec::new();
            for o in &kept {
                let payment_id = match o.payment {
                    Some(_) => ids.next(),
                    None => None,
                };
                rows.push((
                    o.plan_id,
                    &o.key,
                    &o.due_date,
                    &o.run_date,
                    o.bill_id,
                    payment_id,
                    o.skipped.as_ref().map(|s| s.reason.as_str()),
                    o.at,
                ));
                if let Some(n) = &o.skipped {
                    notices.push((o.plan_id, &n.once_key, &n.to, &n.subject, &n.body, o.at));
                }
            }
            insert_rows!(
                tx,
                "INSERT INTO plan_occurrences (plan_id, occurrence_key, due_date, run_date, bill_id, payment_id, skipped_reason, created_at)",
                &[
                    "bigint", "text", "text", "text", "bigint", "bigint", "text", "bigint"
                ],
                rows
            )?;
            insert_rows!(
                tx,
                "INSERT INTO notices (plan_id, once_key, to_email, subject, body, next_attempt_at, kind, status)",
                &["bigint", "text", "text", "text", "text", "bigint"],
                notices,
                extra = ", 'plan', 'queued'"
            )?;
            let audits: Vec<(String, AuditEntry<'_>)> = kept.iter().map(|o| o.audit()).collect();
            let audit_rows: Vec<_> = audits
                .iter()
                .map(|(object, e)| {
                    audit_row(&AuditEntry {
                        object: Some(object),
                        ..*e
                    })
                })
                .collect();
            insert_audits!(tx, backend, audit_rows)?;
            made
        });
        Ok(made)
    }

    /// Makes one occurrence; false if it was made already (by another
    /// scheduler) or its cursor had moved.
    pub async fn insert_occurrence(&self, o: &NewOccurrence) -> Result<bool, DbError> {
        match self.insert_occurrences(std::slice::from_ref(o)).await {
            Ok(made) => Ok(made.first().copied().unwrap_or(false)),
            Err(e) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Points a bill-triggered occurrence at a new version of its bill:
    /// the older version's payment was cancelled (or there was none), so
    /// the new version is paid once instead. Guarded on the old bill, so
    /// two schedulers do it once.
    pub async fn repoint_occurrence(
        &self,
        plan_id: i64,
        key: &str,
        old_payment: Option<i64>,
        o: &NewOccurrence,
    ) -> Result<bool, DbError> {
        let (object, audit) = o.audit();
        let audit = AuditEntry {
            object: Some(&object),
            ..audit
        };
        let backend = self.backend();
        let made = async {
            Ok::<_, DbError>(in_tx!(self, |tx| {
                let payment_id = match &o.payment {
                    Some(p) => insert_payments!(tx, backend, &[p], "scheduler", o.at)?
                        .first()
                        .copied(),
                    None => None,
                };
                let n = sqlx::query(
                    "UPDATE plan_occurrences SET bill_id = $3, payment_id = $4, due_date = $5, run_date = $6, \
                     skipped_reason = $7 WHERE plan_id = $1 AND occurrence_key = $2 \
                     AND ((payment_id IS NULL AND $8 IS NULL) OR payment_id = $8) AND bill_id <> $3",
                )
                .bind(plan_id)
                .bind(key)
                .bind(o.bill_id)
                .bind(payment_id)
                .bind(&o.due_date)
                .bind(&o.run_date)
                .bind(o.skipped.as_ref().map(|s| s.reason.as_str()))
                .bind(old_payment)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Ok(false);
                }
                if let Some(n) = &o.skipped {
                    queue_plan_notice!(&mut *tx, o.plan_id, n, o.at)?;
                }
                write_audit!(&mut *tx, audit)?;
                true
            }))
        }
        .await;
        match made {
            Err(e) if e.is_unique_violation() => Ok(false),
            other => other,
        }
    }

    /// Moves an occurrence to a new version of its bill, keeping the older
    /// version's payment (it was paid once already), with the reason.
    pub async fn keep_payment_repoint(
        &self,
        plan_id: i64,
        key: &str,
        bill_id: i64,
        why: &str,
        audit: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        let done = in_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE plan_occurrences SET bill_id = $3, skipped_reason = $4 \
                 WHERE plan_id = $1 AND occurrence_key = $2 AND bill_id <> $3",
            )
            .bind(plan_id)
            .bind(key)
            .bind(bill_id)
            .bind(why)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                write_audit!(&mut *tx, audit)?;
            }
            n == 1
        });
        Ok(done)
    }

    /// A plan's occurrences with their payments, newest first.
    pub async fn occurrences_of_plan(
        &self,
        plan_id: i64,
        limit: i64,
    ) -> Result<Vec<OccurrenceRow>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, OccurrenceRow>(
            "SELECT o.plan_id, o.occurrence_key, o.due_date, o.run_date, o.bill_id, o.payment_id, o.skipped_reason, \
             p.reference, p.amount_cents, p.status AS payment_status, p.ran_late \
             FROM plan_occurrences o LEFT JOIN payments p ON p.id = o.payment_id \
             WHERE o.plan_id = $1 ORDER BY o.run_date DESC, o.id DESC LIMIT $2"
        )
        .bind(plan_id)
        .bind(limit)
        .fetch_all(pool)
        .await
        })?;
        Ok(rows)
    }

    /// The statuses of a plan's last `n` payments that ran (not Scheduled
    /// or cancelled before they ran), newest first: "three in a row
    /// failed" is read from them, so a success needs no bookkeeping.
    pub async fn last_run_statuses(&self, plan_id: i64, n: i64) -> Result<Vec<String>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, String>(
            "SELECT status FROM payments WHERE plan_id = $1 \
             AND (status IN ('declined', 'failed') OR processor_ref IS NOT NULL) ORDER BY id DESC LIMIT $2"
        )
        .bind(plan_id)
        .bind(n)
        .fetch_all(pool)
        .await
        })?;
        Ok(rows)
    }

    /// Queues a notice about a plan on its own (a decline's).
    pub async fn queue_plan_notice(
        &self,
        plan_id: i64,
        n: &PlanNotice,
        now: i64,
    ) -> Result<bool, DbError> {
        let r = async {
            Ok::<_, DbError>(in_tx!(self, |tx| {
                queue_plan_notice!(&mut *tx, plan_id, n, now)?;
                true
            }))
        }
        .await;
        match r {
            Err(e) if e.is_unique_violation() => Ok(false),
            other => other,
        }
    }

    /// Deletes a payer's saved method unless an active plan uses it. The
    /// row stays (plans name it) without its token or account number. The
    /// row is written first, so a plan set up at the same moment queues
    /// behind this (see `insert_plan`).
    pub async fn delete_saved_method(
        &self,
        payer_id: i64,
        id: i64,
        audit: &AuditEntry<'_>,
        activity: Option<&super::payer_accounts::Activity<'_>>,
    ) -> Result<MethodDelete, DbError> {
        let out = in_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE saved_methods SET deleted_at = $3, card_token = NULL, bank_account_enc = NULL, bank_routing = NULL \
                 WHERE id = $1 AND payer_id = $2 AND deleted_at IS NULL",
            )
            .bind(id)
            .bind(payer_id)
            .bind(audit.at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Ok(MethodDelete::NotFound);
            }
            let held: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM plans WHERE saved_method_id = $1 AND status = 'active' ORDER BY id",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            if !held.is_empty() {
                // Rolls the delete back.
                return Ok(MethodDelete::HeldBy(held));
            }
            write_audit!(&mut *tx, audit)?;
            if let Some(a) = activity {
                super::payer_accounts::write_activity!(&mut *tx, payer_id, *a)?;
            }
            MethodDelete::Deleted
        });
        Ok(out)
    }

    /// Active plans per saved method of a payer: (method, plan).
    pub async fn plans_holding_methods(&self, payer_id: i64) -> Result<Vec<(i64, i64)>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, i64)>(
            "SELECT saved_method_id, id FROM plans WHERE payer_id = $1 AND status = 'active' ORDER BY id"
        )
        .bind(payer_id)
        .fetch_all(pool)
        .await
        })?;
        Ok(rows)
    }
}
