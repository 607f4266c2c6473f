//! `cogito users import` and `export` of many users with the real binary, timed (a benchmark,
//! not a test): `cargo bench -p cogito --bench users_transfer [-- USERS]` (default 100,000).
//!
//! It starts `cogito serve` on a fresh SQLite data directory only to create the pool (through
//! `cogito pools create`), stops it, writes a `cogito users export` file of USERS users (each
//! with e-mail attributes, a group and an argon2id hash, as an export writes them), then times
//! the import into the pool and an export of it back.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const KEY_ID: &str = "AKIABENCHUSERS000001";
const SECRET: &str = "bench-users-secret-access-key-0123456789ab";
const MASTER_KEY: &str = "1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f";

fn cogito() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cogito"));
    c.env_remove("COGITO_CONFIG")
        .env("RUST_LOG", "warn")
        .env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    c
}

fn main() {
    let users: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_str().unwrap().to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = cogito()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            &data,
        ])
        .args(["--master-key", MASTER_KEY])
        .args([
            "--admin-access-key-id",
            KEY_ID,
            "--admin-secret-access-key",
            SECRET,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cogito serve");
    let deadline = Instant::now() + Duration::from_secs(30);
    let created = loop {
        let out = cogito()
            .args([
                "pools",
                "create",
                "bench",
                "--output",
                "json",
                "--endpoint-url",
                &url,
            ])
            .output()
            .unwrap();
        if out.status.success() {
            break out;
        }
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = server.kill();
    let _ = server.wait();
    let pool: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap();
    let pool = pool["Id"].as_str().unwrap().to_owned();

    let file = dir.path().join("users.jsonl");
    let mut lines = String::with_capacity(users * 300);
    lines.push_str(&format!(
        "{{\"format\":\"cogito-users\",\"version\":1,\"pool_id\":\"{pool}\"}}\n"
    ));
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
                qLml6mGQNJgqHEnkFLXVQ1PNR1mm3C0GFnLGfNeMtH4";
    for i in 0..users {
        let sub = format!("00000000-0000-4000-8000-{i:012}");
        lines.push_str(&format!(
            "{{\"username\":\"user{i}\",\"sub\":\"{sub}\",\"status\":\"CONFIRMED\",\
             \"attributes\":{{\"email\":\"user{i}@example.com\",\"email_verified\":\"true\"}},\
             \"groups\":[\"members\"],\"password_hash\":\"{hash}\"}}\n"
        ));
    }
    std::fs::write(&file, lines).unwrap();

    let storage = ["--data-dir", &data, "--master-key", MASTER_KEY];
    let started = Instant::now();
    let import = cogito()
        .args([
            "users",
            "import",
            "--pool",
            &pool,
            "--file",
            file.to_str().unwrap(),
        ])
        .args(storage)
        .output()
        .unwrap();
    let import_time = started.elapsed();
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let out = dir.path().join("out.jsonl");
    let started = Instant::now();
    let export = cogito()
        .args([
            "users",
            "export",
            "--pool",
            &pool,
            "--output",
            out.to_str().unwrap(),
        ])
        .args(storage)
        .output()
        .unwrap();
    let export_time = started.elapsed();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let exported = std::fs::read_to_string(&out).unwrap().lines().count() - 1;
    assert_eq!(exported, users);
    let rate = |d: Duration| users as f64 / d.as_secs_f64();
    println!(
        "users_transfer: {users} users (SQLite): import {import_time:.1?} ({:.0}/s), \
         export {export_time:.1?} ({:.0}/s)",
        rate(import_time),
        rate(export_time)
    );
}
