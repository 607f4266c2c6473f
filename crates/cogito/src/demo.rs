//! `cogito demo`: one command that runs cogito in `--dev` mode (data in `./cogito-data/demo`),
//! seeds the demo pool through the user-pool API (pool, domain `demo`, web and API clients,
//! groups `Admin` and `Users`, two users — see `cogito_example_webapp::seed`), starts the
//! example app in the same process, and prints the URLs and credentials. The example trigger
//! service (`examples/triggers`) runs beside them as the pool's pre-sign-up function: sign-ups
//! with an address at `corp.example` are confirmed at once, and the flow explorer draws the
//! call. Running it again reuses the seeded pool.

use std::sync::Arc;

use anyhow::Context;
use aws_credential_types::Credentials;
use aws_sdk_cognitoidentityprovider as sdk;
use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Region};
use cogito_example_webapp::{Config, seed};

use crate::cli::{DemoArgs, ServeArgs, StorageArgs};
use crate::serve;

/// The region of the demo.
const REGION: &str = "us-east-1";
/// Credentials the demo signs with (`--dev` accepts any).
const DEMO_KEY_ID: &str = "AKIACOGITODEMO000001";
const DEMO_SECRET: &str = "cogito-demo-secret-any-credentials-work-in-dev";

/// The function name the example trigger service is mapped to.
const TRIGGER_FUNCTION: &str = "cogito-example-triggers";
/// The company domain whose sign-ups the example trigger service confirms.
const COMPANY_DOMAIN: &str = "corp.example";

/// Runs the demo until ctrl-c / SIGTERM.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let trigger_secret = hex::encode(cogito_example_webapp::session::random_key());
    let triggers = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the example trigger service")?;
    let triggers_url = format!("http://{}/", triggers.local_addr()?);
    let service =
        cogito_example_triggers::app(trigger_secret.clone().into_bytes(), COMPANY_DOMAIN.into());
    let trigger_service = tokio::spawn(async move {
        let _ = axum_serve(triggers, service).await;
    });
    let serve_args = ServeArgs {
        storage: StorageArgs {
            data_dir: args.data_dir.clone(),
            database_url: None,
        },
        listen: args.listen.clone(),
        public_url: None,
        cognito_issuer: false,
        domain_host_suffix: None,
        region: REGION.into(),
        dev: true,
        admin_access_key_id: Some(DEMO_KEY_ID.into()),
        admin_secret_access_key: Some(DEMO_SECRET.into()),
        master_key: None,
        hash_memory_kib: None,
        hash_iterations: None,
        smtp_url: None,
        smtp_from: "no-reply@verificationemail.com".into(),
        log_format: "text".into(),
        sms_webhook: None,
        triggers: vec![format!("{TRIGGER_FUNCTION}={triggers_url}")],
        trigger_secret: Some(trigger_secret),
        drain_timeout: 30,
        header_timeout: 10,
        body_timeout: 30,
        max_connections: 4096,
        cpus: None,
        max_in_flight: None,
        tls_cert: None,
        tls_key: None,
        rate_limits: Vec::new(),
        trusted_proxies: Vec::new(),
    };
    serve::init_tracing(&serve_args, "warn");
    let (listener, state) = serve::prepare(&serve_args).await?;
    let cogito_url = format!("http://{}", listener.local_addr()?);
    let (stop_cogito, stopped) = tokio::sync::oneshot::channel::<()>();
    let cogito = tokio::spawn(cogito_server::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let app_listener = tokio::net::TcpListener::bind(&args.app_listen)
        .await
        .with_context(|| format!("binding {}", args.app_listen))?;
    let app_url = format!("http://{}", app_listener.local_addr()?);

    let client = sdk::Client::from_conf(
        sdk::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(&cogito_url)
            .credentials_provider(Credentials::new(
                DEMO_KEY_ID,
                DEMO_SECRET,
                None,
                None,
                "cogito-demo",
            ))
            .build(),
    );
    let arn = format!("arn:aws:lambda:{REGION}:000000000000:function:{TRIGGER_FUNCTION}");
    let seeded = seed::seed_with(&client, &app_url, &args.domain, Some(&arn))
        .await
        .context("seeding the demo pool")?;
    let domain_url = format!("{cogito_url}/domain/{}", args.domain);
    let config = Config {
        pool_id: seeded.pool_id.clone(),
        region: REGION.into(),
        endpoint_url: Some(cogito_url.clone()),
        issuer: None,
        domain_url: domain_url.clone(),
        web_client_id: seeded.web_client_id.clone(),
        web_client_secret: seeded.web_client_secret.clone(),
        api_client_id: seeded.api_client_id.clone(),
        api_client_secret: seeded.api_client_secret.clone(),
        public_url: app_url.clone(),
        cookie_key: cogito_example_webapp::session::random_key(),
        aws_credentials: (DEMO_KEY_ID.into(), DEMO_SECRET.into(), None),
        // The demo's seeded users exist to be signed in by the flow explorer.
        flow_runner: true,
    };
    say(&banner(
        &args,
        &seeded,
        &Urls {
            cogito: &cogito_url,
            app: &app_url,
            domain: &domain_url,
            triggers: &triggers_url,
        },
    ));

    let stop = Arc::new(tokio::sync::Notify::new());
    let app = tokio::spawn({
        let stop = stop.clone();
        cogito_example_webapp::serve(app_listener, config, async move {
            stop.notified().await;
        })
    });
    serve::shutdown_signal().await;
    stop.notify_one();
    let _ = stop_cogito.send(());
    let _ = app.await;
    let _ = cogito.await;
    trigger_service.abort();
    say(&format!(
        "cogito demo stopped (data kept in {})\n",
        args.data_dir.display()
    ));
    Ok(())
}

