//! Payer accounts, the payers who pay them, and their balance ledger.

use super::{Db, DbError, on_pool};
use crate::domain::division::DivisionScope;
use crate::domain::payer_support::NameQuery;
use crate::domain::universal_file::RowError;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub account_number: String,
    pub account_type: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub balance_cents: i64,
    pub status: String,
    pub division_id: i64,
}

const ACCOUNT_COLUMNS: &str = "a.id, a.account_number, a.account_type, a.first_name, a.last_name, \
    a.company_name, a.email, a.balance_cents, a.status, a.division_id";

/// Ends an import's transaction as its mode says: all or nothing rolls back
/// on any refused row, a preview always rolls back, a commit records the
/// outcome on its upload; what is applied is audited with its counts. A
/// macro because it returns from the caller's transaction body.
macro_rules! finish_import {
    ($tx:ident, $mode:expr, $out:ident, $entry:expr) => {
        match $mode {
            $crate::db::accounts::ImportMode::AllOrNothing if !$out.errors.is_empty() => {
                $out.created = 0;
                $out.updated = 0;
                // Returning drops the transaction: everything rolls back.
                return Ok($out);
            }
            $crate::db::accounts::ImportMode::Preview => return Ok($out),
            $crate::db::accounts::ImportMode::Commit { upload_id } => $crate::db::uploads::record_outcome!($tx, upload_id, $out.status(), &$out)?,
            $crate::db::accounts::ImportMode::AllOrNothing => {}
        }
        let summary = serde_json::json!({ "rows": $out.rows, "created": $out.created, "updated": $out.updated, "rejected": $out.rejected });
        $crate::db::audit::write_audit!(&mut *$tx, $crate::db::audit::AuditEntry { after: Some(&summary.to_string()), ..$entry })?;
    };
}
pub(crate) use finish_import;

/// The id of a file row's account, inside an import's
/// transaction: a row naming an account that does not exist, or one of
/// another division than the upload's (`$upload`, `Some` for an upload of
/// one division; `$names` says the divisions' names), is refused with its
/// line and column, and `None` comes back; so is one whose `division`
/// column (`$named`) names another division than its account's.
macro_rules! row_account {
    ($tx:ident, $out:ident, $number:expr, $line:expr, $upload:expr, $names:expr, $named:expr) => {{
        let named: Option<&str> = $named;
        let number: &$crate::domain::account::AccountNumber = $number;
        let upload: Option<i64> = $upload;
        let names: &$crate::db::divisions::DivisionNames = $names;
        let found: Option<(i64, i64)> =
            sqlx::query_as("SELECT id, division_id FROM accounts WHERE account_number = $1")
                .bind(number.as_str())
                .fetch_optional(&mut *$tx)
                .await?;
        let refuse = |reason: String| $crate::domain::universal_file::RowError {
            line: $line,
            column: "account_number".into(),
            reason,
        };
        match found {
            None => {
                $out.refuse([refuse(format!("there is no account {number}"))]);
                None
            }
            Some((_, division)) => match upload {
                Some(u) if u != division => {
                    $out.refuse([refuse(names.outside_upload(number.as_str(), division, u))]);
                    None
                }
                _ => match names.row_not_in(named, number.as_str(), division, $line) {
                    Some(refused) => {
                        $out.refuse([refused]);
                        None
                    }
                    None => found.map(|(id, _)| id),
                },
            },
        }
    }};
}
pub(crate) use row_account;

/// The end of the range of strings that start with `prefix`: every such
/// string sorts below it byte by byte.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// What an import did, or would have done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    /// Rows refused (each has at least one entry in `errors`, up to the
    /// first few hundred).
    pub rejected: u64,
    pub errors: Vec<RowError>,
}

/// How a universal file is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Any bad row rejects the whole file (the CLI).
    AllOrNothing,
    /// Bad rows are skipped and reported; every valid row is applied, in one
    /// transaction that also records the outcome on the upload (File
    /// Transfers' commit), so the upload never says other than what happened.
    Commit { upload_id: i64 },
    /// What `Commit` would do, then rolled back (File Transfers' preview).
    Preview,
}

