//! The Reconciliation and Settlement reports' figures, read twice: from the
//! operational tables (payments, payment_actions, ach_entries, ach_files,
//! ach_returns, settlement_runs) and from the journal, so the report says
//! Balanced only when both agree (docs/reports.md).
//!
//! A cycle's figures are read by its [`Window`] (after, through]: a run
//! stamps `payments.settled_at` and its journal lines with its own
//! `created_at`, so the captures of the runs in a window are exactly the
//! payments settled in it, whatever order racing runs committed in.
//!
//! What belongs to each cell (the detail rows, [`Db::reconciliation_rows`]):
//!
//! | method, kind | rows | amount | time |
//! |---|---|---|---|
//! | card, processed | card payments with `settled_at` in the window and `captured_cents > 0` | `captured_cents` | `settled_at` |
//! | ach, processed | `ach_entries` with `action_id IS NULL` in the files of the window's runs | entry amount | the run's time |
//! | card, reversal | `payment_actions` of kind full_reversal/partial_refund on card payments, `after_settlement`, `created_at` in the window | action amount + the fee it gave back | `created_at` |
//! | ach, reversal | `ach_entries` with `action_id` set in the files of the window's runs | entry amount | the run's time |
//! | ach, failed | `ach_returns` with outcome failed, `created_at` in the window, whose payment still had something to return | amount − refunded + fee − fee given back | `created_at` |
//! | card, failed | none: card failures are declined at entry | | |
//!
//! Settlement cells ([`Db::settlement_rows`]), over payments entered in
//! [start, end) with status pending, processed or failed: debit = all of
//! them; cleared = processed; error = failed; credit = their
//! full_reversal, partial_refund and ach_refund actions. Amounts are what
//! the payer paid and got back: the convenience fee included.
//!
//! The journal's side counts an event once, by its first line: the lines
//! beside it (an action's or a return's fee and category income) have
//! once keys ending `:fee` or `:category` (`lifecycle::event_line_key`).

use super::{Db, DbError, on_pool};
use crate::domain::division::DivisionScope;
use crate::domain::money::Money;
use crate::domain::payment::MethodKind;
use crate::domain::reconciliation::{
    CodeTally, CycleFigures, FileTotals, LedgerFigures, ReconciliationKind, SettlementKind,
    SettlementSection, Tally, Window, bank_line_figure,
};

/// A settlement run, for the list of a day's runs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RunAt {
    pub id: i64,
    pub created_at: i64,
    pub file_name: Option<String>,
}

/// A detail row as read: the service turns it into a
/// `domain::reconciliation::DetailRow` (names, dates).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DetailDbRow {
    pub payment_id: i64,
    pub action_id: Option<i64>,
    pub reference: String,
    pub account_number: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_name: Option<String>,
    pub invoice_number: Option<String>,
    pub method_kind: String,
    pub amount_cents: i64,
    /// The event's time (epoch ms): see the table in the module docs.
    pub at_ms: i64,
    pub return_code: Option<String>,
}

/// What every detail query selects before its own columns.
const DETAIL_COLUMNS: &str = "p.id AS payment_id, {action} AS action_id, p.reference, a.account_number, \
    a.first_name, a.last_name, a.company_name, b.invoice_number, p.method_kind, \
    {amount} AS amount_cents, {at} AS at_ms, {code} AS return_code";

const PAYER_JOINS: &str =
    "JOIN accounts a ON a.id = p.account_id LEFT JOIN bills b ON b.id = p.bill_id";

/// One cell's rows: FROM … WHERE (binds $1, $2), what to select, the order.
struct CellQuery {
    from_where: String,
    action: &'static str,
    amount: &'static str,
    at: &'static str,
    code: &'static str,
    order: &'static str,
    /// The division the row counts for (the Key column): the account's,
    /// or for an ACH entry its batch's (`in_batch_of`).
    division: &'static str,
}

/// The division of what a row is about: its payment's account's.
const ACCOUNTS_DIVISION: &str = "a.division_id";

