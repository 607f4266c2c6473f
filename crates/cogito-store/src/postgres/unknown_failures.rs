//! Failed sign-ins of names that match no user (`unknown_login_failures`), counted like a
//! user's own so that, with existence errors hidden, an unknown name locks out like a real one
//! (security bar SEC-38, decision Q9). Rows are keyed by a keyed hash of the name (the name itself
//! is never stored) and purged by the janitor once forgotten.

use cogito_core::store::{LockoutPolicy, LoginFailures, PasswordAttempt, StoreResult};
use sqlx::Row;

use super::{PostgresStore, commit, db_err, to_u32};

/// One failure for `name_hash` in `pool_id` per `policy`, in one transaction; `Locked` (and
/// nothing counted) while locked. `NotFound` if the pool does not exist.
pub(super) async fn record(
    store: &PostgresStore,
    pool_id: &str,
    name_hash: &str,
    now_ms: i64,
    policy: &LockoutPolicy,
) -> StoreResult<PasswordAttempt> {
    let mut tx = store.begin().await?;
    // One upsert that creates the row if needed and returns it: the same two statements as a
    // real user's attempt (read, then update), so neither path is slower (SEC-39).
    let row = sqlx::query(
        "INSERT INTO unknown_login_failures (pool_id, name_hash, failed_attempts, \
         locked_until_ms, last_failure_ms) VALUES ($1, $2, 0, 0, 0) \
         ON CONFLICT (pool_id, name_hash) DO UPDATE SET failed_attempts = \
         unknown_login_failures.failed_attempts \
         RETURNING failed_attempts, locked_until_ms, last_failure_ms",
    )
    .bind(pool_id)
    .bind(name_hash)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err)?;
    let current = LoginFailures {
        failed_attempts: to_u32(row.try_get("failed_attempts").map_err(db_err)?)?,
        locked_until_ms: row.try_get("locked_until_ms").map_err(db_err)?,
        last_failure_ms: row.try_get("last_failure_ms").map_err(db_err)?,
    };
    let Some(next) = policy.on_attempt(current, now_ms) else {
        commit(tx).await?;
        return Ok(PasswordAttempt::Locked);
    };
    sqlx::query(
        "UPDATE unknown_login_failures SET failed_attempts = $3, locked_until_ms = $4, \
         last_failure_ms = $5 WHERE pool_id = $1 AND name_hash = $2",
    )
    .bind(pool_id)
    .bind(name_hash)
    .bind(i64::from(next.failed_attempts))
    .bind(next.locked_until_ms)
    .bind(next.last_failure_ms)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    commit(tx).await?;
    Ok(PasswordAttempt::Allowed)
}
