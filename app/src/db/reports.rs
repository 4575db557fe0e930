//! Runs a report's query, whatever the report: a count, one page of rows,
//! or every row streamed for an export. The SQL comes from
//! `services::reports` (built from closed lists of column expressions,
//! never from the request); every value the request chose is bound.

use super::{Db, DbError, on_pool};
use crate::domain::report::CellType;
use sqlx::Row;

/// A bound value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Int(i64),
    Text(String),
}

/// A WHERE condition, `?` where each of `binds` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cond {
    pub sql: String,
    pub binds: Vec<Val>,
}

impl Cond {
    pub fn new(sql: impl Into<String>, binds: Vec<Val>) -> Cond {
        Cond {
            sql: sql.into(),
            binds,
        }
    }

    /// Rows where `expr` (text) contains `needle`, in any case. `%`, `_`
    /// and `\` typed by the user match themselves.
    pub fn contains(expr: &str, needle: &str) -> Cond {
        let mut pattern = String::from("%");
        for ch in needle.to_lowercase().chars() {
            if matches!(ch, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(ch);
        }
        pattern.push('%');
        Cond::new(
            format!("LOWER(COALESCE({expr}, '')) LIKE ? ESCAPE '\\'"),
            vec![Val::Text(pattern)],
        )
    }

    pub fn eq(expr: &str, value: &str) -> Cond {
        Cond::new(format!("{expr} = ?"), vec![Val::Text(value.to_string())])
    }
}

/// One report's rows: `SELECT columns FROM from WHERE conds ORDER BY …`.
#[derive(Debug, Clone)]
pub struct Select {
    /// The select expression of each column, in the spec's order, and its type.
    pub columns: Vec<(String, CellType)>,
    pub from: String,
    pub conds: Vec<Cond>,
    /// Index into `columns`.
    pub sort: usize,
    pub descending: bool,
    /// A unique expression that makes the order total (the same export of
    /// the same range gives the same rows, in the same order).
    pub tiebreak: String,
    /// For a summary: `GROUP BY` these (then `tiebreak` must be one of them).
    pub group_by: Option<String>,
    /// The sort column is never NULL. Otherwise the order starts with
    /// `(key) IS NULL` (empty cells last on both engines), which no index
    /// can give: the engine then sorts every matching row to return a page.
    pub sort_never_null: bool,
    /// Order by this expression instead of the sort column's, the other
    /// way round if the flag is set: one that gives the same order and
    /// that an index can follow (Aging's Days Past Due is its due date,
    /// reversed).
    pub sort_as: Option<(String, bool)>,
    /// What each row read needs before it is shown or written (a value the
    /// SQL cannot compute on both engines, such as a date in the biller's
    /// zone), given the zone.
    pub fix: Option<fn(&mut [Cell], &str)>,
}

/// A value read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

impl Cell {
    pub fn int(&self) -> Option<i64> {
        match self {
            Cell::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Cell::Text(s) => s,
            _ => "",
        }
    }
}

impl Select {
    /// A summary over `from`: `columns` grouped by the first, in its order.
    pub fn grouped(columns: Vec<(String, CellType)>, from: &str, conds: Vec<Cond>) -> Select {
        Select {
            columns,
            from: from.to_string(),
            conds,
            sort: 0,
            descending: false,
            tiebreak: "1".to_string(),
            group_by: Some("1".to_string()),
            sort_never_null: false,
            sort_as: None,
            fix: None,
        }
    }

    fn where_clause(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            let parts: Vec<&str> = self.conds.iter().map(|c| c.sql.as_str()).collect();
            format!(" WHERE {}", parts.join(" AND "))
        }
    }

    fn binds(&self) -> impl Iterator<Item = &Val> {
        self.conds.iter().flat_map(|c| c.binds.iter())
    }

    fn count_sql(&self) -> String {
        numbered(&format!(
            "SELECT COUNT(*) FROM {}{}",
            self.from,
            self.where_clause()
        ))
    }

    /// The rows in order; `paged` adds `LIMIT ? OFFSET ?`.
    fn rows_sql(&self, paged: bool) -> String {
        let cols: Vec<&str> = self.columns.iter().map(|(e, _)| e.as_str()).collect();
        let column = &self.columns[self.sort.min(self.columns.len() - 1)].0;
        let (key, descending) = match &self.sort_as {
            Some((expr, reversed)) => (expr, self.descending != *reversed),
            None => (column, self.descending),
        };
        let dir = if descending { "DESC" } else { "ASC" };
        let group = self
            .group_by
            .as_ref()
            .map(|g| format!(" GROUP BY {g}"))
            .unwrap_or_default();
        // NULLs last either way, on both engines (they disagree by default).
        let nulls_last = if self.sort_never_null {
            String::new()
        } else {
            format!("({key}) IS NULL, ")
        };
        let mut sql = format!(
            "SELECT {} FROM {}{}{group} ORDER BY {nulls_last}{key} {dir}, {} {dir}",
            cols.join(", "),
            self.from,
            self.where_clause(),
            self.tiebreak
        );
        if paged {
            sql.push_str(" LIMIT ? OFFSET ?");
        }
        numbered(&sql)
    }
}

/// Turns each `?` into `$1`, `$2`, … (both engines take `$n`). The SQL is
/// ours, and none of it has a `?` inside a literal.
pub(crate) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

/// Binds `$vals` onto `$q` in order.
macro_rules! bind_all {
    ($q:expr, $vals:expr) => {{
        let mut q = $q;
        for v in $vals {
            q = match v {
                Val::Int(n) => q.bind(*n),
                Val::Text(s) => q.bind(s.clone()),
            };
        }
        q
    }};
}

