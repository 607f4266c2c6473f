//! Command-line and environment settings (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// cogito: a self-hosted identity provider that speaks the AWS Cognito User Pools protocols.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(Box<ServeArgs>),
    /// Print messages (codes, invitations) recorded in the outbox.
    Outbox(OutboxArgs),
    /// Start cogito in `--dev` mode with a seeded demo pool and the example app.
    Demo(DemoArgs),
    /// Signing keys: `cogito keys rotate --pool P`.
    Keys(crate::keys::KeysArgs),
    /// Apply the database migrations and exit.
    Migrate(MigrateArgs),
    /// Copy a whole installation into an empty database (SQLite <-> PostgreSQL).
    Copy(CopyArgs),
    /// Print the secret trigger requests are signed with (`X-Cogito-Signature`), for the
    /// trigger services to check.
    TriggerSecret(TriggerSecretArgs),
    /// Users: `list|get|create|delete` through a running server; `export|import` (with
    /// password hashes) on the database.
    Users(crate::users::UsersArgs),
    /// Pools of a running server: `list|get|create|delete`.
    Pools {
        /// What to do.
        #[command(subcommand)]
        action: crate::manage::PoolsAction,
    },
    /// App clients of a pool: `list|get|create|delete --pool P`.
    Clients {
        /// What to do.
        #[command(subcommand)]
        action: crate::manage::MemberAction,
    },
    /// Groups of a pool: `list|get|create|delete --pool P`.
    Groups {
        /// What to do.
        #[command(subcommand)]
        action: crate::manage::MemberAction,
    },
    /// Make a running server match a template (cogito YAML or CloudFormation): creates and
    /// updates what differs, leaves everything else alone.
    Apply(crate::template::ApplyArgs),
    /// Print what `cogito apply` would change, changing nothing.
    Plan(crate::template::ApplyArgs),
    /// Write a running server's pools as a template `cogito apply` takes.
    ExportConfig(crate::template::ExportConfigArgs),
}

/// `cogito trigger-secret`.
#[derive(Debug, Args)]
pub struct TriggerSecretArgs {
    /// Storage.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Master key (64 hex characters; default: the data directory's `master.key`).
    #[arg(long, env = "COGITO_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,
    /// The configured secret, if any (then it is printed as is).
    #[arg(long, env = "COGITO_TRIGGER_SECRET", hide_env_values = true)]
    pub trigger_secret: Option<String>,
}

/// `cogito demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Data directory of the demo (reused on the next run).
    #[arg(long, default_value = "./cogito-data/demo")]
    pub data_dir: PathBuf,
    /// Address cogito listens on.
    #[arg(long, default_value = "127.0.0.1:9229")]
    pub listen: String,
    /// Address the example app listens on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub app_listen: String,
    /// Domain prefix of the demo pool (hosted UI at `<cogito>/domain/<prefix>`).
    #[arg(long, default_value = "demo")]
    pub domain: String,
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Data directory (database, master key).
    #[arg(long, env = "COGITO_DATA_DIR", default_value = "./cogito-data")]
    pub data_dir: PathBuf,
    /// Database URL, e.g. `sqlite:///var/lib/cogito/cogito.db` (default: `<data-dir>/cogito.db`).
    #[arg(long, env = "COGITO_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl StorageArgs {
    /// The database URL in force.
    pub fn url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("cogito.db").display()))
    }
}

