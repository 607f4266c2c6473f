//! Pre token generation (reference §6.4): the event sent before a token pair is signed and the
//! changes its answer makes to the claims. Version 1 changes ID-token claims and groups;
//! versions 2 and 3 also change access-token claims and scopes. Claims that carry the token's
//! identity and lifetime cannot be changed, and a suppressed claim wins over an added one.

use serde_json::{Map, Value, json};

use super::{Caller, Event, unrecognizable};
use crate::error::CoreResult;
use crate::model::{Group, PreTokenVersion, TriggerKind, User, UserPool};
use crate::service::Cogito;

/// What a token pair is issued for (`triggerSource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// Hosted UI / OAuth 2.0 sign-in.
    HostedAuth,
    /// An API sign-in completes.
    Authentication,
    /// An API sign-in completes with the new password of `NEW_PASSWORD_REQUIRED`.
    NewPasswordChallenge,
    /// An API sign-in completes with a remembered device's proof.
    AuthenticateDevice,
    /// A refresh (API or token endpoint).
    RefreshTokens,
    /// The client-credentials grant (version 3 functions only).
    ClientCredentials,
}

impl TokenSource {
    fn as_str(self) -> &'static str {
        match self {
            Self::HostedAuth => "TokenGeneration_HostedAuth",
            Self::Authentication => "TokenGeneration_Authentication",
            Self::NewPasswordChallenge => "TokenGeneration_NewPasswordChallenge",
            Self::AuthenticateDevice => "TokenGeneration_AuthenticateDevice",
            Self::RefreshTokens => "TokenGeneration_RefreshTokens",
            Self::ClientCredentials => "TokenGeneration_ClientCredentials",
        }
    }
}

/// Claims no trigger may change, in either token.
const PROTECTED: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "at_hash",
    "auth_time",
    "azp",
    "cognito:username",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "sub",
    "token_use",
];

/// Further claims of the access token no trigger may change (scopes change through the scope
/// lists).
const PROTECTED_ACCESS: &[&str] = &[
    "client_id",
    "username",
    "scope",
    "event_id",
    "version",
    "device_key",
];

/// Claim changes for one token.
#[derive(Debug, Default)]
struct ClaimChanges {
    add: Map<String, Value>,
    suppress: Vec<String>,
}

/// `groupOverrideDetails`.
#[derive(Debug)]
struct GroupOverride {
    groups: Vec<String>,
    roles: Vec<String>,
    preferred_role: Option<String>,
}

/// The changes a pre-token-generation answer asks for.
#[derive(Debug, Default)]
pub struct TokenChanges {
    id: ClaimChanges,
    access: ClaimChanges,
    scopes_add: Vec<String>,
    scopes_suppress: Vec<String>,
    groups: Option<GroupOverride>,
}

fn strings(v: Option<&Value>) -> CoreResult<Vec<String>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned).ok_or_else(unrecognizable))
            .collect(),
        Some(_) => Err(unrecognizable()),
    }
}

fn claim_changes(v: Option<&Value>, strings_only: bool) -> CoreResult<ClaimChanges> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(ClaimChanges::default());
    };
    let add = match v.get("claimsToAddOrOverride") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(unrecognizable()),
    };
    if strings_only && add.values().any(|v| !v.is_string()) {
        return Err(unrecognizable());
    }
    Ok(ClaimChanges {
        add,
        suppress: strings(v.get("claimsToSuppress"))?,
    })
}

fn group_override(v: Option<&Value>) -> CoreResult<Option<GroupOverride>> {
    match v {
        None => Ok(None),
        // An empty or null object removes the groups (reference §6.4).
        Some(Value::Null) => Ok(Some(GroupOverride {
            groups: Vec::new(),
            roles: Vec::new(),
            preferred_role: None,
        })),
        Some(o @ Value::Object(_)) => Ok(Some(GroupOverride {
            groups: strings(o.get("groupsToOverride"))?,
            roles: strings(o.get("iamRolesToOverride"))?,
            preferred_role: o
                .get("preferredRole")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })),
        Some(_) => Err(unrecognizable()),
    }
}

impl TokenChanges {
    /// Reads a function's `response` for the pool's event version.
    fn from_response(version: PreTokenVersion, response: &Value) -> CoreResult<Self> {
        if version == PreTokenVersion::V1 {
            let Some(d) = response
                .get("claimsOverrideDetails")
                .filter(|d| !d.is_null())
            else {
                return Ok(Self::default());
            };
            return Ok(Self {
                id: claim_changes(Some(d), true)?,
                groups: group_override(d.get("groupOverrideDetails"))?,
                ..Self::default()
            });
        }
        let Some(d) = response
            .get("claimsAndScopeOverrideDetails")
            .filter(|d| !d.is_null())
        else {
            return Ok(Self::default());
        };
        let access = d.get("accessTokenGeneration").filter(|a| !a.is_null());
        Ok(Self {
            id: claim_changes(d.get("idTokenGeneration"), false)?,
            access: claim_changes(access, false)?,
            scopes_add: strings(access.and_then(|a| a.get("scopesToAdd")))?,
            scopes_suppress: strings(access.and_then(|a| a.get("scopesToSuppress")))?,
            groups: group_override(d.get("groupOverrideDetails"))?,
        })
    }

