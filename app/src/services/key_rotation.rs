//! `paydesk keys rotate`: re-seals everything an older key sealed under the
//! keyring's current key (docs/deploy.md, "Rotating the key").
//!
//! It walks each sealed column by id, a page at a time, and rewrites a
//! value only if it is still what was read, so payments keep flowing while
//! it runs. What it has done stays done: a value under the current key is
//! never read again, so a run that is stopped (Ctrl-C, kill -9, `--max-rows`)
//! goes on where it stopped when run again, and a second run at once only
//! finds less to do.

use super::keyring::{
    Keyring, KeyringError, PURPOSE_ACH_FILE, PURPOSE_BANK_ACCOUNT, PURPOSE_CARD_TOKEN,
};
use super::processor::SANDBOX_TOKEN_PREFIX;
use super::settlement::SEALED_PREFIX;
use crate::config::Config;
use crate::db::audit::AuditEntry;
use crate::db::key_rotation::{
    ACH_FILES, PAYMENT_BANK_ACCOUNTS, PAYMENT_CARD_TOKENS, SAVED_BANK_ACCOUNTS, SAVED_CARD_TOKENS,
    SealedColumn,
};
use crate::db::{Db, now_ms};
use crate::domain::audit_action::AuditAction;
use crate::error::AppError;

/// Rows read and rewritten per transaction.
const PAGE: usize = 500;

/// Where sealed values live, and how each was sealed.
struct Target {
    column: SealedColumn,
    /// What the stored value starts with before the sealed part; a value
    /// without it is not ours (a real processor's card token) and is left.
    prefix: &'static str,
    purpose: &'static str,
    /// Sealed with the key derived for `purpose` rather than the main key.
    derived: bool,
}

/// Saved methods before payments: a payment takes its saved card's token
/// as it is, so a payment taken from a card already re-sealed is too.
const TARGETS: [Target; 5] = [
    Target {
        column: SAVED_BANK_ACCOUNTS,
        prefix: "",
        purpose: PURPOSE_BANK_ACCOUNT,
        derived: false,
    },
    Target {
        column: SAVED_CARD_TOKENS,
        prefix: SANDBOX_TOKEN_PREFIX,
        purpose: PURPOSE_CARD_TOKEN,
        derived: false,
    },
    Target {
        column: PAYMENT_BANK_ACCOUNTS,
        prefix: "",
        purpose: PURPOSE_BANK_ACCOUNT,
        derived: false,
    },
    Target {
        column: PAYMENT_CARD_TOKENS,
        prefix: SANDBOX_TOKEN_PREFIX,
        purpose: PURPOSE_CARD_TOKEN,
        derived: false,
    },
    Target {
        column: ACH_FILES,
        prefix: SEALED_PREFIX,
        purpose: PURPOSE_ACH_FILE,
        derived: true,
    },
];

