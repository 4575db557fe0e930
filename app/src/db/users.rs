//! Staff users and their sign-in counters.

use super::{Db, DbError, in_tx, on_pool};
use crate::db::audit::{AuditEntry, write_audit};
use crate::domain::audit_action::AuditAction;
use crate::domain::time::Timestamp;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRow {
    pub id: i64,
    pub login: String,
    pub email: String,
    pub role: String,
    pub password_hash: String,
    pub active: bool,
    pub failed_attempts: i64,
    pub locked_until: Option<Timestamp>,
    /// A temporary password (set by an administrator), to be changed at
    /// first sign-in; it expires 24 hours after `password_changed_at`.
    pub must_change_password: bool,
    pub password_changed_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewStaff<'a> {
    pub login: &'a str,
    pub email: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    /// A temporary password, to be changed at first sign-in.
    pub must_change_password: bool,
}

const STAFF_COLUMNS: &str = "id, login, email, role, password_hash, active, failed_attempts, locked_until, \
     must_change_password, password_changed_at";

impl Db {
    /// Adds a staff user; a taken login ID comes back as a unique violation.
    pub async fn insert_staff(
        &self,
        new: &NewStaff<'_>,
        now: i64,
        by: Option<&str>,
    ) -> Result<i64, DbError> {
        let id = in_tx!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO staff_users (login, email, role, password_hash, password_changed_at, created_at, must_change_password) \
                 VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
            )
            .bind(new.login)
            .bind(new.email)
            .bind(new.role)
            .bind(new.password_hash)
            .bind(now)
            .bind(new.must_change_password)
            .fetch_one(&mut *tx)
            .await?;
            let after = serde_json::json!({ "login": new.login, "role": new.role }).to_string();
            write_audit!(
                &mut *tx,
                AuditEntry {
                    actor_login: by,
                    object: Some(new.login),
                    after: Some(&after),
                    ..AuditEntry::new(now, AuditAction::UserAdd)
                }
            )?;
            id
        });
        Ok(id)
    }

    pub async fn staff_by_login(&self, login: &str) -> Result<Option<StaffRow>, DbError> {
        let sql = format!("SELECT {STAFF_COLUMNS} FROM staff_users WHERE login = $1");
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, StaffRow>(&sql)
                .bind(login)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row)
    }

    pub async fn count_staff(&self) -> Result<i64, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM staff_users")
                .fetch_one(pool)
                .await
        })?;
        Ok(n)
    }

    /// The user's earlier password hashes, newest first.
    pub async fn recent_password_hashes(
        &self,
        user_id: i64,
        limit: i64,
    ) -> Result<Vec<String>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, String>("SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2")
                .bind(user_id)
                .bind(limit)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows)
    }

    /// Sets a new password: the old hash goes to the history, a must-change
    /// flag is cleared, every session of the user ends and one new session
    /// (`new_session`, a fresh token's hash) opens for the user who changed
    /// it, and it is audited, in one transaction. False when the password
    /// was changed meanwhile by someone else (nothing is done then).
    pub async fn set_password(
        &self,
        user_id: i64,
        old_hash: &str,
        new_hash: &str,
        new_session: &str,
        entry: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        let done = in_tx!(self, |tx| {
            let changed = sqlx::query(
                "UPDATE staff_users SET password_hash = $2, password_changed_at = $3, must_change_password = FALSE \
                 WHERE id = $1 AND password_hash = $4",
            )
            .bind(user_id)
            .bind(new_hash)
            .bind(entry.at)
            .bind(old_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 1 {
                sqlx::query("INSERT INTO password_history (user_id, password_hash, created_at) VALUES ($1, $2, $3)")
                    .bind(user_id)
                    .bind(old_hash)
                    .bind(entry.at)
                    .execute(&mut *tx)
                    .await?;
                // The token rotates: a session id seen before the change
                // (on a shared screen, in a proxy log) opens nothing after it.
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, ip) VALUES ($1, $2, $3, $3, $4)",
                )
                .bind(new_session)
                .bind(user_id)
                .bind(entry.at)
                .bind(entry.ip)
                .execute(&mut *tx)
                .await?;
                write_audit!(&mut *tx, *entry)?;
            }
            changed == 1
        });
        Ok(done)
    }
}
