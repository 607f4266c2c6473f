//! Test harness: [`TestApp::spawn`] runs a real cogito server on `127.0.0.1:0` with a fresh
//! SQLite database in a temp directory, a fake clock, and an SDK client (the official AWS SDK for
//! Rust, real SigV4) whose signing time follows the fake clock.
//!
//! With `COGITO_TEST_BACKEND=postgres` the store is instead a fresh PostgreSQL database on the
//! server of `COGITO_TEST_DATABASE_URL`, created per `TestApp` and dropped with it, so the whole
//! API suite runs on the scale-out backend too.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Region};
use aws_smithy_async::time::{SharedTimeSource, TimeSource};
use cogito_core::crypto::MasterKey;
use cogito_core::model::OutboxMessage;
use cogito_core::password::HashCost;
use cogito_core::service::messages::OutboxOnly;
use cogito_core::service::{CoreConfig, Transport};
use cogito_core::store::{OutboxQuery, Store};
use cogito_core::{Clock, FakeClock};
use cogito_server::setup::{self, Parts};
use cogito_server::{AppState, ServerConfig};
use cogito_store::postgres::testing::{self, TempDatabase};
use cogito_store::{PostgresStore, SqliteStore};

pub use aws_sdk_cognitoidentityprovider as sdk;

pub mod srp_client;

/// The admin credentials every test server accepts.
pub const ACCESS_KEY_ID: &str = "AKIATESTCOGITO000001";
/// Secret of [`ACCESS_KEY_ID`].
pub const SECRET_ACCESS_KEY: &str = "test-secret-access-key-0123456789abcdef";

/// How to spawn a test server.
#[derive(Clone, Default)]
pub struct TestOptions {
    /// `--dev` mode.
    pub dev: bool,
    /// Cognito-style issuers.
    pub cognito_issuer: bool,
    /// A transport besides the outbox (e.g. SMTP to a test sink).
    pub transport: Option<Arc<dyn Transport>>,
    /// Serve pool domains on host names `<prefix>.auth.localhost:<port>` instead of the path form.
    pub domain_host_names: bool,
    /// The store, overriding `COGITO_TEST_BACKEND` (benchmarks compare both in one run).
    pub backend: Option<Backend>,
    /// Password hashing cost; `None` is the cheap [`HashCost::INSECURE_DEV`] (benchmarks of
    /// sign-in under load use [`HashCost::OWASP`]).
    pub hash_cost: Option<HashCost>,
    /// Trigger functions the app may call (`ARN=URL` settings).
    pub triggers: Option<cogito_server::triggers::TriggerSettings>,
    /// Connection limits of the listener (`None`: the defaults of `cogito serve`).
    pub limits: Option<cogito_server::listen::Limits>,
    /// Request rate limits (`None`: none, so tests of other things can run bursts; the tests
    /// of the limits set them).
    pub rate_limits: Option<cogito_core::service::rate_limits::RateLimits>,
    /// Proxies trusted to say the client's address in `X-Forwarded-For`.
    pub trusted_proxies: Vec<cogito_server::client_addr::Cidr>,
    /// Places for requests in flight (`None`: 4,096, so that tests of other things can send
    /// bursts; the tests of load shedding set them).
    pub in_flight: Option<cogito_server::shed::InFlight>,
}

/// A store backend of [`TestApp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in the app's temp directory.
    Sqlite,
    /// A fresh database on the PostgreSQL server of `COGITO_TEST_DATABASE_URL`.
    Postgres,
}

impl Backend {
    /// The backend `COGITO_TEST_BACKEND` asks for (`sqlite`, the default, or `postgres`).
    ///
    /// # Panics
    /// On any other value.
    pub fn from_env() -> Backend {
        match std::env::var(BACKEND_VAR).as_deref() {
            Err(_) | Ok("" | "sqlite") => Backend::Sqlite,
            Ok("postgres" | "postgresql") => Backend::Postgres,
            Ok(other) => panic!("{BACKEND_VAR}={other}: expected sqlite or postgres"),
        }
    }
}

