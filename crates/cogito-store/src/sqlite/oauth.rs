//! OAuth 2.0 and hosted-UI state (domains, resource servers, authorization codes, hosted-UI
//! sessions, UI customisation). Being implemented; until then the port's defaults answer
//! `Unavailable`.

use async_trait::async_trait;
use cogito_core::store::OAuthStore;

use super::SqliteStore;

#[async_trait]
impl OAuthStore for SqliteStore {}
