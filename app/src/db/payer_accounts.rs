//! Enrolled payers' sign-in as stored: the payer's password, lockout and
//! challenge questions (`payers`), the payer site's sessions
//! (`payer_sessions`) and the Activity log (`payer_activity`). The rules
//! live in `services::payer_accounts`; this stores and guards.
//!
//! Every change to a payer's sign-in writes its Activity line in the same
//! transaction, and a staff user's change its audit row as well.

use super::audit::{AuditEntry, write_audit};
use super::throttle::{SignIns, UserClaim};
use super::{Db, DbError, in_tx, on_pool};
use crate::domain::payer_account::PayerEvent;

/// A payer as sign-in needs them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PayerRow {
    pub id: i64,
    pub user_id: String,
    pub email: Option<String>,
    /// None: enrolled by the universal file and never given a password.
    pub password_hash: Option<String>,
    pub must_change_password: bool,
    pub password_changed_at: Option<i64>,
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub question1: Option<String>,
    pub question2: Option<String>,
    pub alert_email: bool,
    pub alert_text: bool,
    /// E.164 (`+1` and ten digits).
    pub mobile: Option<String>,
}

const PAYER_COLUMNS: &str = "id, user_id, email, password_hash, must_change_password, \
    password_changed_at, locked_until, created_at, question1, question2, alert_email, alert_text, mobile";

/// A line of the Activity log as stored, with the staff user's login.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActivityRow {
    pub at: i64,
    pub event: String,
    pub staff_login: Option<String>,
    pub ip: Option<String>,
    /// What the line is about, for the lines read from plans and links
    /// (a plan's number, why it ended, where a link went).
    pub note: Option<String>,
}

/// A notice sent to a payer, as stored (codes, not labels).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AlertRow {
    pub at: i64,
    pub kind: String,
    pub channel: String,
    pub address: String,
    pub status: String,
}

/// One Activity line to write.
#[derive(Debug, Clone, Copy)]
pub struct Activity<'a> {
    pub at: i64,
    pub event: PayerEvent,
    pub staff_id: Option<i64>,
    pub ip: Option<&'a str>,
}

impl<'a> Activity<'a> {
    pub fn new(at: i64, event: PayerEvent, ip: Option<&'a str>) -> Self {
        Activity {
            at,
            event,
            staff_id: None,
            ip,
        }
    }
}

macro_rules! write_activity {
    ($conn:expr, $payer:expr, $a:expr) => {{
        let a: &$crate::db::payer_accounts::Activity<'_> = &$a;
        sqlx::query(
            "INSERT INTO payer_activity (payer_id, at, event, staff_id, ip) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind($payer)
        .bind(a.at)
        .bind(a.event.code())
        .bind(a.staff_id)
        .bind(a.ip)
        .execute($conn)
        .await
        .map(|r| r.rows_affected())
    }};
}
pub(crate) use write_activity;

/// Ends every session of a payer, in a transaction.
macro_rules! end_payer_sessions_in {
    ($tx:expr, $payer:expr) => {
        sqlx::query("DELETE FROM payer_sessions WHERE payer_id = $1")
            .bind($payer)
            .execute($tx)
            .await
            .map(|r| r.rows_affected())
    };
}
pub(crate) use end_payer_sessions_in;

/// Opens a payer session (its token's hash) at `$a`'s time and address.
macro_rules! open_payer_session_in {
    ($tx:expr, $token_hash:expr, $payer:expr, $a:expr) => {
        sqlx::query(
            "INSERT INTO payer_sessions (token_hash, payer_id, created_at, last_seen_at, ip) VALUES ($1, $2, $3, $3, $4)",
        )
        .bind($token_hash)
        .bind($payer)
        .bind($a.at)
        .bind($a.ip)
        .execute($tx)
        .await
        .map(|r| r.rows_affected())
    };
}

/// A new enrollment (Register Now), its secrets already hashed.
pub struct NewEnrollment<'a> {
    pub user_id: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub questions: [(&'a str, &'a str); 2],
    pub account_id: i64,
    /// The session Register Now opens (its token's hash), so the payer
    /// can save a payment method next.
    pub session_hash: &'a str,
}

