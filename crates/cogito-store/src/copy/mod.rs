//! Copying a whole installation from one database to another, across backends (SQLite ↔
//! PostgreSQL, and SQLite → SQLite): the store side of `cogito copy`.
//!
//! [`copy_installation`] reads the source inside one read transaction (a consistent snapshot,
//! even of a database that is still being served), table by table in foreign-key order
//! ([`tables::TABLES`]), each in key order (or insertion order where reads depend on it), and
//! writes the rows in bounded multi-row `INSERT`s inside one destination transaction: a copy that
//! fails half way leaves the destination as empty as it found it, so it can simply be run again.
//! Rows travel as backend-neutral [`Value`]s, and every column's type is mapped explicitly
//! (`INTEGER` 0/1 ↔ `boolean`, `BLOB` ↔ `bytea`, …) by the two backend modules.
//!
//! Sealed columns (signing keys, client secrets, stored credentials) are copied byte for byte:
//! both sides are served under the same master key.
//!
//! Before copying a row, the catalogue of both databases is compared with the table list; any
//! table or column that the list does not name, or names with another type, stops the copy. So a
//! migration that adds state without teaching this module about it fails its tests here rather
//! than losing that state in a copy. Tables that triggers derive from the copied ones
//! ([`tables::DERIVED`]: configuration versions) are not copied: the destination's triggers
//! rebuild them as the rows arrive.

mod postgres;
mod sqlite;
pub(crate) mod tables;
#[cfg(test)]
mod tests;

use async_trait::async_trait;
use cogito_core::store::StoreError;
use futures::TryStreamExt;
use futures::stream::BoxStream;

use tables::{DERIVED, INSERTION_COLUMN, Order, TABLES, Table, Type};

/// Rows per `INSERT` (at most 15 columns: far below either backend's limit on bound values).
const BATCH_ROWS: usize = 500;

/// A column value, the same on both backends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
}

/// One row, in the order of its table's columns.
pub(crate) type Row = Vec<Value>;

/// How far a copy has come; reported before each table and after each batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The table being copied.
    pub table: &'static str,
    /// Rows of that table in the source.
    pub table_rows: u64,
    /// Rows of that table copied so far.
    pub table_copied: u64,
    /// Rows of all tables in the source.
    pub total_rows: u64,
    /// Rows of all tables copied so far.
    pub total_copied: u64,
}

/// What a finished copy moved: every table, in copy order, with its row count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// `(table, rows)` for every table.
    pub tables: Vec<(&'static str, u64)>,
}

impl CopyReport {
    /// Rows copied in all.
    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// Why a copy did not happen. Nothing was written to the destination in any case (beyond
/// applying its migrations).
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The destination holds rows already: a copy only goes into an empty installation.
    #[error(
        "the destination already holds data ({rows} rows in `{table}`); copy only into an empty database"
    )]
    DestinationNotEmpty {
        /// The first non-empty table.
        table: &'static str,
        /// Its row count.
        rows: u64,
    },
    /// A database's tables are not the ones this version of cogito knows (an older or newer
    /// schema, or a table added by hand).
    #[error("the {side} schema is not the one this version of cogito copies: {}", problems.join("; "))]
    SchemaMismatch {
        /// `source` or `destination`.
        side: &'static str,
        /// One line per difference.
        problems: Vec<String>,
    },
    /// A table changed while it was read (only possible if the source is not a snapshot).
    #[error("`{table}` had {expected} rows when counted but {copied} were read")]
    CountChanged {
        /// The table.
        table: &'static str,
        /// Counted before the copy.
        expected: u64,
        /// Read during the copy.
        copied: u64,
    },
    /// A database could not be opened, read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A column as a database's catalogue describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CatalogColumn {
    pub table: String,
    pub column: String,
    /// The declared type as the backend spells it (`INTEGER`, `bigint`, …).
    pub sql_type: String,
    pub nullable: bool,
}

