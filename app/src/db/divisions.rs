//! Divisions and the staff users limited to some of them. Every write has
//! its audit row in the same transaction.

use super::audit::{AuditEntry, write_audit};
use super::{Db, DbError, in_tx, on_pool};
use crate::domain::ach_batching::Companies;
use crate::domain::division::{AchCompany, Division};

/// The biller's divisions by name, whatever its case, read once by a file
/// import (the universal and bill files' `division` column, an upload's
/// own division in its messages).
pub(crate) struct DivisionNames(std::collections::HashMap<String, (i64, String)>);

impl DivisionNames {
    /// From `(name, id)` rows.
    pub(crate) fn new(rows: Vec<(String, i64)>) -> DivisionNames {
        DivisionNames(
            rows.into_iter()
                .map(|(name, id)| (name.to_lowercase(), (id, name)))
                .collect(),
        )
    }

    pub(crate) fn id(&self, name: &str) -> Option<i64> {
        self.0.get(&name.to_lowercase()).map(|(id, _)| *id)
    }

    /// The division a file row names in its `division` column, or why the
    /// row is refused.
    pub(crate) fn named(&self, name: &str) -> Result<i64, String> {
        self.id(name)
            .ok_or_else(|| format!("there is no division {name:?}: add it on Divisions first"))
    }

    /// The name of division `id`, as stored; its number if it is gone.
    pub(crate) fn name(&self, id: i64) -> String {
        self.0
            .values()
            .find(|(d, _)| *d == id)
            .map_or_else(|| format!("division {id}"), |(_, name)| name.clone())
    }

    /// A file row's `division` column (`named`; none: any) against its
    /// account `number`, which is in division `is_in`: the row's refusal
    /// when the account is elsewhere or the name is no division.
    pub(crate) fn row_not_in(
        &self,
        named: Option<&str>,
        number: &str,
        is_in: i64,
        line: u64,
    ) -> Option<crate::domain::universal_file::RowError> {
        let name = named?;
        let reason = match self.named(name) {
            Err(reason) => reason,
            Ok(id) if id != is_in => {
                format!("account {number} is in {}, not {name}", self.name(is_in))
            }
            Ok(_) => return None,
        };
        Some(crate::domain::universal_file::RowError {
            line,
            column: "division".into(),
            reason,
        })
    }

    /// Why a row of an upload for division `upload` can't touch account
    /// `number`, which is in division `is_in`.
    pub(crate) fn outside_upload(&self, number: &str, is_in: i64, upload: i64) -> String {
        format!(
            "account {number} is in {}: this upload is for {}",
            self.name(is_in),
            self.name(upload)
        )
    }
}

/// The divisions' names, read in an import's transaction (a macro: the
/// transaction's type differs per engine).
macro_rules! read_division_names {
    ($tx:ident) => {
        $crate::db::divisions::DivisionNames::new(
            sqlx::query_as::<_, (String, i64)>("SELECT name, id FROM divisions")
                .fetch_all(&mut *$tx)
                .await?,
        )
    };
}
pub(crate) use read_division_names;

/// What a write of a division's name did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DivisionWrite {
    Done(i64),
    /// Another division has that name (whatever its case).
    DuplicateName,
    /// There is no such division.
    Missing,
}

