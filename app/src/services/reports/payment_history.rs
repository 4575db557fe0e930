//! Payment History: every payment entered on the report's days (by the
//! date entered, the Date Paid column), first summed by status. Payments
//! still being authorized (the instant between claiming the key and the
//! processor's answer) are not payments yet and are left out.

use super::{Built, Run, count_total, label_case};
use crate::db::reports::{Cond, Select};
use crate::domain::payment::PaymentStatus;
use crate::domain::report::{
    CHANNELS, CellType, CellView, PAYMENT_STATUSES, SummaryTable, dollars,
};
use crate::error::AppError;
use CellType::*;

pub const FROM: &str = "payments p JOIN accounts a ON a.id = p.account_id \
    LEFT JOIN bills b ON b.id = p.bill_id LEFT JOIN staff_users s ON s.id = p.entered_by";

/// The Reference Number as shown everywhere, with its dash (stored without).
pub const REFERENCE: &str = "(SUBSTR(p.reference, 1, 4) || '-' || SUBSTR(p.reference, 5))";

/// The payer's name as Payer Support shows it: the company, or first and last.
pub const CUSTOMER_NAME: &str = "COALESCE(a.company_name, TRIM(COALESCE(a.first_name, '') || ' ' || COALESCE(a.last_name, '')))";

/// `Processed**` once any of a processed payment was refunded (as
/// `PaymentState::status_label` says), otherwise the status's label.
fn status_label() -> String {
    let labels: Vec<(&str, &str)> = PaymentStatus::ALL
        .iter()
        .map(|s| (s.code(), s.label()))
        .collect();
    format!(
        "CASE WHEN p.status = 'processed' AND p.refunded_cents > 0 THEN 'Processed**' ELSE {} END",
        label_case("p.status", &labels)
    )
}

/// The rows of one status filter: `processed` and `refunded` split the
/// Processed payments by whether any of it was refunded.
fn status_cond(code: &str) -> Cond {
    match code {
        "processed" => Cond::new("p.status = 'processed' AND p.refunded_cents = 0", vec![]),
        "refunded" => Cond::new("p.status = 'processed' AND p.refunded_cents > 0", vec![]),
        other => Cond::eq("p.status", other),
    }
}

pub async fn build(run: &Run<'_>) -> Result<Built, AppError> {
    let mut columns = vec![
        (REFERENCE.to_string(), Text),
        ("a.account_number".to_string(), Text),
        ("b.invoice_number".to_string(), Text),
        (CUSTOMER_NAME.to_string(), Text),
        ("p.created_at".to_string(), Time),
        ("b.amount_due_cents".to_string(), Money),
        ("p.amount_cents".to_string(), Money),
        // The convenience fee charged on top of the amount (docs/fees.md).
        ("p.fee_cents".to_string(), Money),
        ("p.method_label".to_string(), Text),
        (status_label(), Text),
        (label_case("p.channel", CHANNELS), Text),
        ("s.login".to_string(), Text),
    ];
    if run.q.divisions {
        columns.push((super::division_name("a.division_id"), Text));
    }
    let q = run.q;
    let mut base = vec![
        run.in_range("p.created_at"),
        Cond::new("p.status <> 'authorizing'", vec![]),
    ];
    if let Some(m) = q.filter("method") {
        base.push(Cond::eq("p.method_kind", m));
    }
    if let Some(c) = q.filter("channel") {
        base.push(Cond::eq("p.channel", c));
    }
    base.extend(run.in_divisions("a.division_id"));
    let mut rows_conds = base.clone();
    if let Some(s) = q.filter("status") {
        rows_conds.push(status_cond(s));
    }
    let typed = run.text_filters(&columns);
    // Without a typed filter (the only conditions on the joined tables) the
    // summary reads payments alone: with payments_by_created (created_at,
    // status, method_kind, amount_cents, refunded_cents since migration
    // 0019) it touches no table row (docs/benchmarks.md).
    // A division is a condition on accounts too.
    let lean = (typed.is_empty() && !run.narrowed()).then(|| "payments p".to_string());
    let select = run.select(columns, FROM, rows_conds, "p.id");
    let mut built = Built::rows(select);
    if run.summaries {
        // The summary sums the same rows, less the status filter: each of
        // its rows is the drill-down into one status, and the page's row
        // count is the filtered status's count (or all of them).
        let mut conds = base;
        conds.extend(typed);
        let (table, count) = summary(run, conds, lean, q.filter("status")).await?;
        built.summaries.push(table);
        built.count = Some(count);
    }
    Ok(built)
}

