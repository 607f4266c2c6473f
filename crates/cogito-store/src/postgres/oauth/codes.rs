//! Single-use authorization codes (`authorization_codes`) and hosted-UI sessions
//! (`hosted_sessions`). Both are keyed by the SHA-256 digest of a secret the store never sees,
//! and both belong to a user (foreign key with cascade), so they vanish with the user or pool.
//!
//! Redemption is exactly-once: [`redeem_authorization_code`] marks the code with one
//! `UPDATE … WHERE used_ms IS NULL RETURNING`; PostgreSQL's row lock makes concurrent redeemers
//! wait for the first, whose commit they then see, so only the first one sees `used_ms: None`.

use cogito_core::model::{AuthorizationCode, HostedSession};
use cogito_core::store::{StoreError, StoreResult};
use sqlx::Row;
use sqlx::postgres::PgRow;

use crate::postgres::{PostgresStore, db_err, require_row};

/// The columns [`code_from_row`] reads.
macro_rules! code_columns {
    () => {
        "code_hash, pool_id, client_id, user_sub, redirect_uri, scope, nonce, code_challenge, \
         auth_time, expires_ms, used_ms, issued_origin_jti"
    };
}

fn code_from_row(row: &PgRow) -> StoreResult<AuthorizationCode> {
    Ok(AuthorizationCode {
        code_hash: row.try_get("code_hash").map_err(db_err)?,
        pool_id: row.try_get("pool_id").map_err(db_err)?,
        client_id: row.try_get("client_id").map_err(db_err)?,
        user_sub: row.try_get("user_sub").map_err(db_err)?,
        redirect_uri: row.try_get("redirect_uri").map_err(db_err)?,
        scope: row.try_get("scope").map_err(db_err)?,
        nonce: row.try_get("nonce").map_err(db_err)?,
        code_challenge: row.try_get("code_challenge").map_err(db_err)?,
        auth_time: row.try_get("auth_time").map_err(db_err)?,
        expires_ms: row.try_get("expires_ms").map_err(db_err)?,
        used_ms: row.try_get("used_ms").map_err(db_err)?,
        issued_origin_jti: row.try_get("issued_origin_jti").map_err(db_err)?,
    })
}

fn hosted_session_from_row(row: &PgRow) -> StoreResult<HostedSession> {
    Ok(HostedSession {
        id_hash: row.try_get("id_hash").map_err(db_err)?,
        pool_id: row.try_get("pool_id").map_err(db_err)?,
        user_sub: row.try_get("user_sub").map_err(db_err)?,
        auth_time: row.try_get("auth_time").map_err(db_err)?,
        expires_ms: row.try_get("expires_ms").map_err(db_err)?,
    })
}

/// `Conflict(Id)` if the hash exists; `NotFound` if the user (or pool) does not.
pub(super) async fn insert_authorization_code(
    store: &PostgresStore,
    code: &AuthorizationCode,
) -> StoreResult<()> {
    sqlx::query(concat!(
        "INSERT INTO authorization_codes (",
        code_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(&code.code_hash)
    .bind(&code.pool_id)
    .bind(&code.client_id)
    .bind(&code.user_sub)
    .bind(&code.redirect_uri)
    .bind(&code.scope)
    .bind(&code.nonce)
    .bind(&code.code_challenge)
    .bind(code.auth_time)
    .bind(code.expires_ms)
    .bind(code.used_ms)
    .bind(&code.issued_origin_jti)
    .execute(&store.pool)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Returns the code as it was before the call and marks it used if it was not. The conditional
/// update is the whole redemption: of concurrent redeemers exactly one changes the row; the
/// others find `used_ms` set and read the code as redeemed.
pub(super) async fn redeem_authorization_code(
    store: &PostgresStore,
    code_hash: &str,
    now_ms: i64,
) -> StoreResult<AuthorizationCode> {
    let marked = sqlx::query(concat!(
        "UPDATE authorization_codes SET used_ms = $2 WHERE code_hash = $1 AND used_ms IS NULL \
         RETURNING ",
        code_columns!()
    ))
    .bind(code_hash)
    .bind(now_ms)
    .fetch_optional(&store.pool)
    .await
    .map_err(db_err)?;
    if let Some(row) = marked {
        // RETURNING yields the row after the update; before it, the code was unused.
        let mut before = code_from_row(&row)?;
        before.used_ms = None;
        return Ok(before);
    }
    let row = sqlx::query(concat!(
        "SELECT ",
        code_columns!(),
        " FROM authorization_codes WHERE code_hash = $1"
    ))
    .bind(code_hash)
    .fetch_optional(&store.pool)
    .await
    .map_err(db_err)?
    .ok_or(StoreError::NotFound)?;
    code_from_row(&row)
}

pub(super) async fn set_code_origin(
    store: &PostgresStore,
    code_hash: &str,
    origin_jti: &str,
) -> StoreResult<()> {
    let done =
        sqlx::query("UPDATE authorization_codes SET issued_origin_jti = $2 WHERE code_hash = $1")
            .bind(code_hash)
            .bind(origin_jti)
            .execute(&store.pool)
            .await
            .map_err(db_err)?;
    require_row(done.rows_affected())
}

/// Inserts or replaces the session with this id hash. `NotFound` if the user does not exist.
pub(super) async fn put_hosted_session(
    store: &PostgresStore,
    session: &HostedSession,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO hosted_sessions (id_hash, pool_id, user_sub, auth_time, expires_ms) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id_hash) DO UPDATE SET pool_id = excluded.pool_id, \
         user_sub = excluded.user_sub, auth_time = excluded.auth_time, \
         expires_ms = excluded.expires_ms",
    )
    .bind(&session.id_hash)
    .bind(&session.pool_id)
    .bind(&session.user_sub)
    .bind(session.auth_time)
    .bind(session.expires_ms)
    .execute(&store.pool)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(super) async fn get_hosted_session(
    store: &PostgresStore,
    id_hash: &str,
) -> StoreResult<HostedSession> {
    let row = sqlx::query(
        "SELECT id_hash, pool_id, user_sub, auth_time, expires_ms FROM hosted_sessions \
         WHERE id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(&store.pool)
    .await
    .map_err(db_err)?
    .ok_or(StoreError::NotFound)?;
    hosted_session_from_row(&row)
}

/// Idempotent: a user without sessions is no error.
pub(super) async fn delete_hosted_sessions_of_user(
    store: &PostgresStore,
    pool_id: &str,
    sub: &str,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM hosted_sessions WHERE pool_id = $1 AND user_sub = $2")
        .bind(pool_id)
        .bind(sub)
        .execute(&store.pool)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Idempotent: deleting an absent session succeeds.
pub(super) async fn delete_hosted_session(store: &PostgresStore, id_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM hosted_sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(&store.pool)
        .await
        .map_err(db_err)?;
    Ok(())
}
