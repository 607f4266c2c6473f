//! The cogito processes under load: started as `cogito serve` on free loopback ports with the
//! production defaults (SigV4 on admin operations, OWASP argon2id) except the rate limits, which
//! are off — the generator is one address and would measure the limiter, not the capacity — and
//! sampled from `/proc` (resident memory, open files, CPU time).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Admin credentials of the instances.
pub const ACCESS_KEY_ID: &str = "AKIALOADTIER000000001";
/// The secret of [`ACCESS_KEY_ID`].
pub const SECRET_ACCESS_KEY: &str = "load-tier-secret-access-key-000000000000";

/// One running `cogito serve`.
#[derive(Debug)]
pub struct Instance {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The port it listens on.
    pub port: u16,
    log: PathBuf,
}

/// One sample of a process.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcSample {
    /// Resident memory, KiB.
    pub rss_kib: u64,
    /// Peak resident memory so far, KiB.
    pub hwm_kib: u64,
    /// Open file descriptors other than sockets (database files, logs, pipes).
    pub files: u64,
    /// Open sockets (client connections, database connections, the listener).
    pub sockets: u64,
    /// User + system CPU time, in clock ticks (1/100 s).
    pub cpu_ticks: u64,
}

impl Instance {
    /// Starts `cogito serve` with `data_dir` and `master_key` (the same on every instance of
    /// one database), on `database_url` when given (else SQLite in the data directory), with
    /// `cpus` as its share of the machine's cores when given, and waits until it answers
    /// `/health`.
    pub async fn start(
        cogito: &Path,
        data_dir: &Path,
        master_key: &str,
        database_url: Option<&str>,
        cpus: Option<usize>,
    ) -> anyhow::Result<Self> {
        for attempt in 0..3 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")?
                .local_addr()?
                .port();
            let log = data_dir.join(format!("serve-{port}.log"));
            let out = std::fs::File::create(&log)?;
            // A lower priority than the generator's, which shares the machine: under overload
            // the generator must still send on schedule (open loop), or it would measure its
            // own lateness. `nice` execs cogito, so the process id is cogito's.
            let mut cmd = Command::new("nice");
            cmd.args(["-n", "5"])
                .arg(cogito)
                .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                .arg("--data-dir")
                .arg(data_dir)
                .args(["--admin-access-key-id", ACCESS_KEY_ID])
                .args(["--admin-secret-access-key", SECRET_ACCESS_KEY])
                .args(["--rate-limit", "off", "--master-key", master_key])
                // One issuer for all instances, as behind a load balancer: a token minted by
                // one is valid on the other.
                .args(["--public-url", "http://cogito-load.internal"])
                .env("RUST_LOG", "warn")
                .env_remove("COGITO_CONFIG")
                .env_remove("COGITO_DATABASE_URL")
                .env_remove("COGITO_DATA_DIR")
                .stdin(Stdio::null())
                .stdout(out.try_clone()?)
                .stderr(out);
            if let Some(url) = database_url {
                cmd.args(["--database-url", url]);
            }
            if let Some(cpus) = cpus {
                cmd.args(["--cpus", &cpus.to_string()]);
            }
            let child = cmd
                .spawn()
                .with_context(|| format!("starting {}", cogito.display()))?;
            let mut instance = Self {
                child: Some(child),
                url: format!("http://127.0.0.1:{port}"),
                port,
                log,
            };
            if instance.wait_healthy(Duration::from_secs(60)).await {
                return Ok(instance);
            }
            eprintln!(
                "cogito did not become healthy (attempt {attempt}):\n{}",
                instance.log_tail()
            );
            instance.kill();
        }
        bail!("cogito never became healthy")
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
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }

    /// The process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The last lines of the instance's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// SIGTERM, then waits (bounded) for the exit; `true` when it exited with status 0.
    pub async fn stop(&mut self) -> bool {
        let Some(pid) = self.pid() else {
            return false;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(40);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return status.success();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.kill();
        false
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The connections of clients a process holds open on its listening `port` (Linux: its socket
/// inodes matched against `/proc/net/tcp{,6}`).
pub fn client_connections(pid: u32, port: u16) -> u64 {
    let inodes: std::collections::HashSet<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|t| {
            let t = t.to_string_lossy().into_owned();
            t.strip_prefix("socket:[")
                .and_then(|r| r.strip_suffix(']'))
                .map(str::to_owned)
        })
        .collect();
    let mut n = 0;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let local_port = f
                .get(1)
                .and_then(|a| a.rsplit_once(':'))
                .and_then(|(_, p)| u16::from_str_radix(p, 16).ok());
            // State 0A is LISTEN: the listener itself, not a client.
            if local_port == Some(port)
                && f.get(3) != Some(&"0A")
                && f.get(9).is_some_and(|i| inodes.contains(*i))
            {
                n += 1;
            }
        }
    }
    n
}

/// `/proc/<pid>` figures of a process (`None` when it is gone).
pub fn proc_sample(pid: u32) -> Option<ProcSample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<u64>().ok());
    let (mut files, mut sockets) = (0, 0);
    for fd in std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.flatten() {
        let socket =
            std::fs::read_link(fd.path()).is_ok_and(|t| t.to_string_lossy().starts_with("socket:"));
        if socket {
            sockets += 1;
        } else {
            files += 1;
        }
    }
    Some(ProcSample {
        rss_kib: kib("VmRSS:"),
        hwm_kib: kib("VmHWM:"),
        files,
        sockets,
        cpu_ticks: field(14)? + field(15)?,
    })
}
