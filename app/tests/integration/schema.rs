//! The schema itself: the SQLite and PostgreSQL migrations build the same
//! tables, columns, indexes and constraints, and databases made from an
//! earlier checkout (with 0004 and 0008 as they were once edited) still
//! migrate to the same schema as a new one.

use crate::support::{self, TestDb};
use app::db::Db;
use app::db::migrations::migrator;
use sqlx::migrate::{Migration, Migrator};
use std::borrow::Cow;
use std::collections::BTreeSet;

/// One engine's schema, reduced to what both engines can state alike.
#[derive(Debug, Default, PartialEq, Eq)]
struct Schema {
    /// (table, column, mapped type, not null)
    columns: BTreeSet<(String, String, &'static str, bool)>,
    /// (table, columns or "<expr>", unique, partial); the name too for an
    /// index made by CREATE INDEX (constraint indexes are named by each
    /// engine its own way).
    indexes: BTreeSet<(String, Option<String>, String, bool, bool)>,
    /// (table, column, referenced table, referenced column)
    foreign_keys: BTreeSet<(String, String, String, String)>,
    /// (table, number of CHECK constraints)
    checks: BTreeSet<(String, usize)>,
}

fn mapped(ty: &str) -> &'static str {
    match ty.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int8" | "int4" => "int",
        "text" | "character varying" => "text",
        "boolean" | "bool" => "bool",
        _ => "other",
    }
}

/// `CHECK (` clauses in a CREATE TABLE text, comments left out.
fn count_checks(sql: &str) -> usize {
    let code: String = sql
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
        .to_ascii_uppercase();
    code.match_indices("CHECK")
        .filter(|(i, _)| code[i + 5..].trim_start().starts_with('('))
        .count()
}

async fn describe(db: &Db) -> Schema {
    let mut s = Schema::default();
    match db {
        Db::Sqlite(pool) => {
            let tables: Vec<(String, String)> = sqlx::query_as(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
            )
            .fetch_all(pool)
            .await
            .expect("tables");
            for (table, sql) in tables {
                let cols: Vec<(String, String, bool, i64)> =
                    sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)")
                        .bind(&table)
                        .fetch_all(pool)
                        .await
                        .expect("columns");
                for (name, ty, notnull, pk) in cols {
                    s.columns
                        .insert((table.clone(), name, mapped(&ty), notnull || pk > 0));
                }
                let idx: Vec<(String, bool, String, bool)> = sqlx::query_as(
                    "SELECT name, \"unique\", origin, partial FROM pragma_index_list($1)",
                )
                .bind(&table)
                .fetch_all(pool)
                .await
                .expect("indexes");
                for (name, unique, origin, partial) in idx {
                    let cols: Vec<(Option<String>,)> =
                        sqlx::query_as("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                            .bind(&name)
                            .fetch_all(pool)
                            .await
                            .expect("index columns");
                    let cols = cols
                        .into_iter()
                        .map(|(c,)| c.unwrap_or_else(|| "<expr>".into()))
                        .collect::<Vec<_>>()
                        .join(",");
                    let named = (origin == "c").then_some(name);
                    s.indexes
                        .insert((table.clone(), named, cols, unique, partial));
                }
                // A single-column INTEGER PRIMARY KEY is the rowid, no index:
                // PostgreSQL's primary key index is matched by hand.
                let rowid_pk: Vec<(String,)> = sqlx::query_as(
                    "SELECT name FROM pragma_table_info($1) WHERE pk = 1 \
                     AND upper(type) = 'INTEGER' AND (SELECT COUNT(*) FROM pragma_table_info($1) WHERE pk > 0) = 1",
                )
                .bind(&table)
                .fetch_all(pool)
                .await
                .expect("rowid");
                for (col,) in rowid_pk {
                    s.indexes.insert((table.clone(), None, col, true, false));
                }
                let fks: Vec<(String, String, Option<String>)> = sqlx::query_as(
                    "SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list($1)",
                )
                .bind(&table)
                .fetch_all(pool)
                .await
                .expect("foreign keys");
                for (to_table, from, to) in fks {
                    s.foreign_keys.insert((
                        table.clone(),
                        from,
                        to_table,
                        to.unwrap_or_else(|| "id".into()),
                    ));
                }
                s.checks.insert((table.clone(), count_checks(&sql)));
            }
        }
        Db::Postgres(pool) => {
            let cols: Vec<(String, String, String, bool)> = sqlx::query_as(
                "SELECT table_name::text, column_name::text, data_type::text, is_nullable = 'NO' \
                 FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
            )
            .fetch_all(pool)
            .await
            .expect("columns");
            for (table, name, ty, notnull) in cols {
                s.columns.insert((table, name, mapped(&ty), notnull));
            }
            let idx: Vec<(String, String, String, bool, bool, bool)> = sqlx::query_as(
                "SELECT t.relname::text, i.relname::text, \
                   COALESCE((SELECT string_agg(COALESCE(a.attname::text, '<expr>'), ',' ORDER BY k.n) \
                     FROM unnest(x.indkey) WITH ORDINALITY AS k(att, n) \
                     LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.att AND k.att <> 0), ''), \
                   x.indisunique, x.indpred IS NOT NULL, \
                   EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) \
                 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
                 JOIN pg_namespace ns ON ns.oid = t.relnamespace \
                 WHERE ns.nspname = 'public' AND t.relname <> '_sqlx_migrations'",
            )
            .fetch_all(pool)
            .await
            .expect("indexes");
            for (table, name, cols, unique, partial, constraint) in idx {
                let named = (!constraint).then_some(name);
                s.indexes.insert((table, named, cols, unique, partial));
            }
            let fks: Vec<(String, String, String, String)> = sqlx::query_as(
                "SELECT t.relname::text, a.attname::text, r.relname::text, ra.attname::text \
                 FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid \
                 JOIN pg_namespace ns ON ns.oid = t.relnamespace \
                 CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, rcol) \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.col \
                 JOIN pg_attribute ra ON ra.attrelid = r.oid AND ra.attnum = k.rcol \
                 WHERE c.contype = 'f' AND ns.nspname = 'public'",
            )
            .fetch_all(pool)
            .await
            .expect("foreign keys");
            s.foreign_keys.extend(fks);
            let checks: Vec<(String, i64)> = sqlx::query_as(
                "SELECT t.relname::text, (SELECT COUNT(*) FROM pg_constraint c WHERE c.conrelid = t.oid AND c.contype = 'c') \
                 FROM pg_class t JOIN pg_namespace ns ON ns.oid = t.relnamespace \
                 WHERE ns.nspname = 'public' AND t.relkind = 'r' AND t.relname <> '_sqlx_migrations'",
            )
            .fetch_all(pool)
            .await
            .expect("checks");
            s.checks
                .extend(checks.into_iter().map(|(t, n)| (t, n as usize)));
        }
    }
    s
}

