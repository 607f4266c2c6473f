//! The real `cogito` binary on a private PostgreSQL that is restarted under a stream of
//! SignUps (issue 7 acceptance 5): while PostgreSQL is down every request fails quickly with
//! `InternalErrorException` (HTTP 500, a generic message), afterwards sign-ups succeed again
//! without restarting cogito, and every acknowledged sign-up is there, complete (an
//! `UNCONFIRMED` user with its confirmation code in the outbox).
//!
//! The test runs a PostgreSQL cluster of its own (`initdb` into a temporary directory, a free
//! port, `pg_ctl stop -m fast` / `start`), never the machine's shared server. Without PostgreSQL
//! binaries it is skipped, unless `COGITO_REQUIRE_PG=1`, where it fails. As root the binaries
//! run as the `postgres` user (`initdb` refuses root). Every wait is bounded; the cluster is
//! stopped and cogito killed when their guards drop, also when the test panics.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cogito_testkit::sdk;
use sdk::config::{BehaviorVersion, Credentials, Region};
use sdk::error::{ProvideErrorMetadata, SdkError};
use sdk::types::{AttributeType, VerifiedAttributeType};

const PW: &str = "Passw0rd!";

/// A failed request must have been answered within this bound (no hang).
const FAIL_FAST: Duration = Duration::from_secs(5);

/// How long PostgreSQL stays down (at least).
const OUTAGE: Duration = Duration::from_secs(4);

/// A private PostgreSQL cluster; stopped (`-m immediate`) when dropped.
struct Postgres {
    bin: PathBuf,
    /// Owns the cluster's files; removed on drop, after the server stopped.
    dir: tempfile::TempDir,
    port: u16,
    as_postgres_user: bool,
}

