//! Creating and editing a payer account, and adjusting its balance: the
//! forms, their checks (the same rules as the universal file), and what the
//! account page shows. Pure: the browser and the server check with this.

use super::account::{AccountNumber, AccountStatus, AccountType};
use super::email::Email;
use super::money::Money;
use super::universal_file::NAME_MAX;
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};

/// Create Account and the account page's edit form, as posted
/// (`form[...]`). `business` is the Business Account box.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AccountForm {
    pub account_number: String,
    #[serde(default)]
    pub business: Option<String>,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub company_name: String,
    #[serde(default)]
    pub email: String,
    /// `active` or `inactive`; empty on Create Account (active).
    #[serde(default)]
    pub status: String,
    /// Ticked once the user has seen that making the account inactive
    /// cancels its scheduled payments.
    #[serde(default)]
    pub confirm: Option<String>,
    /// The division (its id), when the biller has more than one: Create
    /// Account's (empty: the user's first) or the account page's (empty:
    /// where it is).
    #[serde(default)]
    pub division: String,
}

/// A checked account form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAccount {
    pub account_number: AccountNumber,
    pub account_type: AccountType,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_name: Option<String>,
    pub email: Option<Email>,
    pub status: AccountStatus,
}

fn name(errs: &mut FieldErrors, field: &str, value: &str) -> Option<String> {
    let v = value.trim();
    if v.chars().count() > NAME_MAX {
        errs.add(field, format!("Use at most {NAME_MAX} characters."));
    }
    (!v.is_empty()).then(|| v.to_string())
}

pub fn check_account_form(form: &AccountForm) -> Result<CheckedAccount, FieldErrors> {
    let mut errs = FieldErrors::new()
        .keep("account_number", form.account_number.trim())
        .keep("first_name", form.first_name.trim())
        .keep("last_name", form.last_name.trim())
        .keep("company_name", form.company_name.trim())
        .keep("email", form.email.trim())
        .keep("status", &form.status);
    let account_number = AccountNumber::parse(&form.account_number)
        .map_err(|e| errs.add("account_number", e.to_string()))
        .ok();
    let account_type = if form.business.is_some() {
        AccountType::Business
    } else {
        AccountType::Individual
    };
    let first_name = name(&mut errs, "first_name", &form.first_name);
    let last_name = name(&mut errs, "last_name", &form.last_name);
    let company_name = name(&mut errs, "company_name", &form.company_name);
    match account_type {
        AccountType::Individual => {
            if first_name.is_none() {
                errs.add("first_name", "Enter the first name.");
            }
            if last_name.is_none() {
                errs.add("last_name", "Enter the last name.");
            }
        }
        AccountType::Business if company_name.is_none() => {
            errs.add("company_name", "Enter the company name.")
        }
        AccountType::Business => {}
    }
    let email = match form.email.trim() {
        "" => None,
        e => Email::parse(e)
            .map_err(|x| errs.add("email", x.to_string()))
            .ok(),
    };
    let status = match form.status.as_str() {
        "" => Some(AccountStatus::Active),
        s => AccountStatus::from_code(s).or_else(|| {
            errs.add("status", "Choose Active or Inactive.");
            None
        }),
    };
    match (account_number, status) {
        (Some(account_number), Some(status)) if errs.is_empty() => Ok(CheckedAccount {
            account_number,
            account_type,
            // A business keeps no personal names, an individual no company.
            first_name: first_name.filter(|_| account_type == AccountType::Individual),
            last_name: last_name.filter(|_| account_type == AccountType::Individual),
            company_name: company_name.filter(|_| account_type == AccountType::Business),
            email,
            status,
        }),
        _ => Err(errs),
    }
}

/// Adjust Balance, as posted. A positive amount adds to what the payer owes
/// (a charge); a negative one takes it off (a credit).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AdjustForm {
    pub account_number: String,
    /// Issued with the page, so a double click adjusts once.
    pub key: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub reason: String,
}

/// The largest adjustment taken in one go, either way.
pub const MAX_ADJUSTMENT: Money = Money::from_cents(100_000_000);
pub const MAX_REASON: usize = 500;

pub fn check_adjustment(form: &AdjustForm) -> Result<(Money, String), FieldErrors> {
    let mut errs = FieldErrors::new()
        .keep("amount", form.amount.trim())
        .keep("reason", form.reason.trim());
    let amount = match Money::parse(&form.amount) {
        Ok(m) if m.cents() == 0 => {
            errs.add("amount", "Enter an amount other than zero.");
            None
        }
        Ok(m) if m.cents().abs() > MAX_ADJUSTMENT.cents() => {
            errs.add(
                "amount",
                format!("An adjustment is at most {MAX_ADJUSTMENT} either way."),
            );
            None
        }
        Ok(m) => Some(m),
        Err(e) => {
            errs.add("amount", e.to_string());
            None
        }
    };
    let reason = form.reason.trim();
    if reason.chars().count() < 3 {
        errs.add("reason", "Say why (at least 3 characters).");
    } else if reason.chars().count() > MAX_REASON {
        errs.add("reason", format!("Use at most {MAX_REASON} characters."));
    }
    match amount {
        Some(m) if errs.is_empty() => Ok((m, reason.to_string())),
        _ => Err(errs),
    }
}

