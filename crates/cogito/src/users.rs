//! `cogito users export|import`: a pool's users out as JSON lines with their password hashes,
//! and in again (that format, or AWS Cognito's CSV user-import format) without a reset.
//!
//! The work is the core's ([`cogito_core::service::transfer`]); this module reads and writes
//! the files, shows progress (a bar on a terminal, a line every 10,000 users otherwise), and
//! reports each refused row with its line number without stopping the rest. An import run again
//! after an interruption skips the users already there, so it resumes where it stopped.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, Subcommand, ValueEnum};
use cogito_core::SystemClock;
use cogito_core::model::{MfaFactor, UserStatus};
use cogito_core::password::{HashCost, PasswordHasher};
use cogito_core::service::transfer::{ImportOutcome, PortableMfa, PortableUser};
use cogito_core::service::{Cogito, CoreConfig, messages::OutboxOnly};
use cogito_core::store::Store;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::cli::StorageArgs;

/// The first line of an export.
const FORMAT: &str = "cogito-users";

/// `cogito users`.
#[derive(Debug, Args)]
pub struct UsersArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: UsersAction,
}

/// `cogito users …` subcommands.
#[derive(Debug, Subcommand)]
pub enum UsersAction {
    /// Write every user of a pool, with password hashes, as JSON lines.
    Export(ExportArgs),
    /// Read users into a pool: a `cogito users export` file or a Cognito CSV.
    Import(ImportArgs),
    /// Through a running server: `list|get|create|delete --pool P`.
    #[command(flatten)]
    Manage(crate::manage::MemberAction),
}

/// Storage and master key of the installation worked on.
#[derive(Debug, Args)]
pub struct Installation {
    /// Storage.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Master key (64 hex characters; default: the data directory's `master.key`).
    #[arg(long, env = "COGITO_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,
}

/// `cogito users export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Installation.
    #[command(flatten)]
    pub installation: Installation,
    /// The pool.
    #[arg(long)]
    pub pool: String,
    /// File to write (default: standard output). Created with mode 0600: it holds password
    /// hashes and TOTP secrets.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Formats `cogito users import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// By the file: JSON lines, or CSV when the first line is a CSV header.
    Auto,
    /// `cogito users export` JSON lines (password hashes of any supported system).
    Cogito,
    /// AWS Cognito's CSV user import (`GetCSVHeader` columns); users arrive `RESET_REQUIRED`.
    CognitoCsv,
}

/// `cogito users import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Installation.
    #[command(flatten)]
    pub installation: Installation,
    /// The pool the users go into.
    #[arg(long)]
    pub pool: String,
    /// The file to read.
    #[arg(long, short)]
    pub file: PathBuf,
    /// Its format.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    pub format: Format,
    /// Users written per transaction.
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
}

/// The header line of an export.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    pool_id: String,
}

/// One user line.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserLine {
    username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sub: Option<String>,
    #[serde(default = "confirmed")]
    status: String,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password_hash: Option<String>,
    /// Base64 of the SRP verifier (salt and `v`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    srp_verifier: Option<String>,
    #[serde(default)]
    mfa: MfaLine,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    modified_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password_set_ms: Option<i64>,
}

fn confirmed() -> String {
    "CONFIRMED".into()
}

fn yes() -> bool {
    true
}

/// A user's MFA settings.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MfaLine {
    #[serde(default)]
    sms: bool,
    #[serde(default)]
    totp: bool,
    #[serde(default)]
    email: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    preferred: Option<String>,
    /// Base32, as authenticator apps show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    totp_secret: Option<String>,
    /// The last TOTP time step accepted (a code is accepted once, here or after the move).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    totp_last_step: Option<i64>,
}

impl UserLine {
    fn of(u: PortableUser) -> Self {
        Self {
            username: u.username,
            sub: u.sub,
            status: u.status.as_str().into(),
            enabled: u.enabled,
            attributes: u.attributes,
            groups: u.groups,
            password_hash: u.password_hash,
            srp_verifier: u.srp_verifier.map(|v| STANDARD.encode(v)),
            mfa: MfaLine {
                sms: u.mfa.sms,
                totp: u.mfa.totp,
                email: u.mfa.email,
                preferred: u.mfa.preferred.map(|f| f.as_str().into()),
                totp_secret: u
                    .mfa
                    .totp_secret
                    .as_deref()
                    .map(cogito_core::totp::secret_text),
                totp_last_step: u.mfa.totp_last_step,
            },
            created_ms: u.created_ms,
            modified_ms: u.modified_ms,
            password_set_ms: u.password_set_ms,
        }
    }