/// Reads a row's cells by their column types.
macro_rules! read_cells {
    ($row:expr, $types:expr) => {{
        let mut cells = Vec::with_capacity($types.len());
        for (i, ty) in $types.iter().enumerate() {
            let cell = match ty {
                CellType::Money | CellType::Time | CellType::Count => $row
                    .try_get::<Option<i64>, _>(i)?
                    .map_or(Cell::Null, Cell::Int),
                CellType::Text | CellType::Date => $row
                    .try_get::<Option<String>, _>(i)?
                    .map_or(Cell::Null, Cell::Text),
            };
            cells.push(cell);
        }
        Ok::<Vec<Cell>, sqlx::Error>(cells)
    }};
}

/// Rows an export reads before it hands them on.
pub const STREAM_BATCH: usize = 500;

impl Db {
    pub async fn report_count(&self, s: &Select) -> Result<i64, DbError> {
        let sql = s.count_sql();
        let n = on_pool!(self, |pool| bind_all!(
            sqlx::query_scalar::<_, i64>(&sql),
            s.binds()
        )
        .fetch_one(pool)
        .await)?;
        Ok(n)
    }

    pub async fn report_rows(
        &self,
        s: &Select,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Vec<Cell>>, DbError> {
        let sql = s.rows_sql(true);
        let types: Vec<CellType> = s.columns.iter().map(|(_, t)| *t).collect();
        let rows = on_pool!(self, |pool| {
            let q = bind_all!(sqlx::query(&sql), s.binds())
                .bind(limit)
                .bind(offset);
            let mut out = Vec::new();
            for row in q.fetch_all(pool).await? {
                out.push(read_cells!(row, types)?);
            }
            Ok::<_, sqlx::Error>(out)
        })?;
        Ok(rows)
    }

    /// Every row of `s`, read by one query as the receiver takes them:
    /// batches of `STREAM_BATCH` through a channel of two, so however many
    /// rows match, only a few batches are ever in memory. Dropping the
    /// receiver (the client went away) stops the query. On SQLite the rows
    /// are stepped on a blocking thread of our own (`sqlite_rows`), not
    /// handed over one by one by sqlx's connection thread.
    pub fn report_stream(
        &self,
        s: Select,
    ) -> tokio::sync::mpsc::Receiver<Result<Vec<Vec<Cell>>, DbError>> {
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        if let Db::Sqlite(pool) = self {
            // Stepped on a thread of our own (see `sqlite_rows`).
            let types = s.columns.iter().map(|(_, t)| *t).collect();
            let binds = s.binds().cloned().collect();
            super::sqlite_rows::stream(pool.clone(), s.rows_sql(false), binds, types, tx);
            return rx;
        }
        let db = self.clone();
        tokio::spawn(async move {
            let sql = s.rows_sql(false);
            let types: Vec<CellType> = s.columns.iter().map(|(_, t)| *t).collect();
            let result: Result<(), sqlx::Error> = on_pool!(&db, |pool| async {
                use futures::TryStreamExt;
                let q = bind_all!(sqlx::query(&sql), s.binds());
                let mut rows = q.fetch(pool);
                let mut batch = Vec::with_capacity(STREAM_BATCH);
                let mut open = true;
                while let Some(row) = rows.try_next().await? {
                    batch.push(read_cells!(row, types)?);
                    if batch.len() == STREAM_BATCH {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(STREAM_BATCH));
                        if tx.send(Ok(full)).await.is_err() {
                            open = false;
                            break;
                        }
                    }
                }
                if open && !batch.is_empty() {
                    let _ = tx.send(Ok(batch)).await;
                }
                Ok(())
            }
            .await);
            if let Err(e) = result {
                let _ = tx.send(Err(e.into())).await;
            }
        });
        rx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(
            numbered("a = ? AND b LIKE ? ESCAPE '\\'"),
            "a = $1 AND b LIKE $2 ESCAPE '\\'"
        );
    }

    fn select(sort_never_null: bool, sort_as: Option<(&str, bool)>) -> Select {
        Select {
            columns: vec![("p.created_at".into(), CellType::Time)],
            from: "payments p JOIN accounts a ON a.id = p.account_id".into(),
            conds: vec![Cond::new("p.created_at >= ?", vec![Val::Int(0)])],
            sort: 0,
            descending: true,
            tiebreak: "p.id".into(),
            group_by: None,
            sort_never_null,
            sort_as: sort_as.map(|(e, r)| (e.to_string(), r)),
            fix: None,
        }
    }

    #[test]
    fn a_never_empty_sort_column_is_ordered_as_its_index_is() {
        assert_eq!(
            select(false, None).rows_sql(true),
            "SELECT p.created_at FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.created_at >= $1 \
             ORDER BY (p.created_at) IS NULL, p.created_at DESC, p.id DESC LIMIT $2 OFFSET $3"
        );
        assert_eq!(
            select(true, None).rows_sql(false),
            "SELECT p.created_at FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.created_at >= $1 \
             ORDER BY p.created_at DESC, p.id DESC"
        );
    }

    #[test]
    fn a_sort_can_follow_an_equivalent_expression_the_other_way() {
        assert_eq!(
            select(true, Some(("p.id", true))).rows_sql(false),
            "SELECT p.created_at FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.created_at >= $1 \
             ORDER BY p.id ASC, p.id ASC"
        );
    }

    #[test]
    fn typed_wildcards_match_only_themselves() {
        let c = Cond::contains("x", "50%_A\\");
        assert_eq!(c.binds, vec![Val::Text("%50\\%\\_a\\\\%".into())]);
    }
}
