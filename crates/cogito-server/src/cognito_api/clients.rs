//! App client operations: `CreateUserPoolClient`, `DescribeUserPoolClient`,
//! `UpdateUserPoolClient`, `DeleteUserPoolClient`, `ListUserPoolClients`; the
//! `UserPoolClientType` wire shape.

use std::sync::Arc;

use cogito_core::model::client::{RefreshTokenRotation, TokenValidityUnits};
use cogito_core::model::{AppClient, OAuthSettings};
use cogito_core::service::Cogito;
use cogito_core::service::clients::default_flows;
use serde_json::{Map, Value, json};

use super::wire::{OpResult, limit, timestamp};
use crate::error::ApiError;

const TYPED: &[&str] = &[
    "UserPoolId",
    "ClientName",
    "ClientId",
    "ClientSecret",
    "GenerateSecret",
    "ExplicitAuthFlows",
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ReadAttributes",
    "WriteAttributes",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "AuthSessionValidity",
    "AllowedOAuthFlowsUserPoolClient",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "CallbackURLs",
    "LogoutURLs",
    "DefaultRedirectURI",
    "SupportedIdentityProviders",
    "RefreshTokenRotation",
];

use super::wire::{string_list as list, string_member as s};

/// The OAuth members of `CreateUserPoolClient` / `UpdateUserPoolClient`; absent = default
/// (the update is a full replacement).
fn oauth_from_input(input: &Value) -> OAuthSettings {
    OAuthSettings {
        enabled: input
            .get("AllowedOAuthFlowsUserPoolClient")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        flows: list(input, "AllowedOAuthFlows").unwrap_or_default(),
        scopes: list(input, "AllowedOAuthScopes").unwrap_or_default(),
        callback_urls: list(input, "CallbackURLs").unwrap_or_default(),
        logout_urls: list(input, "LogoutURLs").unwrap_or_default(),
        default_redirect_uri: s(input, "DefaultRedirectURI"),
        identity_providers: list(input, "SupportedIdentityProviders").unwrap_or_default(),
    }
}

/// The OAuth members of `UserPoolClientType`: the flag always, lists when non-empty.
fn oauth_members(o: &OAuthSettings, out: &mut Map<String, Value>) {
    out.insert("AllowedOAuthFlowsUserPoolClient".into(), json!(o.enabled));
    for (k, v) in [
        ("AllowedOAuthFlows", &o.flows),
        ("AllowedOAuthScopes", &o.scopes),
        ("CallbackURLs", &o.callback_urls),
        ("LogoutURLs", &o.logout_urls),
        ("SupportedIdentityProviders", &o.identity_providers),
    ] {
        if !v.is_empty() {
            out.insert(k.into(), json!(v));
        }
    }
    if let Some(d) = &o.default_redirect_uri {
        out.insert("DefaultRedirectURI".into(), json!(d));
    }
}

fn client_from_input(input: &Value) -> Result<AppClient, ApiError> {
    let units = input.get("TokenValidityUnits").map(|u| {
        let d = TokenValidityUnits::default();
        TokenValidityUnits {
            access_token: s(u, "AccessToken").unwrap_or(d.access_token),
            id_token: s(u, "IdToken").unwrap_or(d.id_token),
            refresh_token: s(u, "RefreshToken").unwrap_or(d.refresh_token),
        }
    });
    let extra = super::wire::extra_members(input, TYPED);
    Ok(AppClient {
        pool_id: s(input, "UserPoolId").unwrap_or_default(),
        client_id: s(input, "ClientId").unwrap_or_default(),
        name: s(input, "ClientName").unwrap_or_default(),
        secret: s(input, "ClientSecret"),
        explicit_auth_flows: list(input, "ExplicitAuthFlows")
            .filter(|l| !l.is_empty())
            .unwrap_or_else(default_flows),
        access_token_validity: input.get("AccessTokenValidity").and_then(Value::as_i64),
        id_token_validity: input.get("IdTokenValidity").and_then(Value::as_i64),
        refresh_token_validity: input
            .get("RefreshTokenValidity")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        units,
        read_attributes: list(input, "ReadAttributes").filter(|l| !l.is_empty()),
        write_attributes: list(input, "WriteAttributes").filter(|l| !l.is_empty()),
        prevent_user_existence_errors: s(input, "PreventUserExistenceErrors")
            .unwrap_or_else(|| "LEGACY".into()),
        enable_token_revocation: input
            .get("EnableTokenRevocation")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        auth_session_validity: input
            .get("AuthSessionValidity")
            .and_then(Value::as_i64)
            .unwrap_or(3),
        created_ms: 0,
        modified_ms: 0,
        oauth: oauth_from_input(input),
        refresh_token_rotation: input
            .get("RefreshTokenRotation")
            .map(|r| RefreshTokenRotation {
                enabled: s(r, "Feature").as_deref() == Some("ENABLED"),
                retry_grace_period_seconds: r
                    .get("RetryGracePeriodSeconds")
                    .and_then(Value::as_i64)
                    .unwrap_or(0),
            }),
        extra,
    })
}