/// A running server.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Bound address.
    pub addr: SocketAddr,
    /// The server's clock.
    pub clock: Arc<FakeClock>,
    /// The server's state (core services, store).
    pub state: AppState,
    /// An SDK client signing with the admin credentials.
    pub sdk: Client,
    /// The temp directory holding the SQLite database (and the UI directory, on any backend).
    pub dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// The PostgreSQL database of this app, dropped with it (`COGITO_TEST_BACKEND=postgres`).
    _database: Option<TempDatabase>,
    /// Arms the store's fault hook (see [`TestApp::fail_at`]).
    faults: FaultHook,
}

/// Arms the fault hook of the app's store backend.
type FaultHook = Arc<dyn Fn(i64) + Send + Sync>;

/// The variable choosing the store of [`TestApp`]: `sqlite` (default) or `postgres`.
pub const BACKEND_VAR: &str = "COGITO_TEST_BACKEND";

/// Opens the store of a new app: SQLite in `dir`, or a fresh PostgreSQL database; with the
/// backend's fault hook.
async fn test_store(
    dir: &std::path::Path,
    backend: Backend,
) -> (Arc<dyn Store>, FaultHook, Option<TempDatabase>) {
    match backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", dir.join("cogito.db").display());
            let store = Arc::new(SqliteStore::open(&url).await.expect("store"));
            let hook = store.clone();
            (store, Arc::new(move |n| hook.inject_fault_after(n)), None)
        }
        Backend::Postgres => {
            let server = std::env::var(testing::DATABASE_URL_VAR).unwrap_or_else(|_| {
                panic!(
                    "PostgreSQL required: {BACKEND_VAR}=postgres needs {}",
                    testing::DATABASE_URL_VAR
                )
            });
            let database = TempDatabase::create(&server)
                .await
                .expect("create a test database");
            let store = Arc::new(PostgresStore::open(database.url()).await.expect("store"));
            let hook = store.clone();
            (
                store,
                Arc::new(move |n| hook.inject_fault_after(n)),
                Some(database),
            )
        }
    }
}

/// SDK signing time that follows a fake clock, plus an offset.
#[derive(Debug, Clone)]
pub struct ClockTime {
    clock: Arc<FakeClock>,
    offset_secs: i64,
}

impl TimeSource for ClockTime {
    fn now(&self) -> SystemTime {
        let ms = self.clock.now_ms() + self.offset_secs * 1000;
        UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    }
}

impl TestApp {
    /// A server with SigV4 enforced.
    pub async fn spawn() -> Self {
        Self::spawn_with(TestOptions::default()).await
    }