/// `cogito serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Storage.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Address to listen on.
    #[arg(long, env = "COGITO_LISTEN", default_value = "127.0.0.1:9229")]
    pub listen: String,
    /// Public base URL; token issuers are `<public-url>/<poolId>` (default: `http://<listen>`).
    #[arg(long, env = "COGITO_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Issue Cognito-style issuers (`https://cognito-idp.<region>.amazonaws.com/<poolId>`) so
    /// verifiers that only accept Cognito issuers accept cogito's tokens.
    #[arg(long, env = "COGITO_COGNITO_ISSUER")]
    pub cognito_issuer: bool,
    /// Serve pool domains on host names `<prefix>.<suffix>` (e.g. `auth.localhost:9229`, so a
    /// domain is `http://mydomain.auth.localhost:9229`). Without it, domains use the path form
    /// `<public-url>/domain/<prefix>`, which needs no DNS set-up.
    #[arg(long, env = "COGITO_DOMAIN_HOST_SUFFIX")]
    pub domain_host_suffix: Option<String>,
    /// Region new pool ids are created in.
    #[arg(long, env = "COGITO_REGION", default_value = "us-east-1")]
    pub region: String,
    /// Emulator mode: accept any SigV4 credentials, cheap password hashing, outbox over HTTP.
    /// Never use in production.
    #[arg(long, env = "COGITO_DEV")]
    pub dev: bool,
    /// Admin access key id (SigV4). Without it, a generated pair is used.
    #[arg(
        long,
        env = "COGITO_ADMIN_ACCESS_KEY_ID",
        requires = "admin_secret_access_key"
    )]
    pub admin_access_key_id: Option<String>,
    /// Admin secret access key (SigV4).
    #[arg(
        long,
        env = "COGITO_ADMIN_SECRET_ACCESS_KEY",
        hide_env_values = true,
        requires = "admin_access_key_id"
    )]
    pub admin_secret_access_key: Option<String>,
    /// Master key (64 hex characters) encrypting keys and secrets at rest. Without it, a key
    /// file `master.key` (mode 0600) in the data directory is used or created.
    #[arg(long, env = "COGITO_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,
    /// argon2id memory cost in KiB (default: OWASP's 19456; `--dev`: 256).
    #[arg(long, env = "COGITO_HASH_MEMORY_KIB")]
    pub hash_memory_kib: Option<u32>,
    /// argon2id iterations (default: 2; `--dev`: 1).
    #[arg(long, env = "COGITO_HASH_ITERATIONS")]
    pub hash_iterations: Option<u32>,
    /// SMTP server for e-mail: `smtp://host:port`, `smtp+starttls://user:pass@host:587`,
    /// `smtps://user:pass@host:465`. Without it, e-mail only goes to the outbox.
    #[arg(long, env = "COGITO_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender address of e-mails.
    #[arg(
        long,
        env = "COGITO_SMTP_FROM",
        default_value = "no-reply@verificationemail.com"
    )]
    pub smtp_from: String,
    /// Log format: `text` or `json` (one JSON object per line).
    #[arg(long, env = "COGITO_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
    /// URL receiving a JSON POST for every SMS.
    #[arg(long, env = "COGITO_SMS_WEBHOOK")]
    pub sms_webhook: Option<String>,
    /// A trigger function: `ARN=URL` (or `function-name=URL`), repeatable; pools may name only
    /// mapped functions in `LambdaConfig`. In `cogito.toml`, a `[triggers]` table.
    #[arg(long = "trigger", env = "COGITO_TRIGGERS", value_delimiter = ',')]
    pub triggers: Vec<String>,
    /// Secret signing trigger requests (default: generated on first start and stored sealed in
    /// the database; `cogito trigger-secret` prints it).
    #[arg(long, env = "COGITO_TRIGGER_SECRET", hide_env_values = true)]
    pub trigger_secret: Option<String>,
    /// Seconds requests in flight get to finish after SIGTERM / ctrl-c; then (or at a second
    /// signal) the process exits with status 1.
    #[arg(long, env = "COGITO_DRAIN_TIMEOUT", default_value_t = 30)]
    pub drain_timeout: u64,
    /// Seconds a client has to send a request's headers (and the longest a kept-alive
    /// connection may sit idle); slower clients are disconnected.
    #[arg(long, env = "COGITO_HEADER_TIMEOUT", default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, env = "COGITO_BODY_TIMEOUT", default_value_t = 30)]
    pub body_timeout: u64,
    /// Most client connections open at once; more wait to be accepted.
    #[arg(long, env = "COGITO_MAX_CONNECTIONS", default_value_t = 4096, value_parser = at_least_one())]
    pub max_connections: usize,
    /// The cores this instance counts as its own (default: what the system grants the process,
    /// a container's CPU quota included). It sizes the password-hashing workers (one per core,
    /// at least two) and the requests in flight (8 per core); set it when instances share a
    /// host, e.g. `--cpus 2` for each of two instances on four cores.
    #[arg(long, env = "COGITO_CPUS", value_parser = at_least_one())]
    pub cpus: Option<usize>,
    /// Most requests worked on at once (default: 8 per core), and as many again that hash a
    /// password or run SRP; one that cannot start within 5 ms is refused
    /// (`TooManyRequestsException`, or 503 with `Retry-After` on OAuth endpoints and pages).
    #[arg(long, env = "COGITO_MAX_IN_FLIGHT", value_parser = at_least_one())]
    pub max_in_flight: Option<usize>,
    /// Serve HTTPS with this certificate chain (PEM); needs `--tls-key`.
    #[arg(long, env = "COGITO_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The private key (PEM) of `--tls-cert`.
    #[arg(long, env = "COGITO_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// A request rate limit, `[POOL_ID:]CLASS.SCOPE=COUNT/SECONDS` (CLASS: sign-in, sign-up,
    /// code-send, token, hosted-page; SCOPE: source or subject; `off` for none), repeatable;
    /// `off` alone turns every limit off. Defaults follow Cognito's quotas (README).
    #[arg(long = "rate-limit", env = "COGITO_RATE_LIMITS", value_delimiter = ',')]
    pub rate_limits: Vec<String>,
    /// A proxy (address or block, e.g. 10.0.0.0/8) whose `X-Forwarded-For` names the client's
    /// address for the rate limits, repeatable. Without it the connection's peer is the client.
    #[arg(
        long = "trusted-proxy",
        env = "COGITO_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
}

/// `cogito outbox`.
#[derive(Debug, Args)]
pub struct OutboxArgs {
    /// Storage.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Only this pool.
    #[arg(long)]
    pub pool: Option<String>,
    /// Only this (internal) username.
    #[arg(long)]
    pub username: Option<String>,
    /// Print only the last code sent (to `--username`), for scripts.
    #[arg(long)]
    pub latest_code: bool,
    /// Master key (64 hex characters) the outbox is sealed under (default: the data
    /// directory's `master.key`).
    #[arg(long, env = "COGITO_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,
    /// How many messages.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

/// `cogito migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Storage.
    #[command(flatten)]
    pub storage: StorageArgs,
}

/// `cogito copy`.
#[derive(Debug, Args)]
pub struct CopyArgs {
    /// Database URL of the installation to copy (only read), e.g.
    /// `sqlite:///var/lib/cogito/cogito.db`.
    #[arg(long)]
    pub from: String,
    /// Database URL of the empty destination, e.g. `postgres://cogito@db/cogito`; migrated first.
    #[arg(long)]
    pub to: String,
}

/// A count that must be at least one (a bound of zero would refuse everything).
fn at_least_one() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(1..)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    #[test]
    fn bounds_of_zero_are_refused() {
        for flag in ["--max-in-flight", "--max-connections", "--cpus"] {
            let parsed = Cli::try_parse_from(["cogito", "serve", flag, "0"]);
            assert!(parsed.is_err(), "{flag} 0 was taken");
            let parsed = Cli::try_parse_from(["cogito", "serve", flag, "1"]);
            assert!(parsed.is_ok(), "{flag} 1: {:?}", parsed.err());
        }
    }
}
