//! Test support: a fresh database per test on each backend, and a real HTTP
//! server on a loopback port.
//!
//! PostgreSQL tests run when `PAYDESK_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) answers. With
//! `PAYDESK_REQUIRE_POSTGRES=1` (CI) an unreachable server fails them.

use app::config::Config;
use app::db::Db;
use app::web::{AppState, router};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};

pub struct TestDb {
    pub db: Db,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// Drops a PostgreSQL test database; an SQLite one goes with its folder.
    pub async fn finish(self) {
        self.db.close().await;
        if let Cleanup::Postgres { admin_url, name } = self.cleanup
            && let Ok(Db::Postgres(admin)) = Db::connect(&admin_url).await
        {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&admin)
                .await;
            admin.close().await;
        }
    }
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/paydesk.db", dir.path().display());
    let db = Db::connect(&url).await.expect("open sqlite");
    db.migrate().await.expect("migrate sqlite");
    TestDb {
        db,
        url,
        cleanup: Cleanup::Sqlite(dir),
    }
}

/// Leaves a mark that `make test` reads, so its last lines say loudly that
/// the PostgreSQL half did not run.
pub fn note_postgres_skipped(why: &str) {
    use std::io::Write;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/postgres-skipped");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{why}");
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A brand-new PostgreSQL database, or `None` when the server is not there
/// (and not required).
pub async fn postgres() -> Option<TestDb> {
    let admin_url = std::env::var("PAYDESK_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let required = std::env::var("PAYDESK_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let admin = match Db::connect(&admin_url).await {
        Ok(Db::Postgres(p)) => p,
        Ok(_) => panic!("PAYDESK_TEST_POSTGRES must be a postgres:// URL"),
        Err(e) if required => {
            panic!("PostgreSQL is required (PAYDESK_REQUIRE_POSTGRES=1) but unreachable: {e}")
        }
        Err(e) => {
            eprintln!("skipping the PostgreSQL half of this test: {e}");
            note_postgres_skipped(&e.to_string());
            return None;
        }
    };
    let name = format!(
        "paydesk_t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        app::db::now_ms() % 1_000_000
    );
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .expect("create test database");
    admin.close().await;
    let url = match admin_url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("PAYDESK_TEST_POSTGRES needs a database path"),
    };
    let db = Db::connect(&url)
        .await
        .expect("open postgres test database");
    db.migrate().await.expect("migrate postgres");
    Some(TestDb {
        db,
        url,
        cleanup: Cleanup::Postgres { admin_url, name },
    })
}

/// Defines `mod $name { sqlite, postgres }`: the same contract test run once
/// on each backend, each on its own fresh database.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let t = $crate::support::sqlite().await;
                    super::$name(&t).await;
                    t.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(t) = $crate::support::postgres().await {
                        super::$name(&t).await;
                        t.finish().await;
                    }
                }
            }
        )+
    };
}

/// A running server over `t`'s database, on a free loopback port.
pub struct TestServer {
    pub base: String,
    pub state: AppState,
    /// Holds the data folder (key, outbox) for the server's lifetime.
    pub data_dir: tempfile::TempDir,
    /// The metrics listener's base address, when `PAYDESK_METRICS_ADDR` was
    /// given (`127.0.0.1:0` picks a free port).
    pub metrics: Option<String>,
}

pub async fn serve(t: &TestDb) -> TestServer {
    serve_with(t, &[]).await
}

/// Like [`serve`], with these settings on top.
pub async fn serve_with(t: &TestDb, settings: &[(&str, &str)]) -> TestServer {
    let leptos_options = leptos::config::LeptosOptions::builder()
        .output_name("paydesk")
        .site_root("target/site")
        .build();
    serve_with_options(t, settings, leptos_options).await
}

