//! What the load runs against and remembers: the pool, its public app client and domain, the
//! users with their sessions, the spare sessions that revocations use up, and the ledger of
//! acknowledged writes that the audit checks afterwards.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::anyhow;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::signed;

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
    /// ForgotPassword requests so far: they go to the users in turn, so that none reaches the
    /// per-user hourly cap (ten) before every user has had as many.
    pub forgotten: AtomicU64,
}

/// An admin call during set-up: its answer, or an error naming it.
async fn admin(http: &reqwest::Client, url: &str, op: &str, body: Value) -> anyhow::Result<Value> {
    signed::call(http, url, op, &body)
        .await
        .map_err(|o| anyhow!("{op}: {o:?}"))
}

impl World {
    /// Creates the pool, client, domain and `users` users with a session each.
    pub async fn set_up(targets: Vec<String>, users: usize) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(1024)
            // The instances close a connection idle for 10 s (`--header-timeout`); a client
            // that reuses one at that moment loses its request. Let go of them sooner.
            .pool_idle_timeout(Duration::from_secs(5))
            .build()?;
        let url = &targets[0];
        let pool = admin(&http, url, "CreateUserPool", json!({"PoolName": "load"})).await?;
        let pool = pool
            .pointer("/UserPool/Id")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("no pool id"))?
            .to_owned();
        let client = admin(
            &http,
            url,
            "CreateUserPoolClient",
            json!({"UserPoolId": pool, "ClientName": "load", "ExplicitAuthFlows": [
                "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
        )
        .await?;
        let client = client
            .pointer("/UserPoolClient/ClientId")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("no client id"))?
            .to_owned();
        let domain = "load-tier".to_owned();
        admin(
            &http,
            url,
            "CreateUserPoolDomain",
            json!({"UserPoolId": pool, "Domain": domain}),
        )
        .await?;
        let mut world = Self {
            targets,
            http,
            pool,
            client,
            domain,
            users: Vec::new(),
            spare: Mutex::default(),
            signed_up: Mutex::default(),
            ledger: Mutex::default(),
            forgotten: AtomicU64::new(0),
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
            let (pool, client) = (self.pool.clone(), self.client.clone());
            let (http, url) = (self.http.clone(), self.targets[0].clone());
            tasks.spawn(async move { make_user(&http, &url, &pool, &client, i).await });
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
    http: &reqwest::Client,
    url: &str,
    pool: &str,
    client: &str,
    i: usize,
) -> anyhow::Result<User> {
    let name = format!("user{i:05}");
    admin(
        http,
        url,
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": name, "MessageAction": "SUPPRESS",
            "UserAttributes": [{"Name": "email", "Value": format!("{name}@load.example")},
                {"Name": "email_verified", "Value": "true"}]}),
    )
    .await?;
    admin(
        http,
        url,
        "AdminSetUserPassword",
        json!({"UserPoolId": pool, "Username": name, "Password": PASSWORD, "Permanent": true}),
    )
    .await?;
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
