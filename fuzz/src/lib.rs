//! The shared harness of the fuzz targets: one cogito server per fuzzing process (in-memory
//! SQLite, cheap hashing, a test clock), built on first use, with a pool, a client allowing
//! password sign-in, a confirmed user and a genuine token pair of that user.
//!
//! Targets call it through [`harness`]; everything they run goes through the same code as
//! real requests (the router, or `call_operation`, which the JSON API and the console share).

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use cogito_core::clock::FakeClock;
use cogito_core::crypto::MasterKey;
use cogito_core::password::HashCost;
use cogito_core::service::CoreConfig;
use cogito_core::service::rate_limits::RateLimits;
use cogito_server::setup::{self, Parts};
use cogito_server::{AppState, ServerConfig};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Base URL the harness's issuers are built from.
pub const PUBLIC_URL: &str = "http://127.0.0.1:9229";
/// The pool's domain (path form `/domain/<DOMAIN>`).
pub const DOMAIN: &str = "fuzz-login";
/// The client's callback URL.
pub const CALLBACK: &str = "https://app.example/cb";
/// The user's password.
pub const PASSWORD: &str = "Passw0rd!";
/// Admin credentials of the harness's server.
pub const ADMIN: (&str, &str) = (
    "AKIAFUZZ000000000001",
    "fuzz-secret-access-key-0123456789abcdef",
);

/// The server and what it holds.
pub struct Harness {
    /// Runs the server's futures (current thread).
    pub runtime: tokio::runtime::Runtime,
    /// The server's state.
    pub state: AppState,
    /// Its router.
    pub router: Router,
    /// The pool.
    pub pool: String,
    /// The client (no secret; password sign-in allowed).
    pub client: String,
    /// The confirmed user `alice` (password [`PASSWORD`]).
    pub username: String,
    /// A genuine access token of `alice`.
    pub access_token: String,
    /// A genuine ID token of `alice`.
    pub id_token: String,
    /// The pool's JWKS document.
    pub jwks: String,
}

impl Harness {
    /// Runs an operation as an authenticated administrator would (no SigV4 step).
    pub fn call(&self, op: &str, input: Value) -> Result<Value, (String, u16)> {
        self.runtime
            .block_on(cogito_server::cognito_api::call_operation(
                &self.state,
                op,
                input,
            ))
            .map_err(|e| (e.type_name.clone(), e.status))
    }

    /// Sends a request through the router: its status and body.
    pub fn send(&self, req: Request<Body>) -> (u16, Vec<u8>) {
        self.runtime.block_on(async {
            let resp = self.router.clone().oneshot(req).await.expect("infallible");
            let status = resp.status().as_u16();
            let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
                .await
                .map(|b| b.to_vec())
                .unwrap_or_default();
            (status, body)
        })
    }
}

/// The process's harness, built on first use.
pub fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(build)
}

fn build() -> Harness {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let state = runtime.block_on(async {
        let store = cogito_store::open_store("sqlite::memory:")
            .await
            .expect("store");
        setup::build(Parts {
            store,
            clock: Arc::new(FakeClock::new()),
            master: Arc::new(MasterKey::from_hex(&MasterKey::generate_hex()).expect("key")),
            hash_cost: HashCost::INSECURE_DEV,
            cores: setup::available_cores(),
            transport: Arc::new(cogito_core::service::messages::OutboxOnly),
            core: CoreConfig {
                public_url: PUBLIC_URL.into(),
                cognito_issuer: false,
                region: "us-east-1".into(),
                rate_limits: RateLimits::off(),
            },
            server: ServerConfig {
                admin_credentials: setup::credentials_map(ADMIN.0, ADMIN.1),
                ..ServerConfig::default()
            },
            triggers: None,
        })
        .expect("state")
    });
    let router = cogito_server::app(state.clone());
    let mut h = Harness {
        runtime,
        state,
        router,
        pool: String::new(),
        client: String::new(),
        username: "alice".into(),
        access_token: String::new(),
        id_token: String::new(),
        jwks: String::new(),
    };
    let pool = h
        .call("CreateUserPool", json!({ "PoolName": "fuzz" }))
        .expect("pool")["UserPool"]["Id"]
        .as_str()
        .expect("pool id")
        .to_owned();
    let client = h
        .call(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": pool,
                "ClientName": "fuzz",
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                    "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "CallbackURLs": [CALLBACK],
                "AllowedOAuthFlows": ["code"],
                "AllowedOAuthScopes": ["openid", "email"],
                "AllowedOAuthFlowsUserPoolClient": true,
                "SupportedIdentityProviders": ["COGNITO"],
            }),
        )
        .expect("client")["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("client id")
        .to_owned();
    h.call(
        "CreateUserPoolDomain",
        json!({ "UserPoolId": pool, "Domain": DOMAIN }),
    )
    .expect("domain");
    h.call(
        "AdminCreateUser",
        json!({ "UserPoolId": pool, "Username": "alice", "MessageAction": "SUPPRESS",
            "UserAttributes": [{ "Name": "email", "Value": "alice@example.com" }] }),
    )
    .expect("user");
    h.call(
        "AdminSetUserPassword",
        json!({ "UserPoolId": pool, "Username": "alice", "Password": PASSWORD, "Permanent": true }),
    )
    .expect("password");
    let tokens = h
        .call(
            "AdminInitiateAuth",
            json!({ "UserPoolId": pool, "ClientId": client, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": PASSWORD } }),
        )
        .expect("sign-in");
    h.access_token = tokens["AuthenticationResult"]["AccessToken"]
        .as_str()
        .expect("access token")
        .to_owned();
    h.id_token = tokens["AuthenticationResult"]["IdToken"]
        .as_str()
        .expect("id token")
        .to_owned();
    let (status, jwks) = h.send(
        Request::get(format!("/{pool}/.well-known/jwks.json"))
            .body(Body::empty())
            .expect("request"),
    );
    assert_eq!(status, 200, "JWKS");
    h.jwks = String::from_utf8(jwks).expect("JWKS text");
    h.pool = pool;
    h.client = client;
    h
}

/// Splits fuzz input into `n` strings at `\0` bytes (missing parts are empty), lossily UTF-8.
pub fn parts(data: &[u8], n: usize) -> Vec<String> {
    let mut out: Vec<String> = data
        .splitn(n, |b| *b == 0)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    out.resize(n, String::new());
    out
}

/// Asserts that a failed operation is a client error of the model's shape, never a server
/// fault.
pub fn assert_client_error(op: &str, result: &Result<Value, (String, u16)>) {
    if let Err((type_name, status)) = result {
        assert!(
            *status < 500,
            "{op} answered {status} {type_name}: a server fault on bad input"
        );
        assert!(
            type_name.ends_with("Exception"),
            "{op} answered an unshaped error `{type_name}`"
        );
    }
}
