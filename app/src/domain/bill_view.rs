//! Bills as CSRs see them: Bills Found on Payer Support and Bill Details.

use super::account::coded_enum;
use super::money::Money;
use serde::{Deserialize, Serialize};
use std::fmt;

coded_enum!(
    /// The help center's bill statuses.
    BillStatus {
        Unpaid => "unpaid", "Unpaid",
        Inactive => "inactive", "Inactive",
        ExternallyPaid => "externally_paid", "Externally Paid",
        InMail => "in_mail", "In Mail",
    }
);

/// One row of Bills Found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillSummary {
    pub id: i64,
    pub account_number: String,
    pub invoice_number: String,
    pub version: i64,
    pub invoice_date: String,
    pub due_date: String,
    pub amount_due: Money,
    pub minimum_due: Money,
    pub status: BillStatus,
    /// State: Active or Inactive (an inactive bill is hidden from payment).
    pub active: bool,
    pub do_not_call: bool,
    pub description: Option<String>,
    /// Paid toward this invoice: taken payments (Pending or Processed, and
    /// those still being authorized), less what was refunded.
    #[serde(default)]
    pub paid: Money,
}

impl BillSummary {
    /// What is left to pay on this invoice (never below zero).
    pub fn remaining(&self) -> Money {
        Money::from_cents((self.amount_due.cents() - self.paid.cents()).max(0))
    }

    /// Whether Make Payment is offered: an Active bill that is Unpaid or
    /// In Mail. Inactive bills are hidden from payment, and one paid
    /// elsewhere is not taken again by mistake.
    pub fn payable(&self) -> bool {
        self.active && matches!(self.status, BillStatus::Unpaid | BillStatus::InMail)
    }
}

/// Bill Details as posted (`form[...]`): State, Status and Do Not Call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BillForm {
    pub id: i64,
    pub status: String,
    /// `active` or `inactive`.
    pub state: String,
    #[serde(default)]
    pub do_not_call: Option<String>,
}

/// A checked Bill Details form.
pub fn check_bill_form(
    form: &BillForm,
) -> Result<(BillStatus, bool, bool), crate::error::FieldErrors> {
    let mut errs = crate::error::FieldErrors::new()
        .keep("status", &form.status)
        .keep("state", &form.state);
    let status = BillStatus::from_code(&form.status);
    if status.is_none() {
        errs.add("status", "Choose a status.");
    }
    let active = match form.state.as_str() {
        "active" => Some(true),
        "inactive" => Some(false),
        _ => {
            errs.add("state", "Choose Active or Inactive.");
            None
        }
    };
    match (status, active) {
        (Some(s), Some(a)) if errs.is_empty() => Ok((s, a, form.do_not_call.is_some())),
        _ => Err(errs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bill_forms_are_checked() {
        let f = BillForm {
            id: 1,
            status: "in_mail".into(),
            state: "inactive".into(),
            do_not_call: Some("on".into()),
        };
        assert_eq!(
            check_bill_form(&f).unwrap(),
            (BillStatus::InMail, false, true)
        );
        let bad = BillForm {
            status: "paid".into(),
            state: "gone".into(),
            ..f
        };
        let e = check_bill_form(&bad).unwrap_err();
        assert!(e.message_for("status").is_some() && e.message_for("state").is_some());
        assert_eq!(BillStatus::ExternallyPaid.label(), "Externally Paid");
    }

    fn bill(status: BillStatus, active: bool, due: i64, paid: i64) -> BillSummary {
        BillSummary {
            id: 1,
            account_number: "100001".into(),
            invoice_number: "INV-1".into(),
            version: 1,
            invoice_date: "2026-11-01".into(),
            due_date: "2026-11-30".into(),
            amount_due: Money::from_cents(due),
            minimum_due: Money::from_cents(0),
            status,
            active,
            do_not_call: false,
            description: None,
            paid: Money::from_cents(paid),
        }
    }

    #[test]
    fn only_active_unpaid_bills_take_payments() {
        assert!(bill(BillStatus::Unpaid, true, 100, 0).payable());
        assert!(bill(BillStatus::InMail, true, 100, 0).payable());
        assert!(
            !bill(BillStatus::Unpaid, false, 100, 0).payable(),
            "inactive state hides it from payment"
        );
        assert!(!bill(BillStatus::Inactive, true, 100, 0).payable());
        assert!(!bill(BillStatus::ExternallyPaid, true, 100, 0).payable());
    }

    #[test]
    fn remaining_is_what_is_due_less_what_was_paid_and_never_negative() {
        assert_eq!(
            bill(BillStatus::Unpaid, true, 12_550, 2_550).remaining(),
            Money::from_cents(10_000)
        );
        assert_eq!(
            bill(BillStatus::Unpaid, true, 100, 250).remaining(),
            Money::from_cents(0)
        );
    }
}
