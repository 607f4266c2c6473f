//! Sign-in operations: `InitiateAuth`, `AdminInitiateAuth`, `RespondToAuthChallenge`,
//! `AdminRespondToAuthChallenge`, `RevokeToken`, `GetTokensFromRefreshToken`. The caller's
//! privilege comes from the operation (the admin ones are SigV4-signed), never from the input.

use std::collections::HashMap;
use std::sync::Arc;

use cogito_core::service::Cogito;
use cogito_core::service::auth::{AuthFlow, AuthOutcome, Caller, ChallengeName};
use serde::Deserialize;
use serde_json::{Value, json};

use super::wire::{OpResult, decode};
use crate::error::ApiError;

/// `ChallengeNameType` of the API model.
const KNOWN_CHALLENGES: &[&str] = &[
    "SMS_MFA",
    "EMAIL_OTP",
    "SOFTWARE_TOKEN_MFA",
    "SELECT_MFA_TYPE",
    "MFA_SETUP",
    "PASSWORD_VERIFIER",
    "CUSTOM_CHALLENGE",
    "SELECT_CHALLENGE",
    "DEVICE_SRP_AUTH",
    "DEVICE_PASSWORD_VERIFIER",
    "ADMIN_NO_SRP_AUTH",
    "NEW_PASSWORD_REQUIRED",
    "SMS_OTP",
    "PASSWORD",
    "WEB_AUTHN",
    "PASSWORD_SRP",
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AuthInput {
    user_pool_id: Option<String>,
    client_id: String,
    #[serde(default)]
    auth_flow: String,
    #[serde(default)]
    auth_parameters: HashMap<String, String>,
    #[serde(default)]
    challenge_name: String,
    session: Option<String>,
    #[serde(default)]
    challenge_responses: HashMap<String, String>,
}

fn outcome(o: AuthOutcome) -> Value {
    match o {
        AuthOutcome::Authenticated(r) => {
            let mut result = json!({
                "AccessToken": r.access_token,
                "ExpiresIn": r.expires_in,
                "TokenType": "Bearer",
                "IdToken": r.id_token,
            });
            if let Some(rt) = r.refresh_token {
                result["RefreshToken"] = json!(rt);
            }
            if let Some(d) = r.new_device {
                result["NewDeviceMetadata"] =
                    json!({ "DeviceKey": d.key, "DeviceGroupKey": d.group_key });
            }
            json!({ "AuthenticationResult": result, "ChallengeParameters": {} })
        }
        AuthOutcome::Challenge(c) => {
            let mut out = json!({
                "ChallengeName": c.name.as_str(),
                "ChallengeParameters": c.parameters,
            });
            // PASSWORD_VERIFIER has no `Session`: its state travels in `SECRET_BLOCK`.
            if !c.session.is_empty() {
                out["Session"] = json!(c.session);
            }
            out
        }
    }
}

/// The caller of an admin operation: the pool its SigV4-signed request names.
fn admin(i: &AuthInput) -> Result<Caller<'_>, ApiError> {
    i.user_pool_id
        .as_deref()
        .map(Caller::Admin)
        .ok_or_else(|| ApiError::invalid("Missing required parameter UserPoolId"))
}

/// `AuthFlowType`: a flow cogito serves, one it does not yet, or not a flow at all.
fn flow(name: &str) -> Result<AuthFlow, ApiError> {
    AuthFlow::parse(name).ok_or_else(|| {
        if ["CUSTOM_AUTH", "USER_AUTH"].contains(&name) {
            ApiError::invalid(format!("{name} is not supported by cogito yet"))
        } else {
            ApiError::invalid(format!(
                "1 validation error detected: Value '{name}' at 'authFlow' failed to satisfy \
                 constraint: Member must satisfy enum value set: [USER_SRP_AUTH, \
                 REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, \
                 USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]"
            ))
        }
    })
}

/// `InitiateAuth` (public: a `UserPoolId` in the input grants nothing).
pub async fn initiate_auth(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: AuthInput = decode(input)?;
    let o = core
        .initiate_auth(
            Caller::Public,
            &i.client_id,
            flow(&i.auth_flow)?,
            &i.auth_parameters,
        )
        .await?;
    Ok(outcome(o))
}

/// `AdminInitiateAuth`.
pub async fn admin_initiate_auth(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: AuthInput = decode(input)?;
    let o = core
        .initiate_auth(
            admin(&i)?,
            &i.client_id,
            flow(&i.auth_flow)?,
            &i.auth_parameters,
        )
        .await?;
    Ok(outcome(o))
}

/// `RespondToAuthChallenge`.
pub async fn respond_to_auth_challenge(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: AuthInput = decode(input)?;
    respond(&core, Caller::Public, &i).await
}

/// `AdminRespondToAuthChallenge`.
pub async fn admin_respond_to_auth_challenge(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: AuthInput = decode(input)?;
    respond(&core, admin(&i)?, &i).await
}

async fn respond(core: &Cogito, caller: Caller<'_>, i: &AuthInput) -> OpResult {
    let challenge = ChallengeName::parse(&i.challenge_name).ok_or_else(|| {
        if KNOWN_CHALLENGES.contains(&i.challenge_name.as_str()) {
            ApiError::invalid(format!(
                "{} is not supported by cogito yet",
                i.challenge_name
            ))
        } else {
            ApiError::invalid(format!(
                "1 validation error detected: Value '{}' at 'challengeName' failed to satisfy \
                 constraint: Member must satisfy enum value set: [{}]",
                i.challenge_name,
                KNOWN_CHALLENGES.join(", ")
            ))
        }
    })?;
    let o = core
        .respond_to_challenge(
            caller,
            &i.client_id,
            challenge,
            i.session.as_deref(),
            &i.challenge_responses,
        )
        .await?;
    Ok(outcome(o))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RevokeInput {
    token: String,
    client_id: String,
    client_secret: Option<String>,
}

/// `RevokeToken`.
pub async fn revoke_token(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: RevokeInput = decode(input)?;
    core.revoke_token(&i.client_id, i.client_secret.as_deref(), &i.token)
        .await?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RefreshInput {
    refresh_token: String,
    client_id: String,
    client_secret: Option<String>,
}

/// `GetTokensFromRefreshToken`: new tokens, and a new refresh token when the client rotates
/// them (`RefreshTokenRotation`).
pub async fn get_tokens_from_refresh_token(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: RefreshInput = decode(input)?;
    let r = core
        .get_tokens_from_refresh_token(&i.client_id, i.client_secret.as_deref(), &i.refresh_token)
        .await?;
    let mut result = json!({
        "AccessToken": r.access_token,
        "ExpiresIn": r.expires_in,
        "TokenType": "Bearer",
        "IdToken": r.id_token,
    });
    if let Some(rt) = r.refresh_token {
        result["RefreshToken"] = json!(rt);
    }
    Ok(json!({ "AuthenticationResult": result }))
}
