//! `cogito outbox`: reads the outbox straight from the store.

use anyhow::Context;
use cogito_core::store::OutboxQuery;

use crate::cli::OutboxArgs;

/// Prints outbox messages, newest first, or only the latest code.
pub async fn run(args: OutboxArgs) -> anyhow::Result<()> {
    let store = cogito_store::open_store(&args.storage.url())
        .await
        .context("opening the store")?;
    let query = OutboxQuery {
        pool_id: args.pool.clone(),
        username: args.username.clone(),
        limit: if args.latest_code { 50 } else { args.limit },
    };
    let messages = store
        .list_messages(&query)
        .await
        .context("reading the outbox")?;
    if args.latest_code {
        let code = messages
            .iter()
            .find_map(|m| m.code.clone())
            .context("no code in the outbox for that filter")?;
        println!("{code}");
        return Ok(());
    }
    for m in messages {
        println!("{}", serde_json::to_string(&m)?);
    }
    Ok(())
}
