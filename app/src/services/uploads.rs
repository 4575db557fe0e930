//! File Transfers: an uploaded universal file is saved under
//! `PAYDESK_DATA_DIR/uploads/`, previewed (a dry run: the real import,
//! rolled back), then committed (every valid row in one transaction, the
//! upload's outcome written in the same one) or abandoned.
//!
//! On PostgreSQL several servers may share the work behind a load
//! balancer, so a previewed file is also kept in the database
//! (`upload_chunks`, 1 MiB pieces) until its Commit or Abandon: a Commit
//! that reaches another server copies it to that server's disk first,
//! checked against the upload's SHA-256. Each server deletes its copies of
//! files whose upload has ended (at start-up and after each Commit or
//! Abandon). SQLite, one server, keeps only the file on disk.

use super::accounts_import::{FileKind, import_with};
use super::clock;
use super::progress::{Counted, Progress};
use crate::config::Config;
use crate::db::accounts::{ImportMode, ImportOutcome};
use crate::db::audit::AuditEntry;
use crate::db::uploads::{NewUpload, UploadRow};
use crate::db::{Db, now_ms};
use crate::domain::audit_action::AuditAction;
use crate::domain::division::DivisionScope;
use crate::domain::entitlements::Entitlement;
use crate::domain::staff::StaffUser;
use crate::domain::universal_file::RowError;
use crate::domain::upload_view::{UploadDetail, UploadStatus, UploadSummary, human_size};
use crate::error::AppError;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How many uploads Recent Uploads lists.
const RECENT: i64 = 50;

/// The size of one piece of a file kept in the database: what one server
/// holds in memory at a time while sharing or fetching it.
const CHUNK: usize = 1 << 20;

/// Whether other servers may need this server's files (PostgreSQL).
fn shared(db: &Db) -> bool {
    matches!(db, Db::Postgres(_))
}

fn dir(config: &Config) -> PathBuf {
    config.data_dir.join("uploads")
}

fn file_of(config: &Config, id: i64) -> PathBuf {
    dir(config).join(format!("{id}.csv"))
}

fn incident(what: &str, e: impl std::fmt::Display) -> AppError {
    let incident = super::incident_id();
    tracing::error!(incident = %incident, error = %e, "{what}");
    AppError::Internal(incident)
}

/// Names of files still arriving (or dropped mid-way by a crash).
const INCOMING_PREFIX: &str = "incoming-";

/// A temporary file that is deleted when this is dropped, unless it was
/// handed over with [`TempFile::keep`]: a second file field, an empty file
/// name, a refused form, a client that hangs up or times out (the request's
/// future is dropped) all leave nothing behind.
#[derive(Debug)]
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl TempFile {
    /// The file is someone else's now (renamed on purpose).
    fn keep(mut self) {
        self.armed = false;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        // Synchronous on purpose: Drop cannot await, and one unlink is quick.
        match std::fs::remove_file(&self.path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %self.path.display(), error = %e, "cannot delete a temporary upload")
            }
        }
    }
}

/// A file arriving: written to disk as it streams in, hashed on the way,
/// and refused past the size limit. Dropped before [`receive`] keeps it,
/// the file is deleted.
pub struct Incoming {
    temp: TempFile,
    file: tokio::fs::File,
    hasher: Sha256,
    size: u64,
    max: u64,
}

impl Incoming {
    pub async fn start(config: &Config) -> Result<Incoming, AppError> {
        let d = dir(config);
        super::private_files::ensure_private_dir_async(&d)
            .await
            .map_err(|e| incident("cannot create the uploads folder", e))?;
        let path = d.join(format!("{INCOMING_PREFIX}{}", super::lifecycle::new_key()));
        let std_file = super::private_files::create_private(&path)
            .map_err(|e| incident("cannot create an upload file", e))?;
        Ok(Incoming {
            temp: TempFile { path, armed: true },
            file: tokio::fs::File::from_std(std_file),
            hasher: Sha256::new(),
            size: 0,
            max: config.upload_max_bytes,
        })
    }

    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), AppError> {
        use tokio::io::AsyncWriteExt;
        self.size += chunk.len() as u64;
        if self.size > self.max {
            // The caller drops this, and the file with it.
            return Err(too_large(self.max));
        }
        self.hasher.update(chunk);
        self.file
            .write_all(chunk)
            .await
            .map_err(|e| incident("cannot write an upload", e))
    }

    async fn finish(mut self) -> Result<(TempFile, u64, String), AppError> {
        use tokio::io::AsyncWriteExt;
        self.file
            .flush()
            .await
            .map_err(|e| incident("cannot write an upload", e))?;
        Ok((self.temp, self.size, hex::encode(self.hasher.finalize())))
    }

    /// Drops a file that will not be previewed (the form was refused).
    pub async fn discard(self) {
        drop(self);
    }
}

