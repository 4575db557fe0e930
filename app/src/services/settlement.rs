//! Settlement: at the daily cutoff (`PAYDESK_SETTLEMENT_CUTOFF` in
//! `PAYDESK_TIMEZONE`), on demand (`paydesk settle`, the administrators'
//! "Run settlement now") and, for demos, every `PAYDESK_SETTLE_EVERY`.
//! Scheduled payments whose date has come are authorized first; then
//! Pending cards are captured; Pending ACH debits and queued ACH refund
//! credits go out in that run's NACHA file under `PAYDESK_DATA_DIR/ach/`.
//! Running it twice, or in two processes at once, settles nothing twice.
//!
//! A NACHA file carries full bank account numbers, so its stored text
//! (`ach_files.content`) is sealed with a key derived for "ach-file" and
//! opened only to write the bank's copy (0600, in a 0700 folder) or for an
//! entitled, audited download. Rows an older version stored in clear are
//! sealed at start-up ([`seal_stored_ach_files`]) and read as they are until
//! then.
//!
//! The sandbox bank answers too: ACH debits from an account number ending
//! in 0001, 0002 or 0003 come back as returns R01, R02 or R03 on the next
//! run, through the same path as `paydesk import returns`.

use super::clock;
use super::keyring::{Keyring, PURPOSE_ACH_FILE, PURPOSE_BANK_ACCOUNT};
use super::private_files;
use super::processor::SandboxProcessor;
use crate::config::Config;
use crate::db::audit::AuditEntry;
use crate::db::settlement::{AchSetup, ReturnOutcome, RunSummary};
use crate::db::{Db, now_ms};
use crate::domain::audit_action::AuditAction;
use crate::domain::entitlements::Entitlement;
use crate::domain::money::Money;
use crate::domain::nacha::{self, Entry, FileDates, NachaError};
use crate::domain::settlement_view::{AchFileView, BatchView, SettlementRun};
use crate::domain::staff::StaffUser;
use crate::error::AppError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Account numbers ending in these come back from the sandbox bank.
pub const SANDBOX_RETURNS: [(&str, &str); 3] = [("0001", "R01"), ("0002", "R02"), ("0003", "R03")];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SettleOutcome {
    pub run: Option<RunSummary>,
    pub returns: Vec<ReturnOutcome>,
    /// Scheduled payments whose date came (their receipts are due).
    pub started: Vec<i64>,
}

impl SettleOutcome {
    pub fn card_payments(&self) -> i64 {
        self.run.as_ref().map_or(0, |r| r.card_count)
    }
}

pub fn ach_dir(config: &Config) -> PathBuf {
    config.data_dir.join("ach")
}

/// Settles everything Pending taken before `before`.
pub async fn settle(
    db: &Db,
    config: &Config,
    keys: &Keyring,
    before: i64,
    actor: &str,
) -> Result<SettleOutcome, AppError> {
    settle_at(db, config, keys, before, None, actor).await
}

/// [`settle`], with the run (and the sandbox bank's returns) stamped `at`
/// instead of the clock's time when given: tests use it to make cycles on
/// days other than today (`services::reconciliation`). Each run is counted
/// and timed for `/metrics`.
pub async fn settle_at(
    db: &Db,
    config: &Config,
    keys: &Keyring,
    before: i64,
    at: Option<i64>,
    actor: &str,
) -> Result<SettleOutcome, AppError> {
    let started = std::time::Instant::now();
    let out = settle_now(db, config, keys, before, at, actor).await;
    let settled = out.as_ref().ok().map(|o| o.run.is_some());
    super::telemetry::settlement_run(settled, started.elapsed());
    out
}