/// What Register Now's write found.
#[derive(Debug, PartialEq, Eq)]
pub enum Enrolled {
    Done(i64),
    /// The User ID belongs to someone else.
    UserIdTaken,
    /// The account got an enrolled payer meanwhile.
    AccountTaken,
}

/// The payer behind a live session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PayerSessionRow {
    pub payer_id: i64,
    pub user_id: String,
    pub must_change_password: bool,
    pub created_at: i64,
    pub last_seen_at: i64,
}

impl Db {
    pub async fn payer_by_user_id(&self, user_id: &str) -> Result<Option<PayerRow>, DbError> {
        let sql = format!("SELECT {PAYER_COLUMNS} FROM payers WHERE user_id = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, PayerRow>(&sql)
            .bind(user_id)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    /// Whether an account has an enrolled payer (by registration or import).
    pub async fn account_enrolled(&self, account_id: i64) -> Result<bool, DbError> {
        let n: i64 = on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM account_payers WHERE account_id = $1"
        )
        .bind(account_id)
        .fetch_one(pool)
        .await)?;
        Ok(n > 0)
    }

    /// Register Now: the payer, the account linked to them and the
    /// Activity line, in one transaction. A taken User ID writes nothing.
    pub async fn enroll_payer(
        &self,
        new: &NewEnrollment<'_>,
        activity: &Activity<'_>,
    ) -> Result<Enrolled, DbError> {
        let out = in_tx!(self, |tx| {
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO payers (user_id, created_at, email, password_hash, password_changed_at, \
                 question1, answer1_hash, question2, answer2_hash, registered) \
                 VALUES ($1, $2, $3, $4, $2, $5, $6, $7, $8, TRUE) ON CONFLICT (user_id) DO NOTHING RETURNING id",
            )
            .bind(new.user_id)
            .bind(activity.at)
            .bind(new.email)
            .bind(new.password_hash)
            .bind(new.questions[0].0)
            .bind(new.questions[0].1)
            .bind(new.questions[1].0)
            .bind(new.questions[1].1)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else {
                return Ok(Enrolled::UserIdTaken);
            };
            // One enrolled payer per account, decided here: PostgreSQL
            // locks the account row so two registrations at once queue
            // (SQLite's write transaction already does).
            if let Db::Postgres(_) = self {
                sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
                    .bind(new.account_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let linked = sqlx::query(
                "INSERT INTO account_payers (account_id, payer_id) SELECT $1, $2 \
                 WHERE NOT EXISTS (SELECT 1 FROM account_payers WHERE account_id = $1)",
            )
            .bind(new.account_id)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if linked == 0 {
                // Rolls back the payer just inserted.
                return Ok(Enrolled::AccountTaken);
            }
            write_activity!(&mut *tx, id, *activity)?;
            open_payer_session_in!(&mut *tx, new.session_hash, id, activity)?;
            Enrolled::Done(id)
        });
        Ok(out)
    }

    /// Counts one sign-in attempt on a payer, unless they are locked
    /// (`None` then): the staff lockout's guarded statement, on `payers`.
    pub async fn claim_payer_attempt(
        &self,
        payer_id: i64,
        now: i64,
        lock_after: i64,
        lock_until: i64,
    ) -> Result<Option<UserClaim>, DbError> {
        self.claim_attempt(SignIns::Payers, payer_id, now, lock_after, lock_until)
            .await
    }

    /// Writes an Activity line on its own (a failed sign-in, a lockout).
    pub async fn payer_activity_line(
        &self,
        payer_id: i64,
        a: &Activity<'_>,
    ) -> Result<(), DbError> {
        on_pool!(self, |pool| write_activity!(pool, payer_id, *a))?;
        Ok(())
    }

    /// Opens a payer session for a correct password: the run of failures
    /// ends, under the same guard as the staff's (a lock set meanwhile by
    /// other attempts keeps it closed). False when the guard did not hold.
    pub async fn open_payer_session(
        &self,
        token_hash: &str,
        payer_id: i64,
        claim: UserClaim,
        activity: &Activity<'_>,
    ) -> Result<bool, DbError> {
        let opened = in_tx!(self, |tx| {
            let allowed = sqlx::query(&format!(
                "UPDATE payers SET failed_attempts = 0, locked_until = NULL WHERE id = $1 AND {}",
                super::throttle::NOT_LOCKED
            ))
            .bind(payer_id)
            .bind(activity.at)
            .bind(claim.attempt)
            .bind(claim.lock)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if allowed {
                open_payer_session_in!(&mut *tx, token_hash, payer_id, activity)?;
                write_activity!(&mut *tx, payer_id, *activity)?;
            }
            allowed
        });
        Ok(opened)
    }

    /// A right password outside sign-in (Change Password): the run of
    /// failures ends, under the same guard as [`Db::open_payer_session`].
    pub async fn clear_payer_attempts(
        &self,
        payer_id: i64,
        claim: UserClaim,
        now: i64,
    ) -> Result<bool, DbError> {
        self.clear_attempts_of(SignIns::Payers, payer_id, claim, now)
            .await
    }

    /// Ends every session of a payer (guessing their password from inside
    /// a session), with its Activity line.
    pub async fn end_payer_sessions(
        &self,
        payer_id: i64,
        activity: &Activity<'_>,
    ) -> Result<(), DbError> {
        in_tx!(self, |tx| {
            end_payer_sessions_in!(&mut *tx, payer_id)?;
            write_activity!(&mut *tx, payer_id, *activity)?;
        });
        Ok(())
    }

    pub async fn payer_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<PayerSessionRow>, DbError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, PayerSessionRow>(
            "SELECT s.payer_id, p.user_id, p.must_change_password, s.created_at, s.last_seen_at \
             FROM payer_sessions s JOIN payers p ON p.id = s.payer_id WHERE s.token_hash = $1"
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await
        })?;
        Ok(row)
    }

    pub async fn touch_payer_session(&self, token_hash: &str, now: i64) -> Result<(), DbError> {
        on_pool!(self, |pool| sqlx::query(
            "UPDATE payer_sessions SET last_seen_at = $1 WHERE token_hash = $2"
        )
        .bind(now)
        .bind(token_hash)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Ends one session; `activity` (a sign-out) is written only when the
    /// session was still open.
    pub async fn end_payer_session(
        &self,
        token_hash: &str,
        activity: Option<&Activity<'_>>,
    ) -> Result<(), DbError> {
        in_tx!(self, |tx| {
            let payer: Option<i64> = sqlx::query_scalar(
                "DELETE FROM payer_sessions WHERE token_hash = $1 RETURNING payer_id",
            )
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await?;
            if let (Some(payer), Some(a)) = (payer, activity) {
                write_activity!(&mut *tx, payer, *a)?;
            }
        });
        Ok(())
    }

    /// Sets a payer's password and ends every session they had, with the
    /// Activity line (and, for a CSR's reset, its audit row), in one
    /// transaction. `temporary`: the payer must change it at the next
    /// sign-in (a CSR's Change Password). `session`: a new session for the
    /// payer who changed their own. Guarded on the hash it replaces, so
    /// two changes at once cannot both win; false when it had changed.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_payer_password(
        &self,
        payer_id: i64,
        old_hash: Option<&str>,
        new_hash: &str,
        temporary: bool,
        session: Option<&str>,
        activity: &Activity<'_>,
        audit: Option<&AuditEntry<'_>>,
    ) -> Result<bool, DbError> {
        let done = in_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE payers SET password_hash = $1, must_change_password = $2, password_changed_at = $3, \
                 failed_attempts = 0, reset_hash = NULL, reset_expires_at = NULL \
                 WHERE id = $4 AND COALESCE(password_hash, '') = COALESCE($5, '')",
            )
            .bind(new_hash)
            .bind(temporary)
            .bind(activity.at)
            .bind(payer_id)
            .bind(old_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                end_payer_sessions_in!(&mut *tx, payer_id)?;
                if let Some(token_hash) = session {
                    open_payer_session_in!(&mut *tx, token_hash, payer_id, activity)?;
                }
                write_activity!(&mut *tx, payer_id, *activity)?;
                if let Some(entry) = audit {
                    write_audit!(&mut *tx, *entry)?;
                }
            }
            n == 1
        });
        Ok(done)
    }

    /// A CSR's Lock (`until` far ahead) or Unlock (`None`): a lock also
    /// ends the payer's sessions. Audited and in the Activity log.
    pub async fn set_payer_lock(
        &self,
        payer_id: i64,
        until: Option<i64>,
        activity: &Activity<'_>,
        audit: &AuditEntry<'_>,
    ) -> Result<(), DbError> {
        in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE payers SET locked_until = $1, failed_attempts = 0, reset_hash = NULL, reset_expires_at = NULL WHERE id = $2",
            )
                .bind(until)
                .bind(payer_id)
                .execute(&mut *tx)
                .await?;
            if until.is_some() {
                end_payer_sessions_in!(&mut *tx, payer_id)?;
            }
            write_activity!(&mut *tx, payer_id, *activity)?;
            write_audit!(&mut *tx, *audit)?;
        });
        Ok(())
    }

    /// The email on record, changed by a CSR (audited, before and after).
    pub async fn set_payer_email(
        &self,
        payer_id: i64,
        email: &str,
        activity: &Activity<'_>,
        audit: &AuditEntry<'_>,
    ) -> Result<(), DbError> {
        in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE payers SET email = $1, reset_hash = NULL, reset_expires_at = NULL WHERE id = $2",
            )
                .bind(email)
                .bind(payer_id)
                .execute(&mut *tx)
                .await?;
            write_activity!(&mut *tx, payer_id, *activity)?;
            write_audit!(&mut *tx, *audit)?;
        });
        Ok(())
    }

    /// Profile's Challenge Questions: both questions and answers' hashes.
    /// A live Forgot Password link ends (it was issued under the old ones).
    pub async fn set_payer_questions(
        &self,
        payer_id: i64,
        questions: [(&str, &str); 2],
        activity: &Activity<'_>,
    ) -> Result<(), DbError> {
        in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE payers SET question1 = $1, answer1_hash = $2, question2 = $3, answer2_hash = $4, \
                 reset_hash = NULL, reset_expires_at = NULL WHERE id = $5",
            )
            .bind(questions[0].0)
            .bind(questions[0].1)
            .bind(questions[1].0)
            .bind(questions[1].1)
            .bind(payer_id)
            .execute(&mut *tx)
            .await?;
            write_activity!(&mut *tx, payer_id, *activity)?;
        });
        Ok(())
    }

    /// Profile's Alerts.
    pub async fn set_payer_alerts(
        &self,
        payer_id: i64,
        prefs: &super::notices::AlertPreferences,
        activity: &Activity<'_>,
    ) -> Result<(), DbError> {
        in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE payers SET alert_email = $1, alert_text = $2, mobile = $3 WHERE id = $4",
            )
            .bind(prefs.alert_email)
            .bind(prefs.alert_text)
            .bind(&prefs.mobile)
            .bind(payer_id)
            .execute(&mut *tx)
            .await?;
            write_activity!(&mut *tx, payer_id, *activity)?;
        });
        Ok(())
    }

    /// The newest `limit` Activity lines, newest first: what the payer
    /// did and what staff did to their sign-in (`payer_activity`), and,
    /// read from where they are kept, their plans set up and ended and the
    /// payment links sent to their accounts and used.
    pub async fn payer_activity(
        &self,
        payer_id: i64,
        limit: i64,
    ) -> Result<Vec<ActivityRow>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, ActivityRow>(
            "SELECT at, event, staff_login, ip, note FROM ( \
             SELECT a.at AS at, a.event AS event, s.login AS staff_login, a.ip AS ip, \
                    CAST(NULL AS TEXT) AS note, a.id AS tie \
             FROM payer_activity a LEFT JOIN staff_users s ON s.id = a.staff_id WHERE a.payer_id = $1 \
             UNION ALL \
             SELECT pl.created_at, 'plan_set_up', s.login, CAST(NULL AS TEXT), \
                    'plan ' || CAST(pl.id AS TEXT), 0 \
             FROM plans pl LEFT JOIN staff_users s ON s.id = pl.created_by WHERE pl.payer_id = $1 \
             UNION ALL \
             SELECT pl.updated_at, 'plan_ended', CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
                    'plan ' || CAST(pl.id AS TEXT) || ': ' || COALESCE(pl.end_reason, pl.status), 0 \
             FROM plans pl WHERE pl.payer_id = $1 AND pl.status <> 'active' \
             UNION ALL \
             SELECT l.created_at, 'link_sent', s.login, CAST(NULL AS TEXT), l.channel || ' to ' || l.address, 0 \
             FROM account_payers ap JOIN payment_links l ON l.account_id = ap.account_id \
             LEFT JOIN staff_users s ON s.id = l.created_by WHERE ap.payer_id = $1 AND l.channel <> 'web' \
             UNION ALL \
             SELECT p.created_at, 'link_used', CAST(NULL AS TEXT), CAST(NULL AS TEXT), p.reference, 0 \
             FROM account_payers ap JOIN payment_links l ON l.account_id = ap.account_id \
             JOIN payments p ON p.id = l.payment_id WHERE ap.payer_id = $1 AND l.channel <> 'web' \
             ) lines ORDER BY at DESC, tie DESC LIMIT $2"
        )
        .bind(payer_id)
        .bind(limit)
        .fetch_all(pool)
        .await
        })?;
        Ok(rows)
    }

    /// Alerts: the newest `limit` notices sent (or being sent) to the payer:
    /// receipts and notices of payments on their accounts, their plans'
    /// notices, and payment links sent to their accounts. Each branch is
    /// found by index (a payment's notices, a plan's, an account's links).
    pub async fn payer_alerts(&self, payer_id: i64, limit: i64) -> Result<Vec<AlertRow>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, AlertRow>(
            "SELECT at, kind, channel, address, status FROM ( \
             SELECT COALESCE(n.sent_at, n.next_attempt_at) AS at, n.kind AS kind, n.channel AS channel, \
                    n.to_email AS address, n.status AS status \
             FROM account_payers ap JOIN payments p ON p.account_id = ap.account_id \
             JOIN notices n ON n.payment_id = p.id WHERE ap.payer_id = $1 \
             UNION ALL \
             SELECT COALESCE(n.sent_at, n.next_attempt_at), n.kind, n.channel, n.to_email, n.status \
             FROM plans pl JOIN notices n ON n.plan_id = pl.id \
             WHERE pl.payer_id = $1 AND n.payment_id IS NULL \
             UNION ALL \
             SELECT l.created_at, 'link', l.channel, l.address, \
                    CASE WHEN l.revoked_at IS NOT NULL THEN 'revoked' ELSE 'sent' END \
             FROM account_payers ap JOIN payment_links l ON l.account_id = ap.account_id \
             WHERE ap.payer_id = $1 AND l.channel <> 'web' \
             ) alerts ORDER BY at DESC LIMIT $2"
        )
        .bind(payer_id)
        .bind(limit)
        .fetch_all(pool)
        .await
        })?;
        Ok(rows)
    }

    /// Drops payer sessions idle since before `before` (the sweeper).
    pub async fn purge_payer_sessions(&self, before: i64) -> Result<u64, DbError> {
        let n = on_pool!(self, |pool| sqlx::query(
            "DELETE FROM payer_sessions WHERE last_seen_at < $1"
        )
        .bind(before)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n)
    }
}
