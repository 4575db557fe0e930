//! Applying a universal file: the rows stream in already checked, and are
//! written a batch at a time, each batch a few multi-row statements, all in
//! one transaction. A million rows are a thousand round trips, not millions.

use super::accounts::{ImportMode, ImportOutcome, finish_import};
use super::divisions::{DivisionNames, read_division_names};
use super::{Backend, Db, DbError, from_json, in_tx, json};
use crate::db::audit::AuditEntry;
use crate::domain::audit_action::AuditAction;
use crate::domain::division::DEFAULT_DIVISION;
use crate::domain::lifecycle::Book;
use crate::domain::universal_file::{AccountRecord, RowError};
use std::collections::{BTreeSet, HashMap};

/// Rows written per statement: enough that per-statement cost vanishes.
/// Each batch travels as one JSON parameter, not as binds: SQLite's cost
/// per bind grows with the number of binds in a statement (sqlx looks each
/// one up by name), which made 8,000 binds a statement 30 times slower.
pub const IMPORT_BATCH: usize = 1000;

/// The journal entry that moves a balance by `delta` against the billing
/// book: a bill (up) or a credit the biller gave (down). `None` for no move.
fn balance_posting(delta: i64) -> Option<(Book, Book, i64)> {
    match delta {
        0 => None,
        d if d > 0 => Some((Book::Receivable, Book::Billing, d)),
        d => Some((Book::Billing, Book::Receivable, -d)),
    }
}

