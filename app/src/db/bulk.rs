//! A job's bulk reads and writes inside its transaction, each engine its
//! fastest way: on PostgreSQL a batch of rows is one JSON parameter (a
//! round trip per `WRITE_BATCH` rows, not per row), on SQLite, which has no
//! round trips, a prepared statement stepped once per row on the
//! connection's own handle (`sqlite_rows`), which spares sqlx's hand-off of
//! every row and SQLite's parse of the JSON once per column.
//!
//! A transaction's body is compiled once per engine (`in_tx!`), so the
//! connection's type picks the way.

use super::sqlite_rows;
use super::{Backend, DbError, WRITE_BATCH, from_json, json};
use crate::db::reports::Val;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgConnection, SqliteConnection};
use std::future::Future;

pub(crate) trait Bulk {
    /// Inserts `rows` (tuples in the column order of `into`, an
    /// `INSERT INTO t (columns)`, typed `types` for PostgreSQL); `extra`:
    /// constant values after the row's (`", 'queued'"`), for `into`'s last
    /// columns.
    ///
    /// Plain inserts only, on purpose: on SQLite a statement with
    /// `ON CONFLICT … DO UPDATE` or `RETURNING` keeps a statement journal,
    /// so stepped once per row it copies every page it touches for every
    /// row. The import tried this way took 1.8 times as long as with its
    /// JSON batches (docs/benchmarks.md, under the import goal).
    fn insert_rows<T: Serialize + Sync>(
        &mut self,
        into: &str,
        types: &[&str],
        extra: &str,
        rows: &[T],
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

    /// Every row of `sql`, whose one parameter `$1` is `param`, as a `T`
    /// (its fields matched to the columns by name).
    fn fetch_rows<T>(
        &mut self,
        sql: &str,
        param: &str,
    ) -> impl Future<Output = Result<Vec<T>, sqlx::Error>> + Send
    where
        T: DeserializeOwned + for<'r> FromRow<'r, PgRow> + Send + Unpin;
}

fn sqlx_error(e: DbError) -> sqlx::Error {
    match e {
        DbError::Sqlx(e) => e,
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

impl Bulk for SqliteConnection {
    async fn insert_rows<T: Serialize + Sync>(
        &mut self,
        into: &str,
        types: &[&str],
        extra: &str,
        rows: &[T],
    ) -> Result<(), sqlx::Error> {
        let params: Vec<String> = (1..=types.len()).map(|i| format!("?{i}")).collect();
        let sql = format!("{into} VALUES ({}{extra})", params.join(", "));
        sqlite_rows::insert_each(self, &sql, rows)
            .await
            .map_err(sqlx_error)
    }

    async fn fetch_rows<T>(&mut self, sql: &str, param: &str) -> Result<Vec<T>, sqlx::Error>
    where
        T: DeserializeOwned + for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        sqlite_rows::fetch_all(self, sql, &[Val::Text(param.to_string())])
            .await
            .map_err(sqlx_error)
    }
}

impl Bulk for PgConnection {
    async fn insert_rows<T: Serialize + Sync>(
        &mut self,
        into: &str,
        types: &[&str],
        extra: &str,
        rows: &[T],
    ) -> Result<(), sqlx::Error> {
        let sql = format!("{into} {}", from_json(Backend::Postgres, 1, types, extra));
        for chunk in rows.chunks(WRITE_BATCH) {
            sqlx::query(&sql)
                .bind(json(&chunk)?)
                .execute(&mut *self)
                .await?;
        }
        Ok(())
    }

    async fn fetch_rows<T>(&mut self, sql: &str, param: &str) -> Result<Vec<T>, sqlx::Error>
    where
        T: DeserializeOwned + for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        sqlx::query_as::<_, T>(sql)
            .bind(param)
            .fetch_all(self)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    const INTO: &str = "INSERT INTO t (k, n, flag, note, state)";
    const TYPES: &[&str] = &["text", "bigint", "boolean", "text"];

    async fn sqlite() -> (tempfile::TempDir, sqlx::SqlitePool) {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let Db::Sqlite(pool) = Db::connect(&url).await.expect("open") else {
            unreachable!("a sqlite:// URL opens SQLite")
        };
        sqlx::query(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, n BIGINT, \
             flag BOOLEAN NOT NULL, note TEXT, state TEXT NOT NULL)",
        )
        .execute(&pool)
        .await
        .expect("table");
        (dir, pool)
    }

    #[derive(Debug, PartialEq, serde::Deserialize, sqlx::FromRow)]
    struct Back {
        k: String,
        n: Option<i64>,
        flag: i64,
        note: Option<String>,
        state: String,
    }

    /// Writes two rows worth reading back and `filler` more, and reads the two.
    async fn round_trip(pool: &sqlx::SqlitePool, filler: usize) {
        let mut rows: Vec<(String, Option<i64>, bool, Option<String>)> = vec![
            (
                "a".into(),
                Some(-12_345_678_901),
                true,
                Some("Zoë's ☃ \"bill\"".into()),
            ),
            ("b".into(), None, false, None),
        ];
        rows.extend((0..filler).map(|i| (format!("f{i}"), Some(1), true, None)));
        let mut tx = pool.begin().await.expect("begin");
        tx.insert_rows(INTO, TYPES, ", 'queued'", &rows)
            .await
            .expect("insert");
        let back: Vec<Back> = tx
            .fetch_rows(
                "SELECT k, n, flag, note, state FROM t WHERE k NOT LIKE $1 ORDER BY id",
                "f%",
            )
            .await
            .expect("read");
        tx.commit().await.expect("commit");
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(pool)
            .await
            .expect("count");
        assert_eq!(count, 2 + filler as i64);
        assert_eq!(
            back,
            vec![
                Back {
                    k: "a".into(),
                    n: Some(-12_345_678_901),
                    flag: 1,
                    note: Some("Zoë's ☃ \"bill\"".into()),
                    state: "queued".into(),
                },
                Back {
                    k: "b".into(),
                    n: None,
                    flag: 0,
                    note: None,
                    state: "queued".into(),
                },
            ]
        );
    }

    #[tokio::test]
    async fn sqlite_rows_go_in_and_come_back_as_written() {
        let (_dir, pool) = sqlite().await;
        round_trip(&pool, 0).await;
    }

    // The server's runtime: a long write tells it that it blocks.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_rows_go_in_on_a_multi_threaded_runtime_too() {
        let (_dir, pool) = sqlite().await;
        round_trip(&pool, 1000).await;
    }

