//! What the server's process tests share: a count query, and a PostgreSQL
//! database of a test's own (or a skip, written down for `make test`).

/// One number from `sql` (a `COUNT(*)`), on either engine.
pub async fn count(db: &app::db::Db, sql: &str) -> i64 {
    match db {
        app::db::Db::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
        app::db::Db::Postgres(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
    }
    .expect(sql)
}

/// Writes down a skipped test for `make test`, which ends by saying loudly
/// what was skipped (target/postgres-skipped).
pub fn mark_skipped(line: &str) {
    let mark = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/postgres-skipped");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(mark)
    {
        use std::io::Write;
        let _ = writeln!(f, "{line}");
    }
}

/// A database of its own on the test PostgreSQL, or None (skipped, and
/// said so) when there is none and it is not required.
pub async fn postgres_db(tag: &str) -> Option<String> {
    let admin = std::env::var("PAYDESK_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let pool = match sqlx::PgPool::connect(&admin).await {
        Ok(p) => p,
        Err(e) if std::env::var("PAYDESK_REQUIRE_POSTGRES").as_deref() != Ok("1") => {
            eprintln!("PostgreSQL is not reachable ({e}); skipping {tag} on PostgreSQL");
            mark_skipped(&format!("{tag}: {e}"));
            return None;
        }
        Err(e) => panic!("PostgreSQL is required: {e}"),
    };
    let name = format!("paydesk_{tag}_{}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::query(&sql).execute(&pool).await.expect(&sql);
    }
    let (server, _) = admin
        .rsplit_once('/')
        .expect("a database name in PAYDESK_TEST_POSTGRES");
    Some(format!("{server}/{name}"))
}

/// Drops a database `postgres_db` made.
pub async fn drop_postgres(url: &str) {
    let (server, name) = url.rsplit_once('/').expect("a database name");
    if let Ok(pool) = sqlx::PgPool::connect(&format!("{server}/postgres")).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&pool)
            .await;
    }
}
