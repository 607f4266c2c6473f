//! What the application needs to know about its user pool, and nothing cogito-specific: the
//! same fields describe a pool on AWS Cognito (leave `endpoint_url` empty and set `domain_url`
//! to the pool's hosted-UI domain).

/// Settings of the example application.
#[derive(Clone)]
pub struct Config {
    /// User pool id, e.g. `us-east-1_AbCdEfGhI`.
    pub pool_id: String,
    /// AWS region of the pool (SigV4 signing, and the Cognito issuer).
    pub region: String,
    /// Endpoint of the user-pool API, e.g. cogito's `http://127.0.0.1:9229`. `None`: real AWS
    /// Cognito (`https://cognito-idp.<region>.amazonaws.com`).
    pub endpoint_url: Option<String>,
    /// Token issuer. `None`: `<endpoint_url>/<pool_id>` with an endpoint, else
    /// `https://cognito-idp.<region>.amazonaws.com/<pool_id>`.
    pub issuer: Option<String>,
    /// Base URL of the pool's hosted UI / OAuth 2.0 endpoints, e.g.
    /// `http://127.0.0.1:9229/domain/demo` or `https://demo.auth.us-east-1.amazoncognito.com`.
    pub domain_url: String,
    /// The web client (authorization-code grant).
    pub web_client_id: String,
    /// Its secret.
    pub web_client_secret: String,
    /// The API client (`ALLOW_ADMIN_USER_PASSWORD_AUTH`).
    pub api_client_id: String,
    /// Its secret, when it has one (then requests carry a `SECRET_HASH`).
    pub api_client_secret: Option<String>,
    /// Where this application is reached, e.g. `http://127.0.0.1:8080` (callback and sign-out
    /// URLs are derived from it and must be registered on the web client).
    pub public_url: String,
    /// 32 bytes encrypting the session cookie.
    pub cookie_key: [u8; 32],
    /// AWS credentials for the admin calls (`AdminInitiateAuth`, `ListUsers`):
    /// `(access key id, secret access key, session token)`.
    pub aws_credentials: (String, String, Option<String>),
    /// Mount the flow explorer's runner (`POST /flows/run/{flow}`, `GET /flows/trace/{run}`),
    /// which signs the seeded demo users in and shows anyone who can reach the app their live
    /// tokens. Off unless asked: `cogito demo` turns it on, the binary with `--flow-runner`.
    pub flow_runner: bool,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("pool_id", &self.pool_id)
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url)
            .field("domain_url", &self.domain_url)
            .field("web_client_id", &self.web_client_id)
            .field("api_client_id", &self.api_client_id)
            .field("public_url", &self.public_url)
            .field("flow_runner", &self.flow_runner)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The issuer tokens must carry.
    pub fn issuer(&self) -> String {
        if let Some(issuer) = &self.issuer {
            return issuer.trim_end_matches('/').to_string();
        }
        match &self.endpoint_url {
            Some(endpoint) => format!("{}/{}", endpoint.trim_end_matches('/'), self.pool_id),
            None => format!(
                "https://cognito-idp.{}.amazonaws.com/{}",
                self.region, self.pool_id
            ),
        }
    }

    /// Client ids whose access tokens the application accepts (web and API).
    pub fn accepted_client_ids(&self) -> Vec<String> {
        vec![self.web_client_id.clone(), self.api_client_id.clone()]
    }

    /// The web client's redirect URI: `<public_url>/callback`.
    pub fn callback_url(&self) -> String {
        format!("{}/callback", self.public_url.trim_end_matches('/'))
    }

    /// Where the pool's `/logout` sends the browser back to: `<public_url>/`.
    pub fn signed_out_url(&self) -> String {
        format!("{}/", self.public_url.trim_end_matches('/'))
    }

    /// A hosted-UI / OAuth 2.0 endpoint, e.g. `/oauth2/token`.
    pub fn domain_endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.domain_url.trim_end_matches('/'))
    }
}