/// One end of a copy: a single connection inside a transaction (a read snapshot for the
/// source, the write transaction for the destination). Dropping it uncommitted rolls back.
#[async_trait]
pub(crate) trait Side: Send {
    /// The backend's spelling of a column type.
    fn sql_type(&self, ty: Type) -> &'static str;
    /// Every column of every table except the migrator's bookkeeping.
    async fn catalog(&mut self) -> Result<Vec<CatalogColumn>, StoreError>;
    /// Rows in a table.
    async fn count(&mut self, table: &'static Table) -> Result<u64, StoreError>;
    /// The rows of a table, in its [`Order`].
    fn rows<'c>(&'c mut self, table: &'static Table) -> BoxStream<'c, Result<Row, StoreError>>;
    /// Inserts rows (each in the order of `table.columns`).
    async fn insert(&mut self, table: &'static Table, rows: Vec<Row>) -> Result<(), StoreError>;
    /// Commits the transaction.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// Which end a database is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Must exist; only read.
    Source,
    /// Migrated (created if it is a missing SQLite file), then written in one transaction.
    Destination,
}

/// Opens one end, choosing the backend from the URL scheme (as [`crate::open_store`] does).
async fn open(url: &str, role: Role) -> Result<Box<dyn Side>, StoreError> {
    match crate::scheme(url)?.as_str() {
        "sqlite" => Ok(Box::new(sqlite::SqliteSide::open(url, role).await?)),
        "postgres" | "postgresql" => Ok(Box::new(postgres::PgSide::open(url, role).await?)),
        other => Err(StoreError::Unavailable(format!(
            "unsupported database URL scheme `{other}` (supported: sqlite, postgres)"
        ))),
    }
}

/// The number of rows of every table of an installation, in copy order (opened read-only):
/// what `cogito copy` would move, and how tests check that a failed operation wrote nothing.
///
/// # Errors
/// When the database cannot be opened, is not at the current schema, or a count fails.
pub async fn row_counts(url: &str) -> Result<Vec<(&'static str, u64)>, CopyError> {
    let mut source = open(url, Role::Source).await?;
    check_schema(source.as_mut(), "source").await?;
    let mut out = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        out.push((table.name, source.count(table).await?));
    }
    Ok(out)
}

/// Copies every row of the installation at `from` into the empty installation at `to`
/// (migrated first), reporting [`Progress`] as it goes.
///
/// # Errors
/// [`CopyError::DestinationNotEmpty`] when the destination holds any row (nothing is written);
/// [`CopyError::SchemaMismatch`] when either database is not at the schema this version knows
/// (migrate the source with `cogito migrate` first); [`CopyError::Store`] when a database cannot
/// be reached, read or written (the destination transaction is rolled back).
pub async fn copy_installation(
    from: &str,
    to: &str,
    mut progress: impl FnMut(&Progress),
) -> Result<CopyReport, CopyError> {
    let mut source = open(from, Role::Source).await?;
    check_schema(source.as_mut(), "source").await?;
    let mut dest = open(to, Role::Destination).await?;
    check_schema(dest.as_mut(), "destination").await?;
    for table in TABLES {
        let rows = dest.count(table).await?;
        if rows > 0 {
            return Err(CopyError::DestinationNotEmpty {
                table: table.name,
                rows,
            });
        }
    }
    let mut counts = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        counts.push(source.count(table).await?);
    }
    let mut state = Progress {
        table: TABLES[0].name,
        table_rows: 0,
        table_copied: 0,
        total_rows: counts.iter().sum(),
        total_copied: 0,
    };
    let mut report = CopyReport { tables: Vec::new() };
    for (table, &expected) in TABLES.iter().zip(&counts) {
        state.table = table.name;
        state.table_rows = expected;
        state.table_copied = 0;
        progress(&state);
        copy_table(
            source.as_mut(),
            dest.as_mut(),
            table,
            &mut state,
            &mut progress,
        )
        .await?;
        if state.table_copied != expected {
            return Err(CopyError::CountChanged {
                table: table.name,
                expected,
                copied: state.table_copied,
            });
        }
        report.tables.push((table.name, expected));
    }
    dest.commit().await?;
    Ok(report)
}

