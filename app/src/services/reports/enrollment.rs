//! Enrollment: every enrolled payer with each account they pay, as of
//! today: one row per (User ID, Account) pair.
//!
//! Recurring Payment and Triggered Payment say whether an active recurring
//! or bill-triggered plan exists on the account. No such plans exist yet
//! (automatic payments are not built), so both read N, from the data, and
//! the page says so.

use super::{Built, Run};
use crate::db::reports::{Cond, Select};
use crate::domain::report::{CellType, CellView, SummaryTable};
use crate::error::AppError;
use CellType::*;

const FROM: &str =
    "payers p JOIN account_payers ap ON ap.payer_id = p.id JOIN accounts a ON a.id = ap.account_id";

pub async fn build(run: &Run<'_>) -> Result<Built, AppError> {
    let columns = vec![
        ("p.user_id".to_string(), Text),
        ("a.account_number".to_string(), Text),
        ("p.created_at".to_string(), Time),
        ("'N'".to_string(), Text),
        ("'N'".to_string(), Text),
        ("a.email".to_string(), Text),
    ];
    // "As of today" needs no condition: an enrollment is recorded when it
    // happens, so none is dated after today. Without one the first page
    // follows the user_id index and stops after a page.
    let mut conds: Vec<Cond> = run.in_divisions("a.division_id").into_iter().collect();
    for key in ["recurring", "triggered"] {
        if let Some(v) = run.q.filter(key) {
            conds.push(Cond::eq("'N'", v));
        }
    }
    let select = run.select(columns, FROM, conds, "p.user_id || '/' || a.account_number");
    let filtered = !select.conds.is_empty();
    let mut built = Built::rows(select.clone());
    built.notes.push(
        "Recurring Payment and Triggered Payment show N for every payer: no automatic payment plans exist yet."
            .into(),
    );
    if run.summaries {
        // Unfiltered, every link between a payer and an account is a row
        // (each names a payer and an account that exist): the figures are
        // counts of account_payers alone, from its indexes.
        let totals = Select {
            columns: vec![
                ("COUNT(DISTINCT ap.payer_id)".to_string(), Count),
                ("COUNT(*)".to_string(), Count),
            ],
            from: if filtered {
                FROM.to_string()
            } else {
                "account_payers ap".to_string()
            },
            group_by: None,
            sort: 0,
            sort_as: None,
            tiebreak: "1".into(),
            ..select
        };
        let row = run.db.report_rows(&totals, 1, 0).await?;
        let n = |i: usize| row.first().and_then(|r| r[i].int()).unwrap_or(0);
        built.count = Some(n(1));
        built.summaries.push(SummaryTable {
            caption: "Enrolled today".into(),
            headers: vec!["Payers".into(), "Accounts enrolled".into()],
            rows: vec![vec![
                CellView::number(n(0).to_string()),
                CellView::number(n(1).to_string()),
            ]],
            footer: vec![],
        });
    }
    Ok(built)
}
