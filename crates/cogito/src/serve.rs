//! `cogito serve`: opens the store, loads or creates the master key and admin credentials,
//! builds the services and serves until SIGTERM / ctrl-c. The first signal stops accepting
//! and lets requests in flight finish (exit 0); a second signal, or requests still running
//! after `--drain-timeout` seconds, end the process at once (exit 1) — every write is one
//! transaction, so an interrupted request is all or nothing (REL-18, REL-19).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use cogito_core::SystemClock;
use cogito_core::crypto::MasterKey;
use cogito_core::password::HashCost;
use cogito_core::service::CoreConfig;
use cogito_core::service::rate_limits::RateLimits;
use cogito_server::ServerConfig;
use cogito_server::delivery::{Delivery, DeliveryConfig};
use cogito_server::domain::DomainUrls;
use cogito_server::setup::{self, Parts};
use cogito_server::triggers::TriggerSettings;

use crate::cli::ServeArgs;

/// How often failed message deliveries due again are retried.
const DELIVERY_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// How often the janitor purges expired rows.
const JANITOR_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs the server.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    init_tracing(&args, "info");
    let (listener, state) = prepare(&args).await?;
    tokio::spawn(state.core.clone().run_janitor(JANITOR_EVERY));
    tokio::spawn(state.core.clone().run_delivery(DELIVERY_EVERY));
    tracing::info!(listen = %listener.local_addr()?, "cogito is serving");
    let drain = std::time::Duration::from_secs(args.drain_timeout);
    let limits = cogito_server::listen::Limits {
        header_timeout: std::time::Duration::from_secs(args.header_timeout.max(1)),
        body_timeout: std::time::Duration::from_secs(args.body_timeout.max(1)),
        max_connections: args.max_connections.max(1),
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(crate::tls::server_config(cert, key)?),
        _ => None,
    };
    let router = cogito_server::app(state);
    cogito_server::listen::serve(listener, router, limits, tls, draining(drain)).await?;
    tracing::info!("shut down");
    Ok(())
}

/// Completes on the first SIGTERM / ctrl-c (the server then drains), and from then on watches
/// the drain: a second signal, or the drain outlasting `limit`, exits the process with status 1.
async fn draining(limit: std::time::Duration) {
    shutdown_signal().await;
    tracing::info!(
        limit_secs = limit.as_secs(),
        "draining: requests in flight may finish; a second signal exits at once"
    );
    tokio::spawn(async move {
        tokio::select! {
            () = shutdown_signal() => tracing::warn!("second signal: exiting without waiting"),
            () = tokio::time::sleep(limit) => tracing::warn!("drain timeout: exiting"),
        }
        std::process::exit(1);
    });
}

/// Installs the log subscriber (`RUST_LOG` overrides `default_filter`).
pub fn init_tracing(args: &ServeArgs, default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| default_filter.into());
    if args.log_format == "json" {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        // Colour only on a terminal: a log file or journal gets plain text.
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(ansi)
            .init();
    }
}