/// How long an arriving file may go unwritten before the start-up sweep
/// takes it for one a crash left behind.
pub const STALE_INCOMING: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes arriving files nobody has written to for `older_than`: what a
/// crash (or a kill) left in the uploads folder. Run at start-up. Returns
/// how many it deleted.
pub fn sweep_stale_incoming(config: &Config, older_than: std::time::Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir(config)) else {
        return 0;
    };
    let now = std::time::SystemTime::now();
    let mut deleted = 0;
    for e in entries.filter_map(Result::ok) {
        let stale = e.file_name().to_string_lossy().starts_with(INCOMING_PREFIX)
            && e.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).unwrap_or_default() >= older_than);
        if stale && std::fs::remove_file(e.path()).is_ok() {
            deleted += 1;
        }
    }
    if deleted > 0 {
        tracing::info!(files = deleted, "deleted stale temporary uploads");
    }
    deleted
}

pub fn too_large_message(max: u64) -> String {
    format!(
        "The file is larger than {}. Split it, or ask for a higher PAYDESK_UPLOAD_MAX_MB.",
        human_size(max as i64)
    )
}

pub fn too_large(max: u64) -> AppError {
    AppError::field("file", too_large_message(max))
}

/// Reads the upload at `path` as `mode` says, as an upload for `division`
/// (`None`: every division).
#[allow(clippy::too_many_arguments)]
async fn run(
    db: &Db,
    path: &Path,
    kind: FileKind,
    mode: ImportMode,
    name: &str,
    actor: &str,
    division: Option<i64>,
    progress: Option<Arc<Progress>>,
) -> Result<ImportOutcome, AppError> {
    let file = std::fs::File::open(path).map_err(|e| incident("cannot open an upload", e))?;
    let input = Counted {
        inner: std::io::BufReader::new(file),
        progress,
    };
    Ok(import_with(db, input, kind, mode, name, Some(actor), division).await?)
}

/// A category file sets what payers are charged, so it takes Manage
/// Category as well as Uploads (the caller checked Uploads).
fn may_upload(staff: &StaffUser, kind: FileKind) -> Result<(), AppError> {
    if kind == FileKind::Categories && !staff.can(Entitlement::Categories) {
        return Err(AppError::field(
            "file",
            "A category file needs the Manage Category entitlement.",
        ));
    }
    Ok(())
}

/// Upload: previews the file that arrived and records the upload. A file
/// that cannot be read at all is recorded Unprocessed and not kept.
/// `progress` follows the preview for the page's progress bar. The upload
/// is for the division chosen in the selector, if one is
/// (docs/divisions.md#uploads); its commit keeps to it.
#[allow(clippy::too_many_arguments)]
pub async fn receive(
    db: &Db,
    config: &Config,
    staff: &StaffUser,
    kind: FileKind,
    file_name: &str,
    incoming: Incoming,
    ip: Option<&str>,
    progress: Option<Arc<Progress>>,
) -> Result<i64, AppError> {
    // On an error `incoming` is dropped, and the file with it.
    may_upload(staff, kind)?;
    let name: String = file_name
        .chars()
        .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
        .take(200)
        .collect();
    let name = if name.trim().is_empty() {
        "upload.csv".to_string()
    } else {
        name
    };
    let (temp, size, sha256) = incoming.finish().await?;
    let path = temp.path.clone();
    if let Some(p) = &progress {
        p.begin(size);
    }
    let preview = match size {
        0 => ImportOutcome {
            errors: vec![RowError {
                line: 1,
                column: "*".into(),
                reason: "the file is empty".into(),
            }],
            ..Default::default()
        },
        // On an error `temp` is dropped, and the file with it.
        _ => {
            run(
                db,
                &path,
                kind,
                ImportMode::Preview,
                &name,
                &staff.login,
                staff.viewing,
                progress,
            )
            .await?
        }
    };
    let preview = if preview.rows == 0 && preview.errors.is_empty() {
        ImportOutcome {
            errors: vec![RowError {
                line: 2,
                column: "*".into(),
                reason: "the file has a header but no rows".into(),
            }],
            ..preview
        }
    } else {
        preview
    };
    let status = if preview.status() == "unprocessed" {
        "unprocessed"
    } else {
        "previewed"
    };
    let new = NewUpload {
        kind: kind.code(),
        file_name: &name,
        size_bytes: size as i64,
        sha256: &sha256,
        uploaded_by: staff.id,
        now: now_ms(),
        division: staff.viewing,
    };
    let after = serde_json::json!({ "kind": kind.code(), "file": name, "bytes": size, "rows": preview.rows, "rejected": preview.rejected, "status": status, "division": staff.viewing }).to_string();
    let entry = AuditEntry {
        actor_id: Some(staff.id),
        actor_login: Some(&staff.login),
        after: Some(&after),
        ip,
        division: new.division,
        ..AuditEntry::new(new.now, AuditAction::UploadPreview)
    };
    let id = db.insert_upload(&new, status, &preview, &entry).await?;
    if status == "previewed" {
        let kept = file_of(config, id);
        tokio::fs::rename(&path, &kept)
            .await
            .map_err(|e| incident("cannot keep an upload", e))?;
        temp.keep();
        if shared(db) {
            share(db, id, &kept).await?;
        }
    }
    // Otherwise `temp` goes out of scope here and deletes the file.
    Ok(id)
}

