//! [`Verifier`] and its builder: the JWKS cache and the checks.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use serde_json::Value;

use crate::claims::{Claims, TokenUse};
use crate::error::VerifyError;

/// Tokens longer than this are refused before any decoding.
const MAX_TOKEN_LEN: usize = 16 * 1024;
/// JWKS documents larger than this are refused.
const MAX_JWKS_LEN: usize = 1024 * 1024;
/// Header values echoed in errors are cut to this many characters.
const MAX_ECHO: usize = 64;

/// Verifies RS256 JWTs of one issuer (a cogito or Amazon Cognito user pool).
///
/// Cheap to clone (an [`Arc`] inside); share one per issuer. The JWKS is parsed once into
/// ready-to-use keys; a token naming an unknown `kid` makes the verifier refetch the JWKS, at
/// most once per [`VerifierBuilder::min_refetch_interval`] (concurrent misses share one fetch).
///
/// ```no_run
/// # async fn run() -> Result<(), cogito_verify::VerifyError> {
/// use cogito_verify::{TokenUse, Verifier};
///
/// let verifier = Verifier::builder("https://auth.example.com/us-east-1_AbC123xyz")
///     .client_ids(["7c2h1ftmi1jetkbnr5nj5m8a4"])
///     .token_use(TokenUse::Access)
///     .build()?;
/// let claims = verifier.verify("eyJraWQiOi...").await?;
/// println!("hello {}", claims.username);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    jwks_url: String,
    client_ids: Vec<String>,
    token_use: TokenUse,
    leeway: i64,
    required_groups: Vec<String>,
    required_scopes: Vec<String>,
    min_refetch_interval: Duration,
    http: reqwest::Client,
    keys: RwLock<Arc<KeySet>>,
    fetch: tokio::sync::Mutex<FetchState>,
}

#[derive(Default)]
struct FetchState {
    last: Option<Instant>,
    last_error: Option<String>,
}