/// Like [`serve_with`], with these Leptos options (a site root of its own).
pub async fn serve_with_options(
    t: &TestDb,
    settings: &[(&str, &str)],
    leptos_options: leptos::config::LeptosOptions,
) -> TestServer {
    let data_dir = tempfile::tempdir().expect("data dir");
    let data_path = data_dir.path().display().to_string();
    let config = Config::from_lookup(|k| match k {
        "DATABASE_URL" => Some(t.url.clone()),
        "PAYDESK_DATA_DIR" => Some(data_path.clone()),
        _ => settings
            .iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.to_string()),
    })
    .expect("test config");
    let state = AppState::new(t.db.clone(), config, leptos_options).expect("app state");
    let app = router(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    // Bound and served the way `paydesk serve` does it.
    let metrics = match app::web::prometheus::bind(&state.config)
        .await
        .expect("metrics bind")
    {
        None => None,
        Some(listener) => {
            let at = listener.local_addr().expect("metrics addr");
            tokio::spawn(app::web::prometheus::serve(listener, state.db.clone()));
            Some(format!("http://{at}"))
        }
    };
    TestServer {
        base: format!("http://{addr}"),
        state,
        data_dir,
        metrics,
    }
}

pub const CSR: (&str, &str) = ("casey", "casey-password-1");
pub const ADMIN: (&str, &str) = ("alex", "alex-password-12");

pub async fn add_staff(db: &Db) {
    use app::domain::staff::Role;
    app::services::auth::add_user(db, CSR.0, "casey@example.com", Role::Csr, CSR.1, None)
        .await
        .expect("add csr");
    app::services::auth::add_user(db, ADMIN.0, "alex@example.com", Role::Admin, ADMIN.1, None)
        .await
        .expect("add admin");
}

