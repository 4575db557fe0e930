//! The append-only audit trail. Rows are written in the same transaction as
//! the action they describe, through [`write_audit!`].

use super::{Db, DbError, on_pool};
use crate::domain::audit_action::AuditAction;
use crate::domain::audit_view::AuditSort;
use crate::domain::division::DivisionScope;

/// One audit row, borrowed from the caller.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_login: Option<&'a str>,
    pub action: AuditAction,
    pub object: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub ip: Option<&'a str>,
    /// The division the row is about (docs/divisions.md#the-audit-report):
    /// given outright for an upload, a category, fees or a division, …
    pub division: Option<i64>,
    /// … or read from this account when the row is written (an account's,
    /// its payment's, bill's, plan's or link's row). Neither: the whole
    /// biller's row.
    pub account: Option<i64>,
}

impl AuditEntry<'_> {
    /// An entry with only its time and action; the rest is filled in with
    /// struct update syntax (`AuditEntry { ip, ..AuditEntry::new(at, action) }`).
    pub fn new(at: i64, action: AuditAction) -> Self {
        AuditEntry {
            at,
            actor_id: None,
            actor_login: None,
            action,
            object: None,
            before: None,
            after: None,
            ip: None,
            division: None,
            account: None,
        }
    }
}

impl<'a> AuditEntry<'a> {
    /// This entry with the values before and after the change, which may
    /// live shorter than it (made in the writing transaction).
    pub fn changed<'b>(&self, before: &'b str, after: &'b str) -> AuditEntry<'b>
    where
        'a: 'b,
    {
        AuditEntry {
            before: Some(before),
            after: Some(after),
            ..self.clone()
        }
    }

    /// What a signed-in staff user did to `object`, now.
    pub fn by_staff(
        staff: &'a crate::domain::staff::StaffUser,
        action: AuditAction,
        object: &'a str,
        ip: Option<&'a str>,
    ) -> Self {
        AuditEntry {
            actor_id: Some(staff.id),
            actor_login: Some(&staff.login),
            object: Some(object),
            ip,
            ..AuditEntry::new(super::now_ms(), action)
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_login: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub ip: Option<String>,
}

const AUDIT_COLUMNS: &str = "id, at, actor_login, action, object, before_json, after_json, ip";

/// The Audit Report's filter, already checked: UTC bounds, exact user and action.
#[derive(Debug, Clone)]
pub struct AuditFilter {
    pub from_ms: Option<i64>,
    /// Exclusive.
    pub until_ms: Option<i64>,
    pub user: Option<String>,
    pub action: Option<String>,
    pub sort: AuditSort,
    pub descending: bool,
    /// The divisions chosen (docs/divisions.md#the-audit-report): with
    /// one, only rows about it; the whole biller's rows are left out.
    pub divisions: DivisionScope,
}

/// Where an export page ends: the last row's sort key and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCursor {
    pub key: AuditKey,
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditKey {
    Time(i64),
    Text(String),
}

impl AuditCursor {
    /// The cursor just past `row` in `sort` order.
    pub fn after(row: &AuditRow, sort: AuditSort) -> AuditCursor {
        let text = |v: &Option<String>| AuditKey::Text(v.clone().unwrap_or_default());
        let key = match sort {
            AuditSort::At => AuditKey::Time(row.at),
            AuditSort::User => text(&row.actor_login),
            AuditSort::Action => AuditKey::Text(row.action.clone()),
            AuditSort::Object => text(&row.object),
            AuditSort::Ip => text(&row.ip),
        };
        AuditCursor { key, id: row.id }
    }
}

/// The SQL a sort orders by. The column comes from a closed enum, never
/// from the request; NULLs sort as '' so a keyset comparison sees them.
fn sort_column(sort: AuditSort) -> &'static str {
    match sort {
        AuditSort::At => "at",
        AuditSort::User => "COALESCE(actor_login, '')",
        AuditSort::Action => "action",
        AuditSort::Object => "COALESCE(object, '')",
        AuditSort::Ip => "COALESCE(ip, '')",
    }
}

/// The WHERE clause every report query shares; `$1`–`$4` bind the filter.
const AUDIT_WHERE: &str = "WHERE ($1 IS NULL OR at >= $1) AND ($2 IS NULL OR at < $2) \
    AND ($3 IS NULL OR LOWER(actor_login) = LOWER($3)) AND ($4 IS NULL OR action = $4)";

impl AuditFilter {
    /// [`AUDIT_WHERE`] and the divisions' condition (their ids are the
    /// server's integers, never request text: see `DivisionScope::sql_filter`).
    fn where_clause(&self) -> String {
        format!("{AUDIT_WHERE}{}", self.divisions.sql_filter("division_id"))
    }
}

/// Binds an [`AuditFilter`] to `$1`–`$4`.
macro_rules! bind_filter {
    ($query:expr, $f:expr) => {
        $query
            .bind($f.from_ms)
            .bind($f.until_ms)
            .bind($f.user.as_deref())
            .bind($f.action.as_deref())
    };
}

pub(crate) const INSERT_AUDIT: &str = "INSERT INTO audit_log \
    (at, actor_id, actor_login, action, object, before_json, after_json, ip, division_id) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
    COALESCE($9, (SELECT a.division_id FROM accounts a WHERE a.id = $10)))";

