//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes).
//!
//! Every hash and verify needs a [`HashPermit`] from a [`HashGate`]: each
//! one takes 19 MiB and a core for a while, so a few hundred sign-ins at
//! once would otherwise take gigabytes and queue without end. Past the
//! gate's size a request waits at most [`HashGate::WAIT`], then is answered
//! "busy" (503 with `Retry-After`) instead of queueing.

use crate::error::AppError;
use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Verifying against this when the login ID is unknown makes a wrong login
/// cost the same time as a wrong password, so timing reveals no user names.
static DECOY: LazyLock<String> =
    LazyLock::new(|| hash("decoy password that never matches").unwrap_or_default());

/// Bounds how many argon2 computations run at once.
#[derive(Debug, Clone)]
pub struct HashGate {
    permits: Arc<Semaphore>,
    size: usize,
}

/// The right to run argon2 (held for a whole sign-in or password change,
/// so one request never waits twice).
#[derive(Debug)]
pub struct HashPermit(#[allow(dead_code)] OwnedSemaphorePermit);

impl HashGate {
    /// How long a request may wait for a free slot before it is told the
    /// server is busy: a couple of hashes' time, so a short burst of
    /// sign-ins all succeed while a flood is refused quickly.
    pub const WAIT: Duration = Duration::from_millis(300);
    /// What a busy answer's `Retry-After` says, in seconds.
    pub const RETRY_AFTER_SECS: u64 = 2;

    pub fn new(size: usize) -> HashGate {
        let size = size.max(1);
        HashGate {
            permits: Arc::new(Semaphore::new(size)),
            size,
        }
    }

    /// One slot per core: argon2 is CPU-bound, more at once only adds memory.
    pub fn per_core() -> HashGate {
        HashGate::new(cores())
    }

    /// A slot, or [`AppError::Busy`] after at most [`Self::WAIT`].
    pub async fn enter(&self) -> Result<HashPermit, AppError> {
        self.enter_within(Self::WAIT).await
    }

    /// A slot, waiting at most `wait` for one.
    pub async fn enter_within(&self, wait: Duration) -> Result<HashPermit, AppError> {
        match tokio::time::timeout(wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(p)) => Ok(HashPermit(p)),
            _ => Err(AppError::Busy),
        }
    }

    /// Takes every free slot now (tests use it to fill the gate).
    pub fn try_take_all(&self) -> Option<HashPermit> {
        self.permits
            .clone()
            .try_acquire_many_owned(self.size as u32)
            .ok()
            .map(HashPermit)
    }
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

impl HashPermit {
    /// Argon2 is deliberately slow; run it off the async executor.
    pub async fn verify(&self, password: &str, phc: &str) -> bool {
        let (password, phc) = (password.to_string(), phc.to_string());
        tokio::task::spawn_blocking(move || verify(&password, &phc))
            .await
            .unwrap_or(false)
    }

    /// Spends the time a real verify would (see [`DECOY`]).
    pub async fn burn_time(&self, password: &str) {
        self.verify(password, &DECOY).await;
    }

    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let pw = password.to_string();
        tokio::task::spawn_blocking(move || hash(&pw))
            .await
            .map_err(|_| AppError::Internal(super::incident_id()))?
            .map_err(|_| AppError::Internal(super::incident_id()))
    }
}

/// The gate for hashing outside a request's [`crate::web::AppState`] (the
/// CLI, the demo data, an administrator's temporary password): none of it
/// is reachable without signing in, and it waits like anything else.
pub fn shared_gate() -> &'static HashGate {
    static GATE: LazyLock<HashGate> = LazyLock::new(HashGate::per_core);
    &GATE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("Correct horse battery", &h));
        assert!(!verify("anything", "not a hash"));
    }

    #[tokio::test]
    async fn a_full_gate_answers_busy_quickly_and_frees_when_done() {
        let gate = HashGate::new(2);
        let a = gate.enter().await.unwrap();
        let _b = gate.enter().await.unwrap();
        let started = std::time::Instant::now();
        assert_eq!(gate.enter().await.unwrap_err(), AppError::Busy);
        assert!(
            started.elapsed() < HashGate::WAIT + Duration::from_millis(500),
            "refused after the short wait, not queued"
        );
        drop(a);
        assert!(
            gate.enter().await.is_ok(),
            "a slot frees when its hash ends"
        );
        assert_eq!(AppError::Busy.status(), 503);
    }
}
