//! OAuth 2.0 / OIDC endpoints of a pool domain: `/oauth2/authorize`, `/oauth2/token`,
//! `/oauth2/userInfo`, `/oauth2/revoke`, `/logout` (reference §4). Being built.

pub mod params;

use axum::Router;

use crate::AppState;

/// The OAuth routes (relative to the domain root).
pub fn routes() -> Router<AppState> {
    Router::new()
}