/// Differences, one per line, for a readable failure.
fn diff(a: &Schema, b: &Schema) -> Vec<String> {
    fn side<T: Ord + std::fmt::Debug>(
        what: &str,
        a: &BTreeSet<T>,
        b: &BTreeSet<T>,
        out: &mut Vec<String>,
    ) {
        out.extend(
            a.difference(b)
                .map(|x| format!("{what} only in the first: {x:?}")),
        );
        out.extend(
            b.difference(a)
                .map(|x| format!("{what} only in the second: {x:?}")),
        );
    }
    let mut out = Vec::new();
    side("column", &a.columns, &b.columns, &mut out);
    side("index", &a.indexes, &b.indexes, &mut out);
    side("foreign key", &a.foreign_keys, &b.foreign_keys, &mut out);
    side("checks", &a.checks, &b.checks, &mut out);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_schemas_are_the_same() {
    let lite = support::sqlite().await;
    let Some(pg) = support::postgres().await else {
        lite.finish().await;
        return;
    };
    let (a, b) = (describe(&lite.db).await, describe(&pg.db).await);
    assert!(
        a.columns.len() > 100,
        "the description reads the schema: {} columns",
        a.columns.len()
    );
    let d = diff(&a, &b);
    lite.finish().await;
    pg.finish().await;
    assert!(
        d.is_empty(),
        "SQLite (first) and PostgreSQL (second) differ:\n{}",
        d.join("\n")
    );
}

/// The migrations as an earlier checkout shipped them: versions up to
/// `upto`, with 0004 and 0008 replaced by `edited` texts where given.
fn earlier(db: &Db, upto: i64, edited: bool) -> Migrator {
    let engine = match db {
        Db::Sqlite(_) => "sqlite",
        Db::Postgres(_) => "postgres",
    };
    let mut list: Vec<Migration> = migrator(db.backend())
        .iter()
        .filter(|m| m.version <= upto)
        .cloned()
        .collect();
    list.sort_by_key(|m| m.version);
    if edited {
        for m in &mut list {
            let file = match m.version {
                4 => "0004_lifecycle.sql",
                8 => "0008_uploads.sql",
                _ => continue,
            };
            let path = format!(
                "{}/tests/fixtures/legacy-migrations/{engine}/{file}",
                env!("CARGO_MANIFEST_DIR")
            );
            let sql = std::fs::read_to_string(&path).expect("fixture");
            *m = Migration::new(
                m.version,
                m.description.clone(),
                m.migration_type,
                Cow::Owned(sql),
                false,
            );
        }
    }
    Migrator {
        migrations: Cow::Owned(list),
        ..Migrator::DEFAULT
    }
}

async fn run(m: &Migrator, db: &Db) {
    match db {
        Db::Sqlite(p) => m.run(p).await.expect("earlier migrations"),
        Db::Postgres(p) => m.run(p).await.expect("earlier migrations"),
    }
}

/// A fresh database of the same engine as `t`, with every migration.
async fn fresh_like(t: &TestDb) -> Option<TestDb> {
    match t.db {
        Db::Sqlite(_) => Some(support::sqlite().await),
        Db::Postgres(_) => support::postgres().await,
    }
}

/// An empty database of the same engine: the test support migrates, so its
/// schema is dropped first.
async fn empty(t: &TestDb) {
    match &t.db {
        Db::Sqlite(p) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(p)
            .await
            .expect("tables");
            sqlx::query("PRAGMA foreign_keys = OFF")
                .execute(p)
                .await
                .expect("pragma");
            for table in tables {
                sqlx::query(&format!("DROP TABLE \"{table}\""))
                    .execute(p)
                    .await
                    .expect("drop");
            }
            sqlx::query("PRAGMA foreign_keys = ON")
                .execute(p)
                .await
                .expect("pragma");
        }
        Db::Postgres(p) => {
            for sql in ["DROP SCHEMA public CASCADE", "CREATE SCHEMA public"] {
                sqlx::query(sql).execute(p).await.expect("reset schema");
            }
        }
    }
}

