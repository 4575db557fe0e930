//! Payer accounts, the payers who pay them, and their balance ledger.

use super::{in_tx, on_pool, Db, DbError};
use crate::db::audit::{write_audit, AuditEntry};
use crate::db::journal::post;
use crate::db::uploads::record_outcome;
use crate::domain::lifecycle::{Book, Posting};
use crate::domain::money::Money;
use crate::domain::payer_support::NameQuery;
use crate::domain::universal_file::{AccountRecord, RowError};

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
}

const ACCOUNT_COLUMNS: &str = "a.id, a.account_number, a.account_type, a.first_name, a.last_name, \
    a.company_name, a.email, a.balance_cents, a.status";

/// Ends an import's transaction as its mode says: all or nothing rolls back
/// on any refused row, a preview always rolls back, a commit records the
/// outcome on its upload; what is applied is audited with its counts. A
/// macro because it returns from the caller's transaction body.
macro_rules! finish_import {
    ($tx:ident, $mode:expr, $out:ident, $entry:expr) => {
        match $mode {
            ImportMode::AllOrNothing if !$out.errors.is_empty() => {
                $out.created = 0;
                $out.updated = 0;
                // Returning drops the transaction: everything rolls back.
                return Ok($out);
            }
            ImportMode::Preview => return Ok($out),
            ImportMode::Commit { upload_id } => record_outcome!($tx, upload_id, $out.status(), &$out)?,
            ImportMode::AllOrNothing => {}
        }
        let summary = serde_json::json!({ "rows": $out.rows, "created": $out.created, "updated": $out.updated, "rejected": $out.rejected });
        write_audit!(&mut *$tx, AuditEntry { after: Some(&summary.to_string()), ..$entry })?;
    };
}
pub(crate) use finish_import;

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

