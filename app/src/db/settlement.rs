//! Settlement and ACH returns in the database. A run happens in one
//! transaction, serialized against every other run (an advisory lock on
//! PostgreSQL, `BEGIN IMMEDIATE` on SQLite): cards are captured, Pending ACH
//! debits and queued ACH refund credits go into one NACHA file whose text is
//! stored with the run, and every movement is posted to the journal. A
//! second run, in this process or another, finds nothing left to do.

use super::audit::{AuditEntry, write_audit};
use super::batch::HistoryRow;
use super::bills::move_bill_paid;
use super::journal::post;
use super::journal::{Postings, post_all};
use super::notices::queue_notice;
use super::payments::{PAYMENT_SELECT, PaymentRow, payment_state, record_status};
use super::{Backend, Bulk, Db, DbError, in_tx, insert_rows, on_pool};
use crate::domain::account::AccountType;
use crate::domain::ach_batching::{Companies, Outgoing, file_id_modifier, plan_file};
use crate::domain::audit_action::AuditAction;
use crate::domain::bank::BankAccountKind;
use crate::domain::lifecycle::{
    PaymentState, ach_credit_posting, event_line_key, return_label, return_postings,
    settlement_posting,
};
use crate::domain::money::Money;
use crate::domain::nacha::{self, FileDates, Originator};
use crate::domain::payment::{MethodKind, PaymentStatus};

/// Advisory lock key shared by settlement runs and return imports.
const SETTLEMENT_LOCK: i64 = 0x5041_5944_4553_4b31;

/// What a run needs to write its NACHA file.
pub struct AchSetup<'a> {
    pub originator: &'a Originator,
    /// The divisions with an ACH company of their own.
    pub companies: &'a Companies,
    /// Dates for the file; the modifier is chosen in the transaction.
    pub created_date: String,
    pub created_time: String,
    pub effective_date: String,
    /// `PAYDESK-20261125`: the run id and `.ach` are appended.
    pub file_stem: String,
    /// Decrypts a stored bank account number.
    pub open_account: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// Encrypts the file's text for the `ach_files.content` column.
    pub seal_file: &'a (dyn Fn(&str) -> String + Sync),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    pub run_id: i64,
    pub card_count: i64,
    pub card_total_cents: i64,
    pub file: Option<AchFileSummary>,
    /// Pending ACH payments left out because their account number could
    /// not be decrypted (they stay Pending, and are logged).
    pub skipped: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AchFileSummary {
    pub id: i64,
    pub file_name: String,
    pub entry_count: i64,
    pub debit_total_cents: i64,
    pub credit_total_cents: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub id: i64,
    pub actor: String,
    pub created_at: i64,
    pub card_count: i64,
    pub card_total_cents: i64,
    pub returns_count: i64,
    pub file_id: Option<i64>,
    pub file_name: Option<String>,
    pub entry_count: Option<i64>,
    pub debit_total_cents: Option<i64>,
    pub credit_total_cents: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BatchRow {
    pub file_id: i64,
    pub batch_number: i64,
    pub sec_code: String,
    pub description: String,
    pub entry_count: i64,
    pub debit_total_cents: i64,
    pub credit_total_cents: i64,
}

/// What became of one return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReturnOutcome {
    /// The payment is now Failed and its amount owed again.
    Failed { reference: String, code: String },
    /// No entry we sent has this trace number.
    Unmatched {
        line: usize,
        trace: String,
        code: String,
    },
    /// The entry cannot be returned (a refund credit, or a payment no longer Processed).
    NotReturnable {
        line: usize,
        trace: String,
        why: String,
    },
    /// This return was read before; nothing changed.
    AlreadyRecorded { trace: String, code: String },
}

/// A processed ACH debit that the sandbox bank will return.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReturnableDebit {
    pub trace_number: String,
    pub bank_routing: String,
    pub amount_cents: i64,
    pub account_number: String,
    pub bank_holder: Option<String>,
    pub bank_last4: String,
}

/// An ach_entries row: file, batch, payment, refund action, transaction
/// code, amount, trace number.
type AchEntryRow = (i64, i64, i64, Option<i64>, String, i64, String);