    /// Why inserting `rows` into a fresh table fails.
    async fn refusal<T: Serialize + Sync>(rows: &[T]) -> sqlx::Error {
        let (_dir, pool) = sqlite().await;
        let mut tx = pool.begin().await.expect("begin");
        tx.insert_rows(INTO, TYPES, ", 'queued'", rows)
            .await
            .expect_err("the rows are refused")
    }

    #[tokio::test]
    async fn a_unique_key_refusing_a_row_is_reported_as_one() {
        let e = refusal(&[("a", 1i64, true, "x"), ("a", 2, true, "y")]).await;
        assert!(DbError::Sqlx(e).is_unique_violation());
    }

    #[tokio::test]
    async fn a_fraction_is_refused_not_rounded() {
        let e = refusal(&[("a", 1.5f64, true, "x")]).await;
        assert!(e.to_string().contains("1.5 is not a whole number"), "{e}");
    }

    #[tokio::test]
    async fn a_row_of_the_wrong_length_is_refused() {
        let e = refusal(&[("a", 1i64, true)]).await;
        assert!(e.to_string().contains("3 fields for 4 parameters"), "{e}");
    }

    #[tokio::test]
    async fn a_read_refuses_what_it_would_misread() {
        let (_dir, pool) = sqlite().await;
        let mut tx = pool.begin().await.expect("begin");
        tx.insert_rows(INTO, TYPES, ", 'queued'", &[("a", 1i64, true, "x")])
            .await
            .expect("insert");
        // A fraction is not read as a whole number, nor as nothing.
        let e = tx
            .fetch_rows::<Back>(
                "SELECT k, n / 2.0 AS n, flag, note, state FROM t WHERE k = $1",
                "a",
            )
            .await
            .expect_err("n is REAL");
        assert!(e.to_string().contains("not a whole number or text"), "{e}");
        // Columns are matched by name, not by place.
        let back: Vec<Back> = tx
            .fetch_rows("SELECT state, note, flag, n, k FROM t WHERE k = $1", "a")
            .await
            .expect("read");
        assert_eq!(back[0].k, "a");
        assert_eq!(back[0].state, "queued");
    }
}