/// Writes one batch (distinct account numbers, all valid) and empties it.
/// Each account is upserted with the balance change the file asks for, the
/// change is posted to the journal, and enrolled payers are linked. A macro
/// because the transaction's type differs per engine.
macro_rules! write_batch {
    ($tx:ident, $backend:expr, $batch:expr, $divisions:expr, $upload:expr, $now:expr, $out:expr) => {{
        let backend: Backend = $backend;
        let batch: &mut Vec<AccountRecord> = &mut $batch;
        let divisions: &DivisionNames = $divisions;
        let upload: Option<i64> = $upload;
        let numbers: Vec<&str> = batch.iter().map(|r| r.account_number.as_str()).collect();
        // What each account owes now, to turn the file's balance into a
        // change, and its division, kept when the file names none.
        let sql = format!(
            "SELECT account_number, balance_cents, division_id FROM accounts WHERE account_number IN (SELECT {} FROM {})",
            if backend == Backend::Sqlite { "value" } else { "e" },
            if backend == Backend::Sqlite { "json_each($1)" } else { "jsonb_array_elements_text($1::jsonb) e" }
        );
        let mut old: HashMap<String, (i64, i64)> = sqlx::query_as::<_, (String, i64, i64)>(&sql)
            .bind(json(&numbers)?)
            .fetch_all(&mut *$tx)
            .await?
            .into_iter()
            .map(|(n, b, d)| (n, (b, d)))
            .collect();
        // An upload of one division leaves the other divisions' accounts
        // alone: their rows are refused, by line.
        if let Some(u) = upload {
            let mut outside = Vec::new();
            batch.retain(|r| match old.get(r.account_number.as_str()) {
                Some(&(_, d)) if d != u => {
                    let number = r.account_number.as_str();
                    outside.push((number.to_string(), RowError {
                        line: r.line,
                        column: "account_number".into(),
                        reason: divisions.outside_upload(number, d, u),
                    }));
                    false
                }
                _ => true,
            });
            for (number, e) in outside {
                old.remove(&number);
                $out.refuse([e]);
            }
        }
        let delta = |r: &AccountRecord| match (r.balance, old.get(r.account_number.as_str())) {
            (None, _) => 0,
            (Some(b), Some((was, _))) => b.cents() - was,
            (Some(b), None) => b.cents(),
        };
        let division = |r: &AccountRecord| {
            r.division
                .as_deref()
                .and_then(|name| divisions.id(name))
                .or_else(|| old.get(r.account_number.as_str()).map(|(_, d)| *d))
                .unwrap_or(upload.unwrap_or(DEFAULT_DIVISION))
        };
        // New accounts start at their change from zero; existing ones move
        // by theirs. The email is kept when the file leaves it out.
        let sql = format!(
            "INSERT INTO accounts (account_number, account_type, first_name, last_name, company_name, email, \
             balance_cents, status, division_id, created_at, updated_at) {} \
             ON CONFLICT (account_number) DO UPDATE SET account_type = excluded.account_type, \
             first_name = excluded.first_name, last_name = excluded.last_name, company_name = excluded.company_name, \
             email = COALESCE(excluded.email, accounts.email), status = excluded.status, \
             division_id = excluded.division_id, \
             balance_cents = accounts.balance_cents + excluded.balance_cents, updated_at = excluded.updated_at \
             RETURNING account_number, id",
            from_json(backend, 2, &["text", "text", "text", "text", "text", "text", "bigint", "text", "bigint"], ", $1, $1")
        );
        let rows: Vec<_> = batch
            .iter()
            .map(|r| {
                (
                    r.account_number.as_str(),
                    r.account_type.code(),
                    r.first_name.as_deref(),
                    r.last_name.as_deref(),
                    r.company_name.as_deref(),
                    r.email.as_ref().map(|e| e.as_str()),
                    delta(r),
                    r.status.code(),
                    division(r),
                )
            })
            .collect();
        let ids: HashMap<String, i64> =
            sqlx::query_as::<_, (String, i64)>(&sql).bind($now).bind(json(&rows)?).fetch_all(&mut *$tx).await?.into_iter().collect();
        let id_of = |r: &AccountRecord| ids.get(r.account_number.as_str()).copied().ok_or(sqlx::Error::RowNotFound);
        $out.updated += old.len() as u64;
        $out.created += (batch.len() - old.len()) as u64;

        let mut postings = Vec::new();
        for r in batch.iter() {
            if let Some((debit, credit, cents)) = balance_posting(delta(r)) {
                let id = id_of(r)?;
                let side = |b: Book| (b == Book::Receivable).then_some(id);
                postings.push((debit.code(), side(debit), credit.code(), side(credit), cents));
            }
        }
        if !postings.is_empty() {
            let sql = format!(
                "INSERT INTO journal (debit_book, debit_account_id, credit_book, credit_account_id, amount_cents, kind, created_at) {}",
                from_json(backend, 2, &["text", "bigint", "text", "bigint", "bigint"], ", 'balance_import', $1")
            );
            sqlx::query(&sql).bind($now).bind(json(&postings)?).execute(&mut *$tx).await?;
        }

        let user_ids: Vec<&str> = batch.iter().filter_map(|r| r.user_id.as_deref()).collect::<BTreeSet<_>>().into_iter().collect();
        if !user_ids.is_empty() {
            // DO UPDATE (a no-op) rather than DO NOTHING, so RETURNING yields
            // the id of a payer that already exists too; but never of one
            // who registered on the payer site (migration 0024): a file's
            // User ID does not hand accounts to whoever chose it there.
            let one_column: Vec<[&str; 1]> = user_ids.iter().map(|u| [*u]).collect();
            let sql = format!(
                "INSERT INTO payers (user_id, created_at) {} \
                 ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id \
                 WHERE payers.registered = FALSE RETURNING user_id, id",
                from_json(backend, 2, &["text"], ", $1")
            );
            let payers: HashMap<String, i64> =
                sqlx::query_as::<_, (String, i64)>(&sql).bind($now).bind(json(&one_column)?).fetch_all(&mut *$tx).await?.into_iter().collect();
            let mut links = Vec::new();
            for r in batch.iter() {
                if let Some(u) = r.user_id.as_deref() {
                    match payers.get(u) {
                        Some(p) => links.push((id_of(r)?, *p)),
                        None => tracing::warn!(line = r.line, user_id = u, "not linked: the User ID was registered on the payer site"),
                    }
                }
            }
            let sql = format!(
                "INSERT INTO account_payers (account_id, payer_id) {} ON CONFLICT DO NOTHING",
                from_json(backend, 1, &["bigint", "bigint"], "")
            );
            sqlx::query(&sql).bind(json(&links)?).execute(&mut *$tx).await?;
        }
        batch.clear();
    }};
}

