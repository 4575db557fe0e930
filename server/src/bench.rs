//! `paydesk bench …`: the parts of `make bench` that need the database or
//! the payment service directly. The load itself comes from `wrk` (bench/);
//! what is here makes the synthetic dataset, picks the queries, seals the
//! reviews the load submits, and measures the baselines a figure is set
//! against: the raw lookups and the payment transaction without HTTP (the
//! ceiling), which are loops by definition.
//!
//! The synthetic dataset is for measuring: its accounts start at a zero
//! balance with no journal, and its payments are Processed rows without
//! journal entries, so `paydesk check` says nothing useful about it.

use crate::cli::CliError;
use app::config::Config;
use app::db::{Backend, Db};
use app::domain::payer_support::{NameQuery, SearchBy};
use app::domain::payment::PaymentForm;
use app::domain::report::ReportQuery;
use app::domain::staff::StaffUser;
use app::error::AppError;
use app::services::{keyring::Keyring, payments::Payments, processor::SandboxProcessor};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Add ACCOUNTS synthetic accounts (numbers from 2000001; names built
    /// from syllables), one payer user ID per two accounts (enrolled over
    /// 2025), one Unpaid bill each, and PAYMENTS_PER_ACCOUNT Processed card
    /// payments each, entered evenly over 2025 (7 in 10 of each account's
    /// first payment pay its bill, which keeps what they paid; 1 in 20
    /// payments is half refunded, by a partial refund an hour later), and
    /// a settlement run at the end of each UTC day of 2025. Deterministic.
    Seed {
        #[arg(long)]
        accounts: u64,
        #[arg(long, default_value_t = 5)]
        payments_per_account: u64,
    },
    /// Write COUNT queries of each kind (account, user, reference, name
    /// prefix), sampled across the dataset, one per line, into DIR.
    Queries {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 2000)]
        count: u64,
    },
    /// Time the raw lookup behind each search, once per query in DIR: the
    /// baseline the HTTP figures are set against.
    Lookups {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Seal COUNT payment reviews for the demo CSR (a $1.00 card payment on
    /// the accounts in DIR/account.txt), one per line into OUT, for the
    /// load generator to submit through Make Payment.
    Reviews {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        count: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// The ceiling: COUNT payments taken through the payment service by
    /// CLIENTS tasks at once, no HTTP in between.
    Ceiling {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        count: u64,
        #[arg(long, default_value_t = 16)]
        clients: usize,
    },
    /// Add COUNT Pending payments (half card, half ACH with an encrypted
    /// bank account) for `paydesk settle` to settle.
    Pending {
        #[arg(long)]
        count: u64,
    },
    /// Add COUNT enrolled payers, each on an account of its own with a
    /// saved card, and a monthly $10.00 recurring plan first due on FIRST
    /// (YYYY-MM-DD): the automatic payments benchmark (bench/plans.sh).
    Plans {
        #[arg(long)]
        count: u64,
        #[arg(long)]
        first: String,
    },
    /// Time one report's page (its summaries, its row count and its first
    /// page) COUNT times through the report service, no HTTP: the baseline
    /// for `load_report` over HTTP (bench/report_http.py). PARAM is
    /// `name=value`, repeatable.
    Report {
        #[arg(long)]
        kind: String,
        #[arg(long = "param")]
        params: Vec<String>,
        #[arg(long, default_value_t = 50)]
        count: usize,
    },
    /// Export a report through the export service, no HTTP (the baseline
    /// for the export over HTTP): rows, bytes and time.
    Export {
        #[arg(long)]
        kind: String,
        #[arg(long = "param")]
        params: Vec<String>,
        #[arg(long, default_value = "csv")]
        format: String,
    },
}

pub async fn run(config: &Config, db: &Db, command: BenchCommand) -> Result<(), CliError> {
    match command {
        BenchCommand::Seed {
            accounts,
            payments_per_account,
        } => seed(db, accounts, payments_per_account).await,
        BenchCommand::Queries { dir, count } => queries(db, &dir, count).await,
        BenchCommand::Lookups { dir } => lookups(db, &dir).await,
        BenchCommand::Reviews { dir, count, out } => {
            let reviews = seal_reviews(
                config,
                db,
                &keyring(config)?,
                &demo_csr(db).await?,
                &dir,
                count,
            )
            .await?;
            std::fs::write(&out, reviews.join("\n") + "\n").map_err(|e| io(&out, e))
        }
        BenchCommand::Ceiling {
            dir,
            count,
            clients,
        } => ceiling(config, db, &dir, count, clients).await,
        BenchCommand::Pending { count } => pending(config, db, count).await,
        BenchCommand::Plans { count, first } => plans(config, db, count, &first).await,
        BenchCommand::Report {
            kind,
            params,
            count,
        } => report(config, db, report_query(&kind, &params)?, count).await,
        BenchCommand::Export {
            kind,
            params,
            format,
        } => export(config, db, report_query(&kind, &params)?, &format).await,
    }
}

fn io(path: &Path, e: std::io::Error) -> CliError {
    CliError::Io(format!("{}: {e}", path.display()))
}

fn sql_error(e: sqlx::Error) -> CliError {
    CliError::App(format!("bench: {e}"))
}

async fn execute(db: &Db, sql: &str) -> Result<u64, CliError> {
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
    }
    .map_err(sql_error)
}

async fn strings(db: &Db, sql: &str) -> Result<Vec<String>, CliError> {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar::<_, String>(sql).fetch_all(p).await,
        Db::Postgres(p) => sqlx::query_scalar::<_, String>(sql).fetch_all(p).await,
    }
    .map_err(sql_error)
}

