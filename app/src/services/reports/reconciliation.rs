//! Reconciliation: one processing cycle (the settlement runs of a date),
//! what it captured, sent, reversed and had returned, per method, the
//! deposit the bank statement should show, and whether every figure equals
//! the journal's and the NACHA file's ("Balanced"). The figures come from
//! `services::reconciliation`; the rows behind each are the same cells
//! (`db::reconciliation`), filtered, sorted, paged and exported here.

use super::{Built, Run, count_total, label_case};
use crate::db::reconciliation::reconciliation_rows_table;
use crate::db::reports::Cell;
use crate::domain::payment::{MethodKind, Today};
use crate::domain::reconciliation::{Balance, MethodSummary, ReconciliationKind};
use crate::domain::report::{
    CellType, CellView, METHODS, RECONCILIATION_KINDS, SummaryTable, Verdict, dollars,
};
use crate::error::AppError;
use crate::services::{clock, reconciliation};
use CellType::*;

pub async fn build(run: &Run<'_>) -> Result<Built, AppError> {
    let (y, m, d) = run.q.from;
    let date = Today {
        year: y,
        month: m,
        day: d,
    };
    let methods: Vec<MethodKind> = match run.q.filter("method") {
        Some(code) => MethodKind::from_code(code).into_iter().collect(),
        None => MethodKind::ALL.to_vec(),
    };
    let kinds: Vec<ReconciliationKind> = match run.q.filter("kind") {
        Some(code) => ReconciliationKind::from_code(code).into_iter().collect(),
        None => ReconciliationKind::ALL.to_vec(),
    };
    let table = match reconciliation::cycle(run.db, run.config, date).await? {
        Some((_, w)) => reconciliation_rows_table(
            w.after_or_min(),
            w.through_ms,
            &methods,
            &kinds,
            run.divisions,
        ),
        None => reconciliation_rows_table(0, 0, &[], &[], run.divisions),
    };
    let mut columns = vec![
        ("d.reference".to_string(), Text),
        ("d.account".to_string(), Text),
        ("d.invoice".to_string(), Text),
        ("d.name".to_string(), Text),
        (label_case("d.kind", RECONCILIATION_KINDS), Text),
        (label_case("d.method", METHODS), Text),
        ("d.amount".to_string(), Money),
        // A time, made a date by `effective_date` below.
        ("d.at_ms".to_string(), Time),
        ("d.return_code".to_string(), Text),
    ];
    if run.q.divisions {
        // The division the row counts for: an ACH entry's batch's.
        columns.push((super::division_name("d.division_id"), Text));
    }
    let mut select = run.select(columns, &table, vec![], "d.k");
    select.fix = Some(effective_date);
    let mut built = Built::rows(select);
    if run.summaries {
        summarise(run, date, &mut built).await?;
    }
    Ok(built)
}

/// The Effective Date of a row: for an ACH entry (processed or reversal),
/// its file's effective entry date, the next banking day after the run; for
/// anything else, the day it happened.
fn effective_date(row: &mut [Cell], tz: &str) {
    let ach_entry = row[5].text() == "ACH" && matches!(row[4].text(), "Processed" | "Reversal");
    if let Cell::Int(ms) = row[7] {
        let day = if ach_entry {
            clock::ach_effective_date(ms, tz)
        } else {
            clock::civil_date(ms, tz)
        };
        row[7] = Cell::Text(day.iso());
    }
}

