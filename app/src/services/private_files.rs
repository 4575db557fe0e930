//! Files under `PAYDESK_DATA_DIR` hold secrets (the key, temporary
//! passwords in the outbox, full bank account numbers in ACH files, payer
//! data in uploads), so every folder there is made 0700 and every file 0600:
//! nobody but the server's own user may read them, whatever the umask.

use std::io::Write;
use std::path::Path;

/// Creates `dir` (and any missing parents) readable by the owner only, and
/// tightens it to 0700 if it already exists with wider permissions (a data
/// folder made by an older version was 0755).
pub fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(dir)?;
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    builder.create(dir)
}

pub async fn ensure_private_dir_async(dir: &Path) -> std::io::Result<()> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || ensure_private_dir(&dir))
        .await
        .map_err(std::io::Error::other)?
}

/// Opens a new file readable by the owner only; fails if it exists.
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

/// Writes `path` whole, 0600, through a temporary file in the same folder
/// and a rename, so a reader (or a crash) never sees half of it.
pub fn write_private_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", super::lifecycle::new_key()));
    let written = (|| {
        let mut f = create_private(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

pub async fn write_private_atomically_async(path: &Path, bytes: Vec<u8>) -> std::io::Result<()> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || write_private_atomically(&path, &bytes))
        .await
        .map_err(std::io::Error::other)?
}

/// True when group or others may do anything with `path`.
#[cfg(unix)]
pub fn open_to_others(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o077 != 0
}

#[cfg(not(unix))]
pub fn open_to_others(_meta: &std::fs::Metadata) -> bool {
    false
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_are_0700_and_files_0600_whatever_was_there() {
        let root = tempfile::tempdir().unwrap();
        let nested = root.path().join("data").join("ach");
        ensure_private_dir(&nested).unwrap();
        assert_eq!(mode(&nested), 0o700);
        assert_eq!(mode(&root.path().join("data")), 0o700, "parents too");

        let old = root.path().join("old");
        std::fs::create_dir(&old).unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private_dir(&old).unwrap();
        assert_eq!(mode(&old), 0o700, "an old 0755 folder is tightened");

        let file = nested.join("x.ach");
        write_private_atomically(&file, b"one").unwrap();
        write_private_atomically(&file, b"two").unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read(&file).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(&nested).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left");
    }
}
