//! The console's pool pages and actions, sign-in, outbox and style sheet (users are in
//! [`super::users`]). Reads and writes are Cognito operations run through
//! [`call_operation`]; key rotation and the outbox, which have no Cognito operation, call the
//! same core services as `cogito keys rotate` and `cogito outbox`.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cogito_core::crypto::{fill_random, secrets_equal};
use cogito_core::store::OutboxQuery;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    COOKIE, LOGIN_COOKIE, Operator, admits, clear_cookie, cookie, forbidden, form, guard_post,
    operator, render, secured, session_cookie, to_login,
};
use crate::AppState;
use crate::cognito_api::call_operation;
use crate::cognito_api::wire::update_input;

/// `?notice=…&error=…` after an action.
#[derive(Deserialize, Default)]
pub struct Flash {
    notice: Option<String>,
    error: Option<String>,
}

fn flash(q: &Flash) -> Value {
    json!({ "notice": q.notice, "error": q.error })
}

pub(super) fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A redirect to `to` with a notice or an error.
pub(super) fn back(to: &str, outcome: Result<String, String>) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    let url = match outcome {
        Ok(notice) => format!("{to}{sep}notice={}", encode(&notice)),
        Err(error) => format!("{to}{sep}error={}", encode(&error)),
    };
    secured(Redirect::to(&url).into_response())
}

/// Runs an operation; its output, or `Type: message`.
pub(super) async fn call(state: &AppState, op: &str, input: Value) -> Result<Value, String> {
    call_operation(state, op, input)
        .await
        .map_err(|e| format!("{}: {}", e.type_name, e.message))
}

/// A pool's page. Pool ids are `region_Name` (the service model's pattern): no character a
/// browser would treat as a path separator survives `encode`.
pub(super) fn pool_url(pool: &str) -> String {
    format!("/console/pools/{}", encode(pool))
}

pub(super) fn user_url(pool: &str, user: &str) -> String {
    format!("{}/user?name={}", pool_url(pool), encode(user))
}

/// `GET /console`: the pools.
pub async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Flash>,
) -> Response {
    let Some(op) = operator(&state, &headers) else {
        return to_login();
    };
    let pools = call(&state, "ListUserPools", json!({ "MaxResults": 60 })).await;
    let mut ctx = flash(&q);
    match pools {
        Ok(out) => ctx["pools"] = out["UserPools"].clone(),
        Err(e) => ctx["error"] = json!(e),
    }
    render("home.html", Some(&op), ctx)
}

/// `GET /console/login`.
pub async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if operator(&state, &headers).is_some() {
        return secured(Redirect::to("/console").into_response());
    }
    login_form(&state, None, StatusCode::OK)
}

fn login_form(state: &AppState, error: Option<&str>, status: StatusCode) -> Response {
    let mut token = [0u8; 18];
    fill_random(&mut token);
    let token = URL_SAFE_NO_PAD.encode(token);
    let mut resp = render(
        "login.html",
        None,
        json!({ "login_token": token, "error": error, "dev": state.config.dev }),
    );
    *resp.status_mut() = status;
    let value = format!(
        "{LOGIN_COOKIE}={token}; Path=/console; Max-Age=1800; HttpOnly; SameSite=Strict{}",
        super::secure(state)
    );
    if let Ok(v) = value.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// `POST /console/login`.
pub async fn login(State(state): State<AppState>, headers: HeaderMap, body: String) -> Response {
    let f = form(&body);
    let sent = f.get("login_token").map(String::as_str).unwrap_or_default();
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !secrets_equal(sent.as_bytes(), expected.as_bytes()) {
        return forbidden("The sign-in form expired; reload the page.");
    }
    let key_id = f.get("access_key_id").map(|s| s.trim()).unwrap_or_default();
    let secret = f
        .get("secret_access_key")
        .map(String::as_str)
        .unwrap_or_default();
    if !admits(&state, key_id, secret) {
        tracing::info!("console sign-in refused");
        return login_form(
            &state,
            Some("Incorrect access key id or secret access key."),
            StatusCode::UNAUTHORIZED,
        );
    }
    let mut resp = secured(Redirect::to("/console").into_response());
    resp.headers_mut()
        .append(header::SET_COOKIE, session_cookie(&state, key_id));
    resp.headers_mut()
        .append(header::SET_COOKIE, clear_cookie(LOGIN_COOKIE));
    resp
}

/// `POST /console/logout`.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap, body: String) -> Response {
    if let Err(refused) = guard_post(&state, &headers, &form(&body)) {
        return refused.into_response();
    }
    let mut resp = secured(Redirect::to("/console/login").into_response());
    resp.headers_mut()
        .append(header::SET_COOKIE, clear_cookie(COOKIE));
    resp
}

