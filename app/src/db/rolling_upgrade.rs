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

/// The statements of `sql`, comments out, in capitals, one space between
/// words. Quoted text and `$$` bodies are kept whole (a `;` or `--` in them
/// neither ends a statement nor starts a comment).
fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = sql.chars().collect();
    let (mut i, mut quoted, mut dollar) = (0, false, false);
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if !quoted && !dollar && c == '-' && next == Some('-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            cur.push(' ');
            continue;
        }
        if !quoted && !dollar && c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
            cur.push(' ');
            continue;
        }
        if !dollar && c == '\'' {
            quoted = !quoted;
        } else if !quoted && c == '$' && next == Some('$') {
            dollar = !dollar;
            cur.push_str("$$");
            i += 2;
            continue;
        } else if !quoted && !dollar && c == ';' {
            out.push(std::mem::take(&mut cur));
            i += 1;
            continue;
        }
        cur.push(c);
        i += 1;
    }
    out.push(cur);
    out.iter()
        .map(|s| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_uppercase()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// The parts of an `ALTER TABLE` after the table's name, split at the
/// commas outside parentheses: `ADD COLUMN a …, DROP CONSTRAINT b`.
fn alter_clauses(rest: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut depth, mut cur) = (0i32, String::new());
    for c in rest.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur.trim().to_string());
    parts
}

/// `rest` without the optional words that may open it.
fn skip<'a>(mut rest: &'a str, words: &[&str]) -> &'a str {
    loop {
        let before = rest;
        for w in words {
            rest = rest.strip_prefix(w).unwrap_or(rest).trim_start();
        }
        if rest == before {
            return rest;
        }
    }
}

/// Why one clause of an `ALTER TABLE` would break the previous release.
fn alter_clause(clause: &str, readded: &[String]) -> Option<&'static str> {
    if let Some(rest) = clause.strip_prefix("DROP CONSTRAINT ") {
        let name = table_name(skip(rest, &["IF EXISTS "]));
        return (name.ends_with("_KEY") || name.ends_with("_PKEY"))
            .then_some("drops a unique key the previous release's ON CONFLICT relies on");
    }
    if clause.starts_with("DROP ") {
        return Some("drops a column the previous release reads");
    }
    if clause.starts_with("RENAME") {
        return Some("renames what the previous release names");
    }
    if clause.starts_with("ALTER ") {
        if clause.contains(" TYPE ") {
            return Some("changes a column's type under the previous release");
        }
        if clause.contains(" SET NOT NULL") {
            return Some("requires a column the previous release may leave empty");
        }
        if clause.contains(" DROP NOT NULL") {
            return Some("lets rows leave empty a column the previous release reads as always set");
        }
        if clause.contains(" DROP DEFAULT") {
            return Some("drops a default the previous release's inserts rely on");
        }
        return None;
    }
    if let Some(rest) = clause.strip_prefix("ADD ") {
        if let Some(named) = rest.strip_prefix("CONSTRAINT ") {
            // A rule put back under its own name (dropped first in the same
            // migration) is taken to be wider: a reviewer checks that it is.
            return (!readded.contains(&table_name(named)))
                .then_some("adds a rule the previous release's writes may break");
        }
        if ["UNIQUE", "PRIMARY KEY", "CHECK", "FOREIGN KEY", "EXCLUDE"]
            .iter()
            .any(|k| rest.starts_with(k))
        {
            return Some("adds a rule the previous release's writes may break");
        }
        if rest.contains(" NOT NULL") && !rest.contains(" DEFAULT ") {
            return Some("adds a required column the previous release does not fill");
        }
    }
    None
}

/// What in `sql` (one migration's text) would break a server of the
/// previous release still running on the new schema, one reason per
/// statement or clause that would. `unique_before` names the unique
/// indexes earlier migrations made (dropping one takes away what an
/// `ON CONFLICT` needs).
fn breaks_previous_release(sql: &str, unique_before: &[String]) -> Vec<String> {
    let statements = statements(sql);
    let created: Vec<String> = statements
        .iter()
        .filter_map(|s| s.strip_prefix("CREATE TABLE "))
        .map(|rest| table_name(skip(rest, &["IF NOT EXISTS "])))
        .collect();
    let readded: Vec<String> = statements
        .iter()
        .filter_map(|s| {
            s.split_once(" DROP CONSTRAINT ")
                .map(|(_, c)| table_name(skip(c, &["IF EXISTS "])))
        })
        .collect();
    let mut found = Vec::new();
    for s in &statements {
        let mut reasons: Vec<&str> = Vec::new();
        if [
            "DROP TABLE",
            "DROP VIEW",
            "DROP MATERIALIZED VIEW",
            "DROP SEQUENCE",
            "DROP TYPE",
            "DROP FUNCTION",
            "DROP TRIGGER",
        ]
        .iter()
        .any(|k| s.starts_with(k))
        {
            reasons.push("drops what the previous release reads or relies on");
        } else if s.starts_with("DO ") {
            reasons.push("runs code this check cannot read");
        } else if let Some(rest) = s.strip_prefix("ALTER TABLE ") {
            let rest = skip(rest, &["IF EXISTS ", "ONLY "]);
            let after_name = rest.split_once(' ').map_or("", |(_, r)| r);
            reasons.extend(
                alter_clauses(after_name)
                    .iter()
                    .filter_map(|c| alter_clause(c, &readded)),
            );
        } else if let Some(rest) = s.strip_prefix("DROP INDEX ") {
            let name = table_name(skip(rest, &["CONCURRENTLY ", "IF EXISTS "]));
            if unique_before.contains(&name) {
                reasons.push("drops a unique index the previous release's ON CONFLICT relies on");
            }
        } else if let Some(rest) = s.strip_prefix("CREATE UNIQUE INDEX ") {
            let table = rest
                .split_once(" ON ")
                .map(|(_, t)| table_name(skip(t, &["ONLY "])));
            if !table.is_some_and(|t| created.contains(&t)) {
                reasons.push("adds a uniqueness the previous release's writes may break");
            }
        }
        found.extend(reasons.into_iter().map(|r| format!("{r}: {s}")));
    }
    found
}

