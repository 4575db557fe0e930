//! The id of the request being served, for the access log, the
//! `X-Request-Id` response header and the incident id of an internal error:
//! an operator who is given the id on the error page finds the error line and
//! the access log line with one grep.
//!
//! It lives in a tokio task-local set by `web::access_log`, so the layers in
//! between need not carry it. A task-local does not follow `tokio::spawn`:
//! work a request hands to its own task ([`crate::web::state::finish_detached`])
//! is wrapped with [`in_current`].

use std::fmt;
use std::future::Future;

/// 64 random bits, shown as 16 hex digits. Copy, so carrying it costs nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId(u64);

tokio::task_local! {
    static CURRENT: RequestId;
}

impl RequestId {
    /// A fresh random id. The client cannot choose it: a chosen id could
    /// collide with another request's and send an operator to the wrong lines.
    pub fn random() -> RequestId {
        use rand::Rng;
        RequestId(rand::thread_rng().r#gen())
    }

    /// The request being served by this task, if any.
    pub fn current() -> Option<RequestId> {
        CURRENT.try_with(|id| *id).ok()
    }

    /// The 16 hex digits, without allocating (for a header value).
    pub fn hex(self) -> [u8; 16] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 16];
        for (i, b) in out.iter_mut().enumerate() {
            *b = DIGITS[((self.0 >> (60 - 4 * i)) & 0xf) as usize];
        }
        out
    }

    /// Runs `fut` as the request with this id.
    pub async fn scope<F: Future>(self, fut: F) -> F::Output {
        CURRENT.scope(self, fut).await
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// `fut`, to run on another task as part of the current request (if any).
pub fn in_current<F: Future>(fut: F) -> impl Future<Output = F::Output> {
    let id = RequestId::current();
    async move {
        match id {
            Some(id) => id.scope(fut).await,
            None => fut.await,
        }
    }
}

/// The id an internal error is logged and shown under: the request's, so the
/// error line and the access log line share it; outside a request (the
/// scheduler, the CLI) a fresh one.
pub fn incident_id() -> String {
    RequestId::current()
        .unwrap_or_else(RequestId::random)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_matches_display() {
        for n in [0, 1, 0xdead_beef, u64::MAX, 0x0123_4567_89ab_cdef] {
            let id = RequestId(n);
            assert_eq!(std::str::from_utf8(&id.hex()).unwrap(), id.to_string());
            assert_eq!(id.to_string().len(), 16);
        }
    }

    #[tokio::test]
    async fn incidents_in_a_request_carry_its_id_even_on_a_spawned_task() {
        let id = RequestId::random();
        let (inside, spawned) = id
            .scope(async {
                let spawned = tokio::spawn(in_current(async { incident_id() }))
                    .await
                    .unwrap();
                (incident_id(), spawned)
            })
            .await;
        assert_eq!(inside, id.to_string());
        assert_eq!(spawned, id.to_string());
        // A bare spawn does not carry it: that is why `in_current` exists.
        let bare = id
            .scope(async { tokio::spawn(async { RequestId::current() }).await.unwrap() })
            .await;
        assert_eq!(bare, None);
    }

    #[tokio::test]
    async fn outside_a_request_each_incident_is_new() {
        assert_eq!(RequestId::current(), None);
        let (a, b) = (incident_id(), incident_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }
}
