//! [`SessionStore`] for SQLite: pending `codes` (one per user and purpose), single-use
//! `auth_sessions` keyed by the hash of the session string, and `refresh_sessions` keyed by
//! `origin_jti` with a unique token hash and the granted OAuth scope (`NULL` for API sign-ins).
//! All three reference the user and vanish with it.

use async_trait::async_trait;
use cogito_core::model::{AuthSession, Code, CodePurpose, RefreshSession};
use cogito_core::store::{SessionStore, StoreError, StoreResult};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::{SqliteStore, commit, db_err, require_row, to_u32};

/// Parses [`CodePurpose::key`] back.
fn purpose_from_key(key: &str) -> StoreResult<CodePurpose> {
    match key {
        "signup" => Ok(CodePurpose::SignUp),
        "forgot" => Ok(CodePurpose::ForgotPassword),
        other => other
            .strip_prefix("verify:")
            .map(|attr| CodePurpose::VerifyAttribute(attr.to_owned()))
            .ok_or_else(|| StoreError::Unavailable(format!("unknown code purpose `{other}`"))),
    }
}

fn code_from_row(row: &SqliteRow) -> StoreResult<Code> {
    Ok(Code {
        pool_id: row.try_get("pool_id").map_err(db_err)?,
        user_sub: row.try_get("sub").map_err(db_err)?,
        purpose: purpose_from_key(&row.try_get::<String, _>("purpose").map_err(db_err)?)?,
        code_hash: row.try_get("code_hash").map_err(db_err)?,
        expires_ms: row.try_get("expires_ms").map_err(db_err)?,
        attempts: to_u32(row.try_get("attempts").map_err(db_err)?)?,
        destination_attribute: row.try_get("destination_attribute").map_err(db_err)?,
    })
}

fn auth_session_from_row(row: &SqliteRow) -> StoreResult<AuthSession> {
    Ok(AuthSession {
        id_hash: row.try_get("id_hash").map_err(db_err)?,
        pool_id: row.try_get("pool_id").map_err(db_err)?,
        client_id: row.try_get("client_id").map_err(db_err)?,
        user_sub: row.try_get("user_sub").map_err(db_err)?,
        challenge: row.try_get("challenge").map_err(db_err)?,
        expires_ms: row.try_get("expires_ms").map_err(db_err)?,
        state: row.try_get("state").map_err(db_err)?,
        attempts: to_u32(row.try_get("attempts").map_err(db_err)?)?,
    })
}

/// The columns [`refresh_from_row`] reads.
macro_rules! refresh_columns {
    () => {
        "origin_jti, token_hash, pool_id, client_id, user_sub, auth_time, created_ms, \
         expires_ms, revoked_ms, scope, device_key"
    };
}

fn refresh_from_row(row: &SqliteRow) -> StoreResult<RefreshSession> {
    Ok(RefreshSession {
        origin_jti: row.try_get("origin_jti").map_err(db_err)?,
        token_hash: row.try_get("token_hash").map_err(db_err)?,
        pool_id: row.try_get("pool_id").map_err(db_err)?,
        client_id: row.try_get("client_id").map_err(db_err)?,
        user_sub: row.try_get("user_sub").map_err(db_err)?,
        auth_time: row.try_get("auth_time").map_err(db_err)?,
        created_ms: row.try_get("created_ms").map_err(db_err)?,
        expires_ms: row.try_get("expires_ms").map_err(db_err)?,
        revoked_ms: row.try_get("revoked_ms").map_err(db_err)?,
        scope: row.try_get("scope").map_err(db_err)?,
        device_key: row.try_get("device_key").map_err(db_err)?,
    })
}

/// Stores a code on `conn`, replacing an earlier one of the same user and purpose.
pub(super) async fn put_code_in(conn: &mut SqliteConnection, code: &Code) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO codes (pool_id, sub, purpose, code_hash, expires_ms, attempts, \
         destination_attribute) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (pool_id, sub, purpose) DO UPDATE SET code_hash = excluded.code_hash, \
         expires_ms = excluded.expires_ms, attempts = excluded.attempts, \
         destination_attribute = excluded.destination_attribute",
    )
    .bind(&code.pool_id)
    .bind(&code.user_sub)
    .bind(code.purpose.key())
    .bind(&code.code_hash)
    .bind(code.expires_ms)
    .bind(i64::from(code.attempts))
    .bind(&code.destination_attribute)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Reads a pending code inside a transaction.
pub(super) async fn code_in(
    conn: &mut SqliteConnection,
    pool_id: &str,
    sub: &str,
    purpose: &CodePurpose,
) -> StoreResult<Option<Code>> {
    let row = sqlx::query(
        "SELECT pool_id, sub, purpose, code_hash, expires_ms, attempts, destination_attribute \
         FROM codes WHERE pool_id = ?1 AND sub = ?2 AND purpose = ?3",
    )
    .bind(pool_id)
    .bind(sub)
    .bind(purpose.key())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    row.as_ref().map(code_from_row).transpose()
}

