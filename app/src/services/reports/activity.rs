//! Activity: what payers did in the date range. Today the only payer-side
//! event Paydesk records is enrollment (a payer linked to an account by an
//! account file); sign-ins, password changes, plan changes and payment
//! links join this list as the payer site and automatic payments arrive,
//! as more `UNION ALL` branches of `EVENTS`.

use super::{Built, Run};
use crate::db::reports::Cond;
use crate::domain::report::CellType;
use crate::error::AppError;
use CellType::*;

const EVENTS: &str = "(SELECT p.created_at AS at, p.user_id AS user_id, 'enrolled' AS event, \
      a.account_number AS account, 'Enrolled with this account' AS detail, \
      p.user_id || '/' || a.account_number AS k, a.division_id AS division_id \
    FROM payers p JOIN account_payers ap ON ap.payer_id = p.id JOIN accounts a ON a.id = ap.account_id) e";

pub async fn build(run: &Run<'_>) -> Result<Built, AppError> {
    let columns = vec![
        ("e.at".to_string(), Time),
        ("e.user_id".to_string(), Text),
        (
            super::label_case("e.event", crate::domain::report::ACTIVITY_EVENTS),
            Text,
        ),
        ("e.account".to_string(), Text),
        ("e.detail".to_string(), Text),
    ];
    let mut conds = vec![run.in_range("e.at")];
    conds.extend(run.in_divisions("e.division_id"));
    if let Some(v) = run.q.filter("event") {
        conds.push(Cond::eq("e.event", v));
    }
    let mut built = Built::rows(run.select(columns, EVENTS, conds, "e.k"));
    built.notes.push(
        "Payers cannot sign in yet, so enrollment is the only payer activity recorded; sign-ins, password changes, plan changes and payment links will appear here as they arrive."
            .into(),
    );
    Ok(built)
}