async fn number(db: &Db, sql: &str) -> Result<i64, CliError> {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
    }
    .map_err(sql_error)
}

/// The integers `from..=to` as a table `s(i)`, in each engine's own way.
fn series(db: &Db, from: u64, to: u64) -> String {
    match db.backend() {
        Backend::Sqlite => format!(
            "WITH RECURSIVE s(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM s WHERE i < {to})"
        ),
        Backend::Postgres => {
            format!("WITH s(i) AS (SELECT generate_series({from}::bigint, {to}::bigint))")
        }
    }
}

/// Three-letter syllables: 20 × 20 × 20 surnames, each shared by about
/// 125 of 1,000,000 accounts, so a two-letter prefix matches thousands.
const UPPER: &str = "BarColDenFinGarHolKinLamMorNelPenQuiRosSalTorValWesYarZelBri";
const LOWER: &str = "barcoldenfingarholkinlammornelpenquirossaltorvalwesyarzelbri";

fn syllable(list: &str, index: &str) -> String {
    format!("substr('{list}', CAST((({index}) % 20) * 3 + 1 AS INTEGER), 3)")
}

/// Where the synthetic accounts start.
const FIRST_NUMBER: u64 = 2_000_000;
/// Rows per statement while seeding, so progress shows and no statement
/// holds millions of rows at once.
const SEED_CHUNK: u64 = 500_000;

/// Runs the insert `sql(series)` over `1..=total` in chunks of
/// `SEED_CHUNK`, saying how far it has got.
async fn in_chunks(
    db: &Db,
    what: &str,
    total: u64,
    started: Instant,
    sql: impl Fn(String) -> String,
) -> Result<(), CliError> {
    for from in (1..=total).step_by(SEED_CHUNK as usize) {
        let to = (from + SEED_CHUNK - 1).min(total);
        execute(db, &sql(series(db, from, to))).await?;
        eprintln!("seed: {to} {what} ({:.0?})", started.elapsed());
    }
    Ok(())
}

/// A Reference Number made from `i`: `prefix`, then `i` in base 30 over the
/// reference alphabet, 7 places. Random references start with any letter,
/// so a clash is possible in principle and never seen in practice; the
/// column is UNIQUE, so it could only stop the seed, not corrupt it.
fn reference_sql(prefix: char) -> String {
    let digit = |div: u64| {
        format!(
            "substr('23456789ABCDEFGHJKMNPQRSTVWXYZ', CAST(((i / {div}) % 30) + 1 AS INTEGER), 1)"
        )
    };
    std::iter::once(format!("'{prefix}'"))
        .chain([729_000_000, 24_300_000, 810_000, 27_000, 900, 30, 1].map(digit))
        .collect::<Vec<_>>()
        .join(" || ")
}