impl Postgres {
    /// The directory holding `initdb` and `pg_ctl`: `pg_config --bindir`, then the newest
    /// `/usr/lib/postgresql/*/bin`, then `PATH`.
    fn find_bin() -> Option<PathBuf> {
        let has_tools = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
        let from_pg_config = Command::new("pg_config")
            .arg("--bindir")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let version = e.file_name().to_str()?.parse::<u32>().ok()?;
                Some((version, e.path().join("bin")))
            })
            .collect();
        debian.sort();
        let on_path = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default();
        from_pg_config
            .into_iter()
            .chain(debian.into_iter().rev().map(|(_, p)| p))
            .chain(on_path)
            .find(|d| has_tools(d))
    }

    /// Creates and starts a cluster; `None` (skip) without PostgreSQL binaries, a panic instead
    /// when `COGITO_REQUIRE_PG=1`.
    fn start() -> Option<Self> {
        let Some(bin) = Self::find_bin() else {
            assert!(
                std::env::var("COGITO_REQUIRE_PG").as_deref() != Ok("1"),
                "COGITO_REQUIRE_PG=1 but no PostgreSQL binaries (initdb, pg_ctl) were found"
            );
            eprintln!("skipped: no PostgreSQL binaries (initdb, pg_ctl) found");
            return None;
        };
        let as_postgres_user = rustix::process::geteuid().is_root();
        let dir = tempfile::tempdir().expect("temp dir");
        if as_postgres_user {
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(status.success(), "chown of the cluster directory failed");
        }
        let mut pg = Self {
            bin,
            dir,
            port: free_port(),
            as_postgres_user,
        };
        let data = pg.data_dir();
        pg.run("initdb", |c| {
            c.arg("-D")
                .arg(&data)
                .args(["-A", "trust", "-U", "postgres", "--no-sync"]);
        });
        // The free port may be taken before the server binds it: then try another.
        let mut started = pg.pg_ctl_start();
        for _ in 0..2 {
            if started.is_ok() {
                break;
            }
            pg.port = free_port();
            started = pg.pg_ctl_start();
        }
        started.unwrap_or_else(|e| panic!("{e}\n{}", pg.server_log()));
        Some(pg)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A command running one of the PostgreSQL binaries (as `postgres` when we are root).
    fn command(&self, tool: &str) -> Command {
        let mut cmd = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(self.bin.join(tool));
            c
        } else {
            Command::new(self.bin.join(tool))
        };
        cmd.stdin(Stdio::null());
        cmd
    }

    /// Runs one of the PostgreSQL binaries; its output when it fails.
    fn try_run(&self, tool: &str, args: impl FnOnce(&mut Command)) -> Result<(), String> {
        let mut cmd = self.command(tool);
        args(&mut cmd);
        let out = cmd.output().map_err(|e| format!("running {tool}: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        Err(format!(
            "{tool} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }

    /// Runs one of the PostgreSQL binaries; panics with its output when it fails.
    fn run(&self, tool: &str, args: impl FnOnce(&mut Command)) {
        self.try_run(tool, args).unwrap_or_else(|e| panic!("{e}"));
    }

    /// `pg_ctl start -w`: returns once the server accepts connections.
    fn pg_ctl_start(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let (data, log) = (self.data_dir(), self.dir.path().join("server.log"));
        self.try_run("pg_ctl", |c| {
            c.arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(&log)
                .args(["-o", &options, "-w", "-t", "30", "start"]);
        })
    }

    /// `pg_ctl stop -m <mode> -w`: returns once the server is gone.
    fn pg_ctl_stop(&self, mode: &str) {
        let data = self.data_dir();
        self.run("pg_ctl", |c| {
            c.arg("-D")
                .arg(&data)
                .args(["-m", mode, "-w", "-t", "30", "stop"]);
        });
    }

    /// The postmaster and its children (backends, background workers).
    fn pids(&self) -> Vec<String> {
        let Ok(pid_file) = std::fs::read_to_string(self.data_dir().join("postmaster.pid")) else {
            return Vec::new();
        };
        let Some(postmaster) = pid_file.lines().next().map(|l| l.trim().to_string()) else {
            return Vec::new();
        };
        let children = Command::new("pgrep")
            .args(["-P", &postmaster])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let mut pids = vec![postmaster];
        pids.extend(children.split_whitespace().map(str::to_string));
        pids
    }

    /// Sends `signal` (`STOP`, `CONT`) to every process of the cluster.
    fn signal(&self, signal: &str) {
        let pids = self.pids();
        assert!(!pids.is_empty(), "no PostgreSQL processes to signal");
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .args(pids)
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    fn server_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Best effort and never panicking, also while unwinding: no server is left running,
        // nor frozen.
        let pids = self.pids();
        if !pids.is_empty() {
            let _ = Command::new("kill")
                .arg("-CONT")
                .args(pids)
                .stderr(Stdio::null())
                .status();
        }
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "immediate", "-w", "-t", "30", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    l.local_addr().expect("addr").port()
}

/// A running `cogito serve --dev` on the PostgreSQL; killed and reaped on drop.
struct Cogito {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Cogito {
    async fn start(database_url: &str, data_dir: &Path) -> Self {
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

    async fn wait_healthy(&mut self, limit: Duration) -> bool {
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

    fn alive(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// An SDK client (`--dev` accepts any credentials), retries off, each call bounded well
    /// above [`FAIL_FAST`] so that a hang shows as a slow answer, not as a cancelled one.
    fn sdk(&self) -> sdk::Client {
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
struct Attempt {
    username: String,
    /// When it was sent, from the start of the stream.
    sent: Duration,
    took: Duration,
    outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Acknowledged,
    /// A service error: HTTP status, `__type`, message.
    Failed(u16, String, String),
    /// No answer at all (transport error, SDK timeout).
    NoAnswer(String),
}

/// Writers sending SignUps (each a fresh username) until told to stop.
struct Stream {
    started: Instant,
    attempts: Arc<Mutex<Vec<Attempt>>>,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Stream {
    const WRITERS: usize = 3;

    fn start(cogito: &Cogito, client_id: &str) -> Self {
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

    fn count(&self, pred: impl Fn(&Attempt) -> bool) -> usize {
        self.attempts
            .lock()
            .unwrap()
            .iter()
            .filter(|a| pred(a))
            .count()
    }

    /// Waits until `pred` holds, at most `limit`; whether it held.
    async fn wait_until(&self, limit: Duration, pred: impl Fn(&Self) -> bool) -> bool {
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
    async fn finish(self) -> Vec<Attempt> {
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

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

/// A pool with e-mail verification (so SignUp sends a code) and a client.
async fn pool_and_client(sdk: &sdk::Client) -> (String, String) {
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
async fn all_users(sdk: &sdk::Client, pool: &str) -> Vec<(String, String)> {
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
async fn usernames_with_a_code(cogito: &Cogito, pool: &str) -> Vec<String> {
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

/// Every acknowledged sign-up is there, complete (UNCONFIRMED, its code in the outbox); every
/// user is one the stream sent, complete too (a failed request may have committed: its answer
/// was lost, the write is atomic).
async fn assert_complete(cogito: &Cogito, admin: &sdk::Client, pool: &str, attempts: &[Attempt]) {
    let users = all_users(admin, pool).await;
    let with_code = usernames_with_a_code(cogito, pool).await;
    let sent: Vec<&str> = attempts.iter().map(|a| a.username.as_str()).collect();
    for a in attempts
        .iter()
        .filter(|a| a.outcome == Outcome::Acknowledged)
    {
        assert!(
            users.iter().any(|(u, _)| *u == a.username),
            "acknowledged sign-up {} lost",
            a.username
        );
    }
    for (username, status) in &users {
        assert!(sent.contains(&username.as_str()), "stray user {username}");
        assert_eq!(status, "UNCONFIRMED", "{username}");
        assert!(
            with_code.contains(username),
            "user {username} exists without its confirmation code"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restart_under_sign_ups_fails_fast_and_recovers() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let mut cogito = Cogito::start(&pg.url(), data.path()).await;
    let admin = cogito.sdk();
    let (pool, client) = pool_and_client(&admin).await;
    let acked = |a: &Attempt| a.outcome == Outcome::Acknowledged;

    // Some acknowledged sign-ups, then PostgreSQL goes away under the stream.
    let stream = Stream::start(&cogito, &client);
    assert!(
        stream
            .wait_until(Duration::from_secs(20), |s| s.count(acked) >= 20)
            .await,
        "no sign-ups before the outage\n{}",
        cogito.log_text()
    );
    let stopping = stream.started.elapsed();
    pg.pg_ctl_stop("fast");
    let down = stream.started.elapsed();
    let failed = |a: &Attempt| a.outcome != Outcome::Acknowledged;
    let outage_failures = stream
        .wait_until(OUTAGE * 3, |s| {
            s.started.elapsed() >= down + OUTAGE && s.count(|a| failed(a) && a.sent >= down) >= 3
        })
        .await;
    assert!(
        outage_failures,
        "requests did not fail while PostgreSQL was down"
    );
    pg.pg_ctl_start()
        .unwrap_or_else(|e| panic!("restarting PostgreSQL: {e}"));
    let up = stream.started.elapsed();

    // Service resumes by itself: new sign-ups are acknowledged again.
    let before = stream.count(acked);
    let resumed = stream
        .wait_until(Duration::from_secs(15), |s| {
            s.count(|a| acked(a) && a.sent >= up) >= 20
        })
        .await;
    let attempts = stream.finish().await;
    let log = cogito.log_text();
    let first_after = attempts
        .iter()
        .filter(|a| acked(a) && a.sent >= up)
        .map(|a| a.sent + a.took - up)
        .min();
    assert!(
        resumed,
        "sign-ups did not resume after PostgreSQL restarted ({before} acknowledged before; \
         first acknowledgement after restart: {first_after:?})\n{log}\n{}",
        pg.server_log()
    );

    // During the outage: every failure is a quick InternalErrorException, nothing else.
    let failures: Vec<&Attempt> = attempts.iter().filter(|a| failed(a)).collect();
    for a in &failures {
        let ok = matches!(&a.outcome, Outcome::Failed(500, code, message)
            if code == "InternalErrorException" && message == "Internal server error");
        assert!(ok, "not the clean error: {a:?}\n{log}");
        assert!(
            a.took < FAIL_FAST,
            "answered only after {:?}: {a:?}",
            a.took
        );
        // Only requests overlapping the outage may fail.
        assert!(
            a.sent + a.took >= stopping && a.sent < up,
            "failed outside the outage ({stopping:?}..{up:?}): {a:?}"
        );
    }
    assert!(failures.len() >= 3, "{failures:#?}");
    let slowest = attempts.iter().max_by_key(|a| a.took).expect("attempts");
    assert!(slowest.took < FAIL_FAST, "a request hung: {slowest:?}");

    assert_complete(&cogito, &admin, &pool, &attempts).await;
    // cogito was never restarted and is still serving.
    assert!(cogito.alive(), "cogito exited\n{log}");
    eprintln!(
        "{} acknowledged ({} after restart), {} failed during the outage (slowest {:?}), \
         first acknowledgement {first_after:?} after restart",
        attempts.iter().filter(|a| acked(a)).count(),
        attempts.iter().filter(|a| acked(a) && a.sent >= up).count(),
        failures.len(),
        failures.iter().map(|a| a.took).max(),
    );
}

/// A PostgreSQL that stops answering without closing its connections (every process frozen
/// with SIGSTOP: the kernel still accepts connections and acknowledges bytes, nothing answers).
/// Requests sent while it is frozen fail within [`FAIL_FAST`] (no connection within the
/// acquire timeout); those already on a connection when it froze fail at cogito's request
/// deadline (8 s) instead of hanging until TCP gives up; service resumes once it thaws.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn frozen_postgres_fails_fast_and_recovers() {
    /// cogito's request deadline plus slack for a loaded machine.
    const IN_FLIGHT_BOUND: Duration = Duration::from_secs(10);
    let Some(pg) = Postgres::start() else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let mut cogito = Cogito::start(&pg.url(), data.path()).await;
    let admin = cogito.sdk();
    let (pool, client) = pool_and_client(&admin).await;
    let acked = |a: &Attempt| a.outcome == Outcome::Acknowledged;
    let stream = Stream::start(&cogito, &client);
    assert!(
        stream
            .wait_until(Duration::from_secs(20), |s| s.count(acked) >= 20)
            .await,
        "no sign-ups before the freeze\n{}",
        cogito.log_text()
    );
    let freezing = stream.started.elapsed();
    pg.signal("STOP");
    let frozen = stream.started.elapsed();
    let failed = |a: &Attempt| a.outcome != Outcome::Acknowledged;
    // Frozen until every writer saw a failure (those in flight wait out the deadline).
    let seen = stream
        .wait_until(IN_FLIGHT_BOUND * 2, |s| {
            s.started.elapsed() >= frozen + OUTAGE
                && s.count(|a| failed(a) && a.sent >= frozen) >= Stream::WRITERS
        })
        .await;
    pg.signal("CONT");
    let thawed = stream.started.elapsed();
    let resumed = stream
        .wait_until(Duration::from_secs(15), |s| {
            s.count(|a| acked(a) && a.sent >= thawed) >= 20
        })
        .await;
    let attempts = stream.finish().await;
    let log = cogito.log_text();
    assert!(
        seen,
        "requests did not fail while PostgreSQL was frozen\n{log}"
    );
    assert!(resumed, "sign-ups did not resume after the thaw\n{log}");
    let failures: Vec<&Attempt> = attempts.iter().filter(|a| failed(a)).collect();
    for a in &failures {
        let ok = matches!(&a.outcome, Outcome::Failed(500, code, message)
            if code == "InternalErrorException" && message == "Internal server error");
        assert!(ok, "not the clean error: {a:?}\n{log}");
        assert!(
            a.sent + a.took >= freezing && a.sent < thawed,
            "failed outside the freeze ({freezing:?}..{thawed:?}): {a:?}"
        );
    }
    for a in &attempts {
        let bound = if a.sent >= frozen {
            FAIL_FAST
        } else {
            IN_FLIGHT_BOUND
        };
        assert!(a.took < bound, "answered only after {:?}: {a:?}", a.took);
    }
    assert_complete(&cogito, &admin, &pool, &attempts).await;
    assert!(cogito.alive(), "cogito exited\n{log}");
    eprintln!(
        "frozen {frozen:?}..{thawed:?}: {} failed, slowest {:?}",
        failures.len(),
        attempts.iter().map(|a| a.took).max()
    );
}
