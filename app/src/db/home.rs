//! Home's figures: a few aggregate reads, each an index range (docs/home.md).
//! Home is asked for on every visit to `/` by billing administrators, over
//! tables with millions of payments, so nothing here reads a row outside the
//! window it adds up.

use super::{Db, DbError, on_pool};
use crate::domain::division::DivisionScope;

/// Payments entered on day `day` (an index into the bounds passed in):
/// how many and their amount.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DayRow {
    pub day: i64,
    pub count: i64,
    pub total_cents: i64,
}

/// Payments entered in a period with one status and method; `today` is 1
/// for those entered today, 0 for the rest of the period.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatusRow {
    pub today: i64,
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
#[derive(Debug, Clone, PartialEq, Eq, Default)]
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
/// service passes each day's own local midnight instead (`$1` … `$31`), and
/// each day is one range `lo <= created_at < hi` of `payments_by_created`,
/// read as a covering index and added up on its own; the 30 ranges are one
/// statement (`UNION ALL`). Nothing is read outside the window, nothing is
/// evaluated per payment but the sums, and nothing is sorted. Payments still
/// being authorized are not payments yet, as in Payment History, so the
/// two agree.
///
/// Tried first, with 5,000,000 payments (200,000 in the window): the days
/// as a `VALUES` table joined to payments and grouped sorted every payment
/// of the window (SQLite 130 ms; PostgreSQL 225 ms, 130 of them JIT
/// compiling for its estimate of 16 million rows); the same days with a
/// correlated COUNT and SUM each read every range twice (SQLite 25 ms,
/// PostgreSQL 50 to 80 ms, its estimate near the JIT threshold). This:
/// SQLite 12 to 14 ms, PostgreSQL 35 to 45 ms.
fn by_day_sql(days: usize, shown: &DivisionScope) -> String {
    let only = shown.accounts_filter("account_id");
    (0..days)
        .map(|i| {
            format!(
                "SELECT CAST({i} AS BIGINT) AS day, COUNT(*) AS count, \
                 CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) AS total_cents \
                 FROM payments WHERE created_at >= ${} AND created_at < ${} AND status <> 'authorizing'{only}",
                i + 1,
                i + 2
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

impl Db {
    /// Payments entered in each day `bounds[i] <= created_at < bounds[i+1]`:
    /// one row per day (in no promised order: find a day by `day`).
    pub async fn payments_by_day(
        &self,
        bounds: &[i64],
        shown: &DivisionScope,
    ) -> Result<Vec<DayRow>, DbError> {
        if bounds.len() < 2 {
            return Ok(vec![]);
        }
        let sql = by_day_sql(bounds.len() - 1, shown);
        let rows = on_pool!(self, |pool| {
            let mut q = sqlx::query_as::<_, DayRow>(&sql);
            for b in bounds {
                q = q.bind(*b);
            }
            q.fetch_all(pool).await
        })?;
        Ok(rows)
    }

    /// Payments entered `from_ms <= created_at < until_ms` by status and
    /// method, those from `today_ms` on apart: today and this week in one
    /// range of `payments_by_created` (a week is at most 7 days of rows).
    pub async fn payments_by_status(
        &self,
        from_ms: i64,
        today_ms: i64,
        until_ms: i64,
        shown: &DivisionScope,
    ) -> Result<Vec<StatusRow>, DbError> {
        let sql = format!(
            "SELECT CAST(CASE WHEN created_at >= $2 THEN 1 ELSE 0 END AS BIGINT) AS today, \
             status, method_kind, COUNT(*) AS count, CAST(SUM(amount_cents) AS BIGINT) AS total_cents \
             FROM payments WHERE created_at >= $1 AND created_at < $3 AND status <> 'authorizing'{} \
             GROUP BY 1, status, method_kind ORDER BY 1, status, method_kind",
            shown.accounts_filter("account_id")
        );
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, StatusRow>(&sql)
                .bind(from_ms)
                .bind(today_ms)
                .bind(until_ms)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows)
    }

    /// Pending ACH payments waiting for the next file: read through the
    /// partial index `payments_pending` (method_kind, created_at WHERE
    /// status = 'pending'), which holds only payments in flight. A Pending
    /// ACH payment is never in a file (settlement makes it Processed in the
    /// same transaction); the NOT EXISTS keeps a debit already written to a
    /// file out of the count all the same (`ach_entries_one_debit`).
    pub async fn pending_ach(&self, shown: &DivisionScope) -> Result<PendingAchRow, DbError> {
        let sql = format!(
            "SELECT COUNT(*) AS count, CAST(COALESCE(SUM(p.amount_cents), 0) AS BIGINT) AS total_cents, \
             MIN(p.created_at) AS oldest_at \
             FROM payments p WHERE p.status = 'pending' AND p.method_kind = 'ach' \
             AND NOT EXISTS (SELECT 1 FROM ach_entries e WHERE e.payment_id = p.id AND e.action_id IS NULL){}",
            shown.accounts_filter("p.account_id")
        );
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, PendingAchRow>(&sql)
                .fetch_one(pool)
                .await
        })?;
        Ok(row)
    }

    /// ACH returns read `from_ms <= created_at < until_ms`
    /// (`ach_returns_by_time`), by outcome and code.
    pub async fn returns_between(
        &self,
        from_ms: i64,
        until_ms: i64,
        shown: &DivisionScope,
    ) -> Result<Vec<ReturnRow>, DbError> {
        // A return that matched no payment belongs to no division: only an
        // unnarrowed count has it.
        let sql = format!(
            "SELECT r.outcome, r.return_code, COUNT(*) AS count, \
             CAST(COALESCE(SUM(p.amount_cents), 0) AS BIGINT) AS total_cents \
             FROM ach_returns r LEFT JOIN payments p ON p.id = r.payment_id \
             WHERE r.created_at >= $1 AND r.created_at < $2{} \
             GROUP BY r.outcome, r.return_code ORDER BY r.outcome, r.return_code",
            shown.accounts_filter("p.account_id")
        );
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, ReturnRow>(&sql)
                .bind(from_ms)
                .bind(until_ms)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows)
    }

    /// Unpaid, active bills with something still due (as Aging counts
    /// them), due `today <= due_date <= far` (dates `YYYY-MM-DD`, which
    /// order as text), and those due by `near`: their count and what is
    /// still due. Two adjacent ranges of the covering partial index
    /// `bills_still_due` (status, active, due_date, …, amount_due_cents,
    /// paid_cents), added up apart: each bill is read once.
    pub async fn bills_due(
        &self,
        today: &str,
        near: &str,
        far: &str,
        shown: &DivisionScope,
    ) -> Result<BillsDueRow, DbError> {
        let only = shown.accounts_filter("account_id");
        let sql = format!(
            "SELECT CAST(0 AS BIGINT), COUNT(*), CAST(COALESCE(SUM(amount_due_cents - paid_cents), 0) AS BIGINT) FROM bills \
             WHERE status = 'unpaid' AND active = TRUE AND amount_due_cents > paid_cents AND due_date >= $1 AND due_date <= $2{only} \
             UNION ALL \
             SELECT CAST(1 AS BIGINT), COUNT(*), CAST(COALESCE(SUM(amount_due_cents - paid_cents), 0) AS BIGINT) FROM bills \
             WHERE status = 'unpaid' AND active = TRUE AND amount_due_cents > paid_cents AND due_date > $2 AND due_date <= $3{only}"
        );
        let parts: Vec<(i64, i64, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(today)
                .bind(near)
                .bind(far)
                .fetch_all(pool)
                .await
        })?;
        let part = |n: i64| {
            parts
                .iter()
                .find(|p| p.0 == n)
                .map_or((0, 0), |p| (p.1, p.2))
        };
        let (near_count, near_cents) = part(0);
        let (rest_count, rest_cents) = part(1);
        Ok(BillsDueRow {
            near_count,
            near_cents,
            far_count: near_count + rest_count,
            far_cents: near_cents + rest_cents,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_day_is_bounded_by_its_own_two_midnights() {
        let sql = super::by_day_sql(2, &crate::domain::division::DivisionScope::All);
        assert!(sql.contains("CAST(0 AS BIGINT) AS day"));
        assert!(sql.contains(
            "WHERE created_at >= $1 AND created_at < $2 AND status <> 'authorizing' UNION ALL"
        ));
        assert!(
            sql.ends_with("WHERE created_at >= $2 AND created_at < $3 AND status <> 'authorizing'")
        );
        assert!(
            !sql.contains("GROUP BY"),
            "no sort of the window's payments"
        );
    }
}