/// `UserPoolClientType`.
pub fn client_type(c: &AppClient) -> Value {
    // Typed members are never taken from `extra` (records written before they were typed).
    let mut out: Map<String, Value> = c
        .extra
        .iter()
        .filter(|(k, _)| !TYPED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let base = json!({
        "UserPoolId": c.pool_id,
        "ClientName": c.name,
        "ClientId": c.client_id,
        "CreationDate": timestamp(c.created_ms),
        "LastModifiedDate": timestamp(c.modified_ms),
        "RefreshTokenValidity": c.refresh_token_validity,
        "ExplicitAuthFlows": c.explicit_auth_flows,
        "PreventUserExistenceErrors": c.prevent_user_existence_errors,
        "EnableTokenRevocation": c.enable_token_revocation,
        "EnablePropagateAdditionalUserContextData": false,
        "AuthSessionValidity": c.auth_session_validity,
    });
    if let Value::Object(b) = base {
        out.extend(b);
    }
    oauth_members(&c.oauth, &mut out);
    let mut opt = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            out.insert(k.into(), v);
        }
    };
    opt("ClientSecret", c.secret.as_ref().map(|s| json!(s)));
    opt(
        "AccessTokenValidity",
        c.access_token_validity.map(|v| json!(v)),
    );
    opt("IdTokenValidity", c.id_token_validity.map(|v| json!(v)));
    opt(
        "TokenValidityUnits",
        c.units.as_ref().map(|u| {
            json!({
                "AccessToken": u.access_token,
                "IdToken": u.id_token,
                "RefreshToken": u.refresh_token,
            })
        }),
    );
    opt(
        "RefreshTokenRotation",
        c.refresh_token_rotation.map(|r| {
            json!({
                "Feature": if r.enabled { "ENABLED" } else { "DISABLED" },
                "RetryGracePeriodSeconds": r.retry_grace_period_seconds,
            })
        }),
    );
    opt(
        "ReadAttributes",
        c.read_attributes.as_ref().map(|v| json!(v)),
    );
    opt(
        "WriteAttributes",
        c.write_attributes.as_ref().map(|v| json!(v)),
    );
    Value::Object(out)
}

/// `CreateUserPoolClient`.
pub async fn create_user_pool_client(core: Arc<Cogito>, input: Value) -> OpResult {
    let generate = input
        .get("GenerateSecret")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let client = core
        .create_client(client_from_input(&input)?, generate)
        .await?;
    Ok(json!({ "UserPoolClient": client_type(&client) }))
}

/// `DescribeUserPoolClient`.
pub async fn describe_user_pool_client(core: Arc<Cogito>, input: Value) -> OpResult {
    let pool_id = s(&input, "UserPoolId").unwrap_or_default();
    core.pool(&pool_id).await?;
    let client = core
        .pool_client(&pool_id, &s(&input, "ClientId").unwrap_or_default())
        .await?;
    Ok(json!({ "UserPoolClient": client_type(&client) }))
}

/// `UpdateUserPoolClient` (full replacement).
pub async fn update_user_pool_client(core: Arc<Cogito>, input: Value) -> OpResult {
    let client = core.update_client(client_from_input(&input)?).await?;
    Ok(json!({ "UserPoolClient": client_type(&client) }))
}

/// `DeleteUserPoolClient`.
pub async fn delete_user_pool_client(core: Arc<Cogito>, input: Value) -> OpResult {
    core.delete_client(
        &s(&input, "UserPoolId").unwrap_or_default(),
        &s(&input, "ClientId").unwrap_or_default(),
    )
    .await?;
    Ok(json!({}))
}

/// `ListUserPoolClients`.
pub async fn list_user_pool_clients(core: Arc<Cogito>, input: Value) -> OpResult {
    let max = limit(
        input
            .get("MaxResults")
            .and_then(Value::as_u64)
            .map(|n| n as u32),
    );
    let page = core
        .list_clients(
            &s(&input, "UserPoolId").unwrap_or_default(),
            input.get("NextToken").and_then(Value::as_str),
            max,
        )
        .await?;
    Ok(super::wire::page(
        page,
        "UserPoolClients",
        "NextToken",
        |c| json!({ "ClientId": c.client_id, "UserPoolId": c.pool_id, "ClientName": c.name }),
    ))
}
