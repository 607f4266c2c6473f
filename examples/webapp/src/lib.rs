//! The example application of cogito: one server with two faces on one user pool.
//!
//! - **Web** ([`web`]): a home page; "Sign in" sends the browser to the pool's hosted login
//!   pages through the OAuth 2.0 authorization-code grant (PKCE and the client secret); the
//!   callback exchanges the code; the tokens live in an encrypted, `HttpOnly`, `SameSite=Lax`
//!   session cookie ([`session`]) and are refreshed when the access token has expired; a profile
//!   page shows the user and their groups; an admin page opens only for members of `Admin`;
//!   signing out goes through the pool's `/logout`.
//! - **API** ([`api`]): `POST /api/login` calls `AdminInitiateAuth` (`ADMIN_USER_PASSWORD_AUTH`,
//!   SigV4-signed by the AWS SDK for Rust, [`cognito`]) and answers the tokens or the
//!   `NEW_PASSWORD_REQUIRED` challenge (`POST /api/login/new-password`); `GET /api/me` and
//!   `GET /api/admin/users` (Admin only) take `Authorization: Bearer <access token>`. A web
//!   session's access token works there too.
//!
//! Tokens are verified statelessly with `cogito-verify` (signature from the pool's JWKS,
//! issuer, expiry, client id, `token_use`). Nothing here is specific to cogito: with no
//! endpoint override and the real hosted-UI domain, the same binary runs against AWS Cognito.

pub mod api;
pub mod cognito;
pub mod config;
pub mod flows;
pub mod seed;
pub mod session;
pub mod web;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use cogito_verify::{TokenUse, Verifier};

pub use config::Config;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// Settings.
    pub config: Arc<Config>,
    /// Verifies access tokens of the web and the API client.
    pub verifier: Verifier,
    /// The user-pool API (AWS SDK).
    pub cognito: cognito::Cognito,
    /// HTTP client for the OAuth 2.0 token endpoint.
    pub http: reqwest::Client,
    /// Session cookie sealing.
    pub cookies: Arc<session::CookieJar>,
    /// Page templates.
    pub pages: Arc<web::pages::Pages>,
    /// Verifies ID and access tokens of both clients (flow explorer, JWT decoder).
    pub flow_verifier: Verifier,
    /// The flow explorer's runs.
    pub runs: flows::Runs,
}

impl FromRef<AppState> for Verifier {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

impl AppState {
    /// Builds the state from a configuration.
    pub fn new(config: Config) -> anyhow::Result<Self> {
        let issuer = config.issuer();
        let verifier = Verifier::builder(issuer.clone())
            .jwks_url(format!("{issuer}/.well-known/jwks.json"))
            .client_ids(config.accepted_client_ids())
            .token_use(TokenUse::Access)
            .build()?;
        let flow_verifier = Verifier::builder(issuer.clone())
            .jwks_url(format!("{issuer}/.well-known/jwks.json"))
            .client_ids(config.accepted_client_ids())
            .token_use(TokenUse::Any)
            .build()?;
        let cognito = cognito::Cognito::new(&config);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(15))
            .build()?;
        Ok(Self {
            cookies: Arc::new(session::CookieJar::new(
                &config.cookie_key,
                config.public_url.starts_with("https://"),
            )),
            pages: Arc::new(web::pages::Pages::new()?),
            config: Arc::new(config),
            verifier,
            cognito,
            http,
            flow_verifier,
            runs: flows::Runs::default(),
        })
    }
}

/// The application's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(web::routes())
        .merge(flows::routes(state.config.flow_runner))
        .nest("/api", api::routes())
        .with_state(state)
}

/// Serves the application on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = router(AppState::new(config)?);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
