//! Sets up the demo user pool through the user-pool API (any Cognito-compatible endpoint):
//! pool `cogito-demo` (e-mail auto-verified), a domain, the web client (code grant, secret,
//! callback and sign-out URL of the app), the API client (`ALLOW_ADMIN_USER_PASSWORD_AUTH`,
//! `ALLOW_REFRESH_TOKEN_AUTH`), groups `Admin` and `Users`, and two users with known
//! passwords. Idempotent: a second run finds and reuses everything, re-points the web client
//! at the app's current URL and resets the demo passwords.
//!
//! `cogito demo` uses it; so do the example's tests.

use anyhow::Context;
use aws_sdk_cognitoidentityprovider as sdk;
use sdk::types::{
    AttributeType, ExplicitAuthFlowsType as Flow, MessageActionType, OAuthFlowType,
    VerifiedAttributeType,
};

/// Name of the demo pool.
pub const POOL_NAME: &str = "cogito-demo";
/// Name of the web client.
pub const WEB_CLIENT: &str = "example-web";
/// Name of the API client.
pub const API_CLIENT: &str = "example-api";
/// The demo users: `(username and e-mail, password, group)`.
pub const USERS: &[(&str, &str, &str)] = &[
    ("admin@example.com", "Admin-Passw0rd!", "Admin"),
    ("user@example.com", "User-Passw0rd!", "Users"),
];
/// Scopes of the web client.
const SCOPES: &[&str] = &[
    "openid",
    "email",
    "profile",
    "aws.cognito.signin.user.admin",
];

/// What the seeding produced (or found).
#[derive(Debug, Clone)]
pub struct Seeded {
    /// Pool id.
    pub pool_id: String,
    /// The web client.
    pub web_client_id: String,
    /// Its secret.
    pub web_client_secret: String,
    /// The API client.
    pub api_client_id: String,
    /// Its secret.
    pub api_client_secret: Option<String>,
    /// Whether the pool was created by this run.
    pub created: bool,
}

fn service_code<E: sdk::error::ProvideErrorMetadata, R>(
    e: &sdk::error::SdkError<E, R>,
) -> Option<&str> {
    e.as_service_error().and_then(|s| s.code())
}

fn attr(name: &str, value: &str) -> anyhow::Result<AttributeType> {
    Ok(AttributeType::builder().name(name).value(value).build()?)
}

/// Seeds (or finds) the demo pool. `app_url` is the example app's public URL; `domain` the
/// domain prefix (the hosted UI is then at `<cogito>/domain/<domain>`).
pub async fn seed(client: &sdk::Client, app_url: &str, domain: &str) -> anyhow::Result<Seeded> {
    seed_with(client, app_url, domain, None).await
}

/// [`seed`], the pool (when created now) running `pre_sign_up` (a Lambda ARN the identity
/// provider maps to a trigger service) on every sign-up.
pub async fn seed_with(
    client: &sdk::Client,
    app_url: &str,
    domain: &str,
    pre_sign_up: Option<&str>,
) -> anyhow::Result<Seeded> {
    let app_url = app_url.trim_end_matches('/');
    let (pool_id, created) = pool(client, pre_sign_up).await?;
    ensure_domain(client, &pool_id, domain).await?;
    let (web_client_id, web_client_secret) = web_client(client, &pool_id, app_url).await?;
    let (api_client_id, api_client_secret) = api_client(client, &pool_id).await?;
    for group in ["Admin", "Users"] {
        match client
            .create_group()
            .user_pool_id(&pool_id)
            .group_name(group)
            .description(format!("{group} of the example app"))
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if service_code(&e) == Some("GroupExistsException") => {}
            Err(e) => return Err(e).context("CreateGroup"),
        }
    }
    for (username, password, group) in USERS {
        match client
            .admin_create_user()
            .user_pool_id(&pool_id)
            .username(*username)
            .message_action(MessageActionType::Suppress)
            .user_attributes(attr("email", username)?)
            .user_attributes(attr("email_verified", "true")?)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if service_code(&e) == Some("UsernameExistsException") => {}
            Err(e) => return Err(e).context("AdminCreateUser"),
        }
        client
            .admin_set_user_password()
            .user_pool_id(&pool_id)
            .username(*username)
            .password(*password)
            .permanent(true)
            .send()
            .await
            .context("AdminSetUserPassword")?;
        client
            .admin_add_user_to_group()
            .user_pool_id(&pool_id)
            .username(*username)
            .group_name(*group)
            .send()
            .await
            .context("AdminAddUserToGroup")?;
    }
    Ok(Seeded {
        pool_id,
        web_client_id,
        web_client_secret,
        api_client_id,
        api_client_secret,
        created,
    })
}

