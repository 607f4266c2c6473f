//! The PostgreSQL backend: [`PostgresStore`] owns a bounded connection pool with per-connection
//! timeouts and the embedded migrations of `migrations/postgres/`, and implements every store
//! port in the sibling modules, one per port family (mirroring `sqlite/`). This module also holds
//! the helpers all of them share: transactions, the fault hook, and the translation of
//! PostgreSQL errors into [`StoreError`].
//!
//! Concurrency model: any number of cogito instances share one database. Where SQLite holds its
//! single write lock from a transaction's first statement (`BEGIN IMMEDIATE`), PostgreSQL (read
//! committed) locks exactly what a use case reads before it writes: the user row
//! (`SELECT … FOR NO KEY UPDATE`) in `update_user` and `begin_password_attempt`, the code row when
//! an update redeems a code, and the client row a UI customisation hangs off. Everything else is
//! one conditional statement: compare-and-swap `UPDATE … WHERE token_hash = $expected` for refresh
//! rotation, `UPDATE … WHERE used_ms IS NULL RETURNING` for authorization codes,
//! `INSERT … ON CONFLICT` for login keys, settings and rate counters.
//!
//! Startup: the migrations run under sqlx's Postgres migrator, which takes a session-level
//! advisory lock (`pg_advisory_lock`, keyed by the database name; sqlx-postgres 0.9
//! `migrate.rs`) *before* it creates `_sqlx_migrations`, so instances starting at the same instant
//! apply each migration once and the others wait, then find it applied. The durability settings
//! (`fsync`, `synchronous_commit`, `full_page_writes`) are read and a warning is logged when any
//! is off (security bar REL-10).

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use cogito_core::store::{StoreError, StoreResult};
use sqlx::error::ErrorKind;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, SqlSafeStr, Transaction};

use crate::records::{decode, encode, from_json, to_json};

mod clients;
mod devices;
mod effects;
mod groups;
mod import_jobs;
mod keys;
mod maintenance;
mod oauth;
mod outbox;
mod pools;
mod sessions;
pub mod testing;
mod unknown_failures;
mod user_list;
mod users;

/// Connections per instance. Several instances share the server's `max_connections`.
const MAX_CONNECTIONS: u32 = 16;

/// How long a request waits for a pooled connection: short, so that requests fail fast with
/// `Unavailable` while PostgreSQL is down instead of piling up.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Server-side limits set on every pooled connection: no statement runs longer than 5 s, no
/// lock is waited for longer than 3 s, and a connection left idle inside a transaction (a stuck
/// instance) is closed after 15 s, releasing its row locks.
const SESSION_LIMITS: &[(&str, &str)] = &[
    ("statement_timeout", "5s"),
    ("lock_timeout", "3s"),
    ("idle_in_transaction_session_timeout", "15s"),
];

/// Limits of the migration connection: waiting for another instance's migration (the advisory
/// lock) and running a migration may take longer than a request.
const MIGRATION_LIMITS: &[(&str, &str)] = &[("statement_timeout", "60s"), ("lock_timeout", "60s")];

/// The migrations of `migrations/postgres/`, in order. Append-only: a new file gets a new entry
/// here and is never edited after release (embedded like SQLite's, see `sqlite::MIGRATIONS`).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "config versions",
        include_str!("../../migrations/postgres/0002_config_versions.sql"),
    ),
    (
        3,
        "revisions",
        include_str!("../../migrations/postgres/0003_revisions.sql"),
    ),
    (
        4,
        "srp verifiers",
        include_str!("../../migrations/postgres/0004_srp_verifiers.sql"),
    ),
    (
        5,
        "unknown login failures",
        include_str!("../../migrations/postgres/0005_unknown_login_failures.sql"),
    ),
    (
        6,
        "mfa",
        include_str!("../../migrations/postgres/0006_mfa.sql"),
    ),
    (
        7,
        "devices",
        include_str!("../../migrations/postgres/0007_devices.sql"),
    ),
    (
        8,
        "used nonces",
        include_str!("../../migrations/postgres/0008_used_nonces.sql"),
    ),
    (
        9,
        "auth sessions without user",
        include_str!("../../migrations/postgres/0009_auth_sessions_without_user.sql"),
    ),
    (
        10,
        "import jobs",
        include_str!("../../migrations/postgres/0010_import_jobs.sql"),
    ),
    (
        11,
        "outbox delivery",
        include_str!("../../migrations/postgres/0011_outbox_delivery.sql"),
    ),
];

/// The durability settings that must be on for an acknowledged write to survive a crash.
const DURABILITY_SETTINGS: &str = "SELECT name, setting FROM pg_settings \
     WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes') ORDER BY name";

/// The PostgreSQL implementation of every store port ([`cogito_core::store::Store`]).
///
/// Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    faults: Arc<FaultPlan>,
}

