//! Bills Found and Bill Details: a CSR sets a bill's State (Active or
//! Inactive, which hides it from payment), Status and Do Not Call.

use crate::db::audit::AuditEntry;
use crate::db::bills::BillRow;
use crate::db::{Db, now_ms};
use crate::domain::audit_action::AuditAction;
use crate::domain::bill_view::{BillForm, BillStatus, BillSummary, check_bill_form};
use crate::domain::calendar::CivilDate;
use crate::domain::money::Money;
use crate::domain::staff::StaffUser;
use crate::error::AppError;

pub fn summary(b: BillRow) -> Result<BillSummary, crate::domain::UnknownCode> {
    Ok(BillSummary {
        id: b.id,
        status: BillStatus::decode(&b.status)?,
        amount_due: Money::from_cents(b.amount_due_cents),
        minimum_due: Money::from_cents(b.minimum_due_cents),
        account_number: b.account_number,
        invoice_number: b.invoice_number,
        version: b.version,
        invoice_date: b.invoice_date,
        due_date: b.due_date,
        active: b.active,
        do_not_call: b.do_not_call,
        description: b.description,
        paid: Money::from_cents(b.paid_cents),
    })
}

fn not_found() -> AppError {
    AppError::NotFound("There is no such bill.".into())
}

/// Bill Details; a bill of an account in a division `staff` doesn't reach
/// is answered as one that doesn't exist.
pub async fn detail(db: &Db, staff: &StaffUser, id: i64) -> Result<BillSummary, AppError> {
    db.bill(id)
        .await?
        .filter(|b| staff.divisions.allows(b.division_id))
        .map(summary)
        .transpose()?
        .ok_or_else(not_found)
}

/// Bill Details' Submit. Returns the bill's account number. A bill made
/// payable again is planned by its bill-triggered plans at once, as a file
/// would (the scheduler's next pass would do it too).
pub async fn update(
    db: &Db,
    staff: &StaffUser,
    form: &BillForm,
    ip: Option<&str>,
    today: CivilDate,
) -> Result<String, AppError> {
    let b = db
        .bill(form.id)
        .await?
        .filter(|b| staff.divisions.allows(b.division_id))
        .ok_or_else(not_found)?;
    let (status, active, do_not_call) = check_bill_form(form).map_err(AppError::Invalid)?;
    let object = format!("bill {} {}", b.account_number, b.invoice_number);
    let before =
        serde_json::json!({ "status": b.status, "active": b.active, "do_not_call": b.do_not_call })
            .to_string();
    let after = serde_json::json!({ "status": status.code(), "active": active, "do_not_call": do_not_call }).to_string();
    let entry = AuditEntry {
        at: now_ms(),
        actor_id: Some(staff.id),
        actor_login: Some(&staff.login),
        action: AuditAction::BillUpdate,
        object: Some(&object),
        before: Some(&before),
        after: Some(&after),
        ip,
        division: Some(b.division_id),
        account: None,
    };
    if !db
        .update_bill(b.id, status.code(), active, do_not_call, &entry)
        .await?
    {
        return Err(not_found());
    }
    super::scheduler::plan_bills(db, today).await?;
    Ok(b.account_number)
}