async fn settle_now(
    db: &Db,
    config: &Config,
    keys: &Keyring,
    before: i64,
    at: Option<i64>,
    actor: &str,
) -> Result<SettleOutcome, AppError> {
    // Scheduled payments whose date has come are authorized first, so this
    // run settles them.
    let processor = SandboxProcessor::new(keys.clone());
    let payments = super::payments::Payments {
        db,
        config,
        keys,
        processor: &processor,
    };
    let started = payments
        .start_due_scheduled(&clock::today(&config.timezone).iso())
        .await?;
    // A plan's payment declined here is handled as the scheduler's are.
    for id in &started.declined_plan_payments {
        super::scheduler::after_failure(db, *id).await?;
    }
    let started = started.ids;
    // Who the run's files say they come from: the Profile as saved now.
    let originator = super::biller_profile::current(db, config)
        .await?
        .originator();
    // Each division's batches go out under its own company, if it has one.
    let companies = db.division_companies().await?;
    let returns = sandbox_returns(db, config, &originator, actor, at).await?;
    super::scheduler::after_returns(db, &returns).await?;
    let now = at.unwrap_or_else(now_ms);
    let dates = clock::ach_dates(now, &config.timezone);
    let open = |enc: &str| {
        keys.open(PURPOSE_BANK_ACCOUNT, enc)
            .and_then(|b| String::from_utf8(b).ok())
    };
    let file_keys = keys.derive(PURPOSE_ACH_FILE);
    let seal = |text: &str| seal_content(&file_keys, text);
    let setup = AchSetup {
        originator: &originator,
        companies: &companies,
        created_date: dates.created_date,
        created_time: dates.created_time,
        effective_date: dates.effective_date,
        file_stem: format!("PAYDESK-{}", dates.day),
        open_account: &open,
        seal_file: &seal,
    };
    let failed = returns
        .iter()
        .filter(|r| matches!(r, ReturnOutcome::Failed { .. }))
        .count() as i64;
    let run = db.settle_run(before, now, actor, failed, &setup).await?;
    if let Some(file) = run.as_ref().and_then(|r| r.file.as_ref()) {
        // The database holds the file; the copy on disk is for the bank
        // transfer. Written after the commit, so a crash here loses nothing:
        // `write_ach_copy` can make it again from the stored text.
        write_ach_copy(db, config, keys, file.id).await?;
    }
    if let Some(r) = &run {
        tracing::info!(run = r.run_id, cards = r.card_count, ach_file = ?r.file.as_ref().map(|f| &f.file_name), actor, "settled");
    }
    Ok(SettleOutcome {
        run,
        returns,
        started,
    })
}

/// Marks sealed content in `ach_files.content`: plain NACHA text starts
/// with the file header's "101", so the two cannot be confused.
pub const SEALED_PREFIX: &str = "sealed:";

fn seal_content(file_keys: &Keyring, text: &str) -> String {
    format!(
        "{SEALED_PREFIX}{}",
        file_keys.seal(PURPOSE_ACH_FILE, text.as_bytes())
    )
}

/// The NACHA text of stored content, sealed or (from an older version) plain.
fn open_content(keys: &Keyring, name: &str, stored: &str) -> Result<String, AppError> {
    let Some(sealed) = stored.strip_prefix(SEALED_PREFIX) else {
        return Ok(stored.to_string());
    };
    keys.derive(PURPOSE_ACH_FILE)
        .open(PURPOSE_ACH_FILE, sealed)
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            // Another key (secret.key replaced) or a damaged row.
            let incident = super::incident_id();
            tracing::error!(incident = %incident, file = %name, "cannot decrypt a stored ACH file");
            AppError::Internal(incident)
        })
}

async fn stored_file(db: &Db, keys: &Keyring, file_id: i64) -> Result<(String, String), AppError> {
    let (name, stored) = db
        .ach_file(file_id)
        .await?
        .ok_or_else(|| AppError::NotFound("No such ACH file.".into()))?;
    let text = open_content(keys, &name, &stored)?;
    Ok((name, text))
}

/// Writes a stored NACHA file to `PAYDESK_DATA_DIR/ach/` (if not there yet),
/// readable by the server's user only.
pub async fn write_ach_copy(
    db: &Db,
    config: &Config,
    keys: &Keyring,
    file_id: i64,
) -> Result<PathBuf, AppError> {
    let (name, content) = stored_file(db, keys, file_id).await?;
    let dir = ach_dir(config);
    let path = dir.join(&name);
    if !path.exists() {
        write_atomically(&dir, &path, &content).await?;
    }
    Ok(path)
}

