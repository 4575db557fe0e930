//! What Payer Support searches by and what it shows.

use super::account::{AccountStatus, AccountType, coded_enum};
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
        Name => "name", "Name",
        Email => "email", "Email",
        Invoice => "invoice", "Invoice Number",
        Last4 => "last4", "Last 4 of Card or Bank",
    }
);

impl SearchBy {
    /// Searches that match the start of what is typed, and so can suggest
    /// accounts as the user types.
    pub fn suggests(self) -> bool {
        matches!(self, SearchBy::Name | SearchBy::Email)
    }
}

/// Suggestions start after this many characters.
pub const SUGGEST_FROM: usize = 2;
/// At most this many accounts come back from a name or email search.
pub const PREFIX_LIMIT: i64 = 50;

/// What a name search looks for: one word matches the start of a first,
/// last or company name; two or more match first name and last name (the
/// first word and the rest), or the start of a company name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameQuery {
    Word(String),
    FirstLast {
        first: String,
        last: String,
        whole: String,
    },
}

impl NameQuery {
    /// Lower-cased (ASCII, as both databases' `lower` agree on it) and
    /// trimmed; `None` when too short to search.
    pub fn parse(q: &str) -> Option<NameQuery> {
        let words: Vec<String> = q
            .split_whitespace()
            .map(|w| w.to_ascii_lowercase())
            .collect();
        match words.as_slice() {
            [] => None,
            [w] if w.chars().count() < SUGGEST_FROM => None,
            [w] => Some(NameQuery::Word(w.clone())),
            [first, rest @ ..] => Some(NameQuery::FirstLast {
                first: first.clone(),
                last: rest.join(" "),
                whole: words.join(" "),
            }),
        }
    }
}

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
    /// Bills Found: the bills of the accounts shown, newest invoice first.
    #[serde(default)]
    pub bills: Vec<super::bill_view::BillSummary>,
    /// The accounts shown whose One Time Payment is locked (Unlock Account).
    #[serde(default)]
    pub one_time_locked: Vec<String>,
}

/// One suggestion under the search box: a link to the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub account_number: String,
    pub name: String,
    pub email: Option<String>,
}

/// The last 4 digits of a card or bank account, as typed (spaces allowed
/// around them); `None` unless exactly four digits.
pub fn parse_last4(q: &str) -> Option<&str> {
    let q = q.trim();
    (q.len() == 4 && q.bytes().all(|b| b.is_ascii_digit())).then_some(q)
}

/// The name shown for an account: the company, or "First Last".
pub fn display_name(first: Option<&str>, last: Option<&str>, company: Option<&str>) -> String {
    match company.filter(|c| !c.is_empty()) {
        Some(c) => c.to_string(),
        None => [first, last]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_queries_split_first_and_last() {
        assert_eq!(
            NameQuery::parse("  Le "),
            Some(NameQuery::Word("le".into()))
        );
        assert_eq!(NameQuery::parse("l"), None, "too short to search");
        assert_eq!(NameQuery::parse(""), None);
        assert_eq!(
            NameQuery::parse("Ann  van Dyke"),
            Some(NameQuery::FirstLast {
                first: "ann".into(),
                last: "van dyke".into(),
                whole: "ann van dyke".into()
            })
        );
    }

    #[test]
    fn last4_is_exactly_four_digits() {
        assert_eq!(parse_last4(" 4242 "), Some("4242"));
        for bad in ["424", "42424", "42a2", "", "４２４２"] {
            assert_eq!(parse_last4(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn only_prefix_searches_suggest() {
        assert!(SearchBy::Name.suggests() && SearchBy::Email.suggests());
        assert!(!SearchBy::AccountNumber.suggests());
    }
}
