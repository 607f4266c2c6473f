//! Password sign-in under load at OWASP cost (issue 8 acceptance 5, security bar SEC-56): how
//! many argon2id verifications per second the machine allows (one worker per core, nothing
//! else running), then 32 concurrent `USER_PASSWORD_AUTH` sign-ins (`InitiateAuth`, a lean HTTP
//! client) against a server hashing at the same cost, with the sign-ins per second, the answers
//! that were not tokens, and the process's peak RSS (`VmHWM`: server and client together, so an
//! upper bound of the server's). The client runs on its own runtime, so the CPU time of each thread
//! says where a sign-in's CPU goes: the hash, the rest of the server, and the client — whose
//! share the measured rate pays on this machine although a real server's clients run elsewhere.
//! A benchmark, not a test: it prints numbers and asserts nothing.
//!
//! Run: `cargo bench -p cogito-testkit --bench hashing` (`COGITO_BENCH_SECS`, default 10: the
//! sign-ins' run; the hash alone runs for at most 5 s before it and again after it).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cogito_core::password::{HashCost, PasswordHasher};
use cogito_testkit::sdk::types::{AttributeType, MessageActionType};
use cogito_testkit::{TestApp, TestOptions};

const PW: &str = "Passw0rd!";
const CONCURRENCY: usize = 32;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// CPU seconds used so far by this process's threads, split into the password hasher's workers,
/// the load client's runtime and everything else (the server).
#[derive(Clone, Copy, Default)]
struct ThreadCpu {
    hasher: f64,
    client: f64,
    server: f64,
}

impl ThreadCpu {
    fn now() -> Self {
        let mut cpu = Self::default();
        let tick = 100.0; // USER_HZ on Linux
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
            return cpu;
        };
        for task in tasks.flatten() {
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
            // Fields after the parenthesised name: state is the 1st, utime the 12th, stime the 13th.
            let fields: Vec<&str> = stat
                .rsplit_once(')')
                .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
            let used = [11, 12]
                .iter()
                .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<f64>().ok()))
                .sum::<f64>()
                / tick;
            match comm.trim() {
                c if c.starts_with("argon2-") => cpu.hasher += used,
                c if c.starts_with("bench-client") => cpu.client += used,
                _ => cpu.server += used,
            }
        }
        cpu
    }

    fn since(self, start: Self) -> Self {
        Self {
            hasher: self.hasher - start.hasher,
            client: self.client - start.client,
            server: self.server - start.server,
        }
    }
}

