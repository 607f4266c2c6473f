//! Storage backends for cogito's store ports ([`cogito_core::store`]).
//!
//! Two backends: [`SqliteStore`] (the default), a single SQLite file in WAL mode with
//! `synchronous=FULL`, so an acknowledged write survives a crash; and [`PostgresStore`], which any
//! number of cogito instances share. Callers normally do not name the backend at all:
//! [`open_store`] picks it from the scheme of a database URL and hands back the ports as one
//! `Arc<dyn Store>`.
//!
//! Each backend lives in its own module with its own SQL and its own migrations directory
//! (`migrations/<backend>/`); the only code shared between backends is the SQL-free private
//! `paging` module (page sizes, opaque cursors, prefix bounds). Two installation tools sit
//! beside the backends: [`migrate::migrate`] (apply the migrations and say which) and
//! [`copy::copy_installation`] (move every row of an installation to another database, across
//! backends).

use std::sync::Arc;

use cogito_core::store::{Store, StoreError};

pub mod copy;
pub mod migrate;
mod paging;
pub mod postgres;
mod records;
pub mod sqlite;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Opens the store named by a database URL, choosing the backend from the URL scheme.
///
/// Supported: `sqlite://path/to/file.db` (relative), `sqlite:///abs/path.db`, `sqlite::memory:`
/// (the file is created if missing), and `postgres://user@host:port/db` or `postgresql://…`
/// (the database must exist). Either is migrated to the current schema.
///
/// # Errors
/// [`StoreError::Unavailable`] for an unparseable URL, an unsupported scheme, or when the
/// database cannot be opened or migrated.
pub async fn open_store(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    match scheme(url)?.as_str() {
        "sqlite" => Ok(Arc::new(SqliteStore::open(url).await?)),
        "postgres" | "postgresql" => Ok(Arc::new(PostgresStore::open(url).await?)),
        other => Err(StoreError::Unavailable(format!(
            "unsupported database URL scheme `{other}` (supported: sqlite, postgres)"
        ))),
    }
}

/// The scheme of a database URL, which names its backend.
fn scheme(url: &str) -> Result<String, StoreError> {
    Ok(url::Url::parse(url)
        .map_err(|e| StoreError::Unavailable(format!("invalid database URL: {e}")))?
        .scheme()
        .to_owned())
}
