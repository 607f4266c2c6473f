//! Runs the tests and totals them in one closing line, `N passed, N failed`.
//!
//! With cargo-nextest installed: `cargo nextest run --workspace ARGS` (profile and test groups
//! in `.config/nextest.toml`; every test in its own process), then the doctests, which nextest
//! does not run, with `cargo test --doc` on the same packages. Without it: `cargo test
//! --workspace --no-fail-fast ARGS`, doctests included. `--workspace` is left out when `ARGS`
//! select packages themselves (`-p`, `--package`).
//!
//! A whole run (no `ARGS`) with PostgreSQL available (`COGITO_TEST_DATABASE_URL`, set by the
//! set-up, or `COGITO_REQUIRE_PG=1`, where a missing database then fails) then runs the
//! integration suites again on PostgreSQL ([`POSTGRES_PASS`], `COGITO_TEST_BACKEND=postgres`):
//! every `TestApp` of the SDK, OIDC, browser and example-app tests gets a fresh PostgreSQL
//! database instead of a SQLite file. The store contract suite runs on both backends in the
//! first pass already.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::setup::Env;

/// Passed and failed tests of one or more runs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub passed: u64,
    pub failed: u64,
}

impl std::ops::AddAssign for Totals {
    fn add_assign(&mut self, o: Self) {
        self.passed += o.passed;
        self.failed += o.failed;
    }
}

/// The packages whose tests run on a `TestApp` and so run a second time on PostgreSQL.
pub const POSTGRES_PASS: &[&str] = &["cogito-testkit", "cogito-example-webapp", "cogito-verify"];

/// Runs the tests; `Ok(false)` when any failed (or a runner failed without a summary).
pub fn tests(root: &Path, env: &Env, args: &[String], doc: bool) -> Result<bool, String> {
    let nextest = Command::new("cargo")
        .args(["nextest", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let selects = selects_packages(args);
    let mut totals = Totals::default();
    let mut ok = true;

    let mut cmd = Command::new("cargo");
    if nextest {
        cmd.args(["nextest", "run"]);
    } else {
        cmd.args(["test", "--no-fail-fast"]);
    }
    if !selects {
        cmd.arg("--workspace");
    }
    cmd.args(args);
    let (success, out) = tee(root, env, &mut cmd)?;
    let t = if nextest {
        parse_nextest(&out)
    } else {
        Some(parse_cargo_test(&out))
    };
    ok &= success;
    totals += t.unwrap_or_default();

    let has_var =
        |k: &str| env.vars.iter().any(|(name, _)| name == k) || std::env::var_os(k).is_some();
    if args.is_empty() && (has_var("COGITO_TEST_DATABASE_URL") || has_var("COGITO_REQUIRE_PG")) {
        let mut cmd = Command::new("cargo");
        if nextest {
            cmd.args(["nextest", "run"]);
        } else {
            cmd.args(["test", "--no-fail-fast"]);
        }
        for p in POSTGRES_PASS {
            cmd.args(["-p", p]);
        }
        cmd.env("COGITO_TEST_BACKEND", "postgres");
        println!("== xtask: the integration suites again, on PostgreSQL");
        let (success, out) = tee(root, env, &mut cmd)?;
        let t = if nextest {
            parse_nextest(&out)
        } else {
            Some(parse_cargo_test(&out))
        };
        ok &= success && t.is_some();
        totals += t.unwrap_or_default();
    }

    if nextest && doc {
        let mut cmd = Command::new("cargo");
        cmd.args(["test", "--doc", "--no-fail-fast"]);
        if !selects {
            cmd.arg("--workspace");
        }
        cmd.args(package_args(args));
        let (success, out) = tee(root, env, &mut cmd)?;
        // A selection without a library has no doctests; cargo says so and fails.
        let no_lib = out.contains("no library targets found");
        ok &= success || no_lib;
        totals += parse_cargo_test(&out);
    }
    println!("{} passed, {} failed", totals.passed, totals.failed);
    Ok(ok && totals.failed == 0)
}

/// Whether the arguments choose packages (then `--workspace` would override them).
fn selects_packages(args: &[String]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "-p" || a == "--package" || a.starts_with("--package=") || is_short_p(a))
}

fn is_short_p(a: &str) -> bool {
    a.len() > 2 && a.starts_with("-p") && !a.starts_with("--")
}

/// The package-selection arguments (`-p X`, `--package X`, `--exclude X`, features), for the
/// doctest run, which takes none of nextest's filters.
fn package_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter().take_while(|a| *a != "--");
    while let Some(a) = it.next() {
        let with_value = ["-p", "--package", "--exclude", "-F", "--features"];
        if with_value.contains(&a.as_str()) {
            out.push(a.clone());
            out.extend(it.next().cloned());
        } else if is_short_p(a)
            || ["--package=", "--exclude=", "--features="]
                .iter()
                .any(|p| a.starts_with(p))
            || a == "--all-features"
            || a == "--no-default-features"
        {
            out.push(a.clone());
        }
    }
    out
}