/// The summary table, and the number of payments of `status` (or of all).
async fn summary(
    run: &Run<'_>,
    conds: Vec<Cond>,
    lean: Option<String>,
    status: Option<&str>,
) -> Result<(SummaryTable, i64), AppError> {
    // Grouped by the stored status alone, with the refunded share of each
    // group summed beside it: grouping by the derived code (Processed**
    // split from Processed) sorted on two keys, and one row of a count and
    // two sums per status evaluated 21 CASEs a row; at 425,000 payments
    // (31 days at 1,000,000 accounts) on SQLite this took 140 ms of CPU
    // against 190 ms and 280 ms (docs/benchmarks.md).
    let select = Select::grouped(
        vec![
            ("p.status".to_string(), Text),
            ("COUNT(*)".to_string(), Count),
            ("CAST(SUM(p.amount_cents) AS BIGINT)".to_string(), Money),
            ("CAST(SUM(p.refunded_cents) AS BIGINT)".to_string(), Money),
            ("CAST(SUM(CASE WHEN p.refunded_cents > 0 THEN 1 ELSE 0 END) AS BIGINT)".to_string(), Count),
            ("CAST(SUM(CASE WHEN p.refunded_cents > 0 THEN p.amount_cents ELSE 0 END) AS BIGINT)".to_string(), Money),
        ],
        lean.as_deref().unwrap_or(FROM),
        conds,
    );
    let found = run.db.report_rows(&select, 100, 0).await?;
    let int = |status: &str, i: usize| {
        found
            .iter()
            .find(|r| r[0].text() == status)
            .and_then(|r| r[i].int())
            .unwrap_or(0)
    };
    // (count, total, refunded) per code: `refunded` is the Processed
    // payments any of which was refunded, `processed` the rest.
    let figures = |code: &str| match code {
        "processed" => (
            int("processed", 1) - int("processed", 4),
            int("processed", 2) - int("processed", 5),
            0,
        ),
        "refunded" => (
            int("processed", 4),
            int("processed", 5),
            int("processed", 3),
        ),
        other => (int(other, 1), int(other, 2), int(other, 3)),
    };
    let mut table = SummaryTable {
        caption: "Payments by status".into(),
        headers: vec![
            "Status".into(),
            "Count".into(),
            "Total".into(),
            "Refunded".into(),
        ],
        ..Default::default()
    };
    let (mut all_count, mut all_total, mut all_refunded) = (0, 0, 0);
    let mut filtered = 0;
    for (code, label) in PAYMENT_STATUSES {
        let (count, total, refunded) = figures(code);
        if status == Some(*code) {
            filtered = count;
        }
        all_count += count;
        all_total += total;
        all_refunded += refunded;
        let href = run.q.drill_link(&[("status", code)]);
        let [c, t] = count_total(count, total, &href);
        table.rows.push(vec![
            CellView::text(*label).linked(&href),
            c,
            t,
            CellView::number(if refunded > 0 {
                dollars(refunded)
            } else {
                String::new()
            }),
        ]);
    }
    let all = run.q.drill_link(&[("status", "")]);
    let [c, t] = count_total(all_count, all_total, &all);
    table.footer = vec![
        CellView::text("All").linked(&all),
        c,
        t,
        CellView::number(dollars(all_refunded)),
    ];
    Ok((
        table,
        if status.is_some() {
            filtered
        } else {
            all_count
        },
    ))
}
