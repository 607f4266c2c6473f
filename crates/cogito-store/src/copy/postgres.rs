//! The PostgreSQL end of a copy: one connection of its own, without the request-sized statement
//! timeouts of the serving pool, inside a `REPEATABLE READ READ ONLY` transaction (one snapshot
//! of every table) as a source or a plain transaction as a destination. Booleans are `boolean`
//! here, bytes `bytea`, integers `bigint`.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use cogito_core::store::StoreError;
use futures::StreamExt;
use futures::stream::BoxStream;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder, Row as _, Transaction};

use super::tables::{Column, Table, Type};
use super::{CatalogColumn, Role, Row, Side, Value};

/// How long opening a connection may take.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

const CATALOG: &str = "SELECT c.table_name::text, c.column_name::text, c.data_type::text, \
            c.is_nullable = 'YES' \
     FROM information_schema.columns c \
     JOIN information_schema.tables t \
       ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
       AND c.table_name <> '_sqlx_migrations' \
     ORDER BY c.table_name, c.ordinal_position";

/// A PostgreSQL database in a copy.
pub(crate) struct PgSide {
    tx: Transaction<'static, Postgres>,
}

fn failed(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| StoreError::Unavailable(format!("PostgreSQL: {what}: {e}"))
}

impl PgSide {
    pub(crate) async fn open(url: &str, role: Role) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unavailable(format!("invalid PostgreSQL URL: {e}")))?
            .application_name("cogito copy");
        if role == Role::Destination {
            crate::postgres::migrate(url).await?;
        }
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(failed("connecting"))?;
        let begin = match role {
            Role::Source => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            Role::Destination => "BEGIN",
        };
        let tx = pool
            .begin_with(begin)
            .await
            .map_err(failed("starting a transaction"))?;
        Ok(Self { tx })
    }
}

#[async_trait]
impl Side for PgSide {
    fn sql_type(&self, ty: Type) -> &'static str {
        match ty {
            Type::Text => "text",
            Type::Int => "bigint",
            Type::Bool => "boolean",
            Type::Bytes => "bytea",
        }
    }

    async fn catalog(&mut self) -> Result<Vec<CatalogColumn>, StoreError> {
        let rows: Vec<(String, String, String, bool)> = sqlx::query_as(CATALOG)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(failed("reading the catalogue"))?;
        Ok(rows
            .into_iter()
            .map(|(table, column, sql_type, nullable)| CatalogColumn {
                table,
                column,
                sql_type,
                nullable,
            })
            .collect())
    }

    async fn count(&mut self, table: &'static Table) -> Result<u64, StoreError> {
        // Identifiers come only from the constant table list.
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {}",
            table.name
        )))
        .fetch_one(&mut *self.tx)
        .await
        .map_err(failed("counting rows"))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn rows<'c>(&'c mut self, table: &'static Table) -> BoxStream<'c, Result<Row, StoreError>> {
        sqlx::query(AssertSqlSafe(super::select_sql(
            table,
            super::tables::INSERTION_COLUMN,
        )))
        .fetch(&mut *self.tx)
        .map(move |row| {
            let row = row.map_err(failed("reading rows"))?;
            decode(&row, table.columns).map_err(failed("decoding a row"))
        })
        .boxed()
    }

    async fn insert(&mut self, table: &'static Table, rows: Vec<Row>) -> Result<(), StoreError> {
        let mut query = QueryBuilder::<Postgres>::new(super::insert_prefix(table));
        query.push_values(rows, |mut b, row| {
            for (value, column) in row.into_iter().zip(table.columns) {
                match value {
                    Value::Null => match column.ty {
                        Type::Text => b.push_bind(None::<String>),
                        Type::Int => b.push_bind(None::<i64>),
                        Type::Bool => b.push_bind(None::<bool>),
                        Type::Bytes => b.push_bind(None::<Vec<u8>>),
                    },
                    Value::Int(v) => b.push_bind(v),
                    Value::Bool(v) => b.push_bind(v),
                    Value::Text(v) => b.push_bind(v),
                    Value::Bytes(v) => b.push_bind(v),
                };
            }
        });
        query
            .build()
            .execute(&mut *self.tx)
            .await
            .map_err(failed("inserting rows"))?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(failed("committing"))
    }
}

/// A row as [`Value`]s, by the type of each column.
fn decode(row: &PgRow, columns: &[Column]) -> Result<Row, sqlx::Error> {
    columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            Ok(match column.ty {
                Type::Text => row
                    .try_get::<Option<String>, _>(i)?
                    .map_or(Value::Null, Value::Text),
                Type::Int => row
                    .try_get::<Option<i64>, _>(i)?
                    .map_or(Value::Null, Value::Int),
                Type::Bool => row
                    .try_get::<Option<bool>, _>(i)?
                    .map_or(Value::Null, Value::Bool),
                Type::Bytes => row
                    .try_get::<Option<Vec<u8>>, _>(i)?
                    .map_or(Value::Null, Value::Bytes),
            })
        })
        .collect()
}