/// The division of ACH entry `e`: its batch's.
const BATCHS_DIVISION: &str = "(SELECT ab.division_id FROM ach_batches ab \
    WHERE ab.file_id = e.file_id AND ab.batch_number = e.batch_number)";

impl CellQuery {
    fn select(&self) -> String {
        DETAIL_COLUMNS
            .replace("{action}", self.action)
            .replace("{amount}", self.amount)
            .replace("{at}", self.at)
            .replace("{code}", self.code)
    }
}

const NO_ID: &str = "CAST(NULL AS BIGINT)";
/// What a payment still holds of what the payer paid: the amount and the
/// fee, less what went back (`PaymentState::held`).
const HELD: &str = "(p.amount_cents - p.refunded_cents + p.fee_cents - p.fee_refunded_cents)";
const NO_CODE: &str = "CAST(NULL AS TEXT)";

/// ` AND` the ACH entry `e` is in a batch of the divisions `shown` (empty
/// for every division). An entry is the division its batch was made for,
/// the account's division when it settled: an account moved since stays
/// in its old division's past cycles, as their batches do.
fn in_batch_of(shown: &DivisionScope, e: &str) -> String {
    match shown.sql_list() {
        None => String::new(),
        Some(list) => format!(
            " AND EXISTS (SELECT 1 FROM ach_batches ab WHERE ab.file_id = {e}.file_id \
             AND ab.batch_number = {e}.batch_number AND ab.division_id IN ({list}))"
        ),
    }
}

/// ` AND` a bank line `j` (of payment `p`) is of the divisions `shown`:
/// an ACH debit's line (`capture:{payment}`) or credit's
/// (`achcredit:{action}`) by its entry's batch, every other line by its
/// payment's account.
fn ledger_lines_of(shown: &DivisionScope) -> String {
    if shown.sql_list().is_none() {
        return String::new();
    }
    let entry = |which: &str| {
        format!(
            "EXISTS (SELECT 1 FROM ach_entries e WHERE e.payment_id = j.payment_id AND {which}{})",
            in_batch_of(shown, "e")
        )
    };
    format!(
        " AND (CASE WHEN j.kind = 'capture' AND p.method_kind = 'ach' THEN {} \
         WHEN j.kind = 'ach_credit' THEN {} ELSE {} END)",
        entry("e.action_id IS NULL"),
        entry(
            "(j.once_key = 'achcredit:' || CAST(e.action_id AS TEXT) \
             OR j.once_key LIKE 'achcredit:' || CAST(e.action_id AS TEXT) || ':%')",
        ),
        shown
            .accounts_filter("p.account_id")
            .trim_start_matches(" AND ")
    )
}