/// 2025-01-01T00:00Z: the synthetic payments and enrollments fill the year
/// from here, so a report's day or month finds a realistic share of them.
const YEAR_START_MS: u64 = 1_735_689_600_000;
const YEAR_MS: u64 = 365 * 86_400_000;

/// The time of the `i`th (1-based) of `n` events spread evenly over 2025.
fn spread(i: &str, n: u64) -> String {
    format!("{YEAR_START_MS} + ({i} - 1) * {}", YEAR_MS / n.max(1))
}

/// One Unpaid bill per synthetic account, due on one of 150 days from
/// 2025-09-03, for the amount of the account's first payment: 7 in 10 of
/// those payments are toward the bill (see `seed`), which leaves the
/// rest, and the part-refunded ones, for Aging. Returns the first bill's id.
async fn seed_bills(db: &Db, base: i64, accounts: u64, started: Instant) -> Result<i64, CliError> {
    let due = match db.backend() {
        Backend::Sqlite => "date('2025-09-03', '+' || (i % 150) || ' days')",
        Backend::Postgres => "to_char(DATE '2025-09-03' + CAST(i % 150 AS INTEGER), 'YYYY-MM-DD')",
    };
    in_chunks(db, "bills", accounts, started, |s| {
        format!(
            "{s} INSERT INTO bills (account_id, invoice_number, invoice_date, due_date, amount_due_cents, \
             minimum_due_cents, created_at, updated_at) \
             SELECT {base} + i - 1, 'BENCH' || i, '2025-08-01', {due}, 100 + (i * 7919) % 50000, 0, 0, 0 FROM s"
        )
    })
    .await?;
    let first = number(
        db,
        "SELECT MIN(id) FROM bills WHERE invoice_number = 'BENCH1'",
    )
    .await?;
    let last = number(
        db,
        &format!("SELECT MAX(id) FROM bills WHERE invoice_number = 'BENCH{accounts}'"),
    )
    .await?;
    if last - first != accounts as i64 - 1 {
        return Err(CliError::App(format!(
            "bench: the synthetic bill ids are not contiguous ({first}..{last})"
        )));
    }
    Ok(first)
}

