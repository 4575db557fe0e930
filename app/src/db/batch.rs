//! Set-based writes for jobs that change thousands of rows at once (the
//! plans' scheduler, settlement). Each statement takes its rows as one JSON
//! array parameter (see [`super::from_json`]), so a page of 500 payments is a
//! handful of statements instead of a dozen per payment: on SQLite every
//! statement is a hand-off to sqlx's worker thread, and on PostgreSQL a
//! round trip, and those, not the writes, bounded a day of 100,000 plans.
//! Plain inserts go through [`super::Bulk`] (`insert_rows!`), which on
//! SQLite steps one prepared statement per row instead.

use super::audit::AuditEntry;
use super::{Backend, from_json};

/// A payment_status_history row: payment, at, from (none for the first
/// line), to, actor, reason.
pub(crate) type HistoryRow = (
    i64,
    i64,
    Option<&'static str>,
    &'static str,
    String,
    Option<String>,
);

pub(crate) const HISTORY_INTO: &str =
    "INSERT INTO payment_status_history (payment_id, at, from_status, to_status, actor, reason)";
pub(crate) const HISTORY_TYPES: &[&str] = &["bigint", "bigint", "text", "text", "text", "text"];

/// An audit_log row for [`insert_audits!`]: the columns of
/// [`super::audit::INSERT_AUDIT`], then the entry's division and account.
pub(crate) type AuditRow<'a> = (
    i64,
    Option<i64>,
    Option<&'a str>,
    &'static str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<i64>,
    Option<i64>,
);

const AUDIT_TYPES: &[&str] = &[
    "bigint", "bigint", "text", "text", "text", "text", "text", "text", "bigint", "bigint",
];

/// The set-based [`super::audit::INSERT_AUDIT`]: each row's division is
/// the one it names, else its account's as the rows are written.
pub(crate) fn audit_insert(backend: Backend) -> String {
    format!(
        "{}INSERT INTO audit_log \
         (at, actor_id, actor_login, action, object, before_json, after_json, ip, division_id) \
         SELECT at, actor_id, actor_login, action, object, before_json, after_json, ip, \
         COALESCE(division, (SELECT a.division_id FROM accounts a WHERE a.id = v.account)) FROM v",
        with_rows(
            backend,
            "at, actor_id, actor_login, action, object, before_json, after_json, ip, division, account",
            AUDIT_TYPES
        )
    )
}

pub(crate) fn audit_row<'a>(e: &AuditEntry<'a>) -> AuditRow<'a> {
    (
        e.at,
        e.actor_id,
        e.actor_login,
        e.action.code(),
        e.object,
        e.before,
        e.after,
        e.ip,
        e.division,
        e.account,
    )
}

/// Inserts `$rows` ([`AuditRow`]s) `WRITE_BATCH` at a time, as `insert_rows!`.
macro_rules! insert_audits {
    ($tx:ident, $backend:expr, $rows:expr) => {
        $crate::db::insert_rows!($tx, sql = $crate::db::batch::audit_insert($backend), $rows)
    };
}
pub(crate) use insert_audits;

/// A notices row for a payment's notice: payment, kind, once key, to, at.
pub(crate) type NoticeRow = (i64, &'static str, String, String, i64);

pub(crate) const NOTICE_INTO: &str =
    "INSERT INTO notices (payment_id, kind, once_key, to_email, next_attempt_at, status)";
pub(crate) const NOTICE_TYPES: &[&str] = &["bigint", "text", "text", "text", "bigint"];

/// `WITH v(columns) AS MATERIALIZED (the rows of the JSON array at $1) `:
/// the start of a set-based `UPDATE … FROM v`, which both engines accept.
/// Materialized, so that SQLite reads the JSON once and then looks each
/// row up by its key, rather than reading the JSON again for every row of
/// the table it updates.
pub(crate) fn with_rows(backend: Backend, columns: &str, types: &[&str]) -> String {
    format!(
        "WITH v({columns}) AS MATERIALIZED ({}) ",
        from_json(backend, 1, types, "")
    )
}

/// `column` for a guard no index should serve: the rows are found by
/// their keys, and the guard is checked on each. Both planners otherwise
/// take a partial index on a status (`payments_scheduled`,
/// `payments_authorizing`: every such payment) over the keys: SQLite for
/// want of statistics, PostgreSQL on statistics taken before the day's
/// payments were made, and so read 100,000 Scheduled payments for each
/// page of 1,000 started. An expression on the column matches no index.
pub(crate) fn unindexed(column: &str) -> String {
    format!("COALESCE({column}, '')")
}

/// Inserts notices rows as queued (see [`NoticeRow`]).
macro_rules! insert_notices {
    ($tx:ident, $backend:expr, $rows:expr) => {
        $crate::db::insert_rows!(
            $tx,
            $crate::db::batch::NOTICE_INTO,
            $crate::db::batch::NOTICE_TYPES,
            $rows,
            extra = ", 'queued'"
        )
    };
}
pub(crate) use insert_notices;

/// Adds to many rows' integer column at once: `$rows` are (id, delta)
/// with each id once; `$table.$column`, and `updated_at` when `$at` is
/// given. One statement a thousand rows, where a loop made one a row.
macro_rules! add_to_rows {
    ($tx:ident, $backend:expr, $table:literal, $column:literal, $rows:expr) => {
        $crate::db::batch::add_to_rows!(@run $tx, $backend, $table, $column, "", None::<i64>, $rows)
    };
    ($tx:ident, $backend:expr, $table:literal, $column:literal, $rows:expr, at = $at:expr) => {
        $crate::db::batch::add_to_rows!(@run $tx, $backend, $table, $column, ", updated_at = $2", Some($at), $rows)
    };
    (@run $tx:ident, $backend:expr, $table:literal, $column:literal, $extra:literal, $at:expr, $rows:expr) => {
        async {
            let sql = format!(
                "{}UPDATE {t} SET {c} = {c} + v.delta{} FROM v WHERE {t}.id = v.row_id",
                $crate::db::batch::with_rows($backend, "row_id, delta", &["bigint", "bigint"]),
                $extra,
                t = $table,
                c = $column,
            );
            let rows: &[(i64, i64)] = $rows;
            let at: Option<i64> = $at;
            for chunk in rows.chunks($crate::db::WRITE_BATCH) {
                let query = sqlx::query(&sql).bind($crate::db::json(&chunk)?);
                match at {
                    Some(at) => query.bind(at),
                    None => query,
                }
                .execute(&mut *$tx)
                .await?;
            }
            Ok::<(), sqlx::Error>(())
        }
        .await
    };
}
pub(crate) use add_to_rows;