    fn portable(self) -> Result<PortableUser, String> {
        let status = UserStatus::parse(&self.status)
            .ok_or_else(|| format!("unknown status {}", self.status))?;
        let preferred = self
            .mfa
            .preferred
            .as_deref()
            .map(|p| MfaFactor::parse(p).ok_or_else(|| format!("unknown MFA factor {p}")))
            .transpose()?;
        let totp_secret = self
            .mfa
            .totp_secret
            .as_deref()
            .map(|t| {
                cogito_core::totp::secret_from_text(t)
                    .ok_or_else(|| "totp_secret is not base32".to_owned())
            })
            .transpose()?;
        let srp_verifier = self
            .srp_verifier
            .as_deref()
            .map(|v| {
                STANDARD
                    .decode(v)
                    .map_err(|_| "srp_verifier is not base64".to_owned())
            })
            .transpose()?;
        Ok(PortableUser {
            username: self.username,
            sub: self.sub,
            status,
            enabled: self.enabled,
            attributes: self.attributes,
            groups: self.groups,
            password_hash: self.password_hash,
            srp_verifier,
            mfa: PortableMfa {
                sms: self.mfa.sms,
                totp: self.mfa.totp,
                email: self.mfa.email,
                preferred,
                totp_secret,
                totp_last_step: self.mfa.totp_last_step,
            },
            created_ms: self.created_ms,
            modified_ms: self.modified_ms,
            password_set_ms: self.password_set_ms,
        })
    }
}

/// Runs `cogito users …`.
pub async fn run(args: UsersArgs) -> anyhow::Result<()> {
    match args.action {
        UsersAction::Export(args) => export(args).await,
        UsersAction::Import(args) => import(args).await,
        UsersAction::Manage(action) => {
            crate::manage::members(crate::manage::Member::Users, action).await
        }
    }
}

/// The core over the installation's store and master key (no delivery, no triggers).
async fn open(installation: &Installation) -> anyhow::Result<(Cogito, Arc<dyn Store>)> {
    let store = cogito_store::open_store(&installation.storage.url())
        .await
        .context("opening the database")?;
    let master = Arc::new(crate::serve::load_master_key(
        installation.master_key.as_deref(),
        &installation.storage.data_dir,
    )?);
    let hasher = PasswordHasher::new(HashCost::INSECURE_DEV, 1)?;
    let config = CoreConfig {
        public_url: String::new(),
        cognito_issuer: false,
        region: String::new(),
        rate_limits: cogito_core::service::rate_limits::RateLimits::off(),
    };
    let counter = store.clone();
    let core = Cogito::new(
        store,
        Arc::new(SystemClock),
        master,
        hasher,
        Arc::new(OutboxOnly),
        config,
    );
    Ok((core, counter))
}

/// A progress bar of `len` units, or `None` without a terminal.
fn bar(len: u64, unit: &str) -> anyhow::Result<Option<ProgressBar>> {
    let bar = ProgressBar::new(len).with_style(
        ProgressStyle::with_template(&format!(
            "[{{bar:40}}] {{pos}}/{{len}} {unit} ({{per_sec}}, {{eta}} left)"
        ))
        .context("progress style")?
        .progress_chars("=> "),
    );
    Ok((!bar.is_hidden()).then_some(bar))
}

