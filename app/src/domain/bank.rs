//! Bank account entry checks: ABA routing number and account number.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::account::coded_enum;

coded_enum!(BankAccountKind {
    Checking => "checking", "Checking",
    Savings => "savings", "Savings",
});

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    #[error("Enter the 9-digit routing number.")]
    RoutingFormat,
    #[error("That routing number is not valid. Check it for a typo.")]
    RoutingChecksum,
    #[error("An account number has 4 to 17 digits.")]
    AccountFormat,
    #[error("Enter the account holder's name.")]
    Holder,
    #[error("Choose checking or savings.")]
    Kind,
}

/// The ABA checksum: 3·d1 + 7·d2 + d3 + 3·d4 + 7·d5 + d6 + 3·d7 + 7·d8 + d9 ≡ 0 (mod 10).
pub fn aba_valid(routing: &str) -> bool {
    if routing.len() != 9 || !routing.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
    let sum: u32 = routing
        .bytes()
        .zip(weights)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    sum.is_multiple_of(10)
}

pub fn check_routing(input: &str) -> Result<String, BankError> {
    let s = input.trim();
    if s.len() != 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BankError::RoutingFormat);
    }
    if !aba_valid(s) {
        return Err(BankError::RoutingChecksum);
    }
    Ok(s.to_string())
}

/// A bank account number. Like a card number it never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct BankAccountNumber(String);

impl fmt::Debug for BankAccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BankAccountNumber(•••• {})", self.last4())
    }
}

impl BankAccountNumber {
    pub fn parse(input: &str) -> Result<BankAccountNumber, BankError> {
        let s: String = input
            .trim()
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .collect();
        if !(4..=17).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BankError::AccountFormat);
        }
        Ok(BankAccountNumber(s))
    }

    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// The digits, for encryption and the ACH file only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aba_checksum() {
        assert!(aba_valid("011000015")); // Federal Reserve Bank of Boston
        assert!(aba_valid("021000021")); // JPMorgan Chase
        assert!(aba_valid("110000000"));
        assert!(!aba_valid("021000022"));
        assert!(!aba_valid("02100002"));
        assert!(!aba_valid("02100002a"));
        assert_eq!(check_routing("021000022"), Err(BankError::RoutingChecksum));
        assert_eq!(check_routing("12345"), Err(BankError::RoutingFormat));
    }

    #[test]
    fn account_numbers_have_4_to_17_digits() {
        assert_eq!(
            BankAccountNumber::parse("000123456789").unwrap().last4(),
            "6789"
        );
        assert_eq!(
            format!("{:?}", BankAccountNumber::parse("1234 5678").unwrap()),
            "BankAccountNumber(•••• 5678)"
        );
        assert!(BankAccountNumber::parse("123").is_err());
        assert!(BankAccountNumber::parse(&"1".repeat(18)).is_err());
        assert!(BankAccountNumber::parse("12345x").is_err());
    }
}
