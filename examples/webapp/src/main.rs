//! `cogito-example-webapp`: runs the example application with settings from flags or the
//! environment. Against cogito set `--endpoint-url`; against AWS Cognito leave it out and give
//! the pool's hosted-UI domain as `--domain-url`.

use anyhow::Context;
use clap::Parser;
use cogito_example_webapp::Config;

/// The example application of cogito (web + API on one user pool).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "WEBAPP_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Public URL of this app (default `http://<listen>`); `<public-url>/callback` must be a
    /// callback URL of the web client and `<public-url>/` one of its sign-out URLs.
    #[arg(long, env = "WEBAPP_PUBLIC_URL")]
    public_url: Option<String>,
    /// User pool id.
    #[arg(long, env = "WEBAPP_POOL_ID")]
    pool_id: String,
    /// Region of the pool.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    region: String,
    /// User-pool API endpoint (cogito's URL, e.g. `http://127.0.0.1:9229`); leave out for AWS.
    #[arg(long, env = "WEBAPP_ENDPOINT_URL")]
    endpoint_url: Option<String>,
    /// Token issuer, when it is neither `<endpoint-url>/<pool-id>` nor Cognito's.
    #[arg(long, env = "WEBAPP_ISSUER")]
    issuer: Option<String>,
    /// Hosted-UI domain, e.g. `http://127.0.0.1:9229/domain/demo` or
    /// `https://<prefix>.auth.<region>.amazoncognito.com`.
    #[arg(long, env = "WEBAPP_DOMAIN_URL")]
    domain_url: String,
    /// Web client id (authorization-code grant, with a secret).
    #[arg(long, env = "WEBAPP_WEB_CLIENT_ID")]
    web_client_id: String,
    /// Web client secret.
    #[arg(long, env = "WEBAPP_WEB_CLIENT_SECRET", hide_env_values = true)]
    web_client_secret: String,
    /// API client id (`ALLOW_ADMIN_USER_PASSWORD_AUTH`).
    #[arg(long, env = "WEBAPP_API_CLIENT_ID")]
    api_client_id: String,
    /// API client secret, if the client has one.
    #[arg(long, env = "WEBAPP_API_CLIENT_SECRET", hide_env_values = true)]
    api_client_secret: Option<String>,
    /// 64 hex characters encrypting the session cookie (default: random; sessions end when the
    /// process restarts).
    #[arg(long, env = "WEBAPP_COOKIE_KEY", hide_env_values = true)]
    cookie_key: Option<String>,
    /// AWS access key id for the admin calls (cogito in `--dev` accepts any).
    #[arg(long, env = "AWS_ACCESS_KEY_ID", default_value = "AKIAEXAMPLEWEBAPP")]
    aws_access_key_id: String,
    /// AWS secret access key.
    #[arg(
        long,
        env = "AWS_SECRET_ACCESS_KEY",
        hide_env_values = true,
        default_value = "example-secret"
    )]
    aws_secret_access_key: String,
    /// AWS session token (temporary credentials).
    #[arg(long, env = "AWS_SESSION_TOKEN", hide_env_values = true)]
    aws_session_token: Option<String>,
    /// Mount the flow explorer's runner (`/flows/run/*`): it signs the seeded demo users in and
    /// shows whoever reaches the app their live tokens, so only for a local demo pool.
    #[arg(long, env = "WEBAPP_FLOW_RUNNER")]
    flow_runner: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let cookie_key = match &args.cookie_key {
        Some(h) => {
            let bytes = hex::decode(h.trim()).context("WEBAPP_COOKIE_KEY is not hex")?;
            <[u8; 32]>::try_from(bytes.as_slice())
                .map_err(|_| anyhow::anyhow!("WEBAPP_COOKIE_KEY must be 64 hex characters"))?
        }
        None => cogito_example_webapp::session::random_key(),
    };
    let config = Config {
        pool_id: args.pool_id,
        region: args.region,
        endpoint_url: args.endpoint_url,
        issuer: args.issuer,
        domain_url: args.domain_url,
        web_client_id: args.web_client_id,
        web_client_secret: args.web_client_secret,
        api_client_id: args.api_client_id,
        api_client_secret: args.api_client_secret,
        public_url: args
            .public_url
            .unwrap_or_else(|| format!("http://{}", args.listen)),
        cookie_key,
        aws_credentials: (
            args.aws_access_key_id,
            args.aws_secret_access_key,
            args.aws_session_token,
        ),
        flow_runner: args.flow_runner,
    };
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    println!("Example app: {}", config.public_url);
    cogito_example_webapp::serve(listener, config, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