/// The rows of a Reconciliation cell; `None` for a cell that is always
/// empty (card failures).
fn reconciliation_cell(
    method: MethodKind,
    kind: ReconciliationKind,
    shown: &DivisionScope,
) -> Option<CellQuery> {
    use MethodKind::*;
    use ReconciliationKind::*;
    // Every cell joins the payer's account `a`: the divisions shown filter
    // on it (a list of ids we read, written in: no binds to renumber). An
    // ACH entry is its batch's division instead (`in_batch_of`).
    let only = shown.sql_filter("a.division_id");
    let entries_only = in_batch_of(shown, "e");
    let ach_entries = |credit: bool| CellQuery {
        from_where: format!(
            "FROM settlement_runs r JOIN ach_files f ON f.run_id = r.id JOIN ach_entries e ON e.file_id = f.id \
             JOIN payments p ON p.id = e.payment_id {PAYER_JOINS} \
             WHERE r.created_at > $1 AND r.created_at <= $2 AND e.action_id IS {} NULL{entries_only}",
            if credit { "NOT" } else { "" }
        ),
        action: "e.action_id",
        amount: "e.amount_cents",
        at: "r.created_at",
        code: NO_CODE,
        order: "r.created_at, e.id",
        division: BATCHS_DIVISION,
    };
    Some(match (method, kind) {
        (Card, Processed) => CellQuery {
            from_where: format!(
                "FROM payments p {PAYER_JOINS} WHERE p.settled_at > $1 AND p.settled_at <= $2 \
                 AND p.method_kind = 'card' AND p.captured_cents > 0{only}"
            ),
            action: NO_ID,
            amount: "p.captured_cents",
            at: "p.settled_at",
            code: NO_CODE,
            order: "p.settled_at, p.id",
            division: ACCOUNTS_DIVISION,
        },
        (Ach, Processed) => ach_entries(false),
        (Ach, Reversal) => ach_entries(true),
        (Card, Reversal) => CellQuery {
            from_where: format!(
                "FROM payment_actions x JOIN payments p ON p.id = x.payment_id {PAYER_JOINS} \
                 WHERE x.created_at > $1 AND x.created_at <= $2 AND x.after_settlement = TRUE \
                 AND x.kind IN ('full_reversal', 'partial_refund') AND p.method_kind = 'card'{only}"
            ),
            action: "x.id",
            amount: "x.amount_cents + x.fee_cents",
            at: "x.created_at",
            code: NO_CODE,
            order: "x.created_at, x.id",
            division: ACCOUNTS_DIVISION,
        },
        (Ach, Failed) => CellQuery {
            from_where: format!(
                "FROM ach_returns t JOIN payments p ON p.id = t.payment_id {PAYER_JOINS} \
                 WHERE t.created_at > $1 AND t.created_at <= $2 AND t.outcome = 'failed' \
                 AND {HELD} > 0{only}"
            ),
            action: NO_ID,
            amount: HELD,
            at: "t.created_at",
            code: "t.return_code",
            order: "t.created_at, t.id",
            division: ACCOUNTS_DIVISION,
        },
        (Card, Failed) => return None,
    })
}

/// The rows of a Settlement cell over payments entered in [$1, $2), of
/// the accounts of the divisions `shown`.
fn settlement_cell(method: MethodKind, kind: SettlementKind, shown: &DivisionScope) -> CellQuery {
    let entered = format!(
        "p.created_at >= $1 AND p.created_at < $2 AND p.method_kind = '{}'{}",
        method.code(),
        shown.sql_filter("a.division_id")
    );
    let payments = |statuses: &str| CellQuery {
        from_where: format!(
            "FROM payments p {PAYER_JOINS} WHERE {entered} AND p.status IN ({statuses})"
        ),
        action: NO_ID,
        amount: "p.amount_cents + p.fee_cents",
        at: "p.created_at",
        code: "p.return_code",
        order: "p.created_at, p.id",
        division: ACCOUNTS_DIVISION,
    };
    match kind {
        SettlementKind::Debit => payments("'pending', 'processed', 'failed'"),
        SettlementKind::Cleared => payments("'processed'"),
        SettlementKind::Error => payments("'failed'"),
        // CROSS JOIN: SQLite then reads payments first, in time order from
        // payments_by_created, and a page stops after its rows; left to
        // itself it read every refund ever made and sorted them.
        SettlementKind::Credit => CellQuery {
            from_where: format!(
                "FROM payments p CROSS JOIN payment_actions x {PAYER_JOINS} \
                 WHERE x.payment_id = p.id AND {entered} AND p.status IN ('pending', 'processed', 'failed') \
                 AND x.kind IN ('full_reversal', 'partial_refund', 'ach_refund')"
            ),
            action: "x.id",
            amount: "x.amount_cents + x.fee_cents",
            at: "p.created_at",
            code: NO_CODE,
            order: "p.created_at, x.id",
            division: ACCOUNTS_DIVISION,
        },
    }
}

