//! The universal file: the CSV a biller sends with its accounts and balances.
//! This module checks one header and one row at a time, so a file of any
//! size streams through it; reading the bytes is the caller's business.

use super::account::{AccountNumber, AccountStatus, AccountType};
use super::email::Email;
use super::money::Money;
use std::fmt;

pub const COLUMNS: &[&str] = &[
    "account_number",
    "account_type",
    "first_name",
    "last_name",
    "company_name",
    "email",
    "balance",
    "status",
    "user_id",
    "division",
];

/// What is wrong with one place in the file: line (1 = the header), column
/// name, and a reason a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowError {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.reason
        )
    }
}

/// Where each known column sits in this file's header.
#[derive(Debug, Clone)]
pub struct Header {
    columns: Columns<10>,
}

/// One valid row, ready to create or update an account.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountRecord {
    pub line: u64,
    pub account_number: AccountNumber,
    pub account_type: AccountType,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_name: Option<String>,
    pub email: Option<Email>,
    /// `None` when the file has no balance for this account: keep the current one.
    pub balance: Option<Money>,
    pub status: AccountStatus,
    pub user_id: Option<String>,
    /// The division's name (docs/divisions.md): `None` keeps an existing
    /// account's division and puts a new one in the default division.
    pub division: Option<String>,
}

/// The longest name (first, last or company) an account may have.
pub const NAME_MAX: usize = 100;

impl Header {
    /// Columns may come in any order; an unknown or repeated column, or a
    /// missing `account_number`, rejects the whole file.
    pub fn parse(fields: &[&str]) -> Result<Header, Vec<RowError>> {
        Columns::parse(fields, COLUMNS, 1).map(|columns| Header { columns })
    }

    fn get<'r>(&self, col: usize, fields: &'r [&'r str]) -> &'r str {
        self.columns.get(col, fields)
    }

    /// Checks one data row. `line` is its line number in the file.
    pub fn record(&self, line: u64, fields: &[&str]) -> Result<AccountRecord, Vec<RowError>> {
        let mut errs = Errors {
            line,
            list: Vec::new(),
        };
        if let Some(reason) = self.columns.width_error(fields) {
            errs.add("*", reason);
        }
        let account_number = AccountNumber::parse(self.get(0, fields))
            .map_err(|e| errs.add("account_number", e.to_string()))
            .ok();
        let account_type = match self.get(1, fields) {
            "" => Some(AccountType::Individual),
            t => {
                let parsed = AccountType::from_code(&t.to_ascii_uppercase());
                if parsed.is_none() {
                    errs.add("account_type", format!("must be I or B, not {t:?}"));
                }
                parsed
            }
        };
        let first_name = self.name(2, fields, &mut errs);
        let last_name = self.name(3, fields, &mut errs);
        let company_name = self.name(4, fields, &mut errs);
        match account_type {
            Some(AccountType::Individual) => {
                if first_name.is_none() {
                    errs.add(
                        "first_name",
                        "is required for an individual (I) account".into(),
                    );
                }
                if last_name.is_none() {
                    errs.add(
                        "last_name",
                        "is required for an individual (I) account".into(),
                    );
                }
            }
            Some(AccountType::Business) if company_name.is_none() => {
                errs.add(
                    "company_name",
                    "is required for a business (B) account".into(),
                );
            }
            _ => {}
        }
        let email = match self.get(5, fields) {
            "" => None,
            e => Email::parse(e)
                .map_err(|x| errs.add("email", x.to_string()))
                .ok(),
        };
        let balance = match self.get(6, fields) {
            "" => None,
            b => Money::parse(b)
                .map_err(|x| errs.add("balance", format!("{x} (got {b:?})")))
                .ok(),
        };
        let status = match self.get(7, fields).to_ascii_lowercase().as_str() {
            "" => Some(AccountStatus::Active),
            s => {
                let parsed = AccountStatus::from_code(s);
                if parsed.is_none() {
                    errs.add("status", format!("must be active or inactive, not {s:?}"));
                }
                parsed
            }
        };
        let user_id = match self.get(8, fields) {
            "" => None,
            u if u.len() > 64 || !u.chars().all(|c| c.is_ascii_graphic()) => {
                errs.add(
                    "user_id",
                    "must be at most 64 visible characters without spaces".into(),
                );
                None
            }
            u => Some(u.to_string()),
        };
        let division = match self.get(9, fields) {
            "" => None,
            d => super::division::check_name(d)
                .map_err(|reason| errs.add("division", reason))
                .ok(),
        };
        match (account_number, account_type, status) {
            (Some(account_number), Some(account_type), Some(status)) if errs.list.is_empty() => {
                Ok(AccountRecord {
                    line,
                    account_number,
                    account_type,
                    first_name,
                    last_name,
                    company_name,
                    email,
                    balance,
                    status,
                    user_id,
                    division,
                })
            }
            _ => Err(errs.list),
        }
    }

    fn name(&self, col: usize, fields: &[&str], errs: &mut Errors) -> Option<String> {
        let v = self.get(col, fields);
        if v.chars().count() > NAME_MAX {
            errs.add(COLUMNS[col], format!("has more than {NAME_MAX} characters"));
        }
        (!v.is_empty()).then(|| v.to_string())
    }
}

struct Errors {
    line: u64,
    list: Vec<RowError>,
}

impl Errors {
    fn add(&mut self, column: &str, reason: String) {
        self.list.push(RowError {
            line: self.line,
            column: column.to_string(),
            reason,
        });
    }
}

fn header_error(column: &str, reason: &str) -> RowError {
    RowError {
        line: 1,
        column: column.to_string(),
        reason: reason.to_string(),
    }
}

/// Where each of a file's `N` known columns sits in its header, and a
/// row's cells read through it. Shared by the universal, bill and category
/// files.
#[derive(Debug, Clone)]
pub(crate) struct Columns<const N: usize> {
    index: [Option<usize>; N],
}

impl<const N: usize> Columns<N> {
    /// Columns may come in any order (a byte-order mark and case are
    /// ignored); an unknown or repeated column, or a missing one of the
    /// first `required`, rejects the file.
    pub(crate) fn parse(
        fields: &[&str],
        columns: &[&str],
        required: usize,
    ) -> Result<Columns<N>, Vec<RowError>> {
        let mut index = [None; N];
        let mut errors = Vec::new();
        for (pos, raw) in fields.iter().enumerate() {
            let name = raw
                .trim()
                .trim_start_matches('\u{feff}')
                .to_ascii_lowercase();
            match columns.iter().position(|c| *c == name) {
                Some(i) if index[i].is_some() => {
                    errors.push(header_error(&name, "appears twice in the header"))
                }
                Some(i) => index[i] = Some(pos),
                None => errors.push(header_error(
                    raw.trim(),
                    &format!("is not a known column (known: {})", columns.join(", ")),
                )),
            }
        }
        for (i, col) in columns.iter().enumerate().take(required) {
            if index[i].is_none() {
                errors.push(header_error(col, "is required in the header"));
            }
        }
        if errors.is_empty() {
            Ok(Columns { index })
        } else {
            Err(errors)
        }
    }