/// `POST /console/pools`: a new pool.
pub async fn create_pool(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let f = form(&body);
    if let Err(refused) = guard_post(&state, &headers, &f) {
        return refused.into_response();
    }
    let name = f.get("name").cloned().unwrap_or_default();
    let mut input = json!({ "PoolName": name });
    if f.contains_key("email_username") {
        input["UsernameAttributes"] = json!(["email"]);
        input["AutoVerifiedAttributes"] = json!(["email"]);
    }
    match call(&state, "CreateUserPool", input).await {
        Ok(out) => {
            let id = out["UserPool"]["Id"].as_str().unwrap_or_default();
            back(&pool_url(id), Ok(format!("Pool {name} created.")))
        }
        Err(e) => back("/console", Err(e)),
    }
}

/// What the pool page shows.
async fn pool_context(state: &AppState, pool: &str) -> Result<Value, String> {
    let id = json!({ "UserPoolId": pool });
    let described = call(state, "DescribeUserPool", id.clone()).await?["UserPool"].clone();
    let clients = call(
        state,
        "ListUserPoolClients",
        json!({ "UserPoolId": pool, "MaxResults": 60 }),
    )
    .await?["UserPoolClients"]
        .clone();
    let mut detailed = Vec::new();
    for c in clients.as_array().into_iter().flatten() {
        let d = call(
            state,
            "DescribeUserPoolClient",
            json!({ "UserPoolId": pool, "ClientId": c["ClientId"] }),
        )
        .await?;
        detailed.push(d["UserPoolClient"].clone());
    }
    let groups = call(
        state,
        "ListGroups",
        json!({ "UserPoolId": pool, "Limit": 60 }),
    )
    .await?;
    let servers = call(
        state,
        "ListResourceServers",
        json!({ "UserPoolId": pool, "MaxResults": 50 }),
    )
    .await?;
    let ui = call(state, "GetUICustomization", id).await?;
    // The hosted login of the first client that uses it, for the preview.
    let domain = described["Domain"].as_str().map(str::to_owned);
    let preview = domain.as_ref().and_then(|d| {
        detailed.iter().find_map(|c| {
            let cb = c["CallbackURLs"].as_array()?.first()?.as_str()?;
            c["AllowedOAuthFlows"]
                .as_array()?
                .iter()
                .any(|f| f == "code")
                .then(|| {
                    format!(
                        "{}/login?client_id={}&response_type=code&redirect_uri={}",
                        domain_base(state, d),
                        encode(c["ClientId"].as_str().unwrap_or_default()),
                        encode(cb)
                    )
                })
        })
    });
    let mut secret_clients = Vec::new();
    for c in &mut detailed {
        if let Some(obj) = c.as_object_mut()
            && obj.remove("ClientSecret").is_some()
        {
            secret_clients.push(obj["ClientId"].clone());
        }
    }
    Ok(json!({
        "pool": described,
        "triggers": described["LambdaConfig"],
        "clients": detailed,
        "secret_clients": secret_clients,
        "groups": groups["Groups"],
        "servers": servers["ResourceServers"],
        "css": ui["UICustomization"]["CSS"],
        "preview": preview,
        "jwks": format!("{}/{pool}/.well-known/jwks.json", state.core.config.public_url.trim_end_matches('/')),
    }))
}

/// The base URL of a domain's pages.
fn domain_base(state: &AppState, domain: &str) -> String {
    match &state.config.domain_urls {
        crate::domain::DomainUrls::Path { public_url } => {
            format!("{}/domain/{domain}", public_url.trim_end_matches('/'))
        }
        crate::domain::DomainUrls::Host { scheme, suffix } => {
            format!("{scheme}://{domain}.{suffix}")
        }
    }
}

/// `GET /console/pools/{pool}`.
pub async fn pool(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(pool): Path<String>,
    Query(q): Query<Flash>,
) -> Response {
    let Some(op) = operator(&state, &headers) else {
        return to_login();
    };
    show_pool(&state, &op, &pool, flash(&q)).await
}

async fn show_pool(state: &AppState, op: &Operator, pool: &str, extra: Value) -> Response {
    match pool_context(state, pool).await {
        Ok(mut ctx) => {
            if let (Some(c), Some(e)) = (ctx.as_object_mut(), extra.as_object()) {
                c.extend(e.clone());
            }
            render("pool.html", Some(op), ctx)
        }
        Err(e) => back("/console", Err(e)),
    }
}

