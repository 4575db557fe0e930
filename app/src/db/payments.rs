//! Payments, their status history, and the journal entries they cause.

use super::{Db, DbError, in_tx, on_pool};
use crate::db::audit::{AuditEntry, write_audit};
use crate::db::bills::move_bill_paid;
use crate::db::journal::post;
use crate::db::notices::queue_notice;
use crate::domain::lifecycle::PaymentState;
use crate::domain::lifecycle::approval_posting;
use crate::domain::money::Money;
use crate::domain::payment::{MethodKind, PaymentStatus};

/// Appends one line to a payment's status history, on `$conn` (so it commits
/// with the change it records). A macro rather than a generic function:
/// sqlx's executor bounds do not survive `tokio::spawn`.
macro_rules! record_status {
    ($conn:expr, $payment_id:expr, $at:expr, $from:expr, $to:expr, $actor:expr, $reason:expr) => {
        sqlx::query(
            "INSERT INTO payment_status_history (payment_id, at, from_status, to_status, actor, reason) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($payment_id)
        .bind($at)
        .bind($from)
        .bind($to)
        .bind($actor)
        .bind($reason)
        .execute($conn)
        .await
    };
}
pub(crate) use record_status;

/// Inserts a payment (`authorizing`, or `scheduled` for a later date) and
/// its first history line on `$conn`; evaluates to its id. Shared by Make
/// Payment and the plans' scheduler, which inserts it beside the plan's
/// occurrence in one transaction.
macro_rules! insert_payment {
    ($conn:expr, $p:expr, $actor:expr, $now:expr) => {
        async {
            let p: &$crate::db::payments::NewPayment = $p;
            let status = if p.scheduled_for.is_some() {
                "scheduled"
            } else {
                "authorizing"
            };
            let sql = format!(
                "INSERT INTO payments (reference, idempotency_key, account_id, amount_cents, method_kind, method_label, \
                 receipt_email, status, entered_by, created_at, updated_at, scheduled_for, bill_id, channel, plan_id, {}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $21, $8, $9, $9, $22, $23, $24, $25, \
                 $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id",
                $crate::db::payments::METHOD_COLUMNS
            );
            let query = sqlx::query_scalar(&sql)
                .bind(&p.reference)
                .bind(&p.idempotency_key)
                .bind(p.account_id)
                .bind(p.amount_cents)
                .bind(p.method_kind)
                .bind(&p.method_label)
                .bind(&p.receipt_email)
                .bind(p.entered_by)
                .bind($now);
            let id: i64 = $crate::db::payments::bind_method!(query, p.method)
                .bind(status)
                .bind(&p.scheduled_for)
                .bind(p.bill_id)
                .bind(if p.channel.is_empty() { "csr" } else { p.channel })
                .bind(p.plan_id)
                .fetch_one($conn)
                .await?;
            let reason = p.history_note.clone().or_else(|| {
                p.scheduled_for
                    .as_ref()
                    .map(|d| format!("scheduled for {d}"))
            });
            $crate::db::payments::record_status!(
                $conn,
                id,
                $now,
                None::<&str>,
                status,
                $actor,
                reason.as_deref()
            )?;
            Ok::<i64, $crate::db::DbError>(id)
        }
        .await
    };
}
pub(crate) use insert_payment;

/// How a payment is paid, as stored: the same columns in `payments` and
/// `saved_methods`. A card is its processor token, brand, last 4 and expiry;
/// a bank account is encrypted, with its last 4 for display.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct MethodColumns {
    pub card_token: Option<String>,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub card_expiry: Option<String>,
    pub cardholder: Option<String>,
    pub billing_zip: Option<String>,
    pub bank_holder: Option<String>,
    pub bank_routing: Option<String>,
    pub bank_account_enc: Option<String>,
    pub bank_last4: Option<String>,
    pub bank_kind: Option<String>,
}

/// The column list matching [`MethodColumns`] and [`bind_method!`], in order.
pub(crate) const METHOD_COLUMNS: &str = "card_token, card_brand, card_last4, card_expiry, cardholder, billing_zip, \
    bank_holder, bank_routing, bank_account_enc, bank_last4, bank_kind";

/// Binds a [`MethodColumns`] to the next 11 placeholders, in [`METHOD_COLUMNS`] order.
macro_rules! bind_method {
    ($query:expr, $m:expr) => {
        $query
            .bind(&$m.card_token)
            .bind(&$m.card_brand)
            .bind(&$m.card_last4)
            .bind(&$m.card_expiry)
            .bind(&$m.cardholder)
            .bind(&$m.billing_zip)
            .bind(&$m.bank_holder)
            .bind(&$m.bank_routing)
            .bind(&$m.bank_account_enc)
            .bind(&$m.bank_last4)
            .bind(&$m.bank_kind)
    };
}
pub(crate) use bind_method;