async fn seed(db: &Db, accounts: u64, per_account: u64) -> Result<(), CliError> {
    let started = Instant::now();
    let existing = number(
        db,
        &format!(
            "SELECT COUNT(*) FROM accounts WHERE account_number = '{}'",
            FIRST_NUMBER + 1
        ),
    )
    .await?;
    if existing > 0 {
        return Err(CliError::Rejected(
            "this database already has the synthetic accounts".into(),
        ));
    }
    let last = format!(
        "{} || {} || {}",
        syllable(UPPER, "i * 7919"),
        syllable(LOWER, "(i * 7919) / 20"),
        syllable(LOWER, "(i * 7919) / 400")
    );
    let first = format!(
        "{} || {}",
        syllable(UPPER, "i * 31"),
        syllable(LOWER, "(i * 37) / 20")
    );
    in_chunks(db, "accounts", accounts, started, |s| {
        format!(
            "{s} INSERT INTO accounts (account_number, account_type, first_name, last_name, company_name, email, \
             balance_cents, status, created_at, updated_at) \
             SELECT CAST({FIRST_NUMBER} + i AS TEXT), CASE WHEN i % 10 = 0 THEN 'B' ELSE 'I' END, \
             CASE WHEN i % 10 = 0 THEN NULL ELSE {first} END, CASE WHEN i % 10 = 0 THEN NULL ELSE {last} END, \
             CASE WHEN i % 10 = 0 THEN {last} || ' Services' ELSE NULL END, 'payer' || i || '@example.com', \
             0, 'active', 0, 0 FROM s"
        )
    })
    .await?;
    let base = number(
        db,
        &format!(
            "SELECT MIN(id) FROM accounts WHERE account_number = '{}'",
            FIRST_NUMBER + 1
        ),
    )
    .await?;
    let top = number(
        db,
        &format!(
            "SELECT MAX(id) FROM accounts WHERE account_number = '{}'",
            FIRST_NUMBER + accounts
        ),
    )
    .await?;
    // Payments name their account by id, computed from the first one.
    if top - base != accounts as i64 - 1 {
        return Err(CliError::App(format!(
            "bench: the synthetic account ids are not contiguous ({base}..{top})"
        )));
    }
    let payers = accounts.div_ceil(2);
    execute(
        db,
        &format!(
            "{} INSERT INTO payers (user_id, created_at) SELECT 'bench' || i, {} FROM s",
            series(db, 1, payers),
            spread("i", payers)
        ),
    )
    .await?;
    execute(
        db,
        &format!(
            "{} INSERT INTO account_payers (account_id, payer_id) \
             SELECT {base} + i - 1, p.id FROM s JOIN payers p ON p.user_id = 'bench' || ((i + 1) / 2)",
            series(db, 1, accounts)
        ),
    )
    .await?;
    eprintln!("seed: {payers} payers ({:.0?})", started.elapsed());
    let bill_base = seed_bills(db, base, accounts, started).await?;
    let payments = accounts * per_account;
    let reference = reference_sql('Z');
    in_chunks(db, "payments", payments, started, |s| {
        format!(
            "{s} INSERT INTO payments (reference, idempotency_key, account_id, amount_cents, method_kind, method_label, \
             card_token, card_brand, card_last4, card_expiry, cardholder, billing_zip, receipt_email, status, channel, \
             created_at, updated_at, settled_at, captured_cents, refunded_cents, refund_count, bill_id) \
             SELECT {reference}, 'bench-' || i, {base} + ((i - 1) % {accounts}), 100 + (i * 7919) % 50000, 'card', \
             'Visa •••• ' || (1000 + i % 9000), 'tok_bench', 'visa', CAST(1000 + i % 9000 AS TEXT), '12/30', \
             'Pat Payer', '02139', 'payer@example.com', 'processed', 'csr', \
             {at}, {at}, {at}, 100 + (i * 7919) % 50000, \
             CASE WHEN i % 20 = 0 THEN (100 + (i * 7919) % 50000) / 2 ELSE 0 END, \
             CASE WHEN i % 20 = 0 THEN 1 ELSE 0 END, \
             CASE WHEN i <= {accounts} AND i % 10 < 7 THEN {bill_base} + i - 1 END FROM s",
            at = spread("i", payments)
        )
    })
    .await?;
    // The partial refund behind each part-refunded payment (1 in 20), made
    // an hour after it was entered (and settled): Settlement's Credits and
    // Reconciliation's reversals have rows, as a biller's would.
    execute(
        db,
        "INSERT INTO payment_actions (payment_id, idempotency_key, kind, amount_cents, reason_code, created_at, after_settlement) \
         SELECT id, 'bench-refund-' || CAST(id AS TEXT), 'partial_refund', refunded_cents, 'payer_request', created_at + 3600000, TRUE \
         FROM payments WHERE refunded_cents > 0 AND idempotency_key LIKE 'bench-%'",
    )
    .await?;
    eprintln!("seed: refunds ({:.0?})", started.elapsed());
    // A settlement run at the end of each UTC day of 2025, so that a day's
    // Reconciliation has a cycle: the card payments settled (entered) in
    // the 24 hours before it, about 13,700 at 1,000,000 accounts. No
    // journal lines or NACHA files: the verdict is not what is measured.
    execute(
        db,
        &format!(
            "{} INSERT INTO settlement_runs (actor, cutoff_at, card_count, card_total_cents, created_at) \
             SELECT 'bench', {YEAR_START_MS} + i * 86400000 - 1, 0, 0, {YEAR_START_MS} + i * 86400000 - 1 FROM s",
            series(db, 1, 365)
        ),
    )
    .await?;
    // What each bill was paid, as the payments' own transactions keep it
    // (bills.paid_cents, migration 0021), for the bills just seeded.
    let paid = match db.backend() {
        Backend::Sqlite => {
            "UPDATE bills SET paid_cents = COALESCE((SELECT SUM(p.amount_cents - p.refunded_cents) FROM payments p \
             WHERE p.bill_id = bills.id AND p.status IN ('pending', 'processed')), 0) WHERE invoice_number LIKE 'BENCH%'"
        }
        Backend::Postgres => {
            "UPDATE bills b SET paid_cents = t.paid FROM (SELECT bill_id, SUM(amount_cents - refunded_cents) AS paid \
             FROM payments WHERE bill_id IS NOT NULL AND status IN ('pending', 'processed') GROUP BY bill_id) t \
             WHERE t.bill_id = b.id"
        }
    };
    execute(db, paid).await?;
    eprintln!("seed: bills' paid amounts ({:.0?})", started.elapsed());
    // PostgreSQL reads an index alone only for pages its visibility map
    // says are all visible, which VACUUM sets (autovacuum would, later).
    let analyze = match db.backend() {
        Backend::Sqlite => "ANALYZE",
        Backend::Postgres => "VACUUM ANALYZE",
    };
    execute(db, analyze).await?;
    println!(
        "seeded {accounts} accounts and bills, {payers} payers and {payments} payments in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A deterministic sample of `count` values spread over the whole table,
/// in an order that jumps about (no two neighbours are near in the index).
async fn sample(db: &Db, select: &str, table: &str, count: u64) -> Result<Vec<String>, CliError> {
    let rows = number(db, &format!("SELECT COUNT(*) FROM {table}"))
        .await?
        .max(1) as u64;
    let step = (rows / count).max(1);
    let mut values = strings(
        db,
        &format!("SELECT {select} FROM {table} WHERE id % {step} = 0 ORDER BY id LIMIT {count}"),
    )
    .await?;
    let n = values.len();
    let mut shuffled = Vec::with_capacity(n);
    for k in 0..n {
        shuffled.push(std::mem::take(&mut values[(k * 7919) % n]));
    }
    // 7919 is prime: unless it divides n, every row was taken exactly once.
    shuffled.retain(|v| !v.is_empty());
    Ok(shuffled)
}

const KINDS: [&str; 4] = ["account", "user", "reference", "name"];

async fn queries(db: &Db, dir: &Path, count: u64) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    for kind in KINDS {
        let values = match kind {
            "account" => sample(db, "account_number", "accounts", count).await?,
            "user" => sample(db, "user_id", "payers", count).await?,
            "reference" => sample(db, "reference", "payments", count).await?,
            // What a CSR has typed after 2 to 5 letters of a surname or company.
            _ => sample(db, "COALESCE(last_name, company_name)", "accounts", count)
                .await?
                .into_iter()
                .enumerate()
                .map(|(k, name)| name.chars().take(2 + k % 4).collect())
                .collect(),
        };
        let path = dir.join(format!("{kind}.txt"));
        std::fs::write(&path, values.join("\n") + "\n").map_err(|e| io(&path, e))?;
        println!("{kind}: {} queries", values.len());
    }
    Ok(())
}

fn read_lines(path: &Path) -> Result<Vec<String>, CliError> {
    Ok(std::fs::read_to_string(path)
        .map_err(|e| io(path, e))?
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

/// p50 and p99 of a set of timings, in microseconds.
fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let at = |p: f64| {
        times
            .get(((times.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    (at(0.50), at(0.99))
}

/// Lookups per kind that only warm the caches before the timed ones.
const WARM_UP: usize = 200;

/// Runs `lookup` once per query after `WARM_UP` untimed ones (which only
/// warm the caches): the timings, and how many found nothing.
async fn time_each<F, Fut>(
    queries: &[String],
    mut lookup: F,
) -> Result<(Vec<Duration>, usize), CliError>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<bool, CliError>>,
{
    let mut times = Vec::with_capacity(queries.len());
    let mut misses = 0;
    for (k, q) in queries
        .iter()
        .take(WARM_UP)
        .chain(queries.iter())
        .enumerate()
    {
        let started = Instant::now();
        let found = lookup(q.clone()).await?;
        if k >= WARM_UP.min(queries.len()) {
            times.push(started.elapsed());
            misses += usize::from(!found);
        }
    }
    Ok((times, misses))
}

async fn lookups(db: &Db, dir: &Path) -> Result<(), CliError> {
    let failed = |e: app::db::DbError| CliError::App(format!("bench: {e}"));
    for kind in KINDS {
        let queries = read_lines(&dir.join(format!("{kind}.txt")))?;
        let (times, misses) = time_each(&queries, |q| async move {
            match kind {
                "account" => db.account_by_number(&q).await.map(|r| r.is_some()),
                "user" => db.accounts_for_user_id(&q).await.map(|r| !r.is_empty()),
                "reference" => db.payment_by_reference(&q).await.map(|r| r.is_some()),
                _ => match NameQuery::parse(&q) {
                    Some(nq) => db
                        .accounts_by_name(&nq, &app::domain::division::ALL_DIVISIONS, 8)
                        .await
                        .map(|r| !r.is_empty()),
                    None => Ok(false),
                },
            }
            .map_err(failed)
        })
        .await?;
        let (p50, p99) = percentiles(times);
        println!(
            "lookup {kind} p50_us={p50:.0} p99_us={p99:.0} n={} misses={misses}",
            queries.len()
        );
        // The whole search as the server function runs it, minus HTTP and
        // the session: where the time between the two figures goes.
        let by = match kind {
            "account" => SearchBy::AccountNumber,
            "user" => SearchBy::UserId,
            "reference" => SearchBy::Reference,
            _ => continue,
        };
        let (times, _) = time_each(&queries, |q| async move {
            let found = app::services::payer_support::search(
                db,
                &app::domain::division::ALL_DIVISIONS,
                by,
                &q,
                "America/New_York",
            )
            .await?;
            Ok(!found.accounts.is_empty())
        })
        .await?;
        let (p50, p99) = percentiles(times);
        println!("service {kind} p50_us={p50:.0} p99_us={p99:.0}");
    }
    Ok(())
}

/// The demo CSR, who takes the bench's payments.
async fn demo_csr(db: &Db) -> Result<StaffUser, CliError> {
    app::services::demo::demo_csr(db).await?.ok_or_else(|| {
        CliError::Rejected("the demo CSR is missing: run `paydesk demo` first".into())
    })
}

/// The keyring in PAYDESK_DATA_DIR: the server opens what the bench seals.
fn keyring(config: &Config) -> Result<Keyring, CliError> {
    Ok(Keyring::for_config(config)?)
}

async fn seal_reviews(
    config: &Config,
    db: &Db,
    keys: &Keyring,
    csr: &StaffUser,
    dir: &Path,
    count: u64,
) -> Result<Vec<String>, CliError> {
    let processor = SandboxProcessor::new(keys.clone());
    let payments = Payments {
        db,
        config,
        keys,
        processor: &processor,
    };
    // Only the synthetic accounts (all active): at a small size the sample
    // also holds demo accounts, some of them inactive, which take no payment.
    let accounts: Vec<String> = read_lines(&dir.join("account.txt"))?
        .into_iter()
        .filter(|a| a.parse::<u64>().is_ok_and(|n| n > FIRST_NUMBER))
        .collect();
    if accounts.is_empty() {
        return Err(CliError::Rejected(
            "no accounts to pay: run `paydesk bench queries` first".into(),
        ));
    }
    let mut sealed = Vec::with_capacity(count as usize);
    for k in 0..count as usize {
        let form = PaymentForm {
            account: accounts[k % accounts.len()].clone(),
            email: "payer@example.com".into(),
            amount: "1.00".into(),
            method: "card".into(),
            card_name: "Pat Payer".into(),
            card_number: "4242424242424242".into(),
            card_expiry: "12/39".into(),
            card_cvv: "123".into(),
            card_zip: "02139".into(),
            ..PaymentForm::default()
        };
        sealed.push(payments.review(csr, &form).await?);
    }
    Ok(sealed)
}

async fn ceiling(
    config: &Config,
    db: &Db,
    dir: &Path,
    count: u64,
    clients: usize,
) -> Result<(), CliError> {
    let (keys, csr) = (keyring(config)?, demo_csr(db).await?);
    let reviews = seal_reviews(config, db, &keys, &csr, dir, count).await?;
    let queue = std::sync::Arc::new(std::sync::Mutex::new(reviews));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients.max(1) {
        let (queue, db, config, keys, csr) = (
            queue.clone(),
            db.clone(),
            config.clone(),
            keys.clone(),
            csr.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let processor = SandboxProcessor::new(keys.clone());
            let payments = Payments {
                db: &db,
                config: &config,
                keys: &keys,
                processor: &processor,
            };
            let mut taken = 0u64;
            loop {
                let next = queue.lock().map_or(None, |mut q| q.pop());
                let Some(r) = next else { break };
                payments.submit(&csr, &r, None).await?;
                taken += 1;
            }
            Ok::<u64, AppError>(taken)
        }));
    }
    let mut taken = 0;
    for t in tasks {
        taken += t
            .await
            .map_err(|e| CliError::App(format!("bench: {e}")))??;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "ceiling payments={taken} clients={clients} seconds={secs:.2} per_second={:.1}",
        taken as f64 / secs
    );
    Ok(())
}

async fn pending(config: &Config, db: &Db, count: u64) -> Result<(), CliError> {
    let keys = keyring(config)?;
    // One sealed account number for every ACH row: settlement opens each.
    let enc = keys.seal(
        app::services::keyring::PURPOSE_BANK_ACCOUNT,
        b"000123456789",
    );
    let account = number(db, "SELECT MIN(id) FROM accounts WHERE status = 'active'").await?;
    let started = Instant::now();
    let reference = reference_sql('Y');
    execute(
        db,
        &format!(
            "{} INSERT INTO payments (reference, idempotency_key, account_id, amount_cents, method_kind, method_label, \
             card_token, card_brand, card_last4, card_expiry, cardholder, billing_zip, \
             bank_holder, bank_routing, bank_account_enc, bank_last4, bank_kind, receipt_email, status, channel, created_at, updated_at) \
             SELECT {reference}, 'bench-pending-' || i, {account}, 100 + (i * 7919) % 50000, \
             CASE WHEN i % 2 = 0 THEN 'card' ELSE 'ach' END, \
             CASE WHEN i % 2 = 0 THEN 'Visa •••• 4242' ELSE 'Checking •••• 6789' END, \
             CASE WHEN i % 2 = 0 THEN 'tok_bench' END, CASE WHEN i % 2 = 0 THEN 'visa' END, CASE WHEN i % 2 = 0 THEN '4242' END, \
             CASE WHEN i % 2 = 0 THEN '12/30' END, CASE WHEN i % 2 = 0 THEN 'Pat Payer' END, CASE WHEN i % 2 = 0 THEN '02139' END, \
             CASE WHEN i % 2 = 1 THEN 'Pat Payer' END, CASE WHEN i % 2 = 1 THEN '021000021' END, CASE WHEN i % 2 = 1 THEN '{enc}' END, \
             CASE WHEN i % 2 = 1 THEN '6789' END, CASE WHEN i % 2 = 1 THEN 'checking' END, \
             'payer@example.com', 'pending', 'csr', 1700000000000 + i, 1700000000000 + i FROM s",
            series(db, 1, count)
        ),
    )
    .await?;
    execute(db, "ANALYZE").await?;
    println!(
        "added {count} pending payments in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn plans(config: &Config, db: &Db, count: u64, first: &str) -> Result<(), CliError> {
    if app::domain::payment::parse_iso_date(first).is_none() {
        return Err(CliError::Rejected(format!("--first {first}: YYYY-MM-DD")));
    }
    let keys = keyring(config)?;
    // One sandbox token for every card: the processor opens each.
    let card = SandboxProcessor::new(keys.clone()).tokenize_card(
        &app::domain::card::CardNumber::parse("4242424242424242")
            .map_err(|e| CliError::App(e.to_string()))?,
        app::domain::card::Expiry {
            year: 2039,
            month: 12,
        },
    );
    let started = Instant::now();
    let s = series(db, 1, count);
    execute(
        db,
        &format!(
            "{s} INSERT INTO accounts (account_number, account_type, first_name, last_name, email, balance_cents, status, created_at, updated_at) \
             SELECT 'P' || (3000000 + i), 'I', 'Plan', 'Payer', 'plan.payer@example.com', 0, 'active', 0, 0 FROM s"
        ),
    )
    .await?;
    execute(
        db,
        &format!(
            "{s} INSERT INTO payers (user_id, created_at) SELECT 'plan.payer.' || i, 0 FROM s"
        ),
    )
    .await?;
    execute(
        db,
        "INSERT INTO account_payers (account_id, payer_id) SELECT a.id, p.id FROM accounts a \
         JOIN payers p ON p.user_id = 'plan.payer.' || CAST(CAST(substr(a.account_number, 2) AS BIGINT) - 3000000 AS TEXT) \
         WHERE a.account_number LIKE 'P3%'",
    )
    .await?;
    execute(
        db,
        &format!(
            "INSERT INTO saved_methods (payer_id, method_kind, label, card_token, card_brand, card_last4, card_expiry, cardholder, billing_zip, created_at) \
             SELECT id, 'card', 'Visa •••• 4242', '{}', 'Visa', '4242', '12/39', 'Plan Payer', '02139', 0 FROM payers WHERE user_id LIKE 'plan.payer.%'",
            card.token
        ),
    )
    .await?;
    let staff = number(db, "SELECT MIN(id) FROM staff_users").await?;
    execute(
        db,
        &format!(
            "INSERT INTO plans (kind, payer_id, account_id, saved_method_id, email, amount_rule, amount_cents, frequency, first_date, \
             status, idempotency_key, created_by, created_at, updated_at) \
             SELECT 'recurring', m.payer_id, ap.account_id, m.id, 'plan.payer@example.com', 'fixed', 1000, 'monthly', '{first}', \
             'active', 'bench-plan-' || m.id, {staff}, 0, 0 \
             FROM saved_methods m JOIN account_payers ap ON ap.payer_id = m.payer_id JOIN payers p ON p.id = m.payer_id \
             WHERE p.user_id LIKE 'plan.payer.%'"
        ),
    )
    .await?;
    execute(db, "ANALYZE").await?;
    println!(
        "added {count} plans first due {first} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn report_query(kind: &str, params: &[String]) -> Result<ReportQuery, CliError> {
    let mut query = ReportQuery {
        kind: kind.to_string(),
        ..ReportQuery::default()
    };
    for p in params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| CliError::Rejected(format!("--param {p}: expected name=value")))?;
        query.params.insert(k.to_string(), v.to_string());
    }
    Ok(query)
}

/// p50 and p95 of a set of timings, in microseconds.
fn p50_p95(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let at = |p: f64| {
        times
            .get(((times.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    (at(0.50), at(0.95))
}

/// Runs of a report page that only warm the caches before the timed ones.
const REPORT_WARM_UP: usize = 3;

async fn report(
    config: &Config,
    db: &Db,
    query: ReportQuery,
    count: usize,
) -> Result<(), CliError> {
    use app::services::reports;
    let kind = query.kind.clone();
    let mut times = Vec::with_capacity(count);
    let mut rows = 0;
    for k in 0..REPORT_WARM_UP + count {
        let started = Instant::now();
        match reports::page(db, config, &app::domain::division::ALL_DIVISIONS, &query).await {
            Ok(page) => rows = page.total,
            Err(AppError::NotFound(_)) => {
                println!("service {kind} not_built=1");
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
        if k >= REPORT_WARM_UP {
            times.push(started.elapsed());
        }
    }
    let (p50, p95) = p50_p95(times);
    println!("service {kind} p50_us={p50:.0} p95_us={p95:.0} n={count} rows={rows}");
    Ok(())
}

async fn export(
    config: &Config,
    db: &Db,
    query: ReportQuery,
    format: &str,
) -> Result<(), CliError> {
    use app::domain::report::ExportFormat;
    use futures::StreamExt;
    let format = ExportFormat::from_code(format)
        .ok_or_else(|| CliError::Rejected(format!("no export format {format}")))?;
    let csr = demo_csr(db).await?;
    let started = Instant::now();
    let file =
        app::services::reports::export::export(db, config, &csr, None, &query, format).await?;
    let (mut bytes, mut lines) = (0u64, 0u64);
    let mut body = file.body;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| CliError::Io(e.to_string()))?;
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    println!(
        "export format={} bytes={bytes} lines={lines} seconds={:.3}",
        format.code(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let times: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        assert_eq!(percentiles(times), (50.0, 99.0));
        assert_eq!(percentiles(vec![Duration::from_micros(7)]), (7.0, 7.0));
        assert_eq!(percentiles(Vec::new()), (0.0, 0.0));
    }
}
