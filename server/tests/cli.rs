//! The `paydesk` command line, run as an operator would run it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod support;

fn paydesk(db: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_paydesk"))
        .args(args)
        // Run inside the test's folder: a default ./data path can never land
        // in the source tree (server/data/secret.key was once committed).
        .current_dir(db.parent().expect("the database's folder"))
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env(
            "PAYDESK_DATA_DIR",
            db.parent().expect("the database's folder").join("data"),
        )
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run paydesk");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn every_subcommand_has_help() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["user", "add", "--help"],
        vec!["import", "accounts", "--help"],
        vec!["import", "returns", "--help"],
        vec!["demo", "--help"],
        vec!["check", "--help"],
        vec!["settle", "--help"],
        vec!["keys", "new", "--help"],
        vec!["backup", "--help"],
    ] {
        let o = paydesk(&db, &args, None);
        assert!(o.status.success(), "{args:?}");
        assert!(text(&o).0.contains("Usage:"), "{args:?}");
    }
}

#[test]
fn a_bad_setting_fails_with_one_clear_line() {
    let o = Command::new(env!("CARGO_BIN_EXE_paydesk"))
        .arg("migrate")
        .env("DATABASE_URL", "mysql://root@localhost/x")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("paydesk: DATABASE_URL: must start with sqlite:// or postgres://"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_stops_the_server_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    assert!(paydesk(&db, &["migrate"], None).status.success());
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let key = data.join("secret.key");
    std::fs::write(&key, [7u8; 32]).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    for command in ["settle", "demo"] {
        let o = paydesk(&db, &[command], None);
        let (_, err) = text(&o);
        assert!(!o.status.success(), "{command}: {err}");
        let last = err.lines().last().unwrap_or_default();
        assert!(last.starts_with("paydesk: "), "{command}: {err}");
        assert!(
            last.contains(&key.display().to_string()) && last.contains("chmod 600"),
            "{command}: {err}"
        );
    }

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = paydesk(&db, &["settle"], None);
    assert!(o.status.success(), "{}", text(&o).1);

    // A new key is made 0600, in a 0700 folder.
    let fresh = tempfile::tempdir().unwrap();
    let db = fresh.path().join("p.db");
    assert!(paydesk(&db, &["settle"], None).status.success());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&fresh.path().join("data").join("secret.key")), 0o600);
    assert_eq!(mode(&fresh.path().join("data")), 0o700);
}

#[test]
fn users_are_added_without_echoing_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let o = paydesk(
        &db,
        &[
            "user",
            "add",
            "--login",
            "Pat",
            "--email",
            "pat@example.com",
            "--role",
            "csr",
            "--password-file",
            "-",
        ],
        Some("a long enough secret\n"),
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("added CSR user Pat"));
    assert!(!out.contains("secret") && !err.contains("secret"));

    let pw = dir.path().join("pw.txt");
    std::fs::write(&pw, "short").unwrap();
    let o = paydesk(
        &db,
        &[
            "user",
            "add",
            "--login",
            "sam",
            "--email",
            "sam@example.com",
            "--role",
            "admin",
            "--password-file",
            pw.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(5));
    assert!(text(&o).1.contains("password: Use at least 12 characters."));

    let o = paydesk(
        &db,
        &[
            "user",
            "add",
            "--login",
            "pat",
            "--email",
            "p2@example.com",
            "--role",
            "csr",
            "--password-file",
            "-",
        ],
        Some("another long secret"),
    );
    assert_eq!(o.status.code(), Some(5));
    assert!(text(&o).1.contains("The login ID pat is taken."));
}

