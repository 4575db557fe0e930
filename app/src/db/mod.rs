//! The repository: one interface over SQLite (embedded default) and
//! PostgreSQL (production). Queries are written once in SQL both engines
//! accept (`$1` placeholders, `RETURNING`, `ON CONFLICT`, BIGINT everywhere)
//! and run against whichever pool `DATABASE_URL` selected.

pub mod account_edit;
pub mod account_import;
pub mod accounts;
pub mod approvals;
pub mod audit;
pub mod backup;
pub(crate) mod batch;
pub mod biller_profile;
pub mod bills;
mod bulk;
pub mod categories;
pub mod divisions;
pub mod entitlements;
pub mod fees;
pub mod home;
pub mod journal;
pub mod key_rotation;
pub mod lifecycle;
pub mod migrations;
pub mod notices;
pub mod password_reset;
pub mod payer_accounts;
pub mod payer_reset;
pub mod payment_links;
pub mod payments;
pub mod plans;
pub mod reconciliation;
pub mod reports;
#[cfg(test)]
mod rolling_upgrade;
pub mod saved_methods;
pub mod sessions;
pub mod settlement;
pub mod single_runner;
mod sqlite_rows;
pub mod throttle;
pub mod upload_chunks;
pub mod upload_progress;
pub mod uploads;
pub mod user_admin;
pub mod users;

pub(crate) use bulk::Bulk;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL must start with sqlite:// or postgres:// (got {0:?})")]
    UnsupportedUrl(String),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    UnknownCode(#[from] crate::domain::UnknownCode),
}

impl DbError {
    /// True when a UNIQUE constraint refused the write: the database telling
    /// us this thing already exists.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, DbError::Sqlx(sqlx::Error::Database(e)) if e.is_unique_violation())
    }

    /// The database's SQLSTATE (PostgreSQL) or result code (SQLite).
    pub fn sql_state(&self) -> Option<String> {
        match self {
            DbError::Sqlx(sqlx::Error::Database(e)) => e.code().map(|c| c.into_owned()),
            _ => None,
        }
    }
}

/// `SELECT` of each row of a JSON array of arrays bound at `$param`: column
/// `i` of the row as `types[i]`, then `extra` (more select items).
pub(crate) fn from_json(backend: Backend, param: usize, types: &[&str], extra: &str) -> String {
    let cols: Vec<String> = match backend {
        Backend::Sqlite => (0..types.len()).map(|i| format!("j.value->>{i}")).collect(),
        Backend::Postgres => types
            .iter()
            .enumerate()
            .map(|(i, t)| format!("(j->>{i})::{t}"))
            .collect(),
    };
    let source = match backend {
        Backend::Sqlite => format!("json_each(${param}) j"),
        Backend::Postgres => format!("jsonb_array_elements(${param}::jsonb) j"),
    };
    // WHERE: SQLite reads `SELECT … ON CONFLICT` as a join without it.
    format!("SELECT {}{extra} FROM {source} WHERE true", cols.join(", "))
}