/// A new payment at the moment its idempotency key is claimed.
#[derive(Debug, Clone, Default)]
pub struct NewPayment {
    pub reference: String,
    pub idempotency_key: String,
    pub account_id: i64,
    pub amount_cents: i64,
    pub method_kind: &'static str,
    pub method_label: String,
    pub method: MethodColumns,
    pub receipt_email: String,
    pub entered_by: Option<i64>,
    /// A later date: the payment is stored Scheduled and nothing moves yet.
    pub scheduled_for: Option<String>,
    /// The invoice this payment is toward (Make Payment on a bill).
    pub bill_id: Option<i64>,
    /// `csr` when empty; `recurring` or `triggered` for a plan's payment.
    pub channel: &'static str,
    /// The plan it comes from.
    pub plan_id: Option<i64>,
    /// Why it was made, for its first history line ("recurring plan 12,
    /// occurrence 2026-12-15"); by default, the date it is scheduled for.
    pub history_note: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: i64,
    pub reference: String,
    pub account_id: i64,
    pub account_number: String,
    pub amount_cents: i64,
    pub method_kind: String,
    pub method_label: String,
    pub receipt_email: String,
    pub status: String,
    pub decline_reason: Option<String>,
    pub entered_by_login: Option<String>,
    pub channel: String,
    pub created_at: i64,
    pub settled_at: Option<i64>,
    pub card_token: Option<String>,
    pub cardholder: Option<String>,
    pub bank_holder: Option<String>,
    pub processor_ref: Option<String>,
    pub idempotency_key: String,
    pub refunded_cents: i64,
    pub return_code: Option<String>,
    pub return_reason: Option<String>,
    pub account_type: String,
    pub bank_routing: Option<String>,
    pub bank_account_enc: Option<String>,
    pub bank_kind: Option<String>,
    pub scheduled_for: Option<String>,
    pub plan_id: Option<i64>,
    pub ran_late: bool,
}

impl PaymentRow {
    /// What the lifecycle rules need to know about this payment.
    pub fn state(&self) -> Result<PaymentState, crate::domain::UnknownCode> {
        Ok(PaymentState {
            status: PaymentStatus::decode(&self.status)?,
            method: MethodKind::decode(&self.method_kind)?,
            amount: Money::from_cents(self.amount_cents),
            refunded: Money::from_cents(self.refunded_cents),
        })
    }
}

pub(crate) const PAYMENT_SELECT: &str = "SELECT p.id, p.reference, p.account_id, a.account_number, p.amount_cents, \
    p.method_kind, p.method_label, p.receipt_email, p.status, p.decline_reason, u.login AS entered_by_login, \
    p.channel, p.created_at, p.settled_at, p.card_token, p.cardholder, p.bank_holder, p.processor_ref, p.idempotency_key, \
    p.refunded_cents, p.return_code, p.return_reason, a.account_type, p.bank_routing, p.bank_account_enc, p.bank_kind, \
    p.scheduled_for, p.plan_id, p.ran_late \
    FROM payments p JOIN accounts a ON a.id = p.account_id LEFT JOIN staff_users u ON u.id = p.entered_by";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StatusChangeRow {
    pub at: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub reason: Option<String>,
}

/// Starts one Scheduled payment on `$tx` (see [`Db::start_scheduled_batch`]);
/// evaluates to whether it started.
macro_rules! start_in {
    ($tx:ident, $id:expr, $now:expr, $today:expr) => {
        async {
            let (id, now, today): (i64, i64, &str) = ($id, $now, $today);
            // One row back when it started: the date it was due if that
            // has passed, else NULL.
            let row: Option<Option<String>> = sqlx::query_scalar(
                "UPDATE payments SET status = 'authorizing', updated_at = $2, ran_late = (scheduled_for < $4) \
                 WHERE id = $1 AND status = 'scheduled' \
                 AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = payments.account_id AND a.status = $3) \
                 AND (plan_id IS NULL OR EXISTS (SELECT 1 FROM plans pl WHERE pl.id = payments.plan_id AND pl.status = 'active')) \
                 RETURNING CASE WHEN scheduled_for < $4 THEN scheduled_for END",
            )
            .bind(id)
            .bind(now)
            .bind(crate::domain::account::AccountStatus::Active.code())
            .bind(today)
            .fetch_optional(&mut *$tx)
            .await?;
            if let Some(late) = &row {
                let reason = late.as_ref().map_or_else(
                    || "its date came".to_string(),
                    |due| format!("ran late: it was due {due}"),
                );
                record_status!(
                    &mut *$tx,
                    id,
                    now,
                    "scheduled",
                    "authorizing",
                    "scheduler",
                    Some(reason.as_str())
                )?;
            }
            Ok::<bool, $crate::db::DbError>(row.is_some())
        }
        .await
    };
}

