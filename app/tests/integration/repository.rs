//! The repository contract: every test here runs on SQLite and on
//! PostgreSQL, each time on a fresh database.

use crate::support;

use app::db::Db;
use app::services::accounts_import::import;
use support::TestDb;

const FILE: &str =
    "account_number,account_type,first_name,last_name,company_name,email,balance,status,user_id
A-1,I,Jane,Doe,,jane@example.com,120.50,active,payer7
A-2,B,,,Acme Water,,0,active,payer7
A-3,I,Raj,Patel,,,-15.00,inactive,
";

async fn import_creates_accounts_links_payers_and_writes_the_ledger(t: &TestDb) {
    let out = import(&t.db, FILE.as_bytes(), "accounts.csv", Some("test"))
        .await
        .unwrap();
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!((out.rows, out.created, out.updated), (3, 3, 0));
    let a1 = t.db.account_by_number("A-1").await.unwrap().unwrap();
    assert_eq!(a1.balance_cents, 12_050);
    assert_eq!(a1.email.as_deref(), Some("jane@example.com"));
    let paid_by_7: Vec<String> =
        t.db.accounts_for_user_id("payer7")
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.account_number)
            .collect();
    assert_eq!(paid_by_7, ["A-1", "A-2"]);
    assert_eq!(t.db.ledger_breaches().await.unwrap(), Vec::<String>::new());

    // Re-importing updates by account number, and a balance change is a new
    // ledger entry (the ledger still adds up).
    let again = "account_number,balance,first_name,last_name\nA-1,100.00,Jane,Doe-Smith\nA-9,5,New,Person\n";
    let out = import(&t.db, again.as_bytes(), "again.csv", None)
        .await
        .unwrap();
    assert_eq!((out.created, out.updated), (1, 1));
    let a1 = t.db.account_by_number("A-1").await.unwrap().unwrap();
    assert_eq!(
        (a1.balance_cents, a1.last_name.as_deref()),
        (10_000, Some("Doe-Smith"))
    );
    assert_eq!(
        a1.email.as_deref(),
        Some("jane@example.com"),
        "a file without email keeps the address"
    );
    assert_eq!(t.db.ledger_breaches().await.unwrap(), Vec::<String>::new());
    let entries: i64 = count(&t.db, "SELECT COUNT(*) FROM journal WHERE (SELECT id FROM accounts WHERE account_number = 'A-1') IN (debit_account_id, credit_account_id)").await;
    assert_eq!(entries, 2);
}

async fn a_bad_row_rejects_the_whole_file(t: &TestDb) {
    let bad = "account_number,first_name,last_name,balance\nB-1,Ann,Lee,10\nB-2,Bo,,1.005\nB-1,Ann,Lee,11\n";
    let out = import(&t.db, bad.as_bytes(), "bad.csv", None)
        .await
        .unwrap();
    let found: Vec<(u64, &str)> = out
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert_eq!(
        found,
        [(3, "last_name"), (3, "balance"), (4, "account_number")]
    );
    assert_eq!((out.created, out.updated), (0, 0));
    assert_eq!(
        t.db.count_accounts().await.unwrap(),
        0,
        "nothing is half-applied"
    );
    assert_eq!(count(&t.db, "SELECT COUNT(*) FROM journal").await, 0);
}

async fn unknown_columns_and_empty_files_are_refused(t: &TestDb) {
    let out = import(
        &t.db,
        "account_number,nickname\nA,x\n".as_bytes(),
        "x.csv",
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        (out.errors[0].line, out.errors[0].column.as_str()),
        (1, "nickname")
    );
    let out = import(&t.db, "".as_bytes(), "empty.csv", None)
        .await
        .unwrap();
    assert!(out.errors[0].reason.contains("empty"));
    let out = import(
        &t.db,
        &b"account_number,first_name,last_name\nA-1,Jos\xe9,X\n"[..],
        "latin1.csv",
        None,
    )
    .await
    .unwrap();
    assert!(out.errors[0].reason.contains("UTF-8"), "{:?}", out.errors);
}

async fn ledger_and_audit_rows_cannot_be_changed(t: &TestDb) {
    import(&t.db, FILE.as_bytes(), "accounts.csv", None)
        .await
        .unwrap();
    for sql in [
        "UPDATE journal SET amount_cents = 1",
        "DELETE FROM journal",
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
    ] {
        assert!(execute(&t.db, sql).await.is_err(), "{sql} must be refused");
    }
}