/// What a run reads of a payment it puts in the NACHA file: the 18
/// columns its entry and its posting need, not the 34 of a
/// [`PaymentRow`] (a run reads half a million of these).
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
struct SentPayment {
    id: i64,
    reference: String,
    account_id: i64,
    account_number: String,
    account_type: String,
    division_id: i64,
    bank_holder: Option<String>,
    bank_routing: Option<String>,
    bank_account_enc: Option<String>,
    bank_kind: Option<String>,
    status: String,
    method_kind: String,
    amount_cents: i64,
    refunded_cents: i64,
    fee_cents: i64,
    fee_refunded_cents: i64,
    category_income_cents: i64,
    category_income_refunded_cents: i64,
}

/// The `SELECT` for [`SentPayment`]; a `WHERE` follows.
const SENT_SELECT: &str = "SELECT p.id, p.reference, p.account_id, a.account_number, a.account_type, \
    a.division_id, p.bank_holder, p.bank_routing, p.bank_account_enc, p.bank_kind, p.status, p.method_kind, \
    p.amount_cents, p.refunded_cents, p.fee_cents, p.fee_refunded_cents, p.category_income_cents, \
    p.category_income_refunded_cents FROM payments p JOIN accounts a ON a.id = p.account_id";

impl SentPayment {
    fn state(&self) -> Result<PaymentState, crate::domain::UnknownCode> {
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

/// Which payment (and, for a refund credit, which action) an outgoing
/// entry came from.
struct Source {
    payment: SentPayment,
    action_id: Option<i64>,
}

/// An entry's facts; an unknown stored account type or bank kind is an
/// error, never a guess (it picks the entry's transaction code).
fn outgoing_of(
    p: &SentPayment,
    account_number: String,
    amount_cents: i64,
    credit: bool,
) -> Result<Outgoing, crate::domain::UnknownCode> {
    let savings = match p.bank_kind.as_deref() {
        Some(kind) => BankAccountKind::decode(kind)? == BankAccountKind::Savings,
        None => false,
    };
    Ok(Outgoing {
        business: AccountType::decode(&p.account_type)? == AccountType::Business,
        savings,
        credit,
        routing: p.bank_routing.clone().unwrap_or_default(),
        account_number,
        amount_cents,
        individual_id: p.account_number.clone(),
        name: p.bank_holder.clone().unwrap_or_default(),
        division: p.division_id,
    })
}

impl Db {
    pub async fn settle_run(
        &self,
        cutoff: i64,
        now: i64,
        actor: &str,
        returns_count: i64,
        ach: &AchSetup<'_>,
    ) -> Result<Option<RunSummary>, DbError> {
        let one_payment = format!("{SENT_SELECT} WHERE p.id = $1");
        let backend = self.backend();
        // Pending payments of one method, moved to Processed in one guarded
        // statement that also locks them: a Void waiting on one of them then
        // finds it Processed and refuses. `captured_cents` keeps what the run
        // took (later refunds change `refunded_cents` only), for
        // reconciliation.
        let settle_pending = |method: &str, returning: &str| {
            format!(
                "UPDATE payments SET status = 'processed', settled_at = $2, updated_at = $2, \
                 captured_cents = amount_cents - refunded_cents + fee_cents - fee_refunded_cents \
                 WHERE status = 'pending' AND method_kind = '{method}' AND created_at < $1 RETURNING {returning}"
            )
        };
        let summary = in_tx!(self, |tx| {
            if backend == Backend::Postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(SETTLEMENT_LOCK)
                    .execute(&mut *tx)
                    .await?;
            }
            // Cards: capture what was not refunded before the cutoff.
            let cards: Vec<(i64, i64, i64, i64, i64, i64)> = sqlx::query_as(&settle_pending(
                "card",
                "id, account_id, amount_cents, refunded_cents, fee_cents, fee_refunded_cents",
            ))
            .bind(cutoff)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            // History rows and journal entries are gathered and written in
            // batches at the end, a thousand rows a statement.
            let mut history: Vec<HistoryRow> = Vec::new();
            let mut journal = Postings::default();
            let mut card_total = 0;
            for (id, account_id, amount, refunded, fee, fee_refunded) in &cards {
                history.push((
                    *id,
                    now,
                    Some("pending"),
                    "processed",
                    actor.to_string(),
                    Some("captured at settlement".to_string()),
                ));
                let state = PaymentState {
                    status: PaymentStatus::Pending,
                    method: MethodKind::Card,
                    amount: Money::from_cents(*amount),
                    refunded: Money::from_cents(*refunded),
                    fee: Money::from_cents(*fee),
                    fee_refunded: Money::from_cents(*fee_refunded),
                    // Capture takes what is held, whichever book it was
                    // credited to: the split does not matter here.
                    income: Money::ZERO,
                    income_refunded: Money::ZERO,
                };
                if let Some(posting) = settlement_posting(&state) {
                    card_total += posting.amount.cents();
                    journal.add(
                        &posting,
                        *account_id,
                        *id,
                        format!("capture:{id}"),
                        None,
                        now,
                    );
                }
            }
            // ACH: Pending debits, then refund credits not yet sent. The
            // debits move first, as the cards did, and are read back with
            // their accounts (locking them with a SELECT and moving them
            // later wrote every row twice).
            let debit_ids: Vec<i64> = sqlx::query_scalar(&settle_pending("ach", "id"))
                .bind(cutoff)
                .bind(now)
                .fetch_all(&mut *tx)
                .await?;
            // `outgoing[i]` came from `sources[i]`.
            let mut outgoing = Vec::new();
            let mut sources = Vec::new();
            let mut skipped = Vec::new();
            let mut unsent = Vec::new();
            if !debit_ids.is_empty() {
                let (among, ids) = self.in_ids("p.id", 1, &debit_ids);
                let debits = format!("{SENT_SELECT} WHERE {among} ORDER BY p.id");
                // Half a million rows here: read the fastest way (`Bulk`).
                for p in tx.fetch_rows::<SentPayment>(&debits, &ids).await? {
                    match p
                        .bank_account_enc
                        .as_deref()
                        .and_then(|enc| (ach.open_account)(enc))
                    {
                        Some(account_number) => {
                            // What is still owed on it, with its fee left.
                            let amount = p.state()?.held().cents();
                            outgoing.push(outgoing_of(&p, account_number, amount, false)?);
                            sources.push(Source {
                                payment: p,
                                action_id: None,
                            });
                        }
                        None => {
                            tracing::error!(
                                payment = p.id,
                                "cannot decrypt the bank account; the payment stays Pending"
                            );
                            unsent.push(p.id);
                            skipped.push(p.reference.clone());
                        }
                    }
                }
            }
            if !unsent.is_empty() {
                // Not in the file, so not settled: back to Pending for the next run.
                let (among, ids) = self.in_ids("id", 1, &unsent);
                sqlx::query(&format!(
                    "UPDATE payments SET status = 'pending', settled_at = NULL, captured_cents = NULL WHERE {among}"
                ))
                .bind(&ids)
                .execute(&mut *tx)
                .await?;
            }
            let credits: Vec<(i64, i64, i64)> = sqlx::query_as(
                // The credit gives back the amount and the fee the action returned.
                "SELECT x.id, x.payment_id, x.amount_cents + x.fee_cents FROM payment_actions x LEFT JOIN ach_entries e ON e.action_id = x.id \
                 WHERE x.kind = 'ach_refund' AND e.id IS NULL ORDER BY x.id",
            )
            .fetch_all(&mut *tx)
            .await?;
            for (action_id, payment_id, amount_cents) in credits {
                let p = sqlx::query_as::<_, SentPayment>(&one_payment)
                    .bind(payment_id)
                    .fetch_one(&mut *tx)
                    .await?;
                match p
                    .bank_account_enc
                    .as_deref()
                    .and_then(|enc| (ach.open_account)(enc))
                {
                    Some(account_number) => {
                        outgoing.push(outgoing_of(&p, account_number, amount_cents, true)?);
                        sources.push(Source {
                            payment: p,
                            action_id: Some(action_id),
                        });
                    }
                    None => {
                        tracing::error!(
                            action = action_id,
                            "cannot decrypt the bank account; the refund credit waits"
                        );
                        skipped.push(p.reference.clone());
                    }
                }
            }
            if cards.is_empty() && outgoing.is_empty() && returns_count == 0 {
                return Ok(None);
            }
            let run_id: i64 = sqlx::query_scalar(
                "INSERT INTO settlement_runs (actor, cutoff_at, card_count, card_total_cents, returns_count, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(actor)
            .bind(cutoff)
            .bind(cards.len() as i64)
            .bind(card_total)
            .bind(returns_count)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let mut file = None;
            if !outgoing.is_empty() {
                let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ach_entries")
                    .fetch_one(&mut *tx)
                    .await?;
                let same_day: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM ach_files WHERE file_name LIKE $1")
                        .bind(format!("{}-%", ach.file_stem))
                        .fetch_one(&mut *tx)
                        .await?;
                let dates = FileDates {
                    created_date: ach.created_date.clone(),
                    created_time: ach.created_time.clone(),
                    effective_date: ach.effective_date.clone(),
                    file_id_modifier: file_id_modifier(same_day),
                };
                let plan = plan_file(ach.originator, ach.companies, &dates, &outgoing, existing);
                let file_name = format!("{}-{run_id}.ach", ach.file_stem);
                let file_id: i64 = sqlx::query_scalar(
                    "INSERT INTO ach_files (run_id, file_name, content, entry_count, debit_total_cents, credit_total_cents, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(run_id)
                .bind(&file_name)
                .bind((ach.seal_file)(&plan.content))
                .bind(plan.totals.entry_count as i64)
                .bind(plan.totals.debit_cents)
                .bind(plan.totals.credit_cents)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                for b in &plan.batches {
                    sqlx::query(
                        "INSERT INTO ach_batches (file_id, batch_number, sec_code, description, entry_count, debit_total_cents, credit_total_cents, division_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(file_id)
                    .bind(b.number)
                    .bind(b.sec.code())
                    .bind(&b.description)
                    .bind(b.entry_count)
                    .bind(b.debit_cents)
                    .bind(b.credit_cents)
                    .bind(b.division)
                    .execute(&mut *tx)
                    .await?;
                }
                let mut entries: Vec<AchEntryRow> = Vec::with_capacity(plan.entries.len());
                for placed in &plan.entries {
                    let source = &sources[placed.index];
                    let p = &source.payment;
                    let amount_cents = outgoing[placed.index].amount_cents;
                    entries.push((
                        file_id,
                        placed.batch_number,
                        p.id,
                        source.action_id,
                        placed.transaction_code.to_string(),
                        amount_cents,
                        placed.trace_number.clone(),
                    ));
                    match source.action_id {
                        None => {
                            history.push((
                                p.id,
                                now,
                                Some("pending"),
                                "processed",
                                actor.to_string(),
                                Some(format!("sent in ACH file {file_name}")),
                            ));
                            if let Some(posting) = settlement_posting(&p.state()?) {
                                journal.add(
                                    &posting,
                                    p.account_id,
                                    p.id,
                                    format!("capture:{}", p.id),
                                    None,
                                    now,
                                );
                            }
                        }
                        Some(action_id) => {
                            journal.add(
                                &ach_credit_posting(Money::from_cents(amount_cents)),
                                p.account_id,
                                p.id,
                                format!("achcredit:{action_id}"),
                                None,
                                now,
                            );
                        }
                    }
                }
                insert_rows!(
                    tx,
                    "INSERT INTO ach_entries (file_id, batch_number, payment_id, action_id, transaction_code, amount_cents, trace_number)",
                    &[
                        "bigint", "bigint", "bigint", "bigint", "text", "bigint", "text"
                    ],
                    entries
                )?;
                file = Some(AchFileSummary {
                    id: file_id,
                    file_name,
                    entry_count: plan.totals.entry_count as i64,
                    debit_total_cents: plan.totals.debit_cents,
                    credit_total_cents: plan.totals.credit_cents,
                });
            }
            insert_rows!(
                tx,
                super::batch::HISTORY_INTO,
                super::batch::HISTORY_TYPES,
                history
            )?;
            post_all!(tx, backend, journal)?;
            let after = serde_json::json!({
                "cards": cards.len(), "card_total_cents": card_total, "returns": returns_count,
                "ach_file": file.as_ref().map(|f| f.file_name.clone()),
            })
            .to_string();
            let object = format!("settlement run {run_id}");
            write_audit!(
                &mut *tx,
                AuditEntry {
                    actor_login: Some(actor),
                    object: Some(&object),
                    after: Some(&after),
                    ..AuditEntry::new(now, AuditAction::SettlementRun)
                }
            )?;
            Some(RunSummary {
                run_id,
                card_count: cards.len() as i64,
                card_total_cents: card_total,
                file,
                skipped,
            })
        });
        Ok(summary)
    }

    /// Processed ACH debits whose bank account ends in one of `last4s` and
    /// that were not returned yet: the sandbox bank's returns.
    pub async fn returnable_debits(
        &self,
        last4s: &[&str],
    ) -> Result<Vec<ReturnableDebit>, DbError> {
        let list = last4s
            .iter()
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(",");
        if list.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT e.trace_number, p.bank_routing, e.amount_cents, a.account_number, p.bank_holder, p.bank_last4 \
             FROM ach_entries e JOIN payments p ON p.id = e.payment_id JOIN accounts a ON a.id = p.account_id \
             WHERE e.action_id IS NULL AND p.status = 'processed' AND p.bank_last4 IN ({list}) \
             AND NOT EXISTS (SELECT 1 FROM ach_returns r WHERE r.trace_number = e.trace_number) ORDER BY e.id"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, ReturnableDebit>(&sql)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// Applies the returns of one return file, all in one transaction.
    pub async fn apply_returns(
        &self,
        returns: &[nacha::Return],
        source: &str,
        actor: &str,
        now: i64,
    ) -> Result<Vec<ReturnOutcome>, DbError> {
        // Read under the row lock: a refund committing meanwhile must be
        // seen, or the reversal would give back money already refunded.
        let lock_row = if self.backend() == Backend::Postgres {
            " FOR UPDATE OF p"
        } else {
            ""
        };
        let one_payment = format!("{PAYMENT_SELECT} WHERE p.id = $1{lock_row}");
        let lock = self.backend() == Backend::Postgres;
        let outcomes = in_tx!(self, |tx| {
            if lock {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(SETTLEMENT_LOCK)
                    .execute(&mut *tx)
                    .await?;
            }
            let mut outcomes = Vec::new();
            for r in returns {
                let seen: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM ach_returns WHERE trace_number = $1 AND return_code = $2",
                )
                .bind(&r.original_trace)
                .bind(&r.return_code)
                .fetch_optional(&mut *tx)
                .await?;
                if seen.is_some() {
                    outcomes.push(ReturnOutcome::AlreadyRecorded {
                        trace: r.original_trace.clone(),
                        code: r.return_code.clone(),
                    });
                    continue;
                }
                let entry: Option<(i64, Option<i64>)> = sqlx::query_as(
                    "SELECT payment_id, action_id FROM ach_entries WHERE trace_number = $1",
                )
                .bind(&r.original_trace)
                .fetch_optional(&mut *tx)
                .await?;
                let (payment_id, outcome) = match entry {
                    None => (
                        None,
                        ReturnOutcome::Unmatched {
                            line: r.line,
                            trace: r.original_trace.clone(),
                            code: r.return_code.clone(),
                        },
                    ),
                    Some((payment_id, Some(_))) => (
                        Some(payment_id),
                        ReturnOutcome::NotReturnable {
                            line: r.line,
                            trace: r.original_trace.clone(),
                            why: "it is a refund credit; call the bank".into(),
                        },
                    ),
                    Some((payment_id, None)) => {
                        let p = sqlx::query_as::<_, PaymentRow>(&one_payment)
                            .bind(payment_id)
                            .fetch_one(&mut *tx)
                            .await?;
                        let label = return_label(&r.return_code);
                        let n = sqlx::query(
                            "UPDATE payments SET status = 'failed', return_code = $2, return_reason = $3, updated_at = $4 \
                             WHERE id = $1 AND status = 'processed'",
                        )
                        .bind(payment_id)
                        .bind(&r.return_code)
                        .bind(crate::domain::lifecycle::return_reason(&r.return_code))
                        .bind(now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n == 1 {
                            // Failed pays nothing toward the bill any more.
                            move_bill_paid!(
                                &mut *tx,
                                payment_id,
                                -p.state()?.paid_toward_bill().cents()
                            )?;
                            record_status!(
                                &mut *tx,
                                payment_id,
                                now,
                                "processed",
                                "failed",
                                actor,
                                Some(&label)
                            )?;
                            // The first line is the return's (the balance,
                            // or what is left when the balance went back
                            // already); the others are keyed by their book.
                            for (i, posting) in return_postings(&p.state()?).into_iter().enumerate()
                            {
                                let once = event_line_key(
                                    &format!("return:{payment_id}"),
                                    i,
                                    posting.debit,
                                );
                                post!(
                                    tx,
                                    posting,
                                    account = p.account_id,
                                    payment = Some(payment_id),
                                    once = Some(once),
                                    by = None::<i64>,
                                    at = now
                                )?;
                            }
                            queue_notice!(
                                &mut *tx,
                                payment_id,
                                "returned",
                                None::<i64>,
                                format!("return:{payment_id}"),
                                &p.receipt_email,
                                now
                            )?;
                            (
                                Some(payment_id),
                                ReturnOutcome::Failed {
                                    reference: p.reference.clone(),
                                    code: r.return_code.clone(),
                                },
                            )
                        } else {
                            let why = format!("the payment is {}, not Processed", p.status);
                            (
                                Some(payment_id),
                                ReturnOutcome::NotReturnable {
                                    line: r.line,
                                    trace: r.original_trace.clone(),
                                    why,
                                },
                            )
                        }
                    }
                };
                let kind = match &outcome {
                    ReturnOutcome::Failed { .. } => "failed",
                    ReturnOutcome::Unmatched { .. } => "unmatched",
                    _ => "not_returnable",
                };
                sqlx::query(
                    "INSERT INTO ach_returns (trace_number, return_code, payment_id, outcome, source, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&r.original_trace)
                .bind(&r.return_code)
                .bind(payment_id)
                .bind(kind)
                .bind(source)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                outcomes.push(outcome);
            }
            let after = serde_json::json!({ "returns": returns.len() }).to_string();
            write_audit!(
                &mut *tx,
                AuditEntry {
                    actor_login: Some(actor),
                    object: Some(source),
                    after: Some(&after),
                    ..AuditEntry::new(now, AuditAction::AchReturns)
                }
            )?;
            outcomes
        });
        Ok(outcomes)
    }

    /// The newest settlement runs with their files, newest first.
    pub async fn settlement_runs(&self, limit: i64) -> Result<Vec<RunRow>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, RunRow>(
                "SELECT r.id, r.actor, r.created_at, r.card_count, r.card_total_cents, r.returns_count, f.id AS file_id, \
                 f.file_name, f.entry_count, f.debit_total_cents, f.credit_total_cents \
                 FROM settlement_runs r LEFT JOIN ach_files f ON f.run_id = r.id ORDER BY r.id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }

    pub async fn ach_batches(&self, file_ids: &[i64]) -> Result<Vec<BatchRow>, DbError> {
        if file_ids.is_empty() {
            return Ok(vec![]);
        }
        // Ids are integers we read from the database, so inlining them is safe.
        let ids = file_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT file_id, batch_number, sec_code, description, entry_count, debit_total_cents, credit_total_cents \
             FROM ach_batches WHERE file_id IN ({ids}) ORDER BY file_id, batch_number"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, BatchRow>(&sql)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// A NACHA file's name and stored content (sealed, or plain text in a
    /// row written before files were encrypted).
    pub async fn ach_file(&self, id: i64) -> Result<Option<(String, String)>, DbError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, (String, String)>(
                "SELECT file_name, content FROM ach_files WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row)
    }

    /// The first stored NACHA file after `after_id` whose content does not
    /// start with `sealed_prefix`: one left in clear by an older version.
    pub async fn next_unsealed_ach_file(
        &self,
        after_id: i64,
        sealed_prefix: &str,
    ) -> Result<Option<(i64, String)>, DbError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, String)>(
                "SELECT id, content FROM ach_files WHERE id > $1 AND content NOT LIKE $2 ORDER BY id LIMIT 1",
            )
            .bind(after_id)
            .bind(format!("{sealed_prefix}%"))
            .fetch_optional(pool)
            .await
        })?;
        Ok(row)
    }

    /// Replaces a file's content, only if it is still `old` (another server
    /// sealing it at the same time makes this a no-op). True if replaced.
    pub async fn replace_ach_content(
        &self,
        id: i64,
        old: &str,
        new: &str,
    ) -> Result<bool, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query("UPDATE ach_files SET content = $3 WHERE id = $1 AND content = $2")
                .bind(id)
                .bind(old)
                .bind(new)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }
}
