//! The `cogito` binary: `cogito serve` runs the identity provider; `cogito outbox` reads the
//! messages it sent. Settings come from defaults, then `COGITO_*` environment variables, then
//! command-line flags.

mod cli;
mod outbox;
mod serve;

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Serve(args) => serve::run(args).await,
        cli::Command::Outbox(args) => outbox::run(args).await,
    }
}
