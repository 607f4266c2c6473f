//! [`KeyStore`] for SQLite: the pools' encrypted `signing_keys` (oldest first), rotation, the
//! write-once instance `settings`, and the pools' `config_versions` (bumped by the triggers of
//! migration 0005, read here).

use async_trait::async_trait;
use cogito_core::store::{KeyStore, StoreError, StoreResult, StoredKey};
use sqlx::Row;

use super::{SqliteStore, commit, db_err};

#[async_trait]
impl KeyStore for SqliteStore {
    async fn insert_key(&self, key: &StoredKey) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        insert_key(&mut conn, key).await
    }

    async fn rotate_keys(
        &self,
        pool_id: &str,
        new_keys: &[StoredKey],
        retired_until_ms: i64,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM pools WHERE id = ?1")
            .bind(pool_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "UPDATE signing_keys SET retired_until_ms = ?2 \
             WHERE pool_id = ?1 AND retired_until_ms IS NULL",
        )
        .bind(pool_id)
        .bind(retired_until_ms)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        self.fault("rotate keys: insert")?;
        for key in new_keys {
            insert_key(&mut tx, key).await?;
        }
        commit(tx).await
    }

    async fn config_version(&self, pool_id: &str) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT version FROM config_versions WHERE pool_id = ?1")
            .bind(pool_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)
    }

    async fn keys_of_pool(&self, pool_id: &str) -> StoreResult<Vec<StoredKey>> {
        // rowid breaks ties of created_ms in insertion order.
        let rows = sqlx::query(
            "SELECT pool_id, kid, purpose, encrypted_private_key, created_ms, retired_until_ms \
             FROM signing_keys \
             WHERE pool_id = ?1 ORDER BY created_ms, rowid",
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
                    retired_until_ms: row.try_get("retired_until_ms").map_err(db_err)?,
                })
            })
            .collect()
    }

    async fn get_setting(&self, name: &str) -> StoreResult<String> {
        sqlx::query_scalar("SELECT value FROM settings WHERE name = ?1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)
    }

    async fn put_setting_if_absent(&self, name: &str, value: &str) -> StoreResult<String> {
        // One statement, so concurrent callers all see the single winning value: the no-op
        // update on conflict makes RETURNING yield the value already stored.
        sqlx::query_scalar(
            "INSERT INTO settings (name, value) VALUES (?1, ?2) \
             ON CONFLICT (name) DO UPDATE SET value = settings.value RETURNING value",
        )
        .bind(name)
        .bind(value)
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)
    }
}

async fn insert_key(conn: &mut sqlx::SqliteConnection, key: &StoredKey) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO signing_keys \
         (pool_id, kid, purpose, encrypted_private_key, created_ms, retired_until_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(&key.pool_id)
    .bind(&key.kid)
    .bind(&key.purpose)
    .bind(&key.encrypted_private_key)
    .bind(key.created_ms)
    .bind(key.retired_until_ms)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}
