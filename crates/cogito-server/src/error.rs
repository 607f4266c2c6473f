//! The single mapping from failures to what a client sees: Cognito JSON errors (`__type`,
//! `message`, `x-amzn-ErrorType`, `x-amzn-ErrorMessage`, status). Internal causes go to the log
//! with the request id, never to the client.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cogito_core::CoreError;

/// An error answered on the Cognito JSON API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// `__type`.
    pub type_name: String,
    /// `message`.
    pub message: String,
    /// HTTP status.
    pub status: u16,
}

impl ApiError {
    /// An error with status 400.
    pub fn bad_request(type_name: &str, message: impl Into<String>) -> Self {
        Self {
            type_name: type_name.into(),
            message: message.into(),
            status: 400,
        }
    }

    /// `SerializationException`.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::bad_request("SerializationException", message)
    }

    /// `InvalidParameterException`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::bad_request("InvalidParameterException", message)
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        let message = match &e {
            CoreError::Internal(cause) => {
                tracing::error!(cause = %cause, "internal error");
                "Internal server error".to_string()
            }
            other => other.to_string(),
        };
        Self {
            type_name: e.cognito_type().into(),
            message,
            status: e.http_status(),
        }
    }
}

/// Header-safe copy of a message (visible ASCII and spaces only).
fn header_safe(s: &str) -> HeaderValue {
    let cleaned: String = s
        .chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .collect();
    HeaderValue::from_str(&cleaned).unwrap_or_else(|_| HeaderValue::from_static(""))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "__type": self.type_name, "message": self.message });
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut resp = (status, body.to_string()).into_response();
        let h = resp.headers_mut();
        h.insert(
            "content-type",
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        h.insert(
            "x-amzn-errortype",
            header_safe(&format!("{}:", self.type_name)),
        );
        h.insert("x-amzn-errormessage", header_safe(&self.message));
        resp
    }
}
