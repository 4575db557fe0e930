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
    let columns = vec![
        (REFERENCE.to_string(), Text),
        ("a.account_number".to_string(), Text),
        ("b.invoice_number".to_string(), Text),
        (CUSTOMER_NAME.to_string(), Text),
        ("p.created_at".to_string(), Time),
        ("b.amount_due_cents".to_string(), Money),
        ("p.amount_cents".to_string(), Money),
        // No convenience fee is charged yet: every payment's fee is zero.
        ("CAST(0 AS BIGINT)".to_string(), Money),
        ("p.method_label".to_string(), Text),
        (status_label(), Text),
        (label_case("p.channel", CHANNELS), Text),
        ("s.login".to_string(), Text),
    ];
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
    let mut rows_conds = base.clone();
    if let Some(s) = q.filter("status") {
        rows_conds.push(status_cond(s));
    }
    let select = run.select(columns.clone(), FROM, rows_conds, "p.id");
    let mut built = Built::rows(select);
    if run.summaries {
        // The summary sums the same rows, less the status filter: each of
        // its rows is the drill-down into one status.
        let mut conds = base;
        conds.extend(run.text_filters(&columns));
        built.summaries.push(summary(run, conds).await?);
    }
    Ok(built)
}

async fn summary(run: &Run<'_>, conds: Vec<Cond>) -> Result<SummaryTable, AppError> {
    let code = "CASE WHEN p.status = 'processed' AND p.refunded_cents > 0 THEN 'refunded' ELSE p.status END";
    let select = Select::grouped(
        vec![
            (code.to_string(), Text),
            ("COUNT(*)".to_string(), Count),
            ("CAST(SUM(p.amount_cents) AS BIGINT)".to_string(), Money),
            ("CAST(SUM(p.refunded_cents) AS BIGINT)".to_string(), Money),
        ],
        FROM,
        conds,
    );
    let found = run.db.report_rows(&select, 100, 0).await?;
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
    for (code, label) in PAYMENT_STATUSES {
        let row = found.iter().find(|r| r[0].text() == *code);
        let count = row.and_then(|r| r[1].int()).unwrap_or(0);
        let total = row.and_then(|r| r[2].int()).unwrap_or(0);
        let refunded = row.and_then(|r| r[3].int()).unwrap_or(0);
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
    Ok(table)
}
