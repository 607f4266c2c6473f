//! The `cogito serve --dev` process under test, and writers streaming SignUps at it while
//! recording what each request answered and how long it took.

use std::ffi::OsString;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cogito_testkit::sdk;
use sdk::error::{ProvideErrorMetadata, SdkError};

use crate::support::{Server, attr};

/// The instance under test.
pub type Cogito = Server;

const PW: &str = "Passw0rd!";

/// `cogito serve --dev` on the PostgreSQL at `database_url` (the shared test harness's
/// [`Server`]: a free port, killed and reaped on drop).
pub async fn start_cogito(database_url: &str, data_dir: &Path) -> Cogito {
    let args: Vec<OsString> = vec![
        "--dev".into(),
        "--database-url".into(),
        database_url.into(),
        "--data-dir".into(),
        data_dir.into(),
    ];
    Server::start(data_dir, "pg", ("AKIADEV", "dev-secret"), &args).await
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
