//! Rolling upgrades (docs/deploy.md): on PostgreSQL, servers are upgraded
//! one at a time, so the first new server migrates while servers of the
//! previous release still run on the new schema. A migration must leave
//! them working: new tables, nullable or defaulted columns, new indexes,
//! wider rules. These tests read every PostgreSQL migration's text and
//! refuse, from [`ROLLING_FROM`] on, a statement that would break the
//! previous release, unless the migration says why it is safe with a line
//! `-- rolling upgrade: <why>`. SQLite is one process: it has no previous
//! release running beside the new one, so its table rebuilds are fine.

use super::Backend;
use super::migrations::migrator;

/// The first migration written after rolling upgrades were promised; the
/// ones before it were checked by hand and are listed in the test below.
const ROLLING_FROM: i64 = 41;

/// Marks a migration whose breaking-looking statement was judged safe.
const ACKNOWLEDGED: &str = "-- rolling upgrade:";

/// What in `sql` (one migration's text) would break a server of the
/// previous release still running on the new schema, one reason per
/// statement that would.
fn breaks_previous_release(sql: &str) -> Vec<String> {
    // Comments out, then one statement per `;`, in capitals, one space
    // between words.
    let text: String = sql
        .lines()
        .map(|l| l.split_once("--").map_or(l, |(code, _)| code))
        .collect::<Vec<_>>()
        .join(" ");
    let statements: Vec<String> = text
        .split(';')
        .map(|s| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_uppercase()
        })
        .filter(|s| !s.is_empty())
        .collect();
    let created: Vec<String> = statements
        .iter()
        .filter_map(|s| s.strip_prefix("CREATE TABLE "))
        .map(|rest| table_name(rest.trim_start_matches("IF NOT EXISTS ")))
        .collect();
    let dropped: Vec<String> = statements
        .iter()
        .filter_map(|s| {
            s.split_once(" DROP CONSTRAINT ")
                .map(|(_, c)| table_name(c))
        })
        .collect();
    let mut found = Vec::new();
    for s in &statements {
        let reason = if s.starts_with("DROP TABLE") {
            Some("drops a table the previous release reads")
        } else if s.contains(" DROP COLUMN ") {
            Some("drops a column the previous release reads")
        } else if s.contains(" RENAME ") {
            Some("renames what the previous release names")
        } else if s.contains(" TYPE ") && s.contains(" ALTER COLUMN ") {
            Some("changes a column's type under the previous release")
        } else if s.contains(" SET NOT NULL") {
            Some("requires a column the previous release may leave empty")
        } else if s.contains(" DROP NOT NULL") {
            Some("lets rows leave empty a column the previous release reads as always set")
        } else if s.contains(" ADD COLUMN ") && s.contains(" NOT NULL") && !s.contains(" DEFAULT ")
        {
            Some("adds a required column the previous release does not fill")
        } else if s
            .split_once(" DROP CONSTRAINT ")
            .is_some_and(|(_, c)| table_name(c).ends_with("_KEY"))
        {
            Some("drops a unique key the previous release's ON CONFLICT names")
        } else if let Some((_, rest)) = s.split_once(" ADD CONSTRAINT ") {
            // A rule put back wider under its own name (dropped first in
            // the same migration) only lets in more: that is safe.
            (!dropped.contains(&table_name(rest)))
                .then_some("adds a rule the previous release's writes may break")
        } else if s.starts_with("CREATE UNIQUE INDEX") {
            let table = s.split_once(" ON ").map(|(_, t)| table_name(t));
            (!table.is_some_and(|t| created.contains(&t)))
                .then_some("adds a uniqueness the previous release's writes may break")
        } else {
            None
        };
        if let Some(reason) = reason {
            found.push(format!("{reason}: {s}"));
        }
    }
    found
}

/// The first word of `rest` (a table or constraint name), without quotes
/// or a following `(`.
fn table_name(rest: &str) -> String {
    rest.split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
        .trim_matches('"')
        .to_string()
}