/// Copies upload `id`'s file into the database for the other servers.
async fn share(db: &Db, id: i64, path: &Path) -> Result<(), AppError> {
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| incident("cannot read an upload to share it", e))?;
    let mut buf = vec![0u8; CHUNK];
    let mut seq = 0i64;
    loop {
        // Fill the piece whole (a read may return less) unless the file ends.
        let mut filled = 0;
        while filled < CHUNK {
            let n = file
                .read(&mut buf[filled..])
                .await
                .map_err(|e| incident("cannot read an upload to share it", e))?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        if filled == 0 {
            return Ok(());
        }
        db.put_upload_chunk(id, seq, &buf[..filled]).await?;
        seq += 1;
    }
}

/// Upload `u`'s file on this server's disk: kept here at its preview, or
/// copied from the database (PostgreSQL) when the preview ran on another
/// server, and checked against the upload's size and SHA-256.
async fn local_file(db: &Db, config: &Config, u: &UploadRow) -> Result<PathBuf, AppError> {
    let path = file_of(config, u.id);
    if !shared(db) || tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Ok(path);
    }
    let mut copy = Incoming::start(config).await?;
    let mut seq = 0i64;
    while let Some(bytes) = db.upload_chunk(u.id, seq).await? {
        copy.write(&bytes).await?;
        seq += 1;
    }
    let (temp, size, sha256) = copy.finish().await?;
    if size != u.size_bytes.max(0) as u64 || sha256 != u.sha256 {
        // `temp` is dropped, and the partial copy with it.
        return Err(AppError::Conflict(
            "This upload's file did not reach this server whole. Abandon it and upload the file again."
                .into(),
        ));
    }
    tokio::fs::rename(&temp.path, &path)
        .await
        .map_err(|e| incident("cannot keep an upload", e))?;
    temp.keep();
    Ok(path)
}

/// The end of an upload's file: this server's copy, the database's, and
/// this server's copies of other uploads that ended elsewhere.
async fn forget_file(db: &Db, config: &Config, id: i64) -> Result<(), AppError> {
    let _ = tokio::fs::remove_file(file_of(config, id)).await;
    if shared(db) {
        db.drop_upload_chunks(id).await?;
        sweep_finished(db, config).await?;
    }
    Ok(())
}

/// Deletes this server's copies of files whose upload was committed or
/// abandoned, perhaps on another server. Run at start-up too. Returns how
/// many it deleted.
pub async fn sweep_finished(db: &Db, config: &Config) -> Result<usize, AppError> {
    let Ok(entries) = std::fs::read_dir(dir(config)) else {
        return Ok(0);
    };
    let ids: Vec<i64> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".csv"))
                .and_then(|n| n.parse().ok())
        })
        .collect();
    let mut deleted = 0;
    for id in db.finished_uploads(&ids).await? {
        if tokio::fs::remove_file(file_of(config, id)).await.is_ok() {
            deleted += 1;
        }
    }
    Ok(deleted)
}

async fn waiting(db: &Db, id: i64) -> Result<UploadRow, AppError> {
    db.upload(id)
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such upload.".into()))
}

