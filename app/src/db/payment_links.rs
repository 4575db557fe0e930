//! Payment links as stored (`payment_links`). The rules (who may send one,
//! what a payer may do with it) live in `services::payment_links`; this
//! stores, guards and audits.

use super::audit::{AuditEntry, write_audit};
use super::payments::{NewPayment, insert_payments};
use super::{Db, DbError, in_tx, on_pool, update_audited};

/// A link with what its pages show: the account, who sent it and the
/// payment made through it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    pub id: i64,
    pub account_id: i64,
    pub account_number: String,
    pub secret_hash: String,
    pub channel: String,
    pub address: String,
    pub sent_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub opened_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub payment_id: Option<i64>,
    pub payment_reference: Option<String>,
    pub payment_status: Option<String>,
}

impl LinkRow {
    /// Whether a payment holds the link: any but a declined one.
    pub fn paid(&self) -> bool {
        self.payment_status
            .as_deref()
            .is_some_and(|s| s != "declined")
    }
}

const SELECT_LINK: &str = "SELECT l.id, l.account_id, a.account_number, l.secret_hash, l.channel, l.address, \
     COALESCE(s.login, 'payer') AS sent_by, l.created_at, l.expires_at, l.opened_at, l.revoked_at, l.payment_id, \
     p.reference AS payment_reference, p.status AS payment_status \
     FROM payment_links l JOIN accounts a ON a.id = l.account_id \
     LEFT JOIN staff_users s ON s.id = l.created_by \
     LEFT JOIN payments p ON p.id = l.payment_id";

/// A new link, before it has an id (and its secret's hash, given apart).
pub struct NewLink<'a> {
    pub account_id: i64,
    pub channel: &'a str,
    pub address: &'a str,
    /// None for the payer site's own (One Time Payment).
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What claiming a link for a payment found.
#[derive(Debug, PartialEq, Eq)]
pub enum LinkClaim {
    /// The payment was stored and holds the link.
    Claimed(i64),
    /// Another payment holds it, or it was revoked or ran out: nothing stored.
    Refused,
}

