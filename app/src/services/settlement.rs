//! Settlement: Pending card payments become Processed at the daily cutoff
//! (`PAYDESK_SETTLEMENT_CUTOFF` in `PAYDESK_TIMEZONE`), on demand with
//! `paydesk settle`, and, for demos, every `PAYDESK_SETTLE_EVERY`. Running it
//! twice, or in two processes at once, settles nothing twice.

use super::clock;
use crate::config::Config;
use crate::db::{now_ms, Db, DbError};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettleOutcome {
    pub card_payments: usize,
}

/// Settles every Pending card payment taken before `before`.
pub async fn settle(db: &Db, before: i64, actor: &str) -> Result<SettleOutcome, DbError> {
    let ids = db.settle_card_payments(before, now_ms(), actor).await?;
    if !ids.is_empty() {
        tracing::info!(count = ids.len(), actor, "settled card payments");
    }
    Ok(SettleOutcome { card_payments: ids.len() })
}

pub fn spawn_scheduler(db: Db, config: Arc<Config>) {
    let daily_db = db.clone();
    let daily_config = config.clone();
    tokio::spawn(async move {
        loop {
            let now = now_ms();
            let cutoff = clock::next_cutoff(now, &daily_config.timezone, daily_config.settlement_cutoff);
            // Sleep in slices, so a changed clock cannot make us miss the cutoff by long.
            let wait = (cutoff - now).clamp(0, 60_000) as u64;
            tokio::time::sleep(Duration::from_millis(wait)).await;
            if now_ms() >= cutoff {
                if let Err(e) = settle(&daily_db, cutoff, "settlement").await {
                    tracing::error!(error = %e, "daily settlement failed");
                }
            }
        }
    });
    if let Some(every) = config.settle_every {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = settle(&db, now_ms(), "settlement").await {
                    tracing::error!(error = %e, "demo settlement failed");
                }
            }
        });
    }
}