/// Deletes a code inside a transaction (it was used).
pub(super) async fn delete_code_in(
    conn: &mut SqliteConnection,
    pool_id: &str,
    sub: &str,
    purpose: &CodePurpose,
) -> StoreResult<()> {
    let done = sqlx::query("DELETE FROM codes WHERE pool_id = ?1 AND sub = ?2 AND purpose = ?3")
        .bind(pool_id)
        .bind(sub)
        .bind(purpose.key())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    require_row(done.rows_affected())
}

/// Counts a wrong attempt against a code inside a transaction.
pub(super) async fn count_code_attempt(
    conn: &mut SqliteConnection,
    pool_id: &str,
    sub: &str,
    purpose: &CodePurpose,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE codes SET attempts = attempts + 1 WHERE pool_id = ?1 AND sub = ?2 AND purpose = ?3",
    )
    .bind(pool_id)
    .bind(sub)
    .bind(purpose.key())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Revokes a user's refresh sessions (all, or all but one) inside a transaction.
pub(super) async fn revoke_refresh_in(
    conn: &mut SqliteConnection,
    pool_id: &str,
    sub: &str,
    keep_origin_jti: Option<&str>,
    at_ms: i64,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE refresh_sessions SET revoked_ms = ?4 \
         WHERE pool_id = ?1 AND user_sub = ?2 AND revoked_ms IS NULL \
         AND (?3 IS NULL OR origin_jti <> ?3)",
    )
    .bind(pool_id)
    .bind(sub)
    .bind(keep_origin_jti)
    .bind(at_ms)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn put_code(&self, code: &Code) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        put_code_in(&mut conn, code).await
    }

    async fn count_event(&self, key: &str, window_start_ms: i64, limit: u32) -> StoreResult<bool> {
        let count: i64 = sqlx::query_scalar(
            "INSERT INTO event_counters (key, window_start_ms, count) VALUES (?1, ?2, 1) \
             ON CONFLICT (key, window_start_ms) DO UPDATE SET count = count + 1 RETURNING count",
        )
        .bind(key)
        .bind(window_start_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(count <= i64::from(limit))
    }

    async fn count_events(&self, events: &[(String, i64, u32)]) -> StoreResult<Vec<bool>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = QueryBuilder::<Sqlite>::new(
            "INSERT INTO event_counters (key, window_start_ms, count) ",
        );
        sql.push_values(events, |mut row, (key, window, _)| {
            row.push_bind(key.clone()).push_bind(*window).push("1");
        });
        sql.push(
            " ON CONFLICT (key, window_start_ms) DO UPDATE SET count = event_counters.count + 1 \
             RETURNING key, window_start_ms, count",
        );
        let rows = sql.build().fetch_all(&self.pool).await.map_err(db_err)?;
        let mut counts = std::collections::HashMap::new();
        for row in &rows {
            let key: String = row.try_get("key").map_err(db_err)?;
            let window: i64 = row.try_get("window_start_ms").map_err(db_err)?;
            let count: i64 = row.try_get("count").map_err(db_err)?;
            counts.insert((key, window), count);
        }
        events
            .iter()
            .map(|(key, window, limit)| {
                counts
                    .get(&(key.clone(), *window))
                    .map(|count| *count <= i64::from(*limit))
                    .ok_or_else(|| StoreError::Unavailable("event counter not returned".into()))
            })
            .collect()
    }

    async fn get_code(&self, pool_id: &str, sub: &str, purpose: &CodePurpose) -> StoreResult<Code> {
        let row = sqlx::query(
            "SELECT pool_id, sub, purpose, code_hash, expires_ms, attempts, destination_attribute \
             FROM codes WHERE pool_id = ?1 AND sub = ?2 AND purpose = ?3",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(purpose.key())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
        code_from_row(&row)
    }

    async fn put_auth_session(&self, session: &AuthSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO auth_sessions (id_hash, pool_id, client_id, user_sub, challenge, \
             expires_ms, state, attempts) VALUES (?1, ?2, ?3, NULLIF(?4, ''), ?5, ?6, ?7, ?8)",
        )
        .bind(&session.id_hash)
        .bind(&session.pool_id)
        .bind(&session.client_id)
        .bind(&session.user_sub)
        .bind(&session.challenge)
        .bind(session.expires_ms)
        .bind(&session.state)
        .bind(i64::from(session.attempts))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn take_auth_session(&self, id_hash: &str) -> StoreResult<AuthSession> {
        // One statement: of two concurrent takers, exactly one gets the row.
        let row = sqlx::query(
            "DELETE FROM auth_sessions WHERE id_hash = ?1 \
             RETURNING id_hash, pool_id, client_id, COALESCE(user_sub, '') AS user_sub, \
             challenge, expires_ms, state, attempts",
        )
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
        auth_session_from_row(&row)
    }

    async fn try_auth_session(&self, id_hash: &str, max_attempts: u32) -> StoreResult<AuthSession> {
        // One statement: parallel answers are each counted, and no more than `max_attempts`
        // are ever checked.
        let row = sqlx::query(
            "UPDATE auth_sessions SET attempts = attempts + 1 \
             WHERE id_hash = ?1 AND attempts < ?2 \
             RETURNING id_hash, pool_id, client_id, COALESCE(user_sub, '') AS user_sub, \
             challenge, expires_ms, state, attempts",
        )
        .bind(id_hash)
        .bind(i64::from(max_attempts))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
        auth_session_from_row(&row)
    }

    async fn use_once(&self, id_hash: &str, expires_ms: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO used_nonces (id_hash, expires_ms) VALUES (?1, ?2) \
             ON CONFLICT (id_hash) DO NOTHING",
        )
        .bind(id_hash)
        .bind(expires_ms)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_refresh(&self, session: &RefreshSession) -> StoreResult<()> {
        sqlx::query(concat!(
            "INSERT INTO refresh_sessions (",
            refresh_columns!(),
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        ))
        .bind(&session.origin_jti)
        .bind(&session.token_hash)
        .bind(&session.pool_id)
        .bind(&session.client_id)
        .bind(&session.user_sub)
        .bind(session.auth_time)
        .bind(session.created_ms)
        .bind(session.expires_ms)
        .bind(session.revoked_ms)
        .bind(&session.scope)
        .bind(&session.device_key)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn get_refresh_by_hash(&self, token_hash: &str) -> StoreResult<RefreshSession> {
        let row = sqlx::query(concat!(
            "SELECT ",
            refresh_columns!(),
            " FROM refresh_sessions WHERE token_hash = ?1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
        refresh_from_row(&row)
    }

    async fn get_refresh_by_origin(&self, origin_jti: &str) -> StoreResult<RefreshSession> {
        let row = sqlx::query(concat!(
            "SELECT ",
            refresh_columns!(),
            " FROM refresh_sessions WHERE origin_jti = ?1"
        ))
        .bind(origin_jti)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
        refresh_from_row(&row)
    }

    async fn revoke_refresh(&self, origin_jti: &str, at_ms: i64) -> StoreResult<()> {
        // Idempotent: the first revocation time stays.
        let done = sqlx::query(
            "UPDATE refresh_sessions SET revoked_ms = COALESCE(revoked_ms, ?2) \
             WHERE origin_jti = ?1",
        )
        .bind(origin_jti)
        .bind(at_ms)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        require_row(done.rows_affected())
    }

    async fn revoke_all_refresh(&self, pool_id: &str, sub: &str, at_ms: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE refresh_sessions SET revoked_ms = ?3 \
             WHERE pool_id = ?1 AND user_sub = ?2 AND revoked_ms IS NULL",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(at_ms)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn rotate_refresh(
        &self,
        origin_jti: &str,
        expected_hash: &str,
        new_hash: &str,
        at_ms: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let swapped = sqlx::query(
            "UPDATE refresh_sessions SET token_hash = ?3 WHERE origin_jti = ?1 AND token_hash = ?2",
        )
        .bind(origin_jti)
        .bind(expected_hash)
        .bind(new_hash)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
        if swapped == 0 {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM refresh_sessions WHERE origin_jti = ?1")
                    .bind(origin_jti)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
            return match exists {
                Some(_) => Ok(false),
                None => Err(StoreError::NotFound),
            };
        }
        sqlx::query(
            "INSERT OR IGNORE INTO rotated_refresh_tokens (token_hash, origin_jti, rotated_ms) \
             VALUES (?1, ?2, ?3)",
        )
        .bind(expected_hash)
        .bind(origin_jti)
        .bind(at_ms)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        commit(tx).await?;
        Ok(true)
    }

    async fn get_rotated_refresh(&self, token_hash: &str) -> StoreResult<(String, i64)> {
        let row = sqlx::query(
            "SELECT origin_jti, rotated_ms FROM rotated_refresh_tokens WHERE token_hash = ?1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
        Ok((
            row.try_get("origin_jti").map_err(db_err)?,
            row.try_get("rotated_ms").map_err(db_err)?,
        ))
    }

    async fn revoke_other_refresh(
        &self,
        pool_id: &str,
        sub: &str,
        keep_origin_jti: &str,
        at_ms: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE refresh_sessions SET revoked_ms = ?4 \
             WHERE pool_id = ?1 AND user_sub = ?2 AND origin_jti <> ?3 AND revoked_ms IS NULL",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(keep_origin_jti)
        .bind(at_ms)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }
}