    /// Applies the changes to the ID token's claims.
    pub fn apply_to_id(&self, claims: &mut Value) {
        let Some(c) = claims.as_object_mut() else {
            return;
        };
        if let Some(g) = &self.groups {
            set_list(c, "cognito:groups", &g.groups);
            set_list(c, "cognito:roles", &g.roles);
            match &g.preferred_role {
                Some(r) => c.insert("cognito:preferred_role".into(), json!(r)),
                None => c.remove("cognito:preferred_role"),
            };
        }
        apply(c, &self.id, &[]);
    }

    /// Applies the changes to the access token's claims.
    pub fn apply_to_access(&self, claims: &mut Value) {
        let Some(c) = claims.as_object_mut() else {
            return;
        };
        if let Some(g) = &self.groups {
            set_list(c, "cognito:groups", &g.groups);
        }
        apply(c, &self.access, PROTECTED_ACCESS);
        if self.scopes_add.is_empty() && self.scopes_suppress.is_empty() {
            return;
        }
        let mut scopes: Vec<String> = c
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        for s in &self.scopes_add {
            if !scopes.contains(s) {
                scopes.push(s.clone());
            }
        }
        scopes.retain(|s| !self.scopes_suppress.contains(s));
        c.insert("scope".into(), json!(scopes.join(" ")));
    }
}

fn set_list(c: &mut Map<String, Value>, name: &str, values: &[String]) {
    if values.is_empty() {
        c.remove(name);
    } else {
        c.insert(name.into(), json!(values));
    }
}

fn apply(c: &mut Map<String, Value>, changes: &ClaimChanges, also_protected: &[&str]) {
    let changeable = |name: &str| !PROTECTED.contains(&name) && !also_protected.contains(&name);
    for (name, value) in &changes.add {
        if changeable(name) && !changes.suppress.contains(name) {
            c.insert(name.clone(), value.clone());
        }
    }
    for name in &changes.suppress {
        if changeable(name) {
            c.remove(name);
        }
    }
}

impl Cogito {
    /// Runs the pool's pre-token-generation function, if any, for tokens of `user` with
    /// `groups` and the access token's `scope`, and returns the changes it asks for.
    pub(crate) async fn token_changes(
        &self,
        pool: &UserPool,
        client_id: &str,
        user: &User,
        groups: &[Group],
        scope: &str,
        source: TokenSource,
    ) -> CoreResult<TokenChanges> {
        if pool.triggers.arn(TriggerKind::PreTokenGeneration).is_none() {
            return Ok(TokenChanges::default());
        }
        let version = pool.triggers.pre_token_version;
        let roles: Vec<&str> = groups
            .iter()
            .filter_map(|g| g.role_arn.as_deref())
            .collect();
        let mut event = Event::new(
            TriggerKind::PreTokenGeneration,
            source.as_str(),
            &user.username,
            Caller::of(client_id),
        )
        .with_user(user)
        .with(
            "groupConfiguration",
            json!({
                "groupsToOverride": groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
                "iamRolesToOverride": roles,
                "preferredRole": Value::Null,
            }),
        );
        if version != PreTokenVersion::V1 {
            let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
            event = event.with("scopes", json!(scopes));
        }
        event.version = version.event_version();
        let response = self.run_trigger(pool, event).await?.unwrap_or_default();
        TokenChanges::from_response(version, &response)
    }

    /// The changes a version-3 pre-token-generation function asks for in the access token of
    /// the client-credentials grant (no user: the client is the subject); none for other
    /// versions, as on AWS.
    pub(crate) async fn client_token_changes(
        &self,
        pool: &UserPool,
        client_id: &str,
        scope: &str,
    ) -> CoreResult<TokenChanges> {
        let version = pool.triggers.pre_token_version;
        if pool.triggers.arn(TriggerKind::PreTokenGeneration).is_none()
            || version != PreTokenVersion::V3
        {
            return Ok(TokenChanges::default());
        }
        let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
        let mut event = Event::new(
            TriggerKind::PreTokenGeneration,
            TokenSource::ClientCredentials.as_str(),
            client_id,
            Caller::of(client_id),
        )
        .with("userAttributes", json!({}))
        .with("scopes", json!(scopes));
        event.version = version.event_version();
        let response = self.run_trigger(pool, event).await?.unwrap_or_default();
        TokenChanges::from_response(version, &response)
    }
}
