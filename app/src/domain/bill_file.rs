//! The bill file: a CSV of invoices, one per row, checked one header and one
//! row at a time so a file of any size streams through. The format is in
//! `docs/bill-file.md`.

use super::account::AccountNumber;
use super::money::Money;
use super::payment::parse_iso_date;
use super::universal_file::{Columns, RowError};

pub const COLUMNS: &[&str] = &[
    "account_number",
    "invoice_number",
    "invoice_date",
    "due_date",
    "amount_due",
    "minimum_due",
    "description",
    "division",
];
/// Every column but `description` and `division` must be in the header.
const REQUIRED: usize = 6;
pub const INVOICE_NUMBER_MAX: usize = 40;
pub const DESCRIPTION_MAX: usize = 200;

/// One valid row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillRecord {
    pub line: u64,
    pub account_number: AccountNumber,
    pub invoice_number: String,
    /// `YYYY-MM-DD`.
    pub invoice_date: String,
    pub due_date: String,
    pub amount_due: Money,
    pub minimum_due: Money,
    pub description: Option<String>,
    /// The division the account must be in (docs/divisions.md), by its
    /// checked name; `None`: whichever it is in.
    pub division: Option<String>,
}

/// Where each column sits in this file's header.
#[derive(Debug, Clone)]
pub struct BillHeader {
    columns: Columns<8>,
}

impl BillHeader {
    /// Columns in any order; an unknown, repeated or missing one rejects the file.
    pub fn parse(fields: &[&str]) -> Result<BillHeader, Vec<RowError>> {
        Columns::parse(fields, COLUMNS, REQUIRED).map(|columns| BillHeader { columns })
    }

