//! The table list against the migrated schemas of both backends, and copies of synthetic
//! installations (a row in every column of every table, nulls, non-UTF-8 bytes, several batches)
//! SQLite → SQLite and SQLite → PostgreSQL → SQLite, compared row for row.

use super::tables::{Order, TABLES, Table, Type};
use super::{CopyError, Role, Row, Value, copy_installation, open, schema_problems};
use crate::postgres::testing::TempDatabase;

/// Rows per table: two full batches and one more.
const ROWS: usize = 2 * super::BATCH_ROWS + 1;

/// Columns that other tables reference or are referenced by: the same value in row `i` of
/// every table, so that every foreign key finds its parent.
const LINKED: &[&str] = &[
    "id",
    "pool_id",
    "sub",
    "user_sub",
    "group_name",
    "origin_jti",
];

fn value(table: &Table, column: usize, i: usize) -> Value {
    let col = &table.columns[column];
    if col.nullable && i.is_multiple_of(3) {
        return Value::Null;
    }
    let linked = LINKED.contains(&col.name) || (table.name == "groups" && col.name == "name");
    match col.ty {
        Type::Text if linked => Value::Text(format!("v{i:05}")),
        Type::Text => Value::Text(format!("{}-{i}-ü✓", col.name)),
        Type::Int if i == 1 => Value::Int(i64::MAX - column as i64),
        Type::Int => Value::Int(i as i64 * 1000 - column as i64),
        Type::Bool => Value::Bool(i.is_multiple_of(2)),
        Type::Bytes => Value::Bytes(vec![0, 0xff, i as u8, 0x80, (i >> 8) as u8]),
    }
}

fn synthetic(table: &Table, rows: usize) -> Vec<Row> {
    let mut out: Vec<Row> = (0..rows)
        .map(|i| {
            (0..table.columns.len())
                .map(|c| value(table, c, i))
                .collect()
        })
        .collect();
    // Insertion order must survive the copy: make it differ from key order.
    if matches!(table.order, Order::Insertion) {
        out.reverse();
    }
    out
}

/// Migrates `url` and writes `rows` synthetic rows into every table (or only `only`).
async fn fill(url: &str, rows: usize, only: Option<&str>) {
    let mut side = open(url, Role::Destination).await.expect("open");
    for table in TABLES {
        if only.is_some_and(|name| name != table.name) {
            continue;
        }
        for chunk in synthetic(table, rows).chunks(super::BATCH_ROWS) {
            side.insert(table, chunk.to_vec()).await.expect("insert");
        }
    }
    side.commit().await.expect("commit");
}

/// Every row of every table, in copy order.
async fn dump(url: &str) -> Vec<(&'static str, Vec<Row>)> {
    use futures::TryStreamExt;
    let mut side = open(url, Role::Source).await.expect("open");
    let mut out = Vec::new();
    for table in TABLES {
        let rows: Vec<Row> = side.rows(table).try_collect().await.expect("rows");
        out.push((table.name, rows));
    }
    out
}

fn sqlite_url(dir: &tempfile::TempDir, name: &str) -> String {
    format!("sqlite://{}", dir.path().join(name).display())
}

async fn raw_sqlite(url: &str, sql: &'static str) {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(url).await.expect("connect");
    sqlx::raw_sql(sql).execute(&mut conn).await.expect("sql");
}

#[tokio::test]
async fn sqlite_schema_is_the_table_list_and_extra_state_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir, "a.db");
    crate::SqliteStore::open(&url).await.expect("migrate");
    let mut side = open(&url, Role::Source).await.unwrap();
    assert_eq!(
        schema_problems(side.as_mut()).await.unwrap(),
        Vec::<String>::new()
    );
    drop(side);

    raw_sqlite(
        &url,
        "CREATE TABLE passkeys (id TEXT NOT NULL PRIMARY KEY) STRICT; \
         ALTER TABLE users ADD COLUMN nickname TEXT; \
         ALTER TABLE domains DROP COLUMN managed_login_version;",
    )
    .await;
    let mut side = open(&url, Role::Source).await.unwrap();
    let problems = schema_problems(side.as_mut()).await.unwrap().join("\n");
    assert!(problems.contains("table `passkeys`"), "{problems}");
    assert!(
        problems.contains("`users.nickname` is not copied"),
        "{problems}"
    );
    assert!(
        problems.contains("`domains.managed_login_version` is missing"),
        "{problems}"
    );
    drop(side);
    let err = copy_installation(&url, &sqlite_url(&dir, "b.db"), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(err, CopyError::SchemaMismatch { side: "source", .. }),
        "{err}"
    );
}

