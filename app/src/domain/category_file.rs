//! The category file (help center D4, "a payment category for one payer"):
//! a CSV of category lines, each for one account, uploaded on File
//! Transfers. Every account named gets exactly the lines its rows list; a
//! row with only the account number lists none and clears them. A line is
//! checked by `category::check_category`, the rule Manage Category uses, so
//! a payer's line can be nothing an all-payers line could not. The format
//! is in `docs/category-file.md`.

use super::account::AccountNumber;
use super::category::{CategoryForm, NewCategory, check_category};
use super::universal_file::{Columns, RowError};

pub const COLUMNS: &[&str] = &[
    "account_number",
    "charge_code",
    "description",
    "amount",
    "quantity",
    "impact_balance",
    "amount_editable",
    "show_quantity",
    "required",
    "division",
];
/// The first four columns must be in the header; the others default to a
/// quantity of 1 and every option off.
const REQUIRED: usize = 4;
/// Where the options start in [`COLUMNS`].
const FIRST_OPTION: usize = 5;
/// The `division` column's place in [`COLUMNS`]: not part of the line.
const DIVISION: usize = 9;

/// One valid row: a line for the account, or `None` to clear its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRecord {
    pub line: u64,
    pub account_number: AccountNumber,
    pub item: Option<NewCategory>,
    /// The division the account must be in (docs/divisions.md), by its
    /// checked name; `None`: whichever it is in.
    pub division: Option<String>,
}

/// Where each column sits in this file's header.
#[derive(Debug, Clone)]
pub struct CategoryHeader {
    columns: Columns<10>,
}

/// An option's cell: blank and the usual spellings of no are off.
fn option(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "" | "n" | "no" | "false" | "0" => Ok(false),
        "y" | "yes" | "true" | "1" | "x" => Ok(true),
        _ => Err(format!("must be yes or no (got {v:?})")),
    }
}

impl CategoryHeader {
    /// Columns in any order; an unknown, repeated or missing one rejects the file.
    pub fn parse(fields: &[&str]) -> Result<CategoryHeader, Vec<RowError>> {
        Columns::parse(fields, COLUMNS, REQUIRED).map(|columns| CategoryHeader { columns })
    }

