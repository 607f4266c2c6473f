//! [`KeyStore`] for PostgreSQL: the pools' encrypted `signing_keys` (oldest first, `seq` breaking
//! ties) and the write-once instance `settings`.

use async_trait::async_trait;
use cogito_core::store::{KeyStore, StoreError, StoreResult, StoredKey};
use sqlx::Row;

use super::{PostgresStore, db_err};

#[async_trait]
impl KeyStore for PostgresStore {
    async fn insert_key(&self, key: &StoredKey) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO signing_keys (pool_id, kid, purpose, encrypted_private_key, created_ms) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&key.pool_id)
        .bind(&key.kid)
        .bind(&key.purpose)
        .bind(&key.encrypted_private_key)
        .bind(key.created_ms)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn keys_of_pool(&self, pool_id: &str) -> StoreResult<Vec<StoredKey>> {
        // seq breaks ties of created_ms in insertion order.
        let rows = sqlx::query(
            "SELECT pool_id, kid, purpose, encrypted_private_key, created_ms FROM signing_keys \
             WHERE pool_id = $1 ORDER BY created_ms, seq",
        )
        .bind(pool_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|row| {
                Ok(StoredKey {
                    pool_id: row.try_get("pool_id").map_err(db_err)?,
                    kid: row.try_get("kid").map_err(db_err)?,
                    purpose: row.try_get("purpose").map_err(db_err)?,
                    encrypted_private_key: row.try_get("encrypted_private_key").map_err(db_err)?,
                    created_ms: row.try_get("created_ms").map_err(db_err)?,
                })
            })
            .collect()
    }

    async fn get_setting(&self, name: &str) -> StoreResult<String> {
        sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)
    }

    async fn put_setting_if_absent(&self, name: &str, value: &str) -> StoreResult<String> {
        // Settings are never deleted, so "insert unless present, else read" needs no lock: an
        // insert that lost waited for the winner's commit, and the read that follows (a new
        // snapshot) sees the winning value.
        let inserted: Option<String> = sqlx::query_scalar(
            "INSERT INTO settings (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO NOTHING RETURNING value",
        )
        .bind(name)
        .bind(value)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        match inserted {
            Some(value) => Ok(value),
            None => self.get_setting(name).await,
        }
    }
}
