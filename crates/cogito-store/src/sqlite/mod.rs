//! The SQLite backend: [`SqliteStore`] owns the connection pool (WAL, `synchronous=FULL`,
//! foreign keys on, a busy timeout) and the embedded migrations of `migrations/sqlite/`, and
//! implements every store port in the sibling modules, one per port family. This module also
//! holds the helpers all of them share: write transactions and the translation of SQLite errors
//! into [`StoreError`].
//!
//! Concurrency model: reads run on any pooled connection; every multi-statement write runs in a
//! `BEGIN IMMEDIATE` transaction, so writers queue on SQLite's write lock (waiting up to the busy
//! timeout) instead of failing with a lock-upgrade deadlock. A lock still held after the timeout
//! becomes [`StoreError::Unavailable`].

use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use cogito_core::store::{StoreError, StoreResult, UniqueKey};
use sqlx::error::ErrorKind;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{SqlSafeStr, Sqlite, Transaction};

use crate::records::{decode, encode, from_json, to_json};

mod clients;
mod devices;
mod effects;
mod groups;
mod import_jobs;
mod keys;
mod lockout;
mod maintenance;
mod oauth;
mod outbox;
mod pools;
mod readers;
mod sessions;
mod user_list;
mod users;

/// How long a statement waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections in the pool of a file database. SQLite has one writer at a time; a few
/// connections let reads proceed next to it.
const MAX_CONNECTIONS: u32 = 4;

/// The migrations of `migrations/sqlite/`, in order. Append-only: a new file gets a new entry
/// here and is never edited after release. (Embedded with `include_str!` rather than
/// `sqlx::migrate!`, whose proc macro needs sqlx's `macros` feature; version and checksum are the
/// ones `sqlx::migrate!` would record, so the two are interchangeable.)
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "oauth",
        include_str!("../../migrations/sqlite/0002_oauth.sql"),
    ),
    (
        3,
        "refresh rotation",
        include_str!("../../migrations/sqlite/0003_refresh_rotation.sql"),
    ),
    (
        4,
        "counters and purge",
        include_str!("../../migrations/sqlite/0004_counters_and_purge.sql"),
    ),
    (
        5,
        "config versions",
        include_str!("../../migrations/sqlite/0005_config_versions.sql"),
    ),
    (
        6,
        "revisions",
        include_str!("../../migrations/sqlite/0006_revisions.sql"),
    ),
    (
        7,
        "srp verifiers",
        include_str!("../../migrations/sqlite/0007_srp_verifiers.sql"),
    ),
    (
        8,
        "unknown login failures",
        include_str!("../../migrations/sqlite/0008_unknown_login_failures.sql"),
    ),
    (
        9,
        "mfa",
        include_str!("../../migrations/sqlite/0009_mfa.sql"),
    ),
    (
        10,
        "devices",
        include_str!("../../migrations/sqlite/0010_devices.sql"),
    ),
    (
        11,
        "used nonces",
        include_str!("../../migrations/sqlite/0011_used_nonces.sql"),
    ),
    (
        12,
        "auth sessions without user",
        include_str!("../../migrations/sqlite/0012_auth_sessions_without_user.sql"),
    ),
    (
        13,
        "import jobs",
        include_str!("../../migrations/sqlite/0013_import_jobs.sql"),
    ),
    (
        14,
        "outbox delivery",
        include_str!("../../migrations/sqlite/0014_outbox_delivery.sql"),
    ),
];

/// The SQLite implementation of every store port ([`cogito_core::store::Store`]).
///
/// Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    faults: std::sync::Arc<FaultPlan>,
    /// Read-only connections for the hot point reads (see `readers`); `None` in memory, where
    /// every connection would be another database.
    readers: Option<std::sync::Arc<readers::Readers>>,
}

/// Test hook: fail the Nth fault point of multi-statement writes (between the statements of a
/// transaction) with `Unavailable`, to show that nothing is left half done. Off unless armed.
#[derive(Debug, Default)]
pub struct FaultPlan {
    countdown: std::sync::atomic::AtomicI64,
    /// `PRAGMA max_page_count` for new connections (0 = none), see `limit_pages`.
    page_cap: std::sync::atomic::AtomicI64,
}

