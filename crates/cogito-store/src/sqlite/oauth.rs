//! [`OAuthStore`] for SQLite: OAuth 2.0 and hosted-UI state (migration `0002_oauth.sql`).
//!
//! The port implementation here only dispatches; the SQL lives in one submodule per record
//! family: [`domains`] (user-pool domains and resource servers), [`codes`] (single-use
//! authorization codes and hosted-UI sessions, both keyed by a SHA-256 digest and owned by a
//! user) and [`ui`] (UI customisation of a pool or client).

use async_trait::async_trait;
use cogito_core::model::{
    AuthorizationCode, Domain, HostedSession, ResourceServer, UiCustomization,
};
use cogito_core::store::{OAuthStore, Page, StoreResult};

use super::SqliteStore;

mod codes;
mod domains;
mod ui;

#[async_trait]
impl OAuthStore for SqliteStore {
    async fn insert_domain(&self, domain: &Domain) -> StoreResult<()> {
        domains::insert_domain(self, domain).await
    }

    async fn get_domain(&self, domain: &str) -> StoreResult<Domain> {
        domains::get_domain(self, domain).await
    }

    async fn domain_of_pool(&self, pool_id: &str) -> StoreResult<Domain> {
        domains::domain_of_pool(self, pool_id).await
    }

    async fn set_domain_login_version(
        &self,
        pool_id: &str,
        domain: &str,
        version: i64,
    ) -> StoreResult<Domain> {
        domains::set_domain_login_version(self, pool_id, domain, version).await
    }

    async fn delete_domain(&self, domain: &str) -> StoreResult<()> {
        domains::delete_domain(self, domain).await
    }

    async fn insert_resource_server(&self, server: &ResourceServer) -> StoreResult<()> {
        domains::insert_resource_server(self, server).await
    }

    async fn get_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> StoreResult<ResourceServer> {
        domains::get_resource_server(self, pool_id, identifier).await
    }

    async fn update_resource_server(&self, server: &ResourceServer) -> StoreResult<()> {
        domains::update_resource_server(self, server).await
    }

    async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<()> {
        domains::delete_resource_server(self, pool_id, identifier).await
    }

    async fn list_resource_servers(
        &self,
        pool_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<ResourceServer>> {
        domains::list_resource_servers(self, pool_id, cursor, limit).await
    }

    async fn insert_authorization_code(&self, code: &AuthorizationCode) -> StoreResult<()> {
        codes::insert_authorization_code(self, code).await
    }

    async fn redeem_authorization_code(
        &self,
        code_hash: &str,
        now_ms: i64,
    ) -> StoreResult<AuthorizationCode> {
        codes::redeem_authorization_code(self, code_hash, now_ms).await
    }

    async fn set_code_origin(&self, code_hash: &str, origin_jti: &str) -> StoreResult<()> {
        codes::set_code_origin(self, code_hash, origin_jti).await
    }

    async fn put_hosted_session(&self, session: &HostedSession) -> StoreResult<()> {
        codes::put_hosted_session(self, session).await
    }

    async fn get_hosted_session(&self, id_hash: &str) -> StoreResult<HostedSession> {
        codes::get_hosted_session(self, id_hash).await
    }

    async fn delete_hosted_session(&self, id_hash: &str) -> StoreResult<()> {
        codes::delete_hosted_session(self, id_hash).await
    }

    async fn delete_hosted_sessions_of_user(&self, pool_id: &str, sub: &str) -> StoreResult<()> {
        codes::delete_hosted_sessions_of_user(self, pool_id, sub).await
    }

    async fn put_ui_customization(&self, ui: &UiCustomization) -> StoreResult<()> {
        ui::put_ui_customization(self, ui).await
    }

    async fn set_ui_look(
        &self,
        pool_id: &str,
        client_id: Option<&str>,
        css: Option<&str>,
        image: Option<&[u8]>,
        modified_ms: i64,
    ) -> StoreResult<UiCustomization> {
        let look = ui::Look {
            pool_id,
            client_id,
            css,
            image,
            modified_ms,
        };
        ui::set_ui_look(self, &look).await
    }

    async fn get_ui_customization(
        &self,
        pool_id: &str,
        client_id: Option<&str>,
    ) -> StoreResult<UiCustomization> {
        ui::get_ui_customization(self, pool_id, client_id).await
    }
}
