//! Hot reads without a thread hop. sqlx runs every SQLite statement on a worker thread of its
//! connection and hands the result back across a channel: two thread wake-ups per query, which
//! measured as most of the server CPU of a `GetUser` (a point lookup itself takes a few µs).
//! The per-request lookups of the token-authorised and admin read paths (a user by `sub`, by
//! login key, with its session) therefore run here instead: synchronously, on the calling
//! thread, on a small pool of read-only `rusqlite` connections with cached prepared statements.
//!
//! Safe beside sqlx's writers: in WAL mode a reader sees the last committed transaction and
//! neither blocks nor is blocked by the writer; a reader only waits (bounded by its busy
//! timeout) in the rare moments SQLite must recover or reset the WAL index. Writes, and reads
//! inside a write transaction, stay on sqlx.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use cogito_core::store::{StoreError, StoreResult};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

/// Idle connections kept; more may exist for a moment under load, and are closed on return.
const MAX_IDLE: usize = 8;
/// How long a reader waits for a lock SQLite needs briefly (WAL recovery), blocking its thread.
const BUSY_TIMEOUT: Duration = Duration::from_millis(250);

/// A pool of read-only connections to one database file.
#[derive(Debug)]
pub(super) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    /// Readers of the database at `path` (which sqlx has opened and migrated).
    pub(super) fn new(path: PathBuf) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "query_only", true)?;
        // The query planner stability guarantee: a plan never depends on a bound value. Without
        // it, SQLite (with STAT4, as bundled) re-prepares a cached statement on every run whose
        // `LIMIT ?` it looked at, as the groups of a token's user are read on each sign-in.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        Ok(conn)
    }

    /// Runs `f` on an idle connection (or a new one) and returns it to the pool.
    pub(super) fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> StoreResult<T> {
        let taken = self.idle.lock().map_or(None, |mut idle| idle.pop());
        let conn = match taken {
            Some(conn) => conn,
            None => self.open().map_err(read_err)?,
        };
        let result = f(&conn).map_err(read_err);
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
        result
    }
}

fn read_err(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
        other => {
            if let rusqlite::Error::SqliteFailure(code, _) = &other
                && code.code == rusqlite::ErrorCode::DatabaseBusy
            {
                tracing::warn!(error = %other, "SQLite read lock not acquired within the busy timeout");
            }
            StoreError::Unavailable(other.to_string())
        }
    }
}
