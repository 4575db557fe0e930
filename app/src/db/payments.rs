//! Payments, their status history, and the journal entries they cause.

use super::{Db, DbError, in_tx, on_pool};
use crate::db::audit::AuditEntry;
use crate::domain::category_payment::{CategoryPayment, PaymentLine};
use crate::domain::lifecycle::PaymentState;
use crate::domain::lifecycle::{approval_posting, category_posting, fee_posting};
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

/// Inserts payments (`authorizing`, or `scheduled` for a later date) and
/// each one's first history line on `$tx`, a page a statement; evaluates to
/// their ids, in `$list`'s order. Shared by Make Payment (a list of one),
/// the plans' scheduler (a page of occurrences, in the transaction that
/// makes them) and a bill's new version.
macro_rules! insert_payments {
    ($tx:ident, $backend:expr, $list:expr, $actor:expr, $now:expr) => {
        async {
            use $crate::db::batch::{HISTORY_INTO, HISTORY_TYPES, HistoryRow};
            let list: &[&$crate::db::payments::NewPayment] = $list;
            let (actor, now): (&str, i64) = ($actor, $now);
            let sql = $crate::db::payments::insert_payments_sql($backend);
            let mut ids = std::collections::HashMap::with_capacity(list.len());
            for chunk in list.chunks($crate::db::payments::PAYMENT_BATCH) {
                let rows: Vec<serde_json::Value> = chunk.iter().map(|p| p.json_row(now)).collect();
                let got: Vec<(i64, String)> = sqlx::query_as(&sql)
                    .bind($crate::db::json(&rows)?)
                    .fetch_all(&mut *$tx)
                    .await?;
                ids.extend(got.into_iter().map(|(id, key)| (key, id)));
            }
            let mut out = Vec::with_capacity(list.len());
            let mut history: Vec<HistoryRow> = Vec::with_capacity(list.len());
            for p in list {
                // RETURNING's order is not promised: matched by key.
                let id = *ids
                    .get(&p.idempotency_key)
                    .ok_or(sqlx::Error::RowNotFound)?;
                history.push((
                    id,
                    now,
                    None,
                    p.first_status(),
                    actor.to_string(),
                    p.first_note(),
                ));
                out.push(id);
            }
            $crate::db::insert_rows!($tx, HISTORY_INTO, HISTORY_TYPES, history)?;
            // Category lines, copied onto the payment as they were paid.
            let lines: Vec<$crate::db::payments::LineRow> = list
                .iter()
                .zip(&out)
                .flat_map(|(p, id)| $crate::db::payments::line_rows(*id, &p.category.lines))
                .collect();
            $crate::db::insert_rows!(
                $tx,
                $crate::db::payments::LINES_INTO,
                $crate::db::payments::LINE_TYPES,
                lines
            )?;
            Ok::<Vec<i64>, $crate::db::DbError>(out)
        }
        .await
    };
}
pub(crate) use insert_payments;

/// Payments per INSERT (28 columns each, as one JSON parameter).
pub(crate) const PAYMENT_BATCH: usize = 500;

/// A payment's category line as inserted: payment, position, category,
/// description, charge code, unit, quantity, total, Impact Balance.
pub(crate) type LineRow = (i64, i64, i64, String, String, i64, i64, i64, bool);
pub(crate) const LINES_INTO: &str = "INSERT INTO payment_lines (payment_id, position, category_id, description, \
    charge_code, unit_cents, quantity, total_cents, impact_balance)";
pub(crate) const LINE_TYPES: &[&str] = &[
    "bigint", "bigint", "bigint", "text", "text", "bigint", "bigint", "bigint", "boolean",
];

pub(crate) fn line_rows(payment_id: i64, lines: &[PaymentLine]) -> Vec<LineRow> {
    lines
        .iter()
        .zip(0i64..)
        .map(|(l, position)| {
            (
                payment_id,
                position,
                l.category_id,
                l.description.clone(),
                l.charge_code.clone(),
                l.unit.cents(),
                l.quantity,
                l.total.cents(),
                l.impact_balance,
            )
        })
        .collect()
}

