//! The real `cogito` binary: acknowledged writes survive `kill -9` (REL-07), concurrent
//! SignUps of one username create exactly one user (REL-20), `cogito outbox --latest-code`
//! reads codes from the data directory, and SIGTERM shuts down cleanly with exit code 0 (REL-18);
//! a second SIGTERM, or a drain past its timeout, ends a stuck drain (REL-19).
//!
//! Every loop is bounded in count and time; children are killed when their guard drops.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cogito_testkit::sdk;
use sdk::types::MessageActionType;

const KEY_ID: &str = "AKIADURABILITY000001";
const SECRET: &str = "durability-secret-access-key-0123456789ab";
const PW: &str = "Passw0rd!";

mod support;

use support::{Server, attr, pool_and_client};

/// `cogito serve` over the data directory `data`, logging into `logs`.
async fn serve(data: &Path, logs: &Path) -> Server {
    Server::start(
        logs,
        "durability",
        (KEY_ID, SECRET),
        &["--data-dir".into(), data.into()],
    )
    .await
}

/// [`serve`] with more arguments.
async fn serve_with(data: &Path, logs: &Path, extra: &[&str]) -> Server {
    let mut args: Vec<std::ffi::OsString> = vec!["--data-dir".into(), data.into()];
    args.extend(extra.iter().map(Into::into));
    Server::start(logs, "durability", (KEY_ID, SECRET), &args).await
}

/// What a writer task observed.
#[derive(Default)]
struct Ledger {
    /// Usernames whose creation was acknowledged with a 2xx.
    acked: Vec<String>,
    /// Transport failures (no answer) once the server was being stopped.
    lost_after_stop: usize,
    /// Failures that must not happen: service errors, or transport errors before the stop.
    unexpected: Vec<String>,
}