impl Db {
    /// Applies a universal file as `mode` says (see `ImportMode`). `rows`
    /// yields each data row already checked, or its errors. A balance that
    /// changes is a journal entry, never a silent overwrite. An upload of
    /// one division (`upload`) puts new accounts into it and refuses rows
    /// of other divisions' accounts, or naming another division.
    pub async fn import_accounts<I>(
        &self,
        rows: I,
        mode: ImportMode,
        source: &str,
        actor: Option<&str>,
        upload: Option<i64>,
    ) -> Result<ImportOutcome, DbError>
    where
        I: Iterator<Item = Result<AccountRecord, Vec<RowError>>>,
    {
        let now = super::now_ms();
        let mut out = ImportOutcome::default();
        // Each account number's first line, to name it when it comes again.
        let mut seen = HashMap::<String, u64>::new();
        let mut batch: Vec<AccountRecord> = Vec::with_capacity(IMPORT_BATCH);
        let backend = self.backend();
        in_tx!(self, |tx| {
            let divisions = read_division_names!(tx);
            sqlx::query(match backend {
                // A large file's index pages stay in memory instead of
                // spilling to the WAL mid-transaction (set back below).
                Backend::Sqlite => "PRAGMA cache_size = -65536",
                // The batch statements are prepared once while the table
                // may still be small; a plan kept from then would scan it.
                Backend::Postgres => "SET LOCAL plan_cache_mode = force_custom_plan",
            })
            .execute(&mut *tx)
            .await?;
            for item in rows {
                let Some(rec) = out.take(item) else { continue };
                if out.repeated(
                    &mut seen,
                    rec.account_number.as_str().to_string(),
                    rec.line,
                    "account_number",
                    || rec.account_number.to_string(),
                ) {
                    continue;
                }
                if let Some(name) = rec.division.as_deref() {
                    let reason = match (divisions.named(name), upload) {
                        (Err(reason), _) => Some(reason),
                        (Ok(id), Some(u)) if u != id => Some(format!(
                            "this upload is for {}, not {name}",
                            divisions.name(u)
                        )),
                        _ => None,
                    };
                    if let Some(reason) = reason {
                        out.refuse([RowError {
                            line: rec.line,
                            column: "division".into(),
                            reason,
                        }]);
                        continue;
                    }
                }
                if !out.errors.is_empty() && mode == ImportMode::AllOrNothing {
                    // The file is already rejected: keep checking, stop writing.
                    continue;
                }
                batch.push(rec);
                if batch.len() == IMPORT_BATCH {
                    write_batch!(tx, backend, batch, &divisions, upload, now, out);
                }
            }
            // The last part-batch, unless an all-or-nothing file already failed.
            let rejected = mode == ImportMode::AllOrNothing && !out.errors.is_empty();
            if !batch.is_empty() && !rejected {
                write_batch!(tx, backend, batch, &divisions, upload, now, out);
            }
            if backend == Backend::Sqlite {
                // The pooled connection goes back to SQLite's default (2 MB).
                sqlx::query("PRAGMA cache_size = -2000")
                    .execute(&mut *tx)
                    .await?;
            }
            finish_import!(
                tx,
                mode,
                out,
                AuditEntry {
                    actor_login: actor,
                    object: Some(source),
                    // The upload's division, if it is of one.
                    division: upload,
                    ..AuditEntry::new(now, AuditAction::UploadAccounts)
                }
            );
        });
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_engine_reads_the_batch_from_one_json_parameter() {
        assert_eq!(
            from_json(Backend::Sqlite, 2, &["text", "bigint"], ", $1"),
            "SELECT j.value->>0, j.value->>1, $1 FROM json_each($2) j WHERE true"
        );
        assert_eq!(
            from_json(Backend::Postgres, 1, &["text", "bigint"], ""),
            "SELECT (j->>0)::text, (j->>1)::bigint FROM jsonb_array_elements($1::jsonb) j WHERE true"
        );
    }

    #[test]
    fn a_balance_change_posts_against_billing() {
        assert_eq!(balance_posting(0), None);
        assert_eq!(
            balance_posting(250),
            Some((Book::Receivable, Book::Billing, 250))
        );
        assert_eq!(
            balance_posting(-250),
            Some((Book::Billing, Book::Receivable, 250))
        );
    }
}
