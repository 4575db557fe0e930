//! What Payer Support searches by and what it shows.

use super::account::{coded_enum, AccountStatus, AccountType};
use super::money::Money;
use super::payment_view::PaymentSummary;
use serde::{Deserialize, Serialize};
use std::fmt;

coded_enum!(
    /// The search-type selector on Payer Support.
    SearchBy {
        AccountNumber => "account", "Account Number",
        UserId => "user", "User ID",
        Reference => "reference", "Reference Number",
    }
);

/// One row of the Accounts Found table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub account_number: String,
    pub name: String,
    pub account_type: AccountType,
    pub status: AccountStatus,
    pub balance: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SearchResults {
    pub accounts: Vec<AccountSummary>,
    /// Payments Found: every payment on the accounts shown, newest first.
    pub payments: Vec<PaymentSummary>,
    /// The payment a Reference Number search was for.
    pub highlight: Option<String>,
}

/// The name shown for an account: the company, or "First Last".
pub fn display_name(first: Option<&str>, last: Option<&str>, company: Option<&str>) -> String {
    match company.filter(|c| !c.is_empty()) {
        Some(c) => c.to_string(),
        None => [first, last].into_iter().flatten().collect::<Vec<_>>().join(" "),
    }
}
