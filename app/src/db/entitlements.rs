//! Role entitlements and per-user overrides.

use super::{Db, DbError, in_tx, on_pool};
use crate::db::audit::{AuditEntry, write_audit};
use crate::domain::entitlements::{Entitlement, Entitlements};
use crate::domain::staff::Role;
use std::collections::BTreeMap;

/// A user's entitlements: the role's, minus what an override takes away,
/// plus what one grants. One query, run for every signed-in request.
const EFFECTIVE: &str = "SELECT r.entitlement FROM role_entitlements r WHERE r.role = $2 AND NOT EXISTS \
     (SELECT 1 FROM user_entitlements u WHERE u.user_id = $1 AND u.entitlement = r.entitlement AND u.granted = FALSE) \
     UNION SELECT entitlement FROM user_entitlements WHERE user_id = $1 AND granted = TRUE";

impl Db {
    pub async fn entitlements_of(&self, user_id: i64, role: Role) -> Result<Entitlements, DbError> {
        let codes: Vec<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(EFFECTIVE)
                .bind(user_id)
                .bind(role.code())
                .fetch_all(pool)
                .await
        })?;
        Ok(Entitlements::from_codes(codes.iter().map(String::as_str)))
    }

    pub async fn role_entitlements(&self, role: Role) -> Result<Entitlements, DbError> {
        let codes: Vec<String> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT entitlement FROM role_entitlements WHERE role = $1")
                .bind(role.code())
                .fetch_all(pool)
                .await
        })?;
        Ok(Entitlements::from_codes(codes.iter().map(String::as_str)))
    }

    /// Active users with the role, and how many of them have overrides.
    pub async fn role_user_counts(&self, role: Role) -> Result<(i64, i64), DbError> {
        let counts = on_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM user_entitlements e WHERE e.user_id = u.id)) \
                 FROM staff_users u WHERE u.role = $1 AND u.active",
            )
            .bind(role.code())
            .fetch_one(pool)
            .await
        })?;
        Ok(counts)
    }

    /// Update Entitlements (and, with `reset_users`, Apply to current users:
    /// every override of a user in the role is dropped), audited with the
    /// sets before and after, in one transaction.
    pub async fn set_role_entitlements(
        &self,
        role: Role,
        granted: &Entitlements,
        reset_users: bool,
        entry: &AuditEntry<'_>,
    ) -> Result<u64, DbError> {
        let reset = in_tx!(self, |tx| {
            sqlx::query("DELETE FROM role_entitlements WHERE role = $1")
                .bind(role.code())
                .execute(&mut *tx)
                .await?;
            for e in granted.iter() {
                sqlx::query("INSERT INTO role_entitlements (role, entitlement) VALUES ($1, $2)")
                    .bind(role.code())
                    .bind(e.code())
                    .execute(&mut *tx)
                    .await?;
            }
            let reset = if reset_users {
                sqlx::query("DELETE FROM user_entitlements WHERE user_id IN (SELECT id FROM staff_users WHERE role = $1)")
                    .bind(role.code())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
            } else {
                0
            };
            write_audit!(&mut *tx, *entry)?;
            reset
        });
        Ok(reset)
    }

    pub async fn user_overrides(
        &self,
        user_id: i64,
    ) -> Result<BTreeMap<Entitlement, bool>, DbError> {
        let rows: Vec<(String, bool)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT entitlement, granted FROM user_entitlements WHERE user_id = $1")
                .bind(user_id)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(code, g)| Some((Entitlement::from_code(&code)?, g)))
            .collect())
    }

    /// Replaces a user's overrides, audited, in one transaction.
    pub async fn set_user_overrides(
        &self,
        user_id: i64,
        overrides: &BTreeMap<Entitlement, bool>,
        entry: &AuditEntry<'_>,
    ) -> Result<(), DbError> {
        in_tx!(self, |tx| {
            sqlx::query("DELETE FROM user_entitlements WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            for (e, granted) in overrides {
                sqlx::query("INSERT INTO user_entitlements (user_id, entitlement, granted) VALUES ($1, $2, $3)")
                    .bind(user_id)
                    .bind(e.code())
                    .bind(*granted)
                    .execute(&mut *tx)
                    .await?;
            }
            write_audit!(&mut *tx, *entry)?;
        });
        Ok(())
    }
}
