//! Any bytes as a universal file: the reader must refuse or read it, row by
//! row, without panicking, and every refused row must say where.
#![no_main]

use app::domain::file_rows::universal_rows;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match universal_rows(data) {
        Err(refused) => assert!(!refused.is_empty(), "a refused file says why"),
        Ok(rows) => {
            for row in rows {
                match row {
                    Ok(rec) => assert!(rec.line >= 2, "data starts after the header"),
                    Err(errs) => assert!(
                        !errs.is_empty()
                            && errs
                                .iter()
                                .all(|e| !e.reason.is_empty() && !e.column.is_empty())
                    ),
                }
            }
        }
    }
});