/// Test hook: fail the Nth fault point of multi-statement writes (between the statements of a
/// transaction) with `Unavailable`, to show that nothing is left half done. Off unless armed.
#[derive(Debug, Default)]
pub struct FaultPlan {
    countdown: AtomicI64,
}

/// Parses a `postgres://` / `postgresql://` URL.
fn connect_options(url: &str) -> StoreResult<PgConnectOptions> {
    PgConnectOptions::from_str(url)
        .map(|o| o.application_name("cogito"))
        .map_err(|e| StoreError::Unavailable(format!("invalid PostgreSQL URL: {e}")))
}

/// Migrates the database named by `url` to the current schema on a connection of its own (the
/// `cogito migrate` command, and [`PostgresStore::open`]). Safe to run from several instances
/// at once (see the module documentation).
///
/// # Errors
/// [`StoreError::Unavailable`] when the URL is invalid, the database cannot be reached or a
/// migration fails.
pub async fn migrate(url: &str) -> StoreResult<()> {
    run_migrations(connect_options(url)?).await
}

async fn run_migrations(options: PgConnectOptions) -> StoreResult<()> {
    // A one-connection pool of its own (with longer limits); the migrator holds the advisory
    // lock on that connection for the whole run.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options.options(MIGRATION_LIMITS.iter().copied()))
        .await
        .map_err(db_err)?;
    let migrated = migrator().run(&pool).await.map_err(|e| {
        StoreError::Unavailable(format!("migrating the PostgreSQL database failed: {e}"))
    });
    // Closing also releases the advisory lock if the migrator could not.
    pool.close().await;
    migrated
}

impl PostgresStore {
    /// Connects to the database named by a `postgres://` or `postgresql://` URL, migrates it and
    /// checks its durability settings.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the URL is invalid or the database cannot be reached or
    /// migrated.
    pub async fn open(url: &str) -> StoreResult<PostgresStore> {
        let options = connect_options(url)?;
        run_migrations(options.clone()).await?;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.options(SESSION_LIMITS.iter().copied()))
            .await
            .map_err(db_err)?;
        let store = Self {
            pool,
            faults: Arc::default(),
        };
        store.check_durability().await?;
        Ok(store)
    }

    /// Logs a warning for every durability setting that is off (REL-10).
    async fn check_durability(&self) -> StoreResult<()> {
        let settings: Vec<(String, String)> = sqlx::query_as(DURABILITY_SETTINGS)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        for (name, setting) in settings {
            if setting == "off" {
                tracing::warn!(
                    setting = %name,
                    "PostgreSQL has {name}=off: acknowledged writes can be lost in a crash"
                );
            }
        }
        Ok(())
    }

    /// Test hook: the `n`th fault point from now (1 = the next) fails with `Unavailable`;
    /// `0` disarms.
    pub fn inject_fault_after(&self, n: i64) {
        self.faults.countdown.store(n, Ordering::SeqCst);
    }

    /// A fault point (see [`FaultPlan`]).
    fn fault(&self, at: &str) -> StoreResult<()> {
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

    /// Test hook: the plan PostgreSQL chooses for a `ListUsers` page query (`EXPLAIN` text, one
    /// line per plan node); `None` when the filter cannot match any user.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database fails.
    #[doc(hidden)]
    pub async fn explain_list_users(
        &self,
        pool_id: &str,
        filter: Option<&cogito_core::store::UserFilter>,
        after: Option<(i64, String)>,
    ) -> StoreResult<Option<String>> {
        user_list::explain(self, pool_id, filter, after).await
    }

    /// Starts a (read committed) transaction; dropping it uncommitted rolls it back.
    async fn begin(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(db_err)
    }
}

fn migrator() -> Migrator {
    let migrations = MIGRATIONS
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
async fn commit(tx: Transaction<'static, Postgres>) -> StoreResult<()> {
    tx.commit().await.map_err(db_err)
}

/// Translates an sqlx error: no row → `NotFound`, unique violation (23505) → `Conflict(Id)`,
/// foreign-key violation (23503: a parent row is missing) → `NotFound`, anything else
/// (connection refused, pool timeout, statement or lock timeout, deadlock) → `Unavailable`.
fn db_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(db) => match db.kind() {
            ErrorKind::UniqueViolation => StoreError::Conflict(cogito_core::store::UniqueKey::Id),
            ErrorKind::ForeignKeyViolation => StoreError::NotFound,
            _ => {
                tracing::warn!(error = %e, code = ?db.code(), "PostgreSQL statement failed");
                StoreError::Unavailable(e.to_string())
            }
        },
        sqlx::Error::PoolTimedOut => {
            tracing::warn!("no PostgreSQL connection within the acquire timeout");
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Unavailable(e.to_string()),
    }
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
