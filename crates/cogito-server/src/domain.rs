//! User-pool domains at the edge: a pool domain is reachable by its host name
//! (`<prefix>.<domain-host-suffix>`, e.g. `mydomain.auth.localhost:9229`) and by a path form that
//! needs no DNS (`<public-url>/domain/<prefix>/…`). Both reach the same routes; [`DomainCtx`]
//! gives handlers the domain, its pool, and the base URL the configuration says it is served at
//! (never taken from the `Host` header, security bar SEC-32).

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use cogito_core::model::{Domain, UserPool};
use std::collections::HashMap;
use tower::ServiceExt;

use crate::AppState;

/// How pool domains are addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainUrls {
    /// `<public-url>/domain/<prefix>` (default: works without DNS).
    Path {
        /// The instance's public URL.
        public_url: String,
    },
    /// `<scheme>://<prefix>.<suffix>`, e.g. `http://mydomain.auth.localhost:9229`.
    Host {
        /// `http` or `https`.
        scheme: String,
        /// Host suffix including any port, e.g. `auth.localhost:9229`.
        suffix: String,
    },
}

impl DomainUrls {
    /// The base URL of a domain (no trailing slash).
    pub fn base(&self, domain: &Domain) -> String {
        match self {
            Self::Path { public_url } => {
                format!(
                    "{}/domain/{}",
                    public_url.trim_end_matches('/'),
                    domain.domain
                )
            }
            Self::Host { scheme, suffix } if !domain.custom => {
                format!("{scheme}://{}.{suffix}", domain.domain)
            }
            Self::Host { scheme, .. } => format!("{scheme}://{}", domain.domain),
        }
    }
}

/// The domain a request arrived on.
#[derive(Debug, Clone)]
pub struct DomainCtx {
    /// The domain.
    pub domain: Domain,
    /// Its pool.
    pub pool: UserPool,
    /// Base URL of the domain's endpoints and pages (no trailing slash).
    pub base_url: String,
}

impl FromRequestParts<AppState> for DomainCtx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let not_found = || (StatusCode::NOT_FOUND, "Unknown domain").into_response();
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        let name = params.get("domain").ok_or_else(not_found)?;
        let domain = match state.core.domain(name).await {
            Ok(Some(d)) => d,
            Ok(None) => return Err(not_found()),
            Err(e) => {
                tracing::error!(error = %e, "domain lookup failed");
                return Err(
                    (StatusCode::SERVICE_UNAVAILABLE, "Temporarily unavailable").into_response()
                );
            }
        };
        let pool = state
            .core
            .pool(&domain.pool_id)
            .await
            .map_err(|_| not_found())?;
        let base_url = state.config.domain_urls.base(&domain);
        Ok(Self {
            domain,
            pool,
            base_url,
        })
    }
}

/// Routes served on every pool domain (OAuth 2.0 endpoints and hosted pages), each within the
/// request deadline.
pub fn routes(state: &AppState) -> Router<AppState> {
    crate::oauth2::routes()
        .route("/", axum::routing::get(crate::landing::domain_root))
        .merge(crate::hosted_ui::routes())
        // The deadline wraps the rate limit too: counting waits on the store like the rest.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::rate::limit_domain,
        ))
        .layer(axum::middleware::from_fn(crate::deadline::bounded))
}

/// Serves a request that arrived on a domain host name (`<prefix>.<suffix>`) by rewriting it to
/// the path form; anything else is a 404.
pub async fn host_dispatch(
    domains: Router,
    suffix: Option<String>,
    req: Request<Body>,
) -> Response {
    let host = req
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let prefix = suffix
        .as_deref()
        .and_then(|s| host.strip_suffix(&format!(".{s}")));
    let Some(prefix) = prefix.filter(|p| !p.is_empty() && !p.contains('.')) else {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    };
    let path_and_query = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let Ok(uri) = format!("/domain/{prefix}{path_and_query}").parse::<Uri>() else {
        return (StatusCode::BAD_REQUEST, "Bad request").into_response();
    };
    let (mut parts, body) = req.into_parts();
    parts.uri = uri;
    match domains.oneshot(Request::from_parts(parts, body)).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}
