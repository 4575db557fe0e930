use crate::config::Config;
use crate::db::Db;
use crate::error::AppError;
use crate::services::keyring::{Keyring, KeyringError};
use crate::services::notices::{self, Mailer};
use crate::services::payments::Payments;
use crate::services::processor::SandboxProcessor;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::future::Future;
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
    pub texts: crate::services::texts::TextSender,
    /// Long upload steps running on this server, for progress bars.
    pub progress: crate::services::progress::ProgressBoard,
    /// Bounds the argon2 work anonymous sign-ins can cause at once.
    pub hash_gate: crate::services::passwords::HashGate,
    /// Bounds the requests worked on at once (`PAYDESK_MAX_IN_FLIGHT`).
    pub admission: super::admission::Admission,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(transparent)]
    Keys(#[from] KeyringError),
    #[error("mail: {0}")]
    Mail(String),
    #[error("text messages: {0}")]
    Texts(String),
    #[error("cannot make the data folder {path} private: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
}

impl AppState {
    /// Loads (or creates) the key and the outbox under `PAYDESK_DATA_DIR`,
    /// which is made (or tightened to) 0700 first.
    pub fn new(
        db: Db,
        config: Config,
        leptos_options: LeptosOptions,
    ) -> Result<AppState, StateError> {
        crate::services::private_files::ensure_private_dir(&config.data_dir).map_err(|source| {
            StateError::DataDir {
                path: config.data_dir.display().to_string(),
                source,
            }
        })?;
        let keys = Keyring::for_config(&config)?;
        let mailer = Mailer::from_config(&config).map_err(StateError::Mail)?;
        let texts =
            crate::services::texts::TextSender::from_config(&config).map_err(StateError::Texts)?;
        let progress = crate::services::progress::ProgressBoard::for_db(&db);
        Ok(AppState {
            texts,
            hash_gate: crate::services::passwords::HashGate::new(config.hash_concurrency),
            admission: super::admission::Admission::new(config.max_in_flight),
            db,
            processor: SandboxProcessor::new(keys.clone()),
            keys,
            mailer,
            config: Arc::new(config),
            leptos_options,
            progress,
        })
    }

    pub fn payments(&self) -> Payments<'_> {
        Payments {
            db: &self.db,
            config: &self.config,
            keys: &self.keys,
            processor: &self.processor,
        }
    }

    pub fn payment_links(&self) -> crate::services::payment_links::PaymentLinks<'_> {
        crate::services::payment_links::PaymentLinks {
            db: &self.db,
            config: &self.config,
            keys: &self.keys,
            mailer: &self.mailer,
            texts: &self.texts,
            payments: self.payments(),
        }
    }

    pub fn payer_accounts(&self) -> crate::services::payer_accounts::PayerAccounts<'_> {
        crate::services::payer_accounts::PayerAccounts {
            db: &self.db,
            config: &self.config,
            gate: &self.hash_gate,
            mailer: &self.mailer,
            links: self.payment_links(),
        }
    }

    pub fn biller_profiles(&self) -> crate::services::biller_profile::BillerProfiles<'_> {
        crate::services::biller_profile::BillerProfiles {
            db: &self.db,
            config: &self.config,
        }
    }

    pub fn categories(&self) -> crate::services::categories::Categories<'_> {
        crate::services::categories::Categories { db: &self.db }
    }

    pub fn divisions(&self) -> crate::services::divisions::Divisions<'_> {
        crate::services::divisions::Divisions { db: &self.db }
    }

    pub fn fees(&self) -> crate::services::fees::Fees<'_> {
        crate::services::fees::Fees { db: &self.db }
    }

    pub fn user_admin(&self) -> crate::services::user_admin::UserAdmin<'_> {
        crate::services::user_admin::UserAdmin {
            db: &self.db,
            config: &self.config,
            mailer: &self.mailer,
        }
    }

    /// Every `recover_after`, finishes payments whose request died mid-way (see
    /// `Payments::recover_stale`) and sends their receipts.
    pub fn spawn_payment_recovery(&self) {
        let state = self.clone();
        tokio::spawn(async move {
            let after = state.config.recover_after;
            let mut tick = tokio::time::interval(after);
            loop {
                tick.tick().await;
                match state
                    .payments()
                    .recover_stale(after.as_millis() as i64)
                    .await
                {
                    Ok(ids) => ids.into_iter().for_each(|id| state.send_notices_soon(id)),
                    Err(e) => tracing::error!(error = %e, "payment recovery failed"),
                }
            }
        });
    }

    /// Runs `work` to the end even if the request that asked for it goes
    /// away. Hyper drops a request's future when its browser disconnects, and
    /// a double-clicked form without JavaScript does exactly that: the second
    /// click aborts the first POST. Dropped between claiming a payment's key
    /// and recording the processor's answer, the payment would sit
    /// `authorizing` (and the repeat would wait on it) until recovery.
    pub async fn finish_detached<T, Fut>(
        &self,
        work: impl FnOnce(AppState) -> Fut,
    ) -> Result<T, AppError>
    where
        Fut: Future<Output = Result<T, AppError>> + Send + 'static,
        T: Send + 'static,
    {
        finish_detached(work(self.clone())).await
    }

    /// Sends what was just queued for a payment (its receipt, a refund
    /// notice) in the background, after the commit.
    pub fn send_notices_soon(&self, payment_id: i64) {
        let (db, mailer, texts, config) = (
            self.db.clone(),
            self.mailer.clone(),
            self.texts.clone(),
            self.config.clone(),
        );
        tokio::spawn(async move {
            notices::deliver_for_payment(&db, &mailer, &texts, &config, payment_id).await
        });
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// See [`AppState::finish_detached`].
pub async fn finish_detached<T, Fut>(work: Fut) -> Result<T, AppError>
where
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    T: Send + 'static,
{
    // The spawned task is still this request: its incident ids are the request's id.
    tokio::spawn(crate::services::request_id::in_current(work))
        .await
        .unwrap_or_else(|e| {
            let incident = crate::services::incident_id();
            tracing::error!(incident = %incident, error = %e, "detached work did not finish");
            Err(AppError::Internal(incident))
        })
}

#[cfg(test)]
mod tests {
    use super::finish_detached;
    use tokio::sync::oneshot;

    /// The asker goes away mid-way (its future is dropped); the work still
    /// runs to the end.
    #[tokio::test]
    async fn work_outlives_a_dropped_request() {
        let (go_tx, go_rx) = oneshot::channel::<()>();
        let (done_tx, done_rx) = oneshot::channel::<&str>();
        let request = finish_detached(async move {
            go_rx
                .await
                .map_err(|_| crate::error::AppError::Conflict("asker gone".into()))?;
            done_tx.send("finished").ok();
            Ok(())
        });
        // Poll the request once (the work starts and waits), then drop it.
        tokio::select! {
            biased;
            _ = request => panic!("the work cannot finish before it is told to"),
            _ = std::future::ready(()) => {}
        }
        go_tx
            .send(())
            .expect("the work is still alive after its asker was dropped");
        assert_eq!(done_rx.await, Ok("finished"));
    }
}