impl SqliteStore {
    /// Opens (creating if missing) the database named by a `sqlite:` URL and migrates it.
    ///
    /// Accepts `sqlite://relative/path.db`, `sqlite:///absolute/path.db` and `sqlite::memory:`
    /// (a private in-memory database on a single connection, for tests).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the URL is invalid or the database cannot be opened or
    /// migrated.
    pub async fn open(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unavailable(format!("invalid SQLite URL: {e}")))?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        Self::connect(options, in_memory).await
    }

    /// Opens (creating if missing) the database file at `path` and migrates it.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be opened or migrated.
    pub async fn open_path(path: &Path) -> Result<SqliteStore, StoreError> {
        Self::connect(SqliteConnectOptions::new().filename(path), false).await
    }

    async fn connect(options: SqliteConnectOptions, in_memory: bool) -> StoreResult<Self> {
        let path = options.get_filename().to_path_buf();
        let faults = std::sync::Arc::new(FaultPlan::default());
        let page_cap = faults.clone();
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool_options = if in_memory {
            // Every connection to `:memory:` would be its own database: keep exactly one alive.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(MAX_CONNECTIONS)
        }
        // A connection whose transaction could not be ended (SQLite may roll a transaction back
        // itself when COMMIT fails with SQLITE_FULL; sqlx's queued ROLLBACK then fails and leaves
        // its depth counter at 1) must not be reused: every later BEGIN on it would fail.
        // `ping` first runs any queued rollback.
        .after_release(|conn, _meta| {
            Box::pin(async move {
                use sqlx::Connection;
                let ok = conn.ping().await.is_ok() && !conn.is_in_transaction();
                if !ok {
                    tracing::warn!("discarding a SQLite connection left inside a transaction");
                }
                Ok(ok)
            })
        })
        .after_connect(move |conn, _meta| {
            let cap = page_cap.page_cap.load(std::sync::atomic::Ordering::SeqCst);
            Box::pin(async move {
                if cap > 0 {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "PRAGMA max_page_count = {cap}"
                    )))
                    .execute(&mut *conn)
                    .await?;
                }
                Ok(())
            })
        });
        let pool = pool_options.connect_with(options).await.map_err(db_err)?;
        migrator().run(&pool).await.map_err(|e| {
            StoreError::Unavailable(format!("migrating the SQLite database failed: {e}"))
        })?;
        let readers = (!in_memory).then(|| std::sync::Arc::new(readers::Readers::new(path)));
        Ok(Self {
            pool,
            faults,
            readers,
        })
    }

    /// Test hook: the `n`th fault point from now (1 = the next) fails with `Unavailable`;
    /// `0` disarms.
    pub fn inject_fault_after(&self, n: i64) {
        self.faults
            .countdown
            .store(n, std::sync::atomic::Ordering::SeqCst);
    }

    /// Test hook for disk-full tests (REL-13): caps the database at its current size plus
    /// `extra_pages` on every pooled connection (`PRAGMA max_page_count` is per connection), or
    /// lifts the cap with `None`. Returns the page count when it was applied.
    pub async fn limit_pages(&self, extra_pages: Option<i64>) -> StoreResult<i64> {
        let mut held = Vec::new();
        for _ in 0..MAX_CONNECTIONS {
            held.push(self.pool.acquire().await.map_err(db_err)?);
        }
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(&mut *held[0])
            .await
            .map_err(db_err)?;
        let cap = extra_pages.map_or(1_073_741_823, |extra| pages + extra);
        self.faults.page_cap.store(
            if extra_pages.is_some() { cap } else { 0 },
            std::sync::atomic::Ordering::SeqCst,
        );
        for conn in &mut held {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "PRAGMA max_page_count = {cap}"
            )))
            .execute(&mut **conn)
            .await
            .map_err(db_err)?;
        }
        Ok(pages)
    }

    /// The plan SQLite chooses for a `ListUsers` page query (`EXPLAIN QUERY PLAN`, one line per
    /// step), for benchmarks and diagnostics; `None` when the filter cannot match any user.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database fails.
    pub async fn explain_list_users(
        &self,
        pool_id: &str,
        filter: Option<&cogito_core::store::UserFilter>,
    ) -> StoreResult<Option<String>> {
        user_list::explain(self, pool_id, filter).await
    }

    /// `PRAGMA integrity_check`: `"ok"` for a sound database.
    pub async fn integrity_check(&self) -> StoreResult<String> {
        sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)
    }

    /// A fault point (see [`FaultPlan`]).
    fn fault(&self, at: &str) -> StoreResult<()> {
        use std::sync::atomic::Ordering;
        let armed = self
            .faults
            .countdown
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n > 0).then(|| n - 1)
            });
        match armed {
            Ok(1) => Err(StoreError::Unavailable(format!("injected fault at {at}"))),
            _ => Ok(()),
        }
    }

    /// Starts a write transaction that holds SQLite's write lock from its first statement.
    async fn write_tx(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_err)
    }
}

fn migrator() -> Migrator {
    migrator_of(MIGRATIONS)
}