/// Stop collecting errors past this many: the first few hundred say what is
/// wrong with a file, and a million would not fit in memory.
const MAX_REPORTED_ERRORS: usize = 500;

impl ImportOutcome {
    /// Counts a row read; one that failed its checks is refused here.
    pub fn take<T>(&mut self, item: Result<T, Vec<RowError>>) -> Option<T> {
        self.rows += 1;
        item.map_err(|errs| self.refuse(errs)).ok()
    }

    /// Refuses a row whose `key` came earlier in the file, naming that
    /// line: `what` is what repeated ("100001", "invoice 7 for account 1").
    pub fn repeated<K: Eq + std::hash::Hash>(
        &mut self,
        seen: &mut std::collections::HashMap<K, u64>,
        key: K,
        line: u64,
        column: &str,
        what: impl FnOnce() -> String,
    ) -> bool {
        let Some(first) = seen.insert(key, line) else {
            return false;
        };
        let reason = format!("{} appears again (first on line {first})", what());
        self.refuse([RowError {
            line,
            column: column.into(),
            reason,
        }]);
        true
    }

    /// Counts a refused row and keeps its errors, up to the first few hundred.
    pub fn refuse(&mut self, errs: impl IntoIterator<Item = RowError>) {
        self.rejected += 1;
        let room = MAX_REPORTED_ERRORS.saturating_sub(self.errors.len());
        self.errors.extend(errs.into_iter().take(room));
    }

    /// The upload status for what a preview or commit found: refused whole
    /// (nothing could be read), every row taken, or some refused.
    pub fn status(&self) -> &'static str {
        if self.rows == 0 && !self.errors.is_empty() {
            "unprocessed"
        } else if self.rejected == 0 {
            "success"
        } else {
            "limited_errors"
        }
    }
}

