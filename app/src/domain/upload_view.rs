//! What File Transfers shows: Recent Uploads and one upload's page.

use super::account::coded_enum;
use super::universal_file::RowError;
use serde::{Deserialize, Serialize};
use std::fmt;

coded_enum!(
    /// Where an upload is: previewed and waiting for Commit or Abandon, or
    /// what its commit found.
    UploadStatus {
        Previewed => "previewed", "Preview: not applied yet",
        Committing => "committing", "Committing",
        Success => "success", "Success",
        LimitedErrors => "limited_errors", "Limited errors",
        Unprocessed => "unprocessed", "Unprocessed",
        Abandoned => "abandoned", "Abandoned",
    }
);

/// One row of Recent Uploads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadSummary {
    pub id: i64,
    /// "Universal file", "Bill file" or [`CATEGORY_FILE`].
    pub kind: String,
    pub file_name: String,
    pub size: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
    pub rows: i64,
    pub created: i64,
    pub updated: i64,
    pub rejected: i64,
    pub status: UploadStatus,
    /// The division it is for (docs/divisions.md#uploads); `None`: every
    /// division.
    #[serde(default)]
    pub division: Option<String>,
}

/// One upload's page: its counts, its refused rows, and a warning when the
/// same content was uploaded before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadDetail {
    pub summary: UploadSummary,
    pub errors: Vec<RowError>,
    pub same_as: Option<UploadSummary>,
}

/// A byte count as people read it.
pub fn human_size(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// The label of a category file's kind (`FileKind::Categories`).
pub const CATEGORY_FILE: &str = "Category file";

/// What an upload's page calls its two counts, before Commit (`waiting`)
/// and after. A category file writes lines and updates accounts (help
/// center D4: success is "Accounts Updated").
pub fn count_labels(kind: &str, waiting: bool) -> (&'static str, &'static str) {
    match (kind == CATEGORY_FILE, waiting) {
        (true, true) => ("Lines to write", "Accounts to update"),
        (true, false) => ("Lines written", "Accounts Updated"),
        (false, true) => ("To create", "To update"),
        (false, false) => ("Created", "Updated"),
    }
}

/// The name of the progress of upload `id`'s commit, known to server and
/// page alike.
pub fn commit_token(id: i64) -> String {
    format!("commit-{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(100 * 1024 * 1024), "100.0 MB");
    }
}