async fn login_ids_are_unique(t: &TestDb) {
    support::add_staff(&t.db).await;
    let again = app::services::auth::add_user(
        &t.db,
        "CASEY",
        "c@example.com",
        app::domain::staff::Role::Csr,
        "another password",
        None,
    )
    .await;
    let err = again.unwrap_err();
    assert_eq!(
        err.field_errors().and_then(|f| f.message_for("login")),
        Some("The login ID casey is taken.")
    );
}

async fn parallel_failed_sign_ins_cannot_slip_past_the_lockout(t: &TestDb) {
    support::add_staff(&t.db).await;
    let user = t.db.staff_by_login("casey").await.unwrap().unwrap();
    let now = app::db::now_ms();
    // Twelve attempts claimed at once: five are allowed (the fifth sets the
    // lock), the rest are refused before any password would be checked.
    let attempts = (0..12).map(|_| {
        let db = t.db.clone();
        async move {
            db.claim_user_attempt(user.id, now, 5, now + 1_000)
                .await
                .unwrap()
        }
    });
    let claims = futures::future::join_all(attempts).await;
    let mut allowed: Vec<i64> = claims.iter().flatten().map(|c| c.attempt).collect();
    allowed.sort();
    assert_eq!(allowed, vec![1, 2, 3, 4, 5]);
    assert_eq!(
        claims.iter().flatten().filter(|c| c.lock.is_some()).count(),
        1,
        "only the fifth claim sets the lock"
    );
    let user = t.db.staff_by_login("casey").await.unwrap().unwrap();
    assert_eq!(
        (user.failed_attempts, user.locked_until),
        (
            5,
            Some(app::domain::time::Timestamp::from_millis(now + 1_000))
        )
    );
    // Once the lock has passed, a new run starts.
    let later = now + 2_000;
    let claim =
        t.db.claim_user_attempt(user.id, later, 5, later + 1_000)
            .await
            .unwrap();
    assert_eq!(claim.map(|c| (c.attempt, c.lock)), Some((1, None)));
}

async fn parallel_claims_from_one_address_stop_at_the_limit(t: &TestDb) {
    let attempts = (0..12).map(|_| {
        let db = t.db.clone();
        async move { db.claim_ip_attempt("203.0.113.7", 0, 5).await.unwrap() }
    });
    let claims = futures::future::join_all(attempts).await;
    assert_eq!(claims.iter().flatten().count(), 5);
    // A released claim (a success) frees one place.
    t.db.release_ip_attempt("203.0.113.7", 0).await.unwrap();
    assert_eq!(
        t.db.claim_ip_attempt("203.0.113.7", 0, 5).await.unwrap(),
        Some(5)
    );
    assert_eq!(
        t.db.claim_ip_attempt("203.0.113.7", 0, 5).await.unwrap(),
        None
    );
    assert_eq!(
        t.db.claim_ip_attempt("203.0.113.8", 0, 5).await.unwrap(),
        Some(1),
        "another address has its own count"
    );
}

fn policy(idle_ms: i64) -> app::services::auth::SessionPolicy {
    app::services::auth::SessionPolicy {
        idle_ms,
        lifetime_ms: 12 * 3_600_000,
        password_max_age_ms: 0,
    }
}

fn gate() -> app::services::passwords::HashGate {
    app::services::passwords::HashGate::new(2)
}

async fn sessions_start_resolve_and_end(t: &TestDb) {
    support::add_staff(&t.db).await;
    let signed = app::services::auth::sign_in(
        &t.db,
        &gate(),
        "Casey",
        support::CSR.1,
        Some("127.0.0.1"),
        20,
    )
    .await
    .unwrap();
    let check =
        app::services::auth::check_session(&t.db, &signed.token, &policy(60_000), true, None)
            .await
            .unwrap();
    assert!(matches!(check, app::services::auth::SessionCheck::Valid(ref u) if u.login == "casey"));
    // Only the hash is stored.
    assert_eq!(
        count(
            &t.db,
            &format!(
                "SELECT COUNT(*) FROM sessions WHERE token_hash = '{}'",
                signed.token
            )
        )
        .await,
        0
    );
    app::services::auth::sign_out(&t.db, &signed.token, &signed.user, None)
        .await
        .unwrap();
    let check =
        app::services::auth::check_session(&t.db, &signed.token, &policy(60_000), true, None)
            .await
            .unwrap();
    assert_eq!(check, app::services::auth::SessionCheck::Missing);
}