impl Db {
    pub async fn account_by_number(&self, number: &str) -> Result<Option<AccountRow>, DbError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.account_number = $1");
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, AccountRow>(&sql)
                .bind(number)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row)
    }

    pub async fn account_by_id(&self, id: i64) -> Result<Option<AccountRow>, DbError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = $1");
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, AccountRow>(&sql)
                .bind(id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row)
    }

    /// Every account that the enrolled payer with this user ID pays.
    pub async fn accounts_for_user_id(&self, user_id: &str) -> Result<Vec<AccountRow>, DbError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a \
             JOIN account_payers ap ON ap.account_id = a.id \
             JOIN payers p ON p.id = ap.payer_id \
             WHERE p.user_id = $1 ORDER BY a.account_number"
        );
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, AccountRow>(&sql)
                .bind(user_id)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows)
    }

    /// Accounts whose name starts with what was typed (see
    /// `domain::payer_support::NameQuery`), by name. Each branch is a range
    /// on one lower-cased, byte-ordered index (migration 0009).
    pub async fn accounts_by_name(
        &self,
        q: &NameQuery,
        scope: &DivisionScope,
        limit: i64,
    ) -> Result<Vec<AccountRow>, DbError> {
        let only = scope.sql_filter("a.division_id");
        let col = |c: &str| self.prefix_column(c);
        let (l, f, c) = (col("last_name"), col("first_name"), col("company_name"));
        // Each way a name can match is read in its own index's order and
        // stops at `limit`; the union is then sorted by name. One OR over the
        // three columns had to sort every match first: at 1,000,000 accounts
        // two typed letters match tens of thousands. When one kind of match
        // has more than `limit` accounts, the list holds its first `limit`
        // in that index's order, still sorted by name; fewer, and it is
        // exactly the first `limit` by name.
        let (branches, binds): (Vec<(String, String)>, Vec<String>) = match q {
            NameQuery::Word(w) => (
                vec![
                    (format!("{l} >= $1 AND {l} < $2"), l.clone()),
                    (format!("{f} >= $1 AND {f} < $2"), f.clone()),
                    (format!("{c} >= $1 AND {c} < $2"), c.clone()),
                ],
                vec![w.clone(), prefix_end(w)],
            ),
            NameQuery::FirstLast { first, last, whole } => (
                vec![
                    (
                        format!("{f} >= $1 AND {f} < $2 AND {l} >= $3 AND {l} < $4"),
                        l.clone(),
                    ),
                    (format!("{c} >= $5 AND {c} < $6"), c.clone()),
                ],
                vec![
                    first.clone(),
                    prefix_end(first),
                    last.clone(),
                    prefix_end(last),
                    whole.clone(),
                    prefix_end(whole),
                ],
            ),
        };
        let union = branches
            .iter()
            .map(|(filter, order)| format!("SELECT * FROM (SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE {filter}{only} ORDER BY {order} LIMIT {limit}) m"))
            .collect::<Vec<_>>()
            .join(" UNION ");
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM ({union}) a \
             ORDER BY COALESCE(a.last_name, a.company_name), a.first_name, a.account_number LIMIT {limit}"
        );
        let rows = on_pool!(self, |pool| {
            let mut query = sqlx::query_as::<_, AccountRow>(&sql);
            for b in &binds {
                query = query.bind(b);
            }
            query.fetch_all(pool).await
        })?;
        Ok(rows)
    }

    /// Accounts whose email starts with `prefix` (lower case).
    pub async fn accounts_by_email(
        &self,
        prefix: &str,
        scope: &DivisionScope,
        limit: i64,
    ) -> Result<Vec<AccountRow>, DbError> {
        let e = self.prefix_column("email");
        let only = scope.sql_filter("a.division_id");
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE {e} >= $1 AND {e} < $2{only} ORDER BY {e}, a.account_number LIMIT {limit}"
        );
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, AccountRow>(&sql)
                .bind(prefix)
                .bind(prefix_end(prefix))
                .fetch_all(pool)
                .await
        })?;
        Ok(rows)
    }

    /// The accounts with a bill of this invoice number (exactly as written).
    pub async fn accounts_by_invoice(
        &self,
        invoice_number: &str,
        scope: &DivisionScope,
        limit: i64,
    ) -> Result<Vec<AccountRow>, DbError> {
        let only = scope.sql_filter("a.division_id");
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id IN (SELECT b.account_id FROM bills b WHERE b.invoice_number = $1){only} \
             ORDER BY a.account_number LIMIT {limit}"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, AccountRow>(&sql)
            .bind(invoice_number)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// The accounts a card or bank account ending in `last4` paid (a
    /// payment) or may pay (a payer's saved method). Each branch is one
    /// index lookup (migration 0011).
    pub async fn accounts_by_last4(
        &self,
        last4: &str,
        scope: &DivisionScope,
        limit: i64,
    ) -> Result<Vec<AccountRow>, DbError> {
        let only = scope.sql_filter("a.division_id");
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id IN (\
               SELECT p.account_id FROM payments p WHERE p.card_last4 = $1 \
               UNION SELECT p.account_id FROM payments p WHERE p.bank_last4 = $1 \
               UNION SELECT ap.account_id FROM saved_methods m JOIN account_payers ap ON ap.payer_id = m.payer_id \
                     WHERE m.card_last4 = $1 OR m.bank_last4 = $1){only} \
             ORDER BY a.account_number LIMIT {limit}"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, AccountRow>(&sql)
            .bind(last4)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// The indexed, byte-ordered lower-case form of a column (the "C"
    /// collation on PostgreSQL; SQLite compares bytes already).
    fn prefix_column(&self, column: &str) -> String {
        match self.backend() {
            super::Backend::Sqlite => format!("lower(a.{column})"),
            super::Backend::Postgres => format!("lower(a.{column}) COLLATE \"C\""),
        }
    }

    pub async fn count_accounts(&self) -> Result<i64, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM accounts")
                .fetch_one(pool)
                .await
        })?;
        Ok(n)
    }
}
