//! The command line: `paydesk [serve|migrate|user add|import accounts|import returns|demo|check|settle|run-plans]`.

use app::config::{Config, ConfigError, redact_url};
use app::db::settlement::ReturnOutcome;
use app::db::{Db, DbError};
use app::domain::staff::Role;
use app::error::AppError;
use app::services;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Read;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "paydesk",
    version,
    about = "Paydesk: the staff console for bill payments"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the console (the default). Settings come from the environment; see README.
    Serve,
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Manage staff users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import a file into the database.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Write a consistent copy of the SQLite database to PATH (a new file,
    /// mode 600) while the server runs. For PostgreSQL use pg_dump
    /// (docs/deploy.md, "Backups").
    Backup {
        /// The new file.
        path: PathBuf,
    },
    /// The encryption key (docs/deploy.md).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Load the demo dataset (docs/demo-data.md): demo staff sign-ins and 50 accounts.
    Demo {
        /// Do nothing if the database already has staff users.
        #[arg(long)]
        if_empty: bool,
    },
    /// Check every ledger invariant (balances against journal entries, refunds,
    /// clearing, files); exits 5 on any breach.
    Check,
    /// Settle now: cards are captured and Pending ACH goes into a NACHA file
    /// under PAYDESK_DATA_DIR/ach/. Safe to repeat, and from two processes.
    Settle,
    /// Run the automatic payment plans once: make each occurrence due (late
    /// ones too, marked so), start the Scheduled payments whose date has
    /// come, and end or cancel plans as docs/automatic-payments.md says.
    /// Safe to repeat, and from two processes or servers at once.
    RunPlans {
        /// The date to run for (YYYY-MM-DD) instead of today in
        /// PAYDESK_TIMEZONE: for catching up by hand, and for tests.
        #[arg(long)]
        today: Option<String>,
    },
    /// What `make bench` needs from inside: the synthetic dataset, queries,
    /// sealed reviews and the baselines (docs/benchmarks.md). Never on a
    /// biller's real database.
    #[command(hide = true)]
    Bench {
        #[command(subcommand)]
        command: crate::bench::BenchCommand,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add a staff user.
    Add {
        /// Login ID: 3–64 letters, digits, . _ - @
        #[arg(long)]
        login: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// File holding the password (12–64 characters), or - to read it from stdin.
        #[arg(long)]
        password_file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Write a new random key (mode 600) for PAYDESK_KEY_FILE; copy that one
    /// file to every server of a biller. Never overwrites a key.
    New {
        /// Where to write it.
        path: PathBuf,
    },
    /// Re-seal everything an older key sealed under the current key
    /// (PAYDESK_KEY_FILE or PAYDESK_KEY), opening it with the keys in
    /// PAYDESK_READ_KEY_FILES. Safe while servers run; stopped, it goes on
    /// where it stopped when run again (docs/deploy.md, "Rotating the key").
    Rotate {
        /// Re-seal at most this many values this run (a rotation spread
        /// over quiet hours); run it again for the rest.
        #[arg(long)]
        max_rows: Option<u64>,
    },
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Import a universal file of accounts and balances (docs/universal-file.md).
    Accounts {
        /// The CSV file.
        file: PathBuf,
    },
    /// Read a NACHA return file: each returned payment becomes Failed with its
    /// code, its amount is owed again and the payer is told. Safe to repeat.
    Returns {
        /// The return file (94-character NACHA records).
        file: PathBuf,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum RoleArg {
    Admin,
    Csr,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("database {url}: {source}")]
    Database { url: String, source: DbError },
    #[error("{0}")]
    App(String),
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Rejected(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Config(_) => 2,
            CliError::Database { .. } => 3,
            CliError::Io(_) => 4,
            CliError::Rejected(_) => 5,
            CliError::App(_) => 1,
        }
    }
}

/// A key that cannot be read stops the command with what to do about it.
impl From<services::keyring::KeyringError> for CliError {
    fn from(e: services::keyring::KeyringError) -> Self {
        match e {
            // Not a file that failed: the command was asked wrongly.
            services::keyring::KeyringError::NewKeyNotNamed => CliError::Rejected(e.to_string()),
            other => CliError::Io(other.to_string()),
        }
    }
}

impl From<AppError> for CliError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(f) => CliError::Rejected(
                f.errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other => CliError::App(other.to_string()),
        }
    }
}