/// The columns every detail branch gives the report pages
/// (`services::reports`): reference (with its dash), account, invoice,
/// customer name, kind, method, status, amount, time, return code, a key
/// unique among all branches and the division the row counts for.
fn branch(q: &CellQuery, kind: &str, lo: i64, hi: i64, top: Option<TopByTime>) -> String {
    // The bounds are numbers we computed, written in as literals so the
    // branches can be joined by UNION ALL without renumbering binds.
    let from_where = q
        .from_where
        .replace("$1", &lo.to_string())
        .replace("$2", &hi.to_string());
    let select = format!(
        "SELECT (SUBSTR(p.reference, 1, 4) || '-' || SUBSTR(p.reference, 5)) AS reference, \
         a.account_number AS account, b.invoice_number AS invoice, \
         COALESCE(a.company_name, TRIM(COALESCE(a.first_name, '') || ' ' || COALESCE(a.last_name, ''))) AS name, \
         '{kind}' AS kind, p.method_kind AS method, p.status AS status, CAST({amount} AS BIGINT) AS amount, \
         CAST({at} AS BIGINT) AS at_ms, {code} AS return_code, \
         '{kind}-' || CAST(COALESCE({action}, 0) AS TEXT) || '-' || CAST(p.id AS TEXT) AS k, \
         CAST({division} AS BIGINT) AS division_id {from_where}",
        amount = q.amount,
        at = q.at,
        code = q.code,
        action = q.action,
        division = q.division,
    );
    match top {
        None => select,
        Some(t) => {
            let dir = if t.descending { "DESC" } else { "ASC" };
            format!(
                "SELECT * FROM ({select} ORDER BY {at} {dir}, k {dir} LIMIT {n}) t",
                at = q.at,
                n = t.rows
            )
        }
    }
}

/// A page of rows in time order needs no more than its last row's place
/// from each branch: the first `rows` of every branch by (time, key) hold
/// the first `rows` of them all. Each branch then reads that many from
/// its time index, not every row of the timeframe (docs/benchmarks.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TopByTime {
    pub rows: i64,
    pub descending: bool,
}

/// A derived table (`( … ) d`) of the rows behind the chosen cells, for a
/// report page or export to filter, sort and page like any other rows.
fn union_of(branches: Vec<String>) -> String {
    if branches.is_empty() {
        return "(SELECT CAST(NULL AS TEXT) AS reference, CAST(NULL AS TEXT) AS account, CAST(NULL AS TEXT) AS invoice, \
                CAST(NULL AS TEXT) AS name, CAST(NULL AS TEXT) AS kind, CAST(NULL AS TEXT) AS method, \
                CAST(NULL AS TEXT) AS status, CAST(NULL AS BIGINT) AS amount, CAST(NULL AS BIGINT) AS at_ms, \
                CAST(NULL AS TEXT) AS return_code, CAST(NULL AS TEXT) AS k, CAST(NULL AS BIGINT) AS division_id \
                WHERE 1 = 0) d"
            .to_string();
    }
    format!("({}) d", branches.join(" UNION ALL "))
}

/// The Reconciliation cells' rows in the window `(lo, hi]`, of the
/// divisions `shown`.
pub(crate) fn reconciliation_rows_table(
    lo: i64,
    hi: i64,
    methods: &[MethodKind],
    kinds: &[ReconciliationKind],
    shown: &DivisionScope,
) -> String {
    let mut branches = Vec::new();
    for m in methods {
        for k in kinds {
            if let Some(q) = reconciliation_cell(*m, *k, shown) {
                branches.push(branch(&q, k.code(), lo, hi, None));
            }
        }
    }
    union_of(branches)
}

/// The rows of the Settlement `cells` over payments entered in `[lo, hi)`
/// of the divisions `shown`; only the first of each cell in time order,
/// for a page, with `top`.
pub(crate) fn settlement_rows_table(
    lo: i64,
    hi: i64,
    cells: &[(MethodKind, SettlementKind)],
    top: Option<TopByTime>,
    shown: &DivisionScope,
) -> String {
    let branches = cells
        .iter()
        .map(|(m, k)| branch(&settlement_cell(*m, *k, shown), k.code(), lo, hi, top))
        .collect();
    union_of(branches)
}

/// (count, total) rows: `SUM` is cast, since PostgreSQL returns NUMERIC.
type CountSum = (i64, i64);

/// A group of bank lines: kind, payment method, 1 for money in, R-code
/// (returns), count, total.
type BankGroup = (String, Option<String>, i64, Option<String>, i64, i64);

