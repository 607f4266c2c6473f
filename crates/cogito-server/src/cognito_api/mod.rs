//! The AWS JSON 1.1 front door: `POST /` with `X-Amz-Target`. Checks, in order: target known,
//! caller authentication (SigV4 for non-public operations unless `--dev`), content type, body
//! size, JSON, the service model's input constraints; then calls the operation's handler.

pub mod admin_users;
pub mod auth;
pub mod clients;
pub mod devices;
pub mod domains;
pub mod groups;
pub mod import_jobs;
pub mod mfa;
pub mod ops;
pub mod pools;
pub mod public;
pub mod resource_servers;
pub mod self_service;
pub mod ui_customization;
pub mod wire;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::AppState;
use crate::error::ApiError;

const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

/// The longest a request may take before it is answered with `InternalErrorException` (see
/// [`crate::deadline`]).
const REQUEST_DEADLINE: std::time::Duration = crate::deadline::REQUEST_DEADLINE;

/// `POST /`.
pub async fn handle(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    peer: Option<axum::Extension<crate::listen::Peer>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let source = crate::rate::source_of(&state, peer.map(|p| p.0), &headers);
    let request_id = uuid::Uuid::new_v4().to_string();
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let op_name = target
        .strip_prefix(TARGET_PREFIX)
        .unwrap_or(&target)
        .to_string();
    let span = tracing::info_span!("cognito", op = %op_name, request_id = %request_id);
    let _enter = span.enter();
    drop(_enter);
    let request = Incoming {
        method: &method,
        uri: &uri,
        headers: &headers,
        source,
    };
    let dispatched = dispatch(&state, request, body, &op_name, &target);
    // Dropping the operation mid-way rolls back its uncommitted transaction; a commit already
    // sent may still land, as with any answer lost in transit (the write itself is atomic).
    let result = crate::deadline::run_within(REQUEST_DEADLINE, dispatched)
        .await
        .unwrap_or_else(|| {
            Err(ApiError::from(cogito_core::CoreError::Internal(format!(
                "{op_name} did not finish within {REQUEST_DEADLINE:?}"
            ))))
        });
    let mut resp = match result {
        Ok(v) => {
            let mut r = v.to_string().into_response();
            r.headers_mut().insert(
                "content-type",
                HeaderValue::from_static("application/x-amz-json-1.1"),
            );
            r
        }
        Err(e) => {
            tracing::info!(op = %op_name, request_id = %request_id, error = %e.type_name, "request refused");
            e.into_response()
        }
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    // Answers carry tokens, secrets and user data: never cached (security bar SEC-17).
    resp.headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    // SDKs correct their signing clock from `Date`; it must be the clock SigV4 is checked against.
    if let Ok(v) = HeaderValue::from_str(&http_date(state.core.clock.now_secs())) {
        resp.headers_mut().insert("date", v);
    }
    resp
}

/// IMF-fixdate (`Tue, 24 Nov 2026 04:41:35 GMT`) of epoch seconds.
fn http_date(secs: i64) -> String {
    let (days, tod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let name = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!(
        "{weekday}, {day:02} {name} {year} {:02}:{:02}:{:02} GMT",
        tod / 3600,
        tod % 3600 / 60,
        tod % 60
    )
}

/// What `dispatch` needs of the HTTP request besides its body.
struct Incoming<'a> {
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    /// The client's address ([`crate::client_addr`]).
    source: Option<std::net::IpAddr>,
}

async fn dispatch(
    state: &AppState,
    request: Incoming<'_>,
    body: Body,
    op_name: &str,
    target: &str,
) -> Result<Value, ApiError> {
    let Incoming {
        method,
        uri,
        headers,
        source,
    } = request;
    if !target.starts_with(TARGET_PREFIX) {
        return Err(ApiError::bad_request(
            "UnknownOperationException",
            "Missing or unknown X-Amz-Target",
        ));
    }
    let Some(model_op) = cogito_model::model().operation(op_name) else {
        return Err(ApiError::bad_request(
            "UnknownOperationException",
            format!("Unknown operation {op_name}"),
        ));
    };
    let bytes = read_body(body, state.config.max_body_bytes).await?;
    if !model_op.public {
        crate::auth::check_sigv4(state, method, uri, headers, &bytes)?;
    }
    if ops::find(op_name).is_none() {
        return Err(ApiError::bad_request(
            "UnknownOperationException",
            format!("Operation {op_name} is not supported by cogito yet"),
        ));
    }
    check_content_type(headers)?;
    let input: Value =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::serialization(json_error(&e)))?;
    // A place first (refusing costs nothing), then the rate limits (a store write).
    let _place = state
        .shedder
        .admit(crate::shed::api_class(op_name, &input))
        .await
        .ok_or_else(crate::shed::too_many)?;
    crate::rate::admit_api(state, op_name, &input, source).await?;
    call_operation(state, op_name, input).await
}

