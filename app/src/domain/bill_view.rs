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
pub fn check_bill_form(form: &BillForm) -> Result<(BillStatus, bool, bool), crate::error::FieldErrors> {
    let mut errs = crate::error::FieldErrors::new().keep("status", &form.status).keep("state", &form.state);
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
        let f = BillForm { id: 1, status: "in_mail".into(), state: "inactive".into(), do_not_call: Some("on".into()) };
        assert_eq!(check_bill_form(&f).unwrap(), (BillStatus::InMail, false, true));
        let bad = BillForm { status: "paid".into(), state: "gone".into(), ..f };
        let e = check_bill_form(&bad).unwrap_err();
        assert!(e.message_for("status").is_some() && e.message_for("state").is_some());
        assert_eq!(BillStatus::ExternallyPaid.label(), "Externally Paid");
    }
}
