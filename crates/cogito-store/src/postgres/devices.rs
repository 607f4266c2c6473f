//! [`DeviceStore`] for PostgreSQL: the `devices` table, one row per device key, going with its
//! user. Every change is one statement scoped to the device's user.

use async_trait::async_trait;
use cogito_core::model::Device;
use cogito_core::store::{
    DeviceConfirmation, DeviceStore, Page, StoreError, StoreResult, UniqueKey,
};
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::{PostgresStore, db_err, fetch_limit};
use crate::paging::{finish_page, key_cursor, page_size, parse_key_cursor};

/// The columns [`device_from_row`] reads.
const COLUMNS: &str = "pool_id, device_key, user_sub, group_key, verifier, name, remembered, \
                       created_ms, modified_ms, last_auth_ms";

fn device_from_row(row: &PgRow) -> StoreResult<Device> {
    Ok(Device {
        pool_id: row.try_get("pool_id").map_err(db_err)?,
        device_key: row.try_get("device_key").map_err(db_err)?,
        user_sub: row.try_get("user_sub").map_err(db_err)?,
        group_key: row.try_get("group_key").map_err(db_err)?,
        verifier: row.try_get("verifier").map_err(db_err)?,
        name: row.try_get("name").map_err(db_err)?,
        remembered: row.try_get("remembered").map_err(db_err)?,
        created_ms: row.try_get("created_ms").map_err(db_err)?,
        modified_ms: row.try_get("modified_ms").map_err(db_err)?,
        last_auth_ms: row.try_get("last_auth_ms").map_err(db_err)?,
    })
}

fn one_row(rows: u64) -> StoreResult<()> {
    if rows == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

#[async_trait]
impl DeviceStore for PostgresStore {
    async fn insert_device(&self, device: &Device) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO devices (pool_id, device_key, user_sub, group_key, verifier, name, \
             remembered, created_ms, modified_ms, last_auth_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&device.pool_id)
        .bind(&device.device_key)
        .bind(&device.user_sub)
        .bind(&device.group_key)
        .bind(&device.verifier)
        .bind(&device.name)
        .bind(device.remembered)
        .bind(device.created_ms)
        .bind(device.modified_ms)
        .bind(device.last_auth_ms)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn confirm_device(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
        confirmation: &DeviceConfirmation,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE devices SET verifier = $4, name = $5, remembered = $6, modified_ms = $7, \
             last_auth_ms = $7 WHERE pool_id = $1 AND user_sub = $2 AND device_key = $3 \
             AND verifier IS NULL",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(device_key)
        .bind(&confirmation.verifier)
        .bind(&confirmation.name)
        .bind(confirmation.remembered)
        .bind(confirmation.now_ms)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        // Not updated: confirmed already, or not this user's device.
        match self.get_device(pool_id, device_key).await {
            Ok(d) if d.user_sub == sub => Err(StoreError::Conflict(UniqueKey::Id)),
            Ok(_) | Err(StoreError::NotFound) => Err(StoreError::NotFound),
            Err(e) => Err(e),
        }
    }

    async fn get_device(&self, pool_id: &str, device_key: &str) -> StoreResult<Device> {
        let sql = format!("SELECT {COLUMNS} FROM devices WHERE pool_id = $1 AND device_key = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(pool_id)
            .bind(device_key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        device_from_row(&row)
    }

    async fn list_devices(
        &self,
        pool_id: &str,
        sub: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<Device>> {
        let after = cursor
            .map(parse_key_cursor)
            .transpose()?
            .unwrap_or_default();
        let size = page_size(limit);
        let sql = format!(
            "SELECT {COLUMNS} FROM devices WHERE pool_id = $1 AND user_sub = $2 \
             AND verifier IS NOT NULL AND device_key > $3 ORDER BY device_key LIMIT $4"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(pool_id)
            .bind(sub)
            .bind(after)
            .bind(fetch_limit(size))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let devices = rows
            .iter()
            .map(device_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(finish_page(devices, size, |d| key_cursor(&d.device_key)))
    }

    async fn delete_device(&self, pool_id: &str, sub: &str, device_key: &str) -> StoreResult<()> {
        let done = sqlx::query(
            "DELETE FROM devices WHERE pool_id = $1 AND user_sub = $2 AND device_key = $3",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(device_key)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        one_row(done.rows_affected())
    }

    async fn set_device_remembered(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
        remembered: bool,
        now_ms: i64,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE devices SET remembered = $4, modified_ms = $5 WHERE pool_id = $1 \
             AND user_sub = $2 AND device_key = $3 AND verifier IS NOT NULL",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(device_key)
        .bind(remembered)
        .bind(now_ms)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        one_row(done.rows_affected())
    }

    async fn touch_device(&self, pool_id: &str, device_key: &str, now_ms: i64) -> StoreResult<()> {
        sqlx::query("UPDATE devices SET last_auth_ms = $3 WHERE pool_id = $1 AND device_key = $2")
            .bind(pool_id)
            .bind(device_key)
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