/// A bounded burst of AdminCreateUser and SignUp from several concurrent writers.
struct Burst {
    ledger: Arc<Mutex<Ledger>>,
    stopping: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Burst {
    const TASKS: usize = 6;
    const PER_TASK: usize = 80;

    fn start(server: &Server, pool: &str, client: &str) -> Self {
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let stopping = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for t in 0..Self::TASKS {
            let (sdk, pool, client) = (server.sdk(), pool.to_string(), client.to_string());
            let (ledger, stopping) = (ledger.clone(), stopping.clone());
            tasks.push(tokio::spawn(async move {
                let started = Instant::now();
                for i in 0..Self::PER_TASK {
                    if stopping.load(Ordering::SeqCst)
                        || started.elapsed() > Duration::from_secs(60)
                    {
                        break;
                    }
                    let username = format!("u{t}x{i}");
                    let email = format!("{username}@example.com");
                    let result = if i % 2 == 0 {
                        sdk.admin_create_user()
                            .user_pool_id(&pool)
                            .username(&username)
                            .user_attributes(attr("email", &email))
                            .message_action(MessageActionType::Suppress)
                            .send()
                            .await
                            .map(|_| ())
                            .map_err(|e| (e.as_service_error().is_some(), format!("{e:?}")))
                    } else {
                        sdk.sign_up()
                            .client_id(&client)
                            .username(&username)
                            .password(PW)
                            .user_attributes(attr("email", &email))
                            .send()
                            .await
                            .map(|_| ())
                            .map_err(|e| (e.as_service_error().is_some(), format!("{e:?}")))
                    };
                    let mut l = ledger.lock().unwrap();
                    match result {
                        Ok(()) => l.acked.push(username),
                        Err((false, _)) if stopping.load(Ordering::SeqCst) => {
                            l.lost_after_stop += 1
                        }
                        Err((_, e)) => l.unexpected.push(format!("{username}: {e}")),
                    }
                }
            }));
        }
        Self {
            ledger,
            stopping,
            tasks,
        }
    }

    /// Waits (bounded) until `n` writes were acknowledged, then marks the burst as stopping.
    async fn wait_for_acks(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.ledger.lock().unwrap().acked.len() < n && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// Joins the writers (bounded) and returns what they saw.
    async fn finish(self) -> Ledger {
        for t in self.tasks {
            tokio::time::timeout(Duration::from_secs(30), t)
                .await
                .expect("writer stopped in time")
                .unwrap();
        }
        std::mem::take(&mut *self.ledger.lock().unwrap())
    }
}

/// Checks on a restarted server that every acknowledged user exists with its attributes.
async fn assert_all_present(server: &Server, pool: &str, acked: &[String]) {
    let sdk = server.sdk();
    for username in acked {
        let u = sdk
            .admin_get_user()
            .user_pool_id(pool)
            .username(username)
            .send()
            .await
            .unwrap_or_else(|e| panic!("acknowledged user {username} lost: {e:?}"));
        let email = u
            .user_attributes()
            .iter()
            .find(|a| a.name() == "email")
            .and_then(|a| a.value());
        assert_eq!(email, Some(format!("{username}@example.com").as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_kill_9() {
    const KILL_AFTER_ACKS: usize = 120;
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let mut server = serve(data.path(), logs.path()).await;
    let (pool, client) = pool_and_client(&server.sdk(), "durability").await;

    let burst = Burst::start(&server, &pool, &client);
    burst.wait_for_acks(KILL_AFTER_ACKS).await;
    server.kill9();
    let ledger = burst.finish().await;
    let log = std::fs::read_to_string(&server.log).unwrap_or_default();
    assert!(
        ledger.unexpected.is_empty(),
        "unexpected failures: {:#?}\nserver log:\n{log}",
        ledger.unexpected
    );
    assert!(
        ledger.acked.len() >= KILL_AFTER_ACKS,
        "only {} writes acknowledged",
        ledger.acked.len()
    );
    assert!(
        ledger.acked.len() < Burst::TASKS * Burst::PER_TASK,
        "the burst finished before the kill"
    );

    // Restart over the same data directory: every acknowledged user is there.
    let server = serve(data.path(), logs.path()).await;
    assert_all_present(&server, &pool, &ledger.acked).await;
    // The restarted server takes writes again.
    server
        .sdk()
        .admin_create_user()
        .user_pool_id(&pool)
        .username("after-restart")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("write after restart");
    eprintln!(
        "{} acknowledged writes verified, {} requests lost in flight",
        ledger.acked.len(),
        ledger.lost_after_stop
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sign_ups_of_one_username_create_one_user() {
    const N: usize = 20;
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = serve(data.path(), logs.path()).await;
    let admin = server.sdk();
    let (pool, client) = pool_and_client(&admin, "durability").await;

    let barrier = Arc::new(tokio::sync::Barrier::new(N));
    let mut tasks = Vec::new();
    for i in 0..N {
        let (sdk, client, barrier) = (server.sdk(), client.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            sdk.sign_up()
                .client_id(&client)
                .username("dup")
                .password(PW)
                .user_attributes(attr("email", &format!("dup{i}@example.com")))
                .send()
                .await
        }));
    }
    let (mut ok, mut exists, mut other) = (0, 0, Vec::new());
    for t in tasks {
        match tokio::time::timeout(Duration::from_secs(60), t)
            .await
            .expect("sign-up in time")
            .unwrap()
        {
            Ok(_) => ok += 1,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_username_exists_exception()) =>
            {
                exists += 1
            }
            Err(e) => other.push(format!("{e:?}")),
        }
    }
    assert!(other.is_empty(), "unexpected errors: {other:#?}");
    assert_eq!((ok, exists), (1, N - 1));
    let users = admin
        .list_users()
        .user_pool_id(&pool)
        .filter("username = \"dup\"")
        .send()
        .await
        .unwrap();
    assert_eq!(users.users().len(), 1);
    let all = admin.list_users().user_pool_id(&pool).send().await.unwrap();
    assert_eq!(all.users().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_command_prints_the_latest_code() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = serve(data.path(), logs.path()).await;
    let sdk = server.sdk();
    let (pool, client) = pool_and_client(&sdk, "durability").await;
    sdk.sign_up()
        .client_id(&client)
        .username("olivia")
        .password(PW)
        .user_attributes(attr("email", "olivia@example.com"))
        .send()
        .await
        .unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_cogito"))
        .args(["outbox", "--data-dir"])
        .arg(data.path())
        .args(["--username", "olivia", "--latest-code"])
        .output()
        .expect("cogito outbox");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let code = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(code.len(), 6, "{code:?}");
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{code:?}");

    // It is the code that was sent: it confirms the user.
    sdk.confirm_sign_up()
        .client_id(&client)
        .username("olivia")
        .confirmation_code(&code)
        .send()
        .await
        .unwrap();
    let u = sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("olivia")
        .send()
        .await
        .unwrap();
    assert_eq!(u.user_status().map(|s| s.as_str()), Some("CONFIRMED"));

    // An unknown user has no code: a failure exit, nothing on stdout.
    let out = Command::new(env!("CARGO_BIN_EXE_cogito"))
        .args(["outbox", "--data-dir"])
        .arg(data.path())
        .args(["--username", "nobody", "--latest-code"])
        .output()
        .expect("cogito outbox");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rel_18_sigterm_under_load_exits_0_and_keeps_every_acknowledged_write() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let mut server = serve(data.path(), logs.path()).await;
    let (pool, client) = pool_and_client(&server.sdk(), "durability").await;

    let burst = Burst::start(&server, &pool, &client);
    burst.wait_for_acks(60).await;
    let status = server.terminate(Duration::from_secs(30)).await;
    let ledger = burst.finish().await;
    let log = std::fs::read_to_string(&server.log).unwrap_or_default();
    assert_eq!(
        status.code(),
        Some(0),
        "exit status {status:?}\nserver log:\n{log}"
    );
    assert!(
        ledger.unexpected.is_empty(),
        "unexpected failures: {:#?}\nserver log:\n{log}",
        ledger.unexpected
    );

    let server = serve(data.path(), logs.path()).await;
    assert_all_present(&server, &pool, &ledger.acked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rel_18_sigterm_when_idle_exits_0() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let mut server = serve(data.path(), logs.path()).await;
    let status = server.terminate(Duration::from_secs(30)).await;
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
}

/// Issue 7 acceptance 7: after a SignUp (a code), an AdminCreateUser with a temporary password
/// and a client with a secret, no file of the data directory holds any of them in plaintext;
/// the directory is 0700 and its files 0600 (corrected at start even when created wider); and
/// `cogito outbox` still reads the sealed code with the master key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_sealed_at_rest_and_data_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = serve(&data, logs.path()).await;
    let sdk = server.sdk();
    let (pool, client) = pool_and_client(&sdk, "durability").await;
    let secret = sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("confidential")
        .generate_secret(true)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .and_then(|c| c.client_secret)
        .expect("a client secret");
    let described = sdk
        .list_user_pool_clients()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(described.user_pool_clients().len(), 2);
    sdk.sign_up()
        .client_id(&client)
        .username("sam")
        .password(PW)
        .user_attributes(attr("email", "sam@example.com"))
        .send()
        .await
        .unwrap();
    let temporary = "Tmp-Only-Here-7f3c9a!";
    sdk.admin_create_user()
        .user_pool_id(&pool)
        .username("ivy")
        .temporary_password(temporary)
        .user_attributes(attr("email", "ivy@example.com"))
        .desired_delivery_mediums(sdk::types::DeliveryMediumType::Email)
        .send()
        .await
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cogito"))
        .args(["outbox", "--data-dir"])
        .arg(&data)
        .args(["--username", "sam", "--latest-code"])
        .output()
        .expect("cogito outbox");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let code = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(code.len(), 6);
    let invitation = Command::new(env!("CARGO_BIN_EXE_cogito"))
        .args(["outbox", "--data-dir"])
        .arg(&data)
        .args(["--username", "ivy"])
        .output()
        .expect("cogito outbox");
    assert!(
        String::from_utf8_lossy(&invitation.stdout).contains(temporary),
        "the invitation opens with the master key"
    );

    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "data directory");
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
            let bytes = std::fs::read(&path).unwrap();
            for (what, needle) in [
                ("code", code.as_str()),
                ("temporary password", temporary),
                ("client secret", secret.as_str()),
            ] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{what} in plaintext in {}",
                    path.display()
                );
            }
        }
    }
    // The sealed secret still authenticates: DescribeUserPoolClient shows it opened.
    let shown = sdk
        .list_user_pool_clients()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    let id = shown
        .user_pool_clients()
        .iter()
        .find(|c| c.client_name() == Some("confidential"))
        .and_then(|c| c.client_id())
        .unwrap()
        .to_string();
    let d = sdk
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.user_pool_client.and_then(|c| c.client_secret).as_deref(),
        Some(secret.as_str())
    );
}

