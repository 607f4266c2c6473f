//! File modes of the data directory: only the service's user may read it. The directory is made
//! 0700 and the database, its WAL/SHM side files and the master key 0600 at every start, so a
//! directory created by hand or by an older version is corrected (and the change logged).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::Context;

/// Files of the data directory that hold secrets or user data.
const PRIVATE_FILES: &[&str] = &["cogito.db", "cogito.db-wal", "cogito.db-shm", "master.key"];

/// Makes the data directory 0700.
pub fn restrict_dir(dir: &Path) -> anyhow::Result<()> {
    set_mode(dir, 0o700)
}

/// Makes the data directory's private files 0600 (those that exist).
pub fn restrict_files(dir: &Path) -> anyhow::Result<()> {
    for name in PRIVATE_FILES {
        let path = dir.join(name);
        if path.exists() {
            set_mode(&path, 0o600)?;
        }
    }
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let current = meta.permissions().mode() & 0o777;
    if current != mode {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("restricting {}", path.display()))?;
        tracing::info!(path = %path.display(), from = format!("{current:o}"), to = format!("{mode:o}"), "restricted file mode");
    }
    Ok(())
}
