//! The `cogito` binary: `cogito serve` runs the identity provider; `cogito outbox` reads the
//! messages it sent; `cogito demo` runs it in `--dev` mode with a seeded pool and the example
//! app; `cogito migrate` and `cogito copy` migrate a database and move an installation between
//! databases. Settings come from defaults, then `cogito.toml`, then `COGITO_*`
//! environment variables, then command-line flags.

mod api;
mod cli;
mod config_file;
mod database;
mod demo;
mod files;
mod keys;
mod manage;
mod outbox;
mod serve;
mod template;
mod tls;
mod users;

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Everything cogito creates (database, WAL, master key, data directory) is private to its
    // user, whatever the caller's umask.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // An expected failure is one line with its causes, never a backtrace.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = cli::Cli::parse_from(with_config_file()?);
    match cli.command {
        cli::Command::Serve(args) => serve::run(*args).await,
        cli::Command::Outbox(args) => outbox::run(args).await,
        cli::Command::Demo(args) => demo::run(args).await,
        cli::Command::Keys(args) => keys::run(args).await,
        cli::Command::Migrate(args) => database::migrate(args).await,
        cli::Command::Copy(args) => database::copy(args).await,
        cli::Command::TriggerSecret(args) => print_trigger_secret(&args).await,
        cli::Command::Users(args) => users::run(args).await,
        cli::Command::Pools { action } => manage::pools(action).await,
        cli::Command::Clients { action } => manage::members(manage::Member::Clients, action).await,
        cli::Command::Groups { action } => manage::members(manage::Member::Groups, action).await,
        cli::Command::Apply(args) => template::apply(args, true).await,
        cli::Command::Plan(args) => template::apply(args, false).await,
        cli::Command::ExportConfig(args) => template::export_config(args).await,
    }
}

/// Applies `cogito.toml` underneath the environment, then returns the process arguments.
fn with_config_file() -> anyhow::Result<Vec<std::ffi::OsString>> {
    if let Some(path) = config_file::path() {
        let pairs = config_file::read(&path)?;
        let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        let serving = args.get(1).is_some_and(|a| a == "serve");
        // Commands that talk to a running server take no storage settings.
        let remote = args.get(1).is_some_and(|a| {
            [
                "pools",
                "clients",
                "groups",
                "apply",
                "plan",
                "export-config",
            ]
            .iter()
            .any(|c| a == c)
        }) || (args.get(1).is_some_and(|a| a == "users")
            && args.get(2).is_some_and(|a| a != "export" && a != "import"));
        if remote {
            return Ok(args);
        }
        // The demo keeps its own data directory, whatever cogito.toml says; a copy names both
        // its databases on the command line.
        if args.get(1).is_some_and(|a| a == "demo" || a == "copy") {
            return Ok(args);
        }
        // Values from the file are passed as `--flag=value` only when neither the environment
        // nor the command line sets them; clap then applies its usual precedence.
        for (var, value) in pairs {
            if std::env::var_os(&var).is_some() {
                continue;
            }
            let flag = format!(
                "--{}",
                var.trim_start_matches("COGITO_")
                    .to_lowercase()
                    .replace('_', "-")
            );
            if !serving && flag != "--data-dir" && flag != "--database-url" {
                continue;
            }
            if args
                .iter()
                .any(|a| a.to_string_lossy().split('=').next() == Some(flag.as_str()))
            {
                continue;
            }
            if value == "true" {
                args.push(flag.into());
            } else if value != "false" {
                args.push(format!("{flag}={value}").into());
            }
        }
        return Ok(args);
    }
    Ok(std::env::args_os().collect())
}

/// `cogito trigger-secret`: the configured secret, or the installation's (stored sealed in its
/// database, generated there if no server made it yet), opened with the master key, which must
/// exist: a new key could not open it.
async fn print_trigger_secret(args: &cli::TriggerSecretArgs) -> anyhow::Result<()> {
    if let Some(secret) = &args.trigger_secret {
        println!("{secret}");
        return Ok(());
    }
    let key_file = args.storage.data_dir.join("master.key");
    if args.master_key.is_none() && !key_file.exists() {
        anyhow::bail!(
            "no master key at {}: start `cogito serve` once with this data directory, or pass \
             --master-key",
            key_file.display()
        );
    }
    let master = serve::load_master_key(args.master_key.as_deref(), &args.storage.data_dir)?;
    let store = cogito_store::open_store(&args.storage.url())
        .await
        .map_err(|e| anyhow::anyhow!("opening the database: {e}"))?;
    let secret = serve::trigger_secret(None, store.as_ref(), &master).await?;
    println!("{}", String::from_utf8_lossy(&secret));
    Ok(())
}
