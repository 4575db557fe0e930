//! How far a long upload step has got (the preview of a file just sent, or
//! a commit), for the progress bar. Kept in this server's memory, and on
//! PostgreSQL (several servers behind a load balancer) also written to the
//! database twice a second while the step runs, so a poll that reaches
//! another server finds it too. It is a hint, not a record: a poll that
//! comes after the step ended gets nothing, and the bar shows it is busy.

use crate::db::{Db, now_ms};
use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often a running step's count is written for the other servers.
const PUBLISH_EVERY: Duration = Duration::from_millis(500);

/// Bytes of the file read so far, out of its size.
#[derive(Debug, Default)]
pub struct Progress {
    total: AtomicU64,
    read: AtomicU64,
}

impl Progress {
    /// Starts (again) at nothing read of `total` bytes.
    pub fn begin(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
        self.read.store(0, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> (u64, u64) {
        let total = self.total.load(Ordering::Relaxed);
        (self.read.load(Ordering::Relaxed).min(total), total)
    }
}

/// Who asked, and the name their page gave the step.
type Key = (i64, String);

/// The steps running on this server.
#[derive(Debug, Clone, Default)]
pub struct ProgressBoard {
    running: Arc<Mutex<HashMap<Key, Arc<Progress>>>>,
    /// PostgreSQL: where the counts are written for the other servers.
    shared: Option<Db>,
}

/// A step's entry on the board; it comes off when the step ends, however.
pub struct Tracked {
    board: ProgressBoard,
    key: Key,
    pub progress: Arc<Progress>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Ok(mut map) = self.board.running.lock() {
            map.remove(&self.key);
        }
    }
}

pub use crate::domain::upload_view::commit_token;

/// A step name a page may choose: short, and plain letters, digits and `-`.
pub fn valid_token(token: &str) -> bool {
    (1..=64).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl ProgressBoard {
    /// The board of a server on `db`: shared through it on PostgreSQL.
    pub fn for_db(db: &Db) -> ProgressBoard {
        ProgressBoard {
            shared: matches!(db, Db::Postgres(_)).then(|| db.clone()),
            ..ProgressBoard::default()
        }
    }

    /// Puts a step of `user`'s on the board (its size comes with `begin`).
    pub fn track(&self, user: i64, token: &str) -> Tracked {
        let progress = Arc::new(Progress::default());
        let key = (user, token.to_string());
        if let Ok(mut map) = self.running.lock() {
            map.insert(key.clone(), progress.clone());
        }
        if let Some(db) = self.shared.clone() {
            publish(db, user, token.to_string(), Arc::downgrade(&progress));
        }
        Tracked {
            board: self.clone(),
            key,
            progress,
        }
    }

    /// `(read, total)` of `user`'s step, if it is running here. Nobody sees
    /// another user's steps.
    pub fn get(&self, user: i64, token: &str) -> Option<(u64, u64)> {
        let map = self.running.lock().ok()?;
        map.get(&(user, token.to_string())).map(|p| p.snapshot())
    }

    /// `(read, total)` of `user`'s step, running here or (PostgreSQL) on
    /// another server.
    pub async fn lookup(&self, user: i64, token: &str) -> Option<(u64, u64)> {
        if let Some(here) = self.get(user, token) {
            return Some(here);
        }
        let db = self.shared.as_ref()?;
        let (read, total) = db.progress_of(user, token, now_ms()).await.ok()??;
        Some((read.max(0) as u64, total.max(0) as u64))
    }
}

/// Writes the step's count for the other servers until the step ends (its
/// last `Arc` is gone), then deletes it. A failed write is only a bar that
/// says "busy" elsewhere: logged, never the step's failure.
fn publish(db: Db, user: i64, token: String, step: std::sync::Weak<Progress>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PUBLISH_EVERY);
        loop {
            tick.tick().await;
            let Some((read, total)) = step.upgrade().map(|p| p.snapshot()) else {
                break;
            };
            if let Err(e) = db
                .publish_progress(user, &token, read as i64, total as i64, now_ms())
                .await
            {
                tracing::debug!(error = %e, "cannot share an upload's progress");
            }
        }
        if let Err(e) = db.end_progress(user, &token, now_ms()).await {
            tracing::debug!(error = %e, "cannot clear an upload's progress");
        }
    });
}

/// A reader that counts what passes through it into a [`Progress`].
pub struct Counted<R> {
    pub inner: R,
    pub progress: Option<Arc<Progress>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = &self.progress {
            p.read.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_counts_what_is_read_and_leaves_the_board_when_done() {
        let board = ProgressBoard::default();
        let tracked = board.track(7, "abc");
        tracked.progress.begin(10);
        let mut r = Counted {
            inner: &b"0123456789"[..],
            progress: Some(tracked.progress.clone()),
        };
        let mut buf = [0u8; 4];
        assert_eq!(r.read(&mut buf).unwrap(), 4, "what the buffer holds");
        assert_eq!(board.get(7, "abc"), Some((4, 10)));
        assert_eq!(
            board.get(8, "abc"),
            None,
            "another user's step is not theirs to see"
        );
        drop(tracked);
        assert_eq!(board.get(7, "abc"), None);
    }

    #[test]
    fn step_names_are_plain() {
        assert!(valid_token("commit-12") && valid_token("a1B2"));
        assert!(!valid_token("") && !valid_token("a/b") && !valid_token(&"x".repeat(65)));
    }
}
