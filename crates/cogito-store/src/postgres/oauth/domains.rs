//! User-pool domains (`domains`: the name is the key, one domain per pool) and resource servers
//! (`resource_servers`: identifier unique per pool, record as JSON, listed by identifier).

use cogito_core::model::{Domain, ResourceServer};
use cogito_core::store::{Page, StoreError, StoreResult};
use sqlx::Row;
use sqlx::postgres::PgRow;

use crate::paging::{finish_page, key_cursor, page_size, parse_key_cursor};
use crate::postgres::{PostgresStore, db_err, decode, encode, fetch_limit, require_row};

/// The columns [`domain_from_row`] reads.
macro_rules! domain_columns {
    () => {
        "domain, pool_id, custom, managed_login_version, created_ms"
    };
}

fn domain_from_row(row: &PgRow) -> StoreResult<Domain> {
    Ok(Domain {
        domain: row.try_get("domain").map_err(db_err)?,
        pool_id: row.try_get("pool_id").map_err(db_err)?,
        custom: row.try_get("custom").map_err(db_err)?,
        managed_login_version: row.try_get("managed_login_version").map_err(db_err)?,
        created_ms: row.try_get("created_ms").map_err(db_err)?,
    })
}

/// Both the name (primary key) and the pool (unique) are `Conflict(Id)`; a missing pool fails
/// the foreign key and is `NotFound`.
pub(super) async fn insert_domain(store: &PostgresStore, domain: &Domain) -> StoreResult<()> {
    sqlx::query(concat!(
        "INSERT INTO domains (",
        domain_columns!(),
        ") VALUES ($1, $2, $3, $4, $5)"
    ))
    .bind(&domain.domain)
    .bind(&domain.pool_id)
    .bind(domain.custom)
    .bind(domain.managed_login_version)
    .bind(domain.created_ms)
    .execute(&store.pool)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(super) async fn get_domain(store: &PostgresStore, domain: &str) -> StoreResult<Domain> {
    let row = sqlx::query(concat!(
        "SELECT ",
        domain_columns!(),
        " FROM domains WHERE domain = $1"
    ))
    .bind(domain)
    .fetch_optional(&store.pool)
    .await
    .map_err(db_err)?
    .ok_or(StoreError::NotFound)?;
    domain_from_row(&row)
}

pub(super) async fn domain_of_pool(store: &PostgresStore, pool_id: &str) -> StoreResult<Domain> {
    let row = sqlx::query(concat!(
        "SELECT ",
        domain_columns!(),
        " FROM domains WHERE pool_id = $1"
    ))
    .bind(pool_id)
    .fetch_optional(&store.pool)
    .await
    .map_err(db_err)?
    .ok_or(StoreError::NotFound)?;
    domain_from_row(&row)
}

/// One statement; only a domain of `pool_id` is changed.
pub(super) async fn set_domain_login_version(
    store: &PostgresStore,
    pool_id: &str,
    domain: &str,
    version: i64,
) -> StoreResult<Domain> {
    let row = sqlx::query(concat!(
        "UPDATE domains SET managed_login_version = $3 WHERE domain = $1 AND pool_id = $2 \
         RETURNING ",
        domain_columns!()
    ))
    .bind(domain)
    .bind(pool_id)
    .bind(version)
    .fetch_optional(&store.pool)
    .await
    .map_err(db_err)?
    .ok_or(StoreError::NotFound)?;
    domain_from_row(&row)
}

pub(super) async fn delete_domain(store: &PostgresStore, domain: &str) -> StoreResult<()> {
    let done = sqlx::query("DELETE FROM domains WHERE domain = $1")
        .bind(domain)
        .execute(&store.pool)
        .await
        .map_err(db_err)?;
    require_row(done.rows_affected())
}

/// `Conflict(Id)` if the identifier is taken in the pool; `NotFound` if the pool is missing.
pub(super) async fn insert_resource_server(
    store: &PostgresStore,
    server: &ResourceServer,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO resource_servers (pool_id, identifier, record) VALUES ($1, $2, $3)")
        .bind(&server.pool_id)
        .bind(&server.identifier)
        .bind(encode(server)?)
        .execute(&store.pool)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub(super) async fn get_resource_server(
    store: &PostgresStore,
    pool_id: &str,
    identifier: &str,
) -> StoreResult<ResourceServer> {
    let record: String = sqlx::query_scalar(
        "SELECT record FROM resource_servers WHERE pool_id = $1 AND identifier = $2",
    )
    .bind(pool_id)
    .bind(identifier)
    .fetch_optional(&store.pool)
    .await
    .map_err(db_err)?
    .ok_or(StoreError::NotFound)?;
    decode(&record)
}

pub(super) async fn update_resource_server(
    store: &PostgresStore,
    server: &ResourceServer,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE resource_servers SET record = $3 WHERE pool_id = $1 AND identifier = $2",
    )
    .bind(&server.pool_id)
    .bind(&server.identifier)
    .bind(encode(server)?)
    .execute(&store.pool)
    .await
    .map_err(db_err)?;
    require_row(done.rows_affected())
}

pub(super) async fn delete_resource_server(
    store: &PostgresStore,
    pool_id: &str,
    identifier: &str,
) -> StoreResult<()> {
    let done = sqlx::query("DELETE FROM resource_servers WHERE pool_id = $1 AND identifier = $2")
        .bind(pool_id)
        .bind(identifier)
        .execute(&store.pool)
        .await
        .map_err(db_err)?;
    require_row(done.rows_affected())
}

pub(super) async fn list_resource_servers(
    store: &PostgresStore,
    pool_id: &str,
    cursor: Option<&str>,
    limit: u32,
) -> StoreResult<Page<ResourceServer>> {
    let after = cursor
        .map(parse_key_cursor)
        .transpose()?
        .unwrap_or_default();
    let size = page_size(limit);
    let rows = sqlx::query(
        "SELECT record FROM resource_servers WHERE pool_id = $1 AND identifier > $2 \
         ORDER BY identifier LIMIT $3",
    )
    .bind(pool_id)
    .bind(after)
    .bind(fetch_limit(size))
    .fetch_all(&store.pool)
    .await
    .map_err(db_err)?;
    let servers = rows
        .iter()
        .map(|row| decode::<ResourceServer>(&row.try_get::<String, _>("record").map_err(db_err)?))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(finish_page(servers, size, |s| key_cursor(&s.identifier)))
}
