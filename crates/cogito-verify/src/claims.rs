//! The verified claims of a token.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::VerifyError;

/// Which kind of token a verification accepts (`token_use` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum TokenUse {
    /// Access tokens only (`token_use: "access"`).
    Access,
    /// ID tokens only (`token_use: "id"`).
    Id,
    /// Either (the default).
    #[default]
    Any,
}

impl TokenUse {
    pub(crate) fn accepts(self, token_use: &str) -> bool {
        match self {
            Self::Access => token_use == "access",
            Self::Id => token_use == "id",
            Self::Any => token_use == "access" || token_use == "id",
        }
    }
}

/// The claims of a verified ID or access token.
///
/// The common Cognito claims are lifted into fields with the difference between the two token
/// kinds smoothed over (`username`, `client_id`); everything the token carried stays available
/// in [`Claims::raw`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// `sub`: the user's stable id (the client id for client-credentials tokens).
    pub sub: String,
    /// `cognito:username` (ID tokens) or `username` (access tokens); empty for
    /// client-credentials tokens.
    pub username: String,
    /// `cognito:groups`, empty when the user is in no group.
    pub groups: Vec<String>,
    /// `scope`, split on spaces; empty for ID tokens.
    pub scopes: Vec<String>,
    /// `token_use`: `"id"` or `"access"`.
    pub token_use: String,
    /// The app client the token was issued to: `aud` (ID tokens) or `client_id` (access tokens).
    pub client_id: String,
    /// `iss`.
    pub issuer: String,
    /// `exp`, epoch seconds.
    pub exp: i64,
    /// `iat`, epoch seconds.
    pub iat: i64,
    /// `auth_time`, epoch seconds, when present.
    pub auth_time: Option<i64>,
    /// `email`, when present (ID tokens of clients that can read it).
    pub email: Option<String>,
    /// Custom attributes, keyed by their full claim name (`"custom:team"`), values as strings
    /// (Cognito always encodes them as strings; other JSON values are rendered as JSON).
    pub custom: BTreeMap<String, String>,
    /// The whole payload.
    pub raw: Value,
}

impl Claims {
    /// True when the user is in group `g`.
    pub fn has_group(&self, g: &str) -> bool {
        self.groups.iter().any(|x| x == g)
    }

    /// True when the token carries scope `s`.
    pub fn has_scope(&self, s: &str) -> bool {
        self.scopes.iter().any(|x| x == s)
    }

    /// Builds the claims from a payload whose signature has been verified. Only the presence
    /// and types of claims are checked here; their values are checked by the verifier.
    pub(crate) fn from_payload(raw: Value) -> Result<Self, VerifyError> {
        let Value::Object(map) = &raw else {
            return Err(VerifyError::Malformed);
        };
        let s = |k: &str| map.get(k).and_then(Value::as_str);
        let req_str = |k: &str| s(k).map(str::to_owned).ok_or(VerifyError::Malformed);
        let int = |k: &str| -> Result<Option<i64>, VerifyError> {
            match map.get(k) {
                None => Ok(None),
                Some(v) => v
                    .as_i64()
                    // Some issuers write NumericDate as a float.
                    .or_else(|| v.as_f64().map(|f| f as i64))
                    .map(Some)
                    .ok_or(VerifyError::Malformed),
            }
        };
        let token_use = req_str("token_use")?;
        let sub = req_str("sub")?;
        let issuer = req_str("iss")?;
        let exp = int("exp")?.ok_or(VerifyError::Malformed)?;
        let iat = int("iat")?.ok_or(VerifyError::Malformed)?;
        let auth_time = int("auth_time")?;
        let username = if token_use == "id" {
            s("cognito:username").or_else(|| s("username"))
        } else {
            s("username").or_else(|| s("cognito:username"))
        }
        .unwrap_or_default()
        .to_owned();
        let client_id = if token_use == "id" {
            match map.get("aud") {
                Some(Value::String(a)) => a.clone(),
                Some(Value::Array(a)) => a
                    .first()
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                _ => String::new(),
            }
        } else {
            s("client_id").unwrap_or_default().to_owned()
        };
        let groups = match map.get("cognito:groups") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        let scopes = s("scope")
            .map(|sc| sc.split_ascii_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        let email = s("email").map(str::to_owned);
        let custom = custom_attributes(map);
        Ok(Self {
            sub,
            username,
            groups,
            scopes,
            token_use,
            client_id,
            issuer,
            exp,
            iat,
            auth_time,
            email,
            custom,
            raw,
        })
    }
}

fn custom_attributes(map: &Map<String, Value>) -> BTreeMap<String, String> {
    map.iter()
        .filter(|(k, _)| k.starts_with("custom:"))
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), v)
        })
        .collect()
}
