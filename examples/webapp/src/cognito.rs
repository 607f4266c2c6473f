//! The user-pool API through the AWS SDK for Rust (SigV4-signed): `AdminInitiateAuth`,
//! `AdminRespondToAuthChallenge`, `GetUser`, `ListUsers`. With an endpoint override the calls
//! go to cogito; without one, to AWS Cognito in the configured region.

use aws_credential_types::Credentials;
use aws_lc_rs::hmac;
use aws_sdk_cognitoidentityprovider as sdk;
use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Region};
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::Config;

/// SDK client plus the API client's id and secret.
#[derive(Clone, Debug)]
pub struct Cognito {
    client: sdk::Client,
    pool_id: String,
    client_id: String,
    client_secret: Option<String>,
}

/// Tokens of a successful sign-in.
#[derive(Debug, Serialize)]
pub struct Tokens {
    /// Access token (JWT).
    pub access_token: String,
    /// ID token (JWT).
    pub id_token: String,
    /// Refresh token (absent when refreshing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Lifetime of the access token in seconds.
    pub expires_in: i32,
    /// Always `Bearer`.
    pub token_type: String,
}

/// The outcome of a sign-in step.
#[derive(Debug)]
pub enum SignIn {
    /// Signed in.
    Tokens(Tokens),
    /// The user must choose a new password (invited with a temporary one).
    NewPasswordRequired {
        /// Session to answer the challenge with.
        session: String,
    },
    /// Another challenge this example does not implement.
    Other(String),
}

/// A user as the admin page and `GET /api/admin/users` show it.
#[derive(Debug, Serialize)]
pub struct UserSummary {
    /// Username.
    pub username: String,
    /// `email`, when set.
    pub email: Option<String>,
    /// `UserStatus`, e.g. `CONFIRMED`.
    pub status: String,
    /// Whether the user may sign in.
    pub enabled: bool,
}

/// An error of the user-pool API: the Cognito error code and message.
#[derive(Debug)]
pub struct ApiError {
    /// E.g. `NotAuthorizedException`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

fn api_error<E, R>(e: sdk::error::SdkError<E, R>) -> ApiError
where
    E: sdk::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match e.as_service_error() {
        Some(service) => ApiError {
            code: service.code().unwrap_or("UnknownError").to_string(),
            message: service.message().unwrap_or_default().to_string(),
        },
        None => ApiError {
            code: "ServiceUnavailable".into(),
            message: format!("the user-pool API could not be reached: {e:?}"),
        },
    }
}

impl Cognito {
    /// A client for the configured pool, endpoint and credentials.
    pub fn new(config: &Config) -> Self {
        let (id, secret, token) = config.aws_credentials.clone();
        let mut builder = sdk::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(config.region.clone()))
            .credentials_provider(Credentials::new(id, secret, token, None, "cogito-example"));
        if let Some(endpoint) = &config.endpoint_url {
            builder = builder.endpoint_url(endpoint);
        }
        Self {
            client: sdk::Client::from_conf(builder.build()),
            pool_id: config.pool_id.clone(),
            client_id: config.api_client_id.clone(),
            client_secret: config.api_client_secret.clone(),
        }
    }

    /// `SECRET_HASH`: Base64(HMAC-SHA256(client secret, username + client id)).
    fn secret_hash(&self, username: &str) -> Option<String> {
        self.client_secret.as_ref().map(|secret| {
            let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
            let tag = hmac::sign(&key, format!("{username}{}", self.client_id).as_bytes());
            STANDARD.encode(tag.as_ref())
        })
    }

    /// `AdminInitiateAuth` with `ADMIN_USER_PASSWORD_AUTH`.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<SignIn, ApiError> {
        let mut req = self
            .client
            .admin_initiate_auth()
            .user_pool_id(&self.pool_id)
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password);
        if let Some(hash) = self.secret_hash(username) {
            req = req.auth_parameters("SECRET_HASH", hash);
        }
        let out = req.send().await.map_err(api_error)?;
        Ok(outcome(
            out.authentication_result,
            out.challenge_name,
            out.session,
        ))
    }

    /// `AdminRespondToAuthChallenge` answering `NEW_PASSWORD_REQUIRED`.
    pub async fn set_new_password(
        &self,
        username: &str,
        session: &str,
        new_password: &str,
    ) -> Result<SignIn, ApiError> {
        let mut req = self
            .client
            .admin_respond_to_auth_challenge()
            .user_pool_id(&self.pool_id)
            .client_id(&self.client_id)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(session)
            .challenge_responses("USERNAME", username)
            .challenge_responses("NEW_PASSWORD", new_password);
        if let Some(hash) = self.secret_hash(username) {
            req = req.challenge_responses("SECRET_HASH", hash);
        }
        let out = req.send().await.map_err(api_error)?;
        Ok(outcome(
            out.authentication_result,
            out.challenge_name,
            out.session,
        ))
    }

    /// The user's attributes (`GetUser`, authorised by the access token itself).
    pub async fn attributes(&self, access_token: &str) -> Result<Vec<(String, String)>, ApiError> {
        let out = self
            .client
            .get_user()
            .access_token(access_token)
            .send()
            .await
            .map_err(api_error)?;
        Ok(out
            .user_attributes
            .into_iter()
            .map(|a| (a.name, a.value.unwrap_or_default()))
            .collect())
    }

    /// The pool's users (`ListUsers`, first 60).
    pub async fn list_users(&self) -> Result<Vec<UserSummary>, ApiError> {
        let out = self
            .client
            .list_users()
            .user_pool_id(&self.pool_id)
            .limit(60)
            .send()
            .await
            .map_err(api_error)?;
        Ok(out
            .users
            .unwrap_or_default()
            .into_iter()
            .map(|u| UserSummary {
                email: u
                    .attributes
                    .unwrap_or_default()
                    .into_iter()
                    .find(|a| a.name == "email")
                    .and_then(|a| a.value),
                username: u.username.unwrap_or_default(),
                status: u
                    .user_status
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                enabled: u.enabled,
            })
            .collect())
    }
}

