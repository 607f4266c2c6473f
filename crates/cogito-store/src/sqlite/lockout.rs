//! Counting a password check before it runs (security bar SEC-37), for a user's own counters
//! (`users`) and for names that match no user (`unknown_login_failures`: with existence errors
//! hidden, an unknown name locks out like a real one, SEC-38; rows are keyed by a keyed hash of
//! the name and purged by the janitor once forgotten).
//!
//! Each attempt is a compare-and-set: the counters are read (inline, on a read-only connection,
//! where the database is a file), the policy computes the next ones, and one conditional write
//! stores them only if the counters are still those read; a lost race reads again. So the
//! policy stays in one place ([`LockoutPolicy::on_attempt`]), no update is ever lost, and an
//! attempt costs one hop to sqlx's writer instead of a four-statement transaction (the hops
//! were a measurable share of a sign-in's CPU). Both kinds of attempt take the same steps, so
//! neither answers faster (SEC-39). In memory (no read-only connections) the read and the write
//! are one transaction instead.

use cogito_core::store::{LockoutPolicy, LoginFailures, PasswordAttempt, StoreError, StoreResult};
use sqlx::Row;

use super::{SqliteStore, commit, db_err, to_u32};

/// Lost races tolerated before the attempt falls back to a locking transaction.
const CAS_TRIES: usize = 8;

/// Whose counters an attempt counts.
#[derive(Clone, Copy)]
enum Counted<'a> {
    /// A user's (`users`, by `sub`); `NotFound` if there is none.
    User(&'a str),
    /// An unknown name's (`unknown_login_failures`, by keyed hash), created on first use.
    Unknown(&'a str),
}

const USER_READ: &str = "SELECT failed_attempts, locked_until_ms, last_failure_ms FROM users \
     WHERE pool_id = ?1 AND sub = ?2";
const USER_CAS: &str = "UPDATE users SET failed_attempts = ?3, locked_until_ms = ?4, \
     last_failure_ms = ?5 WHERE pool_id = ?1 AND sub = ?2 AND failed_attempts = ?6 \
     AND locked_until_ms = ?7 AND last_failure_ms = ?8";
const UNKNOWN_READ: &str = "SELECT failed_attempts, locked_until_ms, last_failure_ms \
     FROM unknown_login_failures WHERE pool_id = ?1 AND name_hash = ?2";
const UNKNOWN_CAS: &str = "UPDATE unknown_login_failures SET failed_attempts = ?3, \
     locked_until_ms = ?4, last_failure_ms = ?5 WHERE pool_id = ?1 AND name_hash = ?2 \
     AND failed_attempts = ?6 AND locked_until_ms = ?7 AND last_failure_ms = ?8";
const UNKNOWN_CREATE: &str = "INSERT INTO unknown_login_failures (pool_id, name_hash, \
     failed_attempts, locked_until_ms, last_failure_ms) VALUES (?1, ?2, ?3, ?4, ?5) \
     ON CONFLICT (pool_id, name_hash) DO NOTHING";

/// One presumed failure of `sub` in `pool_id` per `policy`; `Locked` (nothing counted) while
/// locked, `NotFound` if the user does not exist.
pub(super) async fn user_attempt(
    store: &SqliteStore,
    pool_id: &str,
    sub: &str,
    now_ms: i64,
    policy: &LockoutPolicy,
) -> StoreResult<PasswordAttempt> {
    attempt(store, pool_id, Counted::User(sub), now_ms, policy).await
}

/// One presumed failure of the unknown name `name_hash` in `pool_id` per `policy`; `NotFound`
/// if the pool does not exist.
pub(super) async fn unknown_attempt(
    store: &SqliteStore,
    pool_id: &str,
    name_hash: &str,
    now_ms: i64,
    policy: &LockoutPolicy,
) -> StoreResult<PasswordAttempt> {
    attempt(store, pool_id, Counted::Unknown(name_hash), now_ms, policy).await
}

async fn attempt(
    store: &SqliteStore,
    pool_id: &str,
    who: Counted<'_>,
    now_ms: i64,
    policy: &LockoutPolicy,
) -> StoreResult<PasswordAttempt> {
    let Some(readers) = &store.readers else {
        return locked_attempt(store, pool_id, who, now_ms, policy).await;
    };
    for _ in 0..CAS_TRIES {
        let (sql, key) = match who {
            Counted::User(sub) => (USER_READ, sub),
            Counted::Unknown(hash) => (UNKNOWN_READ, hash),
        };
        let read = readers.with(|c| {
            c.prepare_cached(sql)?.query_row((pool_id, key), |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?, row.get(2)?))
            })
        });
        let current = match (read, who) {
            (Ok((failed, locked, last)), _) => Some(LoginFailures {
                failed_attempts: to_u32(failed)?,
                locked_until_ms: locked,
                last_failure_ms: last,
            }),
            (Err(StoreError::NotFound), Counted::Unknown(_)) => None,
            (Err(e), _) => return Err(e),
        };
        let Some(next) = policy.on_attempt(current.unwrap_or_default(), now_ms) else {
            return Ok(PasswordAttempt::Locked);
        };
        if store_if_unchanged(store, pool_id, who, current, next).await? {
            return Ok(PasswordAttempt::Allowed);
        }
    }
    locked_attempt(store, pool_id, who, now_ms, policy).await
}

