//! `cogito keys rotate --pool P`: new ID and access signing keys for a pool, written in one
//! store transaction next to running instances. The previous keys stay published and keep
//! verifying until every token they signed has expired; running instances pick the new keys up
//! within about a second (the pool's configuration version changes with the rotation).

use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use cogito_core::SystemClock;
use cogito_core::token::KeyRing;

use crate::cli::StorageArgs;

/// `cogito keys`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    /// What to do with the keys.
    #[command(subcommand)]
    pub action: KeysAction,
}

/// `cogito keys …` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// New signing keys for a pool; the old ones keep verifying until their tokens expire.
    Rotate(RotateArgs),
}

/// `cogito keys rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Storage.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// The pool whose keys to rotate.
    #[arg(long)]
    pub pool: String,
    /// Master key (64 hex characters) the keys are sealed under (default: the data directory's
    /// `master.key`).
    #[arg(long, env = "COGITO_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,
}

/// Runs `cogito keys …`.
pub async fn run(args: KeysArgs) -> anyhow::Result<()> {
    match args.action {
        KeysAction::Rotate(args) => rotate(args).await,
    }
}

async fn rotate(args: RotateArgs) -> anyhow::Result<()> {
    let store = cogito_store::open_store(&args.storage.url())
        .await
        .context("opening the store")?;
    let master = Arc::new(crate::serve::load_master_key(
        args.master_key.as_deref(),
        &args.storage.data_dir,
    )?);
    let ring = KeyRing::new(store, master, Arc::new(SystemClock));
    let rotation = ring
        .rotate(&args.pool)
        .await
        .with_context(|| format!("rotating the keys of {}", args.pool))?;
    println!(
        "{}",
        serde_json::json!({
            "pool": args.pool,
            "new_kids": rotation.new_kids,
            "retired_kids": rotation.retired_kids,
            "retired_until_ms": rotation.retired_until_ms,
        })
    );
    Ok(())
}