/// One line of an account's history: every journal entry that moved what
/// the payer owes, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerLine {
    pub at: String,
    pub what: String,
    /// What the payer owes went up (positive) or down (negative).
    pub change: Money,
    pub by: String,
    pub memo: Option<String>,
    pub reference: Option<String>,
}

/// The words for a journal entry's kind on the account page.
pub fn ledger_kind_label(kind: &str) -> &str {
    match kind {
        "balance_import" => "Balance from a file",
        "adjustment" => "Balance adjustment",
        "payment" => "Payment",
        "return" => "ACH return",
        other => super::lifecycle::ActionKind::from_code(other).map_or(other, |k| k.label()),
    }
}

/// The account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDetail {
    pub form: AccountForm,
    pub account_type: AccountType,
    pub status: AccountStatus,
    pub balance: Money,
    pub history: Vec<LedgerLine>,
    /// Scheduled payments that making it inactive would cancel.
    pub scheduled: i64,
    /// Adjust Balance is offered (the viewer holds the entitlement), with a
    /// fresh key.
    pub adjust_key: Option<String>,
    /// The payer's own category lines, from a category file (help center
    /// D4).
    pub own_categories: Vec<super::category::Category>,
    /// The account's division, named only when the biller has more than
    /// one.
    #[serde(default)]
    pub division: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(business: bool) -> AccountForm {
        AccountForm {
            account_number: " 200001 ".into(),
            business: business.then(|| "on".into()),
            first_name: "Pat".into(),
            last_name: "Payer".into(),
            company_name: "Acme".into(),
            ..Default::default()
        }
    }

    #[test]
    fn individuals_need_both_names_and_businesses_a_company() {
        let ok = check_account_form(&form(false)).unwrap();
        assert_eq!(
            (ok.account_type, ok.company_name, ok.status),
            (AccountType::Individual, None, AccountStatus::Active)
        );
        let biz = check_account_form(&form(true)).unwrap();
        assert_eq!(
            (biz.company_name.as_deref(), biz.first_name),
            (Some("Acme"), None)
        );
        let e = check_account_form(&AccountForm {
            last_name: " ".into(),
            ..form(false)
        })
        .unwrap_err();
        assert_eq!(e.message_for("last_name"), Some("Enter the last name."));
        let e = check_account_form(&AccountForm {
            company_name: "".into(),
            ..form(true)
        })
        .unwrap_err();
        assert_eq!(
            e.message_for("company_name"),
            Some("Enter the company name.")
        );
        assert_eq!(
            e.value_for("account_number"),
            Some("200001"),
            "what was typed is kept"
        );
    }

    #[test]
    fn emails_names_and_statuses_are_checked() {
        let e = check_account_form(&AccountForm {
            email: "nope".into(),
            status: "closed".into(),
            ..form(false)
        })
        .unwrap_err();
        assert!(e.message_for("email").is_some() && e.message_for("status").is_some());
        let long = "x".repeat(NAME_MAX + 1);
        assert!(
            check_account_form(&AccountForm {
                first_name: long,
                ..form(false)
            })
            .unwrap_err()
            .message_for("first_name")
            .is_some()
        );
        assert!(
            check_account_form(&AccountForm {
                account_number: "no spaces".into(),
                ..form(false)
            })
            .is_err()
        );
    }

    #[test]
    fn adjustments_are_exact_nonzero_and_explained() {
        let f = |amount: &str, reason: &str| {
            check_adjustment(&AdjustForm {
                amount: amount.into(),
                reason: reason.into(),
                ..Default::default()
            })
        };
        assert_eq!(
            f("-12.50", "Late fee waived").unwrap(),
            (Money::from_cents(-1250), "Late fee waived".to_string())
        );
        assert!(
            f("1.005", "Rounding")
                .unwrap_err()
                .message_for("amount")
                .is_some(),
            "never rounded"
        );
        assert_eq!(
            f("0", "Nothing").unwrap_err().message_for("amount"),
            Some("Enter an amount other than zero.")
        );
        assert!(f("1000000.01", "Too much").is_err());
        assert_eq!(
            f("5", " a ").unwrap_err().message_for("reason"),
            Some("Say why (at least 3 characters).")
        );
    }
}
