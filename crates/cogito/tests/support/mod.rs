//! Shared by the tests that run the real `cogito` binary (`durability`, `multi_instance`,
//! `copy`, `pg_restart`, …): a `cogito serve` child process on a free loopback port, killed and
//! reaped on drop, an admin SDK client for it, and small SDK helpers. Each test file passes its
//! own storage and key arguments.
#![allow(dead_code)] // each test binary uses its own part

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use cogito_testkit::sdk;
use sdk::config::{BehaviorVersion, Credentials, Region};
use sdk::types::{AttributeType, ExplicitAuthFlowsType, VerifiedAttributeType};

/// A running `cogito serve`; killed (SIGKILL) and reaped on drop.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// The file its stdout and stderr go to.
    pub log: PathBuf,
    admin: (String, String),
    /// The certificate it serves HTTPS with (`--tls-cert`), trusted by [`Server::client`].
    tls_cert: Option<PathBuf>,
}

impl Server {
    /// Starts `cogito serve --listen <free port> <args>` with the admin credentials `admin` and
    /// cheap password hashing, logging to `<log_dir>/serve-<name>-<attempt>.log`, and waits for
    /// `/health` (another port on failure, three times).
    /// With `--tls-cert` among `args` it serves HTTPS, and its URL is `https://…`.
    pub async fn start(log_dir: &Path, name: &str, admin: (&str, &str), args: &[OsString]) -> Self {
        let tls_cert = args
            .iter()
            .position(|a| a == "--tls-cert")
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from);
        let scheme = if tls_cert.is_some() { "https" } else { "http" };
        // Tests of other things send bursts from one address: no rate limits unless asked for,
        // and room for every request of a burst at once (on a busy test machine a burst of
        // sign-ups would otherwise meet the load shedding's few places for password hashing).
        let mut limits: Vec<&str> = Vec::new();
        if !args.iter().any(|a| a == "--rate-limit") {
            limits.extend(["--rate-limit", "off"]);
        }
        if !args.iter().any(|a| a == "--max-in-flight") {
            limits.extend(["--max-in-flight", "4096"]);
        }
        // Never the default `./cogito-data`, which would be the crate's own folder.
        let own_data = log_dir.join(format!("data-{name}"));
        if !args.iter().any(|a| a == "--data-dir") {
            limits.extend(["--data-dir", own_data.to_str().expect("UTF-8 temp path")]);
        }
        for attempt in 0..3 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("free port")
                .port();
            let log = log_dir.join(format!("serve-{name}-{port}-{attempt}.log"));
            let out = std::fs::File::create(&log).expect("log file");
            let err = out.try_clone().expect("log file");
            let child = Command::new(env!("CARGO_BIN_EXE_cogito"))
                .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                .args(args)
                .args(&limits)
                .args(["--admin-access-key-id", admin.0])
                .args(["--admin-secret-access-key", admin.1])
                .args(["--hash-memory-kib", "256", "--hash-iterations", "1"])
                .env("RUST_LOG", "warn")
                .env_remove("COGITO_CONFIG")
                .env_remove("COGITO_DATABASE_URL")
                .env_remove("COGITO_DATA_DIR")
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err)
                .spawn()
                .expect("spawn cogito");
            let mut server = Self {
                child: Some(child),
                url: format!("{scheme}://127.0.0.1:{port}"),
                log,
                admin: (admin.0.to_owned(), admin.1.to_owned()),
                tls_cert: tls_cert.clone(),
            };
            if server.wait_healthy(Duration::from_secs(30)).await {
                return server;
            }
            // The port may have been taken in between; try another one.
            eprintln!(
                "cogito {name} did not become healthy (attempt {attempt}):\n{}",
                server.log()
            );
        }
        panic!("cogito {name} never became healthy");
    }

    /// An HTTP client for this server: [`http`], trusting its TLS certificate if it has one.
    pub fn client(&self) -> reqwest::Client {
        let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(20));
        if let Some(path) = &self.tls_cert {
            let pem = std::fs::read(path).expect("certificate");
            builder =
                builder.add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"));
        }
        builder.build().expect("http client")
    }

    async fn wait_healthy(&mut self, limit: Duration) -> bool {
        let http = self.client();
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && child.try_wait().expect("try_wait").is_some()
            {
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

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }

    /// SIGKILL, then reap.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
        }
    }

    /// Sends SIGTERM and waits (bounded) for the exit status.
    pub async fn terminate(&mut self, limit: Duration) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success(), "kill -TERM failed");
        let deadline = Instant::now() + limit;
        loop {
            let child = self.child.as_mut().expect("running");
            if let Some(status) = child.try_wait().expect("try_wait") {
                self.child = None;
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "cogito did not exit within {limit:?} of SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGTERM, and waits up to 20 s for the exit.
    pub async fn stop(mut self) {
        self.terminate(Duration::from_secs(20)).await;
    }

    /// An SDK client signing with the admin credentials, retries off, bounded per call.
    pub fn sdk(&self) -> sdk::Client {
        let timeouts = sdk::config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_timeout(Duration::from_secs(20))
            .build();
        let conf = sdk::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(Credentials::new(
                &self.admin.0,
                &self.admin.1,
                None,
                None,
                "cogito-test",
            ))
            .retry_config(sdk::config::retry::RetryConfig::disabled())
            .timeout_config(timeouts)
            .build();
        sdk::Client::from_conf(conf)
    }

    /// The `kid`s of the pool's JWKS as this instance serves it, in its order.
    pub async fn jwks_kids(&self, pool: &str) -> Vec<String> {
        let doc: serde_json::Value = http()
            .get(format!("{}/{pool}/.well-known/jwks.json", self.url))
            .send()
            .await
            .expect("jwks")
            .json()
            .await
            .expect("jwks json");
        doc["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| k["kid"].as_str().expect("kid").to_string())
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An HTTP client with a per-request bound.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("http client")
}

/// An attribute for the SDK.
pub fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

/// A pool named `name` with e-mail verification and a client allowing password and refresh
/// sign-in.
pub async fn pool_and_client(sdk: &sdk::Client, name: &str) -> (String, String) {
    let pool = sdk
        .create_user_pool()
        .pool_name(name)
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
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("create client")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("client id");
    (pool, client)
}
