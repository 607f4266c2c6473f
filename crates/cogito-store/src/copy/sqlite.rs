//! The SQLite end of a copy: one connection of its own, inside `BEGIN` (a read snapshot) as a
//! source or `BEGIN IMMEDIATE` (the write lock for the whole copy) as a destination. Booleans are
//! `INTEGER` 0 / 1 here, bytes `BLOB`.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use cogito_core::store::StoreError;
use futures::StreamExt;
use futures::stream::BoxStream;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, QueryBuilder, Row as _, Sqlite, Transaction};

use super::tables::{Column, Table, Type};
use super::{CatalogColumn, Role, Row, Side, Value};

/// How long the copy waits for a server's write lock on either file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Tables of the catalogue that are not the installation's: SQLite's own (`sqlite_sequence`)
/// and the migrator's.
const CATALOG: &str = "SELECT m.name, p.name, p.type, p.\"notnull\" \
     FROM sqlite_master m JOIN pragma_table_info(m.name) p \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
       AND m.name <> '_sqlx_migrations' \
     ORDER BY m.name, p.cid";

/// A SQLite database in a copy.
pub(crate) struct SqliteSide {
    tx: Transaction<'static, Sqlite>,
}

fn failed(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| StoreError::Unavailable(format!("SQLite: {what}: {e}"))
}

impl SqliteSide {
    pub(crate) async fn open(url: &str, role: Role) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unavailable(format!("invalid SQLite URL: {e}")))?;
        match role {
            // Creates the file if needed and applies the migrations, as `cogito serve` would.
            Role::Destination => drop(crate::SqliteStore::open(url).await?),
            Role::Source if !options.get_filename().exists() => {
                return Err(StoreError::Unavailable(format!(
                    "the SQLite database {} does not exist",
                    options.get_filename().display()
                )));
            }
            Role::Source => {}
        }
        let options = options
            .create_if_missing(false)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(failed("opening the database"))?;
        let begin = match role {
            Role::Source => "BEGIN",
            Role::Destination => "BEGIN IMMEDIATE",
        };
        let tx = pool
            .begin_with(begin)
            .await
            .map_err(failed("starting a transaction"))?;
        Ok(Self { tx })
    }
}

#[async_trait]
impl Side for SqliteSide {
    fn sql_type(&self, ty: Type) -> &'static str {
        match ty {
            Type::Text => "TEXT",
            Type::Int | Type::Bool => "INTEGER",
            Type::Bytes => "BLOB",
        }
    }

    async fn catalog(&mut self) -> Result<Vec<CatalogColumn>, StoreError> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(CATALOG)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(failed("reading the catalogue"))?;
        Ok(rows
            .into_iter()
            .map(|(table, column, sql_type, notnull)| CatalogColumn {
                table,
                column,
                sql_type,
                nullable: notnull == 0,
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
        sqlx::query(AssertSqlSafe(super::select_sql(table, "rowid")))
            .fetch(&mut *self.tx)
            .map(move |row| {
                let row = row.map_err(failed("reading rows"))?;
                decode(&row, table.columns).map_err(failed("decoding a row"))
            })
            .boxed()
    }

    async fn insert(&mut self, table: &'static Table, rows: Vec<Row>) -> Result<(), StoreError> {
        let mut query = QueryBuilder::<Sqlite>::new(super::insert_prefix(table));
        query.push_values(rows, |mut b, row| {
            for (value, column) in row.into_iter().zip(table.columns) {
                match value {
                    Value::Null => match column.ty {
                        Type::Text => b.push_bind(None::<String>),
                        Type::Int | Type::Bool => b.push_bind(None::<i64>),
                        Type::Bytes => b.push_bind(None::<Vec<u8>>),
                    },
                    Value::Int(v) => b.push_bind(v),
                    Value::Bool(v) => b.push_bind(i64::from(v)),
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

/// A row as [`Value`]s, by the declared type of each column.
fn decode(row: &SqliteRow, columns: &[Column]) -> Result<Row, sqlx::Error> {
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
                    .try_get::<Option<i64>, _>(i)?
                    .map_or(Value::Null, |v| Value::Bool(v != 0)),
                Type::Bytes => row
                    .try_get::<Option<Vec<u8>>, _>(i)?
                    .map_or(Value::Null, Value::Bytes),
            })
        })
        .collect()
}
