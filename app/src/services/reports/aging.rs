//! Aging: unpaid bills (status Unpaid, state Active, issued by the date)
//! with an amount still due, by how many days past their due date they are
//! on the report's date. Still due = amount due less what payments toward
//! this bill (Pending or Processed, net of refunds) have paid, which the
//! bill keeps (`bills.paid_cents`, moved with each payment).
//!
//! The page reads the `bills_still_due` index (migration 0021): the summary
//! adds up its entries once, the row count comes from the summary, and the
//! default order (most days past due first) is the index's due-date order.

use super::payment_history::CUSTOMER_NAME;
use super::{Built, Run, count_total};
use crate::db::Backend;
use crate::db::reports::{Cond, Select, Val};
use crate::domain::report::{AGING_BUCKETS, CellType, CellView, SummaryTable, iso};
use crate::error::AppError;
use CellType::*;

const FROM: &str = "bills b JOIN accounts a ON a.id = b.account_id";

const STILL_DUE: &str = "(b.amount_due_cents - b.paid_cents)";

/// The bills Aging shows, in the words of `bills_still_due`'s WHERE, term
/// for term, so that both engines see the partial index applies.
const SHOWN: &str = "b.status = 'unpaid' AND b.active = TRUE AND b.amount_due_cents > b.paid_cents";

/// The due dates that start each bucket, newest first: a bill due on or
/// after `edges[0]` is current, on or after `edges[1]` is 1–30 days past
/// due, and so on. Dates are compared as `YYYY-MM-DD` text, which sorts as
/// dates do, on both engines.
fn edges(d: (u16, u8, u8)) -> [String; 4] {
    let day = jiff::civil::Date::new(d.0 as i16, d.1 as i8, d.2 as i8).unwrap_or_default();
    let back = |n: i64| {
        day.checked_sub(jiff::Span::new().days(n))
            .map(|x| x.to_string())
            .unwrap_or_default()
    };
    [iso(d), back(30), back(60), back(90)]
}

/// The bucket's label for a bill. The edges are dates we computed, not
/// typed text, so they are written into the SQL as literals.
fn bucket_case(e: &[String; 4]) -> String {
    let mut sql = String::from("CASE");
    for (edge, (_, label)) in e.iter().zip(AGING_BUCKETS) {
        sql.push_str(&format!(" WHEN b.due_date >= '{edge}' THEN '{label}'"));
    }
    sql.push_str(&format!(" ELSE '{}' END", AGING_BUCKETS[4].1));
    sql
}

fn bucket_cond(code: &str, e: &[String; 4]) -> Cond {
    let t = |i: usize| Val::Text(e[i].clone());
    match code {
        "current" => Cond::new("b.due_date >= ?", vec![t(0)]),
        "1-30" => Cond::new("b.due_date < ? AND b.due_date >= ?", vec![t(0), t(1)]),
        "31-60" => Cond::new("b.due_date < ? AND b.due_date >= ?", vec![t(1), t(2)]),
        "61-90" => Cond::new("b.due_date < ? AND b.due_date >= ?", vec![t(2), t(3)]),
        _ => Cond::new("b.due_date < ?", vec![t(3)]),
    }
}

pub async fn build(run: &Run<'_>) -> Result<Built, AppError> {
    let e = edges(run.q.from);
    let as_of = iso(run.q.from);
    let days = match run.db.backend() {
        Backend::Sqlite => format!("CAST(julianday('{as_of}') - julianday(b.due_date) AS INTEGER)"),
        Backend::Postgres => format!("CAST(DATE '{as_of}' - CAST(b.due_date AS DATE) AS BIGINT)"),
    };
    let bucket_sql = bucket_case(&e);
    let columns = vec![
        ("a.account_number".to_string(), Text),
        (CUSTOMER_NAME.to_string(), Text),
        ("b.invoice_number".to_string(), Text),
        ("b.due_date".to_string(), Date),
        (
            format!("CASE WHEN {days} > 0 THEN {days} ELSE 0 END"),
            Count,
        ),
        (bucket_sql.clone(), Text),
        ("b.amount_due_cents".to_string(), Money),
        ("b.paid_cents".to_string(), Money),
        (STILL_DUE.to_string(), Money),
    ];
    let mut base = vec![
        Cond::new(SHOWN, vec![]),
        Cond::new("b.invoice_date <= ?", vec![Val::Text(as_of.clone())]),
    ];
    base.extend(run.in_divisions("a.division_id"));
    let bucket = run.q.filter("bucket");
    let mut conds = base.clone();
    if let Some(code) = bucket {
        conds.push(bucket_cond(code, &e));
    }
    let mut select = run.select(columns.clone(), FROM, conds, "b.id");
    if run.q.sort.key == "days" {
        // More days past due is an earlier due date; the bills with none
        // (days 0) come in due-date order, which keeps them in days order.
        select.sort_as = Some(("b.due_date".to_string(), true));
    }
    let mut built = Built::rows(select);
    if run.summaries {
        let typed = run.text_filters(&columns);
        // The typed filters and the division are the only conditions on
        // accounts.
        let from = if typed.is_empty() && !run.narrowed() {
            "bills b"
        } else {
            FROM
        };
        let mut conds = base;
        conds.extend(typed);
        let (table, counts) = summary(run, &bucket_sql, from, conds).await?;
        built.summaries.push(table);
        // The summary counted the same rows, less the Age filter.
        built.count = Some(match bucket {
            Some(code) => counts
                .iter()
                .find(|(c, _)| *c == code)
                .map_or(0, |(_, n)| *n),
            None => counts.iter().map(|(_, n)| n).sum(),
        });
    }
    Ok(built)
}

/// The summary table, and the number of bills in each bucket by code.
async fn summary(
    run: &Run<'_>,
    bucket: &str,
    from: &str,
    conds: Vec<Cond>,
) -> Result<(SummaryTable, Vec<(&'static str, i64)>), AppError> {
    let select = Select::grouped(
        vec![
            (bucket.to_string(), Text),
            ("COUNT(*)".to_string(), Count),
            (format!("CAST(SUM({STILL_DUE}) AS BIGINT)"), Money),
        ],
        from,
        conds,
    );
    let found = run.db.report_rows(&select, 10, 0).await?;
    let mut table = SummaryTable {
        caption: format!("Still due by age on {}", iso(run.q.from)),
        headers: vec!["Age".into(), "Bills".into(), "Still due".into()],
        ..Default::default()
    };
    let mut counts = Vec::new();
    let (mut n, mut sum) = (0, 0);
    for (code, label) in AGING_BUCKETS {
        let row = found.iter().find(|r| r[0].text() == *label);
        let count = row.and_then(|r| r[1].int()).unwrap_or(0);
        let total = row.and_then(|r| r[2].int()).unwrap_or(0);
        counts.push((*code, count));
        n += count;
        sum += total;
        let href = run.q.drill_link(&[("bucket", code)]);
        let [c, t] = count_total(count, total, &href);
        table
            .rows
            .push(vec![CellView::text(*label).linked(&href), c, t]);
    }
    let all = run.q.drill_link(&[("bucket", "")]);
    let [c, t] = count_total(n, sum, &all);
    table.footer = vec![CellView::text("All").linked(&all), c, t];
    Ok((table, counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_edges_count_back_whole_days() {
        assert_eq!(
            edges((2026, 3, 1)),
            ["2026-03-01", "2026-01-30", "2025-12-31", "2025-12-01"].map(String::from)
        );
    }
}