/// Runs an operation on an already authenticated caller's input: the service model's checks,
/// then the handler. The JSON front door and the admin console both come through here, so
/// every rule applies to both.
pub async fn call_operation(
    state: &AppState,
    op_name: &str,
    input: Value,
) -> Result<Value, ApiError> {
    let (Some(model_op), Some(op)) = (cogito_model::model().operation(op_name), ops::find(op_name))
    else {
        return Err(ApiError::bad_request(
            "UnknownOperationException",
            format!("Operation {op_name} is not supported by cogito yet"),
        ));
    };
    let input = if input.is_null() {
        Value::Object(Default::default())
    } else {
        input
    };
    cogito_model::validate_input(model_op, &custom_domain_view(op_name, &input)?)
        .map_err(|e| ApiError::bad_request(e.type_name, e.message))?;
    let input = strip_nulls(input);
    let input = with_pool_marker(op_name, input);
    let metadata = client_metadata(&input);
    cogito_core::service::triggers::with_client_metadata(
        metadata,
        (op.call)(state.core.clone(), input),
    )
    .await
}

/// `ClientMetadata` of a request (string values; the model allows no others), for the triggers
/// it raises.
fn client_metadata(input: &Value) -> std::collections::BTreeMap<String, String> {
    input
        .get("ClientMetadata")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Admin auth operations share handlers with the public ones; they are told apart by
/// `UserPoolId`, which only the admin shapes carry. Public calls must not smuggle one in.
fn with_pool_marker(op_name: &str, mut input: Value) -> Value {
    if matches!(op_name, "InitiateAuth" | "RespondToAuthChallenge")
        && let Some(o) = input.as_object_mut()
    {
        o.remove("UserPoolId");
    }
    input
}

/// The model's `Domain` pattern describes prefix domains only; a custom domain
/// (`CustomDomainConfig` given) is a full host name such as `auth.example.com`. It is checked
/// here as a host name, and the rest of the input still goes through the model.
fn custom_domain_view(op_name: &str, input: &Value) -> Result<Value, ApiError> {
    let custom = matches!(op_name, "CreateUserPoolDomain" | "UpdateUserPoolDomain")
        && input
            .get("CustomDomainConfig")
            .is_some_and(|c| !c.is_null());
    let Some(domain) = input
        .get("Domain")
        .and_then(Value::as_str)
        .filter(|_| custom)
    else {
        return Ok(input.clone());
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if domain.len() > 253 || domain.split('.').count() < 2 || !domain.split('.').all(label_ok) {
        return Err(ApiError::invalid(format!(
            "1 validation error detected: Value '{domain}' at 'domain' failed to satisfy constraint: Member must be a valid host name"
        )));
    }
    let mut view = input.clone();
    view["Domain"] = Value::String("custom-domain".into());
    Ok(view)
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        v => v,
    }
}

fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/x-amz-json-1.1"
        || essence == "application/x-amz-json-1.0"
        || essence == "application/json"
    {
        Ok(())
    } else {
        Err(ApiError::serialization(format!(
            "Unsupported Content-Type '{ct}': expected application/x-amz-json-1.1"
        )))
    }
}

async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError {
            type_name: "SerializationException".into(),
            message: format!("Request body exceeds the {limit}-byte limit"),
            status: 413,
        })
}

fn json_error(e: &serde_json::Error) -> String {
    if e.to_string().contains("recursion limit") {
        "Request body is nested too deeply".into()
    } else {
        format!(
            "Request body is not valid JSON ({} at line {} column {})",
            category(e),
            e.line(),
            e.column()
        )
    }
}

fn category(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Eof => "unexpected end of input",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn http_dates() {
        assert_eq!(super::http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            super::http_date(951_782_400),
            "Tue, 29 Feb 2000 00:00:00 GMT"
        );
        assert_eq!(
            super::http_date(1_795_495_295),
            "Tue, 24 Nov 2026 04:41:35 GMT"
        );
    }
}