/// Parsed keys by `kid`.
#[derive(Default)]
struct KeySet {
    keys: HashMap<String, DecodingKey>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let i = &self.inner;
        f.debug_struct("Verifier")
            .field("issuer", &i.issuer)
            .field("jwks_url", &i.jwks_url)
            .field("client_ids", &i.client_ids)
            .field("token_use", &i.token_use)
            .field("leeway_secs", &i.leeway)
            .field("required_groups", &i.required_groups)
            .field("required_scopes", &i.required_scopes)
            .field("min_refetch_interval", &i.min_refetch_interval)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Verifier`]; made by [`Verifier::builder`] or [`Verifier::cognito`].
#[derive(Debug, Clone)]
pub struct VerifierBuilder {
    issuer: String,
    jwks_url: Option<String>,
    jwks_json: Option<String>,
    client_ids: Vec<String>,
    token_use: TokenUse,
    leeway: Duration,
    required_groups: Vec<String>,
    required_scopes: Vec<String>,
    min_refetch_interval: Duration,
    http: Option<reqwest::Client>,
}

impl Verifier {
    /// A verifier for tokens whose `iss` is exactly `issuer` (a trailing `/` is dropped), e.g.
    /// cogito's `{public_url}/{poolId}`. The JWKS is fetched from
    /// `{issuer}/.well-known/jwks.json` unless [`VerifierBuilder::jwks_url`] says otherwise.
    pub fn builder(issuer: impl Into<String>) -> VerifierBuilder {
        let mut issuer = issuer.into();
        while issuer.ends_with('/') {
            issuer.pop();
        }
        VerifierBuilder {
            issuer,
            jwks_url: None,
            jwks_json: None,
            client_ids: Vec::new(),
            token_use: TokenUse::Any,
            leeway: Duration::from_secs(60),
            required_groups: Vec::new(),
            required_scopes: Vec::new(),
            min_refetch_interval: Duration::from_secs(30),
            http: None,
        }
    }

    /// A verifier for an Amazon Cognito user pool (or a cogito server run with Cognito-style
    /// issuers): issuer `https://cognito-idp.{region}.amazonaws.com/{user_pool_id}`.
    ///
    /// ```
    /// let b = cogito_verify::Verifier::cognito("eu-west-1", "eu-west-1_AbC123xyz");
    /// # let _ = b;
    /// ```
    pub fn cognito(region: &str, user_pool_id: &str) -> VerifierBuilder {
        Self::builder(format!(
            "https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        ))
    }

    /// The configured issuer.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// Verifies a token, accepting the kinds set by [`VerifierBuilder::token_use`].
    pub async fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        self.verify_as(token, self.inner.token_use).await
    }

    /// Verifies an access token (`token_use: "access"`, `client_id` checked).
    pub async fn verify_access(&self, token: &str) -> Result<Claims, VerifyError> {
        self.verify_as(token, TokenUse::Access).await
    }

    /// Verifies an ID token (`token_use: "id"`, `aud` checked).
    pub async fn verify_id(&self, token: &str) -> Result<Claims, VerifyError> {
        self.verify_as(token, TokenUse::Id).await
    }

    /// Fetches the JWKS now, regardless of the refetch interval, and replaces the cached keys.
    /// Useful to warm the cache at start-up.
    pub async fn refresh_jwks(&self) -> Result<(), VerifyError> {
        let mut state = self.inner.fetch.lock().await;
        self.fetch_locked(&mut state).await
    }

    async fn verify_as(&self, token: &str, token_use: TokenUse) -> Result<Claims, VerifyError> {
        let parts = split(token)?;
        let set = self.keys_with(&parts.kid).await?;
        let key = set
            .keys
            .get(&parts.kid)
            .ok_or_else(|| VerifyError::UnknownKid(echo(&parts.kid)))?;
        let ok = jsonwebtoken::crypto::verify(
            parts.signature,
            parts.signing_input.as_bytes(),
            key,
            Algorithm::RS256,
        )
        .map_err(|_| VerifyError::BadSignature)?;
        if !ok {
            return Err(VerifyError::BadSignature);
        }
        let payload = URL_SAFE_NO_PAD
            .decode(parts.payload)
            .map_err(|_| VerifyError::Malformed)?;
        let raw: Value = serde_json::from_slice(&payload).map_err(|_| VerifyError::Malformed)?;
        self.check(raw, token_use)
    }

    fn check(&self, raw: Value, token_use: TokenUse) -> Result<Claims, VerifyError> {
        let i = &self.inner;
        let nbf = match raw.get("nbf") {
            None => None,
            Some(v) => Some(
                v.as_i64()
                    .or_else(|| v.as_f64().map(|f| f as i64))
                    .ok_or(VerifyError::Malformed)?,
            ),
        };
        let claims = Claims::from_payload(raw)?;
        if claims.issuer != i.issuer {
            return Err(VerifyError::WrongIssuer);
        }
        let now = now_secs();
        if now > claims.exp.saturating_add(i.leeway) {
            return Err(VerifyError::Expired);
        }
        let not_before = nbf.map_or(claims.iat, |n| n.max(claims.iat));
        if not_before > now.saturating_add(i.leeway) {
            return Err(VerifyError::NotYetValid);
        }
        if !token_use.accepts(&claims.token_use) {
            return Err(VerifyError::WrongTokenUse);
        }
        if !i.client_ids.is_empty() {
            let ok = if claims.token_use == "id" {
                // `aud` may be a string or an array (RFC 7519 §4.1.3).
                match claims.raw.get("aud") {
                    Some(Value::String(a)) => i.client_ids.iter().any(|c| c == a),
                    Some(Value::Array(a)) => a
                        .iter()
                        .filter_map(Value::as_str)
                        .any(|a| i.client_ids.iter().any(|c| c == a)),
                    _ => false,
                }
            } else {
                i.client_ids.contains(&claims.client_id)
            };
            if !ok {
                return Err(VerifyError::WrongClient);
            }
        }
        if let Some(g) = i.required_groups.iter().find(|g| !claims.has_group(g)) {
            return Err(VerifyError::MissingGroup(g.clone()));
        }
        if let Some(s) = i.required_scopes.iter().find(|s| !claims.has_scope(s)) {
            return Err(VerifyError::MissingScope(s.clone()));
        }
        Ok(claims)
    }

    fn cached(&self) -> Arc<KeySet> {
        match self.inner.keys.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// A key set holding `kid`, refetching the JWKS on a miss when the interval allows. The set
    /// is returned rather than the key so that the hot path copies no key material.
    async fn keys_with(&self, kid: &str) -> Result<Arc<KeySet>, VerifyError> {
        let set = self.cached();
        if set.keys.contains_key(kid) {
            return Ok(set);
        }
        let mut state = self.inner.fetch.lock().await;
        // Another task may have fetched while this one waited for the lock.
        let set = self.cached();
        if set.keys.contains_key(kid) {
            return Ok(set);
        }
        let recent = state
            .last
            .is_some_and(|t| t.elapsed() < self.inner.min_refetch_interval);
        if recent {
            // A failed fetch is reported as such until the next one is allowed.
            if let Some(e) = &state.last_error {
                return Err(VerifyError::Jwks(e.clone()));
            }
            return Err(VerifyError::UnknownKid(echo(kid)));
        }
        self.fetch_locked(&mut state).await?;
        drop(state);
        let set = self.cached();
        if set.keys.contains_key(kid) {
            Ok(set)
        } else {
            Err(VerifyError::UnknownKid(echo(kid)))
        }
    }

    async fn fetch_locked(&self, state: &mut FetchState) -> Result<(), VerifyError> {
        state.last = Some(Instant::now());
        match self.fetch().await {
            Ok(set) => {
                state.last_error = None;
                let set = Arc::new(set);
                match self.inner.keys.write() {
                    Ok(mut k) => *k = set,
                    Err(poisoned) => *poisoned.into_inner() = set,
                }
                Ok(())
            }
            Err(e) => {
                let msg = match &e {
                    VerifyError::Jwks(m) => m.clone(),
                    other => other.to_string(),
                };
                state.last_error = Some(msg);
                Err(e)
            }
        }
    }

    async fn fetch(&self) -> Result<KeySet, VerifyError> {
        let url = &self.inner.jwks_url;
        let err = |e: &dyn std::fmt::Display| VerifyError::Jwks(format!("{url}: {e}"));
        let mut resp = self
            .inner
            .http
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| err(&e))?;
        if !resp.status().is_success() {
            return Err(err(&format!("HTTP {}", resp.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| err(&e))? {
            if body.len() + chunk.len() > MAX_JWKS_LEN {
                return Err(err(&"document too large"));
            }
            body.extend_from_slice(&chunk);
        }
        parse_jwks(&body).map_err(|e| err(&e))
    }
}

impl VerifierBuilder {
    /// Where to fetch the JWKS; default `{issuer}/.well-known/jwks.json`.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// A JWKS document (`{"keys":[...]}`) to start with, so that tokens signed by its keys
    /// verify without any network access. A token naming another `kid` still triggers a fetch
    /// from [`VerifierBuilder::jwks_url`].
    pub fn jwks_json(mut self, jwks: &str) -> Self {
        self.jwks_json = Some(jwks.to_owned());
        self
    }

    /// The app clients whose tokens are accepted: `aud` of ID tokens, `client_id` of access
    /// tokens must be one of them. When none is given, the client is not checked.
    pub fn client_ids<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.client_ids = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Which tokens [`Verifier::verify`] accepts; default [`TokenUse::Any`].
    pub fn token_use(mut self, t: TokenUse) -> Self {
        self.token_use = t;
        self
    }

    /// Clock skew tolerated for `exp`, `nbf` and `iat`; default 60 s.
    pub fn leeway(mut self, d: std::time::Duration) -> Self {
        self.leeway = d;
        self
    }

    /// Groups (`cognito:groups`) the user must all be in.
    pub fn required_groups<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        groups: I,
    ) -> Self {
        self.required_groups = groups.into_iter().map(Into::into).collect();
        self
    }

    /// Scopes (`scope`) the token must all carry. ID tokens carry none, so set this only for
    /// access tokens.
    pub fn required_scopes<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        scopes: I,
    ) -> Self {
        self.required_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The shortest time between two JWKS fetches triggered by unknown `kid`s; default 30 s.
    pub fn min_refetch_interval(mut self, d: std::time::Duration) -> Self {
        self.min_refetch_interval = d;
        self
    }

    /// The HTTP client for JWKS fetches (default: a client with a 10 s timeout).
    pub fn http_client(mut self, c: reqwest::Client) -> Self {
        self.http = Some(c);
        self
    }

    /// Builds the verifier, parsing the preloaded JWKS (if any) once.
    pub fn build(self) -> Result<Verifier, VerifyError> {
        let keys = match &self.jwks_json {
            Some(j) => parse_jwks(j.as_bytes()).map_err(VerifyError::Jwks)?,
            None => KeySet::default(),
        };
        let http = match self.http {
            Some(c) => c,
            None => reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .map_err(|e| VerifyError::Jwks(format!("HTTP client: {e}")))?,
        };
        let jwks_url = self
            .jwks_url
            .unwrap_or_else(|| format!("{}/.well-known/jwks.json", self.issuer));
        Ok(Verifier {
            inner: Arc::new(Inner {
                issuer: self.issuer,
                jwks_url,
                client_ids: self.client_ids,
                token_use: self.token_use,
                leeway: i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX),
                required_groups: self.required_groups,
                required_scopes: self.required_scopes,
                min_refetch_interval: self.min_refetch_interval,
                http,
                keys: RwLock::new(Arc::new(keys)),
                fetch: tokio::sync::Mutex::new(FetchState::default()),
            }),
        })
    }
}

/// The parts of a compact JWS whose header passed the algorithm check.
struct Parts<'a> {
    kid: String,
    signing_input: &'a str,
    payload: &'a str,
    signature: &'a str,
}

#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow, default)]
    alg: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<Value>,
}