fn outcome(
    result: Option<sdk::types::AuthenticationResultType>,
    challenge: Option<ChallengeNameType>,
    session: Option<String>,
) -> SignIn {
    if let Some(r) = result {
        return SignIn::Tokens(Tokens {
            access_token: r.access_token.unwrap_or_default(),
            id_token: r.id_token.unwrap_or_default(),
            refresh_token: r.refresh_token,
            expires_in: r.expires_in,
            token_type: r.token_type.unwrap_or_else(|| "Bearer".into()),
        });
    }
    match challenge {
        Some(ChallengeNameType::NewPasswordRequired) => SignIn::NewPasswordRequired {
            session: session.unwrap_or_default(),
        },
        Some(other) => SignIn::Other(other.as_str().to_string()),
        None => SignIn::Other("no tokens and no challenge".into()),
    }
}

impl Cognito {
    /// The pool id.
    pub fn pool_id(&self) -> &str {
        &self.pool_id
    }

    /// The API client's id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// `SECRET_HASH` of the API client for `username`, when it has a secret.
    pub fn secret_hash_for(&self, username: &str) -> Option<String> {
        self.secret_hash(username)
    }

    /// `AdminInitiateAuth` with any flow, carrying `X-Cogito-Trace: <run_id>` (the flow
    /// explorer); answers the `AuthenticationResult` as JSON (Cognito's field names).
    pub async fn admin_initiate_auth_traced(
        &self,
        flow: AuthFlowType,
        username: &str,
        params: &[(&str, &str)],
        run_id: &str,
    ) -> Result<serde_json::Value, ApiError> {
        let mut req = self
            .client
            .admin_initiate_auth()
            .user_pool_id(&self.pool_id)
            .client_id(&self.client_id)
            .auth_flow(flow);
        for (k, v) in params {
            req = req.auth_parameters(*k, *v);
        }
        if let Some(hash) = self.secret_hash(username) {
            req = req.auth_parameters("SECRET_HASH", hash);
        }
        let run = run_id.to_string();
        let out = req
            .customize()
            .mutate_request(move |r| {
                r.headers_mut().insert("x-cogito-trace", run.clone());
            })
            .send()
            .await
            .map_err(api_error)?;
        let Some(r) = out.authentication_result else {
            return Ok(serde_json::json!({
                "ChallengeName": out.challenge_name.map(|c| c.as_str().to_string()),
            }));
        };
        Ok(serde_json::json!({
            "AuthenticationResult": {
                "AccessToken": r.access_token,
                "IdToken": r.id_token,
                "RefreshToken": r.refresh_token,
                "ExpiresIn": r.expires_in,
                "TokenType": r.token_type,
            }
        }))
    }
}
