//! `paydesk backup PATH` (docs/deploy.md, "Backups"): a consistent copy of
//! a SQLite database while the server runs. The copy is made by SQLite's
//! `VACUUM INTO` in one read transaction, so payments keep being taken, into
//! a new file created first with mode 0600 (it holds what the database
//! holds). PostgreSQL has pg_dump for this.

use crate::db::{Db, DbError};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "paydesk backup copies a SQLite database; for PostgreSQL use pg_dump -Fc (docs/deploy.md)"
    )]
    Postgres,
    #[error("cannot write the backup {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Copies `db` to `path`, which must not exist yet.
pub async fn backup(db: &Db, path: &Path) -> Result<(), BackupError> {
    if matches!(db, Db::Postgres(_)) {
        return Err(BackupError::Postgres);
    }
    // Made empty first, so it is private from the start and never replaces
    // a file (VACUUM INTO takes an empty file).
    super::private_files::create_private(path).map_err(|source| BackupError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let done = db.vacuum_into(&path.to_string_lossy()).await;
    if done.is_err() {
        // Half a copy is worse than none: nobody should restore from it.
        let _ = std::fs::remove_file(path);
    }
    Ok(done?)
}
