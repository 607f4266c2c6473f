//! Test support (not for production use): [`TempDatabase`], a fresh, empty PostgreSQL database
//! per test, dropped with its guard, so that tests against one server never see each other's
//! rows. Used by the store contract suite and by `cogito-testkit`'s `TestApp`.
//!
//! The server comes from `COGITO_TEST_DATABASE_URL` (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`, a database the tests may connect to and whose user
//! may create databases). When it is unset, [`TempDatabase::from_env`] answers `None` so that the
//! test can skip, unless `COGITO_REQUIRE_PG=1` (CI), where it panics instead.

use std::hash::{BuildHasher, Hasher};

use cogito_core::store::{StoreError, StoreResult};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

/// The variable naming the PostgreSQL server of the tests.
pub const DATABASE_URL_VAR: &str = "COGITO_TEST_DATABASE_URL";

/// Set to `1` to make a missing [`DATABASE_URL_VAR`] a failure instead of a skip.
pub const REQUIRE_VAR: &str = "COGITO_REQUIRE_PG";

/// A database created for one test; dropped (`DROP DATABASE … WITH (FORCE)`, which also ends the
/// connections still open to it) when this guard is dropped.
#[derive(Debug)]
pub struct TempDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TempDatabase {
    /// A fresh database on the server of [`DATABASE_URL_VAR`]; `None` (after printing a note)
    /// when the variable is unset.
    ///
    /// # Panics
    /// When the variable is unset and [`REQUIRE_VAR`] is `1`, or when the database cannot be
    /// created.
    pub async fn from_env() -> Option<TempDatabase> {
        let Ok(admin_url) = std::env::var(DATABASE_URL_VAR) else {
            assert!(
                std::env::var(REQUIRE_VAR).as_deref() != Ok("1"),
                "PostgreSQL required: {REQUIRE_VAR}=1 but {DATABASE_URL_VAR} is not set"
            );
            eprintln!("skipped: set {DATABASE_URL_VAR} to run the PostgreSQL tests");
            return None;
        };
        Some(
            Self::create(&admin_url)
                .await
                .unwrap_or_else(|e| panic!("cannot create a test database: {e}")),
        )
    }

    /// Creates a database named `cogito_t_<random>` through a connection to `admin_url`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the URL is invalid or the database cannot be created.
    pub async fn create(admin_url: &str) -> StoreResult<TempDatabase> {
        let unavailable = |e: &dyn std::fmt::Display| StoreError::Unavailable(e.to_string());
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let name = format!("cogito_t_{random:016x}");
        let mut url = url::Url::parse(admin_url).map_err(|e| unavailable(&e))?;
        url.set_path(&format!("/{name}"));
        let mut conn = PgConnection::connect(admin_url)
            .await
            .map_err(|e| unavailable(&e))?;
        // Identifiers cannot be bound; the name is `cogito_t_` and hex digits only.
        conn.execute(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .await
            .map_err(|e| unavailable(&e))?;
        let _ = conn.close().await;
        Ok(TempDatabase {
            admin_url: admin_url.to_owned(),
            name,
            url: url.into(),
        })
    }

    /// The URL of the new database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The name of the new database.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every row of every table of the database as JSON text, one row per line: what an
    /// attacker with a copy of the database sees, for tests asserting that no secret is stored
    /// in plaintext.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be read.
    pub async fn dump_text(&self) -> StoreResult<String> {
        let unavailable = |e: sqlx::Error| StoreError::Unavailable(e.to_string());
        let mut conn = PgConnection::connect(&self.url)
            .await
            .map_err(unavailable)?;
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
        )
        .fetch_all(&mut conn)
        .await
        .map_err(unavailable)?;
        let mut out = String::new();
        for table in tables {
            // Identifiers cannot be bound; the names come from the catalogue and are quoted.
            let quoted = table.replace('"', "\"\"");
            let rows: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT string_agg(row_to_json(t)::text, E'\\n') FROM \"{quoted}\" t"
            )))
            .fetch_one(&mut conn)
            .await
            .map_err(unavailable)?;
            out.push_str(&table);
            out.push('\n');
            out.push_str(&rows.unwrap_or_default());
            out.push('\n');
        }
        let _ = conn.close().await;
        Ok(out)
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        // A thread with its own runtime: the guard may be dropped inside a runtime (where
        // blocking on another future panics) or outside any.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async move {
                let mut conn = PgConnection::connect(&admin_url)
                    .await
                    .map_err(|e| e.to_string())?;
                conn.execute(AssertSqlSafe(sql))
                    .await
                    .map_err(|e| e.to_string())?;
                let _ = conn.close().await;
                Ok::<(), String>(())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}