/// Writes `text` to standard output. A reader that has gone away (`cogito demo | head`) is
/// not a reason to stop serving, so a failed write is ignored rather than a panic.
fn say(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Where the demo's parts listen, for the banner.
struct Urls<'a> {
    cogito: &'a str,
    app: &'a str,
    domain: &'a str,
    triggers: &'a str,
}

/// The banner: where everything is and how to sign in, ending with how to stop.
fn banner(args: &DemoArgs, seeded: &seed::Seeded, urls: &Urls<'_>) -> String {
    use std::fmt::Write;
    let Urls {
        cogito: cogito_url,
        app: app_url,
        domain: domain_url,
        triggers: triggers_url,
    } = *urls;
    let what = if seeded.created {
        "seeded a new demo pool"
    } else {
        "reusing the demo pool"
    };
    let mut b = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        b,
        "\ncogito demo is running ({what}; data in {})\n",
        args.data_dir.display()
    );
    let _ = writeln!(b, "  Example app:     {app_url}/");
    let _ = writeln!(b, "  Flow explorer:   {app_url}/flows");
    let _ = writeln!(b, "  cogito:          {cogito_url}");
    let _ = writeln!(b, "  Hosted UI:       {domain_url}");
    let _ = writeln!(b, "  Dev outbox:      {cogito_url}/_dev/outbox");
    let _ = writeln!(
        b,
        "  Admin console:   {cogito_url}/console (access key {DEMO_KEY_ID}, secret {DEMO_SECRET})"
    );
    let _ = writeln!(
        b,
        "  Trigger service: {triggers_url} (pre sign-up: {COMPANY_DOMAIN} addresses are confirmed at once)"
    );
    let _ = writeln!(b, "\n  Users (sign in on the example app):");
    for (username, password, group) in seed::USERS {
        let _ = writeln!(b, "    {username:<20} {password:<18} group {group}");
    }
    let _ = writeln!(b, "\n  Pool id:         {}", seeded.pool_id);
    let _ = writeln!(
        b,
        "  Web client:      {} (code grant, secret)",
        seeded.web_client_id
    );
    let _ = writeln!(
        b,
        "  API client:      {} (ADMIN_USER_PASSWORD_AUTH)\n",
        seeded.api_client_id
    );
    let _ = writeln!(
        b,
        "  API: curl -s -X POST {app_url}/api/login -H 'content-type: application/json' \\"
    );
    let _ = writeln!(
        b,
        "         -d '{{\"username\":\"{}\",\"password\":\"{}\"}}'",
        seed::USERS[0].0,
        seed::USERS[0].1
    );
    let _ = writeln!(
        b,
        "       curl -s {app_url}/api/me -H \"Authorization: Bearer $ACCESS_TOKEN\"\n"
    );
    let _ = writeln!(
        b,
        "  AWS CLI / SDKs: --endpoint-url {cogito_url} --region {REGION} (any credentials)"
    );
    let _ = writeln!(b, "  Press ctrl-c to stop.");
    b
}

async fn axum_serve(listener: tokio::net::TcpListener, app: axum::Router) -> std::io::Result<()> {
    axum::serve(listener, app).await
}
