//! The columns that hold sealed values, read and rewritten a page at a time
//! for `paydesk keys rotate` (services::key_rotation decides what to do
//! with each value).

use super::{Db, DbError, in_tx, on_pool};

/// A column holding sealed values. Only the constants below exist, so the
/// names put into SQL are never input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedColumn {
    pub table: &'static str,
    pub column: &'static str,
}

impl std::fmt::Display for SealedColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.table, self.column)
    }
}

const fn sealed(table: &'static str, column: &'static str) -> SealedColumn {
    SealedColumn { table, column }
}

pub const PAYMENT_BANK_ACCOUNTS: SealedColumn = sealed("payments", "bank_account_enc");
pub const SAVED_BANK_ACCOUNTS: SealedColumn = sealed("saved_methods", "bank_account_enc");
pub const PAYMENT_CARD_TOKENS: SealedColumn = sealed("payments", "card_token");
pub const SAVED_CARD_TOKENS: SealedColumn = sealed("saved_methods", "card_token");
pub const ACH_FILES: SealedColumn = sealed("ach_files", "content");

impl Db {
    /// Up to `limit` rows of `col` after row `after` (by id), skipping NULL
    /// ones and those starting with `done` (already under the current key).
    pub async fn sealed_page(
        &self,
        col: SealedColumn,
        after: i64,
        done: &str,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, DbError> {
        let SealedColumn { table, column } = col;
        // substr, not LIKE: a prefix such as "tok_sbx_" holds LIKE's wildcard.
        let sql = format!(
            "SELECT id, {column} FROM {table} WHERE id > $1 AND {column} IS NOT NULL \
             AND substr({column}, 1, $2) <> $3 ORDER BY id LIMIT $4"
        );
        let len = i32::try_from(done.chars().count()).unwrap_or(i32::MAX);
        Ok(on_pool!(self, |pool| sqlx::query_as::<_, (i64, String)>(
            &sql
        )
        .bind(after)
        .bind(len)
        .bind(done)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
    }

    /// Writes each `(id, old, new)` where the value is still `old` (one
    /// changed meanwhile, by a payment's end clearing it say, is left to
    /// that change), in one transaction; how many were written.
    pub async fn reseal(
        &self,
        col: SealedColumn,
        rows: &[(i64, String, String)],
    ) -> Result<u64, DbError> {
        let SealedColumn { table, column } = col;
        let sql = format!("UPDATE {table} SET {column} = $1 WHERE id = $2 AND {column} = $3");
        Ok(in_tx!(self, |tx| {
            let mut written = 0;
            for (id, old, new) in rows {
                written += sqlx::query(&sql)
                    .bind(new)
                    .bind(id)
                    .bind(old)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            written
        }))
    }
}