/// Verifications per second with every core verifying back to back, and the CPU seconds of one.
async fn raw_rate(cores: usize, run: Duration) -> (f64, f64) {
    let hasher = PasswordHasher::new(HashCost::OWASP, cores).unwrap();
    let phc = hasher.hash(PW).await.unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let start = ThreadCpu::now();
    let until = Instant::now() + run;
    let tasks: Vec<_> = (0..cores * 2)
        .map(|_| {
            let (hasher, phc, done) = (hasher.clone(), phc.clone(), done.clone());
            tokio::spawn(async move {
                while Instant::now() < until {
                    assert!(hasher.verify(PW, &phc).await.unwrap());
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let hashes = done.load(Ordering::Relaxed) as f64;
    let cpu = ThreadCpu::now().since(start).hasher / hashes;
    (hashes / run.as_secs_f64(), cpu)
}

fn main() {
    let server = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("server runtime");
    let client = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("bench-client")
        .build()
        .expect("client runtime");
    server.block_on(run(client.handle().clone()));
}

async fn run(client_rt: tokio::runtime::Handle) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let secs = std::env::var("COGITO_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10u64);
    let run = Duration::from_secs(secs);
    // The hash alone is measured before and after the sign-ins and the two averaged: this
    // machine's speed drifts by several per cent over a minute, which one measurement would
    // charge to the server.
    let alone = Duration::from_secs(secs.min(5));
    let before = raw_rate(cores, alone).await;

    let app = TestApp::spawn_with(TestOptions {
        hash_cost: Some(HashCost::OWASP),
        ..Default::default()
    })
    .await;
    let pool = app.pool("bench").await;
    let (client, _) = app.client(&pool, false).await;
    // One user per connection: parallel sign-ins of one user are held back by the lockout's
    // in-flight reservation (SEC-37), which is not what this measures.
    for i in 0..CONCURRENCY {
        let name = format!("user{i}");
        app.sdk
            .admin_create_user()
            .user_pool_id(&pool)
            .username(&name)
            .user_attributes(
                AttributeType::builder()
                    .name("email")
                    .value(format!("{name}@example.com"))
                    .build()
                    .unwrap(),
            )
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        app.sdk
            .admin_set_user_password()
            .user_pool_id(&pool)
            .username(&name)
            .password(PW)
            .permanent(true)
            .send()
            .await
            .unwrap();
    }
    let (ok, refused, other) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let start = ThreadCpu::now();
    let until = Instant::now() + run;
    // The sign-ins are what a front end sends: `InitiateAuth` with `USER_PASSWORD_AUTH`, as plain
    // JSON over one kept-alive connection each. A lean client (no SDK, nothing to sign) keeps the
    // client's share of this machine's CPU small, since a real server's clients run elsewhere.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .expect("HTTP client");
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|i| {
            let (http, url) = (http.clone(), app.url.clone());
            let body = serde_json::json!({
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": client,
                "AuthParameters": {"USERNAME": format!("user{i}"), "PASSWORD": PW},
            })
            .to_string();
            let (ok, refused, other) = (ok.clone(), refused.clone(), other.clone());
            client_rt.spawn(async move {
                while Instant::now() < until {
                    let sent = http
                        .post(&url)
                        .header(
                            "X-Amz-Target",
                            "AWSCognitoIdentityProviderService.InitiateAuth",
                        )
                        .header("Content-Type", "application/x-amz-json-1.1")
                        .body(body.clone())
                        .send()
                        .await;
                    let answer = match sent {
                        Ok(r) => (r.status().as_u16(), r.bytes().await.unwrap_or_default()),
                        Err(_) => (0, Default::default()),
                    };
                    let counter = match answer {
                        (200, b) if b.windows(11).any(|w| w == b"AccessToken") => &ok,
                        (400, b) if b.windows(24).any(|w| w == b"TooManyRequestsException") => {
                            // Backs off as the SDKs do on a throttling error, rather than
                            // retrying at once in a loop that only burns the server's CPU.
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            &refused
                        }
                        _ => &other,
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let used = ThreadCpu::now().since(start);
    // Read before the hash alone runs again: its workers' memory adds to the server's.
    let peak_rss = peak_rss_mib();
    let after = raw_rate(cores, alone).await;
    let (allowed, hash_cpu) = ((before.0 + after.0) / 2.0, (before.1 + after.1) / 2.0);
    println!(
        "argon2id OWASP (19 MiB, t=2), {cores} workers: {allowed:.1} verifications/s \
         ({:.1} before the sign-ins, {:.1} after)",
        before.0, after.0
    );
    let signed_in = ok.load(Ordering::Relaxed) as f64;
    let rate = signed_in / run.as_secs_f64();
    println!(
        "{CONCURRENCY} concurrent sign-ins for {secs} s: {rate:.1} sign-ins/s ({:.0} % of the \
         hash alone), {} TooManyRequests, {} other errors; peak RSS {:.1} MiB",
        100.0 * rate / allowed,
        refused.load(Ordering::Relaxed),
        other.load(Ordering::Relaxed),
        peak_rss
    );
    let ms = |secs: f64| 1000.0 * secs / signed_in;
    let server_ms = ms(used.hasher + used.server);
    println!(
        "CPU per sign-in: {:.1} ms hashing (the hash alone: {:.1} ms), {:.1} ms the rest of the \
         server, {:.1} ms the client; the server alone allows {:.1} sign-ins/s ({:.0} % of \
         the hash alone)",
        ms(used.hasher),
        1000.0 * hash_cpu,
        ms(used.server),
        ms(used.client),
        1000.0 * cores as f64 / server_ms,
        100.0 * cores as f64 * 1000.0 / server_ms / allowed,
    );
}