    /// What the store holds, as an attacker with a copy of it would read it: the bytes of every
    /// file in the data directory (SQLite, with its WAL), or every row of the PostgreSQL
    /// database as JSON text.
    pub async fn stored_bytes(&self) -> Vec<u8> {
        if let Some(database) = &self._database {
            return database.dump_text().await.expect("dump").into_bytes();
        }
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(self.dir.path()).expect("data dir") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                bytes.extend(std::fs::read(path).expect("read"));
            }
        }
        bytes
    }

    /// Test hook: the `n`th fault point of the store's multi-statement writes from now fails
    /// (1 = the next), as a database failing between the statements of a transaction would;
    /// 0 disarms.
    pub fn fail_at(&self, n: i64) {
        (self.faults)(n);
    }

    /// The URL of the app's database (`sqlite://…` in its temp directory, or `postgres://…`).
    pub fn database_url(&self) -> String {
        match &self._database {
            Some(database) => database.url().to_owned(),
            None => format!("sqlite://{}", self.dir.path().join("cogito.db").display()),
        }
    }

    /// A server with options.
    pub async fn spawn_with(opts: TestOptions) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let backend = opts.backend.unwrap_or_else(Backend::from_env);
        let (store, faults, database) = test_store(dir.path(), backend).await;
        let clock = Arc::new(FakeClock::new());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let base = format!("http://{addr}");
        let state = setup::build(Parts {
            store,
            clock: clock.clone(),
            master: Arc::new(MasterKey::from_hex(&MasterKey::generate_hex()).expect("key")),
            hash_cost: opts.hash_cost.unwrap_or(HashCost::INSECURE_DEV),
            cores: setup::available_cores(),
            transport: opts
                .transport
                .clone()
                .unwrap_or_else(|| Arc::new(OutboxOnly)),
            core: CoreConfig {
                public_url: base.clone(),
                cognito_issuer: opts.cognito_issuer,
                region: "us-east-1".into(),
                rate_limits: opts
                    .rate_limits
                    .clone()
                    .unwrap_or_else(cogito_core::service::rate_limits::RateLimits::off),
            },
            server: ServerConfig {
                dev: opts.dev,
                admin_credentials: setup::credentials_map(ACCESS_KEY_ID, SECRET_ACCESS_KEY),
                domain_urls: if opts.domain_host_names {
                    cogito_server::domain::DomainUrls::Host {
                        scheme: "http".into(),
                        suffix: format!("auth.localhost:{}", addr.port()),
                    }
                } else {
                    cogito_server::domain::DomainUrls::Path {
                        public_url: base.clone(),
                    }
                },
                ui_dir: Some(dir.path().join("ui")),
                trusted_proxies: opts.trusted_proxies.clone(),
                in_flight: opts
                    .in_flight
                    .unwrap_or_else(|| cogito_server::shed::InFlight::with_places(4096)),
                ..ServerConfig::default()
            },
            triggers: opts.triggers,
        })
        .expect("state");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let router = cogito_server::app(state.clone());
        let limits = opts.limits.unwrap_or_default();
        tokio::spawn(async move {
            let stop = async {
                let _ = rx.await;
            };
            let _ = cogito_server::listen::serve(listener, router, limits, None, stop).await;
        });
        let mut app = Self {
            url: base,
            addr,
            clock,
            state,
            sdk: dummy_client(),
            dir,
            shutdown: Some(tx),
            _database: database,
            faults,
        };
        app.sdk = app.sdk_with(ACCESS_KEY_ID, SECRET_ACCESS_KEY, 0);
        app
    }

    /// An SDK client with other credentials, signing `offset_secs` away from the server clock.
    pub fn sdk_with(&self, access_key_id: &str, secret: &str, offset_secs: i64) -> Client {
        let conf = sdk::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(Credentials::new(
                access_key_id,
                secret,
                None,
                None,
                "cogito-testkit",
            ))
            .time_source(SharedTimeSource::new(ClockTime {
                clock: self.clock.clone(),
                offset_secs,
            }))
            .retry_config(sdk::config::retry::RetryConfig::disabled())
            .build();
        Client::from_conf(conf)
    }

    /// Outbox messages for an internal username, newest first.
    pub async fn outbox(&self, username: &str) -> Vec<OutboxMessage> {
        let q = OutboxQuery {
            pool_id: None,
            username: Some(username.into()),
            limit: 100,
        };
        // Through the core, which opens the sealed bodies and codes.
        self.state.core.outbox(&q).await.expect("outbox")
    }

    /// The last code sent to a user.
    pub async fn latest_code(&self, username: &str) -> String {
        self.outbox(username)
            .await
            .into_iter()
            .find_map(|m| m.code)
            .expect("a code in the outbox")
    }

    /// Creates a pool with a relaxed password policy and e-mail verification; returns its id.
    pub async fn pool(&self, name: &str) -> String {
        self.sdk
            .create_user_pool()
            .pool_name(name)
            .auto_verified_attributes(sdk::types::VerifiedAttributeType::Email)
            .send()
            .await
            .expect("create pool")
            .user_pool
            .and_then(|p| p.id)
            .expect("pool id")
    }

    /// Creates a client allowing password and refresh flows; returns `(client_id, secret)`.
    pub async fn client(&self, pool_id: &str, secret: bool) -> (String, Option<String>) {
        use sdk::types::ExplicitAuthFlowsType as F;
        let c = self
            .sdk
            .create_user_pool_client()
            .user_pool_id(pool_id)
            .client_name("app")
            .generate_secret(secret)
            .explicit_auth_flows(F::AllowUserPasswordAuth)
            .explicit_auth_flows(F::AllowAdminUserPasswordAuth)
            .explicit_auth_flows(F::AllowRefreshTokenAuth)
            .send()
            .await
            .expect("create client")
            .user_pool_client
            .expect("client");
        (c.client_id.expect("id"), c.client_secret)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn dummy_client() -> Client {
    let conf = sdk::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .build();
    Client::from_conf(conf)
}
