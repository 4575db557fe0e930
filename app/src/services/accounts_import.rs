//! Imports a universal file (accounts and balances) or a bill file. The CSV
//! streams through the domain checks row by row into one database
//! transaction.

use crate::db::accounts::{ImportMode, ImportOutcome};
use crate::db::{Db, DbError};
use crate::domain::bill_file::BillHeader;
use crate::domain::universal_file::{Header, RowError};
use std::io::Read;

/// What a File Transfers upload holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Accounts,
    Bills,
}

impl FileKind {
    pub fn code(self) -> &'static str {
        match self {
            FileKind::Accounts => "accounts",
            FileKind::Bills => "bills",
        }
    }

    pub fn from_code(code: &str) -> Option<FileKind> {
        match code {
            "accounts" => Some(FileKind::Accounts),
            "bills" => Some(FileKind::Bills),
            _ => None,
        }
    }
}

/// Reads `input` (a file) and applies it whole, or reports why not.
pub async fn import<R: Read>(db: &Db, input: R, source: &str, actor: Option<&str>) -> Result<ImportOutcome, DbError> {
    import_with(db, input, FileKind::Accounts, ImportMode::AllOrNothing, source, actor).await
}

/// Reads `input` and applies it as `mode` says. A file whose header cannot
/// be used comes back with its errors and `rows` 0: nothing was read.
pub async fn import_with<R: Read>(
    db: &Db,
    input: R,
    kind: FileKind,
    mode: ImportMode,
    source: &str,
    actor: Option<&str>,
) -> Result<ImportOutcome, DbError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        None => return Ok(rejected(RowError { line: 1, column: "*".into(), reason: "the file is empty".into() })),
        Some(Err(e)) => return Ok(rejected(csv_error(e))),
        Some(Ok(rec)) => rec.iter().map(str::to_string).collect(),
    };
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    // Each data row with its line number, or why it could not be read.
    let fields = records.map(|r| {
        let rec = r.map_err(|e| vec![csv_error(e)])?;
        Ok((rec.position().map_or(0, |p| p.line()), rec))
    });
    match kind {
        FileKind::Accounts => {
            let h = match Header::parse(&header) {
                Ok(h) => h,
                Err(errors) => return Ok(ImportOutcome { errors, ..Default::default() }),
            };
            let rows = fields.map(|f| f.and_then(|(line, rec)| h.record(line, &rec.iter().collect::<Vec<_>>())));
            db.import_accounts(rows, mode, source, actor).await
        }
        FileKind::Bills => {
            let h = match BillHeader::parse(&header) {
                Ok(h) => h,
                Err(errors) => return Ok(ImportOutcome { errors, ..Default::default() }),
            };
            let rows = fields.map(|f| f.and_then(|(line, rec)| h.record(line, &rec.iter().collect::<Vec<_>>())));
            db.import_bills(rows, mode, source, actor).await
        }
    }
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