/// Approves a payment in `authorizing` on `$tx`: Pending, the bill's paid
/// total, the ledger posting, history, receipt and audit. Evaluates to
/// false if it had left `authorizing` (someone else finished it).
macro_rules! approve_in {
    ($tx:ident, $id:expr, $processor_ref:expr, $audit:expr) => {
        async {
            let (id, processor_ref, audit): (i64, &str, &$crate::db::audit::AuditEntry<'_>) = ($id, $processor_ref, $audit);
            let now = audit.at;
            let row: Option<(i64, i64, String, String)> = sqlx::query_as(
                "UPDATE payments SET status = 'pending', processor_ref = $2, updated_at = $3 \
                 WHERE id = $1 AND status = 'authorizing' RETURNING account_id, amount_cents, receipt_email, method_kind",
            )
            .bind(id)
            .bind(processor_ref)
            .bind(now)
            .fetch_optional(&mut *$tx)
            .await?;
            let Some((account_id, amount, email, method)) = row else {
                return Ok::<bool, $crate::db::DbError>(false);
            };
            let method = MethodKind::decode(&method)?;
            // Authorizing paid nothing toward the bill; Pending pays it all.
            move_bill_paid!(&mut *$tx, id, amount)?;
            let posting = approval_posting(method, Money::from_cents(amount));
            post!(
                $tx,
                posting,
                account = account_id,
                payment = Some(id),
                once = Some(format!("pay:{id}")),
                by = audit.actor_id,
                at = now
            )?;
            record_status!(
                &mut *$tx,
                id,
                now,
                "authorizing",
                "pending",
                audit.actor_login.unwrap_or("system"),
                None::<&str>
            )?;
            queue_notice!(
                &mut *$tx,
                id,
                "receipt",
                None::<i64>,
                format!("receipt:{id}"),
                email,
                now
            )?;
            write_audit!(&mut *$tx, *audit)?;
            Ok(true)
        }
        .await
    };
}

/// Declines a payment in `authorizing` on `$tx` (kept for the record; no
/// money moves). False if it had left `authorizing`.
macro_rules! decline_in {
    ($tx:ident, $id:expr, $reason:expr, $audit:expr) => {
        async {
            let (id, reason, audit): (i64, &str, &$crate::db::audit::AuditEntry<'_>) = ($id, $reason, $audit);
            let now = audit.at;
            let n = sqlx::query(
                "UPDATE payments SET status = 'declined', decline_reason = $2, updated_at = $3 WHERE id = $1 AND status = 'authorizing'",
            )
            .bind(id)
            .bind(reason)
            .bind(now)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Ok::<bool, $crate::db::DbError>(false);
            }
            record_status!(
                &mut *$tx,
                id,
                now,
                "authorizing",
                "declined",
                audit.actor_login.unwrap_or("system"),
                Some(reason)
            )?;
            write_audit!(&mut *$tx, *audit)?;
            Ok(true)
        }
        .await
    };
}

/// The processor's answer for one payment, for [`Db::record_answers`].
pub struct Answer<'a> {
    pub payment_id: i64,
    pub verdict: Verdict,
    pub audit: AuditEntry<'a>,
}

pub enum Verdict {
    Approved(String),
    Declined(String),
}

impl Db {
    /// Claims the idempotency key by inserting the payment as `authorizing`
    /// (or `scheduled`, for a later date). A second claim of the same key
    /// fails on the UNIQUE constraint.
    pub async fn insert_authorizing_payment(
        &self,
        p: &NewPayment,
        actor: &str,
        now: i64,
    ) -> Result<i64, DbError> {
        let id = in_tx!(self, |tx| insert_payment!(&mut *tx, p, actor, now)?);
        Ok(id)
    }

    /// The processor approved: the payment becomes Pending, the balance
    /// drops by a ledger entry, the receipt is queued and the action audited,
    /// all in one transaction. Returns false if the payment had already left
    /// `authorizing` (someone else finished it).
    pub async fn approve_payment(
        &self,
        id: i64,
        processor_ref: &str,
        audit: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        let done = in_tx!(self, |tx| approve_in!(tx, id, processor_ref, audit)?);
        Ok(done)
    }

    /// The processor declined: kept as Declined for the record; no money moves.
    pub async fn decline_payment(
        &self,
        id: i64,
        reason: &str,
        audit: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        let done = in_tx!(self, |tx| decline_in!(tx, id, reason, audit)?);
        Ok(done)
    }