fn lines(text: Option<&String>) -> Vec<String> {
    text.map(|t| {
        t.split('\n')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// `POST /console/pools/{pool}/{action}`.
pub async fn pool_action(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((pool, action)): Path<(String, String)>,
    body: String,
) -> Response {
    let f = form(&body);
    let op = match guard_post(&state, &headers, &f) {
        Ok(op) => op,
        Err(refused) => return refused.into_response(),
    };
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let here = pool_url(&pool);
    let outcome = match action.as_str() {
        "clients" => {
            let callbacks = lines(f.get("callback_urls"));
            let mut input = json!({
                "UserPoolId": pool,
                "ClientName": get("name"),
                "GenerateSecret": f.contains_key("secret"),
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            });
            if !callbacks.is_empty() {
                input["CallbackURLs"] = json!(callbacks);
                input["AllowedOAuthFlows"] = json!(["code"]);
                input["AllowedOAuthScopes"] = json!(["openid", "email", "profile"]);
                input["AllowedOAuthFlowsUserPoolClient"] = json!(true);
                input["SupportedIdentityProviders"] = json!(["COGNITO"]);
            }
            match call(&state, "CreateUserPoolClient", input).await {
                // The secret is shown on this answer only, never again.
                Ok(out) => {
                    let c = &out["UserPoolClient"];
                    return show_pool(
                        &state,
                        &op,
                        &pool,
                        json!({
                            "notice": format!("Client {} created.", get("name")),
                            "created_client": { "id": c["ClientId"], "secret": c["ClientSecret"] },
                        }),
                    )
                    .await;
                }
                Err(e) => Err(e),
            }
        }
        "settings" => {
            // Only the password policy and self sign-up change; every other setting stays.
            let described =
                match call(&state, "DescribeUserPool", json!({ "UserPoolId": pool })).await {
                    Ok(d) => d["UserPool"].clone(),
                    Err(e) => return back(&here, Err(e)),
                };
            let mut policy = described["Policies"]["PasswordPolicy"].clone();
            if !policy.is_object() {
                policy = json!({});
            }
            if let Ok(n) = get("minimum_length").parse::<u64>() {
                policy["MinimumLength"] = json!(n);
            }
            for (field, member) in [
                ("uppercase", "RequireUppercase"),
                ("lowercase", "RequireLowercase"),
                ("numbers", "RequireNumbers"),
                ("symbols", "RequireSymbols"),
            ] {
                policy[member] = json!(f.contains_key(field));
            }
            let mut admin = described["AdminCreateUserConfig"].clone();
            if !admin.is_object() {
                admin = json!({});
            }
            admin["AllowAdminCreateUserOnly"] = json!(!f.contains_key("self_sign_up"));
            let mut policies = described["Policies"].clone();
            if !policies.is_object() {
                policies = json!({});
            }
            policies["PasswordPolicy"] = policy;
            let changes = json!({ "Policies": policies, "AdminCreateUserConfig": admin });
            let ids = json!({ "UserPoolId": pool });
            let input = update_input(
                "UpdateUserPool",
                ids.as_object().unwrap_or(&Default::default()),
                &described,
                changes.as_object().unwrap_or(&Default::default()),
            );
            call(&state, "UpdateUserPool", input)
                .await
                .map(|_| "Settings saved.".to_owned())
        }
        "edit-client" => {
            let client = get("client_id");
            let ids = json!({ "UserPoolId": pool, "ClientId": client });
            let described = match call(&state, "DescribeUserPoolClient", ids.clone()).await {
                Ok(d) => d["UserPoolClient"].clone(),
                Err(e) => return back(&here, Err(e)),
            };
            let changes = json!({
                "CallbackURLs": lines(f.get("callback_urls")),
                "LogoutURLs": lines(f.get("logout_urls")),
            });
            let input = update_input(
                "UpdateUserPoolClient",
                ids.as_object().unwrap_or(&Default::default()),
                &described,
                changes.as_object().unwrap_or(&Default::default()),
            );
            call(&state, "UpdateUserPoolClient", input).await.map(|_| {
                format!(
                    "Client {} saved.",
                    described["ClientName"].as_str().unwrap_or_default()
                )
            })
        }
        "groups" => {
            let mut input = json!({ "UserPoolId": pool, "GroupName": get("name") });
            if !get("description").is_empty() {
                input["Description"] = json!(get("description"));
            }
            if let Ok(p) = get("precedence").parse::<i64>() {
                input["Precedence"] = json!(p);
            }
            call(&state, "CreateGroup", input)
                .await
                .map(|_| format!("Group {} created.", get("name")))
        }
        "domain" => call(
            &state,
            "CreateUserPoolDomain",
            json!({ "UserPoolId": pool, "Domain": get("domain") }),
        )
        .await
        .map(|_| format!("Domain {} created.", get("domain"))),
        "delete-domain" => call(
            &state,
            "DeleteUserPoolDomain",
            json!({ "UserPoolId": pool, "Domain": get("domain") }),
        )
        .await
        .map(|_| format!("Domain {} deleted.", get("domain"))),
        "delete-group" => call(
            &state,
            "DeleteGroup",
            json!({ "UserPoolId": pool, "GroupName": get("name") }),
        )
        .await
        .map(|_| format!("Group {} deleted.", get("name"))),
        "delete-client" => call(
            &state,
            "DeleteUserPoolClient",
            json!({ "UserPoolId": pool, "ClientId": get("client_id") }),
        )
        .await
        .map(|_| format!("Client {} deleted.", get("client_id"))),
        "resource-servers" => {
            let scopes: Vec<Value> = lines(f.get("scopes"))
                .iter()
                .map(|s| json!({ "ScopeName": s, "ScopeDescription": s }))
                .collect();
            call(
                &state,
                "CreateResourceServer",
                json!({ "UserPoolId": pool, "Identifier": get("identifier"),
                        "Name": get("name"), "Scopes": scopes }),
            )
            .await
            .map(|_| format!("Resource server {} created.", get("identifier")))
        }
        "delete-resource-server" => call(
            &state,
            "DeleteResourceServer",
            json!({ "UserPoolId": pool, "Identifier": get("identifier") }),
        )
        .await
        .map(|_| format!("Resource server {} deleted.", get("identifier"))),
        "keys" => match state.core.keys.rotate(&pool).await {
            Ok(r) => Ok(format!("New signing keys: {}.", r.new_kids.join(", "))),
            Err(e) => Err(format!("{}: {e}", e.cognito_type())),
        },
        "ui" => call(
            &state,
            "SetUICustomization",
            json!({ "UserPoolId": pool, "CSS": get("css") }),
        )
        .await
        .map(|_| "Look saved: the preview shows it.".to_owned()),
        "users" => {
            let mut input = json!({ "UserPoolId": pool, "Username": get("username") });
            if !get("email").is_empty() {
                input["UserAttributes"] = json!([
                    { "Name": "email", "Value": get("email") },
                    { "Name": "email_verified", "Value": "true" }
                ]);
            }
            if !get("temporary_password").is_empty() {
                input["TemporaryPassword"] = json!(get("temporary_password"));
            }
            if f.contains_key("suppress") {
                input["MessageAction"] = json!("SUPPRESS");
            }
            return match call(&state, "AdminCreateUser", input).await {
                Ok(out) => {
                    let name = out["User"]["Username"].as_str().unwrap_or_default();
                    back(&user_url(&pool, name), Ok("User created.".into()))
                }
                Err(e) => back(&format!("{here}/users"), Err(e)),
            };
        }
        "delete" => {
            return match call(&state, "DeleteUserPool", json!({ "UserPoolId": pool })).await {
                Ok(_) => back("/console", Ok(format!("Pool {pool} deleted."))),
                Err(e) => back(&here, Err(e)),
            };
        }
        _ => return secured(StatusCode::NOT_FOUND.into_response()),
    };
    back(&here, outcome)
}

/// `?pool=…` of the outbox page.
#[derive(Deserialize)]
pub struct OutboxFilter {
    pool: Option<String>,
}

/// `GET /console/outbox`: the 50 newest messages.
pub async fn outbox(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<OutboxFilter>,
) -> Response {
    let Some(op) = operator(&state, &headers) else {
        return to_login();
    };
    let query = OutboxQuery {
        pool_id: q.pool.clone().filter(|p| !p.is_empty()),
        username: None,
        limit: 50,
    };
    let mut ctx = json!({ "pool": q.pool });
    match state.core.outbox(&query).await {
        Ok(messages) => {
            ctx["messages"] = json!(
                messages
                    .iter()
                    .map(|m| json!({
                        "pool": m.pool_id, "username": m.username,
                        "medium": m.medium.as_str(), "destination": m.destination,
                        "subject": m.subject, "body": m.body, "code": m.code,
                        "purpose": m.purpose,
                    }))
                    .collect::<Vec<_>>()
            );
        }
        Err(e) => ctx["error"] = json!(e.to_string()),
    }
    render("outbox.html", Some(&op), ctx)
}

/// The console's style sheet.
pub async fn css() -> Response {
    secured(
        (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "max-age=300"),
            ],
            include_str!("../../templates/console/console.css"),
        )
            .into_response(),
    )
}
