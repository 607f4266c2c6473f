//! [`PoolStore`] for PostgreSQL: the `pools` table (id + JSON record), the cascade of
//! `delete_pool`, and the user count of a pool.

use async_trait::async_trait;
use cogito_core::model::UserPool;
use cogito_core::store::{Page, PoolStore, Revised, Revision, StoreError, StoreResult};
use sqlx::Row;

use super::{PostgresStore, commit, db_err, decode, encode, fetch_limit, require_row};
use crate::paging::{finish_page, key_cursor, page_size, parse_key_cursor};

#[async_trait]
impl PoolStore for PostgresStore {
    async fn insert_pool(&self, pool: &UserPool) -> StoreResult<()> {
        sqlx::query("INSERT INTO pools (id, record) VALUES ($1, $2)")
            .bind(&pool.id)
            .bind(encode(pool)?)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn get_pool(&self, pool_id: &str) -> StoreResult<UserPool> {
        let record: String = sqlx::query_scalar("SELECT record FROM pools WHERE id = $1")
            .bind(pool_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        decode(&record)
    }

    async fn get_pool_revised(&self, pool_id: &str) -> StoreResult<Revised<UserPool>> {
        let row = sqlx::query("SELECT record, revision FROM pools WHERE id = $1")
            .bind(pool_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        Ok(Revised {
            record: decode(&row.get::<String, _>(0))?,
            revision: Revision(row.get(1)),
        })
    }

    async fn update_pool(&self, pool: &UserPool, read: Revision) -> StoreResult<Revision> {
        let next: Option<i64> = sqlx::query_scalar(
            "UPDATE pools SET record = $2, revision = revision + 1 \
             WHERE id = $1 AND revision = $3 RETURNING revision",
        )
        .bind(&pool.id)
        .bind(encode(pool)?)
        .bind(read.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        if let Some(next) = next {
            return Ok(Revision(next));
        }
        // No row at that revision: the pool moved on, or it is gone.
        let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pools WHERE id = $1")
            .bind(&pool.id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        Err(if exists.is_some() {
            StoreError::Stale
        } else {
            StoreError::NotFound
        })
    }

    async fn delete_pool(&self, pool_id: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        // Rows without a foreign key to `pools` go explicitly; everything else cascades
        // (clients, users and what hangs off them, groups, and the OAuth state of 0002: domain,
        // resource servers, authorization codes, hosted-UI sessions, UI customisation).
        for sql in [
            "DELETE FROM outbox WHERE pool_id = $1",
            "DELETE FROM signing_keys WHERE pool_id = $1",
        ] {
            sqlx::query(sql)
                .bind(pool_id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        let done = sqlx::query("DELETE FROM pools WHERE id = $1")
            .bind(pool_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        require_row(done.rows_affected())?;
        commit(tx).await
    }

    async fn list_pools(&self, cursor: Option<&str>, limit: u32) -> StoreResult<Page<UserPool>> {
        let after = cursor
            .map(parse_key_cursor)
            .transpose()?
            .unwrap_or_default();
        let size = page_size(limit);
        let rows = sqlx::query("SELECT record FROM pools WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(fetch_limit(size))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let pools = rows
            .iter()
            .map(|row| decode::<UserPool>(&row.try_get::<String, _>("record").map_err(db_err)?))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(finish_page(pools, size, |p| key_cursor(&p.id)))
    }

    async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE pool_id = $1")
            .bind(pool_id)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        u64::try_from(n).map_err(|_| StoreError::Unavailable(format!("negative count {n}")))
    }
}
