//! [`ClientStore`] for SQLite: the `clients` table (client id, pool id, JSON record). Client ids
//! are unique across pools, so public operations can find a client by id alone. Deleting a client
//! also deletes its UI customisation.

use async_trait::async_trait;
use cogito_core::model::AppClient;
use cogito_core::store::{ClientStore, Page, Revised, Revision, StoreError, StoreResult};
use sqlx::Row;

use super::{SqliteStore, commit, db_err, decode, encode, fetch_limit, require_row};
use crate::paging::{finish_page, key_cursor, page_size, parse_key_cursor};

#[async_trait]
impl ClientStore for SqliteStore {
    async fn insert_client(&self, client: &AppClient) -> StoreResult<()> {
        sqlx::query("INSERT INTO clients (client_id, pool_id, record) VALUES (?1, ?2, ?3)")
            .bind(&client.client_id)
            .bind(&client.pool_id)
            .bind(encode(client)?)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn get_client(&self, pool_id: &str, client_id: &str) -> StoreResult<AppClient> {
        let record: String =
            sqlx::query_scalar("SELECT record FROM clients WHERE client_id = ?1 AND pool_id = ?2")
                .bind(client_id)
                .bind(pool_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?
                .ok_or(StoreError::NotFound)?;
        decode(&record)
    }

    async fn find_client(&self, client_id: &str) -> StoreResult<AppClient> {
        let record: String = sqlx::query_scalar("SELECT record FROM clients WHERE client_id = ?1")
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        decode(&record)
    }

    async fn get_client_revised(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> StoreResult<Revised<AppClient>> {
        let row = sqlx::query(
            "SELECT record, revision FROM clients WHERE client_id = ?1 AND pool_id = ?2",
        )
        .bind(client_id)
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

    async fn update_client(&self, client: &AppClient, read: Revision) -> StoreResult<Revision> {
        let next: Option<i64> = sqlx::query_scalar(
            "UPDATE clients SET record = ?3, revision = revision + 1 \
             WHERE client_id = ?1 AND pool_id = ?2 AND revision = ?4 RETURNING revision",
        )
        .bind(&client.client_id)
        .bind(&client.pool_id)
        .bind(encode(client)?)
        .bind(read.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        if let Some(next) = next {
            return Ok(Revision(next));
        }
        // No row at that revision: the client moved on, or it is gone.
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM clients WHERE client_id = ?1 AND pool_id = ?2")
                .bind(&client.client_id)
                .bind(&client.pool_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
        Err(if exists.is_some() {
            StoreError::Stale
        } else {
            StoreError::NotFound
        })
    }

    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM clients WHERE client_id = ?1 AND pool_id = ?2")
            .bind(client_id)
            .bind(pool_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        require_row(done.rows_affected())?;
        // The client's own UI customisation has no foreign key to it (see 0002_oauth.sql).
        sqlx::query("DELETE FROM ui_customizations WHERE pool_id = ?1 AND client_id = ?2")
            .bind(pool_id)
            .bind(client_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        commit(tx).await
    }

    async fn list_clients(
        &self,
        pool_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<AppClient>> {
        let after = cursor
            .map(parse_key_cursor)
            .transpose()?
            .unwrap_or_default();
        let size = page_size(limit);
        let rows = sqlx::query(
            "SELECT record FROM clients WHERE pool_id = ?1 AND client_id > ?2 \
             ORDER BY client_id LIMIT ?3",
        )
        .bind(pool_id)
        .bind(after)
        .bind(fetch_limit(size))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let clients = rows
            .iter()
            .map(|row| decode::<AppClient>(&row.try_get::<String, _>("record").map_err(db_err)?))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(finish_page(clients, size, |c| key_cursor(&c.client_id)))
    }
}