/// Appends `$entry` using `$conn` (a transaction or a pool), so the row
/// commits or rolls back with the change it records.
macro_rules! write_audit {
    ($conn:expr, $entry:expr) => {{
        let e: &$crate::db::audit::AuditEntry<'_> = &$entry;
        sqlx::query($crate::db::audit::INSERT_AUDIT)
            .bind(e.at)
            .bind(e.actor_id)
            .bind(e.actor_login)
            .bind(e.action.code())
            .bind(e.object)
            .bind(e.before)
            .bind(e.after)
            .bind(e.ip)
            .bind(e.division)
            .bind(e.account)
            .execute($conn)
            .await
            .map(|r| r.rows_affected())
    }};
}
pub(crate) use write_audit;

impl Db {
    /// Records an event that changes nothing else (a failed sign-in, say).
    pub async fn audit(&self, entry: &AuditEntry<'_>) -> Result<(), DbError> {
        on_pool!(self, |pool| write_audit!(pool, *entry))?;
        Ok(())
    }

    pub async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditRow>, DbError> {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY id DESC LIMIT $1");
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, AuditRow>(&sql)
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    pub async fn audit_count(&self, f: &AuditFilter) -> Result<i64, DbError> {
        let sql = format!("SELECT COUNT(*) FROM audit_log {}", f.where_clause());
        let n = on_pool!(self, |pool| bind_filter!(
            sqlx::query_scalar::<_, i64>(&sql),
            f
        )
        .fetch_one(pool)
        .await)?;
        Ok(n)
    }

    /// One page of matching rows in the filter's order (`limit` may be
    /// `i64::MAX` for an export).
    pub async fn audit_search(
        &self,
        f: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditRow>, DbError> {
        let column = sort_column(f.sort);
        let dir = if f.descending { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log {} ORDER BY {column} {dir}, id {dir} LIMIT $5 OFFSET $6",
            f.where_clause()
        );
        let rows = on_pool!(self, |pool| {
            bind_filter!(sqlx::query_as::<_, AuditRow>(&sql), f)
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows)
    }

    /// The newest audit row's id (0 when there is none): an export stops
    /// there, so rows written while it streams cannot shift its pages.
    pub async fn audit_max_id(&self) -> Result<i64, DbError> {
        let n = on_pool!(self, |pool| sqlx::query_scalar::<_, Option<i64>>(
            "SELECT MAX(id) FROM audit_log"
        )
        .fetch_one(pool)
        .await)?;
        Ok(n.unwrap_or(0))
    }

    /// One page of an export: rows matching `f` up to `up_to_id`, in the
    /// filter's order, after `after` (keyset paging: each page is found
    /// through the sort key, not by counting past the rows before it).
    pub async fn audit_export_page(
        &self,
        f: &AuditFilter,
        up_to_id: i64,
        after: Option<&AuditCursor>,
        limit: i64,
    ) -> Result<Vec<AuditRow>, DbError> {
        let column = sort_column(f.sort);
        let (dir, cmp) = if f.descending {
            ("DESC", "<")
        } else {
            ("ASC", ">")
        };
        let (keyset, limit_param) = match after {
            None => (String::new(), 6),
            Some(_) => (format!(" AND ({column}, id) {cmp} ($6, $7)"), 8),
        };
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log {} AND id <= $5{keyset} \
             ORDER BY {column} {dir}, id {dir} LIMIT ${limit_param}",
            f.where_clause()
        );
        let rows = on_pool!(self, |pool| {
            let q = bind_filter!(sqlx::query_as::<_, AuditRow>(&sql), f).bind(up_to_id);
            let q = match after {
                None => q,
                Some(AuditCursor {
                    key: AuditKey::Time(at),
                    id,
                }) => q.bind(*at).bind(*id),
                Some(AuditCursor {
                    key: AuditKey::Text(text),
                    id,
                }) => q.bind(text.as_str()).bind(*id),
            };
            q.bind(limit).fetch_all(pool).await
        })?;
        Ok(rows)
    }
}