impl Db {
    /// Stores a link and its audit row in one transaction; returns its id.
    pub async fn insert_payment_link(
        &self,
        link: &NewLink<'_>,
        secret_hash: &str,
        audit: &AuditEntry<'_>,
    ) -> Result<i64, DbError> {
        let id = in_tx!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO payment_links (account_id, secret_hash, channel, address, created_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(link.account_id)
            .bind(secret_hash)
            .bind(link.channel)
            .bind(link.address)
            .bind(link.created_by)
            .bind(link.created_at)
            .bind(link.expires_at)
            .fetch_one(&mut *tx)
            .await?;
            let object = id.to_string();
            write_audit!(
                &mut *tx,
                AuditEntry {
                    object: Some(audit.object.unwrap_or(&object)),
                    ..audit.clone()
                }
            )?;
            id
        });
        Ok(id)
    }

    pub async fn payment_link(&self, id: i64) -> Result<Option<LinkRow>, DbError> {
        let sql = format!("{SELECT_LINK} WHERE l.id = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, LinkRow>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    /// An account's links sent by staff, newest first (the account page
    /// shows the last 20; One Time Payment's own are not links anyone sent).
    pub async fn payment_links_for_account(
        &self,
        account_id: i64,
        limit: i64,
    ) -> Result<Vec<LinkRow>, DbError> {
        let sql = format!(
            "{SELECT_LINK} WHERE l.account_id = $1 AND l.channel <> 'web' ORDER BY l.created_at DESC, l.id DESC LIMIT $2"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, LinkRow>(&sql)
            .bind(account_id)
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// The first time a link is opened: noted and audited once.
    pub async fn mark_link_opened(&self, id: i64, audit: &AuditEntry<'_>) -> Result<bool, DbError> {
        update_audited!(
            self,
            audit,
            sqlx::query(
                "UPDATE payment_links SET opened_at = $1 WHERE id = $2 AND opened_at IS NULL"
            )
            .bind(audit.at)
            .bind(id)
        )
    }

    /// Revokes a link that no payment holds; false if one does, or it was
    /// already revoked. `by` is None when the server revokes a link it
    /// could not send.
    pub async fn revoke_payment_link(
        &self,
        id: i64,
        by: Option<i64>,
        audit: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        update_audited!(
            self,
            audit,
            sqlx::query(
                "UPDATE payment_links SET revoked_at = $1, revoked_by = $2 \
                 WHERE id = $3 AND revoked_at IS NULL AND (payment_id IS NULL \
                   OR payment_id IN (SELECT id FROM payments WHERE status = 'declined'))",
            )
            .bind(audit.at)
            .bind(by)
            .bind(id)
        )
    }

    /// Stores a payment made through link `link_id` and makes it the
    /// link's, in one transaction, only while the link is free: no payment
    /// holds it (or only a declined one), it is not revoked and has not run
    /// out at `now`. So two reviews of one link, in two tabs or on two
    /// servers, make one payment; the other is refused and stores nothing.
    pub async fn insert_link_payment(
        &self,
        p: &NewPayment,
        link_id: i64,
        actor: &str,
        now: i64,
    ) -> Result<LinkClaim, DbError> {
        let backend = self.backend();
        let claim = in_tx!(self, |tx| {
            let ids = insert_payments!(tx, backend, &[p], actor, now)?;
            let id = *ids.first().ok_or(sqlx::Error::RowNotFound)?;
            let n = sqlx::query(
                "UPDATE payment_links SET payment_id = $1 \
                 WHERE id = $2 AND revoked_at IS NULL AND expires_at > $3 AND (payment_id IS NULL \
                   OR payment_id IN (SELECT id FROM payments WHERE status = 'declined'))",
            )
            .bind(id)
            .bind(link_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                // Rolls the payment back: the early return drops the transaction.
                return Ok(LinkClaim::Refused);
            }
            LinkClaim::Claimed(id)
        });
        Ok(claim)
    }

    /// Counts one try for `key` and returns the tries in a row so far and
    /// the lock in force, in one atomic upsert, before the try is matched:
    /// tries sent at once each get their own count, so no more than the
    /// limit are ever matched. A lock that has run out starts the count
    /// again; a match clears it ([`Db::clear_one_time`]).
    pub async fn one_time_try(&self, key: &str, now: i64) -> Result<(i64, Option<i64>), DbError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, Option<i64>)>(
            "INSERT INTO one_time_lockouts (account_key, failures, locked_until, updated_at) VALUES ($1, 1, NULL, $2) \
             ON CONFLICT (account_key) DO UPDATE SET \
             failures = CASE WHEN one_time_lockouts.locked_until IS NOT NULL AND one_time_lockouts.locked_until <= $2 \
                        THEN 1 ELSE one_time_lockouts.failures + 1 END, \
             locked_until = CASE WHEN one_time_lockouts.locked_until > $2 THEN one_time_lockouts.locked_until ELSE NULL END, \
             updated_at = $2 RETURNING failures, locked_until"
        )
        .bind(key)
        .bind(now)
        .fetch_one(pool)
        .await
        })?;
        Ok(row)
    }

    /// Locks `key` until `until`, audited when `audit` is given (an account
    /// that exists).
    pub async fn lock_one_time(
        &self,
        key: &str,
        until: i64,
        audit: Option<&AuditEntry<'_>>,
    ) -> Result<(), DbError> {
        in_tx!(self, |tx| {
            sqlx::query("UPDATE one_time_lockouts SET locked_until = $1 WHERE account_key = $2")
                .bind(until)
                .bind(key)
                .execute(&mut *tx)
                .await?;
            if let Some(a) = audit {
                write_audit!(&mut *tx, *a)?;
            }
        });
        Ok(())
    }

    /// A match: the count starts again.
    pub async fn clear_one_time(&self, key: &str) -> Result<(), DbError> {
        on_pool!(self, |pool| sqlx::query(
            "DELETE FROM one_time_lockouts WHERE account_key = $1"
        )
        .bind(key)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Unlock Account (Accounts Found): ends a lock in force, audited; false
    /// if there was none.
    pub async fn unlock_one_time(
        &self,
        key: &str,
        audit: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        update_audited!(
            self,
            audit,
            sqlx::query(
                "DELETE FROM one_time_lockouts WHERE account_key = $1 AND locked_until > $2"
            )
            .bind(key)
            .bind(audit.at)
        )
    }

    /// Which of `keys` are locked at `now` (Accounts Found's Unlock Account).
    pub async fn one_time_locked(&self, keys: &[String], now: i64) -> Result<Vec<String>, DbError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let list = serde_json::to_string(keys).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let sql = match self.backend() {
            super::Backend::Sqlite => {
                "SELECT account_key FROM one_time_lockouts WHERE locked_until > $2 \
                 AND account_key IN (SELECT value FROM json_each($1))"
            }
            super::Backend::Postgres => {
                "SELECT account_key FROM one_time_lockouts WHERE locked_until > $2 \
                 AND account_key IN (SELECT jsonb_array_elements_text(CAST(CAST($1 AS TEXT) AS JSONB)))"
            }
        };
        let rows = on_pool!(self, |pool| sqlx::query_scalar::<_, String>(sql)
            .bind(&list)
            .bind(now)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// Drops counts that are neither locked nor recent.
    pub async fn purge_one_time_lockouts(&self, before: i64) -> Result<u64, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query(
                "DELETE FROM one_time_lockouts WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $1)",
            )
            .bind(before)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(n)
    }
}
