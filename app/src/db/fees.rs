//! The biller's convenience fees: one row, written by Save Changes with
//! its audit row in one transaction, guarded by its version.

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

impl Db {
    /// The fees, if they were ever saved (else none are charged).
    pub async fn fee_settings(&self) -> Result<Option<FeeSettings>, DbError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(
            "SELECT card_flat_cents, card_rate_bp, card_min_cents, card_max_cents, ach_flat_cents, ach_rate_bp, \
             ach_min_cents, ach_max_cents, partial_refund_returns_fee, version FROM fee_settings WHERE id = 1"
        )
        .fetch_optional(pool)
        .await
        })?;
        Ok(row.map(FeeSettings::from))
    }

    /// Save Changes of the fees as they were at `seen` (0: never saved),
    /// audited with `audit`. False, and nothing written, when someone
    /// saved them since.
    pub async fn save_fee_settings(
        &self,
        s: &FeeSettings,
        seen: i64,
        audit: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        let cents = |m: Option<Money>| m.map(Money::cents);
        let saved = in_tx!(self, |tx| {
            // The first save inserts; later ones update the version seen.
            // Either way a stale copy touches no row.
            let n = sqlx::query(
                "INSERT INTO fee_settings (id, card_flat_cents, card_rate_bp, card_min_cents, card_max_cents, \
                 ach_flat_cents, ach_rate_bp, ach_min_cents, ach_max_cents, partial_refund_returns_fee, version, updated_at) \
                 VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 + 1, $11) \
                 ON CONFLICT (id) DO UPDATE SET card_flat_cents = excluded.card_flat_cents, \
                 card_rate_bp = excluded.card_rate_bp, card_min_cents = excluded.card_min_cents, \
                 card_max_cents = excluded.card_max_cents, ach_flat_cents = excluded.ach_flat_cents, \
                 ach_rate_bp = excluded.ach_rate_bp, ach_min_cents = excluded.ach_min_cents, \
                 ach_max_cents = excluded.ach_max_cents, \
                 partial_refund_returns_fee = excluded.partial_refund_returns_fee, \
                 version = excluded.version, updated_at = excluded.updated_at \
                 WHERE fee_settings.version = $10",
            )
            .bind(s.card.flat.cents())
            .bind(s.card.rate_bp)
            .bind(cents(s.card.min))
            .bind(cents(s.card.max))
            .bind(s.ach.flat.cents())
            .bind(s.ach.rate_bp)
            .bind(cents(s.ach.min))
            .bind(cents(s.ach.max))
            .bind(s.partial_refund_returns_fee)
            .bind(seen)
            .bind(audit.at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
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
