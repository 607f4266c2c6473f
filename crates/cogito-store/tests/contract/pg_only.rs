//! Contract-like tests that only mean something on PostgreSQL: instances starting at the same
//! instant on one empty database (REL-11), and the query plans of `ListUsers` on a pool large
//! enough for the planner to choose between an index and a scan. Skipped like the PostgreSQL
//! contract suite when `COGITO_TEST_DATABASE_URL` is unset.

use cogito_core::store::{FilterField, FilterOp, UserFilter};
use cogito_store::PostgresStore;
use cogito_store::postgres::testing::TempDatabase;
use sqlx::postgres::PgPool;

/// Users in the pool of the plan tests: enough that a sequential scan costs more than an index.
const USERS: i64 = 5000;

/// Two (here: four) instances opening one fresh database at once all succeed, and every
/// migration is recorded exactly once: sqlx's advisory lock serialises the migrators.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_opens_migrate_once() {
    let Some(db) = TempDatabase::from_env().await else {
        return;
    };
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url().to_owned();
            tokio::spawn(async move { cogito_store::open_store(&url).await.map(|_| ()) })
        })
        .collect();
    for open in opens {
        open.await.unwrap().expect("every instance opens");
    }
    let pool = PgPool::connect(db.url()).await.unwrap();
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT version, COUNT(*) FROM _sqlx_migrations WHERE success GROUP BY version \
         ORDER BY version",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(!rows.is_empty());
    for (i, (version, count)) in rows.iter().enumerate() {
        assert_eq!(*version, i64::try_from(i).unwrap() + 1, "{rows:?}");
        assert_eq!(*count, 1, "migration {version} applied {count} times");
    }
    pool.close().await;
}

fn filter(field: FilterField, op: FilterOp, value: &str) -> UserFilter {
    UserFilter {
        field,
        op,
        value: value.to_owned(),
    }
}

/// A store whose pool `p` holds [`USERS`] users (written directly, for speed), analysed.
async fn big_pool(db: &TempDatabase) -> PostgresStore {
    let store = PostgresStore::open(db.url()).await.expect("open");
    let pool = PgPool::connect(db.url()).await.unwrap();
    for sql in [
        "INSERT INTO pools (id, record) VALUES ('p', '{}'), ('q', '{}')",
        "INSERT INTO users SELECT CASE WHEN i % 10 = 0 THEN 'q' ELSE 'p' END, 'sub-' || i, \
         'user' || i, 'user' || i, \
         (ARRAY['CONFIRMED', 'UNCONFIRMED', 'FORCE_CHANGE_PASSWORD', 'RESET_REQUIRED'])[1 + i % 4], \
         i % 3 <> 0, NULL, 0, '[]', '{}', i, i, 0, 0, 0 FROM generate_series(1, $1) i",
        "INSERT INTO user_attributes SELECT u.pool_id, u.sub, a.name, \
         CASE a.name WHEN 'email' THEN u.username || '@example.com' ELSE 'name ' || u.username END, \
         u.created_ms FROM users u CROSS JOIN (VALUES ('email'), ('name')) a (name)",
        "ANALYZE",
    ] {
        let query = sqlx::query(sql);
        let query = if sql.contains("$1") {
            query.bind(USERS)
        } else {
            query
        };
        query.execute(&pool).await.unwrap();
    }
    pool.close().await;
    store
}

/// The `ListUsers` e-mail filter is served by the attribute index, and no filter shape scans a
/// table sequentially, with or without a cursor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_users_plans_use_indexes() {
    let Some(db) = TempDatabase::from_env().await else {
        return;
    };
    let store = big_pool(&db).await;
    let email = filter(
        FilterField::Attribute("email".into()),
        FilterOp::Equals,
        "user77@example.com",
    );
    let plan = store
        .explain_list_users("p", Some(&email), None)
        .await
        .unwrap()
        .unwrap();
    assert!(plan.contains("user_attributes_by_value"), "{plan}");
    assert!(!plan.contains("Seq Scan"), "{plan}");

    let mut shapes = vec![None];
    for op in [FilterOp::Equals, FilterOp::Prefix] {
        for (field, value) in [
            (FilterField::Username, "user12"),
            (FilterField::Status, "UNCONFIRMED"),
            (FilterField::Enabled, "false"),
            (FilterField::Sub, "sub-12"),
            (FilterField::Attribute("email".into()), "user12"),
            (FilterField::Attribute("name".into()), "name user1"),
        ] {
            shapes.push(Some(filter(field, op, value)));
        }
    }
    for shape in &shapes {
        for after in [None, Some((100, "sub-100".to_owned()))] {
            let plan = store
                .explain_list_users("p", shape.as_ref(), after.clone())
                .await
                .unwrap()
                .unwrap();
            assert!(plan.contains("Index"), "{shape:?} after={after:?}:\n{plan}");
            assert!(
                !plan.contains("Seq Scan"),
                "{shape:?} after={after:?} scans:\n{plan}"
            );
        }
    }
}