    /// The processor's answers for many payments in `authorizing`, in one
    /// transaction (the scheduler's starts): each approved or declined as
    /// `approve_payment` and `decline_payment` do, each guarded the same
    /// way. Returns, per answer, whether it moved the payment.
    pub async fn record_answers(&self, answers: &[Answer<'_>]) -> Result<Vec<bool>, DbError> {
        let moved = in_tx!(self, |tx| {
            let mut moved = Vec::with_capacity(answers.len());
            for a in answers {
                moved.push(match &a.verdict {
                    Verdict::Approved(r) => approve_in!(tx, a.payment_id, r.as_str(), &a.audit)?,
                    Verdict::Declined(reason) => {
                        decline_in!(tx, a.payment_id, reason.as_str(), &a.audit)?
                    }
                });
            }
            moved
        });
        Ok(moved)
    }

    pub async fn payment_by_key(&self, key: &str) -> Result<Option<PaymentRow>, DbError> {
        self.one_payment("p.idempotency_key = $1", key).await
    }

    pub async fn payment_by_id(&self, id: i64) -> Result<Option<PaymentRow>, DbError> {
        let sql = format!("{PAYMENT_SELECT} WHERE p.id = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, PaymentRow>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    pub async fn payment_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<PaymentRow>, DbError> {
        self.one_payment("p.reference = $1", reference).await
    }

    async fn one_payment(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Option<PaymentRow>, DbError> {
        let sql = format!("{PAYMENT_SELECT} WHERE {condition}");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, PaymentRow>(&sql)
            .bind(value)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    /// Payments Found: every payment on these accounts, newest first.
    pub async fn payments_for_accounts(
        &self,
        account_ids: &[i64],
        limit: i64,
    ) -> Result<Vec<PaymentRow>, DbError> {
        if account_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (among, ids) = self.in_ids("p.account_id", 2, account_ids);
        let sql = format!(
            "{PAYMENT_SELECT} WHERE {among} AND p.status <> 'authorizing' ORDER BY p.created_at DESC, p.id DESC LIMIT $1"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, PaymentRow>(&sql)
            .bind(limit)
            .bind(&ids)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    pub async fn payment_history(&self, payment_id: i64) -> Result<Vec<StatusChangeRow>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, StatusChangeRow>(
                "SELECT at, from_status, to_status, actor, reason FROM payment_status_history WHERE payment_id = $1 ORDER BY id",
            )
            .bind(payment_id)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }

    /// Scheduled payments whose date (`YYYY-MM-DD`) is `today` or earlier.
    pub async fn due_scheduled(&self, today: &str) -> Result<Vec<PaymentRow>, DbError> {
        // In the partial index's order: ordered by id, SQLite would rather
        // scan the whole table than sort what the index finds.
        let sql = format!(
            "{PAYMENT_SELECT} WHERE p.status = 'scheduled' AND p.scheduled_for <= $1 ORDER BY p.scheduled_for, p.id LIMIT 1000"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, PaymentRow>(&sql)
            .bind(today)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// Scheduled → Authorizing when their date comes, a page in one
    /// transaction, each by its own guarded update; returns the ones that
    /// started. One is refused if it was cancelled or started meanwhile, or
    /// its account is no longer active, or its plan ended (the service then
    /// cancels it; the guard is the one check, so nothing can slip between
    /// a look at the account and the start). A payment started after its
    /// date (the server was down on it) is marked late.
    pub async fn start_scheduled_batch(
        &self,
        ids: &[i64],
        now: i64,
        today: &str,
    ) -> Result<Vec<i64>, DbError> {
        let started = in_tx!(self, |tx| {
            let mut started = Vec::with_capacity(ids.len());
            for id in ids {
                if start_in!(tx, *id, now, today)? {
                    started.push(*id);
                }
            }
            started
        });
        Ok(started)
    }

    /// Payments still `authorizing` that were claimed before `before`: their
    /// request died between the claim and the processor's answer.
    pub async fn stale_authorizing(&self, before: i64) -> Result<Vec<PaymentRow>, DbError> {
        // Oldest first, in the partial index's order (see `due_scheduled`).
        let sql = format!(
            "{PAYMENT_SELECT} WHERE p.status = 'authorizing' AND p.created_at < $1 ORDER BY p.created_at, p.id LIMIT 100"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, PaymentRow>(&sql)
            .bind(before)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// The status of each of these payments (for the Pending refresh), in
    /// one query.
    pub async fn payment_statuses(
        &self,
        references: &[String],
    ) -> Result<Vec<(String, String)>, DbError> {
        if references.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = (1..=references.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql =
            format!("SELECT reference, status FROM payments WHERE reference IN ({placeholders})");
        let rows = on_pool!(self, |pool| {
            let mut query = sqlx::query_as::<_, (String, String)>(&sql);
            for r in references {
                query = query.bind(r);
            }
            query.fetch_all(pool).await
        })?;
        Ok(rows)
    }
}