/// Runs `cmd` in `root` with the set-up's environment, copying its output through and keeping
/// it for parsing.
fn tee(root: &Path, env: &Env, cmd: &mut Command) -> Result<(bool, String), String> {
    println!(
        "== xtask: {} {}",
        cmd.get_program().to_string_lossy(),
        cmd.get_args()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    );
    cmd.current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in &env.vars {
        cmd.env(k, v);
    }
    if !env.path_prefix.is_empty() {
        let old = std::env::var_os("PATH").unwrap_or_default();
        let dirs = env
            .path_prefix
            .iter()
            .cloned()
            .chain(std::env::split_paths(&old));
        let path = std::env::join_paths(dirs).map_err(|e| format!("PATH: {e}"))?;
        cmd.env("PATH", path);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let err_thread = std::thread::spawn(move || copy_lines(stderr, std::io::stderr()));
    let mut text = copy_lines(stdout, std::io::stdout());
    text.push_str(&err_thread.join().unwrap_or_default());
    let status = child
        .wait()
        .map_err(|e| format!("waiting for {:?}: {e}", cmd.get_program()))?;
    Ok((status.success(), text))
}

/// Copies `from` to `to` line by line and returns what went through.
fn copy_lines(from: impl Read, mut to: impl Write) -> String {
    let mut kept = String::new();
    let mut reader = BufReader::new(from);
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
        let _ = to.write_all(&line);
        let _ = to.flush();
        kept.push_str(&String::from_utf8_lossy(&line));
        line.clear();
    }
    kept
}

/// nextest's closing line, e.g.
/// `Summary [  12.3s] 40 tests run: 38 passed, 1 failed, 1 timed out, 2 skipped`;
/// timed-out and crashed tests count as failed. `None` without a summary line (build error).
pub fn parse_nextest(out: &str) -> Option<Totals> {
    let line = out
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with("Summary [") && l.contains(" run: "))?;
    let (_, counts) = line.split_once(" run: ")?;
    let mut t = Totals::default();
    for part in counts.split(',') {
        let mut words = part.split_whitespace();
        let Some(n) = words.next().and_then(|n| n.parse::<u64>().ok()) else {
            continue;
        };
        match words.next() {
            Some("passed") => t.passed += n,
            Some("failed" | "timed" | "exec") => t.failed += n,
            _ => {}
        }
    }
    Some(t)
}

/// The sum of cargo test's `test result: ok. 3 passed; 0 failed; …` lines.
pub fn parse_cargo_test(out: &str) -> Totals {
    let mut t = Totals::default();
    for line in out.lines() {
        let Some(rest) = line.trim_start().strip_prefix("test result: ") else {
            continue;
        };
        for part in rest.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            // "ok. 3 passed" / " 0 failed"
            if let [.., n, kind] = words.as_slice()
                && let Ok(n) = n.parse::<u64>()
            {
                match *kind {
                    "passed" => t.passed += n,
                    "failed" => t.failed += n,
                    _ => {}
                }
            }
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|a| (*a).to_string()).collect()
    }

    #[test]
    fn nextest_summary() {
        let out = "    Starting 3 tests across 1 binary\n\
                   ------------\n     Summary [   0.012s] 3 tests run: 3 passed, 0 skipped\n";
        assert_eq!(
            parse_nextest(out),
            Some(Totals {
                passed: 3,
                failed: 0
            })
        );
        let out = "     Summary [  41.5s] 40 tests run: 36 passed (2 slow), 2 failed, 1 timed out, \
                   1 exec failed, 3 skipped\n";
        assert_eq!(
            parse_nextest(out),
            Some(Totals {
                passed: 36,
                failed: 4
            })
        );
        let out = "     Summary [   1.0s] 1 test run: 1 passed, 1 leaky, 0 skipped\n";
        assert_eq!(parse_nextest(out).map(|t| t.failed), Some(0));
        assert_eq!(parse_nextest("error: could not compile `x`\n"), None);
    }

    #[test]
    fn cargo_test_result_lines_are_summed() {
        let out = "test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; \
                   finished in 0.01s\n\
                   test result: FAILED. 5 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(
            parse_cargo_test(out),
            Totals {
                passed: 8,
                failed: 2
            }
        );
    }

    #[test]
    fn package_selection() {
        assert!(!selects_packages(&s(&["some_test"])));
        assert!(selects_packages(&s(&["-p", "cogito-verify"])));
        assert!(selects_packages(&s(&["-pcogito-verify"])));
        assert!(selects_packages(&s(&["--package=cogito-verify"])));
        assert!(!selects_packages(&s(&["--", "-p"])));
        assert_eq!(
            package_args(&s(&[
                "-p",
                "a",
                "-E",
                "test(/x/)",
                "--features=f",
                "--no-fail-fast",
                "-pb"
            ])),
            s(&["-p", "a", "--features=f", "-pb"])
        );
    }
}