#[test]
fn imports_report_bad_rows_by_line_and_column_and_apply_good_files_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "account_number,first_name,last_name,balance\nA-1,Ann,Lee,10\nA-2,Bo,Chan,1.005\n",
    )
    .unwrap();
    let o = paydesk(&db, &["import", "accounts", bad.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(5));
    let (_, err) = text(&o);
    assert!(
        err.contains("line 3, column balance: Use at most 2 decimal places."),
        "{err}"
    );
    assert!(err.contains("nothing was imported"));

    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "account_number,first_name,last_name,balance\nA-1,Ann,Lee,10\nA-2,Bo,Chan,1.05\n",
    )
    .unwrap();
    let o = paydesk(&db, &["import", "accounts", good.to_str().unwrap()], None);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("2 rows, 2 created, 0 updated"));

    let o = paydesk(&db, &["import", "accounts", "/no/such/file.csv"], None);
    assert_eq!(o.status.code(), Some(4));
    let o = paydesk(&db, &["check"], None);
    assert!(o.status.success());
}

#[test]
fn the_demo_loads_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let o = paydesk(&db, &["demo", "--if-empty"], None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("demo data loaded: 50 accounts, 7 payments"),
        "{out}"
    );
    assert!(out.contains("csr / paydesk-csr-demo-1"));
    let o = paydesk(&db, &["demo", "--if-empty"], None);
    assert!(text(&o).0.contains("not loaded"));
    assert!(paydesk(&db, &["check"], None).status.success());
}

#[test]
fn settlement_writes_a_nacha_file_returns_are_read_and_check_catches_a_breach() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    assert!(paydesk(&db, &["demo"], None).status.success());
    let o = paydesk(&db, &["settle"], None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("card payment(s) captured"), "{out}");
    let o = paydesk(&db, &["settle"], None);
    assert!(
        text(&o).0.contains("nothing to settle"),
        "a second run finds nothing"
    );

    // A malformed return file is refused whole, with its line.
    let bad = dir.path().join("bad.ach");
    std::fs::write(&bad, format!("{}\n", "1".repeat(93))).unwrap();
    let o = paydesk(&db, &["import", "returns", bad.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(5));
    assert!(
        text(&o)
            .1
            .contains("line 1: a record is 94 characters; this one is 93"),
        "{:?}",
        text(&o)
    );

    // A return for a trace we never sent is reported, not dropped.
    let odfi = app::domain::nacha::Originator {
        immediate_destination: "091000019".into(),
        immediate_destination_name: "Bank".into(),
        immediate_origin: "1234567890".into(),
        immediate_origin_name: "Biller".into(),
        company_name: "Biller".into(),
        company_id: "1234567890".into(),
        odfi_routing: "091000019".into(),
    };
    let entry = app::domain::nacha::Entry {
        transaction_code: 27,
        routing: "021000021".into(),
        account_number: "1234".into(),
        amount_cents: 500,
        individual_id: "100001".into(),
        name: "Pat".into(),
        trace_number: "091000019999999".into(),
    };
    let dates = app::domain::nacha::FileDates {
        created_date: "261125".into(),
        created_time: "1200".into(),
        effective_date: "261126".into(),
        file_id_modifier: 'A',
    };
    let returns = dir.path().join("returns.ach");
    std::fs::write(
        &returns,
        app::domain::nacha::write_returns(&odfi, &dates, &[(entry, "R02")]),
    )
    .unwrap();
    let o = paydesk(&db, &["import", "returns", returns.to_str().unwrap()], None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("return R02 for trace 091000019999999 matches no payment we sent"),
        "{out}"
    );
    assert!(out.contains("1 need attention"), "{out}");

    assert!(paydesk(&db, &["check"], None).status.success());
    // A balance edited behind the journal's back is a breach.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let url = format!("sqlite://{}", db.display());
        let app::db::Db::Sqlite(pool) = app::db::Db::connect(&url).await.unwrap() else {
            unreachable!()
        };
        sqlx::query(
            "UPDATE accounts SET balance_cents = balance_cents + 1 WHERE account_number = '100003'",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    });
    let o = paydesk(&db, &["check"], None);
    assert_eq!(o.status.code(), Some(5));
    assert!(
        text(&o)
            .1
            .contains("balance differs from its journal entries: 100003"),
        "{:?}",
        text(&o)
    );
}

