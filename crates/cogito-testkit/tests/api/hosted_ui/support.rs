//! Drives the hosted pages like a browser: a cookie jar without redirect following, CSRF-aware
//! form submission, and a site fixture (pool, domain, public OAuth client, user `alice`).

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::{ExplicitAuthFlowsType as F, OAuthFlowType};
use sha2::{Digest, Sha256};

use crate::helpers::confirmed_user;

/// The registered callback.
pub const CB: &str = "https://app.example/cb";
/// Password of the fixture users.
pub const PASSWORD: &str = "Passw0rd!long";

/// Percent-encodes a form or query component.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body text.
    pub body: String,
}

impl Page {
    /// `Location`, if any.
    pub fn location(&self) -> Option<String> {
        self.headers
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }

    /// Every `Set-Cookie`.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }

    /// The `_csrf` field of the page's form.
    pub fn csrf(&self) -> String {
        let marker = "name=\"_csrf\" value=\"";
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no _csrf field in {}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_string()
    }
}

/// A browser: keeps cookies, follows no redirects.
pub struct Browser {
    http: reqwest::Client,
    /// Cookie jar (name → value).
    pub cookies: BTreeMap<String, String>,
    /// Extra headers sent with every request.
    pub extra: Vec<(String, String)>,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// An empty browser.
    pub fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
            extra: Vec::new(),
        }
    }

    async fn send(&mut self, mut req: reqwest::RequestBuilder) -> Page {
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header("cookie", jar.join("; "));
        }
        for (k, v) in &self.extra {
            req = req.header(k.as_str(), v.as_str());
        }
        let resp = req.send().await.unwrap();
        let page = Page {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body: resp.text().await.unwrap(),
        };
        for c in page.set_cookies() {
            let pair = c.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if c.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        page
    }

    /// GET.
    pub async fn get(&mut self, url: &str) -> Page {
        let req = self.http.get(url);
        self.send(req).await
    }

    /// POST a form as given.
    pub async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> Page {
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        let req = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.join("&"));
        self.send(req).await
    }

    /// Loads the page, then submits its form with these fields and its CSRF token.
    pub async fn submit(&mut self, url: &str, form: &[(&str, &str)]) -> Page {
        let page = self.get(url).await;
        assert_eq!(page.status, 200, "GET {url}: {}", page.body);
        let token = page.csrf();
        let mut fields = form.to_vec();
        fields.push(("_csrf", &token));
        self.post(url, &fields).await
    }
}

/// A pool with a domain, an OAuth client and user `alice`.
pub struct Site {
    /// The server.
    pub app: TestApp,
    /// Pool id.
    pub pool: String,
    /// Public client (code flow with PKCE).
    pub client: String,
    /// Domain base URL.
    pub base: String,
    /// PKCE verifier of [`Site::query`].
    pub verifier: String,
}

/// A public OAuth client of a pool (code flow, `openid email`, callback [`CB`]).
pub async fn oauth_client(app: &TestApp, pool: &str, name: &str) -> String {
    app.sdk
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name(name)
        .explicit_auth_flows(F::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(F::AllowRefreshTokenAuth)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .supported_identity_providers("COGNITO")
        .callback_urls(CB)
        .send()
        .await
        .expect("create OAuth client")
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap()
}

/// A domain for a pool; returns its base URL.
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

/// The standard site.
pub async fn site() -> Site {
    site_on(TestApp::spawn().await, "hosted").await
}

/// A site for a new pool on an existing server.
pub async fn site_on(app: TestApp, prefix: &str) -> Site {
    let pool = app.pool(prefix).await;
    let base = domain(&app, &pool, prefix).await;
    let client = oauth_client(&app, &pool, "Web App").await;
    confirmed_user(&app, &pool, "alice", PASSWORD).await;
    Site {
        app,
        pool,
        client,
        base,
        verifier: "v".repeat(50),
    }
}

impl Site {
    /// The authorize parameters of a code request for `client` (state `xyz`, PKCE).
    pub fn query_for(&self, client: &str) -> String {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(self.verifier.as_bytes()));
        format!(
            "response_type=code&client_id={client}&redirect_uri={}&state=xyz&scope=openid+email\
             &code_challenge={challenge}&code_challenge_method=S256",
            enc(CB)
        )
    }

    /// The authorize parameters for the site's client.
    pub fn query(&self) -> String {
        self.query_for(&self.client)
    }

    /// `<base><path>?<authorize parameters>`.
    pub fn page(&self, path: &str) -> String {
        format!("{}{path}?{}", self.base, self.query())
    }

    /// A page URL with extra parameters first.
    pub fn page_with(&self, path: &str, extra: &str) -> String {
        format!("{}{path}?{extra}&{}", self.base, self.query())
    }

    /// Signs in through `/login`; returns the response (303 on success).
    pub async fn sign_in(&self, b: &mut Browser, username: &str, password: &str) -> Page {
        b.submit(
            &self.page("/login"),
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// Redeems a callback's code at the token endpoint; returns the JSON answer.
    pub async fn redeem(&self, location: &str) -> serde_json::Value {
        let code = code_of(location);
        let resp = reqwest::Client::new()
            .post(format!("{}/oauth2/token", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=authorization_code&code={}&redirect_uri={}&client_id={}&code_verifier={}",
                enc(&code),
                enc(CB),
                self.client,
                self.verifier
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        resp.json().await.unwrap()
    }
}

/// The `code` of a callback URL (asserting the callback and the echoed state).
pub fn code_of(location: &str) -> String {
    let rest = location
        .strip_prefix(&format!("{CB}?"))
        .unwrap_or_else(|| panic!("not the callback: {location}"));
    assert!(rest.contains("state=xyz"), "{location}");
    rest.split('&')
        .find_map(|p| p.strip_prefix("code="))
        .expect("a code")
        .to_string()
}
