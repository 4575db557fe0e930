//! The reports under `/reports/…`: each report module says which rows it
//! shows (a [`Select`]) and what it sums above them; this module checks the
//! query, pages, renders cells and streams exports, the same way for all.
//! The definitions of every figure are in `docs/reports.md`.

pub mod activity;
pub mod aging;
pub mod enrollment;
pub mod export;
pub mod payment_history;
pub mod reconciliation;
pub mod settlement;

use super::clock;
use crate::config::Config;
use crate::db::Db;
use crate::db::reports::{Cell, Cond, Select, Val};
use crate::domain::division::DivisionScope;
use crate::domain::report::{
    CellType, CellView, CheckedQuery, ReportKind, ReportPage, ReportQuery, SummaryTable, Verdict,
    check_query, dollars,
};
use crate::error::AppError;

/// What one report adds to the shared frame.
pub struct Built {
    pub select: Select,
    pub summaries: Vec<SummaryTable>,
    pub verdict: Option<Verdict>,
    pub notes: Vec<String>,
    /// The number of rows, when a summary already added it up: the page
    /// then does not count them again (at 1,000,000 rows that second pass
    /// is most of a page's time).
    pub count: Option<i64>,
}

impl Built {
    pub fn rows(select: Select) -> Built {
        Built {
            select,
            summaries: Vec::new(),
            verdict: None,
            notes: Vec::new(),
            count: None,
        }
    }
}

/// A report being run: its checked query and the UTC bounds of its days.
pub struct Run<'a> {
    pub db: &'a Db,
    pub config: &'a Config,
    pub tz: &'a str,
    pub q: &'a CheckedQuery,
    /// The first millisecond of the first day.
    pub from_ms: i64,
    /// The first millisecond after the last day.
    pub until_ms: i64,
    /// Whether the page's summaries are wanted (an export needs only rows).
    pub summaries: bool,
    /// The divisions shown: the one chosen in the selector, or every one
    /// the user may use (docs/divisions.md).
    pub divisions: &'a DivisionScope,
}

impl Run<'_> {
    /// `expr` (epoch ms) falls on the report's days.
    pub fn in_range(&self, expr: &str) -> Cond {
        Cond::new(
            format!("{expr} >= ? AND {expr} < ?"),
            vec![Val::Int(self.from_ms), Val::Int(self.until_ms)],
        )
    }

    /// `expr` (an account's division) is one of the divisions shown; none
    /// when every division is.
    pub fn in_divisions(&self, expr: &str) -> Option<Cond> {
        let ids = self.divisions.ids()?;
        let marks = vec!["?"; ids.len()].join(", ");
        Some(Cond::new(
            format!("{expr} IN ({marks})"),
            ids.iter().map(|id| Val::Int(*id)).collect(),
        ))
    }

    /// Whether the report shows only some divisions.
    pub fn narrowed(&self) -> bool {
        self.divisions.ids().is_some()
    }

    /// The conditions of the typed (Contains) filters, for columns whose
    /// select expression is in `select` (spec order).
    pub fn text_filters(&self, select: &[(String, CellType)]) -> Vec<Cond> {
        self.q
            .columns()
            .iter()
            .zip(select)
            .filter(|(c, _)| c.filter == crate::domain::report::FilterKind::Contains)
            .filter_map(|(c, (expr, _))| self.q.filter(c.key).map(|v| Cond::contains(expr, v)))
            .collect()
    }

    /// The index of the sort column in the spec.
    pub fn sort_index(&self) -> usize {
        self.q
            .columns()
            .iter()
            .position(|c| c.key == self.q.sort.key)
            .unwrap_or(0)
    }

    /// A [`Select`] over `from` with `columns` (spec order) and the typed
    /// filters, sorted as asked.
    pub fn select(
        &self,
        columns: Vec<(String, CellType)>,
        from: &str,
        mut conds: Vec<Cond>,
        tiebreak: &str,
    ) -> Select {
        conds.extend(self.text_filters(&columns));
        Select {
            columns,
            from: from.to_string(),
            conds,
            sort: self.sort_index(),
            descending: self.q.descending,
            tiebreak: tiebreak.to_string(),
            group_by: None,
            sort_never_null: self.q.sort.never_null,
            sort_as: None,
            fix: None,
        }
    }
}

/// A SQL `CASE` that turns the codes in `expr` into their labels, from a
/// closed list (so labels are written once, in the domain).
pub fn label_case(expr: &str, pairs: &[(&str, &str)]) -> String {
    let mut sql = format!("CASE {expr}");
    for (code, label) in pairs {
        sql.push_str(&format!(
            " WHEN '{code}' THEN '{}'",
            label.replace('\'', "''")
        ));
    }
    sql.push_str(" ELSE NULL END");
    sql
}

fn bounds(q: &CheckedQuery, tz: &str) -> (i64, i64) {
    (
        clock::day_start_ms(q.from.0, q.from.1, q.from.2, false, tz),
        clock::day_start_ms(q.to.0, q.to.1, q.to.2, true, tz),
    )
}