/// Writes `next` if the counters are still `current` (`None`: no row yet); whether it did.
async fn store_if_unchanged(
    store: &SqliteStore,
    pool_id: &str,
    who: Counted<'_>,
    current: Option<LoginFailures>,
    next: LoginFailures,
) -> StoreResult<bool> {
    let query = match (who, current) {
        (Counted::Unknown(hash), None) => sqlx::query(UNKNOWN_CREATE).bind(pool_id).bind(hash),
        (Counted::User(key), Some(_)) | (Counted::Unknown(key), Some(_)) => {
            let sql = if matches!(who, Counted::User(_)) {
                USER_CAS
            } else {
                UNKNOWN_CAS
            };
            sqlx::query(sql).bind(pool_id).bind(key)
        }
        (Counted::User(_), None) => return Err(StoreError::NotFound),
    };
    let mut query = query
        .bind(i64::from(next.failed_attempts))
        .bind(next.locked_until_ms)
        .bind(next.last_failure_ms);
    if let Some(old) = current {
        query = query
            .bind(i64::from(old.failed_attempts))
            .bind(old.locked_until_ms)
            .bind(old.last_failure_ms);
    }
    let done = query.execute(&store.pool).await.map_err(db_err)?;
    Ok(done.rows_affected() == 1)
}

/// The attempt as one locking transaction: the in-memory path, and the fallback of a counter
/// too contended for compare-and-set.
async fn locked_attempt(
    store: &SqliteStore,
    pool_id: &str,
    who: Counted<'_>,
    now_ms: i64,
    policy: &LockoutPolicy,
) -> StoreResult<PasswordAttempt> {
    let mut tx = store.write_tx().await?;
    let row = match who {
        Counted::User(sub) => sqlx::query(USER_READ)
            .bind(pool_id)
            .bind(sub)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?,
        Counted::Unknown(hash) => sqlx::query(
            "INSERT INTO unknown_login_failures (pool_id, name_hash, failed_attempts, \
             locked_until_ms, last_failure_ms) VALUES (?1, ?2, 0, 0, 0) \
             ON CONFLICT (pool_id, name_hash) DO UPDATE SET failed_attempts = \
             unknown_login_failures.failed_attempts \
             RETURNING failed_attempts, locked_until_ms, last_failure_ms",
        )
        .bind(pool_id)
        .bind(hash)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?,
    };
    let current = LoginFailures {
        failed_attempts: to_u32(row.try_get("failed_attempts").map_err(db_err)?)?,
        locked_until_ms: row.try_get("locked_until_ms").map_err(db_err)?,
        last_failure_ms: row.try_get("last_failure_ms").map_err(db_err)?,
    };
    let Some(next) = policy.on_attempt(current, now_ms) else {
        commit(tx).await?;
        return Ok(PasswordAttempt::Locked);
    };
    let (sql, key) = match who {
        Counted::User(sub) => (USER_CAS, sub),
        Counted::Unknown(hash) => (UNKNOWN_CAS, hash),
    };
    sqlx::query(sql)
        .bind(pool_id)
        .bind(key)
        .bind(i64::from(next.failed_attempts))
        .bind(next.locked_until_ms)
        .bind(next.last_failure_ms)
        .bind(i64::from(current.failed_attempts))
        .bind(current.locked_until_ms)
        .bind(current.last_failure_ms)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    commit(tx).await?;
    Ok(PasswordAttempt::Allowed)
}
