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
    pub entered_by: i64,
    /// A later date: the payment is stored Scheduled and nothing moves yet.
    pub scheduled_for: Option<String>,
    /// The invoice this payment is toward (Make Payment on a bill).
    pub bill_id: Option<i64>,
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
    p.scheduled_for \
    FROM payments p JOIN accounts a ON a.id = p.account_id LEFT JOIN staff_users u ON u.id = p.entered_by";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StatusChangeRow {
    pub at: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub reason: Option<String>,
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
        let status = if p.scheduled_for.is_some() {
            "scheduled"
        } else {
            "authorizing"
        };
        let id = in_tx!(self, |tx| {
            let sql = format!(
                "INSERT INTO payments (reference, idempotency_key, account_id, amount_cents, method_kind, method_label, \
                 receipt_email, status, entered_by, created_at, updated_at, scheduled_for, bill_id, {METHOD_COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $21, $8, $9, $9, $22, $23, \
                 $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id"
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
                .bind(now);
            let id: i64 = bind_method!(query, p.method)
                .bind(status)
                .bind(&p.scheduled_for)
                .bind(p.bill_id)
                .fetch_one(&mut *tx)
                .await?;
            let reason = p
                .scheduled_for
                .as_ref()
                .map(|d| format!("scheduled for {d}"));
            record_status!(
                &mut *tx,
                id,
                now,
                None::<&str>,
                status,
                actor,
                reason.as_deref()
            )?;
            id
        });
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
        let now = audit.at;
        let done = in_tx!(self, |tx| {
            let row: Option<(i64, i64, String, String)> = sqlx::query_as(
                "UPDATE payments SET status = 'pending', processor_ref = $2, updated_at = $3 \
                 WHERE id = $1 AND status = 'authorizing' RETURNING account_id, amount_cents, receipt_email, method_kind",
            )
            .bind(id)
            .bind(processor_ref)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((account_id, amount, email, method)) = row else {
                return Ok(false);
            };
            let method = MethodKind::decode(&method)?;
            // Authorizing paid nothing toward the bill; Pending pays it all.
            move_bill_paid!(&mut *tx, id, amount)?;
            let posting = approval_posting(method, Money::from_cents(amount));
            post!(
                tx,
                posting,
                account = account_id,
                payment = Some(id),
                once = Some(format!("pay:{id}")),
                by = audit.actor_id,
                at = now
            )?;
            record_status!(
                &mut *tx,
                id,
                now,
                "authorizing",
                "pending",
                audit.actor_login.unwrap_or("system"),
                None::<&str>
            )?;
            queue_notice!(
                &mut *tx,
                id,
                "receipt",
                None::<i64>,
                format!("receipt:{id}"),
                email,
                now
            )?;
            write_audit!(&mut *tx, *audit)?;
            true
        });
        Ok(done)
    }

    /// The processor declined: kept as Declined for the record; no money moves.
    pub async fn decline_payment(
        &self,
        id: i64,
        reason: &str,
        audit: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        let now = audit.at;
        let done = in_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE payments SET status = 'declined', decline_reason = $2, updated_at = $3 WHERE id = $1 AND status = 'authorizing'",
            )
            .bind(id)
            .bind(reason)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Ok(false);
            }
            record_status!(
                &mut *tx,
                id,
                now,
                "authorizing",
                "declined",
                audit.actor_login.unwrap_or("system"),
                Some(reason)
            )?;
            write_audit!(&mut *tx, *audit)?;
            true
        });
        Ok(done)
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

    /// Scheduled → Authorizing when its date comes; false if it was
    /// cancelled or started meanwhile, or its account is no longer active
    /// (the service then cancels it; the guard is the one check, so nothing
    /// can slip between a look at the account and the start).
    pub async fn start_scheduled(&self, id: i64, now: i64) -> Result<bool, DbError> {
        let started = in_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE payments SET status = 'authorizing', updated_at = $2 WHERE id = $1 AND status = 'scheduled' \
                 AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = payments.account_id AND a.status = $3)",
            )
                .bind(id)
                .bind(now)
                .bind(crate::domain::account::AccountStatus::Active.code())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                record_status!(
                    &mut *tx,
                    id,
                    now,
                    "scheduled",
                    "authorizing",
                    "scheduler",
                    Some("its date came")
                )?;
            }
            n == 1
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