/// A migrator for a prefix of [`MIGRATIONS`] (tests upgrade databases from older versions).
fn migrator_of(migrations: &[(i64, &'static str, &'static str)]) -> Migrator {
    let migrations = migrations
        .iter()
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                Cow::Borrowed(description),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

/// Commits a transaction.
async fn commit(tx: Transaction<'static, Sqlite>) -> StoreResult<()> {
    tx.commit().await.map_err(db_err)
}

/// Translates an sqlx error: no row → `NotFound`, unique violation → `Conflict(Id)`, foreign-key
/// violation (a parent row is missing) → `NotFound`, anything else → `Unavailable`.
fn db_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(db) => match db.kind() {
            ErrorKind::UniqueViolation => StoreError::Conflict(UniqueKey::Id),
            ErrorKind::ForeignKeyViolation => StoreError::NotFound,
            _ if is_busy(db.code().as_deref()) => {
                tracing::warn!(error = %e, "SQLite lock not acquired within the busy timeout");
                StoreError::Unavailable(format!("database busy: {e}"))
            }
            _ => StoreError::Unavailable(e.to_string()),
        },
        _ => StoreError::Unavailable(e.to_string()),
    }
}

/// Whether an extended SQLite result code is `SQLITE_BUSY` (5) or `SQLITE_LOCKED` (6).
fn is_busy(code: Option<&str>) -> bool {
    code.and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| matches!(c & 0xff, 5 | 6))
}

/// Whether an sqlx error is a unique-constraint violation.
fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == ErrorKind::UniqueViolation)
}

/// `NotFound` unless a statement touched at least one row.
fn require_row(rows_affected: u64) -> StoreResult<()> {
    if rows_affected == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Reads an integer column that holds a `u32`.
fn to_u32(value: i64) -> StoreResult<u32> {
    u32::try_from(value)
        .map_err(|_| StoreError::Unavailable(format!("counter out of range in database: {value}")))
}

/// The `LIMIT` bound of a page query: one more row than the page size, to learn whether more
/// rows exist.
fn fetch_limit(size: u32) -> i64 {
    i64::from(size) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn connections_are_durable_and_enforce_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_path(&dir.path().join("p.db"))
            .await
            .unwrap();
        let mut conn = store.pool.acquire().await.unwrap();
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(journal, "wal");
        assert_eq!(synchronous, 2, "synchronous=FULL");
        assert_eq!(foreign_keys, 1);
        assert_eq!(busy, 5000);
    }

    #[tokio::test]
    async fn reopening_does_not_rerun_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/m.db", dir.path().display());
        drop(SqliteStore::open(&url).await.unwrap());
        let store = SqliteStore::open(&url).await.unwrap();
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(applied, i64::try_from(MIGRATIONS.len()).unwrap());
    }

    #[tokio::test]
    async fn upgrading_from_version_1_keeps_refresh_sessions() {
        use cogito_core::store::SessionStore;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .foreign_keys(true);
        let v1 = SqlitePool::connect_with(options).await.unwrap();
        migrator_of(&MIGRATIONS[..1]).run(&v1).await.unwrap();
        for sql in [
            "INSERT INTO pools (id, record) VALUES ('p', '{}')",
            "INSERT INTO users (pool_id, sub, username, username_norm, status, enabled, \
             password_set_ms, password_history, attributes, created_ms, modified_ms, \
             failed_attempts, locked_until_ms, last_failure_ms) \
             VALUES ('p', 's', 'u', 'u', 'CONFIRMED', 1, 0, '[]', '{}', 0, 0, 0, 0, 0)",
            "INSERT INTO refresh_sessions (origin_jti, token_hash, pool_id, client_id, user_sub, \
             auth_time, created_ms, expires_ms) VALUES ('jti', 'th', 'p', 'c', 's', 1, 2, 3)",
        ] {
            sqlx::query(sql).execute(&v1).await.unwrap();
        }
        v1.close().await;

        let store = SqliteStore::open_path(&path).await.unwrap();
        let old = store.get_refresh_by_origin("jti").await.unwrap();
        assert_eq!((old.token_hash.as_str(), old.scope), ("th", None));
        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        let all: Vec<i64> = MIGRATIONS.iter().map(|m| m.0).collect();
        assert_eq!(versions, all);
    }

    #[tokio::test]
    async fn in_memory_database_is_shared_by_the_store() {
        let store = SqliteStore::open("sqlite::memory:").await.unwrap();
        sqlx::query("INSERT INTO settings (name, value) VALUES ('a', 'b')")
            .execute(&store.pool)
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM settings")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn busy_codes() {
        assert!(is_busy(Some("5")));
        assert!(is_busy(Some("517"))); // SQLITE_BUSY_SNAPSHOT
        assert!(is_busy(Some("6")));
        assert!(!is_busy(Some("2067"))); // SQLITE_CONSTRAINT_UNIQUE
        assert!(!is_busy(None));
    }
}
