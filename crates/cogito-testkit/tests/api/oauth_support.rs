//! Shared fixtures of the OAuth and security suites (security bar §0): pool `P1` with a domain,
//! clients `C_pub` (public, PKCE, the loopback and app-scheme callbacks, a logout URL),
//! `C_conf` (secret) and `C_other` (public), user `alice`; a cookie-less, redirect-less HTTP
//! client; hosted-UI sessions minted directly through the core; PKCE pairs; token calls.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::{
    ExplicitAuthFlowsType as F, FeatureType, OAuthFlowType, RefreshTokenRotationType,
};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::confirmed_user;

/// The first registered callback.
pub const CB: &str = "https://app.example/cb";
/// Another registered callback.
pub const CB2: &str = "https://app.example/cb2";
/// The registered logout URL.
pub const BYE: &str = "https://app.example/bye";
/// Password of every fixture user.
pub const PASSWORD: &str = "Passw0rd!long";
/// All scopes the fixture clients may use.
pub const SCOPES: &[&str] = &[
    "openid",
    "email",
    "phone",
    "profile",
    "aws.cognito.signin.user.admin",
];

/// Pool, domain and clients of one test.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Pool id.
    pub pool: String,
    /// Domain base URL (path form).
    pub base: String,
    /// Public client (PKCE).
    pub c_pub: String,
    /// Confidential client id.
    pub c_conf: String,
    /// Its secret.
    pub conf_secret: String,
    /// Another public client of the same pool.
    pub c_other: String,
}

/// A confidential or public OAuth client of a pool with the fixture's settings.
pub async fn oauth_client(
    app: &TestApp,
    pool: &str,
    name: &str,
    secret: bool,
) -> (String, Option<String>) {
    oauth_client_with(app, pool, name, secret, None).await
}

/// [`oauth_client`] with refresh-token rotation enabled and this grace period (seconds).
pub async fn oauth_client_with(
    app: &TestApp,
    pool: &str,
    name: &str,
    secret: bool,
    rotation_grace: Option<i32>,
) -> (String, Option<String>) {
    let mut req = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name(name)
        .generate_secret(secret)
        .explicit_auth_flows(F::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(F::AllowRefreshTokenAuth)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .supported_identity_providers("COGNITO")
        .logout_urls(BYE);
    for cb in [
        CB,
        CB2,
        "http://127.0.0.1/cb",
        "http://localhost/cb",
        "myapp://cb",
    ] {
        req = req.callback_urls(cb);
    }
    for s in SCOPES {
        req = req.allowed_o_auth_scopes(*s);
    }
    if let Some(grace) = rotation_grace {
        req = req.refresh_token_rotation(
            RefreshTokenRotationType::builder()
                .feature(FeatureType::Enabled)
                .retry_grace_period_seconds(grace)
                .build()
                .unwrap(),
        );
    }
    let c = req
        .send()
        .await
        .expect("create OAuth client")
        .user_pool_client
        .unwrap();
    (c.client_id.unwrap(), c.client_secret)
}

/// Creates a domain for a pool; returns its base URL.
pub async fn domain(app: &TestApp, pool: &str, prefix: &str) -> String {
    app.sdk
        .create_user_pool_domain()
        .user_pool_id(pool)
        .domain(prefix)
        .send()
        .await
        .expect("create domain");
    format!("{}/domain/{prefix}", app.url)
}

/// The fixture of security bar §0 (pool `P1`), with user `alice`.
pub async fn fixture(app: &TestApp) -> Fixture {
    let pool = app.pool("P1").await;
    let base = domain(app, &pool, "p1-login").await;
    let (c_pub, _) = oauth_client(app, &pool, "C_pub", false).await;
    let (c_conf, secret) = oauth_client(app, &pool, "C_conf", true).await;
    let (c_other, _) = oauth_client(app, &pool, "C_other", false).await;
    confirmed_user(app, &pool, "alice", PASSWORD).await;
    Fixture {
        pool,
        base,
        c_pub,
        c_conf,
        conf_secret: secret.expect("secret"),
        c_other,
    }
}

/// An HTTP client that follows no redirects and keeps no cookies.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The signed `Cookie` header value of a session id (what `session_cookie::set_cookie` sets).
pub fn session_cookie_value(app: &TestApp, id: &str) -> String {
    let mac = cogito_core::crypto::hmac_sha256(&app.state.cookie_key[..], id.as_bytes());
    format!("cogito_session={id}.{}", URL_SAFE_NO_PAD.encode(mac))
}

/// Mints a hosted-UI session for a user authenticated now; returns the `Cookie` header value.
pub async fn hosted_session(app: &TestApp, pool: &str, username: &str) -> String {
    let core = &app.state.core;
    let p = core.pool(pool).await.unwrap();
    let user = core.user(&p, username).await.unwrap();
    let id = core
        .create_hosted_session(pool, &user, core.clock.now_secs())
        .await
        .unwrap();
    session_cookie_value(app, &id)
}

/// A PKCE pair `(verifier, S256 challenge)`.
pub fn pkce() -> (String, String) {
    let verifier = cogito_core::ids::new_opaque_token(40);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// `/oauth2/authorize?…` with exactly these parameters (encoded).
pub fn authorize_url(fx: &Fixture, params: &[(&str, &str)]) -> String {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("{}/oauth2/authorize?{q}", fx.base)
}

/// GET without following redirects, with an optional `Cookie` header.
pub async fn get(url: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut req = http().get(url);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.unwrap()
}

/// The `Location` header of a response.
pub fn location(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
}

/// A query (or fragment) parameter of a URL.
pub fn param(url: &str, name: &str) -> Option<String> {
    let parsed = url::Url::parse(url).unwrap();
    let from_query = parsed
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned());
    from_query.or_else(|| {
        url::form_urlencoded::parse(parsed.fragment().unwrap_or_default().as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    })
}

/// A code for `client` (signed in with `cookie`), authorize parameters `extra` added to
/// `response_type=code`, `client_id`, `redirect_uri=CB`.
pub async fn code(fx: &Fixture, client: &str, cookie: &str, extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", client),
        ("redirect_uri", CB),
    ];
    params.extend_from_slice(extra);
    let resp = get(&authorize_url(fx, &params), Some(cookie)).await;
    assert_eq!(
        resp.status(),
        StatusCode::FOUND,
        "authorize should redirect"
    );
    let to = location(&resp).unwrap();
    assert!(to.starts_with(CB), "redirected to the client: {to}");
    param(&to, "code").unwrap_or_else(|| panic!("no code in {to}"))
}

/// A token-endpoint answer.
#[derive(Debug)]
pub struct TokenAnswer {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// JSON body (`Null` when empty).
    pub body: Value,
}

impl TokenAnswer {
    /// The `error` member.
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }

    /// A string member.
    pub fn str(&self, name: &str) -> String {
        self.body[name]
            .as_str()
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.body))
            .to_string()
    }
}

