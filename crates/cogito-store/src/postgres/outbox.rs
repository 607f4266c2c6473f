//! [`OutboxStore`] for PostgreSQL: the append-only `outbox` of sent messages, read newest first
//! (creation time, then insertion order) with optional pool and username filters.

use async_trait::async_trait;
use cogito_core::model::{DeliveryMedium, OutboxMessage};
use cogito_core::store::{OutboxQuery, OutboxStore, StoreError, StoreResult};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

use super::{PostgresStore, db_err};
use crate::paging::{DEFAULT_OUTBOX_LIMIT, MAX_PAGE_SIZE};

fn medium_from_str(text: &str) -> StoreResult<DeliveryMedium> {
    match text {
        "EMAIL" => Ok(DeliveryMedium::Email),
        "SMS" => Ok(DeliveryMedium::Sms),
        other => Err(StoreError::Unavailable(format!(
            "unknown delivery medium `{other}`"
        ))),
    }
}

fn message_from_row(row: &PgRow) -> StoreResult<OutboxMessage> {
    Ok(OutboxMessage {
        id: row.try_get("id").map_err(db_err)?,
        pool_id: row.try_get("pool_id").map_err(db_err)?,
        username: row.try_get("username").map_err(db_err)?,
        medium: medium_from_str(&row.try_get::<String, _>("medium").map_err(db_err)?)?,
        destination: row.try_get("destination").map_err(db_err)?,
        subject: row.try_get("subject").map_err(db_err)?,
        body: row.try_get("body").map_err(db_err)?,
        code: row.try_get("code").map_err(db_err)?,
        purpose: row.try_get("purpose").map_err(db_err)?,
        created_ms: row.try_get("created_ms").map_err(db_err)?,
    })
}

/// Appends a message on `conn` (inside the caller's transaction when there is one).
pub(super) async fn insert_in(conn: &mut PgConnection, message: &OutboxMessage) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO outbox (id, pool_id, username, medium, destination, subject, body, code, \
         purpose, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&message.id)
    .bind(&message.pool_id)
    .bind(&message.username)
    .bind(message.medium.as_str())
    .bind(&message.destination)
    .bind(&message.subject)
    .bind(&message.body)
    .bind(&message.code)
    .bind(&message.purpose)
    .bind(message.created_ms)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

#[async_trait]
impl OutboxStore for PostgresStore {
    async fn insert_message(&self, message: &OutboxMessage) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        insert_in(&mut conn, message).await
    }

    async fn list_messages(&self, query: &OutboxQuery) -> StoreResult<Vec<OutboxMessage>> {
        let limit = match query.limit {
            0 => DEFAULT_OUTBOX_LIMIT,
            n => n.min(MAX_PAGE_SIZE),
        };
        let mut sql = QueryBuilder::<Postgres>::new(
            "SELECT id, pool_id, username, medium, destination, subject, body, code, purpose, \
             created_ms FROM outbox WHERE 1 = 1",
        );
        if let Some(pool_id) = &query.pool_id {
            sql.push(" AND pool_id = ").push_bind(pool_id.clone());
        }
        if let Some(username) = &query.username {
            sql.push(" AND username = ").push_bind(username.clone());
        }
        sql.push(" ORDER BY created_ms DESC, seq DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = sql.build().fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(message_from_row).collect()
    }
}