fn today(tz: &str) -> (u16, u8, u8) {
    let t = clock::today(tz);
    (t.year, t.month, t.day)
}

/// Said above Reconciliation when it shows some divisions only: it ties
/// out to their batches, not to the biller's one file and one deposit
/// (docs/divisions.md).
pub const PART_OF_DEPOSIT: &str = "This report shows the divisions chosen: their payments, their journal lines and their batches of the NACHA file. The bank deposit is the whole biller's: compare it with the statement under All divisions.";

async fn build(run: &Run<'_>) -> Result<Built, AppError> {
    let mut built = build_kind(run).await?;
    if run.narrowed() && run.q.kind == ReportKind::Reconciliation {
        built.notes.insert(0, PART_OF_DEPOSIT.to_string());
    }
    Ok(built)
}

async fn build_kind(run: &Run<'_>) -> Result<Built, AppError> {
    match run.q.kind {
        ReportKind::PaymentHistory => payment_history::build(run).await,
        ReportKind::Aging => aging::build(run).await,
        ReportKind::Enrollment => enrollment::build(run).await,
        ReportKind::Activity => activity::build(run).await,
        ReportKind::Reconciliation => reconciliation::build(run).await,
        ReportKind::Settlement => settlement::build(run).await,
    }
}

/// Checks a query: a malformed one is refused whole, with a message per
/// field. The Key column is shown when the biller has several divisions.
pub async fn check(
    db: &Db,
    query: &ReportQuery,
    config: &Config,
) -> Result<CheckedQuery, AppError> {
    let q = check_query(query, today(&config.timezone)).map_err(AppError::Invalid)?;
    Ok(CheckedQuery {
        divisions: db.divisions().await?.len() > 1,
        ..q
    })
}

/// The Key column's cell: the name of the division `id` (an expression).
pub fn division_name(id: &str) -> String {
    format!("(SELECT dv.name FROM divisions dv WHERE dv.id = {id})")
}

/// One page of a report over the divisions `shown`, with its summaries.
pub async fn page(
    db: &Db,
    config: &Config,
    shown: &DivisionScope,
    query: &ReportQuery,
) -> Result<ReportPage, AppError> {
    let q = check(db, query, config).await?;
    let tz = config.timezone.as_str();
    let (from_ms, until_ms) = bounds(&q, tz);
    let run = Run {
        db,
        config,
        tz,
        q: &q,
        from_ms,
        until_ms,
        summaries: true,
        divisions: shown,
    };
    let built = build(&run).await?;
    let total = match built.count {
        Some(n) => n,
        None => db.report_count(&built.select).await?,
    };
    let pages = u32::try_from(total.max(0))
        .unwrap_or(u32::MAX)
        .div_ceil(q.per_page)
        .max(1);
    let page = q.page.min(pages);
    let offset = i64::from(page - 1) * i64::from(q.per_page);
    let rows = db
        .report_rows(&built.select, i64::from(q.per_page), offset)
        .await?;
    let mut out = q.page_frame(total, page);
    out.rows = rows
        .into_iter()
        .map(|mut r| {
            if let Some(fix) = built.select.fix {
                fix(&mut r, tz);
            }
            render_row(&q, &r, tz)
        })
        .collect();
    out.summaries = built.summaries;
    out.verdict = built.verdict;
    out.notes = built.notes;
    Ok(out)
}

/// A row's cells as shown on the page; the Transaction ID and Account link
/// to their pages.
fn render_row(q: &CheckedQuery, row: &[Cell], tz: &str) -> Vec<CellView> {
    q.columns()
        .iter()
        .zip(row)
        .map(|(c, cell)| {
            let text = shown(c.ty, cell, tz);
            let view = if c.ty.numeric() {
                CellView::number(text)
            } else {
                CellView::text(text)
            };
            match (c.key, cell) {
                ("reference", Cell::Text(r)) => view.linked(crate::routes::payment(r)),
                ("account", Cell::Text(a)) => view.linked(crate::routes::account(a)),
                _ => view,
            }
        })
        .collect()
}

/// A cell as a person reads it on the page.
pub fn shown(ty: CellType, cell: &Cell, tz: &str) -> String {
    match (ty, cell) {
        (_, Cell::Null) => String::new(),
        (CellType::Money, Cell::Int(c)) => dollars(*c),
        (CellType::Time, Cell::Int(ms)) => clock::display(*ms, tz),
        (CellType::Count, Cell::Int(n)) => n.to_string(),
        (_, Cell::Text(s)) => s.clone(),
        (_, Cell::Int(n)) => n.to_string(),
    }
}

/// A summary row's count and total, each a drill-down to its rows.
pub fn count_total(count: i64, cents: i64, href: &str) -> [CellView; 2] {
    [
        CellView::number(count.to_string()).linked(href),
        CellView::number(dollars(cents)).linked(href),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_the_closed_list_and_are_quoted() {
        assert_eq!(
            label_case("p.status", &[("a", "A"), ("b", "Bo's")]),
            "CASE p.status WHEN 'a' THEN 'A' WHEN 'b' THEN 'Bo''s' ELSE NULL END"
        );
    }
}