#[tokio::test]
async fn postgres_schema_is_the_table_list() {
    let Some(db) = TempDatabase::from_env().await else {
        return;
    };
    crate::postgres::migrate(db.url()).await.expect("migrate");
    let mut side = open(db.url(), Role::Source).await.unwrap();
    assert_eq!(
        schema_problems(side.as_mut()).await.unwrap(),
        Vec::<String>::new()
    );
    drop(side);

    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE passkeys (id TEXT PRIMARY KEY); ALTER TABLE users ALTER COLUMN enabled DROP NOT NULL;",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let mut side = open(db.url(), Role::Source).await.unwrap();
    let problems = schema_problems(side.as_mut()).await.unwrap().join("\n");
    assert!(problems.contains("table `passkeys`"), "{problems}");
    assert!(
        problems.contains("`users.enabled` is boolean where boolean NOT NULL"),
        "{problems}"
    );
}

#[tokio::test]
async fn sqlite_to_sqlite_copies_every_row_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (from, to) = (sqlite_url(&dir, "from.db"), sqlite_url(&dir, "to.db"));
    fill(&from, ROWS, None).await;
    let mut seen = Vec::new();
    let report = copy_installation(&from, &to, |p| seen.push(p.clone()))
        .await
        .expect("copy");
    assert_eq!(report.total_rows(), (ROWS * TABLES.len()) as u64);
    let last = seen.last().expect("progress");
    assert_eq!(
        (last.total_copied, last.total_rows),
        (report.total_rows(), report.total_rows())
    );
    assert!(
        seen.windows(2)
            .all(|w| w[0].total_copied <= w[1].total_copied)
    );
    let expected = dump(&from).await;
    assert!(expected.iter().all(|(_, rows)| rows.len() == ROWS));
    assert_eq!(dump(&to).await, expected);
}

#[tokio::test]
async fn sqlite_to_postgres_to_sqlite_round_trips() {
    let Some(db) = TempDatabase::from_env().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (from, back) = (sqlite_url(&dir, "from.db"), sqlite_url(&dir, "back.db"));
    fill(&from, ROWS, None).await;
    let expected = dump(&from).await;
    copy_installation(&from, db.url(), |_| {})
        .await
        .expect("to PostgreSQL");
    assert_eq!(dump(db.url()).await, expected);
    copy_installation(db.url(), &back, |_| {})
        .await
        .expect("back to SQLite");
    assert_eq!(dump(&back).await, expected);
}

#[tokio::test]
async fn a_destination_with_data_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (from, to) = (sqlite_url(&dir, "from.db"), sqlite_url(&dir, "to.db"));
    fill(&from, 3, None).await;
    // Only the last table holds a row: every table is checked.
    fill(&to, 1, Some("event_counters")).await;
    let before = dump(&to).await;
    let err = copy_installation(&from, &to, |_| {}).await.unwrap_err();
    assert!(
        matches!(
            err,
            CopyError::DestinationNotEmpty {
                table: "event_counters",
                rows: 1
            }
        ),
        "{err}"
    );
    assert_eq!(dump(&to).await, before);

    let Some(db) = TempDatabase::from_env().await else {
        return;
    };
    fill(db.url(), 1, Some("pools")).await;
    let before = dump(db.url()).await;
    let err = copy_installation(&from, db.url(), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(err, CopyError::DestinationNotEmpty { table: "pools", .. }),
        "{err}"
    );
    assert_eq!(dump(db.url()).await, before);
}

#[tokio::test]
async fn a_missing_source_is_an_error_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (from, to) = (sqlite_url(&dir, "missing.db"), sqlite_url(&dir, "to.db"));
    let err = copy_installation(&from, &to, |_| {}).await.unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!dir.path().join("missing.db").exists());
    assert!(!dir.path().join("to.db").exists());
}
