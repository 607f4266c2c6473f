//! Performing the four flows for real and recording their hops.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail};
use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use serde_json::{Value, json};

use super::{Hop, decode_all, mask};
use crate::AppState;
use crate::session::random_token;
use crate::web::oauth;

/// The demo user of the web, API and refresh flows (seeded by [`crate::seed`]).
fn demo_user() -> (&'static str, &'static str) {
    let (u, p, _) = crate::seed::USERS[1];
    (u, p)
}

/// Performs one run and records its hops.
pub struct Recorder {
    pub state: AppState,
    pub run_id: String,
    /// The last of cogito's trace entries already drawn.
    pub seen: AtomicU64,
}

/// An HTTP exchange as the recorder sees it.
struct Exchange {
    status: u16,
    location: Option<String>,
    set_cookie: Vec<String>,
    body: String,
}

impl Recorder {
    /// Runs `flow` to the end (or the first failure).
    pub async fn perform(&self, flow: &str) -> anyhow::Result<()> {
        match flow {
            "code-grant" => self.code_grant().await,
            "admin-auth" => self.admin_auth().await,
            "refresh" => self.refresh().await,
            "signup" => self.signup().await,
            other => bail!("unknown flow {other}"),
        }
    }

    async fn record(
        &self,
        from: &str,
        to: &str,
        label: impl Into<String>,
        status: u16,
        request: Value,
        response: Value,
    ) {
        let tokens = decode_all(&response, &self.state.flow_verifier).await;
        let reported = if to == "app" {
            Vec::new()
        } else {
            self.cogito_view().await
        };
        // cogito records the trigger functions a request called before the request itself.
        let (cogito, triggers) = match reported.split_last() {
            Some((own, earlier)) => {
                let seen = self
                    .seen
                    .swap(own["seq"].as_u64().unwrap_or(0), Ordering::Relaxed);
                let triggers: Vec<Value> = earlier
                    .iter()
                    .filter(|h| h["kind"] == "trigger" && h["seq"].as_u64() > Some(seen))
                    .cloned()
                    .collect();
                (Some(own.clone()), triggers)
            }
            None => (None, Vec::new()),
        };
        let mut hops = vec![Hop {
            seq: 0,
            from: from.into(),
            to: to.into(),
            label: label.into(),
            status,
            request: mask(&request),
            response: mask(&response),
            tokens,
            cogito,
        }];
        hops.extend(triggers.into_iter().map(|t| Hop {
            seq: 0,
            from: to.into(),
            to: "trigger".into(),
            label: t["operation"].as_str().unwrap_or("trigger").to_owned(),
            status: t["status"].as_u64().map_or(0, |s| s as u16),
            request: t["request"].clone(),
            response: t["response"].clone(),
            tokens: Vec::new(),
            cogito: Some(t),
        }));
        self.state.runs.update(&self.run_id, |r| {
            for mut hop in hops {
                hop.seq = r.hops.len() + 1;
                r.hops.push(hop);
            }
        });
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> anyhow::Result<Exchange> {
        let resp = req.header("x-cogito-trace", &self.run_id).send().await?;
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let set_cookie = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect();
        let body = resp.text().await?;
        Ok(Exchange {
            status,
            location,
            set_cookie,
            body,
        })
    }

    /// cogito's own report of this run's traced requests and the trigger calls they made
    /// (`GET /_dev/trace/{run}`, only served by cogito in `--dev`; empty elsewhere, e.g.
    /// against AWS Cognito).
    async fn cogito_view(&self) -> Vec<Value> {
        let report = async {
            self.state.config.endpoint_url.as_ref()?;
            let url = format!("{}_dev/trace/{}", self.api_endpoint(), self.run_id);
            let resp = self.state.http.get(url).send().await.ok()?;
            if !resp.status().is_success() {
                return None;
            }
            let hops: Value = resp.json().await.ok()?;
            hops.as_array().cloned()
        };
        report.await.unwrap_or_default()
    }

    fn api_endpoint(&self) -> String {
        let c = &self.state.config;
        c.endpoint_url
            .clone()
            .unwrap_or_else(|| format!("https://cognito-idp.{}.amazonaws.com", c.region))
            .trim_end_matches('/')
            .to_string()
            + "/"
    }

    /// A public (unsigned) user-pool API call.
    async fn api_call(&self, op: &str, body: Value) -> anyhow::Result<Value> {
        let ex = self
            .send(
                self.state
                    .http
                    .post(self.api_endpoint())
                    .header(
                        "x-amz-target",
                        format!("AWSCognitoIdentityProviderService.{op}"),
                    )
                    .header("content-type", "application/x-amz-json-1.1")
                    .body(body.to_string()),
            )
            .await?;
        let resp: Value = serde_json::from_str(&ex.body).unwrap_or(Value::String(ex.body));
        self.record(
            "app",
            "api",
            format!("POST / {op}"),
            ex.status,
            json!({ "X-Amz-Target": format!("AWSCognitoIdentityProviderService.{op}"), "body": body }),
            resp.clone(),
        )
        .await;
        if ex.status != 200 {
            bail!("{op} answered {}: {resp}", ex.status);
        }
        Ok(resp)
    }

    /// `AdminInitiateAuth` through the AWS SDK (SigV4), recorded.
    async fn admin_auth_call(
        &self,
        flow: AuthFlowType,
        username: &str,
        params: &[(&str, &str)],
    ) -> anyhow::Result<Value> {
        let request = json!({
            "X-Amz-Target": "AWSCognitoIdentityProviderService.AdminInitiateAuth",
            "body": {
                "UserPoolId": self.state.cognito.pool_id(),
                "ClientId": self.state.cognito.client_id(),
                "AuthFlow": flow.as_str(),
                "AuthParameters": params.iter().map(|(k, v)| ((*k).to_string(), Value::String((*v).to_string())))
                    .chain(std::iter::once(("SECRET_HASH".to_string(), Value::String("…".into()))))
                    .collect::<serde_json::Map<_, _>>(),
            },
        });
        let out = self
            .state
            .cognito
            .admin_initiate_auth_traced(flow.clone(), username, params, &self.run_id)
            .await;
        match out {
            Ok(v) => {
                self.record(
                    "app",
                    "api",
                    format!("POST / AdminInitiateAuth ({})", flow.as_str()),
                    200,
                    request,
                    v.clone(),
                )
                .await;
                Ok(v)
            }
            Err(e) => {
                let status = if e.code == "ServiceUnavailable" {
                    503
                } else {
                    400
                };
                self.record(
                    "app",
                    "api",
                    format!("POST / AdminInitiateAuth ({})", flow.as_str()),
                    status,
                    request,
                    json!({ "__type": e.code, "message": e.message }),
                )
                .await;
                bail!("AdminInitiateAuth: {e}")
            }
        }
    }

    /// `GET <issuer>/.well-known/jwks.json`, recorded with the check of `tokens`.
    async fn jwks(&self, from: &str, tokens: &Value) -> anyhow::Result<()> {
        let url = format!("{}/.well-known/jwks.json", self.state.config.issuer());
        let ex = self.send(self.state.http.get(&url)).await?;
        let keys: Value = serde_json::from_str(&ex.body).unwrap_or(Value::Null);
        let kids: Vec<Value> = keys["keys"]
            .as_array()
            .map(|a| a.iter().map(|k| k["kid"].clone()).collect())
            .unwrap_or_default();
        let tokens = decode_all(tokens, &self.state.flow_verifier).await;
        let all_valid = !tokens.is_empty() && tokens.iter().all(|t| t.verified);
        let response = json!({
            "kids": kids,
            "verified": tokens.iter().map(|t| json!({ "token": t.name, "signature": t.signature })).collect::<Vec<_>>(),
        });
        let hop_tokens = tokens;
        let hop = super::Hop {
            seq: 0,
            from: from.into(),
            to: "jwks".into(),
            label: "GET /.well-known/jwks.json".into(),
            status: ex.status,
            request: json!({ "url": url }),
            response,
            tokens: hop_tokens,
            cogito: self.cogito_view().await.pop(),
        };
        self.state.runs.update(&self.run_id, |r| {
            let mut hop = hop;
            hop.seq = r.hops.len() + 1;
            r.hops.push(hop);
        });
        if ex.status != 200 || !all_valid {
            bail!("the tokens did not verify against the JWKS");
        }
        Ok(())
    }

    async fn code_grant(&self) -> anyhow::Result<()> {
        let state = &self.state;
        let (username, password) = demo_user();
        let (login, authorize_url) = oauth::authorize(state);
        self.record(
            "browser",
            "app",
            "GET /login",
            303,
            json!({ "path": "/login" }),
            json!({ "location": authorize_url }),
        )
        .await;

        let ex = self.send(state.http.get(&authorize_url)).await?;
        let login_url = ex.location.clone().context("authorize did not redirect")?;
        let login_url = url::Url::parse(&authorize_url)?.join(&login_url)?;
        self.record(
            "browser",
            "hosted",
            "GET /oauth2/authorize",
            ex.status,
            json!({ "url": authorize_url }),
            json!({ "location": login_url.as_str() }),
        )
        .await;

        let ex = self.send(state.http.get(login_url.clone())).await?;
        let cookie = ex
            .set_cookie
            .iter()
            .filter_map(|c| c.split(';').next())
            .collect::<Vec<_>>()
            .join("; ");
        let csrf = between(&ex.body, "name=\"_csrf\" value=\"", "\"").context("no _csrf field")?;
        let action = between(
            &ex.body,
            "id=\"login-form\" class=\"form\" method=\"post\" action=\"",
            "\"",
        )
        .map(|a| a.replace("&amp;", "&"))
        .unwrap_or_else(|| login_url.to_string());
        let action = login_url.join(&action)?;
        self.record(
            "browser",
            "hosted",
            "GET /login",
            ex.status,
            json!({ "url": login_url.as_str() }),
            json!({ "content-type": "text/html", "form": { "action": action.as_str(), "_csrf": csrf }, "set-cookie": cookie }),
        )
        .await;

        let origin = action.origin().ascii_serialization();
        let form = [
            ("_csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
        ];
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let ex = self
            .send(
                state
                    .http
                    .post(action.clone())
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("origin", origin)
                    .header("cookie", cookie)
                    .body(body),
            )
            .await?;
        let callback = ex.location.clone().context("the login did not redirect")?;
        self.record(
            "browser",
            "hosted",
            "POST /login",
            ex.status,
            json!({ "form": { "_csrf": csrf, "username": username, "password": password } }),
            json!({ "location": callback }),
        )
        .await;
        let callback = url::Url::parse(&callback)?;
        let code = callback
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.to_string())
            .context("the callback carries no code")?;
        self.record(
            "browser",
            "app",
            "GET /callback?code=…&state=…",
            303,
            json!({ "code": code, "state": login.state }),
            json!({ "location": "/profile", "set-cookie": "session (sealed)" }),
        )
        .await;

        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", state.config.web_client_id.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", &state.config.callback_url()),
            ("code_verifier", login.verifier.as_str()),
        ];
        let tokens = self.token_call(&form).await?;
        self.jwks("app", &tokens).await
    }

    async fn token_call(&self, form: &[(&str, &str)]) -> anyhow::Result<Value> {
        let config = &self.state.config;
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let ex = self
            .send(
                self.state
                    .http
                    .post(config.domain_endpoint("/oauth2/token"))
                    .basic_auth(&config.web_client_id, Some(&config.web_client_secret))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body),
            )
            .await?;
        let resp: Value = serde_json::from_str(&ex.body).unwrap_or(Value::String(ex.body));
        let request: serde_json::Map<String, Value> = form
            .iter()
            .map(|(k, v)| ((*k).to_string(), Value::String((*v).to_string())))
            .chain(std::iter::once((
                "authorization".to_string(),
                Value::String("Basic client_id:client_secret".into()),
            )))
            .collect();
        self.record(
            "app",
            "hosted",
            "POST /oauth2/token",
            ex.status,
            Value::Object(request),
            resp.clone(),
        )
        .await;
        if ex.status != 200 {
            bail!("the token endpoint answered {}: {resp}", ex.status);
        }
        Ok(resp)
    }

    async fn admin_auth(&self) -> anyhow::Result<()> {
        let (username, password) = demo_user();
        self.record(
            "browser",
            "app",
            "POST /api/login",
            200,
            json!({ "username": username, "password": password }),
            json!({ "note": "the API signs in with AdminInitiateAuth" }),
        )
        .await;
        let tokens = self
            .admin_auth_call(
                AuthFlowType::AdminUserPasswordAuth,
                username,
                &[("USERNAME", username), ("PASSWORD", password)],
            )
            .await?;
        self.jwks("app", &tokens).await
    }

    async fn refresh(&self) -> anyhow::Result<()> {
        let (username, password) = demo_user();
        let first = self
            .admin_auth_call(
                AuthFlowType::AdminUserPasswordAuth,
                username,
                &[("USERNAME", username), ("PASSWORD", password)],
            )
            .await?;
        let refresh = first["AuthenticationResult"]["RefreshToken"]
            .as_str()
            .context("no refresh token")?
            .to_string();
        let tokens = self
            .admin_auth_call(
                AuthFlowType::RefreshTokenAuth,
                username,
                &[("REFRESH_TOKEN", refresh.as_str()), ("USERNAME", username)],
            )
            .await?;
        self.jwks("app", &tokens).await
    }

    async fn signup(&self) -> anyhow::Result<()> {
        let username = format!("flow-{}@example.com", random_token(6).to_lowercase());
        let password = format!("Flow-{}-9a!", random_token(9));
        let cognito = &self.state.cognito;
        self.record(
            "browser",
            "app",
            "POST /signup",
            200,
            json!({ "email": username, "password": password }),
            json!({ "note": "the app signs the user up with SignUp" }),
        )
        .await;
        let mut body = json!({
            "ClientId": cognito.client_id(),
            "Username": username,
            "Password": password,
            "UserAttributes": [{ "Name": "email", "Value": username }],
        });
        if let Some(h) = cognito.secret_hash_for(&username) {
            body["SecretHash"] = Value::String(h);
        }
        self.api_call("SignUp", body).await?;

        let mut url = url::Url::parse(&format!("{}_dev/outbox", self.api_endpoint()))?;
        url.query_pairs_mut()
            .append_pair("pool", cognito.pool_id())
            .append_pair("username", &username);
        let ex = self.send(self.state.http.get(url.clone())).await?;
        let messages: Value = serde_json::from_str(&ex.body).unwrap_or(Value::Null);
        let code = messages
            .as_array()
            .and_then(|a| a.iter().find_map(|m| m["code"].as_str()))
            .map(str::to_string);
        self.record(
            "app",
            "api",
            "GET /_dev/outbox",
            ex.status,
            json!({ "url": url.as_str() }),
            json!({ "messages": messages.as_array().map_or(0, Vec::len), "code": code }),
        )
        .await;
        let code = code.context("no confirmation code in the dev outbox (is cogito --dev?)")?;

        let mut body = json!({
            "ClientId": cognito.client_id(),
            "Username": username,
            "ConfirmationCode": code,
        });
        if let Some(h) = cognito.secret_hash_for(&username) {
            body["SecretHash"] = Value::String(h);
        }
        self.api_call("ConfirmSignUp", body).await?;
        let tokens = self
            .admin_auth_call(
                AuthFlowType::AdminUserPasswordAuth,
                &username,
                &[
                    ("USERNAME", username.as_str()),
                    ("PASSWORD", password.as_str()),
                ],
            )
            .await?;
        self.jwks("app", &tokens).await
    }
}

fn between(s: &str, start: &str, end: &str) -> Option<String> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(s[from..from + len].to_string())
}