    /// Column `col`'s cell of a row, trimmed; blank when the file has no
    /// such column.
    pub(crate) fn get<'r>(&self, col: usize, fields: &'r [&'r str]) -> &'r str {
        self.index[col]
            .and_then(|i| fields.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    /// What is wrong with a row that has more or fewer cells than the header.
    pub(crate) fn width_error(&self, fields: &[&str]) -> Option<String> {
        let expected = self.index.iter().flatten().count();
        (fields.len() != expected)
            .then(|| format!("has {} fields; the header has {}", fields.len(), expected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cols: &str) -> Header {
        Header::parse(&cols.split(',').collect::<Vec<_>>()).unwrap()
    }

    fn row(h: &Header, line: u64, s: &str) -> Result<AccountRecord, Vec<RowError>> {
        h.record(line, &s.split(',').collect::<Vec<_>>())
    }

    #[test]
    fn columns_in_any_order_with_defaults() {
        let h = header("balance,last_name,first_name,account_number");
        let r = row(&h, 2, "-12.50,Doe,Jane,A-100").unwrap();
        assert_eq!(r.account_number.as_str(), "A-100");
        assert_eq!(r.account_type, AccountType::Individual);
        assert_eq!(r.status, AccountStatus::Active);
        assert_eq!(r.balance, Some(Money::from_cents(-1_250)));
        assert_eq!(r.user_id, None);
    }

    #[test]
    fn a_division_is_named_by_its_checked_name() {
        let h = header("account_number,first_name,last_name,division");
        assert_eq!(
            row(&h, 2, "A-1,Jo,Lee, Water ")
                .unwrap()
                .division
                .as_deref(),
            Some("Water")
        );
        assert_eq!(row(&h, 3, "A-2,Jo,Lee,").unwrap().division, None);
        let long = format!("A-3,Jo,Lee,{}", "x".repeat(41));
        let errs = row(&h, 4, &long).unwrap_err();
        assert_eq!((errs[0].line, errs[0].column.as_str()), (4, "division"));
    }

    #[test]
    fn header_problems_reject_the_file() {
        let errs = Header::parse(&["account_number", "nickname", "email", "email"]).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs.iter().all(|e| e.line == 1));
        assert_eq!(errs[0].column, "nickname");
        assert!(Header::parse(&["email"]).is_err());
        assert!(Header::parse(&["\u{feff}Account_Number"]).is_ok());
    }

    #[test]
    fn every_bad_field_is_reported_with_line_and_column() {
        let h = header(
            "account_number,account_type,first_name,last_name,company_name,email,balance,status",
        );
        let errs = row(&h, 7, "bad number!,X,,,,not-an-email,1.005,closed").unwrap_err();
        let cols: Vec<&str> = errs.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(
            cols,
            [
                "account_number",
                "account_type",
                "email",
                "balance",
                "status"
            ]
        );
        assert!(errs.iter().all(|e| e.line == 7));
        assert!(errs[3].reason.contains("2 decimal"));
    }

    #[test]
    fn names_are_required_by_type() {
        let h = header("account_number,account_type,first_name,last_name,company_name");
        let errs = row(&h, 3, "B-1,B,,,").unwrap_err();
        assert_eq!(errs[0].column, "company_name");
        let errs = row(&h, 4, "I-1,I,Jane,,").unwrap_err();
        assert_eq!(errs[0].column, "last_name");
        assert!(row(&h, 5, "B-2,b,,,Acme Water").is_ok());
    }

    #[test]
    fn a_short_row_is_an_error() {
        let h = header("account_number,first_name,last_name");
        let errs = row(&h, 9, "A-1,Jane").unwrap_err();
        assert_eq!(errs[0].column, "*");
    }
}
