//! `cogito-example-triggers`: serves the example trigger functions.
//!
//! `COGITO_TRIGGER_SECRET` (what `cogito trigger-secret` prints), `TRIGGERS_LISTEN` (default
//! `127.0.0.1:8099`), `COMPANY_DOMAIN` (default `example.com`).

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let secret = std::env::var("COGITO_TRIGGER_SECRET").unwrap_or_default();
    if secret.is_empty() {
        eprintln!("set COGITO_TRIGGER_SECRET (run `cogito trigger-secret`)");
        std::process::exit(2);
    }
    let listen = std::env::var("TRIGGERS_LISTEN").unwrap_or_else(|_| "127.0.0.1:8099".into());
    let domain = std::env::var("COMPANY_DOMAIN").unwrap_or_else(|_| "example.com".into());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("example triggers on http://{listen}/");
    axum::serve(
        listener,
        cogito_example_triggers::app(secret.into_bytes(), domain),
    )
    .await
}