/// Splits a token and checks its header: RS256 only, a `kid`, no `crit` extensions.
fn split(token: &str) -> Result<Parts<'_>, VerifyError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(VerifyError::Malformed);
    }
    let mut it = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(VerifyError::Malformed);
    };
    let header = URL_SAFE_NO_PAD
        .decode(h)
        .map_err(|_| VerifyError::Malformed)?;
    let header: Header<'_> = serde_json::from_slice(&header).map_err(|_| VerifyError::Malformed)?;
    let alg = header.alg.ok_or(VerifyError::Malformed)?;
    if alg != "RS256" {
        return Err(VerifyError::UnsupportedAlgorithm(echo(&alg)));
    }
    // No JWS extension is understood, so any `crit` is refused (RFC 7515 §4.1.11).
    if header.crit.is_some() {
        return Err(VerifyError::Malformed);
    }
    let kid = header.kid.ok_or(VerifyError::Malformed)?;
    Ok(Parts {
        kid,
        signing_input: &token[..h.len() + 1 + p.len()],
        payload: p,
        signature: s,
    })
}

/// A header value safe to echo in an error: at most [`MAX_ECHO`] characters.
fn echo(s: &str) -> String {
    s.chars().take(MAX_ECHO).collect()
}

// A published verifier checks tokens against the wall clock; tests move the issuer's (fake)
// clock instead, which gives them expired and future tokens.
#[allow(clippy::disallowed_methods)]
fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Parses a JWKS document into RS256 verification keys; other keys are skipped.
fn parse_jwks(doc: &[u8]) -> Result<KeySet, String> {
    #[derive(Deserialize)]
    struct Doc {
        keys: Vec<Value>,
    }
    let doc: Doc = serde_json::from_slice(doc).map_err(|e| format!("not a JWKS document: {e}"))?;
    let mut keys = HashMap::new();
    for k in &doc.keys {
        let s = |f: &str| k.get(f).and_then(Value::as_str);
        if s("kty") != Some("RSA") {
            continue;
        }
        if s("use").is_some_and(|u| u != "sig") || s("alg").is_some_and(|a| a != "RS256") {
            continue;
        }
        let (Some(kid), Some(n), Some(e)) = (s("kid"), s("n"), s("e")) else {
            continue;
        };
        let key = DecodingKey::from_rsa_components(n, e)
            .map_err(|err| format!("key {kid}: bad RSA components: {err}"))?;
        keys.insert(kid.to_owned(), key);
    }
    Ok(KeySet { keys })
}