/// The multi-row INSERT behind [`insert_payments!`]: its rows are
/// [`NewPayment::json_row`]s.
pub(crate) fn insert_payments_sql(backend: super::Backend) -> String {
    const TYPES: [&str; 28] = [
        "text", "text", "bigint", "bigint", "text", "text", "text", "text", "bigint", "bigint",
        "bigint", "text", "bigint", "text", "bigint", "bigint", "bigint", "text", "text", "text",
        "text", "text", "text", "text", "text", "text", "text", "text",
    ];
    format!(
        "INSERT INTO payments (reference, idempotency_key, account_id, amount_cents, method_kind, method_label, \
         receipt_email, status, entered_by, created_at, updated_at, scheduled_for, bill_id, channel, plan_id, fee_cents, category_income_cents, {METHOD_COLUMNS}) \
         {} RETURNING id, idempotency_key",
        super::from_json(backend, 1, &TYPES, "")
    )
}

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
    /// The convenience fee on top of the amount, from the sealed review.
    pub fee_cents: i64,
    /// The category lines paid (Make Payment's C2), copied as they were.
    pub category: CategoryPayment,
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

impl NewPayment {
    /// Stored Scheduled when it has a later date, else claimed `authorizing`.
    pub(crate) fn first_status(&self) -> &'static str {
        if self.scheduled_for.is_some() {
            "scheduled"
        } else {
            "authorizing"
        }
    }

    /// Its first history line's reason.
    pub(crate) fn first_note(&self) -> Option<String> {
        self.history_note.clone().or_else(|| {
            self.scheduled_for
                .as_ref()
                .map(|d| format!("scheduled for {d}"))
        })
    }

    /// The row [`insert_payments_sql`] reads, in its column order.
    pub(crate) fn json_row(&self, now: i64) -> serde_json::Value {
        let m = &self.method;
        serde_json::json!([
            self.reference,
            self.idempotency_key,
            self.account_id,
            self.amount_cents,
            self.method_kind,
            self.method_label,
            self.receipt_email,
            self.first_status(),
            self.entered_by,
            now,
            now,
            self.scheduled_for,
            self.bill_id,
            if self.channel.is_empty() {
                "csr"
            } else {
                self.channel
            },
            self.plan_id,
            self.fee_cents,
            self.category.income_share().cents(),
            m.card_token,
            m.card_brand,
            m.card_last4,
            m.card_expiry,
            m.cardholder,
            m.billing_zip,
            m.bank_holder,
            m.bank_routing,
            m.bank_account_enc,
            m.bank_last4,
            m.bank_kind,
        ])
    }
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
    pub fee_cents: i64,
    pub fee_refunded_cents: i64,
    pub category_income_cents: i64,
    pub category_income_refunded_cents: i64,
    /// The account's division (a limited staff user reaches only theirs).
    pub division_id: i64,
}

impl PaymentRow {
    /// What the lifecycle rules need to know about this payment.
    pub fn state(&self) -> Result<PaymentState, crate::domain::UnknownCode> {
        payment_state(
            &self.status,
            &self.method_kind,
            [
                self.amount_cents,
                self.refunded_cents,
                self.fee_cents,
                self.fee_refunded_cents,
                self.category_income_cents,
                self.category_income_refunded_cents,
            ],
        )
    }
}

/// A payment's lifecycle state from its stored columns: status, method,
/// and in cents its amount, refunded, fee, fee refunded, category income
/// and category income refunded.
pub(crate) fn payment_state(
    status: &str,
    method: &str,
    [amount, refunded, fee, fee_refunded, income, income_refunded]: [i64; 6],
) -> Result<PaymentState, crate::domain::UnknownCode> {
    Ok(PaymentState {
        status: PaymentStatus::decode(status)?,
        method: MethodKind::decode(method)?,
        amount: Money::from_cents(amount),
        refunded: Money::from_cents(refunded),
        fee: Money::from_cents(fee),
        fee_refunded: Money::from_cents(fee_refunded),
        income: Money::from_cents(income),
        income_refunded: Money::from_cents(income_refunded),
    })
}

