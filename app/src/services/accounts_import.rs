//! Imports a universal file (accounts and balances). The CSV streams through
//! the domain checks row by row into one database transaction.

use crate::db::accounts::{ImportMode, ImportOutcome};
use crate::db::{Db, DbError};
use crate::domain::universal_file::{AccountRecord, Header, RowError};
use std::io::Read;

/// Reads `input` (a file) and applies it whole, or reports why not.
pub async fn import<R: Read>(db: &Db, input: R, source: &str, actor: Option<&str>) -> Result<ImportOutcome, DbError> {
    import_with(db, input, ImportMode::AllOrNothing, source, actor).await
}

/// Reads `input` and applies it as `mode` says. A file whose header cannot
/// be used comes back with its errors and `rows` 0: nothing was read.
pub async fn import_with<R: Read>(db: &Db, input: R, mode: ImportMode, source: &str, actor: Option<&str>) -> Result<ImportOutcome, DbError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    let mut records = reader.records();
    let header = match records.next() {
        None => return Ok(rejected(RowError { line: 1, column: "*".into(), reason: "the file is empty".into() })),
        Some(Err(e)) => return Ok(rejected(csv_error(e))),
        Some(Ok(rec)) => match Header::parse(&rec.iter().collect::<Vec<_>>()) {
            Ok(h) => h,
            Err(errors) => return Ok(ImportOutcome { errors, ..Default::default() }),
        },
    };
    let rows = records.map(|r| -> Result<AccountRecord, Vec<RowError>> {
        let rec = r.map_err(|e| vec![csv_error(e)])?;
        let line = rec.position().map_or(0, |p| p.line());
        header.record(line, &rec.iter().collect::<Vec<_>>())
    });
    db.import_accounts(rows, mode, source, actor).await
}

fn rejected(e: RowError) -> ImportOutcome {
    ImportOutcome { errors: vec![e], ..Default::default() }
}

fn csv_error(e: csv::Error) -> RowError {
    let line = e.position().map_or(0, |p| p.line());
    let reason = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8 text".to_string(),
        _ => format!("cannot be read as CSV ({e})"),
    };
    RowError { line, column: "*".into(), reason }
}
