//! Convenience fees: the biller's row, and a row per division that
//! charges fees of its own. Each is written by Save Changes with its audit
//! row in one transaction, guarded by its version.

use super::audit::{AuditEntry, write_audit};
use super::{Db, DbError, in_tx, on_pool};
use crate::domain::fee::{FeeRule, FeeSettings};
use crate::domain::money::Money;

#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    card_flat_cents: i64,
    card_rate_bp: i64,
    card_min_cents: Option<i64>,
    card_max_cents: Option<i64>,
    ach_flat_cents: i64,
    ach_rate_bp: i64,
    ach_min_cents: Option<i64>,
    ach_max_cents: Option<i64>,
    partial_refund_returns_fee: bool,
    version: i64,
}

fn rule(flat: i64, rate_bp: i64, min: Option<i64>, max: Option<i64>) -> FeeRule {
    FeeRule {
        flat: Money::from_cents(flat),
        rate_bp,
        min: min.map(Money::from_cents),
        max: max.map(Money::from_cents),
    }
}

impl From<Row> for FeeSettings {
    fn from(r: Row) -> Self {
        FeeSettings {
            card: rule(
                r.card_flat_cents,
                r.card_rate_bp,
                r.card_min_cents,
                r.card_max_cents,
            ),
            ach: rule(
                r.ach_flat_cents,
                r.ach_rate_bp,
                r.ach_min_cents,
                r.ach_max_cents,
            ),
            partial_refund_returns_fee: r.partial_refund_returns_fee,
            version: r.version,
        }
    }
}

/// Whose fees a row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeOwner {
    /// The biller's: every division without fees of its own.
    Biller,
    /// One division's own.
    Division(i64),
}

impl FeeOwner {
    /// The table, its key column and the key.
    fn row(self) -> (&'static str, &'static str, i64) {
        match self {
            FeeOwner::Biller => ("fee_settings", "id", 1),
            FeeOwner::Division(id) => ("division_fees", "division_id", id),
        }
    }

    /// The refund setting is the biller's alone.
    fn refund_column(self) -> Option<&'static str> {
        match self {
            FeeOwner::Biller => Some("partial_refund_returns_fee"),
            FeeOwner::Division(_) => None,
        }
    }
}

const RULE_COLUMNS: &str = "card_flat_cents, card_rate_bp, card_min_cents, card_max_cents, \
    ach_flat_cents, ach_rate_bp, ach_min_cents, ach_max_cents";

impl Db {
    /// `owner`'s fees, if they were ever saved (the biller's: else none
    /// are charged; a division's: else it charges the biller's). A
    /// division's carry no refund setting (false).
    pub async fn fee_settings(&self, owner: FeeOwner) -> Result<Option<FeeSettings>, DbError> {
        let (table, key, id) = owner.row();
        let refund = owner.refund_column().unwrap_or("FALSE");
        let sql = format!(
            "SELECT {RULE_COLUMNS}, {refund} AS partial_refund_returns_fee, version \
             FROM {table} WHERE {key} = $1"
        );
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(&sql)
                .bind(id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(FeeSettings::from))
    }

    /// Use the Biller's Fees: division `division` no longer charges fees
    /// of its own, if they are still at `seen`; audited. False, and
    /// nothing written, when someone saved them since.
    pub async fn clear_division_fees(
        &self,
        division: i64,
        seen: i64,
        audit: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        let cleared = in_tx!(self, |tx| {
            let n =
                sqlx::query("DELETE FROM division_fees WHERE division_id = $1 AND version = $2")
                    .bind(division)
                    .bind(seen)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if n != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, *audit)?;
            true
        });
        Ok(cleared)
    }

    /// Save Changes of `owner`'s fees as they were at `seen` (0: never
    /// saved), audited with `audit`. False, and nothing written, when
    /// someone saved them since.
    pub async fn save_fee_settings(
        &self,
        owner: FeeOwner,
        s: &FeeSettings,
        seen: i64,
        audit: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        let cents = |m: Option<Money>| m.map(Money::cents);
        let (table, key, id) = owner.row();
        let (refund, refund_value, refund_set) = match owner.refund_column() {
            Some(c) => (format!(", {c}"), ", $12", format!(", {c} = excluded.{c}")),
            None => (String::new(), "", String::new()),
        };
        // The first save inserts; later ones update the version seen.
        // Either way a stale copy touches no row.
        let sql = format!(
            "INSERT INTO {table} ({key}, {RULE_COLUMNS}{refund}, version, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9{refund_value}, $10 + 1, $11) \
             ON CONFLICT ({key}) DO UPDATE SET card_flat_cents = excluded.card_flat_cents, \
             card_rate_bp = excluded.card_rate_bp, card_min_cents = excluded.card_min_cents, \
             card_max_cents = excluded.card_max_cents, ach_flat_cents = excluded.ach_flat_cents, \
             ach_rate_bp = excluded.ach_rate_bp, ach_min_cents = excluded.ach_min_cents, \
             ach_max_cents = excluded.ach_max_cents{refund_set}, \
             version = excluded.version, updated_at = excluded.updated_at \
             WHERE {table}.version = $10"
        );
        let saved = in_tx!(self, |tx| {
            let query = sqlx::query(&sql)
                .bind(id)
                .bind(s.card.flat.cents())
                .bind(s.card.rate_bp)
                .bind(cents(s.card.min))
                .bind(cents(s.card.max))
                .bind(s.ach.flat.cents())
                .bind(s.ach.rate_bp)
                .bind(cents(s.ach.min))
                .bind(cents(s.ach.max))
                .bind(seen)
                .bind(audit.at);
            // $12 only where the statement has it: both engines refuse
            // a value for a parameter the statement doesn't name.
            let query = match owner.refund_column() {
                Some(_) => query.bind(s.partial_refund_returns_fee),
                None => query,
            };
            let n = query.execute(&mut *tx).await?.rows_affected();
            // A first save racing another first save: the loser's insert
            // finds the row and its version (1) is not the 0 it saw.
            if n != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, *audit)?;
            true
        });
        Ok(saved)
    }
}