async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let (core, counter) = open(&args.installation).await?;
    let pool = core.pool(&args.pool).await.context("the pool")?;
    let total = counter
        .count_users(&pool.id)
        .await
        .context("counting users")?;
    let out: Box<dyn Write> = match &args.output {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(path)
                .with_context(|| format!("creating {}", path.display()))?;
            // Private even when it replaces a file that was not.
            file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
            Box::new(file)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(out);
    let header = Header {
        format: FORMAT.into(),
        version: 1,
        pool_id: pool.id.clone(),
    };
    writeln!(out, "{}", serde_json::to_string(&header)?)?;
    let progress = bar(total, "users")?;
    let mut cursor: Option<String> = None;
    let mut written = 0u64;
    loop {
        let (users, next) = core
            .export_users(&pool.id, cursor.as_deref(), 1000)
            .await
            .context("reading users")?;
        for user in users {
            writeln!(out, "{}", serde_json::to_string(&UserLine::of(user))?)?;
            written += 1;
        }
        match &progress {
            Some(bar) => bar.set_position(written),
            None if args.output.is_some() => eprintln!("exported {written} of {total} users"),
            None => {}
        }
        match next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    out.flush()?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    eprintln!("exported {written} users of {}", pool.id);
    Ok(())
}

use cogito_core::service::transfer::csv::Row;

/// Tallies of an import.
#[derive(Default)]
struct Tally {
    imported: u64,
    present: u64,
    refused: u64,
}

async fn import(args: ImportArgs) -> anyhow::Result<()> {
    let (core, _) = open(&args.installation).await?;
    let pool = core.pool(&args.pool).await.context("the pool")?;
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("opening {}", args.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = BufReader::new(file);
    let mut first = String::new();
    reader.read_line(&mut first)?;
    let format = match args.format {
        Format::Auto if first.trim_start().starts_with('{') => Format::Cogito,
        Format::Auto => Format::CognitoCsv,
        f => f,
    };
    let progress = bar(size, "bytes")?;
    let mut tally = Tally::default();
    let batch = args.batch.max(1);
    match format {
        Format::CognitoCsv => {
            let rows = cogito_core::service::transfer::csv::read(first, reader)
                .map_err(anyhow::Error::msg)?;
            for chunk in rows.chunks(batch) {
                import_rows(&core, &pool.id, None, chunk.to_vec(), &mut tally).await?;
            }
        }
        _ => {
            let header: Option<Header> = serde_json::from_str(first.trim())
                .ok()
                .filter(|h: &Header| h.format == FORMAT);
            let source = header.as_ref().map(|h| h.pool_id.clone());
            let mut rows: Vec<Row> = Vec::with_capacity(batch);
            if header.is_none() {
                rows.push((1, parse_line(&first)));
            }
            let mut read = first.len() as u64;
            for (i, line) in reader.lines().enumerate() {
                let line = line.context("reading the file")?;
                read += line.len() as u64 + 1;
                if line.trim().is_empty() {
                    continue;
                }
                rows.push((i + 2, parse_line(&line)));
                if rows.len() >= batch {
                    let chunk = std::mem::take(&mut rows);
                    import_rows(&core, &pool.id, source.as_deref(), chunk, &mut tally).await?;
                    match &progress {
                        Some(bar) => bar.set_position(read),
                        None => note_progress(&tally),
                    }
                }
            }
            import_rows(&core, &pool.id, source.as_deref(), rows, &mut tally).await?;
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    eprintln!(
        "imported {} users into {}; {} already there; {} refused",
        tally.imported, pool.id, tally.present, tally.refused
    );
    if tally.refused > 0 {
        // The rest is in: a script still learns that some rows need attention.
        std::process::exit(2);
    }
    Ok(())
}

fn note_progress(tally: &Tally) {
    let done = tally.imported + tally.present + tally.refused;
    if done.is_multiple_of(10_000) {
        eprintln!("read {done} users");
    }
}

fn parse_line(line: &str) -> Result<PortableUser, String> {
    serde_json::from_str::<UserLine>(line)
        .map_err(|e| format!("not a user line: {e}"))?
        .portable()
}

/// Imports one batch and reports each refused row with its line number.
async fn import_rows(
    core: &Cogito,
    pool_id: &str,
    source: Option<&str>,
    rows: Vec<Row>,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let mut lines = Vec::with_capacity(rows.len());
    let mut users = Vec::with_capacity(rows.len());
    for (line, row) in rows {
        match row {
            Ok(user) => {
                lines.push(line);
                users.push(user);
            }
            Err(e) => {
                tally.refused += 1;
                eprintln!("line {line}: {e}");
            }
        }
    }
    if users.is_empty() {
        return Ok(());
    }
    let outcomes = core
        .import_users(pool_id, source, users)
        .await
        .context("importing users")?;
    for (line, outcome) in lines.into_iter().zip(outcomes) {
        match outcome {
            ImportOutcome::Imported => tally.imported += 1,
            ImportOutcome::AlreadyPresent => tally.present += 1,
            ImportOutcome::Refused(e) => {
                tally.refused += 1;
                eprintln!("line {line}: {e}");
            }
        }
    }
    Ok(())
}
