//! `cogito outbox`: reads the outbox straight from the store, opening the sealed bodies and codes
//! with the master key.

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
    let master = crate::serve::load_master_key(args.master_key.as_deref(), &args.storage.data_dir)?;
    let messages = store
        .list_messages(&query)
        .await
        .context("reading the outbox")?
        .into_iter()
        .map(|m| open_message(&master, m))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if args.latest_code {
        let code = messages
            .iter()
            .find_map(|m| m.code.clone())
            .context("no code in the outbox for that filter")?;
        println!("{code}");
        return Ok(());
    }
    if messages.is_empty() {
        eprintln!("no message in the outbox matches");
        return Ok(());
    }
    for m in messages {
        println!("{}", cogito_server::dev::message_json(&m));
    }
    Ok(())
}

/// Opens a stored message's sealed body and code.
fn open_message(
    master: &cogito_core::crypto::MasterKey,
    m: cogito_core::model::OutboxMessage,
) -> anyhow::Result<cogito_core::model::OutboxMessage> {
    let open = |text: &str| {
        cogito_core::service::messages::open_sealed(master, text).context("opening the outbox")
    };
    Ok(cogito_core::model::OutboxMessage {
        body: open(&m.body)?,
        code: m.code.as_deref().map(open).transpose()?,
        ..m
    })
}