async fn upgrades_to_the_fresh_schema(t: &TestDb, upto: i64, edited: bool) {
    empty(t).await;
    run(&earlier(&t.db, upto, edited), &t.db).await;
    // A row in each upload table survives the SQLite rebuild of 0014.
    let staff = "INSERT INTO staff_users (login, email, role, password_hash, password_changed_at, created_at) \
                 VALUES ('u1', 'u1@example.com', 'admin', 'x', 0, 0)";
    let upload = "INSERT INTO uploads (id, kind, file_name, size_bytes, sha256, uploaded_by, uploaded_at, status) \
                  VALUES (7, 'accounts', 'a.csv', 1, 'h', 1, 0, 'previewed')";
    let error = "INSERT INTO upload_errors (upload_id, seq, line, column_name, reason) VALUES (7, 1, 2, 'c', 'r')";
    if upto >= 8 {
        for sql in [staff, upload, error] {
            match &t.db {
                Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
                Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
            }
            .expect("seed row");
        }
    }
    t.db.migrate().await.expect("an earlier database migrates");
    t.db.migrate()
        .await
        .expect("and migrating again is a no-op");
    let fresh = fresh_like(t).await.expect("same engine");
    let d = diff(&describe(&t.db).await, &describe(&fresh.db).await);
    fresh.finish().await;
    assert!(
        d.is_empty(),
        "upgraded (first) and fresh (second) differ:\n{}",
        d.join("\n")
    );
    if upto >= 8 {
        let kept: i64 = match &t.db {
            Db::Sqlite(p) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM upload_errors WHERE upload_id = 7")
                    .fetch_one(p)
                    .await
            }
            Db::Postgres(p) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM upload_errors WHERE upload_id = 7")
                    .fetch_one(p)
                    .await
            }
        }
        .expect("count");
        assert_eq!(kept, 1, "the upload's refused rows are kept");
    }
}

/// A database made while 0004 and 0008 carried their edits (every checkout
/// from then until this change): it used to be the only kind that started.
async fn a_database_migrated_with_the_edited_files_upgrades(t: &TestDb) {
    upgrades_to_the_fresh_schema(t, 12, true).await;
}

/// A database made before the edits (0001 to 0004 as they first shipped):
/// sqlx refused it with "migration 4 was previously applied but has been
/// modified" until 0004 was restored.
async fn a_database_made_before_the_edits_upgrades(t: &TestDb) {
    upgrades_to_the_fresh_schema(t, 4, false).await;
}

on_both_backends!(
    a_database_migrated_with_the_edited_files_upgrades,
    a_database_made_before_the_edits_upgrades,
);

#[test]
fn the_recorded_edited_checksums_are_the_fixtures() {
    use sha2::Digest;
    for engine in ["sqlite", "postgres"] {
        for file in ["0004_lifecycle.sql", "0008_uploads.sql"] {
            let path = format!(
                "{}/tests/fixtures/legacy-migrations/{engine}/{file}",
                env!("CARGO_MANIFEST_DIR")
            );
            let sql = std::fs::read(&path).expect("fixture");
            let sum = hex::encode(sha2::Sha384::digest(&sql));
            assert!(
                app::db::migrations::EDITED_CHECKSUMS.contains(&sum.as_str()),
                "{engine}/{file}: {sum} is not a recorded edited checksum"
            );
        }
    }
}

/// A rolling upgrade (docs/deploy.md): the first new server migrates, and a
/// server of the previous release, started or restarted after that, still
/// starts on the newer schema (a migration it does not know is one from
/// the future, not a reason to stop).
async fn a_previous_release_starts_on_a_newer_schema(t: &TestDb) {
    let newer = "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                 VALUES ($1, 'from the next release', TRUE, $2, 0)";
    let checksum = vec![0u8; 48];
    match &t.db {
        Db::Sqlite(p) => sqlx::query(newer)
            .bind(99_999_i64)
            .bind(&checksum)
            .execute(p)
            .await
            .map(|_| ()),
        Db::Postgres(p) => sqlx::query(newer)
            .bind(99_999_i64)
            .bind(&checksum)
            .execute(p)
            .await
            .map(|_| ()),
    }
    .expect("a migration of the next release");
    t.db.migrate().await.expect("this release starts");
    // Twice: nothing left half-done by the first.
    t.db.migrate().await.expect("and again");
}

on_both_backends!(a_previous_release_starts_on_a_newer_schema);