async fn pool(client: &sdk::Client, pre_sign_up: Option<&str>) -> anyhow::Result<(String, bool)> {
    let pools = client
        .list_user_pools()
        .max_results(60)
        .send()
        .await
        .context("ListUserPools")?;
    if let Some(id) = pools
        .user_pools()
        .iter()
        .find(|p| p.name() == Some(POOL_NAME))
        .and_then(|p| p.id())
    {
        return Ok((id.to_string(), false));
    }
    let created = client
        .create_user_pool()
        .pool_name(POOL_NAME)
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .set_lambda_config(pre_sign_up.map(|arn| {
            sdk::types::LambdaConfigType::builder()
                .pre_sign_up(arn)
                .build()
        }))
        .send()
        .await
        .context("CreateUserPool")?;
    let id = created
        .user_pool
        .and_then(|p| p.id)
        .context("CreateUserPool answered no pool id")?;
    Ok((id, true))
}

async fn ensure_domain(client: &sdk::Client, pool_id: &str, domain: &str) -> anyhow::Result<()> {
    let existing = client
        .describe_user_pool_domain()
        .domain(domain)
        .send()
        .await
        .context("DescribeUserPoolDomain")?;
    match existing.domain_description().and_then(|d| d.user_pool_id()) {
        Some(owner) if owner == pool_id => Ok(()),
        Some(other) => anyhow::bail!("domain {domain} belongs to another pool ({other})"),
        None => {
            client
                .create_user_pool_domain()
                .user_pool_id(pool_id)
                .domain(domain)
                .send()
                .await
                .context("CreateUserPoolDomain")?;
            Ok(())
        }
    }
}

async fn find_client(
    client: &sdk::Client,
    pool_id: &str,
    name: &str,
) -> anyhow::Result<Option<(String, Option<String>)>> {
    let list = client
        .list_user_pool_clients()
        .user_pool_id(pool_id)
        .max_results(60)
        .send()
        .await
        .context("ListUserPoolClients")?;
    let Some(id) = list
        .user_pool_clients()
        .iter()
        .find(|c| c.client_name() == Some(name))
        .and_then(|c| c.client_id())
    else {
        return Ok(None);
    };
    let described = client
        .describe_user_pool_client()
        .user_pool_id(pool_id)
        .client_id(id)
        .send()
        .await
        .context("DescribeUserPoolClient")?;
    Ok(Some((
        id.to_string(),
        described.user_pool_client.and_then(|c| c.client_secret),
    )))
}

async fn web_client(
    client: &sdk::Client,
    pool_id: &str,
    app_url: &str,
) -> anyhow::Result<(String, String)> {
    let callback = format!("{app_url}/callback");
    let signed_out = format!("{app_url}/");
    if let Some((id, secret)) = find_client(client, pool_id, WEB_CLIENT).await? {
        // UpdateUserPoolClient replaces every setting: give them all again.
        let mut req = client
            .update_user_pool_client()
            .user_pool_id(pool_id)
            .client_id(&id)
            .client_name(WEB_CLIENT)
            .explicit_auth_flows(Flow::AllowRefreshTokenAuth)
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .supported_identity_providers("COGNITO")
            .callback_urls(&callback)
            .logout_urls(&signed_out);
        for s in SCOPES {
            req = req.allowed_o_auth_scopes(*s);
        }
        req.send().await.context("UpdateUserPoolClient (web)")?;
        return Ok((id, secret.context("the web client has no secret")?));
    }
    let mut req = client
        .create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name(WEB_CLIENT)
        .generate_secret(true)
        .explicit_auth_flows(Flow::AllowRefreshTokenAuth)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .supported_identity_providers("COGNITO")
        .callback_urls(&callback)
        .logout_urls(&signed_out);
    for s in SCOPES {
        req = req.allowed_o_auth_scopes(*s);
    }
    let c = req
        .send()
        .await
        .context("CreateUserPoolClient (web)")?
        .user_pool_client
        .context("no client")?;
    Ok((
        c.client_id.context("no client id")?,
        c.client_secret.context("no client secret")?,
    ))
}

async fn api_client(
    client: &sdk::Client,
    pool_id: &str,
) -> anyhow::Result<(String, Option<String>)> {
    if let Some(found) = find_client(client, pool_id, API_CLIENT).await? {
        return Ok(found);
    }
    let c = client
        .create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name(API_CLIENT)
        .generate_secret(true)
        .explicit_auth_flows(Flow::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(Flow::AllowRefreshTokenAuth)
        .send()
        .await
        .context("CreateUserPoolClient (api)")?
        .user_pool_client
        .context("no client")?;
    Ok((c.client_id.context("no client id")?, c.client_secret))
}
