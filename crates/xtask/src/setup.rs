//! What the test suite needs besides Rust, installed or started when it is missing:
//!
//! * Debian's `chromium` at `/usr/bin/chromium` (the browser tests drive it through
//!   playwright-core; Playwright's own browser download is not used), via `apt-get` as root or
//!   with `sudo`;
//! * the npm packages of every `tests/<dir>/package-lock.json` (`npm ci`, only when
//!   `node_modules` is missing or older than the lock file);
//! * the pip packages of every `tests/<dir>/requirements.txt`, into a virtual environment under
//!   the target directory whose `bin/` goes first on the tests' `PATH`;
//! * the machine's PostgreSQL when it is installed but not answering on 127.0.0.1:5432, and a
//!   database `test` in it; the tests then get `COGITO_TEST_DATABASE_URL`.
//!
//! A step that cannot be done says what to install and the run goes on: the tests that need it
//! fail with their own message (they never skip), the others still run.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian's package puts the browser (the tests' default; `COGITO_CHROMIUM` overrides).
const CHROMIUM: &str = "/usr/bin/chromium";
/// The test database the PostgreSQL tests use.
const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Environment for the test run, produced by the set-up.
#[derive(Debug, Default)]
pub struct Env {
    /// Variables to set.
    pub vars: Vec<(String, OsString)>,
    /// Directories to put first on `PATH`.
    pub path_prefix: Vec<PathBuf>,
}

/// Every step; errors only when a command the set-up relies on cannot run at all.
pub fn all(root: &Path) -> Result<Env, String> {
    let mut env = Env::default();
    chromium();
    for dir in test_dirs(root, "package-lock.json") {
        npm_ci(&dir)?;
    }
    let requirements = test_dirs(root, "requirements.txt");
    if !requirements.is_empty() {
        let venv = crate::target_dir(root).join("xtask/pyenv");
        pip_install(&venv, &requirements)?;
        env.path_prefix.push(venv.join("bin"));
        env.vars.push(("VIRTUAL_ENV".into(), venv.into_os_string()));
    }
    postgres(&mut env);
    Ok(env)
}

fn step(what: &str) {
    println!("== xtask: {what}");
}

fn warn(what: &str) {
    eprintln!("xtask: WARNING: {what}");
}

/// `tests/<dir>/` directories that hold `file`, sorted.
fn test_dirs(root: &Path, file: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root.join("tests")) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(file).is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Whether `program` is on `PATH`.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(program).is_file()))
}

/// Runs a command with inherited output; `Ok(false)` when it ran and failed.
fn run(cmd: &mut Command) -> Result<bool, String> {
    let status = cmd
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    Ok(status.success())
}

/// Runs a command quietly; whether it succeeded (`false` also when it cannot run).
fn quiet(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A command run as root: directly when we are root, else through `sudo`; `None` when neither
/// is possible.
fn as_root(program: &str) -> Option<Command> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() == "0" {
        Some(Command::new(program))
    } else if on_path("sudo") {
        let mut c = Command::new("sudo");
        c.arg(program);
        Some(c)
    } else {
        None
    }
}

fn chromium() {
    if let Some(custom) = std::env::var_os("COGITO_CHROMIUM")
        && Path::new(&custom).is_file()
    {
        return;
    }
    if Path::new(CHROMIUM).is_file() {
        return;
    }
    step("installing Debian's chromium (the browser tests drive it)");
    let installed = on_path("apt-get")
        && ["update -qq", "install -y -qq chromium"]
            .iter()
            .all(|args| {
                as_root("apt-get").is_some_and(|mut c| {
                    c.env("DEBIAN_FRONTEND", "noninteractive")
                        .args(args.split(' '));
                    run(&mut c).unwrap_or(false)
                })
            });
    if !installed || !Path::new(CHROMIUM).is_file() {
        warn(&format!(
            "{CHROMIUM} is missing and could not be installed: install the Debian package \
             `chromium` (`apt-get install chromium`, as root) or set COGITO_CHROMIUM to a \
             Chromium binary; the browser tests fail without it"
        ));
    }
}