impl Db {
    /// The runs made in [start_ms, end_ms), oldest first, with their files.
    pub async fn runs_between(&self, start_ms: i64, end_ms: i64) -> Result<Vec<RunAt>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, RunAt>(
                "SELECT r.id, r.created_at, f.file_name FROM settlement_runs r LEFT JOIN ach_files f ON f.run_id = r.id \
                 WHERE r.created_at >= $1 AND r.created_at < $2 ORDER BY r.created_at, r.id",
            )
            .bind(start_ms)
            .bind(end_ms)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }

    /// The time of the newest run made before `before_ms`: where a cycle's
    /// window starts, and the step of the "last cycles" list.
    pub async fn last_run_before(&self, before_ms: i64) -> Result<Option<i64>, DbError> {
        let at = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT created_at FROM settlement_runs WHERE created_at < $1 ORDER BY created_at DESC LIMIT 1",
            )
            .bind(before_ms)
            .fetch_optional(pool)
            .await
        })?;
        Ok(at)
    }

    /// The cycle's figures from the operational tables, for the accounts
    /// of the divisions `shown`.
    pub async fn cycle_figures(
        &self,
        w: &Window,
        shown: &DivisionScope,
    ) -> Result<CycleFigures, DbError> {
        let (after, through) = (w.after_or_min(), w.through_ms);
        let mut out = CycleFigures::default();
        for (method, kind) in [
            (MethodKind::Card, ReconciliationKind::Processed),
            (MethodKind::Ach, ReconciliationKind::Processed),
            (MethodKind::Card, ReconciliationKind::Reversal),
            (MethodKind::Ach, ReconciliationKind::Reversal),
        ] {
            let Some(q) = reconciliation_cell(method, kind, shown) else {
                continue;
            };
            let sql = format!(
                "SELECT COUNT(*), CAST(COALESCE(SUM({}), 0) AS BIGINT) {}",
                q.amount, q.from_where
            );
            let (count, cents): CountSum = on_pool!(self, |pool| {
                sqlx::query_as(&sql)
                    .bind(after)
                    .bind(through)
                    .fetch_one(pool)
                    .await
            })?;
            *out.method_mut(method).tally_mut(kind) = Tally::new(count, cents);
        }
        let returns: Vec<(String, i64, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT t.return_code, COUNT(*), CAST(SUM({HELD}) AS BIGINT) \
                     FROM ach_returns t JOIN payments p ON p.id = t.payment_id \
                     WHERE t.created_at > $1 AND t.created_at <= $2 AND t.outcome = 'failed' \
                     AND {HELD} > 0{} GROUP BY t.return_code ORDER BY t.return_code",
                shown.accounts_filter("p.account_id")
            ))
            .bind(after)
            .bind(through)
            .fetch_all(pool)
            .await
        })?;
        for (code, count, cents) in returns {
            let tally = Tally::new(count, cents);
            out.ach.failed = out.ach.failed.plus(tally);
            out.ach.failed_codes.push(CodeTally { code, tally });
        }
        Ok(out)
    }

    /// The cycle's figures from the journal: its bank lines in the window,
    /// by kind and by the method of their payment. For some divisions, the
    /// lines of their accounts' payments only, but an ACH debit's or
    /// credit's line by the batch of its entry (as the cells count them,
    /// `in_batch_of`); a bank line of no payment (which the report calls
    /// unexplained) is no division's, and counts on the whole biller's
    /// report alone.
    pub async fn ledger_figures(
        &self,
        w: &Window,
        shown: &DivisionScope,
    ) -> Result<LedgerFigures, DbError> {
        let sql = format!(
            "SELECT j.kind, p.method_kind, CAST(CASE WHEN j.debit_book = 'bank' THEN 1 ELSE 0 END AS BIGINT) AS inflow, \
                     CASE WHEN j.kind = 'return' THEN p.return_code END AS code, \
                     CAST(SUM(CASE WHEN j.once_key LIKE '%:fee' OR j.once_key LIKE '%:category' THEN 0 ELSE 1 END) AS BIGINT), CAST(SUM(j.amount_cents) AS BIGINT) \
                     FROM journal j LEFT JOIN payments p ON p.id = j.payment_id \
                     WHERE (j.debit_book = 'bank' OR j.credit_book = 'bank') AND j.created_at > $1 AND j.created_at <= $2{} \
                     GROUP BY j.kind, p.method_kind, CASE WHEN j.debit_book = 'bank' THEN 1 ELSE 0 END, \
                     CASE WHEN j.kind = 'return' THEN p.return_code END \
                     ORDER BY 1, 2, 3, 4",
            ledger_lines_of(shown)
        );
        let rows: Vec<BankGroup> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(w.after_or_min())
                .bind(w.through_ms)
                .fetch_all(pool)
                .await
        })?;
        let mut out = LedgerFigures::default();
        for (kind, method, inflow, code, count, cents) in rows {
            // An unknown stored method is a line the report cannot place:
            // it shows as unexplained, never as a guess.
            let method = method.as_deref().and_then(MethodKind::from_code);
            let tally = Tally::new(count, cents);
            match bank_line_figure(&kind, method, inflow == 1) {
                Some((m, figure)) => {
                    let figures = out.figures.method_mut(m);
                    let t = figures.tally_mut(figure);
                    *t = t.plus(tally);
                    if figure == ReconciliationKind::Failed {
                        figures.failed_codes.push(CodeTally {
                            code: code.unwrap_or_default(),
                            tally,
                        });
                    }
                }
                None => out.unexplained = out.unexplained.plus(tally),
            }
        }
        Ok(out)
    }

    /// The stored totals of the window's runs: their NACHA files, the
    /// files' batch control records, and the runs' card totals.
    pub async fn cycle_file_totals(
        &self,
        w: &Window,
        shown: &DivisionScope,
    ) -> Result<FileTotals, DbError> {
        let (after, through) = (w.after_or_min(), w.through_ms);
        // The batches of the divisions shown: a file holds one batch (or a
        // PPD and a CCD one) per division, each with its control totals.
        let (b_files, b_entries, b_debit, b_credit): (i64, i64, i64, i64) = on_pool!(
            self,
            |pool| {
                sqlx::query_as(&format!(
                "SELECT COUNT(DISTINCT f.id), CAST(COALESCE(SUM(b.entry_count), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(b.debit_total_cents), 0) AS BIGINT), CAST(COALESCE(SUM(b.credit_total_cents), 0) AS BIGINT) \
                 FROM settlement_runs r JOIN ach_files f ON f.run_id = r.id JOIN ach_batches b ON b.file_id = f.id \
                 WHERE r.created_at > $1 AND r.created_at <= $2{}",
                shown.sql_filter("b.division_id")
            ))
            .bind(after)
            .bind(through)
            .fetch_one(pool)
            .await
            }
        )?;
        if shown.ids().is_some() {
            // A file and a run's card total are the whole biller's: for some
            // divisions, their part of the files is their batches, and the
            // runs keep no card total per division.
            return Ok(FileTotals {
                files: b_files,
                entry_count: b_entries,
                debit: Money::from_cents(b_debit),
                credit: Money::from_cents(b_credit),
                batch_entry_count: b_entries,
                batch_debit: Money::from_cents(b_debit),
                batch_credit: Money::from_cents(b_credit),
                run_card_total: None,
            });
        }
        let (files, entries, debit, credit, cards): (i64, i64, i64, i64, i64) = on_pool!(
            self,
            |pool| {
                sqlx::query_as(
                    "SELECT COUNT(f.id), CAST(COALESCE(SUM(f.entry_count), 0) AS BIGINT), \
                     CAST(COALESCE(SUM(f.debit_total_cents), 0) AS BIGINT), CAST(COALESCE(SUM(f.credit_total_cents), 0) AS BIGINT), \
                     CAST(COALESCE(SUM(r.card_total_cents), 0) AS BIGINT) \
                     FROM settlement_runs r LEFT JOIN ach_files f ON f.run_id = r.id \
                     WHERE r.created_at > $1 AND r.created_at <= $2",
                )
                .bind(after)
                .bind(through)
                .fetch_one(pool)
                .await
            }
        )?;
        Ok(FileTotals {
            files,
            entry_count: entries,
            debit: Money::from_cents(debit),
            credit: Money::from_cents(credit),
            batch_entry_count: b_entries,
            batch_debit: Money::from_cents(b_debit),
            batch_credit: Money::from_cents(b_credit),
            run_card_total: Some(Money::from_cents(cards)),
        })
    }

    /// The Settlement report's sections over payments entered in
    /// [start_ms, end_ms) on the accounts of the divisions `shown`:
    /// (card, ach).
    pub async fn settlement_figures(
        &self,
        start_ms: i64,
        end_ms: i64,
        shown: &DivisionScope,
    ) -> Result<(SettlementSection, SettlementSection), DbError> {
        // One pass over the covering index payments_by_created: each
        // payment's refunds are counted and totalled on the payment itself
        // (refund_count, refunded_cents, kept with payment_actions by the
        // refund's transaction, checked by paydesk check).
        let by_status: Vec<(String, String, i64, i64, i64, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT method_kind, status, COUNT(*), CAST(SUM(amount_cents + fee_cents) AS BIGINT), \
                 CAST(SUM(refund_count) AS BIGINT), CAST(SUM(refunded_cents + fee_refunded_cents) AS BIGINT) FROM payments \
                 WHERE created_at >= $1 AND created_at < $2 AND status IN ('pending', 'processed', 'failed'){} \
                 GROUP BY method_kind, status",
                shown.accounts_filter("account_id")
            ))
            .bind(start_ms)
            .bind(end_ms)
            .fetch_all(pool)
            .await
        })?;
        let (mut card, mut ach) = (SettlementSection::default(), SettlementSection::default());
        for (method, status, count, cents, refunds, refunded) in by_status {
            let s = match MethodKind::decode(&method)? {
                MethodKind::Card => &mut card,
                MethodKind::Ach => &mut ach,
            };
            let t = Tally::new(count, cents);
            s.debits = s.debits.plus(t);
            s.credits = s.credits.plus(Tally::new(refunds, refunded));
            match status.as_str() {
                "pending" => s.pending = t,
                "processed" => s.cleared = t,
                _ => s.errors = t,
            }
        }
        Ok((card, ach))
    }

    /// A page of the rows behind one Reconciliation cell (see the module
    /// docs for what each holds), ordered by time, and how many in all.
    pub async fn reconciliation_rows(
        &self,
        w: &Window,
        method: MethodKind,
        kind: ReconciliationKind,
        shown: &DivisionScope,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<DetailDbRow>, i64), DbError> {
        let Some(q) = reconciliation_cell(method, kind, shown) else {
            return Ok((vec![], 0));
        };
        self.cell_rows(&q, w.after_or_min(), w.through_ms, limit, offset)
            .await
    }

    /// A page of the rows behind one Settlement cell over payments entered
    /// in [start_ms, end_ms), ordered by entry, and how many in all.
    #[allow(clippy::too_many_arguments)]
    pub async fn settlement_rows(
        &self,
        start_ms: i64,
        end_ms: i64,
        method: MethodKind,
        kind: SettlementKind,
        shown: &DivisionScope,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<DetailDbRow>, i64), DbError> {
        let q = settlement_cell(method, kind, shown);
        self.cell_rows(&q, start_ms, end_ms, limit, offset).await
    }

    async fn cell_rows(
        &self,
        q: &CellQuery,
        lo: i64,
        hi: i64,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<DetailDbRow>, i64), DbError> {
        let rows_sql = format!(
            "SELECT {} {} ORDER BY {} LIMIT $3 OFFSET $4",
            q.select(),
            q.from_where,
            q.order
        );
        let count_sql = format!("SELECT COUNT(*) {}", q.from_where);
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, DetailDbRow>(&rows_sql)
                .bind(lo)
                .bind(hi)
                .bind(limit.max(0))
                .bind(offset.max(0))
                .fetch_all(pool)
                .await
        })?;
        let total: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar(&count_sql)
                .bind(lo)
                .bind(hi)
                .fetch_one(pool)
                .await
        })?;
        Ok((rows, total))
    }
}
