//! Role entitlements and per-user overrides.

use super::{Backend, Db, DbError, in_tx, on_pool};
use crate::db::audit::{AuditEntry, write_audit};
use crate::domain::entitlements::{Entitlement, Entitlements};
use crate::domain::staff::Role;
use std::collections::BTreeMap;

/// A user's entitlements: the role's, minus what an override takes away,
/// plus what one grants, as a SELECT of one column `entitlement`. The user
/// and role are SQL expressions over the tables `$from` adds (bind
/// parameters, or the session's row in `Db::session_user`): the rule is
/// written once for both.
macro_rules! effective_entitlements {
    ($from:literal, $user:literal, $role:literal) => {
        concat!(
            "SELECT r.entitlement FROM ",
            $from,
            "role_entitlements r WHERE r.role = ",
            $role,
            " AND NOT EXISTS (SELECT 1 FROM user_entitlements x WHERE x.user_id = ",
            $user,
            " AND x.entitlement = r.entitlement AND x.granted = FALSE)",
            " UNION SELECT g.entitlement FROM ",
            $from,
            "user_entitlements g WHERE g.user_id = ",
            $user,
            " AND g.granted = TRUE"
        )
    };
}
pub(crate) use effective_entitlements;

/// [`effective_entitlements!`] of user `$1` in role `$2`.
const EFFECTIVE: &str = effective_entitlements!("", "$1", "$2");

/// How many active Administrators hold every entitlement in `$1`, `$2`
/// (user and entitlement administration), with their overrides applied.
pub(crate) const ADMINISTERED: &str = "SELECT COUNT(*) FROM staff_users s WHERE s.role = 'admin' AND s.active AND NOT EXISTS \
     (SELECT 1 FROM (SELECT CAST($1 AS TEXT) AS e UNION ALL SELECT CAST($2 AS TEXT)) need WHERE NOT ( \
        EXISTS (SELECT 1 FROM user_entitlements u WHERE u.user_id = s.id AND u.entitlement = need.e AND u.granted = TRUE) \
        OR (EXISTS (SELECT 1 FROM role_entitlements r WHERE r.role = s.role AND r.entitlement = need.e) \
            AND NOT EXISTS (SELECT 1 FROM user_entitlements u WHERE u.user_id = s.id AND u.entitlement = need.e AND u.granted = FALSE))))";

/// The outcome of a change that could take administration away from every
/// Administrator: done, or refused (and rolled back) because no active
/// Administrator would keep user and entitlement administration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Administered<T> {
    Done(T),
    NoneLeft,
}

/// Whether some active Administrator holds user and entitlement
/// administration on `$tx`, overrides included. Changes that could take them
/// away check it last, in their own transaction, and roll back when not;
/// they lock the Administrators' rows first (`administrators_lock`), so two
/// such changes at once queue and cannot each strip a different
/// Administrator and together leave none.
macro_rules! administration_left {
    ($tx:ident) => {
        sqlx::query_scalar::<_, i64>($crate::db::entitlements::ADMINISTERED)
            .bind($crate::domain::entitlements::Entitlement::UserAdmin.code())
            .bind($crate::domain::entitlements::Entitlement::EntitlementAdmin.code())
            .fetch_one(&mut *$tx)
            .await?
            > 0
    };
}
pub(crate) use administration_left;

impl Db {
    /// Locks the active Administrators' rows for the transaction (see
    /// `administration_left`); SQLite's `BEGIN IMMEDIATE` already queues
    /// writers.
    pub(crate) fn administrators_lock(&self) -> &'static str {
        match self.backend() {
            Backend::Postgres => {
                "SELECT id FROM staff_users WHERE role = 'admin' AND active ORDER BY id FOR UPDATE"
            }
            Backend::Sqlite => "SELECT id FROM staff_users WHERE role = 'admin' AND active",
        }
    }

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
    ) -> Result<Administered<u64>, DbError> {
        let lock = self.administrators_lock();
        let out = in_tx!(self, |tx| {
            sqlx::query(lock).execute(&mut *tx).await?;
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
            if !administration_left!(tx) {
                // Returning drops the transaction: it rolls back.
                return Ok(Administered::NoneLeft);
            }
            reset
        });
        Ok(Administered::Done(out))
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

    /// Replaces a user's overrides, audited, in one transaction; refused if
    /// it would leave no active Administrator with user and entitlement
    /// administration.
    pub async fn set_user_overrides(
        &self,
        user_id: i64,
        overrides: &BTreeMap<Entitlement, bool>,
        entry: &AuditEntry<'_>,
    ) -> Result<Administered<()>, DbError> {
        let lock = self.administrators_lock();
        in_tx!(self, |tx| {
            sqlx::query(lock).execute(&mut *tx).await?;
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
            if !administration_left!(tx) {
                return Ok(Administered::NoneLeft);
            }
        });
        Ok(Administered::Done(()))
    }
}
