//! The claim sets of ID and access tokens (reference §3.2, §3.3) for API sign-ins.

use serde_json::{Map, Value, json};

use crate::model::{AppClient, Group, User, UserPool};

/// Everything the claims of one token pair depend on.
#[derive(Debug)]
pub struct TokenContext<'a> {
    /// `iss`.
    pub issuer: &'a str,
    /// The user's pool (attribute types).
    pub pool: &'a UserPool,
    /// The client the tokens are bound to.
    pub client: &'a AppClient,
    /// The user.
    pub user: &'a User,
    /// The user's groups.
    pub groups: &'a [Group],
    /// Original authentication time, epoch s.
    pub auth_time: i64,
    /// `origin_jti` of the sign-in.
    pub origin_jti: &'a str,
    /// The remembered device of the sign-in (`device_key`, access token only).
    pub device_key: Option<&'a str>,
    /// `event_id` of the authentication event.
    pub event_id: &'a str,
    /// `iat`, epoch s.
    pub now: i64,
    /// Granted OAuth scopes (space-separated) for tokens from the OAuth endpoints; `None` for
    /// API sign-ins.
    pub scope: Option<&'a str>,
    /// `nonce` from `/oauth2/authorize`.
    pub nonce: Option<&'a str>,
}

fn group_claims(ctx: &TokenContext<'_>, claims: &mut Map<String, Value>) {
    if !ctx.groups.is_empty() {
        let names: Vec<&str> = ctx.groups.iter().map(|g| g.name.as_str()).collect();
        claims.insert("cognito:groups".into(), json!(names));
    }
}

/// Claims of the ID token.
pub fn id_token(ctx: &TokenContext<'_>) -> Value {
    let mut c = Map::new();
    c.insert("sub".into(), json!(ctx.user.sub));
    group_claims(ctx, &mut c);
    add_role_claims(ctx.groups, &mut c);
    for (name, value) in &ctx.user.attributes {
        if !client_can_read(ctx.client, name) || !ctx.scope.is_none_or(|s| scope_allows(s, name)) {
            continue;
        }
        c.insert(name.clone(), attribute_claim(ctx.pool, name, value));
    }
    c.insert("iss".into(), json!(ctx.issuer));
    c.insert("cognito:username".into(), json!(ctx.user.username));
    c.insert("aud".into(), json!(ctx.client.client_id));
    c.insert("event_id".into(), json!(ctx.event_id));
    c.insert("token_use".into(), json!("id"));
    c.insert("auth_time".into(), json!(ctx.auth_time));
    c.insert("iat".into(), json!(ctx.now));
    c.insert("exp".into(), json!(ctx.now + ctx.client.id_token_secs()));
    if let Some(nonce) = ctx.nonce {
        c.insert("nonce".into(), json!(nonce));
    }
    if ctx.client.enable_token_revocation {
        c.insert("origin_jti".into(), json!(ctx.origin_jti));
        c.insert("jti".into(), json!(crate::ids::new_uuid()));
    }
    Value::Object(c)
}

/// Claims of the access token for API sign-ins (`scope` = `aws.cognito.signin.user.admin`).
pub fn access_token(ctx: &TokenContext<'_>) -> Value {
    let mut c = Map::new();
    c.insert("sub".into(), json!(ctx.user.sub));
    group_claims(ctx, &mut c);
    c.insert("iss".into(), json!(ctx.issuer));
    c.insert("client_id".into(), json!(ctx.client.client_id));
    c.insert("event_id".into(), json!(ctx.event_id));
    c.insert("token_use".into(), json!("access"));
    c.insert(
        "scope".into(),
        json!(ctx.scope.unwrap_or("aws.cognito.signin.user.admin")),
    );
    if ctx.scope.is_some() {
        c.insert("version".into(), json!(2));
    }
    c.insert("auth_time".into(), json!(ctx.auth_time));
    c.insert("iat".into(), json!(ctx.now));
    c.insert(
        "exp".into(),
        json!(ctx.now + ctx.client.access_token_secs()),
    );
    c.insert("username".into(), json!(ctx.user.username));
    if let Some(key) = ctx.device_key {
        c.insert("device_key".into(), json!(key));
    }
    // Revocation is checked through origin_jti, so access tokens always carry it; `jti` only
    // when the client enables revocation, as Cognito does.
    c.insert("origin_jti".into(), json!(ctx.origin_jti));
    if ctx.client.enable_token_revocation {
        c.insert("jti".into(), json!(crate::ids::new_uuid()));
    }
    Value::Object(c)
}

/// `cognito:roles` and `cognito:preferred_role` (ID token only).
fn add_role_claims(groups: &[Group], c: &mut Map<String, Value>) {
    let roles: Vec<&str> = groups
        .iter()
        .filter_map(|g| g.role_arn.as_deref())
        .collect();
    if roles.is_empty() {
        return;
    }
    c.insert("cognito:roles".into(), json!(roles));
    let with_role: Vec<&Group> = groups.iter().filter(|g| g.role_arn.is_some()).collect();
    let best = with_role.iter().filter_map(|g| g.precedence).min();
    let candidates: Vec<&&Group> = with_role.iter().filter(|g| g.precedence == best).collect();
    let first = candidates.first().and_then(|g| g.role_arn.as_deref());
    if let Some(role) = first
        && candidates
            .iter()
            .all(|g| g.role_arn.as_deref() == Some(role))
    {
        c.insert("cognito:preferred_role".into(), json!(role));
    }
}

const PROFILE: &[&str] = &[
    "name",
    "family_name",
    "given_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
    "address",
];

/// Whether the granted OAuth scopes release an attribute (reference §3.7): `openid` alone
/// releases every readable attribute; with `profile`, `email` or `phone` only what those cover.
pub fn scope_allows(scope: &str, attribute: &str) -> bool {
    let has = |s: &str| scope.split(' ').any(|x| x == s);
    if !has("openid") {
        return false;
    }
    let (profile, email, phone) = (has("profile"), has("email"), has("phone"));
    if !profile && !email && !phone {
        return true;
    }
    (profile && (PROFILE.contains(&attribute) || attribute.starts_with("custom:")))
        || (email && matches!(attribute, "email" | "email_verified"))
        || (phone && matches!(attribute, "phone_number" | "phone_number_verified"))
}

/// Whether a client may read an attribute (`ReadAttributes`; `dev:` never).
pub fn client_can_read(client: &AppClient, name: &str) -> bool {
    if name.starts_with("dev:") {
        return false;
    }
    match &client.read_attributes {
        None => true,
        Some(list) => list.iter().any(|a| a == name),
    }
}

/// Encodes an attribute as a claim: `*_verified` as booleans, `updated_at` as a number, custom
/// attributes and everything else as strings.
fn attribute_claim(pool: &UserPool, name: &str, value: &str) -> Value {
    let data_type = pool.attribute(name).map(|a| a.attribute_data_type.as_str());
    if name.starts_with("custom:") {
        return json!(value);
    }
    match data_type {
        Some("Boolean") => json!(value == "true"),
        Some("Number") => value
            .parse::<i64>()
            .map_or_else(|_| json!(value), |n| json!(n)),
        _ => json!(value),
    }
}
