//! The double-entry journal: every money movement, never changed. Each row
//! debits one book and credits another by the same amount; the payer
//! account's cached balance moves with its receivable side in the same
//! statement pair, inside the caller's transaction.

use super::{Db, DbError, on_pool};

/// Posts one [`crate::domain::lifecycle::Posting`] for `$account_id` on
/// `$conn` and moves the account's cached balance by its receivable effect.
/// `$once_key` (e.g. `"capture:12"`) makes a retry fail on UNIQUE instead of
/// posting twice. A macro for the same reason as `record_status!`.
macro_rules! post {
    ($conn:expr, $posting:expr, account = $account_id:expr, payment = $payment_id:expr, once = $once_key:expr, by = $actor_id:expr, at = $now:expr) => {
        $crate::db::journal::post!($conn, $posting, account = $account_id, payment = $payment_id, once = $once_key, by = $actor_id, at = $now, memo = None::<&str>)
    };
    ($conn:expr, $posting:expr, account = $account_id:expr, payment = $payment_id:expr, once = $once_key:expr, by = $actor_id:expr, at = $now:expr, memo = $memo:expr) => {
        async {
            use $crate::domain::lifecycle::Book;
            let p: $crate::domain::lifecycle::Posting = $posting;
            let account_id: i64 = $account_id;
            let side = |b: Book| (b == Book::Receivable).then_some(account_id);
            sqlx::query(
                "INSERT INTO journal (kind, debit_book, debit_account_id, credit_book, credit_account_id, amount_cents, \
                 payment_id, once_key, created_by, created_at, memo) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(p.kind)
            .bind(p.debit.code())
            .bind(side(p.debit))
            .bind(p.credit.code())
            .bind(side(p.credit))
            .bind(p.amount.cents())
            .bind($payment_id)
            .bind($once_key)
            .bind($actor_id)
            .bind($now)
            .bind($memo)
            .execute(&mut *$conn)
            .await?;
            let effect = p.receivable_effect();
            if effect != 0 {
                sqlx::query("UPDATE accounts SET balance_cents = balance_cents + $2, updated_at = $3 WHERE id = $1")
                    .bind(account_id)
                    .bind(effect)
                    .bind($now)
                    .execute(&mut *$conn)
                    .await?;
            }
            Ok::<(), sqlx::Error>(())
        }
        .await
    };
}
pub(crate) use post;

/// Journal entries gathered by a job that posts thousands at once
/// (settlement), written by `write` in batches: the same rows `post!` writes
/// one at a time, and the same balance moves, one update per account.
#[derive(Default)]
pub(crate) struct Postings {
    pub(crate) rows: Vec<JournalRow>,
    pub(crate) balance_moves: std::collections::BTreeMap<i64, i64>,
    pub(crate) latest: i64,
}

/// kind, debit book, debit account, credit book, credit account, amount,
/// payment, once key, created by, created at.
pub(crate) type JournalRow = (
    &'static str,
    &'static str,
    Option<i64>,
    &'static str,
    Option<i64>,
    i64,
    i64,
    String,
    Option<i64>,
    i64,
);

impl Postings {
    pub(crate) fn add(
        &mut self,
        p: &crate::domain::lifecycle::Posting,
        account_id: i64,
        payment_id: i64,
        once_key: String,
        by: Option<i64>,
        at: i64,
    ) {
        use crate::domain::lifecycle::Book;
        let side = |b: Book| (b == Book::Receivable).then_some(account_id);
        self.rows.push((
            p.kind,
            p.debit.code(),
            side(p.debit),
            p.credit.code(),
            side(p.credit),
            p.amount.cents(),
            payment_id,
            once_key,
            by,
            at,
        ));
        let effect = p.receivable_effect();
        if effect != 0 {
            *self.balance_moves.entry(account_id).or_default() += effect;
        }
        self.latest = self.latest.max(at);
    }
}

/// Writes gathered [`Postings`] in `$tx`: the entries in batches, then each
/// account's balance move. A macro because the transaction's type differs
/// per engine.
macro_rules! post_all {
    ($tx:ident, $backend:expr, $postings:expr) => {
        async {
            let postings: &$crate::db::journal::Postings = &$postings;
            $crate::db::insert_rows!(
                $tx,
                "INSERT INTO journal (kind, debit_book, debit_account_id, credit_book, credit_account_id, amount_cents, payment_id, once_key, created_by, created_at)",
                &["text", "text", "bigint", "text", "bigint", "bigint", "bigint", "text", "bigint", "bigint"],
                postings.rows
            )?;
            let moves: Vec<(i64, i64)> = postings.balance_moves.iter().map(|(a, d)| (*a, *d)).collect();
            $crate::db::batch::add_to_rows!($tx, $backend, "accounts", "balance_cents", &moves, at = postings.latest)?;
            Ok::<(), sqlx::Error>(())
        }
        .await
    };
}
pub(crate) use post_all;

/// The check that a payment's income in `book` (`fee_income`,
/// `category_income`) is what it was charged (`total`) less what went back
/// (`back`) while it stands, and nothing once it is void, declined or
/// returned.
fn income_matches(book: &str, words: &str, total: &str, back: &str) -> String {
    format!(
        "SELECT p.reference || ' (' || p.status || '): {words} ' || CAST(COALESCE(c.t, 0) - COALESCE(d.t, 0) AS TEXT) \
         || ', charged ' || CAST(p.{total} AS TEXT) || ' less ' || CAST(p.{back} AS TEXT) \
         FROM payments p \
         LEFT JOIN (SELECT payment_id, CAST(SUM(amount_cents) AS BIGINT) AS t FROM journal WHERE credit_book = '{book}' GROUP BY payment_id) c ON c.payment_id = p.id \
         LEFT JOIN (SELECT payment_id, CAST(SUM(amount_cents) AS BIGINT) AS t FROM journal WHERE debit_book = '{book}' GROUP BY payment_id) d ON d.payment_id = p.id \
         WHERE COALESCE(c.t, 0) - COALESCE(d.t, 0) <> CASE \
           WHEN p.status IN ('pending', 'processed') THEN p.{total} - p.{back} \
           ELSE 0 END"
    )
}

/// The check that what a payment records as given back of an income
/// (`back`) is the sum of its actions' `action_column` (`which`: the
/// actions that count).
fn given_back_matches(words: &str, back: &str, action_column: &str, which: &str) -> String {
    format!(
        "SELECT p.reference || ': {words} given back ' || CAST(p.{back} AS TEXT) \
         || ', actions ' || CAST(COALESCE(x.t, 0) AS TEXT) \
         FROM payments p LEFT JOIN (SELECT payment_id, CAST(SUM({action_column}) AS BIGINT) AS t FROM payment_actions \
           WHERE true {which}GROUP BY payment_id) x ON x.payment_id = p.id \
         WHERE p.{back} <> COALESCE(x.t, 0)"
    )
}

/// One broken invariant, in words an operator can act on.
pub type Breach = String;

impl Db {
    /// Every invariant the money depends on; empty when all hold. Used by
    /// `paydesk check` and after every step of the lifecycle property test.
    pub async fn ledger_breaches(&self) -> Result<Vec<Breach>, DbError> {
        let checks: [(&str, &str); 12] = [
            (
                "balance differs from its journal entries",
                "SELECT a.account_number || ': balance ' || CAST(a.balance_cents AS TEXT) || ', entries ' || CAST(COALESCE(d.t, 0) - COALESCE(c.t, 0) AS TEXT) \
                 FROM accounts a \
                 LEFT JOIN (SELECT debit_account_id AS id, CAST(SUM(amount_cents) AS BIGINT) AS t FROM journal WHERE debit_account_id IS NOT NULL GROUP BY debit_account_id) d ON d.id = a.id \
                 LEFT JOIN (SELECT credit_account_id AS id, CAST(SUM(amount_cents) AS BIGINT) AS t FROM journal WHERE credit_account_id IS NOT NULL GROUP BY credit_account_id) c ON c.id = a.id \
                 WHERE a.balance_cents <> COALESCE(d.t, 0) - COALESCE(c.t, 0)",
            ),
            (
                "refunds differ from the payment's refund actions",
                "SELECT p.reference || ': refunded ' || CAST(p.refunded_cents AS TEXT) || ' in ' || CAST(p.refund_count AS TEXT) \
                 || ', actions ' || CAST(COALESCE(r.t, 0) AS TEXT) || ' in ' || CAST(COALESCE(r.n, 0) AS TEXT) \
                 FROM payments p LEFT JOIN (SELECT payment_id, CAST(SUM(amount_cents) AS BIGINT) AS t, COUNT(*) AS n FROM payment_actions \
                   WHERE kind IN ('full_reversal', 'partial_refund', 'ach_refund') GROUP BY payment_id) r ON r.payment_id = p.id \
                 WHERE p.refunded_cents <> COALESCE(r.t, 0) OR p.refund_count <> COALESCE(r.n, 0) OR p.refunded_cents > p.amount_cents",
            ),
            (
                "payment's receivable entries do not match its status",
                // What the payer was credited for a payment, net of refunds,
                // voids and returns: the part of the amount that was not
                // category income, less its refunds, while it stands;
                // nothing once it is void, declined or returned.
                "SELECT p.reference || ' (' || p.status || '): credited ' || CAST(COALESCE(c.t, 0) - COALESCE(d.t, 0) AS TEXT) \
                 FROM payments p \
                 LEFT JOIN (SELECT payment_id, CAST(SUM(amount_cents) AS BIGINT) AS t FROM journal WHERE credit_book = 'receivable' GROUP BY payment_id) c ON c.payment_id = p.id \
                 LEFT JOIN (SELECT payment_id, CAST(SUM(amount_cents) AS BIGINT) AS t FROM journal WHERE debit_book = 'receivable' GROUP BY payment_id) d ON d.payment_id = p.id \
                 WHERE COALESCE(c.t, 0) - COALESCE(d.t, 0) <> CASE \
                   WHEN p.status IN ('pending', 'processed') THEN \
                     (p.amount_cents - p.category_income_cents) - (p.refunded_cents - p.category_income_refunded_cents) \
                   ELSE 0 END",
            ),
            (
                "card payment's clearing book does not net out",
                "SELECT p.reference || ': card clearing ' || CAST(COALESCE(d.t, 0) - COALESCE(c.t, 0) AS TEXT) \
                 FROM payments p \
                 LEFT JOIN (SELECT payment_id, CAST(SUM(amount_cents) AS BIGINT) AS t FROM journal WHERE debit_book = 'card_clearing' GROUP BY payment_id) d ON d.payment_id = p.id \
                 LEFT JOIN (SELECT payment_id, CAST(SUM(amount_cents) AS BIGINT) AS t FROM journal WHERE credit_book = 'card_clearing' GROUP BY payment_id) c ON c.payment_id = p.id \
                 WHERE p.method_kind = 'card' AND COALESCE(d.t, 0) - COALESCE(c.t, 0) <> \
                   CASE WHEN p.status = 'pending' THEN p.amount_cents - p.refunded_cents + p.fee_cents - p.fee_refunded_cents ELSE 0 END",
            ),
            (
                "payment's fee income does not match its fee",
                // The fee is the biller's while the payment stands, less
                // what went back; nothing once it is void, declined or
                // returned (docs/fees.md).
                &income_matches("fee_income", "fee", "fee_cents", "fee_refunded_cents"),
            ),
            (
                "fee given back differs from the payment's actions",
                &given_back_matches("fee", "fee_refunded_cents", "fee_cents", ""),
            ),
            (
                "payment's category income does not match its lines",
                // The same for the lines without Impact Balance
                // (docs/categories.md).
                &income_matches(
                    "category_income",
                    "category income",
                    "category_income_cents",
                    "category_income_refunded_cents",
                ),
            ),
            (
                "category income given back differs from the payment's refunds",
                // A Void gives it back as it cancels, not as a refund.
                &given_back_matches(
                    "category income",
                    "category_income_refunded_cents",
                    "category_income_cents",
                    "AND kind IN ('full_reversal', 'partial_refund', 'ach_refund') ",
                ),
            ),
            (
                "payment's category lines do not add up to its category income",
                "SELECT p.reference || ': category income ' || CAST(p.category_income_cents AS TEXT) \
                 || ', lines ' || CAST(COALESCE(l.t, 0) AS TEXT) \
                 FROM payments p LEFT JOIN (SELECT payment_id, CAST(SUM(total_cents) AS BIGINT) AS t FROM payment_lines \
                   WHERE NOT impact_balance GROUP BY payment_id) l ON l.payment_id = p.id \
                 WHERE p.category_income_cents <> COALESCE(l.t, 0)",
            ),
            (
                "journal entry that does not balance",
                "SELECT 'entry ' || CAST(id AS TEXT) FROM journal WHERE amount_cents <= 0 \
                 OR (debit_book = 'receivable') <> (debit_account_id IS NOT NULL) \
                 OR (credit_book = 'receivable') <> (credit_account_id IS NOT NULL)",
            ),
            (
                "ACH debit in a file without a processed or returned payment",
                "SELECT p.reference || ' (' || p.status || ')' FROM ach_entries e JOIN payments p ON p.id = e.payment_id \
                 WHERE e.action_id IS NULL AND p.status NOT IN ('processed', 'failed')",
            ),
            (
                "bill's paid amount differs from its payments",
                // bills.paid_cents, which Aging reads, against what its
                // payments paid (PaymentState::paid_toward_bill).
                "SELECT b.invoice_number || ': paid ' || CAST(b.paid_cents AS TEXT) || ', payments ' || CAST(COALESCE(t.t, 0) AS TEXT) \
                 FROM bills b LEFT JOIN (SELECT bill_id, CAST(SUM(amount_cents - refunded_cents) AS BIGINT) AS t FROM payments \
                   WHERE bill_id IS NOT NULL AND status IN ('pending', 'processed') GROUP BY bill_id) t ON t.bill_id = b.id \
                 WHERE b.paid_cents <> COALESCE(t.t, 0)",
            ),
        ];
        let mut breaches = Vec::new();
        for (what, sql) in checks {
            let rows: Vec<String> =
                on_pool!(self, |pool| sqlx::query_scalar(sql).fetch_all(pool).await)?;
            breaches.extend(rows.into_iter().map(|r| format!("{what}: {r}")));
        }
        Ok(breaches)
    }

    /// An account's balance computed from the journal alone.
    pub async fn journal_balance(&self, account_id: i64) -> Result<i64, DbError> {
        let total: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(CASE WHEN debit_account_id = $1 THEN amount_cents ELSE 0 END), 0) \
                      - COALESCE(SUM(CASE WHEN credit_account_id = $1 THEN amount_cents ELSE 0 END), 0) AS BIGINT) \
                 FROM journal WHERE debit_account_id = $1 OR credit_account_id = $1",
            )
            .bind(account_id)
            .fetch_one(pool)
            .await
        })?;
        Ok(total)
    }
}