#[cfg(unix)]
#[test]
fn a_shared_key_file_is_made_once_and_never_by_the_server() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let key = dir.path().join("shared.key");
    let with_key = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_paydesk"))
            .args(args)
            .current_dir(dir.path())
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .env("PAYDESK_DATA_DIR", dir.path().join("data"))
            .env("PAYDESK_KEY_FILE", &key)
            .output()
            .unwrap()
    };
    // Missing: the server says how to make it, and makes none.
    let o = with_key(&["settle"]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("paydesk keys new"), "{err}");
    assert!(!key.exists());
    assert!(!dir.path().join("data").join("secret.key").exists());

    let o = with_key(&["keys", "new", key.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o).1);
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let first = std::fs::read(&key).unwrap();
    let o = with_key(&["keys", "new", key.to_str().unwrap()]);
    assert!(!o.status.success(), "a key is never overwritten");
    assert_eq!(std::fs::read(&key).unwrap(), first);

    // The demo's bank accounts, sealed by that process with the shared key,
    // open with the key read from the same file by another (this one).
    assert!(with_key(&["demo"]).status.success());
    assert!(with_key(&["settle"]).status.success());
    assert!(!dir.path().join("data").join("secret.key").exists());
    let config = app::config::Config::from_lookup(|k| match k {
        "DATABASE_URL" => Some(format!("sqlite://{}", db.display())),
        "PAYDESK_DATA_DIR" => Some(dir.path().join("elsewhere").display().to_string()),
        "PAYDESK_KEY_FILE" => Some(key.display().to_string()),
        _ => None,
    })
    .unwrap();
    let keys = app::services::keyring::Keyring::for_config(&config).unwrap();
    let sealed: Vec<String> = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let app::db::Db::Sqlite(pool) = app::db::Db::connect(&config.database_url).await.unwrap()
        else {
            unreachable!("a SQLite URL")
        };
        // payer1's saved checking account (docs/demo-data.md).
        sqlx::query_scalar(
            "SELECT bank_account_enc FROM saved_methods WHERE bank_account_enc IS NOT NULL",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    });
    assert!(!sealed.is_empty(), "the demo saves a bank account");
    for s in &sealed {
        let plain = keys
            .open(app::services::keyring::PURPOSE_BANK_ACCOUNT, s)
            .expect("opened with the shared key");
        assert!(plain.iter().all(u8::is_ascii_digit));
    }
}

#[test]
fn a_sqlite_backup_is_consistent_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    assert!(paydesk(&db, &["demo"], None).status.success());
    assert!(paydesk(&db, &["settle"], None).status.success());
    let copy = dir.path().join("backup").join("p-backup.db");
    std::fs::create_dir(dir.path().join("backup")).unwrap();
    let o = paydesk(&db, &["backup", copy.to_str().unwrap()], None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("backed up"), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a backup holds what the database holds");
    }
    // Never over an existing file.
    let o = paydesk(&db, &["backup", copy.to_str().unwrap()], None);
    assert!(!o.status.success());

    // The restore drill: the copy, as the database, passes every check and
    // holds the same ledger. The data folder (the key) is the original's.
    let o = paydesk_on(
        &format!("sqlite://{}", copy.display()),
        dir.path(),
        &["check"],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let original = rt.block_on(ledger(&format!("sqlite://{}", db.display())));
    assert!(original.0 > 0);
    assert_eq!(
        rt.block_on(ledger(&format!("sqlite://{}", copy.display()))),
        original
    );
}

/// What a restore must bring back: journal entries, the balances' sum and
/// the payments.
async fn ledger(url: &str) -> (i64, i64, i64) {
    let db = app::db::Db::connect(url).await.unwrap();
    (
        support::count(&db, "SELECT COUNT(*) FROM journal").await,
        support::count(
            &db,
            "SELECT CAST(COALESCE(SUM(balance_cents), 0) AS BIGINT) FROM accounts",
        )
        .await,
        support::count(&db, "SELECT COUNT(*) FROM payments").await,
    )
}