pub(crate) fn json<T: serde::Serialize>(rows: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(rows).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// Rows per statement when a job writes many rows at once (settlement's
/// history rows, journal entries and ACH entries).
pub(crate) const WRITE_BATCH: usize = 1000;

/// Inserts `$rows` (tuples in the column order of `$into`, typed `$types`
/// for PostgreSQL) the fastest way the transaction's engine has
/// ([`Bulk::insert_rows`]): a statement per row through sqlx made settling
/// 100,000 payments take 10 s on SQLite and 42 s on PostgreSQL. `extra`:
/// constant values after the row's (", 'queued'"), for `$into`'s last
/// columns.
macro_rules! insert_rows {
    // A whole statement whose only parameter ($1) is the JSON array (an
    // `INSERT … SELECT` that looks up more than the rows give).
    ($tx:ident, sql = $sql:expr, $rows:expr) => {
        async {
            let sql: String = $sql;
            for chunk in $rows.chunks($crate::db::WRITE_BATCH) {
                sqlx::query(&sql)
                    .bind($crate::db::json(&chunk)?)
                    .execute(&mut *$tx)
                    .await?;
            }
            Ok::<(), sqlx::Error>(())
        }
        .await
    };
    ($tx:ident, $into:expr, $types:expr, $rows:expr) => {
        $crate::db::insert_rows!($tx, $into, $types, $rows, extra = "")
    };
    ($tx:ident, $into:expr, $types:expr, $rows:expr, extra = $extra:expr) => {
        $crate::db::Bulk::insert_rows(&mut *$tx, $into, $types, $extra, &$rows).await
    };
}
pub(crate) use insert_rows;

/// Runs `$body` once with `$pool` bound to the active backend's pool. The body
/// is compiled for each backend, so it must use SQL both understand.
macro_rules! on_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Runs `$body` inside one write transaction and commits it when the body
/// reaches its end. SQLite starts with `BEGIN IMMEDIATE` so two writers
/// queue on the busy timeout instead of one failing when it upgrades its lock.
///
/// **Any early exit rolls back**: a `?` and also a `return Ok(..)` leave the
/// enclosing function before the commit, and the dropped transaction rolls
/// back. That is what the guarded writes here want ("the guard did not hold:
/// nothing to do, write nothing"), so a body returns early only before it
/// has written anything it means to keep; to keep writes and stop, end the
/// body with the value instead. Tested below
/// (`an_early_return_rolls_back_even_with_ok`).
macro_rules! in_tx {
    ($db:expr, |$tx:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite(pool) => {
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::db::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}
pub(crate) use in_tx;

/// Runs one guarded UPDATE (`$query`, binds included) and, only if it
/// changed exactly one row, writes `$entry` to the audit log, in one
/// transaction. Evaluates to whether it changed the row: false means the
/// guard did not hold (already done, or done by someone else first).
macro_rules! update_audited {
    ($db:expr, $entry:expr, $query:expr) => {{
        let done = $crate::db::in_tx!($db, |tx| {
            let n = $query.execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                $crate::db::audit::write_audit!(&mut *tx, *$entry)?;
            }
            n == 1
        });
        Ok::<bool, $crate::db::DbError>(done)
    }};
}
pub(crate) use update_audited;

/// A pooled PostgreSQL connection idle this long is pinged before use.
const PING_AFTER_IDLE: Duration = Duration::from_secs(10);

impl Db {
    /// Connects to `url`, creating the SQLite file (and its folder) if needed.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            if let Some(dir) = opts.get_filename().parent()
                && !dir.as_os_str().is_empty()
            {
                // New folders only for the server's user (the default,
                // ./data, also holds the key and the ACH files); an
                // existing folder the operator chose is left as it is.
                let mut builder = std::fs::DirBuilder::new();
                builder.recursive(true);
                #[cfg(unix)]
                std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
                builder.create(dir).map_err(sqlx::Error::Io)?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(15))
                // An embedded file: a pooled connection cannot have gone
                // away, so no ping (a round trip to sqlx's thread) before
                // each use.
                .test_before_acquire(false)
                .connect_with(opts)
                .await?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(15))
                // sqlx pings a pooled connection before every use by
                // default: a round trip per statement on the request's path
                // (it pings again as the connection goes back, off that
                // path). Only one that sat idle for a while is pinged
                // first (a restart or a proxy's idle cut shows there); one
                // in steady use would fail its statement either way.
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for >= PING_AFTER_IDLE {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                })
                .connect_with(opts)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(DbError::UnsupportedUrl(url.chars().take(20).collect()))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// `column` is one of `ids`, with the list bound as the one parameter
    /// `$param` (returned as the value to bind). The statement's text is then
    /// the same whatever the list, so each connection prepares it once; ids
    /// spelled into the text made every search a new statement to parse and
    /// plan, which cost more than the lookup itself.
    pub(crate) fn in_ids(&self, column: &str, param: usize, ids: &[i64]) -> (String, String) {
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        match self.backend() {
            Backend::Sqlite => (
                format!("{column} IN (SELECT value FROM json_each(${param}))"),
                format!("[{list}]"),
            ),
            Backend::Postgres => (
                format!("{column} = ANY(CAST(${param} AS BIGINT[]))"),
                format!("{{{list}}}"),
            ),
        }
    }

    /// The readiness probe: one round trip to the database.
    pub async fn ping(&self) -> Result<(), DbError> {
        on_pool!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }

    /// The pool's connections now: read from the pool, no query.
    pub fn pool_stats(&self) -> PoolStats {
        on_pool!(self, |pool| {
            let size = pool.size();
            let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX).min(size);
            PoolStats {
                size,
                idle,
                in_use: size - idle,
                max: pool.options().get_max_connections(),
            }
        })
    }
}

/// See [`Db::pool_stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open (idle or in use).
    pub size: u32,
    pub idle: u32,
    pub in_use: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// Milliseconds since the Unix epoch, UTC: how every timestamp is stored, so
/// both engines compare and index them the same way.
pub fn now_ms() -> i64 {
    crate::domain::time::Timestamp::now().millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn write_then(db: &Db, keep: bool) -> Result<&'static str, DbError> {
        let out = in_tx!(db, |tx| {
            sqlx::query("INSERT INTO t (v) VALUES (1)")
                .execute(&mut *tx)
                .await?;
            if !keep {
                return Ok("returned early");
            }
            "reached the end"
        });
        Ok(out)
    }

    #[tokio::test]
    async fn an_early_return_rolls_back_even_with_ok() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let db = Db::connect(&url).await.expect("open");
        on_pool!(&db, |pool| {
            sqlx::query("CREATE TABLE t (v INTEGER)")
                .execute(pool)
                .await
                .expect("table");
        });
        let count = || async {
            on_pool!(&db, |pool| {
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM t")
                    .fetch_one(pool)
                    .await
                    .expect("count")
            })
        };
        assert_eq!(write_then(&db, false).await.ok(), Some("returned early"));
        assert_eq!(count().await, 0, "the early return rolled the insert back");
        assert_eq!(write_then(&db, true).await.ok(), Some("reached the end"));
        assert_eq!(count().await, 1, "reaching the end committed it");
    }
}
