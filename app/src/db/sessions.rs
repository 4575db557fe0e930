//! Server-side sessions. The browser holds a random token; the database holds
//! only its hash, so a copy of the database opens no session.

use super::{Db, DbError, in_tx, on_pool};
use crate::db::audit::{AuditEntry, write_audit};
use crate::db::entitlements::effective_entitlements;
use crate::db::throttle::{NOT_LOCKED, UserClaim};
use crate::domain::entitlements::Entitlements;
use crate::domain::time::Timestamp;

/// The staff user behind a live session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUserRow {
    pub user_id: i64,
    pub login: String,
    pub email: String,
    pub role: String,
    pub active: bool,
    pub last_seen_at: Timestamp,
    /// When the session opened (sign-in, or the last password change).
    pub created_at: Timestamp,
    pub must_change_password: bool,
    pub password_changed_at: Timestamp,
    /// The division chosen in the selector (NULL: every division).
    pub division_id: Option<i64>,
}

/// A live session's user, with what they may do: see [`Db::session_user`].
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub row: SessionUserRow,
    pub entitlements: Entitlements,
    /// The divisions the user is limited to (none: every division).
    pub divisions: Vec<i64>,
}

#[derive(sqlx::FromRow)]
struct SessionGrantRow {
    #[sqlx(flatten)]
    session: SessionUserRow,
    entitlement: Option<String>,
    division: Option<i64>,
}

/// The session (once, with no grant), then one row per entitlement and per
/// division, each carrying the session's columns: `effective_entitlements!`
/// over the session's own row (`me`), and the user's division limits, in one
/// round trip.
const SESSION_WITH_GRANTS: &str = concat!(
    "WITH su AS (SELECT s.user_id, u.login, u.email, u.role, u.active, s.last_seen_at, \
     s.created_at, u.must_change_password, u.password_changed_at, s.division_id \
     FROM sessions s JOIN staff_users u ON u.id = s.user_id WHERE s.token_hash = $1) \
     SELECT su.*, CAST(NULL AS TEXT) AS entitlement, CAST(NULL AS BIGINT) AS division FROM su \
     UNION ALL SELECT su.*, e.entitlement, NULL FROM su CROSS JOIN (",
    effective_entitlements!("su me, ", "me.user_id", "me.role"),
    ") e \
     UNION ALL SELECT su.*, NULL, d.division_id FROM su JOIN staff_divisions d ON d.user_id = su.user_id"
);

impl Db {
    /// A correct password at sign-in: ends the run of failures and opens
    /// the session, audited, in one transaction, but only while the user is
    /// active and not locked by anyone else's attempt (the guard is in the
    /// statement, so a lock set while this password was being checked
    /// holds). False, with nothing changed, when the guard failed.
    pub async fn open_session(
        &self,
        token_hash: &str,
        user_id: i64,
        claim: UserClaim,
        entry: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        let opened = in_tx!(self, |tx| {
            let allowed = sqlx::query(&format!(
                "UPDATE staff_users SET failed_attempts = 0, locked_until = NULL \
                 WHERE id = $1 AND active = TRUE AND {NOT_LOCKED}"
            ))
            .bind(user_id)
            .bind(entry.at)
            .bind(claim.attempt)
            .bind(claim.lock)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if allowed {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, ip) VALUES ($1, $2, $3, $3, $4)",
                )
                .bind(token_hash)
                .bind(user_id)
                .bind(entry.at)
                .bind(entry.ip)
                .execute(&mut *tx)
                .await?;
                write_audit!(&mut *tx, *entry)?;
            }
            allowed
        });
        Ok(opened)
    }

    /// Ends every session of a user (Change Password's attempt limit) and
    /// audits it once.
    pub async fn end_user_sessions(
        &self,
        user_id: i64,
        entry: &AuditEntry<'_>,
    ) -> Result<u64, DbError> {
        let n = in_tx!(self, |tx| {
            let n = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            write_audit!(&mut *tx, *entry)?;
            n
        });
        Ok(n)
    }

    /// The session behind `token_hash`, with its user's entitlements (the
    /// role's, less what an override takes away, plus what one grants) and
    /// the divisions the user is limited to. Every signed-in request asks
    /// this, so it is one statement, not three: the session row, then a row
    /// per entitlement and per division beside it.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<SessionUser>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, SessionGrantRow>(SESSION_WITH_GRANTS)
                .bind(token_hash)
                .fetch_all(pool)
                .await
        })?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        Ok(Some(SessionUser {
            row: first.session.clone(),
            entitlements: Entitlements::from_codes(
                rows.iter().filter_map(|r| r.entitlement.as_deref()),
            ),
            divisions: rows.iter().filter_map(|r| r.division).collect(),
        }))
    }

    /// The division chosen in the selector for this session (None: every
    /// division). The caller has checked the user may use it.
    pub async fn set_session_division(
        &self,
        token_hash: &str,
        division: Option<i64>,
    ) -> Result<(), DbError> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE sessions SET division_id = $2 WHERE token_hash = $1")
                .bind(token_hash)
                .bind(division)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<(), DbError> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
                .bind(token_hash)
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Ends a session (sign-out or idle timeout) and audits why. Returns false
    /// when there was no such session, so the event is recorded only once.
    pub async fn end_session(
        &self,
        token_hash: &str,
        entry: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        let ended = in_tx!(self, |tx| {
            let gone = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if gone > 0 {
                write_audit!(&mut *tx, *entry)?;
            }
            gone > 0
        });
        Ok(ended)
    }

    /// Removes sessions idle since before `cutoff`; returns how many.
    pub async fn purge_idle_sessions(&self, cutoff: i64) -> Result<u64, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1")
                .bind(cutoff)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(n)
    }
}