/// `paydesk` on the database at `url`, with `dir/data` as its data folder.
fn paydesk_on(url: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_paydesk"))
        .args(args)
        .current_dir(dir)
        .env("DATABASE_URL", url)
        .env("PAYDESK_DATA_DIR", dir.join("data"))
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

/// The PostgreSQL restore drill of docs/deploy.md: `pg_dump -Fc` of a
/// database in use, `pg_restore` into an empty one, `paydesk check` there.
#[test]
fn a_postgres_dump_restores_and_checks() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(live) = rt.block_on(support::postgres_db("backup")) else {
        return;
    };
    let Some(restored) = rt.block_on(support::postgres_db("restore")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for args in [&["demo"][..], &["settle"]] {
        let o = paydesk_on(&live, dir.path(), args);
        assert!(o.status.success(), "{args:?}: {:?}", text(&o));
    }
    let dump = dir.path().join("paydesk.dump");
    let tool = |program: &str, args: &[&str]| {
        let o = Command::new(program).args(args).output().expect(program);
        assert!(o.status.success(), "{program} {args:?}: {:?}", text(&o));
    };
    tool(
        "pg_dump",
        &["-Fc", "--no-owner", "-f", dump.to_str().unwrap(), &live],
    );
    tool(
        "pg_restore",
        &[
            "--no-owner",
            "--exit-on-error",
            "-d",
            &restored,
            dump.to_str().unwrap(),
        ],
    );
    let o = paydesk_on(&restored, dir.path(), &["check"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let original = rt.block_on(ledger(&live));
    assert!(original.0 > 0);
    assert_eq!(rt.block_on(ledger(&restored)), original);
    // The server on the restored database needs no migration of its own.
    let o = paydesk_on(&restored, dir.path(), &["migrate"]);
    assert!(o.status.success(), "{:?}", text(&o));
    rt.block_on(support::drop_postgres(&live));
    rt.block_on(support::drop_postgres(&restored));
}

/// Every sealed value the rotation walks, on either engine, by column.
async fn sealed_values(url: &str) -> Vec<(&'static str, String)> {
    let db = app::db::Db::connect(url).await.unwrap();
    let mut out = Vec::new();
    for (name, sql) in [
        (
            "payment bank",
            "SELECT bank_account_enc FROM payments WHERE bank_account_enc IS NOT NULL",
        ),
        (
            "saved bank",
            "SELECT bank_account_enc FROM saved_methods WHERE bank_account_enc IS NOT NULL",
        ),
        (
            "payment card",
            "SELECT card_token FROM payments WHERE card_token IS NOT NULL",
        ),
        (
            "saved card",
            "SELECT card_token FROM saved_methods WHERE card_token IS NOT NULL",
        ),
        ("ach file", "SELECT content FROM ach_files"),
    ] {
        let values: Vec<String> = match &db {
            app::db::Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await,
            app::db::Db::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await,
        }
        .expect(sql);
        out.extend(values.into_iter().map(|v| (name, v)));
    }
    out
}

/// A payment from a bank account, taken through the payment service as the
/// demo CSR with `keys`, as the console takes one.
async fn pay_from_bank(url: &str, keys: &app::services::keyring::Keyring) {
    let config = app::config::Config::from_lookup(|k| match k {
        "DATABASE_URL" => Some(url.to_string()),
        _ => None,
    })
    .unwrap();
    let db = app::db::Db::connect(url).await.unwrap();
    let csr = app::services::demo::demo_csr(&db)
        .await
        .unwrap()
        .expect("the demo CSR");
    let processor = app::services::processor::SandboxProcessor::new(keys.clone());
    let payments = app::services::payments::Payments {
        db: &db,
        config: &config,
        keys,
        processor: &processor,
    };
    let form = app::domain::payment::PaymentForm {
        account: "100006".into(),
        email: "payer@example.com".into(),
        amount: "12.34".into(),
        method: "bank".into(),
        bank_holder: "Pat Payer".into(),
        bank_routing: "021000021".into(),
        bank_account: "000123456789".into(),
        bank_kind: "checking".into(),
        ..Default::default()
    };
    let sealed = payments.review(&csr, &form).await.expect("a review");
    payments.submit(&csr, &sealed, None).await.expect("taken");
    db.close().await;
}

/// What `ring` opens of a stored value of `kind` (its column's prefix and
/// purpose; NACHA files with the key derived for them).
fn open_with(ring: &app::services::keyring::Keyring, kind: &str, v: &str) -> Option<Vec<u8>> {
    use app::services::keyring::*;
    match kind {
        "payment bank" | "saved bank" => ring.open(PURPOSE_BANK_ACCOUNT, v),
        "ach file" => ring
            .derive(PURPOSE_ACH_FILE)
            .open(PURPOSE_ACH_FILE, v.strip_prefix("sealed:")?),
        _ => ring.open(PURPOSE_CARD_TOKEN, v.strip_prefix("tok_sbx_")?),
    }
}

/// The key id a stored value was sealed with (after its column's prefix).
fn key_id_of(value: &str) -> &str {
    let sealed = value
        .strip_prefix("tok_sbx_")
        .or_else(|| value.strip_prefix("sealed:"))
        .unwrap_or(value);
    sealed.split_once('.').map_or("", |(id, _)| id)
}

/// docs/deploy.md's key rotation on both engines: refused without the old
/// key, stopped part way and resumed, then everything opens with the new
/// key alone (a value from before key ids included), and it is audited.
#[cfg(unix)]
#[test]
fn a_key_rotation_reseals_everything_and_resumes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("p.db").display());
    let postgres = rt.block_on(support::postgres_db("rotate"));
    let old = dir.path().join("old.key");
    let new = dir.path().join("new.key");
    for k in [&old, &new] {
        assert!(
            paydesk_on(&sqlite, dir.path(), &["keys", "new", k.to_str().unwrap()])
                .status
                .success()
        );
    }
    let keyring = |current: &Path| {
        let config = app::config::Config::from_lookup(|k| match k {
            "PAYDESK_KEY_FILE" => Some(current.display().to_string()),
            _ => None,
        })
        .unwrap();
        app::services::keyring::Keyring::for_config(&config).unwrap()
    };
    let (old_ring, new_ring) = (keyring(&old), keyring(&new));
    // NACHA files are sealed with a key derived from the main one: its own id.
    let new_file_ring = new_ring.derive(app::services::keyring::PURPOSE_ACH_FILE);
    let under_new = |kind: &str, v: &str| {
        let ring = if kind == "ach file" {
            &new_file_ring
        } else {
            &new_ring
        };
        key_id_of(v) == ring.key_id()
    };
    let run = |url: &str, key: &Path, read: Option<&Path>, args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_paydesk"));
        c.args(args)
            .current_dir(dir.path())
            .env("DATABASE_URL", url)
            .env("PAYDESK_DATA_DIR", dir.path().join("data"))
            .env("PAYDESK_KEY_FILE", key)
            .env_remove("RUST_LOG");
        if let Some(r) = read {
            c.env("PAYDESK_READ_KEY_FILES", r);
        }
        c.output().unwrap()
    };
    for url in std::iter::once(sqlite.clone()).chain(postgres.clone()) {
        let o = run(&url, &old, None, &["demo"]);
        assert!(o.status.success(), "{url}: {:?}", text(&o));
        // The demo's payments are by card: one from a bank account too, for
        // a sealed account number on a payment and in a NACHA file.
        rt.block_on(pay_from_bank(&url, &old_ring));
        let o = run(&url, &old, None, &["settle"]);
        assert!(o.status.success(), "{url}: {:?}", text(&o));
        let before = rt.block_on(sealed_values(&url));
        for kind in [
            "payment bank",
            "saved bank",
            "payment card",
            "saved card",
            "ach file",
        ] {
            assert!(
                before.iter().any(|(k, _)| *k == kind),
                "{url}: the demo has a {kind}"
            );
        }
        assert!(before.iter().all(|(k, v)| !under_new(k, v)));
        for (kind, v) in &before {
            assert!(open_with(&old_ring, kind, v).is_some(), "{url}: {kind}");
        }
        // One value as versions before key ids stored it.
        let db = rt.block_on(app::db::Db::connect(&url)).unwrap();
        let strip = "UPDATE saved_methods SET bank_account_enc = substr(bank_account_enc, 10) \
                     WHERE id = (SELECT MIN(id) FROM saved_methods WHERE bank_account_enc IS NOT NULL)";
        rt.block_on(async {
            match &db {
                app::db::Db::Sqlite(p) => sqlx::query(strip).execute(p).await.map(|_| ()),
                app::db::Db::Postgres(p) => sqlx::query(strip).execute(p).await.map(|_| ()),
            }
        })
        .unwrap();

        // Without the new key named, it refuses, and makes no key of its own.
        let o = Command::new(env!("CARGO_BIN_EXE_paydesk"))
            .args(["keys", "rotate"])
            .current_dir(dir.path())
            .env("DATABASE_URL", &url)
            .env("PAYDESK_DATA_DIR", dir.path().join("data"))
            .env("PAYDESK_READ_KEY_FILES", &old)
            .env_remove("PAYDESK_KEY_FILE")
            .env_remove("PAYDESK_KEY")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(5), "{:?}", text(&o));
        assert!(text(&o).1.contains("PAYDESK_KEY_FILE"), "{:?}", text(&o));
        assert!(!dir.path().join("data").join("secret.key").exists());

        // Without the old key nothing can be opened, so nothing changes.
        let o = run(&url, &new, None, &["keys", "rotate"]);
        assert_eq!(o.status.code(), Some(5), "{url}: {:?}", text(&o));
        assert!(
            text(&o).1.contains("PAYDESK_READ_KEY_FILES"),
            "{:?}",
            text(&o)
        );
        let untouched = rt.block_on(sealed_values(&url));
        assert!(untouched.iter().all(|(k, v)| !under_new(k, v)));

        // Stopped after two values, as a kill would stop it between pages.
        let o = run(
            &url,
            &new,
            Some(&old),
            &["keys", "rotate", "--max-rows", "2"],
        );
        assert!(o.status.success(), "{url}: {:?}", text(&o));
        assert!(text(&o).0.contains("run it again"), "{:?}", text(&o));
        let part = rt.block_on(sealed_values(&url));
        assert_eq!(
            part.iter().filter(|(k, v)| under_new(k, v)).count(),
            2,
            "{url}"
        );

        let o = run(&url, &new, Some(&old), &["keys", "rotate"]);
        assert!(o.status.success(), "{url}: {:?}", text(&o));
        let (out, _) = text(&o);
        assert!(
            out.contains(&format!("sealed with key {}", new_ring.key_id())),
            "{out}"
        );
        let after = rt.block_on(sealed_values(&url));
        assert_eq!(
            after.len(),
            before.len(),
            "{url}: nothing lost, nothing added"
        );
        for (kind, v) in &after {
            assert!(under_new(kind, v), "{url}: {kind} {v}");
            assert!(!v.contains("123456789"), "{url}: still sealed");
        }
        // The new key alone opens them all; the old one none.
        for (kind, v) in &after {
            assert!(open_with(&new_ring, kind, v).is_some(), "{url}: {kind}");
            assert_eq!(open_with(&old_ring, kind, v), None, "{url}: {kind}");
        }
        // A second run finds nothing; the server works on the new key alone.
        let o = run(&url, &new, Some(&old), &["keys", "rotate"]);
        let (out, err) = text(&o);
        assert!(o.status.success(), "{url}: {err}");
        assert_eq!(out.matches(": 0 re-sealed").count(), 5, "{out}");
        assert!(out.contains("everything is sealed with key"), "{out}");
        for args in [&["check"][..], &["settle"]] {
            let o = run(&url, &new, None, args);
            assert!(o.status.success(), "{url} {args:?}: {:?}", text(&o));
        }
        assert_eq!(
            rt.block_on(support::count(
                &db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'keys.rotated'"
            )),
            4,
            "{url}: each run is audited"
        );
    }
    if let Some(url) = postgres {
        rt.block_on(support::drop_postgres(&url));
    }
}
