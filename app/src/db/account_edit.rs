//! Create Account, the account page's edits, Adjust Balance and the
//! account's history. Each write is one transaction with its audit row.

use super::{Db, DbError, in_tx, on_pool};
use crate::db::audit::{AuditEntry, write_audit};
use crate::db::journal::post;
use crate::domain::account::AccountStatus;
use crate::domain::account_edit::CheckedAccount;
use crate::domain::lifecycle::{Book, Posting};
use crate::domain::money::Money;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JournalLineRow {
    pub created_at: i64,
    pub kind: String,
    /// Positive when what the payer owes went up.
    pub change_cents: i64,
    pub by_login: Option<String>,
    pub memo: Option<String>,
    pub reference: Option<String>,
}

/// How many lines the account page shows.
pub const HISTORY_LINES: i64 = 100;

impl Db {
    /// Create Account; a taken number comes back as a unique violation.
    pub async fn create_account(
        &self,
        a: &CheckedAccount,
        division: i64,
        entry: &AuditEntry<'_>,
    ) -> Result<i64, DbError> {
        let id = in_tx!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO accounts (account_number, account_type, first_name, last_name, company_name, email, \
                 balance_cents, status, created_at, updated_at, division_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $8, $9) RETURNING id",
            )
            .bind(a.account_number.as_str())
            .bind(a.account_type.code())
            .bind(a.first_name.as_deref())
            .bind(a.last_name.as_deref())
            .bind(a.company_name.as_deref())
            .bind(a.email.as_ref().map(|e| e.as_str()))
            .bind(a.status.code())
            .bind(entry.at)
            .bind(division)
            .fetch_one(&mut *tx)
            .await?;
            write_audit!(&mut *tx, *entry)?;
            id
        });
        Ok(id)
    }

    /// Saves the account page's edits (never its number or balance), and
    /// its division.
    pub async fn update_account(
        &self,
        id: i64,
        a: &CheckedAccount,
        division: i64,
        entry: &AuditEntry<'_>,
    ) -> Result<(), DbError> {
        in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE accounts SET account_type = $2, first_name = $3, last_name = $4, company_name = $5, email = $6, \
                 status = $7, updated_at = $8, division_id = $9 WHERE id = $1",
            )
            .bind(id)
            .bind(a.account_type.code())
            .bind(a.first_name.as_deref())
            .bind(a.last_name.as_deref())
            .bind(a.company_name.as_deref())
            .bind(a.email.as_ref().map(|e| e.as_str()))
            .bind(a.status.code())
            .bind(entry.at)
            .bind(division)
            .execute(&mut *tx)
            .await?;
            write_audit!(&mut *tx, *entry)?;
        });
        Ok(())
    }

    /// Adjust Balance: one journal entry against the billing book (the
    /// cached balance moves with it) and its audit row, once per `key`: a
    /// repeat fails on the journal's unique `once_key`.
    pub async fn adjust_balance(
        &self,
        account_id: i64,
        change: Money,
        reason: &str,
        key: &str,
        actor_id: i64,
        entry: &AuditEntry<'_>,
    ) -> Result<(), DbError> {
        let amount = Money::from_cents(change.cents().abs());
        let (debit, credit) = if change.is_positive() {
            (Book::Receivable, Book::Billing)
        } else {
            (Book::Billing, Book::Receivable)
        };
        let posting = Posting {
            kind: "adjustment",
            debit,
            credit,
            amount,
        };
        let once = format!("adjust:{key}");
        in_tx!(self, |tx| {
            post!(
                tx,
                posting,
                account = account_id,
                payment = None::<i64>,
                once = Some(once),
                by = Some(actor_id),
                at = entry.at,
                memo = Some(reason)
            )?;
            write_audit!(&mut *tx, *entry)?;
        });
        Ok(())
    }

    /// Whether an adjustment with this key was already made.
    pub async fn adjustment_made(&self, key: &str) -> Result<bool, DbError> {
        let n: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM journal WHERE once_key = $1")
                .bind(format!("adjust:{key}"))
                .fetch_one(pool)
                .await
        })?;
        Ok(n > 0)
    }

    /// The newest entries that moved what the payer owes.
    pub async fn account_history(&self, account_id: i64) -> Result<Vec<JournalLineRow>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, JournalLineRow>(
                "SELECT j.created_at, j.kind, \
                 CASE WHEN j.debit_account_id = $1 THEN j.amount_cents ELSE -j.amount_cents END AS change_cents, \
                 u.login AS by_login, j.memo, p.reference \
                 FROM journal j LEFT JOIN staff_users u ON u.id = j.created_by LEFT JOIN payments p ON p.id = j.payment_id \
                 WHERE j.debit_account_id = $1 OR j.credit_account_id = $1 ORDER BY j.id DESC LIMIT $2",
            )
            .bind(account_id)
            .bind(HISTORY_LINES)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }

    /// The account's Scheduled payments (ids), which making it inactive cancels.
    pub async fn scheduled_payments(&self, account_id: i64) -> Result<Vec<i64>, DbError> {
        let ids = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>("SELECT id FROM payments WHERE account_id = $1 AND status = 'scheduled' ORDER BY id")
                .bind(account_id)
                .fetch_all(pool)
                .await
        })?;
        Ok(ids)
    }

    /// Scheduled payments (ids) on inactive accounts: what a universal file
    /// that made accounts inactive leaves to cancel.
    pub async fn scheduled_on_inactive_accounts(&self) -> Result<Vec<i64>, DbError> {
        let ids = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT p.id FROM payments p JOIN accounts a ON a.id = p.account_id \
                 WHERE p.status = 'scheduled' AND a.status = $1 ORDER BY p.id",
            )
            .bind(AccountStatus::Inactive.code())
            .fetch_all(pool)
            .await
        })?;
        Ok(ids)
    }
}