mod tests {
    use super::*;

    #[test]
    fn every_migration_since_rolling_upgrades_leaves_the_previous_release_working() {
        for m in migrator(Backend::Postgres).iter() {
            if m.version < ROLLING_FROM || m.sql.contains(ACKNOWLEDGED) {
                continue;
            }
            let found = breaks_previous_release(&m.sql);
            assert!(
                found.is_empty(),
                "migration {:04} would break servers of the previous release during a rolling \
                 upgrade (docs/deploy.md); split it over two releases, or say why it is safe \
                 with a line `{ACKNOWLEDGED} …`:\n{}",
                m.version,
                found.join("\n")
            );
        }
    }

    /// The check run over the history: it finds the changes made before
    /// rolling upgrades were promised, and only those it should.
    #[test]
    fn the_check_finds_the_breaking_changes_of_the_past() {
        let flagged: Vec<i64> = migrator(Backend::Postgres)
            .iter()
            .filter(|m| m.version < ROLLING_FROM && !breaks_previous_release(&m.sql).is_empty())
            .map(|m| m.version)
            .collect();
        // 0004 dropped ledger_entries and receipts; 0022 let
        // notices.payment_id be empty; 0033 dropped the categories' unique
        // key. 0002, 0024 and 0031 were safe in fact (a uniqueness or a
        // rule over columns added in the same migration, which the release
        // before never wrote): the check cannot know that, which is what
        // the acknowledgement line is for.
        assert_eq!(flagged, vec![2, 4, 22, 24, 31, 33]);
    }

    #[test]
    fn additive_changes_pass() {
        let sql = "-- a comment that says DROP TABLE payments\n\
                   CREATE TABLE things (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL);\n\
                   CREATE UNIQUE INDEX things_by_name ON things (name);\n\
                   ALTER TABLE payments ADD COLUMN note TEXT;\n\
                   ALTER TABLE payments ADD COLUMN tries INTEGER NOT NULL DEFAULT 0;\n\
                   CREATE INDEX payments_by_note ON payments (note);\n\
                   DROP INDEX payments_by_note;\n\
                   ALTER TABLE uploads DROP CONSTRAINT uploads_kind_check;\n\
                   ALTER TABLE uploads ADD CONSTRAINT uploads_kind_check CHECK (kind IN ('a', 'b', 'c'));";
        assert_eq!(breaks_previous_release(sql), Vec::<String>::new());
    }

    #[test]
    fn each_breaking_change_is_named() {
        for (sql, reason) in [
            ("DROP TABLE receipts;", "drops a table"),
            ("ALTER TABLE payments DROP COLUMN note;", "drops a column"),
            (
                "ALTER TABLE payments RENAME COLUMN note TO memo;",
                "renames",
            ),
            ("ALTER TABLE payments RENAME TO payment;", "renames"),
            (
                "ALTER TABLE payments ALTER COLUMN note TYPE BIGINT;",
                "type",
            ),
            (
                "ALTER TABLE payments ALTER COLUMN note SET NOT NULL;",
                "requires a column",
            ),
            (
                "ALTER TABLE notices ALTER COLUMN payment_id DROP NOT NULL;",
                "leave empty",
            ),
            (
                "ALTER TABLE payments ADD COLUMN tries INTEGER NOT NULL;",
                "required column",
            ),
            (
                "ALTER TABLE categories DROP CONSTRAINT categories_charge_code_key;",
                "unique key",
            ),
            (
                "ALTER TABLE payments ADD CONSTRAINT small CHECK (amount_cents < 100);",
                "adds a rule",
            ),
            (
                "CREATE UNIQUE INDEX payments_once ON payments (account_id);",
                "uniqueness",
            ),
        ] {
            let found = breaks_previous_release(sql);
            assert_eq!(found.len(), 1, "{sql}: {found:?}");
            assert!(found[0].contains(reason), "{sql}: {found:?}");
        }
    }
}
