//! User Admin's writes: deactivate and activate, unlock, temporary
//! passwords. Each is one transaction with its audit row.

use super::entitlements::administration_left;
use super::{Db, DbError, in_tx, on_pool, update_audited};
use crate::db::audit::{AuditEntry, write_audit};
use crate::domain::division::DivisionScope;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffListRow {
    pub id: i64,
    pub login: String,
    pub email: String,
    pub role: String,
    pub active: bool,
    pub locked_until: Option<i64>,
    pub must_change_password: bool,
    pub created_at: i64,
    pub last_sign_in: Option<i64>,
}

/// Why a deactivation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deactivation {
    Done,
    NoSuchUser,
    LastAdministrator,
}

const LIST: &str = "SELECT u.id, u.login, u.email, u.role, u.active, u.locked_until, u.must_change_password, u.created_at, \
     (SELECT MAX(s.last_seen_at) FROM sessions s WHERE s.user_id = u.id) AS last_sign_in FROM staff_users u";

impl Db {
    /// User Admin's list: the staff who work in one of `shown` (those
    /// limited to one of them, and those with every division).
    pub async fn list_staff(&self, shown: &DivisionScope) -> Result<Vec<StaffListRow>, DbError> {
        let narrowed = match shown.sql_list() {
            None => String::new(),
            // The ids are the server's integers (`DivisionScope::sql_filter`).
            Some(list) => format!(
                " WHERE NOT EXISTS (SELECT 1 FROM staff_divisions d WHERE d.user_id = u.id) \
                 OR EXISTS (SELECT 1 FROM staff_divisions d WHERE d.user_id = u.id AND d.division_id IN ({list}))"
            ),
        };
        let sql = format!("{LIST}{narrowed} ORDER BY u.active DESC, u.login");
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, StaffListRow>(&sql)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    pub async fn staff_listing(&self, login: &str) -> Result<Option<StaffListRow>, DbError> {
        let sql = format!("{LIST} WHERE u.login = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, StaffListRow>(&sql)
            .bind(login)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    /// Deactivates a user and ends their sessions. Some active
    /// Administrator must keep user and entitlement administration, their
    /// overrides included (`administration_left`; the lock also queues two
    /// administrators deactivating each other at once).
    pub async fn deactivate_staff(
        &self,
        user_id: i64,
        entry: &AuditEntry<'_>,
    ) -> Result<Deactivation, DbError> {
        let lock = self.administrators_lock();
        let out = in_tx!(self, |tx| {
            sqlx::query(lock).execute(&mut *tx).await?;
            let n = sqlx::query("UPDATE staff_users SET active = FALSE WHERE id = $1 AND active")
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n != 1 {
                return Ok(Deactivation::NoSuchUser);
            }
            if !administration_left!(tx) {
                // Returning drops the transaction: it rolls back.
                return Ok(Deactivation::LastAdministrator);
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            write_audit!(&mut *tx, *entry)?;
            Deactivation::Done
        });
        Ok(out)
    }

    /// Activates a user; false if there was no inactive user to activate.
    pub async fn activate_staff(
        &self,
        user_id: i64,
        entry: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        update_audited!(
            self,
            entry,
            sqlx::query("UPDATE staff_users SET active = TRUE, failed_attempts = 0, locked_until = NULL WHERE id = $1 AND NOT active")
                .bind(user_id)
        )
    }

    /// Clears a lockout; false if the user was not locked.
    pub async fn unlock_staff(
        &self,
        user_id: i64,
        now: i64,
        entry: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        update_audited!(
            self,
            entry,
            sqlx::query(
                "UPDATE staff_users SET failed_attempts = 0, locked_until = NULL WHERE id = $1 AND locked_until IS NOT NULL AND locked_until > $2",
            )
            .bind(user_id)
            .bind(now)
        )
    }

    /// Sets a temporary password: it must be changed at the next sign-in,
    /// any lockout is cleared and the user's sessions end.
    pub async fn set_temporary_password(
        &self,
        user_id: i64,
        hash: &str,
        entry: &AuditEntry<'_>,
    ) -> Result<(), DbError> {
        in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE staff_users SET password_hash = $2, password_changed_at = $3, must_change_password = TRUE, \
                 failed_attempts = 0, locked_until = NULL WHERE id = $1",
            )
            .bind(user_id)
            .bind(hash)
            .bind(entry.at)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            write_audit!(&mut *tx, *entry)?;
        });
        Ok(())
    }
}