async fn summarise(run: &Run<'_>, date: Today, built: &mut Built) -> Result<(), AppError> {
    let r = reconciliation::reconciliation(run.db, run.config, date, run.divisions).await?;
    if r.runs.is_empty() {
        built.notes.push(format!(
            "No settlement ran on {}: this cycle moved nothing. Returns and refunds since the last run belong to the next cycle.",
            date.iso()
        ));
        let recent = reconciliation::recent_cycle_dates(run.db, run.config, 10).await?;
        if !recent.is_empty() {
            built.summaries.push(SummaryTable {
                caption: "Recent cycles".into(),
                headers: vec!["Cycle date".into()],
                rows: recent
                    .iter()
                    .map(|d| {
                        vec![CellView::text(d.iso()).linked(run.q.drill_link(&[
                            ("date", &d.iso()),
                            ("method", ""),
                            ("kind", ""),
                        ]))]
                    })
                    .collect(),
                footer: vec![],
            });
        }
        return Ok(());
    }
    let runs: Vec<String> = r
        .runs
        .iter()
        .map(|x| {
            let file = x
                .ach_file
                .as_deref()
                .map(|f| format!(", NACHA file {f}"))
                .unwrap_or_default();
            format!("run {} at {}{file}", x.id, clock::display(x.at_ms, run.tz))
        })
        .collect();
    built
        .notes
        .push(format!("Cycle of {}: {}.", date.iso(), runs.join("; ")));
    for m in [&r.card, &r.ach] {
        built.summaries.push(method_table(run, m));
    }
    built.summaries.push(SummaryTable {
        caption: "Deposit".into(),
        headers: vec!["".into(), "Amount".into()],
        rows: vec![
            vec![
                CellView::text("Card net deposit"),
                CellView::number(dollars(r.card.net_deposit.cents())),
            ],
            vec![
                CellView::text("ACH net deposit"),
                CellView::number(dollars(r.ach.net_deposit.cents())),
            ],
        ],
        footer: vec![
            CellView::text(if run.narrowed() {
                "These divisions' part of the deposit"
            } else {
                "Total deposit (compare with the bank statement)"
            }),
            CellView::number(dollars(r.total_deposit.cents())),
        ],
    });
    built.verdict = Some(match &r.balance {
        Balance::Balanced if run.narrowed() => Verdict {
            ok: true,
            text: "Balanced: every figure equals the journal for this cycle, and the ACH figures equal these divisions' batches in the NACHA file.".into(),
        },
        Balance::Balanced => Verdict {
            ok: true,
            text: "Balanced: every figure equals the journal for this cycle, and the ACH figures equal the NACHA file's totals.".into(),
        },
        Balance::Differs(diffs) => Verdict {
            ok: false,
            text: format!(
                "Not balanced: {}.",
                diffs.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
            ),
        },
    });
    Ok(())
}

fn method_table(run: &Run<'_>, m: &MethodSummary) -> SummaryTable {
    let name = match m.method {
        MethodKind::Card => "Card",
        MethodKind::Ach => "ACH",
    };
    let effective = m
        .effective_date
        .map(|d| format!(", effective {}", d.iso()))
        .unwrap_or_default();
    let row = |label: &str, kind: ReconciliationKind, extra: String| {
        let t = m.tally(kind);
        let href = run
            .q
            .drill_link(&[("method", m.method.code()), ("kind", kind.code())]);
        let [c, a] = count_total(t.count, t.amount.cents(), &href);
        vec![
            CellView::text(label).linked(&href),
            c,
            a,
            CellView::text(extra),
        ]
    };
    let codes = m
        .failed_codes
        .iter()
        .map(|c| format!("{} ×{}", c.code, c.tally.count))
        .collect::<Vec<_>>()
        .join(", ");
    SummaryTable {
        caption: format!("{name}{effective}"),
        headers: vec![
            "Figure".into(),
            "Count".into(),
            "Amount".into(),
            "Return codes".into(),
        ],
        rows: vec![
            row("Processed", ReconciliationKind::Processed, String::new()),
            row("Reversals", ReconciliationKind::Reversal, String::new()),
            row("Failed", ReconciliationKind::Failed, codes),
        ],
        footer: vec![
            CellView::text("Net deposit"),
            CellView::number(""),
            CellView::number(dollars(m.net_deposit.cents())),
            CellView::text(""),
        ],
    }
}