/// A NACHA file to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AchDownload {
    pub file_name: String,
    pub text: String,
}

/// Download: only for those with the Settlement entitlement, and every
/// download is audited (the file holds full bank account numbers).
pub async fn download_ach_file(
    db: &Db,
    keys: &Keyring,
    who: &StaffUser,
    file_id: i64,
    ip: Option<&str>,
) -> Result<AchDownload, AppError> {
    if who.must_change_password || !who.can(Entitlement::Settlement) {
        return Err(AppError::Forbidden);
    }
    let (file_name, text) = stored_file(db, keys, file_id).await?;
    let object = format!("ACH file {file_name}");
    db.audit(&AuditEntry {
        actor_id: Some(who.id),
        actor_login: Some(&who.login),
        object: Some(&object),
        ip,
        ..AuditEntry::new(now_ms(), AuditAction::AchDownload)
    })
    .await?;
    Ok(AchDownload { file_name, text })
}

/// Seals every stored NACHA file still in clear (made before files were
/// encrypted). Run at start-up; safe to repeat and to run on two servers
/// at once. Returns how many it sealed.
pub async fn seal_stored_ach_files(db: &Db, keys: &Keyring) -> Result<usize, AppError> {
    let file_keys = keys.derive(PURPOSE_ACH_FILE);
    let mut after = 0;
    let mut sealed = 0;
    while let Some((id, plain)) = db.next_unsealed_ach_file(after, SEALED_PREFIX).await? {
        if db
            .replace_ach_content(id, &plain, &seal_content(&file_keys, &plain))
            .await?
        {
            sealed += 1;
        }
        after = id;
    }
    if sealed > 0 {
        tracing::info!(files = sealed, "sealed ACH files stored in clear");
    }
    Ok(sealed)
}

async fn write_atomically(dir: &Path, path: &Path, content: &str) -> Result<(), AppError> {
    let io = |e: std::io::Error| {
        let incident = super::incident_id();
        tracing::error!(incident = %incident, path = %path.display(), error = %e, "cannot write ACH file");
        AppError::Internal(incident)
    };
    // The folder and the file are the server's alone: the file holds full
    // bank account numbers.
    private_files::ensure_private_dir_async(dir)
        .await
        .map_err(io)?;
    private_files::write_private_atomically_async(path, content.as_bytes().to_vec())
        .await
        .map_err(io)?;
    Ok(())
}

