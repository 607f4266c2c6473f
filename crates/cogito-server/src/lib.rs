//! cogito's HTTP edge: the Cognito JSON API (`POST /`), OIDC metadata (JWKS and discovery per
//! pool), health, the dev-only outbox reader, and message delivery (SMTP, SMS webhook). The
//! server is a library: [`app`] builds the router, [`serve`] runs it until shutdown.

pub mod auth;
pub mod client_addr;
pub mod cognito_api;
pub mod console;
pub mod deadline;
pub mod delivery;
pub mod dev;
pub mod domain;
pub mod error;
pub mod hosted_ui;
pub mod landing;
pub mod listen;
pub mod oauth2;
pub mod oidc;
pub mod rate;
pub mod session_cookie;
pub mod setup;
pub mod shed;
pub mod trace;
pub mod triggers;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, Method};
use axum::routing::{get, post, put};
use cogito_core::service::Cogito;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Edge settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Emulator mode: any SigV4 credentials are accepted; the outbox is readable over HTTP.
    pub dev: bool,
    /// Admin access key id → secret access key, for SigV4 verification.
    pub admin_credentials: HashMap<String, String>,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Allowed clock skew of SigV4 signatures.
    pub max_skew_secs: i64,
    /// How pool domains are addressed (path form or host names).
    pub domain_urls: domain::DomainUrls,
    /// Hosted-UI customisation files (`<ui_dir>/<poolId>[/<clientId>]/<template>.html`,
    /// `custom.css`, `logo.png`); `<data-dir>/ui` when served by the CLI.
    pub ui_dir: Option<std::path::PathBuf>,
    /// Proxies whose `X-Forwarded-For` names the client's address (for the rate limits).
    pub trusted_proxies: Vec<client_addr::Cidr>,
    /// How many requests are worked on at once before new ones are refused (load shedding).
    pub in_flight: shed::InFlight,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            dev: false,
            admin_credentials: HashMap::new(),
            max_body_bytes: 256 * 1024,
            max_skew_secs: 300,
            domain_urls: domain::DomainUrls::Path {
                public_url: "http://127.0.0.1:9229".into(),
            },
            ui_dir: None,
            trusted_proxies: Vec::new(),
            in_flight: shed::InFlight::default(),
        }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The core services.
    pub core: Arc<Cogito>,
    /// Edge settings.
    pub config: Arc<ServerConfig>,
    /// Key signing the hosted-UI session cookie and CSRF tokens (derived from the master key).
    pub cookie_key: Arc<[u8; 32]>,
    /// The places of the requests in flight (load shedding).
    pub shedder: shed::Shedder,
}

/// Builds the router.
pub fn app(state: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::POST, Method::GET, Method::OPTIONS])
        .allow_headers(
            [
                "content-type",
                "x-amz-target",
                "x-amz-user-agent",
                "cache-control",
                "authorization",
                "x-amz-date",
                "x-amz-security-token",
                "x-amz-content-sha256",
                "amz-sdk-invocation-id",
                "amz-sdk-request",
            ]
            .map(HeaderName::from_static),
        )
        .expose_headers(
            [
                "x-amzn-requestid",
                "x-amzn-errortype",
                "x-amzn-errormessage",
                "date",
            ]
            .map(HeaderName::from_static),
        )
        .max_age(std::time::Duration::from_secs(600));
    // The Cognito API applies its own deadline (its errors have their own shape).
    let metadata = Router::new()
        .route("/{pool_id}/.well-known/jwks.json", get(oidc::jwks))
        .route(
            "/{pool_id}/.well-known/openid-configuration",
            get(oidc::discovery),
        )
        .route(
            "/_ui/{pool_id}/{client_id}/logo",
            get(hosted_ui::assets::logo_by_id),
        )
        .layer(axum::middleware::from_fn(deadline::bounded));
    let mut router = Router::new()
        .route("/", post(cognito_api::handle).get(landing::root))
        .route("/health", get(|| async { "ok" }))
        .route(
            "/_import/{job_id}",
            put(cognito_api::import_jobs::upload).layer(axum::extract::DefaultBodyLimit::max(
                cogito_core::service::transfer::jobs::MAX_FILE_BYTES,
            )),
        )
        .merge(metadata);
    router = router.merge(console::routes());
    let domains: Router = Router::new()
        .nest("/domain/{domain}", domain::routes(&state))
        .with_state(state.clone());
    let suffix = match &state.config.domain_urls {
        domain::DomainUrls::Host { suffix, .. } => Some(suffix.to_ascii_lowercase()),
        domain::DomainUrls::Path { .. } => None,
    };
    router = router
        .nest("/domain/{domain}", domain::routes(&state))
        .fallback(move |req| domain::host_dispatch(domains.clone(), suffix.clone(), req))
        .layer(cors);
    if state.config.dev {
        // Added after the CORS layer, which therefore does not wrap them: no other origin's
        // page may read the codes in the outbox or the bodies in the trace (a browser refuses
        // a cross-origin read without `Access-Control-Allow-Origin`, and a preflight gets 405).
        let traces = trace::Traces::default();
        let t = traces.clone();
        router = router
            .route("/_dev/outbox", get(dev::outbox))
            .route(
                "/_dev/trace/{run_id}",
                get(move |p| trace::list(t.clone(), p)),
            )
            .layer(axum::middleware::from_fn(move |req, next| {
                trace::record(traces.clone(), req, next)
            }));
    }
    let shedder = state.shedder.clone();
    router
        .layer(axum::middleware::from_fn(hosted_ui::no_cors_on_pages))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn(move |req, next| {
            shedder.clone().run(req, next)
        }))
        .with_state(state)
}

/// A panic inside one request becomes a generic `InternalErrorException`; the server keeps
/// serving and the cause goes to the log only.
fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let cause = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(cause, "request handler panicked");
    axum::response::IntoResponse::into_response(error::ApiError {
        type_name: "InternalErrorException".into(),
        message: "Internal server error".into(),
        status: 500,
    })
}

/// Serves the router on a listener with the default [`listen::Limits`], over plain HTTP, until
/// `shutdown` resolves; in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listen::serve(
        listener,
        app(state),
        listen::Limits::default(),
        None,
        shutdown,
    )
    .await
}

#[cfg(test)]
mod layering {
    /// The edge reaches storage only through the core's services: no source file of this crate
    /// uses the harness's back door to the store or a store port method.
    #[test]
    fn the_edge_does_not_reach_into_the_store() {
        fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("src dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("source");
                    let squeezed: String = text.split_whitespace().collect();
                    // Split so that this test does not find itself.
                    for needle in [
                        ["store_for_", "harness"].concat(),
                        ["core.", "store."].concat(),
                    ] {
                        if squeezed.contains(&needle) {
                            found.push(format!("{}: {needle}", path.display()));
                        }
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        assert!(found.is_empty(), "{found:#?}");
    }
}