    fn get<'r>(&self, col: usize, fields: &'r [&'r str]) -> &'r str {
        self.columns.get(col, fields)
    }

    /// Checks one data row (`line` is its line in the file). Whether the
    /// account exists is the importer's question.
    pub fn record(&self, line: u64, fields: &[&str]) -> Result<CategoryRecord, Vec<RowError>> {
        let mut errs = Vec::new();
        let mut add = |column: &str, reason: String| {
            errs.push(RowError {
                line,
                column: column.to_string(),
                reason,
            })
        };
        if let Some(reason) = self.columns.width_error(fields) {
            add("*", reason);
        }
        let account_number = AccountNumber::parse(self.get(0, fields))
            .map_err(|e| add("account_number", e.to_string()))
            .ok();
        let division = match self.get(DIVISION, fields) {
            "" => None,
            d => super::division::check_name(d)
                .map_err(|reason| add("division", reason))
                .ok(),
        };
        let clears = (1..DIVISION).all(|col| self.get(col, fields).is_empty());
        let item = if clears {
            None
        } else {
            let mut ticked = |col: usize| match option(self.get(col, fields)) {
                Ok(on) => on.then(|| "on".to_string()),
                Err(reason) => {
                    add(COLUMNS[col], reason);
                    None
                }
            };
            let form = CategoryForm {
                charge_code: self.get(1, fields).to_string(),
                description: self.get(2, fields).to_string(),
                amount: self.get(3, fields).to_string(),
                quantity: match self.get(4, fields) {
                    "" => "1".to_string(),
                    q => q.to_string(),
                },
                impact_balance: ticked(FIRST_OPTION),
                amount_editable: ticked(FIRST_OPTION + 1),
                show_quantity: ticked(FIRST_OPTION + 2),
                required: ticked(FIRST_OPTION + 3),
                // A payer's own line: the account's division is its own.
                division: String::new(),
            };
            match check_category(&form) {
                Ok(item) => Some(item),
                Err(refused) => {
                    // Manage Category's messages, under the file's column names
                    // (the form's fields are named like the columns).
                    for e in refused.errors {
                        add(&e.field, e.message);
                    }
                    None
                }
            }
        };
        match account_number {
            Some(account_number) if errs.is_empty() => Ok(CategoryRecord {
                line,
                account_number,
                item,
                division,
            }),
            _ => Err(errs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "account_number,charge_code,description,amount,quantity,impact_balance,amount_editable,show_quantity,required";

    fn header(cols: &str) -> CategoryHeader {
        CategoryHeader::parse(&cols.split(',').collect::<Vec<_>>()).unwrap()
    }

    fn row(h: &CategoryHeader, s: &str) -> Result<CategoryRecord, Vec<RowError>> {
        h.record(7, &s.split(',').collect::<Vec<_>>())
    }

    fn columns(r: Result<CategoryRecord, Vec<RowError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.column).collect()
    }

    #[test]
    fn a_line_for_one_account_reads_with_its_options() {
        let r = row(&header(H), "100003,slip-12,Boat slip 12,250.00,2,yes,,Y,no").unwrap();
        assert_eq!(r.account_number.as_str(), "100003");
        let item = r.item.expect("a line");
        assert_eq!(
            (
                item.charge_code.as_str(),
                item.amount.cents(),
                item.quantity
            ),
            ("SLIP-12", 25_000, 2),
            "the charge code is kept upper-case, as Manage Category keeps it"
        );
        assert!(item.options.impact_balance && item.options.show_quantity);
        assert!(!item.options.amount_editable && !item.options.required);
    }

    #[test]
    fn options_and_quantity_may_be_left_out_of_the_header() {
        let h = header("description,amount,account_number,charge_code");
        let item = row(&h, "Dock fee,40,100001,DOCK").unwrap().item.unwrap();
        assert_eq!(item.quantity, 1);
        assert_eq!(item.options, Default::default());
        assert!(
            CategoryHeader::parse(&["account_number", "charge_code", "amount"]).is_err(),
            "description is required"
        );
    }

    #[test]
    fn a_row_with_only_the_account_clears_its_lines() {
        let r = row(&header(H), "100003,,,,,,,,").unwrap();
        assert_eq!(r.item, None);
        assert_eq!(r.line, 7);
    }

    #[test]
    fn each_mistake_is_named_by_its_column() {
        let h = header(H);
        assert_eq!(
            columns(row(&h, "12/x,SLIP,Boat,10.005,0,maybe,,,")),
            ["account_number", "impact_balance", "amount", "quantity"]
        );
        assert_eq!(
            columns(row(&h, "100003,SLIP,,10,1,,,,")),
            ["description"],
            "a line without a description is not a clearing row"
        );
        assert_eq!(
            columns(row(&h, "100003,SLIP,Boat,0,1,,,,")),
            ["amount"],
            "a fixed line needs an amount, as on Manage Category"
        );
        assert_eq!(columns(row(&h, "100003,SLIP,Boat")), ["*", "amount"]);
    }

    #[test]
    fn a_division_is_optional_and_not_part_of_the_line() {
        let h = header(&format!("{H},division"));
        let r = row(&h, "100001,MTR,Meter,5.00,1,,,,,Water").unwrap();
        assert_eq!(r.division.as_deref(), Some("Water"));
        assert!(r.item.is_some());
        // Only the account and its division: the account's lines are cleared.
        let clear = row(&h, "100001,,,,,,,,,Water").unwrap();
        assert_eq!(
            (clear.item, clear.division.as_deref()),
            (None, Some("Water"))
        );
        let long = "W".repeat(crate::domain::division::NAME_MAX + 1);
        let err = row(&h, &format!("100001,MTR,Meter,5.00,1,,,,,{long}")).unwrap_err();
        assert_eq!(err[0].column, "division");
        assert_eq!(
            row(&header(H), "100001,MTR,Meter,5.00,1,,,,")
                .unwrap()
                .division,
            None
        );
    }
}