/// Streams one table from `source` into `dest` in batches of [`BATCH_ROWS`].
async fn copy_table(
    source: &mut dyn Side,
    dest: &mut dyn Side,
    table: &'static Table,
    state: &mut Progress,
    progress: &mut impl FnMut(&Progress),
) -> Result<(), StoreError> {
    let mut rows = source.rows(table);
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    loop {
        let next = rows.try_next().await?;
        let done = next.is_none();
        batch.extend(next);
        if batch.len() == BATCH_ROWS || (done && !batch.is_empty()) {
            let n = batch.len() as u64;
            dest.insert(table, std::mem::take(&mut batch)).await?;
            state.table_copied += n;
            state.total_copied += n;
            progress(state);
        }
        if done {
            return Ok(());
        }
    }
}

/// Compares a database's catalogue with [`TABLES`].
async fn check_schema(side: &mut dyn Side, name: &'static str) -> Result<(), CopyError> {
    let problems = schema_problems(side).await?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CopyError::SchemaMismatch {
            side: name,
            problems,
        })
    }
}

/// Every difference between a database's tables and columns and [`TABLES`], one line each.
pub(crate) async fn schema_problems(side: &mut dyn Side) -> Result<Vec<String>, StoreError> {
    let mut catalog = side.catalog().await?;
    catalog.retain(|c| !DERIVED.contains(&c.table.as_str()));
    let mut problems = Vec::new();
    for table in TABLES {
        if !catalog.iter().any(|c| c.table == table.name) {
            problems.push(format!("table `{}` is missing", table.name));
            continue;
        }
        for column in table.columns {
            let want = side.sql_type(column.ty);
            match catalog
                .iter()
                .position(|c| c.table == table.name && c.column == column.name)
            {
                None => problems.push(format!(
                    "column `{}.{}` is missing",
                    table.name, column.name
                )),
                Some(i) => {
                    let found = catalog.swap_remove(i);
                    if !found.sql_type.eq_ignore_ascii_case(want)
                        || found.nullable != column.nullable
                    {
                        problems.push(format!(
                            "column `{}.{}` is {}{} where {}{} is expected",
                            table.name,
                            column.name,
                            found.sql_type,
                            if found.nullable { "" } else { " NOT NULL" },
                            want,
                            if column.nullable { "" } else { " NOT NULL" },
                        ));
                    }
                }
            }
        }
        if matches!(table.order, Order::Insertion) {
            catalog.retain(|c| !(c.table == table.name && c.column == INSERTION_COLUMN));
        }
    }
    for extra in catalog {
        if TABLES.iter().any(|t| t.name == extra.table) {
            problems.push(format!(
                "column `{}.{}` is not copied",
                extra.table, extra.column
            ));
        } else {
            problems.push(format!(
                "table `{}` (column `{}`) is not copied",
                extra.table, extra.column
            ));
        }
    }
    Ok(problems)
}

/// The `ORDER BY` / `SELECT` list of a table: its columns joined with `, `.
fn column_list(table: &Table) -> String {
    table
        .columns
        .iter()
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `SELECT <columns> FROM <table> ORDER BY <order>`, where `insertion` is the backend's
/// insertion-order column. Identifiers come only from the constant [`TABLES`].
fn select_sql(table: &Table, insertion: &str) -> String {
    let order = match table.order {
        Order::Key(key) => key.join(", "),
        Order::Insertion => insertion.to_owned(),
    };
    format!(
        "SELECT {} FROM {} ORDER BY {order}",
        column_list(table),
        table.name
    )
}

/// `INSERT INTO <table> (<columns>) ` (the builder adds `VALUES …`).
fn insert_prefix(table: &Table) -> String {
    format!("INSERT INTO {} ({}) ", table.name, column_list(table))
}
