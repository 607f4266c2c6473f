//! The `cogito serve --dev` process under test, and writers streaming SignUps at it while
//! recording what each request answered and how long it took.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cogito_testkit::sdk;
use sdk::config::{BehaviorVersion, Credentials, Region};
use sdk::error::{ProvideErrorMetadata, SdkError};
use sdk::types::{AttributeType, VerifiedAttributeType};

use crate::postgres::free_port;

const PW: &str = "Passw0rd!";

/// A running `cogito serve --dev` on the PostgreSQL; killed and reaped on drop.
pub struct Cogito {
    pub child: Child,
    pub url: String,
    pub log: PathBuf,
}

impl Cogito {
    pub async fn start(database_url: &str, data_dir: &Path) -> Self {
        for attempt in 0..3 {
            let port = free_port();
            let log = data_dir.join(format!("serve-{port}.log"));
            let out = std::fs::File::create(&log).expect("log file");
            let err = out.try_clone().expect("log file");
            let child = Command::new(env!("CARGO_BIN_EXE_cogito"))
                .args(["serve", "--dev", "--listen", &format!("127.0.0.1:{port}")])
                .args(["--database-url", database_url, "--data-dir"])
                .arg(data_dir)
                .env("RUST_LOG", "warn")
                .env_remove("COGITO_CONFIG")
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err)
                .spawn()
                .expect("spawn cogito");
            let mut cogito = Self {
                child,
                url: format!("http://127.0.0.1:{port}"),
                log,
            };
            if cogito.wait_healthy(Duration::from_secs(30)).await {
                return cogito;
            }
            eprintln!(
                "cogito did not become healthy (attempt {attempt}):\n{}",
                cogito.log_text()
            );
        }
        panic!("cogito never became healthy");
    }

    pub async fn wait_healthy(&mut self, limit: Duration) -> bool {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if !self.alive() {
                return false;
            }
            if let Ok(r) = http.get(format!("{}/health", self.url)).send().await
                && r.status().is_success()
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        false
    }

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// An SDK client (`--dev` accepts any credentials), retries off, each call bounded well
    /// above the fail-fast bound so that a hang shows as a slow answer, not as a cancelled one.
    pub fn sdk(&self) -> sdk::Client {
        let timeouts = sdk::config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_timeout(Duration::from_secs(20))
            .build();
        let conf = sdk::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(Credentials::new("AKIADEV", "dev-secret", None, None, "t"))
            .retry_config(sdk::config::retry::RetryConfig::disabled())
            .timeout_config(timeouts)
            .build();
        sdk::Client::from_conf(conf)
    }
}

impl Drop for Cogito {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One SignUp as a writer saw it.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub username: String,
    /// When it was sent, from the start of the stream.
    pub sent: Duration,
    pub took: Duration,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Acknowledged,
    /// A service error: HTTP status, `__type`, message.
    Failed(u16, String, String),
    /// No answer at all (transport error, SDK timeout).
    NoAnswer(String),
}

