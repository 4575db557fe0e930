//! Settlement: what was sent to the gateway, or is ready for its next
//! batch, among the payments entered in the timeframe (Pending, Processed,
//! and Failed: sent, then returned). Cancelled and future-dated payments
//! are not sent and are left out. Two sections, ACH and Credit Card, each
//! with Debits, Credits (reversals and refunds), Cleared and Errors
//! (returns, ACH only). Figures from `services::reconciliation`; rows from
//! the same cells (`db::reconciliation`).

use super::{Built, Run, count_total, label_case};
use crate::db::reconciliation::{TopByTime, settlement_rows_table};
use crate::domain::payment::{MethodKind, PaymentStatus, Today};
use crate::domain::reconciliation::{SettlementKind, SettlementSection};
use crate::domain::report::{CellType, CellView, METHODS, SETTLEMENT_KINDS, SummaryTable};
use crate::error::AppError;
use crate::services::reconciliation;
use CellType::*;

fn today((year, month, day): (u16, u8, u8)) -> Today {
    Today { year, month, day }
}

pub async fn build(run: &Run<'_>) -> Result<Built, AppError> {
    let methods: Vec<MethodKind> = match run.q.filter("method") {
        Some(code) => MethodKind::from_code(code).into_iter().collect(),
        None => MethodKind::ALL.to_vec(),
    };
    // Without a Type filter: every transaction once, each payment (debit)
    // and each reversal (credit). Cleared and Errors are kinds of debit.
    let kinds: Vec<SettlementKind> = match run.q.filter("kind") {
        Some(code) => SettlementKind::from_code(code).into_iter().collect(),
        None => vec![SettlementKind::Debit, SettlementKind::Credit],
    };
    let statuses: Vec<(&str, &str)> = PaymentStatus::ALL
        .iter()
        .map(|s| (s.code(), s.label()))
        .collect();
    let columns = vec![
        ("d.reference".to_string(), Text),
        ("d.account".to_string(), Text),
        ("d.name".to_string(), Text),
        (label_case("d.method", METHODS), Text),
        (label_case("d.kind", SETTLEMENT_KINDS), Text),
        (label_case("d.status", &statuses), Text),
        ("d.amount".to_string(), Money),
        ("d.at_ms".to_string(), Time),
        ("d.return_code".to_string(), Text),
    ];
    let q = run.q;
    let typed = !run.text_filters(&columns).is_empty();
    // The summary first: it says which cells have rows at all, and without
    // a typed filter its figures are the row count too, so the page's rows
    // are neither read from empty cells nor counted a second time.
    let summary = match run.summaries {
        true => Some(
            reconciliation::settlement_summary(
                run.db,
                run.config,
                today(q.from),
                today(q.to),
                run.divisions,
            )
            .await?,
        ),
        false => None,
    };
    let tally = |m: MethodKind, k: SettlementKind| {
        summary.as_ref().map(|s| match m {
            MethodKind::Ach => s.ach.tally(k),
            MethodKind::Card => s.card.tally(k),
        })
    };
    let cells: Vec<(MethodKind, SettlementKind)> = methods
        .iter()
        .flat_map(|m| kinds.iter().map(move |k| (*m, *k)))
        .filter(|(m, k)| tally(*m, *k).is_none_or(|t| t.count > 0))
        .collect();
    // A page in time order (the default) reads the first rows of each cell
    // only; a typed filter applies after the cells are joined, so then
    // every row is read.
    let top = (run.summaries && q.sort.key == "entered" && !typed).then(|| TopByTime {
        rows: i64::from(q.page) * i64::from(q.per_page),
        descending: q.descending,
    });
    let count = match (&summary, typed) {
        (Some(_), false) => Some(
            cells
                .iter()
                .filter_map(|(m, k)| tally(*m, *k))
                .map(|t| t.count)
                .sum(),
        ),
        _ => None,
    };
    let table = settlement_rows_table(run.from_ms, run.until_ms, &cells, top, run.divisions);
    let mut built = Built::rows(run.select(columns, &table, vec![], "d.k"));
    built.count = count;
    if let Some(s) = summary {
        built
            .summaries
            .push(section(run, "ACH Transactions", MethodKind::Ach, &s.ach));
        built.summaries.push(section(
            run,
            "Credit Card Transactions",
            MethodKind::Card,
            &s.card,
        ));
    }
    Ok(built)
}

fn section(
    run: &Run<'_>,
    caption: &str,
    method: MethodKind,
    s: &SettlementSection,
) -> SummaryTable {
    let rows = [
        ("Debits", SettlementKind::Debit),
        ("Credits", SettlementKind::Credit),
        ("Cleared", SettlementKind::Cleared),
        ("Errors", SettlementKind::Error),
    ]
    .into_iter()
    .map(|(label, kind)| {
        let t = s.tally(kind);
        let href = run
            .q
            .drill_link(&[("method", method.code()), ("kind", kind.code())]);
        let [c, a] = count_total(t.count, t.amount.cents(), &href);
        vec![CellView::text(label).linked(&href), c, a]
    })
    .collect();
    SummaryTable {
        caption: caption.into(),
        headers: vec!["".into(), "Count".into(), "Amount".into()],
        rows,
        footer: vec![],
    }
}