/// The sandbox bank: returns the debits it is told to (see the module
/// docs), as a return file kept under `ach/returns/` and read like any other.
async fn sandbox_returns(
    db: &Db,
    config: &Config,
    originator: &nacha::Originator,
    actor: &str,
    at: Option<i64>,
) -> Result<Vec<ReturnOutcome>, AppError> {
    let last4s: Vec<&str> = SANDBOX_RETURNS.iter().map(|(l, _)| *l).collect();
    let debits = db.returnable_debits(&last4s).await?;
    if debits.is_empty() {
        return Ok(vec![]);
    }
    let now = at.unwrap_or_else(now_ms);
    let d = clock::ach_dates(now, &config.timezone);
    let returns: Vec<(Entry, &str)> = debits
        .iter()
        .map(|r| {
            let code = SANDBOX_RETURNS
                .iter()
                .find(|(l, _)| *l == r.bank_last4)
                .map_or("R01", |(_, c)| *c);
            let entry = Entry {
                transaction_code: nacha::tx::CHECKING_DEBIT,
                routing: r.bank_routing.clone(),
                account_number: format!("XXXX{}", r.bank_last4),
                amount_cents: r.amount_cents,
                individual_id: r.account_number.clone(),
                name: r.bank_holder.clone().unwrap_or_default(),
                trace_number: r.trace_number.clone(),
            };
            (entry, code)
        })
        .collect();
    let dates = FileDates {
        created_date: d.created_date,
        created_time: d.created_time,
        effective_date: d.effective_date,
        file_id_modifier: 'R',
    };
    let text = nacha::write_returns(originator, &dates, &returns);
    let name = format!("SANDBOX-RETURNS-{}-{now}.ach", d.day);
    let dir = ach_dir(config).join("returns");
    write_atomically(&dir, &dir.join(&name), &text).await?;
    import_returns_at(db, &text, &name, actor, now).await.map_err(|e| match e {
        ReturnsError::App(e) => e,
        // We wrote this file a moment ago: not reading it back is our bug.
        ReturnsError::File(e) => {
            let incident = super::incident_id();
            tracing::error!(incident = %incident, file = %name, error = %e, "the sandbox bank's return file does not read back");
            AppError::Internal(incident)
        }
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ReturnsError {
    #[error("{0}")]
    File(#[from] NachaError),
    #[error(transparent)]
    App(#[from] AppError),
}

/// Reads a NACHA return file: each return moves its payment to Failed with
/// its code, restores the balance and notifies the payer. Returns that match
/// nothing come back as `Unmatched`; reading the file again changes nothing.
pub async fn import_returns_text(
    db: &Db,
    text: &str,
    source: &str,
    actor: &str,
) -> Result<Vec<ReturnOutcome>, ReturnsError> {
    import_returns_at(db, text, source, actor, now_ms()).await
}

async fn import_returns_at(
    db: &Db,
    text: &str,
    source: &str,
    actor: &str,
    now: i64,
) -> Result<Vec<ReturnOutcome>, ReturnsError> {
    let parsed = nacha::parse_file(text)?;
    let outcomes = db
        .apply_returns(&parsed.returns, source, actor, now)
        .await
        .map_err(AppError::from)?;
    super::scheduler::after_returns(db, &outcomes).await?;
    Ok(outcomes)
}

/// The newest settlement runs for the Settlement page.
pub async fn runs(db: &Db, config: &Config) -> Result<Vec<SettlementRun>, AppError> {
    let runs = db.settlement_runs(100).await?;
    let file_ids: Vec<i64> = runs.iter().filter_map(|r| r.file_id).collect();
    let batches = db.ach_batches(&file_ids).await?;
    Ok(runs
        .into_iter()
        .map(|r| SettlementRun {
            id: r.id,
            at: clock::display(r.created_at, &config.timezone),
            actor: r.actor,
            card_count: r.card_count,
            card_total: Money::from_cents(r.card_total_cents),
            returns_count: r.returns_count,
            file: r.file_id.map(|id| AchFileView {
                name: r.file_name.clone().unwrap_or_default(),
                download: crate::routes::ach_file(id),
                entry_count: r.entry_count.unwrap_or(0),
                debits: Money::from_cents(r.debit_total_cents.unwrap_or(0)),
                credits: Money::from_cents(r.credit_total_cents.unwrap_or(0)),
                batches: batches
                    .iter()
                    .filter(|b| b.file_id == id)
                    .map(|b| BatchView {
                        number: b.batch_number,
                        sec: b.sec_code.clone(),
                        description: b.description.clone(),
                        entry_count: b.entry_count,
                        debits: Money::from_cents(b.debit_total_cents),
                        credits: Money::from_cents(b.credit_total_cents),
                    })
                    .collect(),
            }),
        })
        .collect())
}

pub fn spawn_scheduler(db: Db, config: Arc<Config>, keys: Keyring) {
    let daily = (db.clone(), config.clone(), keys.clone());
    tokio::spawn(async move {
        let (db, config, keys) = daily;
        loop {
            let now = now_ms();
            let cutoff = clock::next_cutoff(now, &config.timezone, config.settlement_cutoff);
            // Sleep in slices, so a changed clock cannot make us miss the cutoff by long.
            let wait = (cutoff - now).clamp(0, 60_000) as u64;
            tokio::time::sleep(Duration::from_millis(wait)).await;
            if now_ms() >= cutoff
                && let Err(e) = settle(&db, &config, &keys, cutoff, "settlement").await
            {
                tracing::error!(error = %e, "daily settlement failed");
            }
        }
    });
    if let Some(every) = config.settle_every {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = settle(&db, &config, &keys, now_ms(), "settlement").await {
                    tracing::error!(error = %e, "demo settlement failed");
                }
            }
        });
    }
}
