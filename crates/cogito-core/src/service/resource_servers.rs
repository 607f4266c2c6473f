//! Resource servers and their custom scopes (`CreateResourceServer`, `DescribeResourceServer`,
//! full-replacement `UpdateResourceServer`, `DeleteResourceServer`, `ListResourceServers`), and
//! the scope look-up app-client validation and the OAuth endpoints use.

use super::Cogito;
use super::groups::map_cursor;
use crate::error::{CoreError, CoreResult};
use crate::model::ResourceServer;
use crate::model::oauth::ResourceServerScope;
use crate::store::{Page, StoreError};

/// Scopes Cognito defines itself; every other scope is `<resource server identifier>/<name>`.
pub const RESERVED_SCOPES: &[&str] = &[
    "openid",
    "email",
    "phone",
    "profile",
    "aws.cognito.signin.user.admin",
];

/// Most scopes one resource server may define (service model `ResourceServerScopeListType`).
pub const MAX_SCOPES: usize = 100;

/// Whether `scope` is one of the [`RESERVED_SCOPES`].
pub fn is_reserved_scope(scope: &str) -> bool {
    RESERVED_SCOPES.contains(&scope)
}

fn not_found(identifier: &str) -> CoreError {
    CoreError::ResourceNotFound(format!("Resource server {identifier} does not exist."))
}

fn map_server(identifier: &str, e: StoreError) -> CoreError {
    match e {
        StoreError::NotFound => not_found(identifier),
        StoreError::Conflict(_) => CoreError::invalid(format!(
            "A resource server with identifier {identifier} already exists in this user pool."
        )),
        e => CoreError::from_store("resource server", e),
    }
}

fn validate_scopes(scopes: &[ResourceServerScope]) -> CoreResult<()> {
    if scopes.len() > MAX_SCOPES {
        return Err(CoreError::invalid(format!(
            "A resource server can have at most {MAX_SCOPES} scopes."
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for s in scopes {
        // The model's pattern already excludes `/`, space, `"` and `\`; empty names are
        // refused by its length constraint. Checked again for callers other than the API.
        if s.name.is_empty()
            || s.name.len() > 256
            || !s
                .name
                .bytes()
                .all(|b| (0x21..=0x7e).contains(&b) && !matches!(b, b'"' | b'/' | b'\\'))
        {
            return Err(CoreError::invalid(format!(
                "Invalid scope name {}.",
                s.name
            )));
        }
        if !seen.insert(s.name.as_str()) {
            return Err(CoreError::invalid(format!(
                "Duplicate scope name {} in the resource server.",
                s.name
            )));
        }
    }
    Ok(())
}

impl Cogito {
    /// `CreateResourceServer`.
    pub async fn create_resource_server(
        &self,
        server: ResourceServer,
    ) -> CoreResult<ResourceServer> {
        self.pool(&server.pool_id).await?;
        validate_scopes(&server.scopes)?;
        self.store
            .insert_resource_server(&server)
            .await
            .map_err(|e| map_server(&server.identifier, e))?;
        Ok(server)
    }

    /// `DescribeResourceServer`.
    pub async fn resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> CoreResult<ResourceServer> {
        self.pool(pool_id).await?;
        self.store
            .get_resource_server(pool_id, identifier)
            .await
            .map_err(|e| map_server(identifier, e))
    }

    /// `UpdateResourceServer`: full replacement of name and scopes. Clients that still name a
    /// removed scope keep it in their settings; the OAuth endpoints no longer grant it.
    pub async fn update_resource_server(
        &self,
        server: ResourceServer,
    ) -> CoreResult<ResourceServer> {
        self.resource_server(&server.pool_id, &server.identifier)
            .await?;
        validate_scopes(&server.scopes)?;
        self.store
            .update_resource_server(&server)
            .await
            .map_err(|e| map_server(&server.identifier, e))?;
        Ok(server)
    }

    /// `DeleteResourceServer`.
    pub async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> CoreResult<()> {
        self.pool(pool_id).await?;
        self.store
            .delete_resource_server(pool_id, identifier)
            .await
            .map_err(|e| map_server(identifier, e))
    }

    /// `ListResourceServers`.
    pub async fn list_resource_servers(
        &self,
        pool_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> CoreResult<Page<ResourceServer>> {
        self.pool(pool_id).await?;
        self.store
            .list_resource_servers(pool_id, cursor, limit)
            .await
            .map_err(map_cursor)
    }

    /// Whether `scope` exists in a pool: a reserved scope, or `<identifier>/<name>` of one of
    /// its resource servers (identifiers may themselves contain `/`; scope names cannot).
    pub async fn scope_exists(&self, pool_id: &str, scope: &str) -> CoreResult<bool> {
        if is_reserved_scope(scope) {
            return Ok(true);
        }
        let Some((identifier, name)) = scope.rsplit_once('/') else {
            return Ok(false);
        };
        match self.store.get_resource_server(pool_id, identifier).await {
            Ok(server) => Ok(server.scopes.iter().any(|s| s.name == name)),
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(CoreError::from_store("get resource server", e)),
        }
    }
}