/// POSTs a form to a domain endpoint (`/oauth2/token`, `/oauth2/revoke`), with optional Basic
/// credentials.
pub async fn post_form(
    fx: &Fixture,
    path: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> TokenAnswer {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut req = http()
        .post(format!("{}{path}", fx.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    TokenAnswer {
        status,
        headers,
        body,
    }
}

/// `grant_type=authorization_code` for a public client with a PKCE verifier.
pub async fn redeem_public(fx: &Fixture, client: &str, code: &str, verifier: &str) -> TokenAnswer {
    post_form(
        fx,
        "/oauth2/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", client),
            ("code", code),
            ("redirect_uri", CB),
            ("code_verifier", verifier),
        ],
        None,
    )
    .await
}

/// `grant_type=refresh_token` for a public client.
pub async fn refresh_public(fx: &Fixture, client: &str, refresh_token: &str) -> TokenAnswer {
    post_form(
        fx,
        "/oauth2/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", client),
            ("refresh_token", refresh_token),
        ],
        None,
    )
    .await
}

/// Tokens of a full code + PKCE flow for `C_pub` and `alice` with these extra authorize
/// parameters (a fresh hosted session each time).
pub async fn pub_tokens(app: &TestApp, fx: &Fixture, extra: &[(&str, &str)]) -> TokenAnswer {
    tokens_of(app, fx, &fx.c_pub, extra).await
}

/// Tokens of a full code + PKCE flow for a public `client` and `alice`.
pub async fn tokens_of(
    app: &TestApp,
    fx: &Fixture,
    client: &str,
    extra: &[(&str, &str)],
) -> TokenAnswer {
    let cookie = hosted_session(app, &fx.pool, "alice").await;
    let (verifier, challenge) = pkce();
    let mut params = vec![
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    let code = code(fx, client, &cookie, &params).await;
    let t = redeem_public(fx, client, &code, &verifier).await;
    assert_eq!(t.status, StatusCode::OK, "{:?}", t.body);
    t
}

/// GET `/oauth2/userInfo` with a bearer token.
pub async fn user_info(fx: &Fixture, token: &str) -> reqwest::Response {
    http()
        .get(format!("{}/oauth2/userInfo", fx.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Decodes the claims of a JWT without verifying it.
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Whether the anti-caching headers of SEC-17 are present.
pub fn assert_no_store(headers: &HeaderMap) {
    assert_eq!(
        headers.get("cache-control").map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
    assert_eq!(
        headers.get("pragma").map(|v| v.to_str().unwrap()),
        Some("no-cache")
    );
}

/// The pool's JWKS, fetched over HTTP.
pub async fn jwks(app: &TestApp, pool: &str) -> Value {
    http()
        .get(format!("{}/{pool}/.well-known/jwks.json", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Verifies a token independently (`jsonwebtoken`, JWKS over HTTP): RS256, the pool's issuer,
/// `exp`, and `aud` when given. Returns the claims.
pub async fn verify_jwt(app: &TestApp, pool: &str, token: &str, aud: Option<&str>) -> Value {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    let set = jwks(app, pool).await;
    let kid = jsonwebtoken::decode_header(token)
        .unwrap()
        .kid
        .expect("kid");
    let jwk = set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("kid is in the JWKS");
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[format!("{}/{pool}", app.url)]);
    match aud {
        Some(a) => v.set_audience(&[a]),
        None => v.validate_aud = false,
    }
    v.set_required_spec_claims(&["exp", "iss", "sub"]);
    jsonwebtoken::decode::<Value>(token, &key, &v)
        .expect("token verifies")
        .claims
}