/// A request that never finishes: a `POST /` whose body stops after its first bytes (the
/// server waits for the rest). The stream is returned so that the connection stays open.
async fn stuck_request(server: &Server) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let addr = server.url.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools\r\n\
         Content-Length: 1000\r\n\r\n{{\"Max"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    // Let the server take the request in.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream
}

/// Sends SIGTERM without waiting.
fn sigterm(server: &Server) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
}

/// REL-19: during a drain held up by a stuck request, a second SIGTERM ends the process at once.
#[tokio::test(flavor = "multi_thread")]
async fn rel_19_a_second_sigterm_during_a_stuck_drain_exits() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = serve(dir.path(), dir.path()).await;
    let _stuck = stuck_request(&server).await;
    sigterm(&server);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        server.is_running(),
        "the first SIGTERM drains: the stuck request holds it"
    );
    let started = Instant::now();
    let status = server.terminate(Duration::from_secs(5)).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(status.code(), Some(1), "a forced exit says so");
    assert!(server.log().contains("second signal"), "{}", server.log());
}

/// REL-19: a drain that outlasts `--drain-timeout` ends the process.
#[tokio::test(flavor = "multi_thread")]
async fn rel_19_a_drain_past_its_timeout_exits() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = serve_with(dir.path(), dir.path(), &["--drain-timeout", "1"]).await;
    let _stuck = stuck_request(&server).await;
    let started = Instant::now();
    let status = server.terminate(Duration::from_secs(6)).await;
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "{took:?}"
    );
    assert_eq!(status.code(), Some(1));
    assert!(server.log().contains("drain timeout"), "{}", server.log());
}

/// The password-hashing threads (`argon2-N`) of the process `pid`.
fn hashing_threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("/proc/PID/task")
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
        .filter(|name| name.starts_with("argon2-"))
        .count()
}

/// REL-04 with instances that share a host: `--cpus` is the share an instance counts as its
/// own, and it hashes passwords on one worker per core of it, never fewer than two.
#[tokio::test(flavor = "multi_thread")]
async fn rel_04_an_instance_hashes_on_one_worker_per_core_of_its_cpus() {
    let dir = tempfile::tempdir().unwrap();
    for (cpus, workers) in [("3", 3), ("1", 2)] {
        let data = dir.path().join(format!("cpus-{cpus}"));
        let server = serve_with(&data, dir.path(), &["--cpus", cpus]).await;
        assert_eq!(hashing_threads(server.pid()), workers, "--cpus {cpus}");
        server.stop().await;
    }
}
