//! Home's figures: a few aggregate reads, each an index range (docs/home.md).
//! Home is asked for on every visit to `/` by billing administrators, over
//! tables with millions of payments, so nothing here reads a row outside the
//! window it adds up.

use super::{Db, DbError, on_pool};

/// Payments entered on day `day` (an index into the bounds passed in) with
/// one status and method: how many and their amount.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DayRow {
    pub day: i64,
    pub status: String,
    pub method_kind: String,
    pub count: i64,
    pub total_cents: i64,
}

/// Pending ACH payments not yet in a file.
#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct PendingAchRow {
    pub count: i64,
    pub total_cents: i64,
    /// When the oldest of them was entered.
    pub oldest_at: Option<i64>,
}

/// Returns read in a window, by outcome and code; `total_cents` is the
/// matched payments' amount (0 for returns that matched none).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReturnRow {
    pub outcome: String,
    pub return_code: String,
    pub count: i64,
    pub total_cents: i64,
}

/// Unpaid active bills due in a window, and in its first part.
#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct BillsDueRow {
    pub near_count: i64,
    pub near_cents: i64,
    pub far_count: i64,
    pub far_cents: i64,
}

/// The day-bucket query for `days` days (the text depends only on the
/// count, so it is prepared once and cached like any other statement).
///
/// Why a list of boundaries: a civil day in the biller's zone is 23, 24 or
/// 25 hours long, so `(created_at - start) / 86400000` puts an hour in the
/// wrong day around each DST change, and SQLite has no time zones. The
/// service passes each day's own local midnight instead, and the days are a
/// tiny table (`WITH d(i, lo, hi) AS (VALUES …)`) joined to payments on
/// `lo <= created_at < hi`. Both engines drive that join from the 30-row
/// side: one range of `payments_by_created` per day, read as a covering
/// index (created_at, status, method_kind, amount_cents), never the table and
/// never a payment outside the window; no per-row CASE either.
fn by_day_sql(days: usize) -> String {
    let values: Vec<String> = (0..days)
        .map(|i| {
            format!(
                "(CAST({i} AS BIGINT), CAST(${} AS BIGINT), CAST(${} AS BIGINT))",
                i + 1,
                i + 2
            )
        })
        .collect();
    format!(
        "WITH d (i, lo, hi) AS (VALUES {}) \
         SELECT d.i AS day, p.status, p.method_kind, COUNT(*) AS count, \
         CAST(SUM(p.amount_cents) AS BIGINT) AS total_cents \
         FROM d JOIN payments p ON p.created_at >= d.lo AND p.created_at < d.hi \
         GROUP BY d.i, p.status, p.method_kind ORDER BY d.i, p.status, p.method_kind",
        values.join(", ")
    )
}

impl Db {
    /// Payments entered in each day `bounds[i] <= created_at < bounds[i+1]`,
    /// by status and method. Days with none have no row.
    pub async fn payments_by_day(&self, bounds: &[i64]) -> Result<Vec<DayRow>, DbError> {
        if bounds.len() < 2 {
            return Ok(vec![]);
        }
        let sql = by_day_sql(bounds.len() - 1);
        let rows = on_pool!(self, |pool| {
            let mut q = sqlx::query_as::<_, DayRow>(&sql);
            for b in bounds {
                q = q.bind(*b);
            }
            q.fetch_all(pool).await
        })?;
        Ok(rows)
    }

    /// Pending ACH payments waiting for the next file: read through the
    /// partial index `payments_pending` (method_kind, created_at WHERE
    /// status = 'pending'), which holds only payments in flight. A Pending
    /// ACH payment is never in a file (settlement makes it Processed in the
    /// same transaction); the NOT EXISTS keeps a debit already written to a
    /// file out of the count all the same (`ach_entries_one_debit`).
    pub async fn pending_ach(&self) -> Result<PendingAchRow, DbError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, PendingAchRow>(
                "SELECT COUNT(*) AS count, CAST(COALESCE(SUM(p.amount_cents), 0) AS BIGINT) AS total_cents, \
                 MIN(p.created_at) AS oldest_at \
                 FROM payments p WHERE p.status = 'pending' AND p.method_kind = 'ach' \
                 AND NOT EXISTS (SELECT 1 FROM ach_entries e WHERE e.payment_id = p.id AND e.action_id IS NULL)",
            )
            .fetch_one(pool)
            .await
        })?;
        Ok(row)
    }

    /// ACH returns read `from_ms <= created_at < until_ms`
    /// (`ach_returns_by_created`), by outcome and code.
    pub async fn returns_between(
        &self,
        from_ms: i64,
        until_ms: i64,
    ) -> Result<Vec<ReturnRow>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, ReturnRow>(
                "SELECT r.outcome, r.return_code, COUNT(*) AS count, \
                 CAST(COALESCE(SUM(p.amount_cents), 0) AS BIGINT) AS total_cents \
                 FROM ach_returns r LEFT JOIN payments p ON p.id = r.payment_id \
                 WHERE r.created_at >= $1 AND r.created_at < $2 \
                 GROUP BY r.outcome, r.return_code ORDER BY r.outcome, r.return_code",
            )
            .bind(from_ms)
            .bind(until_ms)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }

    /// Unpaid, active bills due `today <= due_date <= far` (dates
    /// `YYYY-MM-DD`, which order as text), and those due by `near`. Read
    /// through the partial covering index `bills_due` (due_date,
    /// amount_due_cents WHERE status = 'unpaid' AND active).
    pub async fn bills_due(
        &self,
        today: &str,
        near: &str,
        far: &str,
    ) -> Result<BillsDueRow, DbError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, BillsDueRow>(
                "SELECT CAST(COALESCE(SUM(CASE WHEN due_date <= $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS near_count, \
                 CAST(COALESCE(SUM(CASE WHEN due_date <= $2 THEN amount_due_cents ELSE 0 END), 0) AS BIGINT) AS near_cents, \
                 COUNT(*) AS far_count, CAST(COALESCE(SUM(amount_due_cents), 0) AS BIGINT) AS far_cents \
                 FROM bills WHERE status = 'unpaid' AND active AND due_date >= $1 AND due_date <= $3",
            )
            .bind(today)
            .bind(near)
            .bind(far)
            .fetch_one(pool)
            .await
        })?;
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_day_is_bounded_by_its_own_two_midnights() {
        let sql = super::by_day_sql(2);
        assert!(sql.contains(
            "(CAST(0 AS BIGINT), CAST($1 AS BIGINT), CAST($2 AS BIGINT)), \
             (CAST(1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT))"
        ));
    }
}
