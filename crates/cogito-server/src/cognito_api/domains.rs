//! User-pool domain operations: `CreateUserPoolDomain`, `DescribeUserPoolDomain`,
//! `UpdateUserPoolDomain`, `DeleteUserPoolDomain`; the `DomainDescriptionType` wire shape.

use std::sync::Arc;

use cogito_core::model::Domain;
use cogito_core::service::Cogito;
use cogito_core::service::domains::DomainSpec;
use serde::Deserialize;
use serde_json::{Value, json};

use super::wire::{OpResult, decode};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DomainInput {
    #[serde(default)]
    user_pool_id: String,
    domain: String,
    managed_login_version: Option<i64>,
    custom_domain_config: Option<Value>,
}

/// `DomainDescriptionType`.
fn description(core: &Cogito, d: &Domain) -> Value {
    json!({
        "UserPoolId": d.pool_id,
        "Domain": d.domain,
        "CloudFrontDistribution": core.domain_host(d),
        "Version": "1",
        "Status": "ACTIVE",
        "ManagedLoginVersion": d.managed_login_version,
    })
}

/// `CreateUserPoolDomain`.
pub async fn create_user_pool_domain(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: DomainInput = decode(input)?;
    let spec = DomainSpec {
        custom: i.custom_domain_config.is_some(),
        managed_login_version: i.managed_login_version,
    };
    let d = core.create_domain(&i.user_pool_id, &i.domain, spec).await?;
    Ok(json!({
        "CloudFrontDomain": core.domain_host(&d),
        "ManagedLoginVersion": d.managed_login_version,
    }))
}

/// `DescribeUserPoolDomain`: an unknown domain is an empty description, not an error.
pub async fn describe_user_pool_domain(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: DomainInput = decode(input)?;
    let d = core.domain(&i.domain).await?;
    Ok(json!({
        "DomainDescription": d.map_or_else(|| json!({}), |d| description(&core, &d)),
    }))
}

/// `UpdateUserPoolDomain`.
pub async fn update_user_pool_domain(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: DomainInput = decode(input)?;
    let d = core
        .update_domain(
            &i.user_pool_id,
            &i.domain,
            i.managed_login_version,
            i.custom_domain_config.is_some(),
        )
        .await?;
    Ok(json!({
        "CloudFrontDomain": core.domain_host(&d),
        "ManagedLoginVersion": d.managed_login_version,
    }))
}

/// `DeleteUserPoolDomain`.
pub async fn delete_user_pool_domain(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: DomainInput = decode(input)?;
    core.delete_domain(&i.user_pool_id, &i.domain).await?;
    Ok(json!({}))
}
