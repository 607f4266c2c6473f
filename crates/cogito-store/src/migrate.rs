//! Applying a database's migrations without serving it (`cogito migrate`), and saying which
//! ones that applied. The migrations themselves are each backend's (`sqlite::MIGRATIONS`,
//! `postgres::MIGRATIONS`), run exactly as [`crate::open_store`] runs them, so on PostgreSQL
//! several instances may migrate at once (advisory lock).

use std::str::FromStr;

use cogito_core::store::StoreError;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

/// What [`migrate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// The migrations this run applied, `(version, description)`, oldest first (empty when the
    /// database was up to date).
    pub applied: Vec<(i64, String)>,
    /// The newest migration the database now has.
    pub current: Option<(i64, String)>,
}

/// Migrates the database named by `url` (a missing SQLite file is created) to the current
/// schema.
///
/// # Errors
/// [`StoreError::Unavailable`] for an invalid URL or unsupported scheme, or when the database
/// cannot be reached or a migration fails.
pub async fn migrate(url: &str) -> Result<MigrationReport, StoreError> {
    let (backend, before, after) = match crate::scheme(url)?.as_str() {
        "sqlite" => {
            let before = sqlite_applied(url).await?;
            crate::SqliteStore::open(url).await?;
            ("sqlite", before, sqlite_applied(url).await?)
        }
        "postgres" | "postgresql" => {
            let before = postgres_applied(url).await?;
            crate::postgres::migrate(url).await?;
            ("postgres", before, postgres_applied(url).await?)
        }
        other => {
            return Err(StoreError::Unavailable(format!(
                "unsupported database URL scheme `{other}` (supported: sqlite, postgres)"
            )));
        }
    };
    let current = after.last().cloned();
    let applied = after.into_iter().filter(|m| !before.contains(m)).collect();
    Ok(MigrationReport {
        backend,
        applied,
        current,
    })
}

fn failed(e: sqlx::Error) -> StoreError {
    StoreError::Unavailable(format!("reading the applied migrations: {e}"))
}

const APPLIED: &str =
    "SELECT version, description FROM _sqlx_migrations WHERE success ORDER BY version";

/// The migrations recorded in a SQLite database; none for a file that does not exist yet.
async fn sqlite_applied(url: &str) -> Result<Vec<(i64, String)>, StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Unavailable(format!("invalid SQLite URL: {e}")))?;
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    if in_memory || !options.get_filename().exists() {
        return Ok(Vec::new());
    }
    let mut conn = SqliteConnection::connect_with(&options.create_if_missing(false))
        .await
        .map_err(failed)?;
    let exists: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut conn)
    .await
    .map_err(failed)?;
    let applied = if exists > 0 {
        sqlx::query_as(APPLIED)
            .fetch_all(&mut conn)
            .await
            .map_err(failed)?
    } else {
        Vec::new()
    };
    let _ = conn.close().await;
    Ok(applied)
}

/// The migrations recorded in a PostgreSQL database.
async fn postgres_applied(url: &str) -> Result<Vec<(i64, String)>, StoreError> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Unavailable(format!("invalid PostgreSQL URL: {e}")))?
        .application_name("cogito migrate");
    let mut conn = PgConnection::connect_with(&options)
        .await
        .map_err(|e| StoreError::Unavailable(format!("connecting to PostgreSQL: {e}")))?;
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut conn)
        .await
        .map_err(failed)?;
    let applied = if exists {
        sqlx::query_as(APPLIED)
            .fetch_all(&mut conn)
            .await
            .map_err(failed)?
    } else {
        Vec::new()
    };
    let _ = conn.close().await;
    Ok(applied)
}