impl ImportOutcome {
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

/// Stop collecting errors past this many: the file is rejected anyway, and
/// the first few hundred say what is wrong with it.
const MAX_REPORTED_ERRORS: usize = 500;

impl Db {
    pub async fn account_by_number(&self, number: &str) -> Result<Option<AccountRow>, DbError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.account_number = $1");
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, AccountRow>(&sql).bind(number).fetch_optional(pool).await
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
            sqlx::query_as::<_, AccountRow>(&sql).bind(user_id).fetch_all(pool).await
        })?;
        Ok(rows)
    }

    /// Accounts whose name starts with what was typed (see
    /// `domain::payer_support::NameQuery`), by name. Each branch is a range
    /// on one lower-cased, byte-ordered index (migration 0009).
    pub async fn accounts_by_name(&self, q: &NameQuery, limit: i64) -> Result<Vec<AccountRow>, DbError> {
        let col = |c: &str| self.prefix_column(c);
        let (filter, binds): (String, Vec<String>) = match q {
            NameQuery::Word(w) => (
                format!(
                    "({l} >= $1 AND {l} < $2) OR ({f} >= $1 AND {f} < $2) OR ({c} >= $1 AND {c} < $2)",
                    l = col("last_name"),
                    f = col("first_name"),
                    c = col("company_name")
                ),
                vec![w.clone(), prefix_end(w)],
            ),
            NameQuery::FirstLast { first, last, whole } => (
                format!(
                    "({f} >= $1 AND {f} < $2 AND {l} >= $3 AND {l} < $4) OR ({c} >= $5 AND {c} < $6)",
                    l = col("last_name"),
                    f = col("first_name"),
                    c = col("company_name")
                ),
                vec![first.clone(), prefix_end(first), last.clone(), prefix_end(last), whole.clone(), prefix_end(whole)],
            ),
        };
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE {filter} \
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
    pub async fn accounts_by_email(&self, prefix: &str, limit: i64) -> Result<Vec<AccountRow>, DbError> {
        let e = self.prefix_column("email");
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE {e} >= $1 AND {e} < $2 ORDER BY {e}, a.account_number LIMIT {limit}");
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, AccountRow>(&sql).bind(prefix).bind(prefix_end(prefix)).fetch_all(pool).await
        })?;
        Ok(rows)
    }

    /// The accounts with a bill of this invoice number (exactly as written).
    pub async fn accounts_by_invoice(&self, invoice_number: &str, limit: i64) -> Result<Vec<AccountRow>, DbError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id IN (SELECT b.account_id FROM bills b WHERE b.invoice_number = $1) \
             ORDER BY a.account_number LIMIT {limit}"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, AccountRow>(&sql).bind(invoice_number).fetch_all(pool).await)?;
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
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM accounts").fetch_one(pool).await
        })?;
        Ok(n)
    }

    /// Applies a universal file in one transaction. `rows` yields each data
    /// row already checked; if any row (or the stream) failed, nothing is
    /// written and the errors come back. A balance that changes is a ledger
    /// entry, never a silent overwrite.
    pub async fn import_accounts<I>(&self, rows: I, mode: ImportMode, source: &str, actor: Option<&str>) -> Result<ImportOutcome, DbError>
    where
        I: Iterator<Item = Result<AccountRecord, Vec<RowError>>>,
    {
        let now = super::now_ms();
        let mut out = ImportOutcome::default();
        let mut seen = std::collections::HashMap::<String, u64>::new();
        in_tx!(self, |tx| {
            for item in rows {
                out.rows += 1;
                let rec = match item {
                    Ok(rec) => rec,
                    Err(errs) => {
                        out.rejected += 1;
                        if out.errors.len() < MAX_REPORTED_ERRORS {
                            out.errors.extend(errs);
                        }
                        continue;
                    }
                };
                if let Some(first) = seen.insert(rec.account_number.as_str().to_string(), rec.line) {
                    out.rejected += 1;
                    if out.errors.len() < MAX_REPORTED_ERRORS {
                        out.errors.push(RowError {
                            line: rec.line,
                            column: "account_number".into(),
                            reason: format!("{} appears again (first on line {first})", rec.account_number),
                        });
                    }
                    continue;
                }
                if !out.errors.is_empty() && mode == ImportMode::AllOrNothing {
                    // The file is already rejected: keep checking, stop writing.
                    continue;
                }
                let existing: Option<(i64, i64)> =
                    sqlx::query_as("SELECT id, balance_cents FROM accounts WHERE account_number = $1")
                        .bind(rec.account_number.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                let new_balance = rec.balance.map(|m| m.cents());
                let (account_id, delta) = match existing {
                    Some((id, old)) => {
                        sqlx::query(
                            "UPDATE accounts SET account_type = $2, first_name = $3, last_name = $4, \
                             company_name = $5, email = COALESCE($6, email), status = $7, updated_at = $8 WHERE id = $1",
                        )
                        .bind(id)
                        .bind(rec.account_type.code())
                        .bind(rec.first_name.as_deref())
                        .bind(rec.last_name.as_deref())
                        .bind(rec.company_name.as_deref())
                        .bind(rec.email.as_ref().map(|e| e.as_str()))
                        .bind(rec.status.code())
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        out.updated += 1;
                        (id, new_balance.map_or(0, |b| b - old))
                    }
                    None => {
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO accounts (account_number, account_type, first_name, last_name, \
                             company_name, email, balance_cents, status, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
                        )
                        .bind(rec.account_number.as_str())
                        .bind(rec.account_type.code())
                        .bind(rec.first_name.as_deref())
                        .bind(rec.last_name.as_deref())
                        .bind(rec.company_name.as_deref())
                        .bind(rec.email.as_ref().map(|e| e.as_str()))
                        .bind(0i64) // the opening balance is posted below
                        .bind(rec.status.code())
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await?;
                        out.created += 1;
                        (id, new_balance.unwrap_or(0))
                    }
                };
                if delta != 0 {
                    // What the payer owes goes up (a bill) or down (a credit
                    // the biller gave) against the billing book.
                    let amount = Money::from_cents(delta.abs());
                    let (debit, credit) = if delta > 0 { (Book::Receivable, Book::Billing) } else { (Book::Billing, Book::Receivable) };
                    let posting = Posting { kind: "balance_import", debit, credit, amount };
                    post!(tx, posting, account = account_id, payment = None::<i64>, once = None::<String>, by = None::<i64>, at = now)?;
                }
                if let Some(user_id) = rec.user_id.as_deref() {
                    // DO UPDATE (a no-op) rather than DO NOTHING, so RETURNING
                    // yields the id of a payer that already exists too.
                    let payer_id: i64 = sqlx::query_scalar(
                        "INSERT INTO payers (user_id, created_at) VALUES ($1, $2) \
                         ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id RETURNING id",
                    )
                    .bind(user_id)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO account_payers (account_id, payer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    )
                    .bind(account_id)
                    .bind(payer_id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            finish_import!(tx, mode, out, AuditEntry { at: now, actor_login: actor, action: "upload.accounts", object: Some(source), ..Default::default() });
        });
        Ok(out)
    }
}