/// The unique indexes `sql` creates, by name.
fn unique_indexes(sql: &str) -> Vec<String> {
    statements(sql)
        .iter()
        .filter_map(|s| s.strip_prefix("CREATE UNIQUE INDEX "))
        .map(|rest| table_name(skip(rest, &["CONCURRENTLY ", "IF NOT EXISTS "])))
        .collect()
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
        let mut unique = Vec::new();
        for m in migrator(Backend::Postgres).iter() {
            if m.version >= ROLLING_FROM && !m.sql.contains(ACKNOWLEDGED) {
                let found = breaks_previous_release(&m.sql, &unique);
                assert!(
                    found.is_empty(),
                    "migration {:04} would break servers of the previous release during a rolling \
                     upgrade (docs/deploy.md); split it over two releases, or say why it is safe \
                     with a line `{ACKNOWLEDGED} …`:\n{}",
                    m.version,
                    found.join("\n")
                );
            }
            unique.extend(unique_indexes(&m.sql));
        }
    }

    /// The check run over the history: it finds the changes made before
    /// rolling upgrades were promised, and only those it should.
    #[test]
    fn the_check_finds_the_breaking_changes_of_the_past() {
        let mut unique = Vec::new();
        let mut flagged = Vec::new();
        for m in migrator(Backend::Postgres).iter() {
            if m.version < ROLLING_FROM && !breaks_previous_release(&m.sql, &unique).is_empty() {
                flagged.push(m.version);
            }
            unique.extend(unique_indexes(&m.sql));
        }
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
                   /* and DROP COLUMN note; */\n\
                   CREATE TABLE things (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL);\n\
                   CREATE UNIQUE INDEX things_by_name ON things (name);\n\
                   ALTER TABLE payments ADD COLUMN note TEXT;\n\
                   ALTER TABLE payments ADD COLUMN tries INTEGER NOT NULL DEFAULT 0;\n\
                   ALTER TABLE payments ADD COLUMN memo TEXT DEFAULT '-- not a comment; nor an end';\n\
                   CREATE INDEX payments_by_note ON payments (note);\n\
                   DROP INDEX payments_by_note;\n\
                   CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DROP TABLE x; END; $$;\n\
                   ALTER TABLE uploads DROP CONSTRAINT uploads_kind_check;\n\
                   ALTER TABLE uploads ADD CONSTRAINT uploads_kind_check CHECK (kind IN ('a', 'b', 'c'));";
        assert_eq!(breaks_previous_release(sql, &[]), Vec::<String>::new());
    }

    #[test]
    fn each_breaking_change_is_named() {
        let unique = vec!["SAVED_METHODS_ONCE".to_string()];
        for (sql, reason) in [
            ("DROP TABLE receipts;", "drops what"),
            ("DROP VIEW recent_payments;", "drops what"),
            ("ALTER TABLE payments DROP COLUMN note;", "drops a column"),
            ("ALTER TABLE payments DROP note;", "drops a column"),
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
                "ALTER TABLE payments ALTER note SET DATA TYPE BIGINT;",
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
                "ALTER TABLE payments ALTER COLUMN tries DROP DEFAULT;",
                "drops a default",
            ),
            (
                "ALTER TABLE payments ADD COLUMN tries INTEGER NOT NULL;",
                "required column",
            ),
            (
                "ALTER TABLE payments ADD tries INTEGER NOT NULL;",
                "required column",
            ),
            (
                "ALTER TABLE payments ADD COLUMN a TEXT DEFAULT 'x', ADD COLUMN b TEXT NOT NULL;",
                "required column",
            ),
            (
                "ALTER TABLE categories DROP CONSTRAINT categories_charge_code_key;",
                "unique key",
            ),
            (
                "ALTER TABLE categories DROP CONSTRAINT IF EXISTS categories_charge_code_key;",
                "unique key",
            ),
            (
                "ALTER TABLE payers DROP CONSTRAINT payers_pkey;",
                "unique key",
            ),
            (
                "ALTER TABLE payments ADD CONSTRAINT small CHECK (amount_cents < 100);",
                "adds a rule",
            ),
            (
                "ALTER TABLE payments ADD UNIQUE (account_id);",
                "adds a rule",
            ),
            (
                "CREATE UNIQUE INDEX payments_once ON payments (account_id);",
                "uniqueness",
            ),
            ("DROP INDEX saved_methods_once;", "unique index"),
            ("DO $$ BEGIN EXECUTE 'DROP TABLE x'; END $$;", "cannot read"),
        ] {
            let found = breaks_previous_release(sql, &unique);
            assert_eq!(found.len(), 1, "{sql}: {found:?}");
            assert!(found[0].contains(reason), "{sql}: {found:?}");
        }
    }
}
