//! A payer's account at the biller: its number, kind and status.

use serde::{Deserialize, Serialize};
use std::fmt;

/// 1–32 characters of `A–Z a–z 0–9 - _`, as billers' systems issue them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountNumberError {
    #[error("Enter an account number.")]
    Empty,
    #[error("An account number has at most 32 characters.")]
    TooLong,
    #[error("Use only letters, digits, - and _ in an account number.")]
    BadCharacter,
}

impl AccountNumber {
    pub const MAX_LEN: usize = 32;

    pub fn parse(input: &str) -> Result<AccountNumber, AccountNumberError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(AccountNumberError::Empty);
        }
        if s.len() > Self::MAX_LEN {
            return Err(AccountNumberError::TooLong);
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(AccountNumberError::BadCharacter);
        }
        Ok(AccountNumber(s.to_string()))
    }
}

super::string_newtype!(AccountNumber, AccountNumberError);

/// Defines a closed set of values with one stored code and one screen label
/// each, so the database, the CSV files and the UI can never disagree.
macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $code:literal, $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database and written in files.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The word CSRs see on screen.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn from_code(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// Reads a stored code: the one way rows become values. A code
            /// this build does not know is an error, never a default.
            pub fn decode(code: &str) -> Result<$name, $crate::domain::UnknownCode> {
                $name::from_code(code).ok_or_else(|| $crate::domain::UnknownCode {
                    kind: stringify!($name),
                    code: code.chars().take(40).collect(),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum!(AccountType {
    Individual => "I", "Individual",
    Business => "B", "Business",
});

coded_enum!(AccountStatus {
    Active => "active", "Active",
    Inactive => "inactive", "Inactive",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_numbers_are_checked() {
        assert_eq!(
            AccountNumber::parse(" 10045-A_7 ").unwrap().as_str(),
            "10045-A_7"
        );
        assert_eq!(AccountNumber::parse(""), Err(AccountNumberError::Empty));
        assert_eq!(
            AccountNumber::parse(&"9".repeat(33)),
            Err(AccountNumberError::TooLong)
        );
        assert!(AccountNumber::parse(&"9".repeat(32)).is_ok());
        assert_eq!(
            AccountNumber::parse("100 45"),
            Err(AccountNumberError::BadCharacter)
        );
        assert_eq!(
            AccountNumber::parse("1004é"),
            Err(AccountNumberError::BadCharacter)
        );
    }

    #[test]
    fn codes_round_trip() {
        for t in AccountType::ALL {
            assert_eq!(AccountType::from_code(t.code()), Some(*t));
        }
        assert_eq!(AccountStatus::from_code("closed"), None);
        assert_eq!(AccountType::Business.label(), "Business");
    }
}
