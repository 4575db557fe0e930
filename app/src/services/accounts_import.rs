//! Imports a universal file (accounts and balances), a bill file or a
//! category file (lines for one payer). The CSV
//! streams through the domain checks row by row into one database
//! transaction.

use crate::db::accounts::{ImportMode, ImportOutcome};
use crate::db::{Db, DbError};
use crate::domain::file_rows;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Read;

crate::domain::account::coded_enum!(
    /// What a File Transfers upload holds.
    FileKind {
        Accounts => "accounts", "Universal file",
        Bills => "bills", "Bill file",
        Categories => "categories", "Category file",
    }
);

/// Reads `input` (a file) and applies it whole, or reports why not.
pub async fn import<R: Read>(
    db: &Db,
    input: R,
    source: &str,
    actor: Option<&str>,
) -> Result<ImportOutcome, DbError> {
    import_with(
        db,
        input,
        FileKind::Accounts,
        ImportMode::AllOrNothing,
        source,
        actor,
        None,
    )
    .await
}

/// Reads `input` and applies it as `mode` says. A file whose header cannot
/// be used comes back with its errors and `rows` 0: nothing was read.
/// `division`: the upload is one division's (docs/divisions.md#uploads).
pub async fn import_with<R: Read>(
    db: &Db,
    input: R,
    kind: FileKind,
    mode: ImportMode,
    source: &str,
    actor: Option<&str>,
    division: Option<i64>,
) -> Result<ImportOutcome, DbError> {
    let refused = |errors| {
        Ok(ImportOutcome {
            errors,
            ..Default::default()
        })
    };
    match kind {
        FileKind::Accounts => match file_rows::universal_rows(input) {
            Ok(rows) => {
                let out = db
                    .import_accounts(rows, mode, source, actor, division)
                    .await?;
                // As on the account page: the scheduled payments of accounts
                // the file made inactive are cancelled (and the payers told).
                if !matches!(mode, ImportMode::Preview) {
                    let by = super::scheduled::Canceller {
                        actor_id: None,
                        actor_login: actor.unwrap_or("import"),
                        ip: None,
                        why: super::scheduled::FILE_MADE_INACTIVE,
                    };
                    super::scheduled::cancel_on_inactive_accounts(db, &by).await?;
                }
                Ok(out)
            }
            Err(errors) => refused(errors),
        },
        FileKind::Bills => match file_rows::bill_rows(input) {
            Ok(rows) => db.import_bills(rows, mode, source, actor, division).await,
            Err(errors) => refused(errors),
        },
        FileKind::Categories => match file_rows::category_rows(input) {
            Ok(rows) => {
                db.import_categories(rows, mode, source, actor, division)
                    .await
            }
            Err(errors) => refused(errors),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::FileKind;
    use crate::domain::upload_view::CATEGORY_FILE;

    #[test]
    fn the_upload_page_knows_a_category_file_by_its_label() {
        assert_eq!(FileKind::Categories.label(), CATEGORY_FILE);
    }
}
