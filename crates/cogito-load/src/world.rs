//! What the load runs against and remembers: the pool, its public app client and domain, the
//! users with their sessions, the spare sessions that revocations use up, and the ledger of
//! acknowledged writes that the audit checks afterwards.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, anyhow};
use cogito_testkit::sdk;
use sdk::config::{BehaviorVersion, Credentials, Region};
use sdk::types::{ExplicitAuthFlowsType, MessageActionType};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::instances::{ACCESS_KEY_ID, SECRET_ACCESS_KEY};

/// The password of every user the load creates.
pub const PASSWORD: &str = "Load-tier-Passw0rd!";

/// Sessions kept for revocations; older ones are dropped.
const SPARE_SESSIONS: usize = 2000;

/// A signed-in user's tokens.
#[derive(Debug, Clone)]
pub struct Session {
    /// The access token (renewed by refreshes).
    pub access: String,
    /// The refresh token.
    pub refresh: String,
}

/// A user created at set-up, with a session the load refreshes and reads with.
#[derive(Debug)]
pub struct User {
    /// The username.
    pub name: String,
    /// Its current tokens.
    pub session: Mutex<Session>,
}

/// Acknowledged writes, checked by the audit.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Sign-ups acknowledged, with whether their confirmation was acknowledged too.
    pub signed_up: Vec<(String, bool)>,
    /// Users created by AdminCreateUser.
    pub created: Vec<String>,
    /// Refresh tokens of sessions revoked (RevokeToken or GlobalSignOut acknowledged).
    pub revoked: Vec<String>,
}

/// The shared state of a run.
pub struct World {
    /// The instances' base URLs; requests go round-robin.
    pub targets: Vec<String>,
    /// An admin SDK client per instance.
    pub admin: Vec<sdk::Client>,
    /// The HTTP client of the public operations.
    pub http: reqwest::Client,
    /// The pool id.
    pub pool: String,
    /// The public app client.
    pub client: String,
    /// The pool's domain (path form, `/domain/<name>`).
    pub domain: String,
    /// Users with sessions.
    pub users: Vec<User>,
    /// Sessions from password sign-ins, for revocations.
    pub spare: Mutex<VecDeque<Session>>,
    /// Users who signed up and were confirmed during the load, not signed in yet.
    pub signed_up: Mutex<VecDeque<String>>,
    /// Acknowledged writes.
    pub ledger: Mutex<Ledger>,
    /// Makes generated usernames unique within the run.
    serial: AtomicU64,
}

/// An admin SDK client of one instance, retries off.
pub fn admin_client(url: &str) -> sdk::Client {
    let timeouts = sdk::config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_timeout(Duration::from_secs(10))
        .build();
    let conf = sdk::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "cogito-load",
        ))
        .retry_config(sdk::config::retry::RetryConfig::disabled())
        .timeout_config(timeouts)
        .build();
    sdk::Client::from_conf(conf)
}

impl World {
    /// Creates the pool, client, domain and `users` users with a session each.
    pub async fn set_up(targets: Vec<String>, users: usize) -> anyhow::Result<Self> {
        let admin: Vec<sdk::Client> = targets.iter().map(|t| admin_client(t)).collect();
        let a = &admin[0];
        let pool = a
            .create_user_pool()
            .pool_name("load")
            .send()
            .await
            .context("CreateUserPool")?
            .user_pool
            .and_then(|p| p.id)
            .ok_or_else(|| anyhow!("no pool id"))?;
        let client = a
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("load")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .send()
            .await
            .context("CreateUserPoolClient")?
            .user_pool_client
            .and_then(|c| c.client_id)
            .ok_or_else(|| anyhow!("no client id"))?;
        let domain = "load-tier".to_owned();
        a.create_user_pool_domain()
            .user_pool_id(&pool)
            .domain(&domain)
            .send()
            .await
            .context("CreateUserPoolDomain")?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(1024)
            .build()?;
        let mut world = Self {
            targets,
            admin,
            http,
            pool,
            client,
            domain,
            users: Vec::new(),
            spare: Mutex::default(),
            signed_up: Mutex::default(),
            ledger: Mutex::default(),
            serial: AtomicU64::new(0),
        };
        world.users = world.create_users(users).await?;
        Ok(world)
    }

    /// `n` confirmed users, signed in, a few at a time (each costs three password hashes).
    async fn create_users(&self, n: usize) -> anyhow::Result<Vec<User>> {
        let mut made = Vec::with_capacity(n);
        let mut tasks = JoinSet::new();
        for i in 0..n {
            if tasks.len() >= 4
                && let Some(done) = tasks.join_next().await
            {
                made.push(done??);
            }
            let (admin, pool, client) = (self.admin[0].clone(), self.pool.clone(), self.client.clone());
            let (http, url) = (self.http.clone(), self.targets[0].clone());
            tasks.spawn(async move { make_user(&admin, &http, &url, &pool, &client, i).await });
        }
        while let Some(done) = tasks.join_next().await {
            made.push(done??);
        }
        made.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(made)
    }

    /// A username not used before in this run.
    pub fn fresh_name(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.serial.fetch_add(1, Ordering::Relaxed))
    }

    /// Keeps a session for a later revocation.
    pub fn keep_spare(&self, s: Session) {
        let mut spare = self.spare.lock().expect("spare");
        if spare.len() >= SPARE_SESSIONS {
            spare.pop_front();
        }
        spare.push_back(s);
    }
}

/// AdminCreateUser, AdminSetUserPassword (permanent), then a password sign-in.
async fn make_user(
    admin: &sdk::Client,
    http: &reqwest::Client,
    url: &str,
    pool: &str,
    client: &str,
    i: usize,
) -> anyhow::Result<User> {
    let name = format!("user{i:05}");
    let attr = |n: &str, v: &str| {
        sdk::types::AttributeType::builder()
            .name(n)
            .value(v)
            .build()
            .map_err(|e| anyhow!("{e}"))
    };
    admin
        .admin_create_user()
        .user_pool_id(pool)
        .username(&name)
        .user_attributes(attr("email", &format!("{name}@load.example"))?)
        .user_attributes(attr("email_verified", "true")?)
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .context("AdminCreateUser")?;
    admin
        .admin_set_user_password()
        .user_pool_id(pool)
        .username(&name)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .context("AdminSetUserPassword")?;
    let body = json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": client,
        "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD},
    });
    let answer = crate::ops::call(http, url, "InitiateAuth", &body)
        .await
        .map_err(|o| anyhow!("sign-in of {name}: {o:?}"))?;
    let session = session_of(&answer).ok_or_else(|| anyhow!("no tokens for {name}"))?;
    Ok(User {
        name,
        session: Mutex::new(session),
    })
}

/// The tokens of an `AuthenticationResult`.
pub fn session_of(answer: &Value) -> Option<Session> {
    let result = answer.get("AuthenticationResult")?;
    Some(Session {
        access: result.get("AccessToken")?.as_str()?.to_owned(),
        refresh: result.get("RefreshToken")?.as_str()?.to_owned(),
    })
}