/// Passes over every column until one re-seals nothing. Values keep
/// arriving under the old key while the run goes: a payment from a saved
/// card re-sealed a moment after the payment was read, a review confirmed
/// before the run and paid during it, a server not yet on the new key.
/// A pass that still finds some after this many says so.
const MAX_PASSES: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnReport {
    pub column: SealedColumn,
    pub resealed: u64,
    /// Rows no key of the keyring opens (a key missing from
    /// `PAYDESK_READ_KEY_FILES`, or a damaged value): left as they are.
    pub unreadable: Vec<i64>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotationEnd {
    /// A whole pass found nothing left to re-seal.
    Finished,
    /// `--max-rows` stopped it (perhaps exactly at the end).
    MaxRows,
    /// Every pass still found values under another key: something keeps
    /// sealing with it (a server not yet given the new key).
    StillArriving,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationReport {
    /// The id of the key everything is now sealed with.
    pub key_id: String,
    pub columns: Vec<ColumnReport>,
    pub end: RotationEnd,
}

impl RotationReport {
    pub fn resealed(&self) -> u64 {
        self.columns.iter().map(|c| c.resealed).sum()
    }

    pub fn unreadable(&self) -> usize {
        self.columns.iter().map(|c| c.unreadable.len()).sum()
    }
}

/// The keys a rotation works with: the new key, which must be named
/// (`PAYDESK_KEY_FILE` or `PAYDESK_KEY`), and the old ones to read. Without
/// it [`Keyring::for_config`] would make a key in the data folder, which no
/// server reads, and every value re-sealed with it would be lost to them.
pub fn keyring(config: &Config) -> Result<Keyring, KeyringError> {
    if config.key_env.is_none() && config.key_file.is_none() {
        return Err(KeyringError::NewKeyNotNamed);
    }
    Keyring::for_config(config)
}

/// Re-seals under `keys`' current key whatever another of its keys sealed,
/// at most `max_rows` values this run (None: all). Audited once per run.
pub async fn rotate(
    db: &Db,
    keys: &Keyring,
    max_rows: Option<u64>,
) -> Result<RotationReport, AppError> {
    let mut budget = max_rows.unwrap_or(u64::MAX);
    let mut columns: Vec<ColumnReport> = TARGETS
        .iter()
        .map(|t| ColumnReport {
            column: t.column,
            resealed: 0,
            unreadable: Vec::new(),
        })
        .collect();
    let mut end = RotationEnd::StillArriving;
    'passes: for _ in 0..MAX_PASSES {
        let mut this_pass = 0;
        for (target, report) in TARGETS.iter().zip(columns.iter_mut()) {
            let done = rotate_column(db, keys, target, &mut budget).await?;
            this_pass += done.resealed;
            report.resealed += done.resealed;
            // Each pass sees every value it cannot open again.
            report.unreadable = done.unreadable;
            if budget == 0 {
                end = RotationEnd::MaxRows;
                break 'passes;
            }
        }
        if this_pass == 0 {
            end = RotationEnd::Finished;
            break;
        }
    }
    let report = RotationReport {
        key_id: keys.key_id().to_string(),
        columns,
        end,
    };
    let summary = format!(
        "{} re-sealed, {} unreadable, {}",
        report.resealed(),
        report.unreadable(),
        match report.end {
            RotationEnd::Finished => "finished",
            RotationEnd::MaxRows => "stopped at --max-rows",
            RotationEnd::StillArriving => "values under another key still arriving",
        }
    );
    db.audit(&AuditEntry {
        actor_login: Some("cli"),
        object: Some(&report.key_id),
        after: Some(&summary),
        ..AuditEntry::new(now_ms(), AuditAction::KeysRotated)
    })
    .await?;
    Ok(report)
}

fn ring_for(keys: &Keyring, target: &Target) -> Keyring {
    if target.derived {
        keys.derive(target.purpose)
    } else {
        keys.clone()
    }
}

async fn rotate_column(
    db: &Db,
    keys: &Keyring,
    target: &Target,
    budget: &mut u64,
) -> Result<ColumnReport, AppError> {
    let ring = ring_for(keys, target);
    let done = format!("{}{}", target.prefix, ring.sealed_prefix());
    let mut report = ColumnReport {
        column: target.column,
        resealed: 0,
        unreadable: Vec::new(),
    };
    let mut after = 0;
    while *budget > 0 {
        let page = db
            .sealed_page(target.column, after, &done, PAGE as i64)
            .await?;
        let Some((last, _)) = page.last() else { break };
        after = *last;
        let mut rewrites = Vec::new();
        for (id, stored) in page {
            if rewrites.len() as u64 >= *budget {
                break;
            }
            let Some(sealed) = stored.strip_prefix(target.prefix) else {
                continue;
            };
            match ring.open(target.purpose, sealed) {
                Some(plain) => {
                    let again = format!("{}{}", target.prefix, ring.seal(target.purpose, &plain));
                    rewrites.push((id, stored, again));
                }
                None => report.unreadable.push(id),
            }
        }
        let written = db.reseal(target.column, &rewrites).await?;
        report.resealed += written;
        *budget = budget.saturating_sub(rewrites.len() as u64);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotation_without_the_new_key_named_is_refused_and_makes_no_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data").to_string_lossy().to_string();
        let config = Config::from_lookup(|k| (k == "PAYDESK_DATA_DIR").then(|| data.clone()))
            .expect("config");
        assert!(matches!(
            keyring(&config),
            Err(KeyringError::NewKeyNotNamed)
        ));
        assert!(!dir.path().join("data").join("secret.key").exists());
    }
}
