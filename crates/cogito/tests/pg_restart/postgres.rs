//! A private PostgreSQL cluster for one test: `initdb` into a temporary directory, a free port,
//! `pg_ctl` to stop, start and (SIGSTOP/SIGCONT) freeze it. As root the binaries run as the
//! `postgres` user (`initdb` refuses root); the guard stops the server when dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A private PostgreSQL cluster; stopped (`-m immediate`) when dropped.
pub struct Postgres {
    pub bin: PathBuf,
    /// Owns the cluster's files; removed on drop, after the server stopped.
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub as_postgres_user: bool,
}

impl Postgres {
    /// The directory holding `initdb` and `pg_ctl`: `pg_config --bindir`, then the newest
    /// `/usr/lib/postgresql/*/bin`, then `PATH`.
    pub fn find_bin() -> Option<PathBuf> {
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
    pub fn start() -> Option<Self> {
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

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A command running one of the PostgreSQL binaries (as `postgres` when we are root).
    pub fn command(&self, tool: &str) -> Command {
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
    pub fn try_run(&self, tool: &str, args: impl FnOnce(&mut Command)) -> Result<(), String> {
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
    pub fn run(&self, tool: &str, args: impl FnOnce(&mut Command)) {
        self.try_run(tool, args).unwrap_or_else(|e| panic!("{e}"));
    }

    /// `pg_ctl start -w`: returns once the server accepts connections.
    pub fn pg_ctl_start(&self) -> Result<(), String> {
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
    pub fn pg_ctl_stop(&self, mode: &str) {
        let data = self.data_dir();
        self.run("pg_ctl", |c| {
            c.arg("-D")
                .arg(&data)
                .args(["-m", mode, "-w", "-t", "30", "stop"]);
        });
    }

    /// The postmaster and its children (backends, background workers).
    pub fn pids(&self) -> Vec<String> {
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
    pub fn signal(&self, signal: &str) {
        let pids = self.pids();
        assert!(!pids.is_empty(), "no PostgreSQL processes to signal");
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .args(pids)
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    pub fn server_log(&self) -> String {
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

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    l.local_addr().expect("addr").port()
}
