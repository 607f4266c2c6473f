//! The console's user pages: the list with `ListUsers` filter search and paging, a user's
//! page, and its actions (enable, disable, passwords, groups, sign out everywhere, delete). A
//! username travels as a query parameter or form field, never as a path segment.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::pages::{back, call, encode, pool_action, pool_url, user_url};
use super::{form, guard_post, operator, render, secured, to_login};
use crate::AppState;

/// `POST /console/pools/{pool}/users`: a new user.
pub async fn create_user(
    state: State<AppState>,
    headers: HeaderMap,
    Path(pool): Path<String>,
    body: String,
) -> Response {
    pool_action(state, headers, Path((pool, "users".to_owned())), body).await
}

/// `?filter=…&token=…` of the users page.
#[derive(Deserialize)]
pub struct UsersQuery {
    filter: Option<String>,
    token: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

/// `GET /console/pools/{pool}/users`: search (a `ListUsers` filter) and pages of 20.
pub async fn users(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(pool): Path<String>,
    Query(q): Query<UsersQuery>,
) -> Response {
    let Some(op) = operator(&state, &headers) else {
        return to_login();
    };
    let filter = q.filter.clone().unwrap_or_default();
    let mut input = json!({ "UserPoolId": pool, "Limit": 20 });
    if !filter.trim().is_empty() {
        input["Filter"] = json!(filter);
    }
    if let Some(t) = &q.token {
        input["PaginationToken"] = json!(t);
    }
    let mut ctx =
        json!({ "pool_id": pool, "filter": filter, "notice": q.notice, "error": q.error });
    match call(&state, "ListUsers", input).await {
        Ok(out) => {
            let users: Vec<Value> = out["Users"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|u| {
                    let email = u["Attributes"]
                        .as_array()
                        .and_then(|a| a.iter().find(|x| x["Name"] == "email"))
                        .map_or(Value::Null, |x| x["Value"].clone());
                    let url = user_url(&pool, u["Username"].as_str().unwrap_or_default());
                    json!({ "name": u["Username"], "status": u["UserStatus"],
                            "enabled": u["Enabled"], "email": email, "url": url })
                })
                .collect();
            ctx["users"] = json!(users);
            if let Some(next) = out["PaginationToken"].as_str() {
                ctx["next"] = json!(format!(
                    "{}/users?filter={}&token={}",
                    pool_url(&pool),
                    encode(&filter),
                    encode(next)
                ));
            }
        }
        Err(e) => ctx["error"] = json!(e),
    }
    render("users.html", Some(&op), ctx)
}

/// `?name=…` of the user page (and its notice or error).
#[derive(Deserialize)]
pub struct UserQuery {
    name: String,
    notice: Option<String>,
    error: Option<String>,
}

/// `GET /console/pools/{pool}/user?name=…`.
pub async fn user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(pool): Path<String>,
    Query(q): Query<UserQuery>,
) -> Response {
    let Some(op) = operator(&state, &headers) else {
        return to_login();
    };
    let user = q.name.clone();
    let id = json!({ "UserPoolId": pool, "Username": user });
    let got = match call(&state, "AdminGetUser", id.clone()).await {
        Ok(u) => u,
        Err(e) => return back(&format!("{}/users", pool_url(&pool)), Err(e)),
    };
    let mut member = call(&state, "AdminListGroupsForUser", id)
        .await
        .unwrap_or_default();
    let all = call(
        &state,
        "ListGroups",
        json!({ "UserPoolId": pool, "Limit": 60 }),
    )
    .await
    .unwrap_or_default();
    let mut ctx = json!({ "notice": q.notice, "error": q.error });
    ctx["pool_id"] = json!(pool);
    ctx["actions"] = json!(format!("{}/user", pool_url(&pool)));
    ctx["user"] = got;
    ctx["groups"] = member["Groups"].take();
    ctx["all_groups"] = all["Groups"].clone();
    render("user.html", Some(&op), ctx)
}

/// `POST /console/pools/{pool}/user/{action}` (the username in the form).
pub async fn user_action(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((pool, action)): Path<(String, String)>,
    body: String,
) -> Response {
    let f: HashMap<String, String> = form(&body);
    if let Err(refused) = guard_post(&state, &headers, &f) {
        return refused.into_response();
    }
    let user = f.get("username").cloned().unwrap_or_default();
    let id = json!({ "UserPoolId": pool, "Username": user });
    let with = |k: &str, v: Value| {
        let mut i = id.clone();
        i[k] = v;
        i
    };
    let group = f.get("group").cloned().unwrap_or_default();
    let (operation, input, done) = match action.as_str() {
        "enable" => ("AdminEnableUser", id.clone(), "User enabled.".to_owned()),
        "disable" => ("AdminDisableUser", id.clone(), "User disabled.".to_owned()),
        "reset-password" => (
            "AdminResetUserPassword",
            id.clone(),
            "Password reset: the user must set a new one with a code.".to_owned(),
        ),
        "set-password" => {
            let mut i = with(
                "Password",
                json!(f.get("password").cloned().unwrap_or_default()),
            );
            i["Permanent"] = json!(f.contains_key("permanent"));
            ("AdminSetUserPassword", i, "Password set.".to_owned())
        }
        "add-group" => (
            "AdminAddUserToGroup",
            with("GroupName", json!(group)),
            format!("Added to {group}."),
        ),
        "remove-group" => (
            "AdminRemoveUserFromGroup",
            with("GroupName", json!(group)),
            format!("Removed from {group}."),
        ),
        "sign-out" => (
            "AdminUserGlobalSignOut",
            id.clone(),
            "Signed out everywhere: every refresh token is revoked.".to_owned(),
        ),
        "delete" => {
            return match call(&state, "AdminDeleteUser", id).await {
                Ok(_) => back(
                    &format!("{}/users", pool_url(&pool)),
                    Ok(format!("User {user} deleted.")),
                ),
                Err(e) => back(&user_url(&pool, &user), Err(e)),
            };
        }
        _ => return secured(StatusCode::NOT_FOUND.into_response()),
    };
    let outcome = call(&state, operation, input).await.map(|_| done);
    back(&user_url(&pool, &user), outcome)
}