pub(crate) const PAYMENT_SELECT: &str = "SELECT p.id, p.reference, p.account_id, a.account_number, p.amount_cents, \
    p.method_kind, p.method_label, p.receipt_email, p.status, p.decline_reason, u.login AS entered_by_login, \
    p.channel, p.created_at, p.settled_at, p.card_token, p.cardholder, p.bank_holder, p.processor_ref, p.idempotency_key, \
    p.refunded_cents, p.return_code, p.return_reason, a.account_type, p.bank_routing, p.bank_account_enc, p.bank_kind, \
    p.scheduled_for, p.plan_id, p.ran_late, p.fee_cents, p.fee_refunded_cents, \
    p.category_income_cents, p.category_income_refunded_cents, a.division_id \
    FROM payments p JOIN accounts a ON a.id = p.account_id LEFT JOIN staff_users u ON u.id = p.entered_by";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StatusChangeRow {
    pub at: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub reason: Option<String>,
}

/// A payment the approval moved to Pending: id, account, amount, receipt
/// email, method, bill, fee, category income.
type ApprovedRow = (i64, i64, i64, String, String, Option<i64>, i64, i64);

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
        let backend = self.backend();
        let ids = in_tx!(self, |tx| insert_payments!(tx, backend, &[p], actor, now)?);
        ids.first()
            .copied()
            .ok_or(DbError::Sqlx(sqlx::Error::RowNotFound))
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
        self.record_answer(Answer {
            payment_id: id,
            verdict: Verdict::Approved(processor_ref.to_string()),
            audit: audit.clone(),
        })
        .await
    }

    /// The processor declined: kept as Declined for the record; no money moves.
    pub async fn decline_payment(
        &self,
        id: i64,
        reason: &str,
        audit: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        self.record_answer(Answer {
            payment_id: id,
            verdict: Verdict::Declined(reason.to_string()),
            audit: audit.clone(),
        })
        .await
    }

    async fn record_answer(&self, answer: Answer<'_>) -> Result<bool, DbError> {
        let moved = self.record_answers(std::slice::from_ref(&answer)).await?;
        Ok(moved.first().copied().unwrap_or(false))
    }

    /// The processor's answers for payments in `authorizing`, in one
    /// transaction, a few statements for the lot (a request's one answer,
    /// or a page of the scheduler's starts). Approved: Pending, the bill's
    /// paid total, the ledger posting and the balance, history, receipt and
    /// audit. Declined: kept for the record with its reason, history and
    /// audit; no money moves. Each is guarded on `authorizing`, so one that
    /// someone else finished is left alone: false in its place.
    pub async fn record_answers(&self, answers: &[Answer<'_>]) -> Result<Vec<bool>, DbError> {
        use super::batch::{
            HISTORY_INTO, HISTORY_TYPES, HistoryRow, NoticeRow, add_to_rows, audit_row,
            insert_audits, insert_notices, unindexed, with_rows,
        };
        use super::insert_rows;
        use super::journal::{Postings, post_all};
        let backend = self.backend();
        let mut approved: Vec<(i64, &str, i64)> = Vec::new();
        let mut declined: Vec<(i64, &str, i64)> = Vec::new();
        for a in answers {
            match &a.verdict {
                Verdict::Approved(r) => approved.push((a.payment_id, r, a.audit.at)),
                Verdict::Declined(r) => declined.push((a.payment_id, r, a.audit.at)),
            }
        }
        let by_id: std::collections::HashMap<i64, &Answer<'_>> =
            answers.iter().map(|a| (a.payment_id, a)).collect();
        let status = unindexed("payments.status");
        // The answers as rows (payment, processor reference or decline
        // reason, time); each updates its payment only if still authorizing.
        let v = with_rows(backend, "pid, pref, pat", &["bigint", "text", "bigint"]);
        let approve_sql = format!(
            "{v}UPDATE payments SET status = 'pending', processor_ref = v.pref, updated_at = v.pat FROM v \
             WHERE payments.id = v.pid AND {status} = 'authorizing' \
             RETURNING id, account_id, amount_cents, receipt_email, method_kind, bill_id, fee_cents, category_income_cents"
        );
        let decline_sql = format!(
            "{v}UPDATE payments SET status = 'declined', decline_reason = v.pref, updated_at = v.pat FROM v \
             WHERE payments.id = v.pid AND {status} = 'authorizing' RETURNING id, decline_reason"
        );
        let moved = in_tx!(self, |tx| {
            let mut moved = std::collections::HashSet::new();
            let mut history: Vec<HistoryRow> = Vec::new();
            let mut postings = Postings::default();
            let mut bills: std::collections::BTreeMap<i64, i64> = Default::default();
            let mut notices: Vec<NoticeRow> = Vec::new();
            for chunk in approved.chunks(super::WRITE_BATCH) {
                let rows: Vec<ApprovedRow> = sqlx::query_as(&approve_sql)
                    .bind(super::json(&chunk)?)
                    .fetch_all(&mut *tx)
                    .await?;
                for (id, account_id, amount, email, method, bill, fee, income) in rows {
                    let Some(a) = by_id.get(&id) else { continue };
                    let now = a.audit.at;
                    if let Some(bill) = bill {
                        // Authorizing paid nothing toward the bill; Pending pays it all.
                        *bills.entry(bill).or_default() += amount;
                    }
                    let method = MethodKind::decode(&method)?;
                    let by = a.audit.actor_id;
                    // The balance moves by the amount less category income.
                    if let Some(posting) =
                        approval_posting(method, Money::from_cents(amount - income))
                    {
                        postings.add(&posting, account_id, id, format!("pay:{id}"), by, now);
                    }
                    if let Some(income) = category_posting(method, Money::from_cents(income)) {
                        postings.add(&income, account_id, id, format!("category:{id}"), by, now);
                    }
                    if let Some(fee) = fee_posting(method, Money::from_cents(fee)) {
                        postings.add(&fee, account_id, id, format!("fee:{id}"), by, now);
                    }
                    let actor = a.audit.actor_login.unwrap_or("system").to_string();
                    history.push((id, now, Some("authorizing"), "pending", actor, None));
                    notices.push((id, "receipt", format!("receipt:{id}"), email, now));
                    moved.insert(id);
                }
            }
            for chunk in declined.chunks(super::WRITE_BATCH) {
                let rows: Vec<(i64, Option<String>)> = sqlx::query_as(&decline_sql)
                    .bind(super::json(&chunk)?)
                    .fetch_all(&mut *tx)
                    .await?;
                for (id, reason) in rows {
                    let Some(a) = by_id.get(&id) else { continue };
                    let actor = a.audit.actor_login.unwrap_or("system").to_string();
                    history.push((
                        id,
                        a.audit.at,
                        Some("authorizing"),
                        "declined",
                        actor,
                        reason,
                    ));
                    moved.insert(id);
                }
            }
            let bills: Vec<(i64, i64)> = bills.into_iter().collect();
            add_to_rows!(tx, backend, "bills", "paid_cents", &bills)?;
            post_all!(tx, backend, postings)?;
            insert_rows!(tx, HISTORY_INTO, HISTORY_TYPES, history)?;
            insert_notices!(tx, backend, notices)?;
            let audits: Vec<_> = answers
                .iter()
                .filter(|a| moved.contains(&a.payment_id))
                .map(|a| audit_row(&a.audit))
                .collect();
            insert_audits!(tx, backend, audits)?;
            moved
        });
        Ok(answers
            .iter()
            .map(|a| moved.contains(&a.payment_id))
            .collect())
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

    /// The category lines a payment paid, in the order they were offered.
    pub async fn payment_lines(&self, payment_id: i64) -> Result<Vec<PaymentLine>, DbError> {
        let rows: Vec<(i64, String, String, i64, i64, i64, bool)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT category_id, description, charge_code, unit_cents, quantity, total_cents, impact_balance \
                 FROM payment_lines WHERE payment_id = $1 ORDER BY position",
            )
            .bind(payment_id)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(
                |(category_id, description, charge_code, unit, quantity, total, impact_balance)| {
                    PaymentLine {
                        category_id,
                        description,
                        charge_code,
                        unit: Money::from_cents(unit),
                        quantity,
                        total: Money::from_cents(total),
                        impact_balance,
                    }
                },
            )
            .collect())
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

    /// Scheduled payments whose date (`YYYY-MM-DD`) is `today` or earlier,
    /// oldest first, a page of up to 1,000.
    pub async fn due_scheduled(&self, today: &str) -> Result<Vec<PaymentRow>, DbError> {
        // Two steps: the page's ids in the partial index's order, which
        // stops after a page; then those rows by key. One statement with
        // the joins let PostgreSQL, on statistics from before the day's
        // payments were made, join every due payment to its account and
        // sort them all for each page (90 ms a page at 50,000 due).
        let ids = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
            "SELECT id FROM payments WHERE status = 'scheduled' AND scheduled_for <= $1 ORDER BY scheduled_for LIMIT 1000"
        )
        .bind(today)
        .fetch_all(pool)
        .await
        })?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (among, list) = self.in_ids("p.id", 1, &ids);
        let sql = format!("{PAYMENT_SELECT} WHERE {among}");
        let mut rows = on_pool!(self, |pool| sqlx::query_as::<_, PaymentRow>(&sql)
            .bind(&list)
            .fetch_all(pool)
            .await)?;
        rows.sort_by(|a, b| (&a.scheduled_for, a.id).cmp(&(&b.scheduled_for, b.id)));
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
        use super::batch::{HISTORY_INTO, HISTORY_TYPES, HistoryRow, unindexed, with_rows};
        use super::insert_rows;
        let backend = self.backend();
        let list: Vec<[i64; 1]> = ids.iter().map(|id| [*id]).collect();
        let list = super::json(&list)?;
        // A row back for each that started: the date it was due if that
        // has passed, else NULL.
        let sql = format!(
            "{}UPDATE payments SET status = 'authorizing', updated_at = $2, ran_late = (scheduled_for < $4) FROM v \
             WHERE payments.id = v.pid AND {} = 'scheduled' \
             AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = payments.account_id AND a.status = $3) \
             AND (plan_id IS NULL OR EXISTS (SELECT 1 FROM plans pl WHERE pl.id = payments.plan_id AND pl.status = 'active')) \
             RETURNING id, CASE WHEN scheduled_for < $4 THEN scheduled_for END",
            with_rows(backend, "pid", &["bigint"]),
            unindexed("payments.status")
        );
        let started = in_tx!(self, |tx| {
            let rows: Vec<(i64, Option<String>)> = sqlx::query_as(&sql)
                .bind(&list)
                .bind(now)
                .bind(crate::domain::account::AccountStatus::Active.code())
                .bind(today)
                .fetch_all(&mut *tx)
                .await?;
            let history: Vec<HistoryRow> = rows
                .iter()
                .map(|(id, late)| {
                    let reason = late.as_ref().map_or_else(
                        || "its date came".to_string(),
                        |due| format!("ran late: it was due {due}"),
                    );
                    (
                        *id,
                        now,
                        Some("scheduled"),
                        "authorizing",
                        "scheduler".to_string(),
                        Some(reason),
                    )
                })
                .collect();
            insert_rows!(tx, HISTORY_INTO, HISTORY_TYPES, history)?;
            let mut started: Vec<i64> = rows.into_iter().map(|(id, _)| id).collect();
            started.sort_unstable();
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
    ) -> Result<Vec<(String, String, i64)>, DbError> {
        if references.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = (1..=references.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT p.reference, p.status, a.division_id FROM payments p JOIN accounts a ON a.id = p.account_id \
             WHERE p.reference IN ({placeholders})"
        );
        let rows = on_pool!(self, |pool| {
            let mut query = sqlx::query_as::<_, (String, String, i64)>(&sql);
            for r in references {
                query = query.bind(r);
            }
            query.fetch_all(pool).await
        })?;
        Ok(rows)
    }
}
