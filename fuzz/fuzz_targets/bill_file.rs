//! Any bytes as a bill file: refused or read row by row, never a panic; a
//! row that is accepted keeps the file's rules (minimum ≤ amount due).
#![no_main]

use app::domain::file_rows::bill_rows;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rows) = bill_rows(data) {
        for row in rows {
            match row {
                Ok(bill) => assert!(
                    bill.minimum_due <= bill.amount_due && bill.invoice_date <= bill.due_date
                ),
                Err(errs) => assert!(!errs.is_empty()),
            }
        }
    }
});