async fn open(config: &Config) -> Result<Db, CliError> {
    let wrap = |source| CliError::Database {
        url: redact_url(&config.database_url),
        source,
    };
    let db = Db::connect(&config.database_url).await.map_err(wrap)?;
    db.migrate().await.map_err(wrap)?;
    Ok(db)
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    // Needs no configuration: it makes what the configuration will name.
    if let Some(Command::Keys {
        command: KeysCommand::New { path },
    }) = &cli.command
    {
        services::keyring::Keyring::write_new(path)?;
        println!(
            "wrote a new key to {}; set PAYDESK_KEY_FILE to it",
            path.display()
        );
        return Ok(());
    }
    let config = Config::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let db = open(&config).await?;
            crate::serve::serve(config, db).await
        }
        Command::Migrate => {
            open(&config).await?;
            println!(
                "database is up to date ({})",
                redact_url(&config.database_url)
            );
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    login,
                    email,
                    role,
                    password_file,
                },
        } => {
            let password = read_secret(&password_file)?;
            let db = open(&config).await?;
            let role = match role {
                RoleArg::Admin => Role::Admin,
                RoleArg::Csr => Role::Csr,
            };
            let id =
                services::auth::add_user(&db, &login, &email, role, &password, Some("cli")).await?;
            println!("added {} user {login} (id {id})", role.label());
            Ok(())
        }
        Command::Import {
            command: ImportCommand::Accounts { file },
        } => {
            let reader = std::fs::File::open(&file)
                .map_err(|e| CliError::Io(format!("cannot read {}: {e}", file.display())))?;
            let db = open(&config).await?;
            let name = file
                .file_name()
                .map_or_else(|| "file".into(), |n| n.to_string_lossy().to_string());
            let started = std::time::Instant::now();
            let out = services::accounts_import::import(
                &db,
                std::io::BufReader::new(reader),
                &name,
                Some("cli"),
            )
            .await
            .map_err(|e| CliError::from(AppError::from(e)))?;
            if !out.errors.is_empty() {
                for e in &out.errors {
                    eprintln!("{}: {e}", file.display());
                }
                return Err(CliError::Rejected(format!(
                    "{} rejected: {} problem(s) found; nothing was imported",
                    file.display(),
                    out.errors.len()
                )));
            }
            println!(
                "imported {}: {} rows, {} created, {} updated in {:.1}s",
                file.display(),
                out.rows,
                out.created,
                out.updated,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Backup { path } => {
            let db = open(&config).await?;
            services::backup::backup(&db, &path)
                .await
                .map_err(|e| CliError::Io(e.to_string()))?;
            println!("backed up the database to {}", path.display());
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Rotate { max_rows },
        } => {
            let keys = services::key_rotation::keyring(&config)?;
            let db = open(&config).await?;
            let report = services::key_rotation::rotate(&db, &keys, max_rows).await?;
            for c in &report.columns {
                println!("{}: {} re-sealed", c.column, c.resealed);
                if !c.unreadable.is_empty() {
                    let ids: Vec<String> = c.unreadable.iter().map(i64::to_string).collect();
                    println!(
                        "{}: {} that no key given opens (ids {})",
                        c.column,
                        c.unreadable.len(),
                        ids.join(", ")
                    );
                }
            }
            if report.unreadable() > 0 {
                return Err(CliError::Rejected(format!(
                    "{} values are sealed with a key that is not in PAYDESK_READ_KEY_FILES; add it and run again",
                    report.unreadable()
                )));
            }
            use services::key_rotation::RotationEnd;
            match report.end {
                RotationEnd::Finished => {
                    println!("everything is sealed with key {}", report.key_id);
                    Ok(())
                }
                RotationEnd::MaxRows => {
                    println!("stopped at --max-rows; run it again to go on");
                    Ok(())
                }
                RotationEnd::StillArriving => Err(CliError::Rejected(
                    "values sealed with another key kept arriving: give every server the new key as PAYDESK_KEY_FILE, then run it again".into(),
                )),
            }
        }
        // Answered above, before the configuration is read.
        Command::Keys {
            command: KeysCommand::New { .. },
        } => Ok(()),
        Command::Demo { if_empty } => {
            let db = open(&config).await?;
            let keys = services::keyring::Keyring::for_config(&config)?;
            let processor = services::processor::SandboxProcessor::new(keys.clone());
            let payments = services::payments::Payments {
                db: &db,
                config: &config,
                keys: &keys,
                processor: &processor,
            };
            let out = services::demo::load(&db, if_empty, Some(&payments)).await?;
            if out.loaded {
                println!(
                    "demo data loaded: {} accounts, {} payments; sign in as {} / {} (administrator) or {} / {} (CSR)",
                    out.accounts.rows,
                    out.payments,
                    services::demo::DEMO_ADMIN.0,
                    services::demo::DEMO_ADMIN.1,
                    services::demo::DEMO_CSR.0,
                    services::demo::DEMO_CSR.1
                );
            } else {
                println!("demo data not loaded: the database already has staff users");
            }
            Ok(())
        }
        Command::RunPlans { today } => {
            let today = match today {
                None => services::clock::today(&config.timezone),
                Some(t) => {
                    let (year, month, day) = app::domain::payment::parse_iso_date(t.trim())
                        .ok_or_else(|| {
                            CliError::Rejected(format!("--today {t}: use a real date, YYYY-MM-DD"))
                        })?;
                    app::domain::payment::Today { year, month, day }
                }
            };
            let db = open(&config).await?;
            let keys = services::keyring::Keyring::for_config(&config)?;
            let processor = services::processor::SandboxProcessor::new(keys.clone());
            let payments = services::payments::Payments {
                db: &db,
                config: &config,
                keys: &keys,
                processor: &processor,
            };
            let started = std::time::Instant::now();
            let s = services::scheduler::run_pass(&payments, today).await?;
            println!(
                "plans for {}: {} occurrence(s) made ({} skipped), {} payment(s) started, {} plan(s) ended, {} cancelled, in {:.2} s",
                today.iso(),
                s.occurrences,
                s.skipped,
                s.started,
                s.plans_ended,
                s.plans_cancelled,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Settle => {
            let db = open(&config).await?;
            let keys = services::keyring::Keyring::for_config(&config)?;
            let out = services::settlement::settle(
                &db,
                &config,
                &keys,
                app::db::now_ms(),
                "paydesk settle",
            )
            .await?;
            for r in &out.returns {
                println!("return: {}", describe_return(r));
            }
            match &out.run {
                None => println!("nothing to settle"),
                Some(run) => {
                    println!(
                        "settlement run {}: {} card payment(s) captured",
                        run.run_id, run.card_count
                    );
                    if let Some(f) = &run.file {
                        println!(
                            "ACH file {}: {} entries, debits {}, credits {}",
                            services::settlement::ach_dir(&config)
                                .join(&f.file_name)
                                .display(),
                            f.entry_count,
                            app::domain::money::Money::from_cents(f.debit_total_cents),
                            app::domain::money::Money::from_cents(f.credit_total_cents)
                        );
                    }
                    for r in &run.skipped {
                        eprintln!("left Pending (cannot decrypt its bank account): {r}");
                    }
                }
            }
            Ok(())
        }
        Command::Import {
            command: ImportCommand::Returns { file },
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CliError::Io(format!("cannot read {}: {e}", file.display())))?;
            let db = open(&config).await?;
            let name = file
                .file_name()
                .map_or_else(|| "file".into(), |n| n.to_string_lossy().to_string());
            let outcomes = services::settlement::import_returns_text(
                &db,
                &text,
                &name,
                "paydesk import returns",
            )
            .await
            .map_err(|e| match e {
                services::settlement::ReturnsError::File(e) => {
                    CliError::Rejected(format!("{}: {e}; nothing was imported", file.display()))
                }
                services::settlement::ReturnsError::App(e) => CliError::from(e),
            })?;
            for r in &outcomes {
                println!("{}", describe_return(r));
            }
            let unmatched = outcomes
                .iter()
                .filter(|r| {
                    !matches!(
                        r,
                        ReturnOutcome::Failed { .. } | ReturnOutcome::AlreadyRecorded { .. }
                    )
                })
                .count();
            println!(
                "{}: {} return(s) read, {} need attention",
                file.display(),
                outcomes.len(),
                unmatched
            );
            Ok(())
        }
        Command::Bench { command } => {
            let db = open(&config).await?;
            crate::bench::run(&config, &db, command).await
        }
        Command::Check => {
            let db = open(&config).await?;
            let bad = db
                .ledger_breaches()
                .await
                .map_err(|e| CliError::from(AppError::from(e)))?;
            if bad.is_empty() {
                println!(
                    "ledger check passed: balances equal their journal entries, refunds stay within payments, clearing nets out, bills show what was paid toward them"
                );
                Ok(())
            } else {
                for b in &bad {
                    eprintln!("{b}");
                }
                Err(CliError::Rejected(format!(
                    "ledger check failed: {} breach(es)",
                    bad.len()
                )))
            }
        }
    }
}

fn describe_return(r: &ReturnOutcome) -> String {
    match r {
        ReturnOutcome::Failed { reference, code } => format!(
            "payment {reference} Failed: {}",
            app::domain::lifecycle::return_label(code)
        ),
        ReturnOutcome::Unmatched { line, trace, code } => {
            format!("line {line}: return {code} for trace {trace} matches no payment we sent")
        }
        ReturnOutcome::NotReturnable { line, trace, why } => {
            format!("line {line}: trace {trace} not returned: {why}")
        }
        ReturnOutcome::AlreadyRecorded { trace, code } => {
            format!("trace {trace} {code}: already recorded")
        }
    }
}

/// Reads a password from a file or stdin, without echoing it anywhere.
fn read_secret(path: &PathBuf) -> Result<String, CliError> {
    let mut s = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::Io(format!("cannot read the password from stdin: {e}")))?;
    } else {
        s = std::fs::read_to_string(path)
            .map_err(|e| CliError::Io(format!("cannot read {}: {e}", path.display())))?;
    }
    // A trailing newline from `echo` or an editor is not part of the password.
    Ok(s.trim_end_matches(['\n', '\r']).to_string())
}