/// Calls a server function the way the hydrated client does (JSON back).
pub async fn call(
    c: &reqwest::Client,
    s: &TestServer,
    name: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    c.post(format!("{}/api/{name}", s.base))
        .header(reqwest::header::ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// A sign-in as the hydrated client sends it, answer unchecked.
pub async fn sign_in(
    c: &reqwest::Client,
    s: &TestServer,
    login: &str,
    password: &str,
) -> reqwest::Response {
    call(
        c,
        s,
        "sign_in",
        &[("login", login), ("password", password), ("next", "")],
    )
    .await
}

/// A server with the test staff, and a client signed in as the CSR.
pub async fn csr_signed_in(t: &TestDb) -> (TestServer, reqwest::Client) {
    add_staff(&t.db).await;
    let s = serve(t).await;
    let c = client();
    sign_in(&c, &s, "casey", CSR.1).await;
    (s, c)
}

/// A sign-in from `from`, as a trusted proxy in front of the app reports it.
pub async fn sign_in_from(
    c: &reqwest::Client,
    s: &TestServer,
    from: &str,
    login: &str,
    password: &str,
) -> reqwest::Response {
    c.post(format!("{}/api/sign_in", s.base))
        .header(reqwest::header::ACCEPT, "application/json")
        .header("x-forwarded-for", from)
        .form(&[("login", login), ("password", password), ("next", "")])
        .send()
        .await
        .unwrap()
}

/// A fresh client signed in as `who` (login, password).
pub async fn signed_in(s: &TestServer, who: (&str, &str)) -> reqwest::Client {
    let c = client();
    let r = call(&c, s, "sign_in", &[("login", who.0), ("password", who.1)]).await;
    assert_eq!(r.status(), 200, "{} signs in: {:?}", who.0, r.text().await);
    c
}

/// A client that keeps cookies and never follows redirects, so tests see
/// exactly what the server answered.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Raw SQL for tests that must look under (or around) the repository.
pub async fn count(db: &Db, sql: &str) -> i64 {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

pub async fn execute(db: &Db, sql: &str) -> Result<u64, sqlx::Error> {
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
    }
}

/// Moves every session's last request `minutes` into the past, as if its
/// user had been idle that long.
pub async fn idle_sessions(db: &Db, minutes: i64) {
    execute(
        db,
        &format!("UPDATE sessions SET last_seen_at = last_seen_at - {minutes} * 60000"),
    )
    .await
    .unwrap();
}

/// The test CSR as the services see them.
pub async fn staff(db: &Db, login: &str) -> app::domain::staff::StaffUser {
    let u = db
        .staff_by_login(login)
        .await
        .expect("read staff")
        .expect("staff exists");
    let role = app::domain::staff::Role::from_code(&u.role).expect("known role");
    let entitlements = db.entitlements_of(u.id, role).await.expect("entitlements");
    let divisions = db.staff_divisions(u.id).await.expect("divisions");
    app::domain::staff::StaffUser {
        id: u.id,
        login: u.login,
        email: u.email,
        role,
        must_change_password: false,
        entitlements,
        divisions: app::domain::division::DivisionScope::limited_to(divisions),
        viewing: None,
    }
}

/// An account's balance in cents, as stored.
pub async fn balance(t: &TestDb, account: &str) -> i64 {
    t.db.account_by_number(account)
        .await
        .unwrap()
        .unwrap()
        .balance_cents
}

/// `paydesk check` finds nothing wrong.
pub async fn no_breaches(t: &TestDb) {
    assert_eq!(t.db.ledger_breaches().await.unwrap(), Vec::<String>::new());
}

/// A payment's row, by its Reference Number as shown.
pub async fn payment_row(t: &TestDb, reference: &str) -> app::db::payments::PaymentRow {
    let r = app::domain::payment::Reference::parse(reference).unwrap();
    t.db.payment_by_reference(r.as_str())
        .await
        .unwrap()
        .unwrap()
}

/// What payment `id` holds in the income `book` (`fee_income`,
/// `category_income`): its credits less its debits, from the journal.
pub async fn income(t: &TestDb, id: i64, book: &str) -> i64 {
    count(
        &t.db,
        &format!(
            "SELECT CAST(COALESCE(SUM(CASE WHEN credit_book = '{book}' THEN amount_cents ELSE -amount_cents END), 0) AS BIGINT) \
             FROM journal WHERE payment_id = {id} AND (credit_book = '{book}' OR debit_book = '{book}')"
        ),
    )
    .await
}

/// Takes a payment through the service (Confirm, then Make Payment): a
/// card when `bank_account` is `None`, else an ACH debit from it.
pub async fn pay(
    state: &AppState,
    who: &app::domain::staff::StaffUser,
    account: &str,
    amount: &str,
    bank_account: Option<&str>,
) -> String {
    pay_on(state, who, account, amount, bank_account, None).await
}

/// A date about a month ahead of the biller's today (always valid, always
/// within the year a payment may be scheduled).
pub fn next_month(state: &AppState) -> String {
    let t = app::services::clock::today(&state.config.timezone);
    let (y, m) = if t.month == 12 {
        (t.year + 1, 1)
    } else {
        (t.year, t.month + 1)
    };
    format!("{y:04}-{m:02}-{:02}", t.day.min(28))
}

/// Like [`pay`], for the date `on` (`None`: today).
pub async fn pay_on(
    state: &AppState,
    who: &app::domain::staff::StaffUser,
    account: &str,
    amount: &str,
    bank_account: Option<&str>,
    on: Option<&str>,
) -> String {
    pay_toward(state, who, account, amount, bank_account, on, None).await
}

/// Like [`pay_on`], toward the bill with id `bill` when there is one.
pub async fn pay_toward(
    state: &AppState,
    who: &app::domain::staff::StaffUser,
    account: &str,
    amount: &str,
    bank_account: Option<&str>,
    on: Option<&str>,
    bill: Option<i64>,
) -> String {
    let form = app::domain::payment::PaymentForm {
        account: account.into(),
        email: "payer@example.com".into(),
        amount: amount.into(),
        pay_date: on.unwrap_or_default().into(),
        bill: bill.map(|b| b.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    pay_form(state, who, form, bank_account).await
}

/// Make Payment of category `lines` (the amount is theirs), today.
pub async fn pay_lines(
    state: &AppState,
    who: &app::domain::staff::StaffUser,
    account: &str,
    bank_account: Option<&str>,
    lines: Vec<app::domain::category_payment::LinePick>,
) -> String {
    let form = app::domain::payment::PaymentForm {
        account: account.into(),
        email: "payer@example.com".into(),
        lines,
        ..Default::default()
    };
    pay_form(state, who, form, bank_account).await
}

/// Confirm and Make Payment of `form`, by card or from `bank_account`.
async fn pay_form(
    state: &AppState,
    who: &app::domain::staff::StaffUser,
    mut form: app::domain::payment::PaymentForm,
    bank_account: Option<&str>,
) -> String {
    match bank_account {
        None => {
            form.method = "card".into();
            form.card_name = "Pat Payer".into();
            form.card_number = "4242424242424242".into();
            form.card_expiry = "12/39".into();
            form.card_cvv = "123".into();
            form.card_zip = "02139".into();
        }
        Some(number) => {
            form.method = "bank".into();
            form.bank_holder = "Pat Payer".into();
            form.bank_routing = "021000021".into();
            form.bank_account = number.into();
            form.bank_kind = "checking".into();
        }
    }
    let payments = state.payments();
    let sealed = payments.review(who, &form).await.expect("review");
    payments
        .submit(who, &sealed, None)
        .await
        .expect("submit")
        .reference
        .to_string()
}

/// The `nth` (from 1, oldest first) email in `outbox` containing `needle`,
/// waiting for it: mail goes out after the commit, in the background.
pub async fn wait_for_mail(outbox: &std::path::Path, needle: &str, nth: usize) -> String {
    for _ in 0..400 {
        let mut found: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(outbox)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    // Only finished mail: not a half-written temporary file.
                    .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .filter_map(|e| {
                        Some((
                            e.metadata().ok()?.modified().ok()?,
                            std::fs::read_to_string(e.path()).ok()?,
                        ))
                    })
                    .filter(|(_, m)| m.contains(needle))
                    .collect()
            })
            .unwrap_or_default();
        if found.len() >= nth {
            found.sort_by_key(|(t, _)| *t);
            return found.swap_remove(nth - 1).1;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!(
        "no email #{nth} containing {needle:?} in {}",
        outbox.display()
    )
}

/// Posts the Cancel/Reverse form with `key` (as the payment page issues
/// it), confirmed, reason "payer asked for it".
pub async fn cancel_reverse(
    c: &reqwest::Client,
    s: &TestServer,
    reference: &str,
    key: &str,
    action: &str,
    amount: &str,
) -> reqwest::Response {
    let form = [
        ("form[reference]", reference),
        ("form[key]", key),
        ("form[action]", action),
        ("form[amount]", amount),
        ("form[reason]", "payer_request"),
        ("form[reason_text]", ""),
        ("form[confirm]", "yes"),
    ];
    c.post(format!("{}/api/cancel_reverse", s.base))
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// Gives `login` exactly `granted` (per-user overrides of their role).
pub async fn set_entitlements(
    db: &Db,
    login: &str,
    granted: &[app::domain::entitlements::Entitlement],
) {
    use app::domain::entitlements::{Entitlement, Entitlements};
    let u = staff(db, login).await;
    let wanted: Entitlements = granted.iter().copied().collect();
    let overrides = Entitlement::default_for(u.role).overrides_for(&wanted);
    let entry = app::db::audit::AuditEntry::new(
        app::db::now_ms(),
        app::domain::audit_action::AuditAction::UserEntitlements,
    );
    db.set_user_overrides(u.id, &overrides, &entry)
        .await
        .expect("set overrides");
}

/// The password of payers made by [`enroll_payer`].
pub const PAYER_PASSWORD: &str = "Blue kettle 2026!";

/// Enrolls `user_id` on `account` through Register Now's service, with
/// [`PAYER_PASSWORD`].
pub async fn enroll_payer(s: &TestServer, account: &str, user_id: &str) {
    use app::domain::payer_account::{CHALLENGE_QUESTIONS, RegisterForm};
    let a = s
        .state
        .db
        .account_by_number(account)
        .await
        .unwrap()
        .unwrap();
    let form = RegisterForm {
        account: account.into(),
        name: a.last_name.or(a.company_name).unwrap(),
        email: format!("{user_id}@example.com"),
        user_id: user_id.into(),
        password: PAYER_PASSWORD.into(),
        confirm: PAYER_PASSWORD.into(),
        question1: CHALLENGE_QUESTIONS[0].into(),
        answer1: "Rex".into(),
        question2: CHALLENGE_QUESTIONS[1].into(),
        answer2: "Hilo".into(),
    };
    s.state
        .payer_accounts()
        .register(&form, None)
        .await
        .expect("registered");
}

/// A payment form paying `amount` on `account` with the card `number`.
pub fn card_form<'a>(
    account: &'a str,
    amount: &'a str,
    number: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("form[account]", account),
        ("form[email]", "payer@example.com"),
        ("form[amount]", amount),
        ("form[method]", "card"),
        ("form[card_name]", "Pat Payer"),
        ("form[card_number]", number),
        ("form[card_expiry]", "12/39"),
        ("form[card_cvv]", "123"),
        ("form[card_zip]", "02139"),
    ]
}

/// What follows `prefix` in a message (quoted-printable's soft line breaks
/// undone, as a mail reader does), up to the first character `keep` refuses.
pub fn after_in_message(message: &str, prefix: &str, keep: impl Fn(char) -> bool) -> String {
    let message = message.replace("=\r\n", "").replace("=\n", "");
    let at = message
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} in the message"))
        + prefix.len();
    message[at..].chars().take_while(|c| keep(*c)).collect()
}

/// The payment link's token in a message.
pub fn link_token_in(message: &str) -> String {
    let token = after_in_message(message, "/p/link/", |c| {
        c.is_ascii_alphanumeric() || c == '.'
    });
    assert!(
        app::domain::payment_link::LinkToken::parse(&token).is_some(),
        "{token}"
    );
    token
}

/// Send Link by email to `to` as `c` (a CSR); returns the token the payer got.
pub async fn send_link_by_email(
    c: &reqwest::Client,
    s: &TestServer,
    account: &str,
    to: &str,
    nth: usize,
) -> String {
    let r = call(
        c,
        s,
        "send_payment_link",
        &[
            ("form[account]", account),
            ("form[channel]", "email"),
            ("form[email]", to),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let mail = wait_for_mail(&s.data_dir.path().join("outbox"), to, nth).await;
    link_token_in(&mail)
}

/// The message the server put beside `field` in a 422 answer, if any.
pub async fn field_error(r: reqwest::Response, field: &str) -> Option<String> {
    let v: serde_json::Value = r.json().await.ok()?;
    v["Invalid"]["errors"]
        .as_array()?
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["message"].as_str())
        .map(str::to_string)
}

/// Settles now, as `paydesk settle` would, with the server's keys (its
/// data folder gets the NACHA file).
pub async fn settle(s: &TestServer) -> app::services::settlement::SettleOutcome {
    app::services::settlement::settle(
        &s.state.db,
        &s.state.config,
        &s.state.keys,
        app::db::now_ms() + 1,
        "test",
    )
    .await
    .expect("settlement runs")
}

/// The fields a 422 answer names, in its order.
pub async fn error_fields(r: reqwest::Response) -> Vec<String> {
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    v["Invalid"]["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A 200 answer's JSON (the body shown when it is not a 200).
pub async fn json(r: reqwest::Response) -> serde_json::Value {
    let status = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// A client signed in on the payer site as `user`.
pub async fn signed_in_payer(s: &TestServer, user: &str, password: &str) -> reqwest::Client {
    let c = client();
    let r = call(
        &c,
        s,
        "p_sign_in",
        &[("form[user_id]", user), ("form[password]", password)],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    c
}
