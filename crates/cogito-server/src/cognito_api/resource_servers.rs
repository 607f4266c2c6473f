//! Resource-server operations: `CreateResourceServer`, `DescribeResourceServer`,
//! `UpdateResourceServer` (full replacement), `DeleteResourceServer`, `ListResourceServers`; the
//! `ResourceServerType` wire shape.

use std::sync::Arc;

use cogito_core::model::ResourceServer;
use cogito_core::model::oauth::ResourceServerScope;
use cogito_core::service::Cogito;
use serde::Deserialize;
use serde_json::{Value, json};

use super::wire::{OpResult, decode};

/// Page size when `MaxResults` is absent (the model allows 1–50).
const DEFAULT_PAGE: u32 = 50;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ScopeInput {
    scope_name: String,
    scope_description: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ServerInput {
    user_pool_id: String,
    #[serde(default)]
    identifier: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    scopes: Vec<ScopeInput>,
    max_results: Option<u32>,
    next_token: Option<String>,
}

impl ServerInput {
    fn server(self) -> ResourceServer {
        ResourceServer {
            pool_id: self.user_pool_id,
            identifier: self.identifier,
            name: self.name,
            scopes: self
                .scopes
                .into_iter()
                .map(|s| ResourceServerScope {
                    name: s.scope_name,
                    description: s.scope_description,
                })
                .collect(),
        }
    }
}

/// `ResourceServerType`.
fn server_type(s: &ResourceServer) -> Value {
    let scopes: Vec<Value> = s
        .scopes
        .iter()
        .map(|x| json!({ "ScopeName": x.name, "ScopeDescription": x.description }))
        .collect();
    json!({
        "UserPoolId": s.pool_id,
        "Identifier": s.identifier,
        "Name": s.name,
        "Scopes": scopes,
    })
}

/// `CreateResourceServer`.
pub async fn create_resource_server(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: ServerInput = decode(input)?;
    let s = core.create_resource_server(i.server()).await?;
    Ok(json!({ "ResourceServer": server_type(&s) }))
}

/// `DescribeResourceServer`.
pub async fn describe_resource_server(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: ServerInput = decode(input)?;
    let s = core.resource_server(&i.user_pool_id, &i.identifier).await?;
    Ok(json!({ "ResourceServer": server_type(&s) }))
}

/// `UpdateResourceServer` (full replacement: omitted scopes are removed).
pub async fn update_resource_server(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: ServerInput = decode(input)?;
    let s = core.update_resource_server(i.server()).await?;
    Ok(json!({ "ResourceServer": server_type(&s) }))
}

/// `DeleteResourceServer`.
pub async fn delete_resource_server(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: ServerInput = decode(input)?;
    core.delete_resource_server(&i.user_pool_id, &i.identifier)
        .await?;
    Ok(json!({}))
}

/// `ListResourceServers`.
pub async fn list_resource_servers(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: ServerInput = decode(input)?;
    let page = core
        .list_resource_servers(
            &i.user_pool_id,
            i.next_token.as_deref(),
            i.max_results.filter(|n| *n > 0).unwrap_or(DEFAULT_PAGE),
        )
        .await?;
    Ok(super::wire::page(
        page,
        "ResourceServers",
        "NextToken",
        server_type,
    ))
}
