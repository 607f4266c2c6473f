//! OAuth 2.0 / OIDC endpoints of a pool domain: `/oauth2/authorize`, `/oauth2/token`,
//! `/oauth2/userInfo`, `/oauth2/revoke`, `/logout` (reference §4). Handlers parse the request,
//! call one core service (`cogito_core::service::oauth`) and render its answer through
//! [`error`].

pub mod authorize;
pub mod error;
pub mod logout;
pub mod params;
pub mod revoke;
pub mod token;
pub mod userinfo;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

/// The OAuth routes (relative to the domain root).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/oauth2/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route("/oauth2/token", post(token::token))
        .route(
            "/oauth2/userInfo",
            get(userinfo::userinfo_get).post(userinfo::userinfo_post),
        )
        .route("/oauth2/revoke", post(revoke::revoke))
        .route("/logout", get(logout::logout))
}
