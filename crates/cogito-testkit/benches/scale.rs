//! Scale benchmark (not a timed test): one pool of `COGITO_BENCH_USERS` users (default
//! 1,000,000) on each backend, then latency percentiles of `ListUsers` (`email =` and
//! `username ^=`), `AdminGetUser` and a password sign-in (`ADMIN_USER_PASSWORD_AUTH`), each a
//! real SigV4-signed SDK call to a running server, and the query plans of the two filters.
//!
//! ```sh
//! COGITO_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!   cargo bench -p cogito-testkit --bench scale
//! ```
//!
//! Backends: `COGITO_BENCH_BACKENDS` (default `sqlite,postgres`; PostgreSQL needs
//! `COGITO_TEST_DATABASE_URL` and gets a fresh database, dropped afterwards). Requests per
//! operation: `COGITO_BENCH_REQUESTS` (default 2,000), one at a time, so each figure is one
//! request's latency through HTTP, SigV4, the service and the store. Users are loaded with
//! `import_users` in batches of 10,000; they share one password hash at the test harness's cheap
//! argon2 cost, so the sign-in figure is the engine's and the store's, not argon2's.

use std::time::{Duration, Instant};

use cogito_core::model::UserStatus;
use cogito_core::store::{FilterField, FilterOp, UserFilter};
use cogito_store::{PostgresStore, SqliteStore};
use cogito_testkit::sdk::types::AuthFlowType;
use cogito_testkit::{Backend, TestApp, TestOptions};

const PASSWORD: &str = "Passw0rd!";
const BATCH: usize = 10_000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn username(i: usize) -> String {
    format!("user{i:07}")
}

/// A reproducible sequence of user indexes (xorshift), the same on every backend.
struct Picks(u64, usize);

impl Picks {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % self.1 as u64) as usize
    }
}

/// Latency percentiles of one operation.
struct Report {
    name: &'static str,
    samples: Vec<Duration>,
}

impl Report {
    fn line(&mut self) -> String {
        self.samples.sort();
        let at = |q: f64| {
            let i = ((self.samples.len() as f64 - 1.0) * q).round() as usize;
            self.samples[i].as_secs_f64() * 1000.0
        };
        format!(
            "| {:<28} | {:>7.2} | {:>7.2} | {:>7.2} | {:>7.2} |",
            self.name,
            at(0.50),
            at(0.90),
            at(0.99),
            at(1.0)
        )
    }
}

async fn load(app: &TestApp, pool_id: &str, users: usize) -> Duration {
    let core = &app.state.core;
    let pool = core.pool(pool_id).await.expect("pool");
    let hash = core.hasher.hash(PASSWORD).await.expect("hash");
    let started = Instant::now();
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..users {
        let name = username(i);
        let mut user = cogito_core::service::signup::new_user(
            &pool,
            &name,
            &[
                ("email".into(), format!("{name}@example.com")),
                ("email_verified".into(), "true".into()),
            ],
            0,
        )
        .expect("user");
        user.status = UserStatus::Confirmed;
        user.password_hash = Some(hash.clone());
        let keys = cogito_core::attributes::login_keys(&pool, &user);
        batch.push(cogito_core::store::ImportedUser {
            user,
            keys,
            groups: Vec::new(),
        });
        if batch.len() == BATCH || i + 1 == users {
            core.store_for_harness()
                .import_users(&batch)
                .await
                .expect("import");
            batch.clear();
            if (i + 1) % 100_000 == 0 || i + 1 == users {
                eprintln!("  loaded {:>9} users in {:.0?}", i + 1, started.elapsed());
            }
        }
    }
    started.elapsed()
}

async fn plans(app: &TestApp, backend: Backend, pool_id: &str) -> Vec<(String, String)> {
    let email = UserFilter {
        field: FilterField::Attribute("email".into()),
        op: FilterOp::Equals,
        value: "user0123456@example.com".into(),
    };
    let prefix = UserFilter {
        field: FilterField::Username,
        op: FilterOp::Prefix,
        value: "user01234".into(),
    };
    let url = app.database_url();
    let mut out = Vec::new();
    for (label, f) in [
        ("email = \"user0123456@example.com\"", &email),
        ("username ^= \"user01234\"", &prefix),
    ] {
        let plan = match backend {
            Backend::Sqlite => {
                let path = url.trim_start_matches("sqlite://");
                let store = SqliteStore::open_path(path.as_ref()).await.expect("open");
                store.explain_list_users(pool_id, Some(f)).await
            }
            Backend::Postgres => {
                let store = PostgresStore::open(&url).await.expect("open");
                store.explain_list_users(pool_id, Some(f), None).await
            }
        }
        .expect("explain")
        .unwrap_or_default();
        out.push((label.to_owned(), plan));
    }
    out
}