    fn get<'r>(&self, col: usize, fields: &'r [&'r str]) -> &'r str {
        self.columns.get(col, fields)
    }

    /// Checks one data row (`line` is its line in the file). Whether the
    /// account exists is the importer's question.
    pub fn record(&self, line: u64, fields: &[&str]) -> Result<BillRecord, Vec<RowError>> {
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
        let invoice_number = self.get(1, fields);
        if invoice_number.is_empty() {
            add("invoice_number", "is required".into());
        } else if invoice_number.chars().count() > INVOICE_NUMBER_MAX
            || invoice_number.chars().any(char::is_control)
        {
            add(
                "invoice_number",
                format!("must be at most {INVOICE_NUMBER_MAX} printable characters"),
            );
        }
        let mut date = |col: usize, name: &str| {
            let v = self.get(col, fields);
            match parse_iso_date(v) {
                Some(_) => Some(v.to_string()),
                None => {
                    add(name, format!("must be a date like 2026-01-31 (got {v:?})"));
                    None
                }
            }
        };
        let invoice_date = date(2, "invoice_date");
        let due_date = date(3, "due_date");
        let mut amount = |col: usize, name: &str| {
            let v = self.get(col, fields);
            match Money::parse(v) {
                Ok(m) if m.cents() < 0 => {
                    add(name, format!("cannot be negative (got {v:?})"));
                    None
                }
                Ok(m) => Some(m),
                Err(e) => {
                    add(name, format!("{e} (got {v:?})"));
                    None
                }
            }
        };
        let amount_due = amount(4, "amount_due");
        let minimum_due = amount(5, "minimum_due");
        if let (Some(a), Some(m)) = (amount_due, minimum_due)
            && m.cents() > a.cents()
        {
            add(
                "minimum_due",
                format!("{m} is more than the amount due {a}"),
            );
        }
        if let (Some(i), Some(d)) = (&invoice_date, &due_date)
            && d < i
        {
            add("due_date", format!("{d} is before the invoice date {i}"));
        }
        let description = match self.get(6, fields) {
            "" => None,
            d if d.chars().count() > DESCRIPTION_MAX => {
                add(
                    "description",
                    format!("has more than {DESCRIPTION_MAX} characters"),
                );
                None
            }
            d => Some(d.to_string()),
        };
        let division = match self.get(7, fields) {
            "" => None,
            d => super::division::check_name(d)
                .map_err(|reason| add("division", reason))
                .ok(),
        };
        match (
            account_number,
            invoice_date,
            due_date,
            amount_due,
            minimum_due,
        ) {
            (
                Some(account_number),
                Some(invoice_date),
                Some(due_date),
                Some(amount_due),
                Some(minimum_due),
            ) if errs.is_empty() => Ok(BillRecord {
                line,
                account_number,
                invoice_number: invoice_number.to_string(),
                invoice_date,
                due_date,
                amount_due,
                minimum_due,
                description,
                division,
            }),
            _ => Err(errs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cols: &str) -> BillHeader {
        BillHeader::parse(&cols.split(',').collect::<Vec<_>>()).unwrap()
    }

    fn row(h: &BillHeader, s: &str) -> Result<BillRecord, Vec<RowError>> {
        h.record(2, &s.split(',').collect::<Vec<_>>())
    }

    fn columns(r: Result<BillRecord, Vec<RowError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.column).collect()
    }

    const H: &str =
        "account_number,invoice_number,invoice_date,due_date,amount_due,minimum_due,description";

    #[test]
    fn a_good_row_reads_and_columns_may_move() {
        let r = row(
            &header(H),
            "100003,INV-7,2026-11-01,2026-11-30,120.50,25,November water",
        )
        .unwrap();
        assert_eq!(
            (
                r.invoice_number.as_str(),
                r.amount_due.cents(),
                r.minimum_due.cents()
            ),
            ("INV-7", 12_050, 2_500)
        );
        let h =
            header("due_date,invoice_number,account_number,amount_due,minimum_due,invoice_date");
        assert_eq!(
            row(&h, "2026-12-01,A1,100003,10,0,2026-11-01")
                .unwrap()
                .description,
            None
        );
    }

    #[test]
    fn a_division_is_optional_and_named_by_its_checked_name() {
        let h = header(&format!("{H},division"));
        let r = row(&h, "100003,I1,2026-11-01,2026-11-30,10,5,x,  Water ").unwrap();
        assert_eq!(r.division.as_deref(), Some("Water"));
        let r = row(&h, "100003,I1,2026-11-01,2026-11-30,10,5,x,").unwrap();
        assert_eq!(r.division, None, "empty: whichever division");
        assert_eq!(
            row(&header(H), "100003,I1,2026-11-01,2026-11-30,10,5,x")
                .unwrap()
                .division,
            None
        );
        let long = "W".repeat(crate::domain::division::NAME_MAX + 1);
        assert_eq!(
            columns(row(
                &h,
                &format!("100003,I1,2026-11-01,2026-11-30,10,5,x,{long}")
            )),
            ["division"]
        );
    }

    #[test]
    fn headers_need_every_required_column_once() {
        let e = BillHeader::parse(&[
            "account_number",
            "invoice_number",
            "invoice_number",
            "colour",
        ])
        .unwrap_err();
        let cols: Vec<&str> = e.iter().map(|e| e.column.as_str()).collect();
        assert!(
            cols.contains(&"invoice_number")
                && cols.contains(&"colour")
                && cols.contains(&"due_date")
                && cols.contains(&"amount_due")
        );
        assert!(e.iter().all(|e| e.line == 1));
    }

    #[test]
    fn every_bad_field_is_named() {
        let h = header(H);
        assert_eq!(
            columns(row(&h, "100003,,2026-02-30,soon,1.005,-1,x")),
            [
                "invoice_number",
                "invoice_date",
                "due_date",
                "amount_due",
                "minimum_due"
            ]
        );
        assert_eq!(
            columns(row(&h, "100003,I1,2026-11-01,2026-10-01,10,20,x")),
            ["minimum_due", "due_date"]
        );
        assert_eq!(
            columns(row(&h, "100003,I1,2026-11-01,2026-11-30,10,5")),
            ["*"],
            "a missing field"
        );
        let long = "d".repeat(DESCRIPTION_MAX + 1);
        assert_eq!(
            columns(row(
                &h,
                &format!("100003,I1,2026-11-01,2026-11-30,10,5,{long}")
            )),
            ["description"]
        );
    }
}