/// `npm ci` in `dir` unless `node_modules` is at least as new as the lock file.
fn npm_ci(dir: &Path) -> Result<(), String> {
    let lock = dir.join("package-lock.json");
    let installed = dir.join("node_modules/.package-lock.json");
    let fresh = match (modified(&lock), modified(&installed)) {
        (Some(l), Some(i)) => i >= l,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    if !on_path("npm") {
        warn(&format!(
            "npm is missing: install Node.js and npm (Debian packages `nodejs` and `npm`); the \
             tests using {} fail without them",
            dir.display()
        ));
        return Ok(());
    }
    step(&format!("npm ci in {}", dir.display()));
    if run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir))?
    {
        Ok(())
    } else {
        Err(format!("npm ci failed in {}", dir.display()))
    }
}

fn modified(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// A virtual environment at `venv` with every requirements file installed.
fn pip_install(venv: &Path, dirs: &[PathBuf]) -> Result<(), String> {
    let python = venv.join("bin/python");
    if !python.is_file() {
        step(&format!("python3 -m venv {}", venv.display()));
        if !run(Command::new("python3").arg("-m").arg("venv").arg(venv))? {
            return Err(format!(
                "cannot create a virtual environment at {} (Debian: install `python3-venv`)",
                venv.display()
            ));
        }
    }
    for dir in dirs {
        let req = dir.join("requirements.txt");
        step(&format!("pip install -r {}", req.display()));
        if !run(Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&req))?
        {
            return Err(format!("pip install -r {} failed", req.display()));
        }
    }
    Ok(())
}

/// Makes the machine's PostgreSQL answer on 127.0.0.1:5432 with a database `test`, and points
/// the tests at it. A `COGITO_TEST_DATABASE_URL` already set is used as it is. With `CI` set,
/// `COGITO_REQUIRE_PG=1` makes the PostgreSQL tests fail instead of skipping.
pub fn postgres(env: &mut Env) {
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        env.vars.push(("COGITO_REQUIRE_PG".into(), "1".into()));
    }
    if std::env::var_os("COGITO_TEST_DATABASE_URL").is_some() {
        return;
    }
    if !pg_answers() {
        if !start_postgres() {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while !pg_answers() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(300));
        }
        if !pg_answers() {
            warn("PostgreSQL was started but does not answer on 127.0.0.1:5432");
            return;
        }
    }
    let has_test = Command::new("psql")
        .args([
            PG_ADMIN_URL,
            "-tAc",
            "select 1 from pg_database where datname = 'test'",
        ])
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "1");
    if !has_test {
        step("creating database test");
        if !quiet(Command::new("psql").args([PG_ADMIN_URL, "-c", "create database test"])) {
            warn(&format!(
                "cannot create database `test` as {PG_ADMIN_URL}; the PostgreSQL tests will not \
                 run (set COGITO_TEST_DATABASE_URL to a database they may use)"
            ));
            return;
        }
    }
    env.vars
        .push(("COGITO_TEST_DATABASE_URL".into(), PG_URL.into()));
}

/// Whether PostgreSQL accepts connections as `postgres` on 127.0.0.1:5432.
fn pg_answers() -> bool {
    if on_path("pg_isready")
        && !quiet(Command::new("pg_isready").args(["-q", "-h", "127.0.0.1", "-p", "5432"]))
    {
        return false;
    }
    on_path("psql") && quiet(Command::new("psql").args([PG_ADMIN_URL, "-c", "select 1"]))
}

/// Starts an installed PostgreSQL: the Debian cluster on port 5432 (`pg_ctlcluster`), else the
/// `postgresql` service. `false` when none is installed or it cannot be started.
fn start_postgres() -> bool {
    let clusters = Command::new("pg_lsclusters")
        .arg("--no-header")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    // Columns: version, cluster, port, status, owner, data directory, log file.
    let cluster = clusters.lines().find_map(|l| {
        let cols: Vec<&str> = l.split_whitespace().collect();
        (cols.len() >= 4 && cols[2] == "5432").then(|| (cols[0].to_string(), cols[1].to_string()))
    });
    let service = Path::new("/etc/init.d/postgresql").exists();
    if cluster.is_none() && !service {
        // Not installed (or not on the default port): nothing to start, nothing to warn about.
        return false;
    }
    step("starting PostgreSQL");
    let started = match &cluster {
        Some((version, name)) => as_root("pg_ctlcluster").is_some_and(|mut c| {
            c.args([version.as_str(), name.as_str(), "start"]);
            run(&mut c).unwrap_or(false)
        }),
        None => false,
    } || (service
        && as_root("service").is_some_and(|mut c| {
            c.args(["postgresql", "start"]);
            run(&mut c).unwrap_or(false)
        }));
    if !started {
        warn("PostgreSQL is installed but could not be started; the PostgreSQL tests will not run");
    }
    started
}