/// Commit: applies every valid row, once. A second Commit (double click,
/// second tab) finds it claimed and changes nothing.
/// `progress` follows it for the page's progress bar.
pub async fn commit(
    db: &Db,
    config: &Config,
    staff: &StaffUser,
    id: i64,
    ip: Option<&str>,
    progress: Option<Arc<Progress>>,
) -> Result<UploadStatus, AppError> {
    let u = waiting(db, id).await?;
    may_upload(staff, FileKind::decode(&u.kind)?).map_err(|_| AppError::Forbidden)?;
    let object = format!("upload {id}");
    if !db
        .claim_upload(
            id,
            "committing",
            staff.id,
            &AuditEntry {
                division: u.division_id,
                ..AuditEntry::by_staff(staff, AuditAction::UploadCommit, &object, ip)
            },
        )
        .await?
    {
        // Someone else moved it first: say where it is now.
        let now = waiting(db, id).await?;
        return match UploadStatus::from_code(&now.status) {
            Some(
                s
                @ (UploadStatus::Success | UploadStatus::LimitedErrors | UploadStatus::Committing),
            ) => Ok(s),
            _ => Err(AppError::Conflict(format!(
                "This upload is {} and cannot be committed.",
                status_label(&now.status)
            ))),
        };
    }
    let path = match local_file(db, config, &u).await {
        Ok(path) => path,
        Err(e) => {
            db.release_upload(id).await?;
            return Err(e);
        }
    };
    if let Some(p) = &progress {
        p.begin(u.size_bytes.max(0) as u64);
    }
    let kind = FileKind::decode(&u.kind)?;
    let out = match run(
        db,
        &path,
        kind,
        ImportMode::Commit { upload_id: id },
        &u.file_name,
        &staff.login,
        u.division_id,
        progress,
    )
    .await
    {
        Ok(out) => out,
        Err(e) => {
            db.release_upload(id).await?;
            return Err(e);
        }
    };
    forget_file(db, config, id).await?;
    // What a file changed for automatic payments happens now rather than
    // at the scheduler's next pass (which would do it too): plans on
    // accounts it made inactive are cancelled, and new bills are planned.
    match kind {
        FileKind::Accounts => {
            super::scheduler::cancel_on_inactive_accounts(db).await?;
        }
        FileKind::Bills => {
            super::scheduler::plan_bills(db, super::clock::today(&config.timezone)).await?;
        }
        FileKind::Categories => {}
    }
    Ok(UploadStatus::decode(out.status())?)
}

fn status_label(code: &str) -> &str {
    UploadStatus::from_code(code).map_or(code, |s| s.label())
}

/// Abandon: nothing is applied and the file is deleted.
pub async fn abandon(
    db: &Db,
    config: &Config,
    staff: &StaffUser,
    id: i64,
    ip: Option<&str>,
) -> Result<(), AppError> {
    let u = waiting(db, id).await?;
    if !db
        .claim_upload(
            id,
            "abandoned",
            staff.id,
            &AuditEntry {
                division: u.division_id,
                ..AuditEntry::by_staff(
                    staff,
                    AuditAction::UploadAbandon,
                    &format!("upload {id}"),
                    ip,
                )
            },
        )
        .await?
    {
        let u = waiting(db, id).await?;
        if u.status == "abandoned" {
            return Ok(());
        }
        return Err(AppError::Conflict(format!(
            "This upload is {} and cannot be abandoned.",
            status_label(&u.status)
        )));
    }
    forget_file(db, config, id).await
}

fn summary(u: UploadRow, tz: &str) -> Result<UploadSummary, crate::domain::UnknownCode> {
    Ok(UploadSummary {
        id: u.id,
        kind: FileKind::decode(&u.kind)?.label().into(),
        size: human_size(u.size_bytes),
        uploaded_at: clock::display(u.uploaded_at, tz),
        status: UploadStatus::decode(&u.status)?,
        file_name: u.file_name,
        uploaded_by: u.uploaded_by_login,
        rows: u.rows_read,
        created: u.created,
        updated: u.updated,
        rejected: u.rejected,
        division: u.division_name,
    })
}

/// File Transfers' list: the newest uploads of the divisions `shown`.
pub async fn recent(
    db: &Db,
    tz: &str,
    shown: &DivisionScope,
) -> Result<Vec<UploadSummary>, AppError> {
    Ok(db
        .recent_uploads(RECENT, shown)
        .await?
        .into_iter()
        .map(|u| summary(u, tz))
        .collect::<Result<_, _>>()?)
}

pub async fn detail(db: &Db, tz: &str, id: i64) -> Result<UploadDetail, AppError> {
    let u = waiting(db, id).await?;
    let errors = db
        .upload_errors(id)
        .await?
        .into_iter()
        .map(|e| RowError {
            line: e.line.max(0) as u64,
            column: e.column_name,
            reason: e.reason,
        })
        .collect();
    let same_as = match u.status.as_str() {
        "previewed" => db
            .same_content(&u.sha256, id)
            .await?
            .map(|s| summary(s, tz))
            .transpose()?,
        _ => None,
    };
    Ok(UploadDetail {
        summary: summary(u, tz)?,
        errors,
        same_as,
    })
}

/// The refused rows as CSV (formula-safe like the Audit Report's export).
pub async fn errors_csv(db: &Db, id: i64) -> Result<String, AppError> {
    waiting(db, id).await?;
    let mut out = super::csv_out::CsvOut::new();
    out.row(["Line", "Column", "Reason"]);
    for e in db.upload_errors(id).await? {
        out.row([e.line.to_string(), e.column_name, e.reason]);
    }
    // Every cell came from a Rust string, so the bytes are UTF-8.
    Ok(String::from_utf8_lossy(&out.take()).into_owned())
}