/// Opens the store, loads the keys and credentials, binds the listener and builds the state
/// (everything `serve` does before serving; `cogito demo` reuses it). Without `--public-url`,
/// the public URL is `http://<bound address>` (so `--listen 127.0.0.1:0` works).
pub async fn prepare(
    args: &ServeArgs,
) -> anyhow::Result<(tokio::net::TcpListener, cogito_server::AppState)> {
    std::fs::create_dir_all(&args.storage.data_dir)
        .with_context(|| format!("creating {}", args.storage.data_dir.display()))?;
    crate::files::restrict_dir(&args.storage.data_dir)?;
    let master = Arc::new(master_key(args)?);
    let store = cogito_store::open_store(&args.storage.url())
        .await
        .context("opening the store")?;
    crate::files::restrict_files(&args.storage.data_dir)?;
    let credentials = match (&args.admin_access_key_id, &args.admin_secret_access_key) {
        (Some(id), Some(secret)) => setup::credentials_map(id, secret),
        _ => {
            let c = setup::admin_credentials(store.as_ref(), &master)
                .await
                .map_err(anyhow::Error::msg)?;
            if c.generated {
                println!(
                    "Generated admin credentials (shown once; stored encrypted in the database):"
                );
                println!("  AWS_ACCESS_KEY_ID={}", c.access_key_id);
                println!("  AWS_SECRET_ACCESS_KEY={}", c.secret_access_key);
            } else {
                tracing::info!(access_key_id = %c.access_key_id, "using stored admin credentials");
            }
            setup::credentials_map(&c.access_key_id, &c.secret_access_key)
        }
    };
    let hash_cost = hash_cost(args);
    if args.dev {
        tracing::warn!(
            "--dev: ANY SigV4 credentials are accepted, the outbox is readable over HTTP, and password hashing is cheap ({} KiB). Never use this in production.",
            hash_cost.memory_kib
        );
    }
    let transport = Arc::new(Delivery::new(&DeliveryConfig {
        smtp_url: args.smtp_url.clone(),
        from: args.smtp_from.clone(),
        sms_webhook: args.sms_webhook.clone(),
    })?);
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let public_url = match &args.public_url {
        Some(url) => url.clone(),
        None if args.tls_cert.is_some() => format!("https://{}", listener.local_addr()?),
        None => format!("http://{}", listener.local_addr()?),
    };
    crate::tls::warn_if_plain(&public_url);
    let domain_urls = match &args.domain_host_suffix {
        Some(suffix) => DomainUrls::Host {
            scheme: public_url.split("://").next().unwrap_or("http").to_string(),
            suffix: suffix.clone(),
        },
        None => DomainUrls::Path {
            public_url: public_url.clone(),
        },
    };
    let secret = trigger_secret(args.trigger_secret.as_deref(), store.as_ref(), &master).await?;
    let triggers = TriggerSettings::parse(&args.triggers, secret).map_err(anyhow::Error::msg)?;
    let cores = args.cpus.unwrap_or_else(setup::available_cores);
    let state = setup::build(Parts {
        store,
        clock: Arc::new(SystemClock),
        master,
        hash_cost,
        cores,
        transport,
        core: CoreConfig {
            public_url,
            cognito_issuer: args.cognito_issuer,
            region: args.region.clone(),
            rate_limits: rate_limits(&args.rate_limits)?,
        },
        server: ServerConfig {
            dev: args.dev,
            admin_credentials: credentials,
            domain_urls,
            ui_dir: Some(args.storage.data_dir.join("ui")),
            trusted_proxies: args
                .trusted_proxies
                .iter()
                .map(|p| p.parse())
                .collect::<Result<_, String>>()
                .map_err(anyhow::Error::msg)?,
            in_flight: match args.max_in_flight {
                Some(n) => cogito_server::shed::InFlight::with_places(n),
                None => cogito_server::shed::InFlight::for_cores(cores),
            },
            ..ServerConfig::default()
        },
        triggers: Some(triggers),
    })?;
    Ok((listener, state))
}

/// The rate limits: the defaults changed by each `--rate-limit` setting in turn.
fn rate_limits(settings: &[String]) -> anyhow::Result<RateLimits> {
    let mut limits = RateLimits::default();
    for s in settings.iter().filter(|s| !s.trim().is_empty()) {
        limits.set(s).map_err(anyhow::Error::msg)?;
    }
    Ok(limits)
}

/// The secret trigger requests are signed with: the configured one, else the installation's
/// (generated on first use, stored sealed in the database).
pub async fn trigger_secret(
    configured: Option<&str>,
    store: &dyn cogito_core::store::Store,
    master: &MasterKey,
) -> anyhow::Result<Vec<u8>> {
    Ok(match configured {
        Some(s) => s.as_bytes().to_vec(),
        None => setup::trigger_secret(store, master)
            .await
            .map_err(anyhow::Error::msg)?
            .into_bytes(),
    })
}

fn hash_cost(args: &ServeArgs) -> HashCost {
    let base = if args.dev {
        HashCost::INSECURE_DEV
    } else {
        HashCost::OWASP
    };
    HashCost {
        memory_kib: args.hash_memory_kib.unwrap_or(base.memory_kib),
        iterations: args.hash_iterations.unwrap_or(base.iterations),
        ..base
    }
}

fn master_key(args: &ServeArgs) -> anyhow::Result<MasterKey> {
    load_master_key(args.master_key.as_deref(), &args.storage.data_dir)
}

/// The master key: given in hex, or the data directory's `master.key` (created if missing).
pub fn load_master_key(hex: Option<&str>, data_dir: &Path) -> anyhow::Result<MasterKey> {
    if let Some(hex) = hex {
        return MasterKey::from_hex(hex).context("COGITO_MASTER_KEY");
    }
    let path = data_dir.join("master.key");
    if !path.exists() {
        write_private(&path, &MasterKey::generate_hex())?;
        tracing::info!(path = %path.display(), "generated a new master key");
    }
    let hex =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    MasterKey::from_hex(&hex).with_context(|| format!("master key in {}", path.display()))
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// Completes on SIGTERM or ctrl-c.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
