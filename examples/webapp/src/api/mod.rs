//! The API face (JSON): `POST /api/login` and `POST /api/login/new-password` sign in through
//! `AdminInitiateAuth` / `AdminRespondToAuthChallenge`; `GET /api/me` and
//! `GET /api/admin/users` (members of `Admin` only) take `Authorization: Bearer <access token>`,
//! verified statelessly by `cogito_verify::axum::Authenticated`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cogito_verify::axum::Authenticated;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::cognito::{ApiError, SignIn};

/// The API routes (nested under `/api`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/login/new-password", post(new_password))
        .route("/me", get(me))
        .route("/admin/users", get(admin_users))
}

/// `POST /api/login` body.
#[derive(Debug, Deserialize)]
pub struct LoginBody {
    /// Username (or e-mail, when the pool allows it as an alias).
    pub username: String,
    /// Password.
    pub password: String,
}

/// `POST /api/login/new-password` body.
#[derive(Debug, Deserialize)]
pub struct NewPasswordBody {
    /// Username.
    pub username: String,
    /// The `session` of the `NEW_PASSWORD_REQUIRED` answer.
    pub session: String,
    /// The chosen password.
    pub new_password: String,
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": code, "message": message }))).into_response()
}

fn sign_in_response(outcome: Result<SignIn, ApiError>) -> Response {
    match outcome {
        Ok(SignIn::Tokens(tokens)) => Json(json!(tokens)).into_response(),
        Ok(SignIn::NewPasswordRequired { session }) => Json(json!({
            "challenge": "NEW_PASSWORD_REQUIRED",
            "session": session,
        }))
        .into_response(),
        Ok(SignIn::Other(challenge)) => error(
            StatusCode::NOT_IMPLEMENTED,
            "UnsupportedChallenge",
            &format!("challenge {challenge} is not supported by this example"),
        ),
        Err(e) => {
            let status = match e.code.as_str() {
                "NotAuthorizedException" | "UserNotFoundException" => StatusCode::UNAUTHORIZED,
                "UserNotConfirmedException" | "PasswordResetRequiredException" => {
                    StatusCode::FORBIDDEN
                }
                "InvalidPasswordException"
                | "InvalidParameterException"
                | "CodeMismatchException" => StatusCode::BAD_REQUEST,
                "TooManyRequestsException" | "LimitExceededException" => {
                    StatusCode::TOO_MANY_REQUESTS
                }
                _ => StatusCode::BAD_GATEWAY,
            };
            error(status, &e.code, &e.message)
        }
    }
}

async fn login(State(state): State<AppState>, Json(body): Json<LoginBody>) -> Response {
    sign_in_response(state.cognito.sign_in(&body.username, &body.password).await)
}

async fn new_password(
    State(state): State<AppState>,
    Json(body): Json<NewPasswordBody>,
) -> Response {
    sign_in_response(
        state
            .cognito
            .set_new_password(&body.username, &body.session, &body.new_password)
            .await,
    )
}

async fn me(Authenticated(claims): Authenticated) -> Response {
    Json(json!({
        "sub": claims.sub,
        "username": claims.username,
        "groups": claims.groups,
        "scopes": claims.scopes,
        "client_id": claims.client_id,
        "expires_at": claims.exp,
    }))
    .into_response()
}

async fn admin_users(
    State(state): State<AppState>,
    Authenticated(claims): Authenticated,
) -> Response {
    if !claims.has_group("Admin") {
        return error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "only members of the Admin group may list users",
        );
    }
    match state.cognito.list_users().await {
        Ok(users) => Json(json!({ "users": users })).into_response(),
        Err(e) => error(StatusCode::BAD_GATEWAY, &e.code, &e.message),
    }
}