async fn idle_sessions_expire(t: &TestDb) {
    support::add_staff(&t.db).await;
    let signed = app::services::auth::sign_in(&t.db, &gate(), "casey", support::CSR.1, None, 20)
        .await
        .unwrap();
    support::idle_sessions(&t.db, 31).await;
    let check =
        app::services::auth::check_session(&t.db, &signed.token, &policy(30 * 60_000), true, None)
            .await
            .unwrap();
    assert_eq!(check, app::services::auth::SessionCheck::Expired);
    assert_eq!(
        count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.timeout'"
        )
        .await,
        1
    );
}

/// More matches than the list holds, of every kind (last names, first
/// names, companies): the list is full, every entry matches, and it is
/// sorted by name; with fewer matches it is exactly the first by name.
async fn a_name_prefix_with_many_matches_gives_a_full_sorted_list(t: &TestDb) {
    let mut csv = String::from(
        "account_number,account_type,first_name,last_name,company_name,email,balance,status,user_id\n",
    );
    for i in 0..30 {
        csv.push_str(&format!("L{i:02},I,Zed,Gar{:02},,,0,active,\n", 29 - i));
        csv.push_str(&format!("F{i:02},I,Gary,Abbot{:02},,,0,active,\n", 29 - i));
        csv.push_str(&format!("C{i:02},B,,,Garden Co {i:02},,0,active,\n"));
    }
    csv.push_str("X01,I,Ann,Other,,,0,active,\n");
    let out = import(&t.db, csv.as_bytes(), "names.csv", Some("test"))
        .await
        .unwrap();
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let q = app::domain::payer_support::NameQuery::parse("ga").unwrap();
    let found =
        t.db.accounts_by_name(&q, &app::domain::division::ALL_DIVISIONS, 8)
            .await
            .unwrap();
    assert_eq!(found.len(), 8);
    let key = |a: &app::db::accounts::AccountRow| {
        (
            a.last_name
                .clone()
                .or(a.company_name.clone())
                .unwrap_or_default(),
            a.first_name.clone().unwrap_or_default(),
            a.account_number.clone(),
        )
    };
    for a in &found {
        let names = [&a.first_name, &a.last_name, &a.company_name];
        assert!(
            names.iter().any(|n| n
                .as_deref()
                .is_some_and(|n| n.to_lowercase().starts_with("ga"))),
            "{a:?} does not match"
        );
    }
    assert!(
        found.windows(2).all(|w| key(&w[0]) < key(&w[1])),
        "not sorted by name: {found:?}"
    );
    // Abbot sorts before Gar: the first-name matches come first, from the
    // first eight Garys the first-name index gives.
    assert!(
        found.iter().all(|a| a.account_number.starts_with('F')),
        "{found:?}"
    );

    let few =
        t.db.accounts_by_name(
            &app::domain::payer_support::NameQuery::parse("garden co 0").unwrap(),
            &app::domain::division::ALL_DIVISIONS,
            8,
        )
        .await
        .unwrap();
    let numbers: Vec<&str> = few.iter().map(|a| a.account_number.as_str()).collect();
    assert_eq!(
        numbers,
        ["C00", "C01", "C02", "C03", "C04", "C05", "C06", "C07"]
    );
}

on_both_backends!(
    import_creates_accounts_links_payers_and_writes_the_ledger,
    a_bad_row_rejects_the_whole_file,
    unknown_columns_and_empty_files_are_refused,
    ledger_and_audit_rows_cannot_be_changed,
    login_ids_are_unique,
    parallel_failed_sign_ins_cannot_slip_past_the_lockout,
    parallel_claims_from_one_address_stop_at_the_limit,
    sessions_start_resolve_and_end,
    idle_sessions_expire,
    a_name_prefix_with_many_matches_gives_a_full_sorted_list,
);

async fn count(db: &Db, sql: &str) -> i64 {
    support::count(db, sql).await
}

async fn execute(db: &Db, sql: &str) -> Result<u64, sqlx::Error> {
    support::execute(db, sql).await
}