async fn run(backend: Backend, users: usize, requests: usize) {
    let app = TestApp::spawn_with(TestOptions {
        backend: Some(backend),
        ..TestOptions::default()
    })
    .await;
    let pool = app.pool("scale").await;
    let (client, _) = app.client(&pool, false).await;
    eprintln!("{backend:?}: loading {users} users");
    let loaded = load(&app, &pool, users).await;
    let sdk = &app.sdk;
    let mut picks = Picks(0x9E37_79B9_7F4A_7C15, users);
    let mut reports = Vec::new();

    let mut r = Report {
        name: "ListUsers email =",
        samples: Vec::with_capacity(requests),
    };
    for _ in 0..requests {
        let name = username(picks.next());
        let t = Instant::now();
        let out = sdk
            .list_users()
            .user_pool_id(&pool)
            .filter(format!("email = \"{name}@example.com\""))
            .send()
            .await
            .expect("list");
        r.samples.push(t.elapsed());
        assert_eq!(out.users().len(), 1, "{name}");
    }
    reports.push(r);

    let mut r = Report {
        name: "ListUsers username ^= (60)",
        samples: Vec::with_capacity(requests),
    };
    for _ in 0..requests {
        // A 5-digit prefix matches up to 100 users; a page is 60.
        let name = username(picks.next());
        let t = Instant::now();
        let out = sdk
            .list_users()
            .user_pool_id(&pool)
            .filter(format!("username ^= \"{}\"", &name[..9]))
            .send()
            .await
            .expect("list");
        r.samples.push(t.elapsed());
        assert!(!out.users().is_empty(), "{name}");
    }
    reports.push(r);

    let mut r = Report {
        name: "AdminGetUser",
        samples: Vec::with_capacity(requests),
    };
    for _ in 0..requests {
        let name = username(picks.next());
        let t = Instant::now();
        let out = sdk
            .admin_get_user()
            .user_pool_id(&pool)
            .username(&name)
            .send()
            .await
            .expect("get");
        r.samples.push(t.elapsed());
        assert_eq!(out.username(), name);
    }
    reports.push(r);

    let mut r = Report {
        name: "sign-in (ADMIN_USER_PASSWORD)",
        samples: Vec::with_capacity(requests),
    };
    for _ in 0..requests {
        let name = username(picks.next());
        let t = Instant::now();
        let out = sdk
            .admin_initiate_auth()
            .user_pool_id(&pool)
            .client_id(&client)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", &name)
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .expect("sign in");
        r.samples.push(t.elapsed());
        assert!(out.authentication_result().is_some());
    }
    reports.push(r);

    println!(
        "\n## {backend:?}: {users} users (loaded in {:.1} s), {requests} requests each\n",
        loaded.as_secs_f64()
    );
    println!("| operation                    | p50 ms  | p90 ms  | p99 ms  | max ms  |");
    println!("| ---------------------------- | ------- | ------- | ------- | ------- |");
    for r in &mut reports {
        println!("{}", r.line());
    }
    for (label, plan) in plans(&app, backend, &pool).await {
        println!("\nplan of ListUsers {label}:\n{plan}");
        let scans = ["SCAN users", "Seq Scan on users", "SCAN u "];
        if scans.iter().any(|s| plan.contains(s)) {
            println!("WARNING: a full scan of users");
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; there are no other arguments.
    let users = env_usize("COGITO_BENCH_USERS", 1_000_000);
    let requests = env_usize("COGITO_BENCH_REQUESTS", 2_000);
    let backends = std::env::var("COGITO_BENCH_BACKENDS").unwrap_or("sqlite,postgres".into());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    for name in backends.split(',').map(str::trim) {
        let backend = match name {
            "sqlite" => Backend::Sqlite,
            "postgres" => {
                if std::env::var_os("COGITO_TEST_DATABASE_URL").is_none() {
                    eprintln!("postgres: skipped (set COGITO_TEST_DATABASE_URL)");
                    continue;
                }
                Backend::Postgres
            }
            other => panic!("COGITO_BENCH_BACKENDS: unknown backend {other}"),
        };
        runtime.block_on(run(backend, users, requests));
    }
}
