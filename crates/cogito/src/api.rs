//! A client of a running cogito's Cognito API for the management commands (`cogito pools …`,
//! `cogito apply`): one JSON request per operation, signed with SigV4 by AWS's own signer, with
//! credentials found as the AWS CLI finds them (flags, then `AWS_ACCESS_KEY_ID` /
//! `AWS_SECRET_ACCESS_KEY`, then the profile in `~/.aws/credentials`).

use std::path::PathBuf;

use anyhow::Context;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use clap::Args;
use serde_json::Value;

/// Where the server is and who calls it.
#[derive(Debug, Clone, Args)]
pub struct Endpoint {
    /// cogito's URL.
    #[arg(
        long,
        env = "COGITO_ENDPOINT_URL",
        default_value = "http://127.0.0.1:9229"
    )]
    pub endpoint_url: String,
    /// Region signed for (default: `AWS_REGION`, `AWS_DEFAULT_REGION`, else `us-east-1`).
    #[arg(long)]
    pub region: Option<String>,
    /// Profile of `~/.aws/credentials` (default: `AWS_PROFILE`, else `default`).
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Access key id (default: `AWS_ACCESS_KEY_ID`, else the profile's).
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true)]
    pub access_key_id: Option<String>,
    /// Secret access key (default: `AWS_SECRET_ACCESS_KEY`, else the profile's).
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub secret_access_key: Option<String>,
}

/// An error answered by the API.
#[derive(Debug)]
pub struct ApiError {
    /// The exception name, e.g. `ResourceNotFoundException`.
    pub code: String,
    /// Its message.
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// A signed-request client.
pub struct Api {
    http: reqwest::Client,
    url: String,
    region: String,
    credentials: Credentials,
}

impl Api {
    /// A client for `endpoint`, with its credentials resolved now.
    pub fn new(endpoint: &Endpoint) -> anyhow::Result<Self> {
        let region = endpoint
            .region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok())
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
            .unwrap_or_else(|| "us-east-1".into());
        let (id, secret) = match (&endpoint.access_key_id, &endpoint.secret_access_key) {
            (Some(id), Some(secret)) => (id.clone(), secret.clone()),
            (None, None) => profile_credentials(endpoint.profile.as_deref().unwrap_or("default"))?,
            _ => anyhow::bail!(
                "an access key id without its secret (or the other way round): give both, \
                 or neither to use a profile"
            ),
        };
        Ok(Self {
            http: reqwest::Client::new(),
            url: format!("{}/", endpoint.endpoint_url.trim_end_matches('/')),
            region,
            credentials: Credentials::new(id, secret, None, None, "cogito-cli"),
        })
    }

    /// Calls `operation` with `input`; the output, or the API's error.
    pub async fn call(&self, operation: &str, input: &Value) -> anyhow::Result<Value> {
        let body = serde_json::to_vec(input)?;
        let target = format!("AWSCognitoIdentityProviderService.{operation}");
        let host = reqwest::Url::parse(&self.url)
            .context("the endpoint URL")?
            .host_str()
            .map(str::to_owned)
            .unwrap_or_default();
        let url = reqwest::Url::parse(&self.url)?;
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        };
        let headers = [
            ("host", host.as_str()),
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", target.as_str()),
        ];
        let identity = self.credentials.clone().into();
        #[allow(clippy::disallowed_methods)] // SigV4 signs with the wall clock
        let now = std::time::SystemTime::now();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("cognito-idp")
            .time(now)
            .settings(SigningSettings::default())
            .build()
            .context("signing parameters")?
            .into();
        let signable = SignableRequest::new(
            "POST",
            &self.url,
            headers.iter().copied(),
            SignableBody::Bytes(&body),
        )
        .context("signing")?;
        let (instructions, _) = sign(signable, &params).context("signing")?.into_parts();
        let mut request = self.http.post(&self.url).body(body);
        for (name, value) in headers.iter().filter(|(n, _)| *n != "host") {
            request = request.header(*name, *value);
        }
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("calling {operation} at {}", self.url))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let value: Value = if text.is_empty() {
            Value::Object(serde_json::Map::new())
        } else {
            serde_json::from_str(&text)
                .with_context(|| format!("{operation} answered {status} with non-JSON"))?
        };
        if status.is_success() {
            return Ok(value);
        }
        let code = value["__type"]
            .as_str()
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned())
            .unwrap_or_else(|| status.to_string());
        let message = value["message"]
            .as_str()
            .or_else(|| value["Message"].as_str())
            .unwrap_or_default()
            .to_owned();
        Err(ApiError { code, message }.into())
    }

    /// Every item of a paged list operation (`items` names the list member).
    pub async fn list_all(
        &self,
        operation: &str,
        input: Value,
        items: &str,
        token: &str,
    ) -> anyhow::Result<Vec<Value>> {
        let mut all = Vec::new();
        let mut input = input;
        loop {
            let out = self.call(operation, &input).await?;
            if let Some(list) = out[items].as_array() {
                all.extend(list.iter().cloned());
            }
            match out[token].as_str() {
                Some(next) if !next.is_empty() => {
                    if input[token] == next {
                        anyhow::bail!("{operation} answered the same page token twice");
                    }
                    input[token] = Value::String(next.to_owned());
                }
                _ => return Ok(all),
            }
        }
    }
}

/// Whether an error is the API's `code`.
pub fn is_error(e: &anyhow::Error, code: &str) -> bool {
    e.downcast_ref::<ApiError>().is_some_and(|a| a.code == code)
}

/// The access key pair of a profile in the shared credentials file.
fn profile_credentials(profile: &str) -> anyhow::Result<(String, String)> {
    let path = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".aws/credentials")))
        .context("no credentials: pass --access-key-id and --secret-access-key")?;
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add profile \
             [{profile}] to {}",
            path.display()
        )
    })?;
    let mut section = String::new();
    let (mut id, mut secret) = (None, None);
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_owned();
        } else if section == profile
            && let Some((key, value)) = line.split_once('=')
        {
            match key.trim() {
                "aws_access_key_id" => id = Some(value.trim().to_owned()),
                "aws_secret_access_key" => secret = Some(value.trim().to_owned()),
                _ => {}
            }
        }
    }
    match (id, secret) {
        (Some(id), Some(secret)) => Ok((id, secret)),
        _ => anyhow::bail!(
            "profile [{profile}] of {} has no access key pair",
            path.display()
        ),
    }
}
