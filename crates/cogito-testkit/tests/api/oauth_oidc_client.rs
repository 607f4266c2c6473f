//! Acceptance 1: a real OpenID Connect relying-party library (`openidconnect`) against cogito.
//! Discovery at the issuer, an authorization request with state + nonce (+ PKCE S256 for the
//! public client), a browser (cookie jar, no automatic redirects) that follows authorize →
//! `/login`, fills in the sign-in form (with its hidden `_csrf`) and lands on the callback with
//! a code; then the library exchanges the code, validates the ID token (issuer, audience,
//! nonce, signature through the JWKS), calls userInfo, refreshes, revokes, and sees the revoked
//! refresh token refused. Once with a public client, once with a confidential client
//! (`client_secret_basic`).

use std::sync::Arc;

use cogito_testkit::TestApp;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreRevocableToken,
    CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, RequestTokenError, RevocationUrl, Scope,
    TokenResponse,
};
use reqwest::StatusCode;
use reqwest::cookie::Jar;

use crate::oauth_support::*;

/// The library's HTTP client: reqwest (the workspace's version) without redirects.
async fn oidc_http(
    req: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, reqwest::Error> {
    let (parts, body) = req.into_parts();
    let mut rb = http()
        .request(parts.method, parts.uri.to_string())
        .body(body);
    for (name, value) in &parts.headers {
        rb = rb.header(name, value);
    }
    let resp = rb.send().await?;
    let mut out = openidconnect::http::Response::builder().status(resp.status());
    for (name, value) in resp.headers() {
        out = out.header(name, value);
    }
    let bytes = resp.bytes().await?;
    Ok(out.body(bytes.to_vec()).expect("response"))
}

/// Undoes the HTML escaping of an attribute value.
fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in the first tag of `html` that contains `marker`.
fn attribute_near(html: &str, marker: &str, name: &str) -> Option<String> {
    let at = html.find(marker)?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let key = format!("{name}=\"");
    let from = tag.find(&key)? + key.len();
    let len = tag[from..].find('"')?;
    Some(unescape(&tag[from..from + len]))
}

/// A browser: follows authorize to `/login`, signs in with the real form, and returns the
/// callback URL it was finally sent to.
async fn browser_sign_in(auth_url: &str, base: &str, username: &str, password: &str) -> String {
    let jar = Arc::new(Jar::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = browser.get(auth_url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let login = location(&resp).unwrap();
    assert!(login.starts_with(&format!("{base}/login?")), "{login}");
    let page = browser.get(&login).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "the sign-in page");
    let html = page.text().await.unwrap();
    let csrf = attribute_near(&html, "name=\"_csrf\"", "value").expect("a hidden _csrf input");
    let action = attribute_near(&html, "<form", "action")
        .or_else(|| attribute_near(&html, "method=\"post\"", "action"))
        .unwrap_or_else(|| login.clone());
    let action = url::Url::parse(&login).unwrap().join(&action).unwrap();
    let resp = browser
        .post(action)
        .form(&[
            ("username", username),
            ("password", password),
            ("_csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        matches!(resp.status(), StatusCode::FOUND | StatusCode::SEE_OTHER),
        "sign-in answered {}",
        resp.status()
    );
    location(&resp).expect("a redirect after sign-in")
}

async fn relying_party_round_trip(public: bool) {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let issuer = format!("{}/{}", app.url, fx.pool);
    // Discovery (and the JWKS) through the library.
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(issuer.clone()).unwrap(), &oidc_http)
            .await
            .expect("discovery");
    let raw: serde_json::Value = http()
        .get(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (client_id, secret) = if public {
        (fx.c_pub.clone(), None)
    } else {
        (
            fx.c_conf.clone(),
            Some(ClientSecret::new(fx.conf_secret.clone())),
        )
    };
    let client =
        CoreClient::from_provider_metadata(metadata, ClientId::new(client_id.clone()), secret)
            .set_redirect_uri(RedirectUrl::new(CB.to_string()).unwrap())
            .set_revocation_url(
                RevocationUrl::new(raw["revocation_endpoint"].as_str().unwrap().to_string())
                    .unwrap(),
            );
    // The authorization request.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()));
    if public {
        request = request.set_pkce_challenge(challenge);
    }
    let (auth_url, state, nonce) = request.url();
    // The browser part.
    let callback = browser_sign_in(auth_url.as_str(), &fx.base, "alice", PASSWORD).await;
    assert!(callback.starts_with(CB), "{callback}");
    assert_eq!(
        param(&callback, "state").as_deref(),
        Some(state.secret().as_str())
    );
    let code = param(&callback, "code").expect("a code");
    // Code → tokens.
    let mut exchange = client.exchange_code(AuthorizationCode::new(code)).unwrap();
    if public {
        exchange = exchange.set_pkce_verifier(verifier);
    }
    let tokens = exchange
        .request_async(&oidc_http)
        .await
        .expect("token exchange");
    let id_token = tokens.id_token().expect("an ID token");
    let id_claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("the ID token validates (issuer, audience, nonce, signature)");
    assert_eq!(id_claims.issuer().as_str(), issuer);
    assert_eq!(id_claims.audiences()[0].as_str(), client_id);
    assert_eq!(id_claims.email().unwrap().as_str(), "alice@example.com");
    if let Some(expected) = id_claims.access_token_hash() {
        let actual = AccessTokenHash::from_token(
            tokens.access_token(),
            id_token.signing_alg().unwrap(),
            id_token.signing_key(&client.id_token_verifier()).unwrap(),
        )
        .unwrap();
        assert_eq!(&actual, expected);
    }
    let subject = id_claims.subject().clone();
    // userInfo.
    let info: CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), Some(subject.clone()))
        .unwrap()
        .request_async(&oidc_http)
        .await
        .expect("userInfo");
    assert_eq!(info.subject(), &subject);
    assert_eq!(info.email().unwrap().as_str(), "alice@example.com");
    assert_eq!(info.email_verified(), Some(true));
    // Refresh.
    let refresh = tokens.refresh_token().expect("a refresh token").clone();
    let refreshed = client
        .exchange_refresh_token(&refresh)
        .unwrap()
        .request_async(&oidc_http)
        .await
        .expect("refresh");
    let new_id = refreshed.id_token().expect("a new ID token");
    let new_claims = new_id
        .claims(&client.id_token_verifier(), |_: Option<&Nonce>| Ok(()))
        .expect("the refreshed ID token validates");
    assert_eq!(new_claims.subject(), &subject);
    assert!(
        refreshed.refresh_token().is_none(),
        "no rotation by default"
    );
    // Revoke, then the refresh token is refused. The library only revokes over https (RFC 7009
    // §2 requires TLS) and the test server speaks plain http on loopback, so the same RFC 7009
    // request is sent by hand: the token, its type hint and the client's authentication.
    assert!(matches!(
        client.revoke_token(CoreRevocableToken::from(refresh.clone())),
        Err(openidconnect::ConfigurationError::InsecureUrl(_))
    ));
    let rt = refresh.secret().as_str();
    let revoked = if public {
        post_form(
            &fx,
            "/oauth2/revoke",
            &[
                ("token", rt),
                ("token_type_hint", "refresh_token"),
                ("client_id", &client_id),
            ],
            None,
        )
        .await
    } else {
        post_form(
            &fx,
            "/oauth2/revoke",
            &[("token", rt), ("token_type_hint", "refresh_token")],
            Some((&client_id, &fx.conf_secret)),
        )
        .await
    };
    assert_eq!(revoked.status, StatusCode::OK, "{:?}", revoked.body);
    let refused = client
        .exchange_refresh_token(&refresh)
        .unwrap()
        .request_async(&oidc_http)
        .await
        .expect_err("a revoked refresh token");
    match refused {
        RequestTokenError::ServerResponse(e) => {
            assert_eq!(e.error().as_ref(), "invalid_grant");
        }
        other => panic!("unexpected error: {other:?}"),
    }
    // The access token minted from the revoked session is dead at userInfo too.
    let resp = user_info(&fx, refreshed.access_token().secret()).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn oauth_oidc_client_public_client_with_pkce() {
    relying_party_round_trip(true).await;
}

#[tokio::test]
async fn oauth_oidc_client_confidential_client_with_client_secret_basic() {
    relying_party_round_trip(false).await;
}