impl Db {
    /// Every division, by name: what the pages that name divisions need
    /// (the account page, Create Account, User Admin), without counting.
    pub async fn divisions(&self) -> Result<Vec<Division>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, String)>(
                "SELECT id, name FROM divisions ORDER BY lower(name), id",
            )
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| Division {
                id,
                name,
                accounts: None,
                ach: None,
            })
            .collect())
    }

    /// The Divisions page: every division with its number of accounts, in
    /// one pass over the accounts, and its ACH company.
    pub async fn divisions_with_counts(&self) -> Result<Vec<Division>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, String, i64, Option<String>, Option<String>)>(
                "SELECT d.id, d.name, CAST(COUNT(a.id) AS BIGINT), d.ach_company_name, d.ach_company_id \
                 FROM divisions d LEFT JOIN accounts a ON a.division_id = d.id \
                 GROUP BY d.id, d.name, d.ach_company_name, d.ach_company_id ORDER BY lower(d.name), d.id",
            )
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(id, name, accounts, company, company_id)| Division {
                id,
                name,
                accounts: Some(accounts),
                ach: ach_company(company, company_id),
            })
            .collect())
    }

    /// The divisions with an ACH company of their own, for a settlement
    /// run's NACHA file.
    pub async fn division_companies(&self) -> Result<Companies, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, Option<String>, Option<String>)>(
                "SELECT id, ach_company_name, ach_company_id FROM divisions \
                 WHERE ach_company_name IS NOT NULL AND ach_company_id IS NOT NULL",
            )
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, name, company_id)| Some((id, ach_company(name, company_id)?)))
            .collect())
    }

    /// Sets a division's ACH company (`None`: the Profile's), audited with
    /// the company before and after.
    pub async fn set_division_ach(
        &self,
        id: i64,
        company: Option<&AchCompany>,
        audit: &AuditEntry<'_>,
    ) -> Result<DivisionWrite, DbError> {
        let shown = |c: Option<&AchCompany>| match c {
            Some(c) => format!("{} ({})", c.name, c.id),
            None => "the Profile's".to_string(),
        };
        let done = in_tx!(self, |tx| {
            let before: Option<(Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT ach_company_name, ach_company_id FROM divisions WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((name, company_id)) = before else {
                return Ok(DivisionWrite::Missing);
            };
            let before = ach_company(name, company_id);
            sqlx::query(
                "UPDATE divisions SET ach_company_name = $1, ach_company_id = $2 WHERE id = $3",
            )
            .bind(company.map(|c| c.name.as_str()))
            .bind(company.map(|c| c.id.as_str()))
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let (b, a) = (shown(before.as_ref()), shown(company));
            write_audit!(&mut *tx, audit.changed(&b, &a))?;
            DivisionWrite::Done(id)
        });
        Ok(done)
    }

    /// Add Division, audited as `audit` with the new id as its object.
    pub async fn add_division(
        &self,
        name: &str,
        audit: &AuditEntry<'_>,
    ) -> Result<DivisionWrite, DbError> {
        let done = in_tx!(self, |tx| {
            let id: Result<i64, DbError> = sqlx::query_scalar(
                "INSERT INTO divisions (name, created_at) VALUES ($1, $2) RETURNING id",
            )
            .bind(name)
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await
            .map_err(DbError::from);
            match id {
                Ok(id) => {
                    let object = format!("division {id}");
                    write_audit!(
                        &mut *tx,
                        AuditEntry {
                            object: Some(&object),
                            division: Some(id),
                            ..*audit
                        }
                    )?;
                    DivisionWrite::Done(id)
                }
                // Nothing was written: the rollback loses nothing.
                Err(e) if e.is_unique_violation() => return Ok(DivisionWrite::DuplicateName),
                Err(e) => return Err(e),
            }
        });
        Ok(done)
    }

    /// Rename: the audit row keeps the name before and after.
    pub async fn rename_division(
        &self,
        id: i64,
        name: &str,
        audit: &AuditEntry<'_>,
    ) -> Result<DivisionWrite, DbError> {
        let done = in_tx!(self, |tx| {
            let before: Option<String> =
                sqlx::query_scalar("SELECT name FROM divisions WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(before) = before else {
                return Ok(DivisionWrite::Missing);
            };
            let n = sqlx::query("UPDATE divisions SET name = $1 WHERE id = $2")
                .bind(name)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(DbError::from);
            match n {
                Ok(_) => {
                    write_audit!(&mut *tx, audit.changed(&before, name))?;
                    DivisionWrite::Done(id)
                }
                Err(e) if e.is_unique_violation() => return Ok(DivisionWrite::DuplicateName),
                Err(e) => return Err(e),
            }
        });
        Ok(done)
    }

    /// The divisions a staff user is limited to (none: not limited).
    pub async fn staff_divisions(&self, user_id: i64) -> Result<Vec<i64>, DbError> {
        let ids = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT division_id FROM staff_divisions WHERE user_id = $1 ORDER BY division_id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await
        })?;
        Ok(ids)
    }

    /// Limits a staff user to `ids` (empty: no limit), audited with the
    /// limits before and after. False when a division named doesn't exist.
    pub async fn set_staff_divisions(
        &self,
        user_id: i64,
        ids: &[i64],
        audit: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        let done = in_tx!(self, |tx| {
            let before: Vec<i64> = sqlx::query_scalar(
                "SELECT division_id FROM staff_divisions WHERE user_id = $1 ORDER BY division_id",
            )
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM staff_divisions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            for id in ids {
                let known: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM divisions WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if known.is_none() {
                    // Returning drops the transaction: the old limits stay.
                    return Ok(false);
                }
                sqlx::query("INSERT INTO staff_divisions (user_id, division_id) VALUES ($1, $2)")
                    .bind(user_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            let (b, a) = (json_ids(&before), json_ids(ids));
            write_audit!(&mut *tx, audit.changed(&b, &a))?;
            true
        });
        Ok(done)
    }

    /// Whether the division exists (Create Account names one by id).
    pub async fn division_exists(&self, id: i64) -> Result<bool, DbError> {
        let found = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>("SELECT id FROM divisions WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(found.is_some())
    }
}

fn json_ids(ids: &[i64]) -> String {
    serde_json::json!({ "divisions": ids }).to_string()
}

/// A division's ACH company as stored: both columns, or none.
fn ach_company(name: Option<String>, id: Option<String>) -> Option<AchCompany> {
    Some(AchCompany {
        name: name?,
        id: id?,
    })
}
