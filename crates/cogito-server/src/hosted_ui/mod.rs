//! The hosted login pages of a pool domain: sign-in, sign-up, confirmation, password reset,
//! new password, error page (reference §4.4). Being built.

use axum::Router;

use crate::AppState;

/// The hosted-UI routes (relative to the domain root).
pub fn routes() -> Router<AppState> {
    Router::new()
}