/// Writers sending SignUps (each a fresh username) until told to stop.
pub struct Stream {
    pub started: Instant,
    pub attempts: Arc<Mutex<Vec<Attempt>>>,
    pub stop: Arc<AtomicBool>,
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Stream {
    pub const WRITERS: usize = 3;

    pub fn start(cogito: &Cogito, client_id: &str) -> Self {
        let started = Instant::now();
        let attempts = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = (0..Self::WRITERS)
            .map(|w| {
                let (sdk, client_id) = (cogito.sdk(), client_id.to_string());
                let (attempts, stop) = (attempts.clone(), stop.clone());
                tokio::spawn(async move {
                    let mut i = 0;
                    // Bounded in count and time even if the stop flag never comes.
                    while !stop.load(Ordering::SeqCst)
                        && i < 5_000
                        && started.elapsed() < Duration::from_secs(90)
                    {
                        let username = format!("w{w}n{i}");
                        i += 1;
                        let sent = started.elapsed();
                        let at = Instant::now();
                        let result = sdk
                            .sign_up()
                            .client_id(&client_id)
                            .username(&username)
                            .password(PW)
                            .user_attributes(attr("email", &format!("{username}@example.com")))
                            .send()
                            .await;
                        let took = at.elapsed();
                        let outcome = match result {
                            Ok(_) => Outcome::Acknowledged,
                            Err(SdkError::ServiceError(e)) => Outcome::Failed(
                                e.raw().status().as_u16(),
                                e.err().code().unwrap_or_default().to_string(),
                                e.err().message().unwrap_or_default().to_string(),
                            ),
                            Err(e) => Outcome::NoAnswer(format!("{e:?}")),
                        };
                        attempts.lock().unwrap().push(Attempt {
                            username,
                            sent,
                            took,
                            outcome,
                        });
                    }
                })
            })
            .collect();
        Self {
            started,
            attempts,
            stop,
            tasks,
        }
    }

    pub fn count(&self, pred: impl Fn(&Attempt) -> bool) -> usize {
        self.attempts
            .lock()
            .unwrap()
            .iter()
            .filter(|a| pred(a))
            .count()
    }

    /// Waits until `pred` holds, at most `limit`; whether it held.
    pub async fn wait_until(&self, limit: Duration, pred: impl Fn(&Self) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if pred(self) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        pred(self)
    }

    /// Stops the writers (each finishes its request in flight) and returns every attempt.
    pub async fn finish(self) -> Vec<Attempt> {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            tokio::time::timeout(Duration::from_secs(30), t)
                .await
                .expect("writer stopped in time")
                .unwrap();
        }
        std::mem::take(&mut *self.attempts.lock().unwrap())
    }
}

pub fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

/// A pool with e-mail verification (so SignUp sends a code) and a client.
pub async fn pool_and_client(sdk: &sdk::Client) -> (String, String) {
    let pool = sdk
        .create_user_pool()
        .pool_name("pg-restart")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .expect("create pool")
        .user_pool
        .and_then(|p| p.id)
        .expect("pool id");
    let client = sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .send()
        .await
        .expect("create client")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("client id");
    (pool, client)
}

/// Every user of the pool with its status (ListUsers, all pages).
pub async fn all_users(sdk: &sdk::Client, pool: &str) -> Vec<(String, String)> {
    let mut users = Vec::new();
    let mut token = None;
    for _ in 0..1_000 {
        let page = sdk
            .list_users()
            .user_pool_id(pool)
            .set_pagination_token(token)
            .send()
            .await
            .expect("ListUsers");
        for u in page.users() {
            users.push((
                u.username().unwrap_or_default().to_string(),
                u.user_status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            ));
        }
        token = page.pagination_token().map(str::to_string);
        if token.is_none() {
            return users;
        }
    }
    panic!("ListUsers did not end");
}

/// Usernames with a confirmation code in the dev outbox.
pub async fn usernames_with_a_code(cogito: &Cogito, pool: &str) -> Vec<String> {
    let body = reqwest::Client::new()
        // Pool ids (`us-east-1_…`) need no escaping.
        .get(format!(
            "{}/_dev/outbox?pool={pool}&limit=100000",
            cogito.url
        ))
        .send()
        .await
        .expect("GET /_dev/outbox")
        .text()
        .await
        .expect("outbox body");
    let messages: Vec<serde_json::Value> =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("outbox JSON ({e}): {body}"));
    messages
        .iter()
        .filter(|m| m["code"].as_str().is_some_and(|c| !c.is_empty()))
        .filter_map(|m| m["username"].as_str().map(str::to_string))
        .collect()
}

/// Gives the pool a domain (path form `/domain/<name>/…`) and returns its name.
pub async fn domain(sdk: &sdk::Client, pool: &str) -> String {
    let name = "pg-freeze";
    sdk.create_user_pool_domain()
        .user_pool_id(pool)
        .domain(name)
        .send()
        .await
        .expect("create domain");
    name.to_string()
}

/// One request to a pool domain's OAuth endpoints or hosted pages: the status and how long it
/// took.
pub async fn domain_request(cogito: &Cogito, domain: &str, path: &str) -> (u16, Duration) {
    let http = reqwest::Client::new();
    let url = format!("{}/domain/{domain}{path}", cogito.url);
    let started = Instant::now();
    let req = if path.starts_with("/oauth2/token") {
        http.post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&client_id=nobody")
    } else {
        http.get(url)
    };
    let status = req
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .map_or(0, |r| r.status().as_u16());
    (status, started.elapsed())
}
