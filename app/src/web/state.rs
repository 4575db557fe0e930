use crate::config::Config;
use crate::db::Db;
use crate::services::keyring::{Keyring, KeyringError};
use crate::services::payments::Payments;
use crate::services::processor::SandboxProcessor;
use crate::services::notices::{self, Mailer};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// What every request handler and server function can reach. Server
/// functions get it as Leptos context (see `crate::api::context`).
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub keys: Keyring,
    pub processor: SandboxProcessor,
    pub mailer: Mailer,
}

/// A payment `authorizing` for longer than this lost its request.
const RECOVER_AFTER_MS: i64 = 60_000;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(transparent)]
    Keys(#[from] KeyringError),
    #[error("mail: {0}")]
    Mail(String),
}

impl AppState {
    /// Loads (or creates) the key and the outbox under `PAYDESK_DATA_DIR`.
    pub fn new(db: Db, config: Config, leptos_options: LeptosOptions) -> Result<AppState, StateError> {
        let keys = Keyring::load_or_create(&config.data_dir)?;
        let mailer = Mailer::from_config(&config).map_err(StateError::Mail)?;
        Ok(AppState {
            db,
            processor: SandboxProcessor::new(keys.clone()),
            keys,
            mailer,
            config: Arc::new(config),
            leptos_options,
        })
    }

    pub fn payments(&self) -> Payments<'_> {
        Payments { db: &self.db, config: &self.config, keys: &self.keys, processor: &self.processor }
    }

    /// Every minute, finishes payments whose request died mid-way (see
    /// `Payments::recover_stale`) and sends their receipts.
    pub fn spawn_payment_recovery(&self) {
        let state = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                match state.payments().recover_stale(RECOVER_AFTER_MS).await {
                    Ok(ids) => ids.into_iter().for_each(|id| state.send_notices_soon(id)),
                    Err(e) => tracing::error!(error = %e, "payment recovery failed"),
                }
            }
        });
    }

    /// Sends what was just queued for a payment (its receipt, a refund
    /// notice) in the background, after the commit.
    pub fn send_notices_soon(&self, payment_id: i64) {
        let (db, mailer, config) = (self.db.clone(), self.mailer.clone(), self.config.clone());
        tokio::spawn(async move { notices::deliver_for_payment(&db, &mailer, &config, payment_id).await });
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
