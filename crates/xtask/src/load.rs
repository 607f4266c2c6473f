//! `cargo xtask load`: the load and soak tier (security bar REL-01…REL-05). Builds `cogito` and
//! `cogito-load` with the release profile — capacity and overload are properties of the
//! optimised binary; a debug build spends its time in unoptimised HTTP and JSON code and
//! measures that — then runs the tier on SQLite (one instance) and on PostgreSQL (two
//! instances on one database, the machine's server as the tests use it), and fails when either
//! fails.

use std::path::Path;
use std::process::Command;

use crate::setup;

/// Runs the tier; `Ok(false)` when a criterion failed.
pub fn run(root: &Path, args: Vec<String>) -> Result<bool, String> {
    let mut tier = "short";
    let mut backends = vec!["sqlite", "postgres"];
    let mut rest = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--long" => tier = "long",
            "--backend" => match it.next().as_deref() {
                Some("sqlite") => backends = vec!["sqlite"],
                Some("postgres") => backends = vec!["postgres"],
                Some("both") => backends = vec!["sqlite", "postgres"],
                other => return Err(format!("--backend sqlite|postgres|both, not {other:?}")),
            },
            _ => rest.push(a),
        }
    }
    println!("== xtask: building cogito and cogito-load (release)");
    let built = Command::new("cargo")
        .args(["build", "--release", "-p", "cogito", "-p", "cogito-load"])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cargo build: {e}"))?;
    if !built.success() {
        return Ok(false);
    }
    let mut env = setup::Env::default();
    if backends.contains(&"postgres") {
        setup::postgres(&mut env);
    }
    let bin = crate::target_dir(root).join("release");
    let mut ok = true;
    for backend in backends {
        println!("== xtask: load tier {tier} on {backend}");
        let status = Command::new(bin.join("cogito-load"))
            .args(["--tier", tier, "--backend", backend, "--cogito"])
            .arg(bin.join("cogito"))
            .args(&rest)
            .envs(env.vars.iter().map(|(k, v)| (k, v)))
            .current_dir(root)
            .status()
            .map_err(|e| format!("cogito-load: {e}"))?;
        ok &= status.success();
    }
    Ok(ok)
}
