//! `cargo xtask`: repository tasks that need more than Cargo (the alias lives in
//! `.cargo/config.toml`).
//!
//! * `cargo xtask test [ARGS…]` — the README's test command. It first sets up what the suite
//!   needs on this machine ([`setup`]: Debian's `chromium`, the npm packages pinned by the
//!   `package-lock.json` files under `tests/`, pinned pip packages from `tests/*/requirements.txt`,
//!   and the machine's PostgreSQL when it is installed but stopped), then runs every test
//!   ([`run`]: `cargo nextest run` when cargo-nextest is installed, else `cargo test`; the
//!   doctests too) and ends with one line, `N passed, N failed`. `ARGS` go to the test runner
//!   (`-p cogito-verify`, a filter, `--no-fail-fast`, …).
//! * `cargo xtask setup` — only the set-up.
//! * `cargo xtask load [--long] [--backend sqlite|postgres|both]` — the load and soak tier
//!   ([`load`]).

mod load;
mod run;
mod setup;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  test [ARGS...]  set up the machine (chromium, npm/pip packages, PostgreSQL), then run every
                  test with cargo-nextest (or cargo test) and the doctests; ARGS go to the test
                  runner, e.g. `-p cogito-verify` or a test-name filter.
                  --no-doc skips the doctests; --no-setup skips the set-up.
  setup           only the set-up
  load [--long] [--backend sqlite|postgres|both] [ARGS...]
                  the load and soak tier (security bar REL-01…REL-05) on release builds: the
                  short tier (minutes, as CI runs it) or the long one (hours, the README's
                  figures); ARGS go to cogito-load (e.g. --json FILE)
";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let task = args.next();
    let rest: Vec<String> = args.collect();
    let root = workspace_root();
    let result = match task.as_deref() {
        Some("test") => test(&root, rest),
        Some("setup") => setup::all(&root).map(|_| true),
        Some("load") => load::run(&root, rest),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(true)
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Set-up, then the tests; `Ok(false)` when a test failed.
fn test(root: &Path, args: Vec<String>) -> Result<bool, String> {
    let mut no_setup = false;
    let mut no_doc = false;
    let mut passthrough = Vec::new();
    for a in args {
        match a.as_str() {
            "--no-setup" => no_setup = true,
            "--no-doc" => no_doc = true,
            _ => passthrough.push(a),
        }
    }
    let env = if no_setup {
        setup::Env::default()
    } else {
        setup::all(root)?
    };
    run::tests(root, &env, &passthrough, !no_doc)
}

/// The workspace root: this crate lives at `<root>/crates/xtask`. Taken from the
/// `CARGO_MANIFEST_DIR` that `cargo run` sets when it starts this binary, not the one compiled
/// in: two clones sharing one `CARGO_TARGET_DIR` share the uplifted `target/debug/xtask`, which
/// may have been built from the other clone.
fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir
        .ancestors()
        .nth(2)
        .expect("crates/xtask is two levels below the workspace root")
        .to_path_buf()
}

/// Cargo's target directory: `CARGO_TARGET_DIR` (relative to the working directory, as Cargo
/// reads it), else `<root>/target`.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => std::env::current_dir()
            .unwrap_or_else(|_| root.to_path_buf())
            .join(d),
        _ => root.join("target"),
    }
}
