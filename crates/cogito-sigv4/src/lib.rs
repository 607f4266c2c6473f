//! Server-side verification of AWS Signature Version 4 (`AWS4-HMAC-SHA256`).
//!
//! AWS SDKs, boto3 and the AWS CLI sign every Cognito User Pools API call
//! (`POST /` with `X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`). This
//! crate rebuilds the canonical request from what arrived on the wire,
//! derives the signing key from the secret configured for the access key id,
//! and checks the signature the client sent, in constant time.
//!
//! Both ways of carrying a signature are understood:
//!
//! * the `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
//!   Signature=…` header, with the request time in `X-Amz-Date`;
//! * presigned URLs (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
//!   `X-Amz-Expires`, `X-Amz-SignedHeaders` and `X-Amz-Signature` query
//!   parameters).
//!
//! The canonical request follows the SigV4 rules for non-S3 services: the raw
//! path is normalised and URI-encoded once more, the query string is decoded,
//! re-encoded and sorted, signed header names are matched case-insensitively
//! and their values trimmed, space-collapsed and comma-joined, and the payload
//! hash is always computed from the actual body. Any region is accepted; the
//! service in the credential scope must be the expected one.
//!
//! Failures map onto the error types and messages AWS itself answers with via
//! [`SigV4Error::aws_error`].
//!
//! ```
//! use cogito_sigv4::{verify, CredentialLookup, SigV4Error, SignedRequest};
//!
//! struct Keys;
//! impl CredentialLookup for Keys {
//!     fn secret_for(&self, access_key_id: &str) -> Option<String> {
//!         (access_key_id == "AKIDEXAMPLE").then(|| "secret".to_owned())
//!     }
//! }
//!
//! let headers = vec![("Host".to_owned(), "localhost:9229".to_owned())];
//! let request = SignedRequest {
//!     method: "POST",
//!     path: "/",
//!     query: "",
//!     headers: &headers,
//!     body: b"{}",
//! };
//! let error = verify(&request, &Keys, "cognito-idp", 1_795_494_015, 300).unwrap_err();
//! assert_eq!(error, SigV4Error::Missing);
//! assert_eq!(error.aws_error().0, "MissingAuthenticationTokenException");
//! ```

#![warn(missing_docs)]

mod auth;
mod canonical;
mod time;

use std::collections::{BTreeMap, HashMap};

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::auth::{AuthParams, Credential, Location};

/// The scope terminator every SigV4 credential ends with.
const TERMINATOR: &str = "aws4_request";

/// Header through which some clients announce the payload hash.
const CONTENT_SHA256_HEADER: &str = "x-amz-content-sha256";

/// Skew AWS mentions in its "Signature expired" messages, in seconds.
const AWS_MESSAGE_SKEW_SECS: i64 = 300;

/// An incoming HTTP request, exactly as received, to be verified.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// HTTP method, e.g. `"POST"`.
    pub method: &'a str,
    /// Raw (still percent-encoded) path, e.g. `"/"`.
    pub path: &'a str,
    /// Raw query string without the leading `?`; `""` when there is none.
    pub query: &'a str,
    /// All request headers, names and values as received. A name may occur
    /// several times; names are compared case-insensitively.
    pub headers: &'a [(String, String)],
    /// The complete request body.
    pub body: &'a [u8],
}

/// Source of the secret access keys that requests may be signed with.
pub trait CredentialLookup {
    /// The secret access key for `access_key_id`, or `None` if the key is
    /// unknown (or disabled).
    fn secret_for(&self, access_key_id: &str) -> Option<String>;
}

impl CredentialLookup for HashMap<String, String> {
    fn secret_for(&self, access_key_id: &str) -> Option<String> {
        self.get(access_key_id).cloned()
    }
}

impl CredentialLookup for BTreeMap<String, String> {
    fn secret_for(&self, access_key_id: &str) -> Option<String> {
        self.get(access_key_id).cloned()
    }
}

/// Identity established by a successfully verified signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The access key id the request was signed with.
    pub access_key_id: String,
    /// The region named in the credential scope (any region is accepted).
    pub region: String,
    /// The service named in the credential scope (always the expected one).
    pub service: String,
}

/// Why a request's signature was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SigV4Error {
    /// Neither an `Authorization` header nor presigned query parameters.
    #[error("the request carries no authentication")]
    Missing,
    /// The authentication data cannot be understood (unparsable
    /// `Authorization`, missing or bad `X-Amz-Date`, bad credential scope,
    /// `host` or `x-amz-date` not signed, ...). Holds an AWS-style description.
    #[error("incomplete or malformed signature: {0}")]
    Malformed(String),
    /// The credential lookup does not know the access key id.
    #[error("unknown access key id")]
    UnknownAccessKey,
    /// The signature does not match the one computed from the request (or the
    /// `x-amz-content-sha256` header does not match the body).
    #[error("signature mismatch")]
    SignatureMismatch,
    /// The request time is outside the accepted window around the server time
    /// (or, for a presigned request, past its `X-Amz-Expires`). Both times are
    /// in `YYYYMMDD'T'HHMMSS'Z'` form.
    #[error("request time {request_time} is outside the accepted window around {server_time}")]
    Expired {
        /// The request time, as sent by the client.
        request_time: String,
        /// The server time at verification.
        server_time: String,
    },
    /// The credential is scoped to another service; holds the service it
    /// should have been scoped to.
    #[error("credential should be scoped to service '{0}'")]
    WrongService(String),
}

impl SigV4Error {
    /// The `(__type, message)` pair AWS answers with for this error.
    pub fn aws_error(&self) -> (&'static str, String) {
        match self {
            Self::Missing => (
                "MissingAuthenticationTokenException",
                "Missing Authentication Token".to_owned(),
            ),
            Self::Malformed(message) => ("IncompleteSignatureException", message.clone()),
            Self::UnknownAccessKey => (
                "UnrecognizedClientException",
                "The security token included in the request is invalid.".to_owned(),
            ),
            Self::SignatureMismatch => (
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. \
                 Consult the service documentation for details."
                    .to_owned(),
            ),
            Self::Expired {
                request_time,
                server_time,
            } => (
                "InvalidSignatureException",
                expired_message(request_time, server_time),
            ),
            Self::WrongService(service) => (
                "InvalidSignatureException",
                format!("Credential should be scoped to correct service: '{service}'. "),
            ),
        }
    }
}

/// AWS's wording for a request time outside the accepted window.
fn expired_message(request_time: &str, server_time: &str) -> String {
    let request = time::parse_amz_date(request_time);
    let server = time::parse_amz_date(server_time);
    match (request, server) {
        (Some(request), Some(server)) if request > server => format!(
            "Signature not yet current: {request_time} is still later than {} ({server_time} + 5 min.)",
            time::format_amz_date(server.saturating_add(AWS_MESSAGE_SKEW_SECS))
        ),
        (_, Some(server)) => format!(
            "Signature expired: {request_time} is now earlier than {} ({server_time} - 5 min.)",
            time::format_amz_date(server.saturating_sub(AWS_MESSAGE_SKEW_SECS))
        ),
        (_, None) => {
            format!("Signature expired: {request_time} is now earlier than {server_time} - 5 min.")
        }
    }
}

/// Verifies the SigV4 signature of `req`.
///
/// * `creds` maps the access key id from the credential scope to its secret.
/// * `expected_service` is the service the scope must name (`"cognito-idp"`).
/// * `now_epoch_secs` is the current time (Unix seconds).
/// * `max_skew_secs` is how far the request time may lie before or after
///   `now_epoch_secs` (AWS uses 300). Presigned requests are accepted from
///   `max_skew_secs` before their `X-Amz-Date` until `X-Amz-Expires` after it.
///
/// Checks run in this order: authentication present and parsable, request
/// time, credential scope (service, then region/terminator/date), signed
/// headers, clock window, access key, payload hash, signature.
pub fn verify(
    req: &SignedRequest<'_>,
    creds: &dyn CredentialLookup,
    expected_service: &str,
    now_epoch_secs: i64,
    max_skew_secs: i64,
) -> Result<Verified, SigV4Error> {
    let query_params = canonical::parse_query(req.query);
    let auth = extract_auth(req, &query_params)?;

    let request_time = time::parse_amz_date(&auth.amz_date).ok_or_else(|| {
        SigV4Error::Malformed(format!(
            "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
            auth.amz_date
        ))
    })?;
    let credential = check_credential(&auth, expected_service)?;
    let signed_headers = check_signed_headers(&auth)?;
    check_clock(&auth, request_time, now_epoch_secs, max_skew_secs)?;

    let secret = creds
        .secret_for(&credential.access_key_id)
        .ok_or(SigV4Error::UnknownAccessKey)?;

    let payload_hash = hex::encode(Sha256::digest(req.body));
    let announced_mismatch = header_values(req.headers, CONTENT_SHA256_HEADER)
        .any(|announced| !announced.trim().eq_ignore_ascii_case(&payload_hash));
    if announced_mismatch {
        return Err(SigV4Error::SignatureMismatch);
    }

    let signature_param = match auth.location {
        Location::Header => None,
        Location::Query { .. } => Some(auth::param::SIGNATURE),
    };
    let mut canonical_request = String::new();
    canonical_request.push_str(req.method);
    canonical_request.push('\n');
    canonical_request.push_str(&canonical::canonical_uri(req.path));
    canonical_request.push('\n');
    canonical_request.push_str(&canonical::canonical_query(&query_params, signature_param));
    canonical_request.push('\n');
    for name in &signed_headers {
        let values: Vec<String> = header_values(req.headers, name)
            .map(canonical::trim_all)
            .collect();
        canonical_request.push_str(name);
        canonical_request.push(':');
        canonical_request.push_str(&values.join(","));
        canonical_request.push('\n');
    }
    canonical_request.push('\n');
    canonical_request.push_str(&auth.signed_headers);
    canonical_request.push('\n');
    canonical_request.push_str(&payload_hash);

    let string_to_sign = format!(
        "{}\n{}\n{}\n{}",
        auth::ALGORITHM,
        auth.amz_date,
        credential.scope(),
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );

    let k_date = hmac_sha256(
        format!("AWS4{secret}").as_bytes(),
        credential.date.as_bytes(),
    )?;
    let k_region = hmac_sha256(&k_date, credential.region.as_bytes())?;
    let k_service = hmac_sha256(&k_region, credential.service.as_bytes())?;
    let k_signing = hmac_sha256(&k_service, TERMINATOR.as_bytes())?;
    let computed = hex::encode(hmac_sha256(&k_signing, string_to_sign.as_bytes())?);

    if bool::from(computed.as_bytes().ct_eq(auth.signature.as_bytes())) {
        Ok(Verified {
            access_key_id: credential.access_key_id,
            region: credential.region,
            service: credential.service,
        })
    } else {
        Err(SigV4Error::SignatureMismatch)
    }
}

/// Values of every header called `name` (case-insensitively), in order.
fn header_values<'h>(
    headers: &'h [(String, String)],
    name: &'h str,
) -> impl Iterator<Item = &'h str> + 'h {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The value of a header that may occur at most once.
fn single_header<'h>(
    headers: &'h [(String, String)],
    name: &'h str,
) -> Result<Option<&'h str>, SigV4Error> {
    let mut values = header_values(headers, name);
    let first = values.next();
    if values.next().is_some() {
        return Err(SigV4Error::Malformed(format!(
            "Only one '{name}' header is allowed."
        )));
    }
    Ok(first)
}

/// Finds the authentication parameters in the header or the query string.
fn extract_auth(
    req: &SignedRequest<'_>,
    query_params: &[(String, String)],
) -> Result<AuthParams, SigV4Error> {
    let authorization =
        single_header(req.headers, "authorization")?.filter(|value| !value.trim().is_empty());
    let query_auth = query_params
        .iter()
        .any(|(name, _)| name == auth::param::ALGORITHM || name == auth::param::SIGNATURE);
    match (authorization, query_auth) {
        (None, false) => Err(SigV4Error::Missing),
        (Some(_), true) => Err(SigV4Error::Malformed(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter \
             or the Authorization header should be specified."
                .to_owned(),
        )),
        (Some(authorization), false) => {
            let amz_date = single_header(req.headers, "x-amz-date")?;
            auth::from_header(authorization, amz_date)
        }
        (None, true) => auth::from_query(query_params),
    }
}

/// Parses the credential and checks its scope against the request.
fn check_credential(auth: &AuthParams, expected_service: &str) -> Result<Credential, SigV4Error> {
    let credential = Credential::parse(&auth.credential).ok_or_else(|| {
        SigV4Error::Malformed(format!(
            "Credential must have the form '<access key>/<YYYYMMDD>/<region>/<service>/{TERMINATOR}', \
             not '{}'.",
            auth.credential
        ))
    })?;
    if credential.service != expected_service {
        return Err(SigV4Error::WrongService(expected_service.to_owned()));
    }
    let mut problems = Vec::new();
    if credential.region.is_empty() {
        problems.push("Credential should be scoped to a valid region. ".to_owned());
    }
    if credential.terminator != TERMINATOR {
        problems.push(format!(
            "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{}'. ",
            credential.terminator
        ));
    }
    let request_date = auth.amz_date.get(..8).unwrap_or_default();
    if credential.date != request_date {
        problems.push(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '{}' != '{request_date}', from '{}'.",
            credential.date, auth.amz_date
        ));
    }
    if problems.is_empty() {
        Ok(credential)
    } else {
        Err(SigV4Error::Malformed(
            problems.concat().trim_end().to_owned(),
        ))
    }
}

/// Splits `SignedHeaders` into lower-cased names and checks the mandatory ones.
fn check_signed_headers(auth: &AuthParams) -> Result<Vec<String>, SigV4Error> {
    let names: Vec<String> = auth
        .signed_headers
        .split(';')
        .map(str::to_ascii_lowercase)
        .collect();
    if names
        .iter()
        .any(|name| name.trim().is_empty() || name.trim() != name)
    {
        return Err(SigV4Error::Malformed(format!(
            "SignedHeaders must be a ';'-separated list of header names, not '{}'.",
            auth.signed_headers
        )));
    }
    if !names.iter().any(|name| name == "host") {
        return Err(SigV4Error::Malformed(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".to_owned(),
        ));
    }
    if auth.location == Location::Header && !names.iter().any(|name| name == "x-amz-date") {
        return Err(SigV4Error::Malformed(
            "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.".to_owned(),
        ));
    }
    Ok(names)
}

/// Checks the request time against the server clock.
fn check_clock(
    auth: &AuthParams,
    request_time: i64,
    now: i64,
    max_skew: i64,
) -> Result<(), SigV4Error> {
    let ahead = request_time.saturating_sub(now);
    let behind = now.saturating_sub(request_time);
    let acceptable = match auth.location {
        Location::Header => ahead <= max_skew && behind <= max_skew,
        Location::Query { expires_secs } => ahead <= max_skew && behind <= expires_secs,
    };
    if acceptable {
        Ok(())
    } else {
        Err(SigV4Error::Expired {
            request_time: auth.amz_date.clone(),
            server_time: time::format_amz_date(now),
        })
    }
}

/// HMAC-SHA256 of `data` under `key`.
fn hmac_sha256(key: &[u8], data: &[u8]) -> Result<[u8; 32], SigV4Error> {
    // HMAC accepts keys of any length, so this cannot fail; should it ever,
    // fail closed rather than panic.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .map_err(|_| SigV4Error::SignatureMismatch)?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_message_in_the_past() {
        let error = SigV4Error::Expired {
            request_time: "20261124T041015Z".to_owned(),
            server_time: "20261124T042015Z".to_owned(),
        };
        assert_eq!(
            error.aws_error(),
            (
                "InvalidSignatureException",
                "Signature expired: 20261124T041015Z is now earlier than 20261124T041515Z \
                 (20261124T042015Z - 5 min.)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn expired_message_in_the_future() {
        let error = SigV4Error::Expired {
            request_time: "20261124T043015Z".to_owned(),
            server_time: "20261124T042015Z".to_owned(),
        };
        assert_eq!(
            error.aws_error(),
            (
                "InvalidSignatureException",
                "Signature not yet current: 20261124T043015Z is still later than 20261124T042515Z \
                 (20261124T042015Z + 5 min.)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn expired_message_crosses_midnight_and_leap_day() {
        let error = SigV4Error::Expired {
            request_time: "20240229T000000Z".to_owned(),
            server_time: "20240301T000200Z".to_owned(),
        };
        assert_eq!(
            error.aws_error().1,
            "Signature expired: 20240229T000000Z is now earlier than 20240229T235700Z \
             (20240301T000200Z - 5 min.)"
        );
    }

    #[test]
    fn other_aws_errors() {
        assert_eq!(
            SigV4Error::Missing.aws_error(),
            (
                "MissingAuthenticationTokenException",
                "Missing Authentication Token".to_owned()
            )
        );
        assert_eq!(
            SigV4Error::Malformed("why".to_owned()).aws_error(),
            ("IncompleteSignatureException", "why".to_owned())
        );
        assert_eq!(
            SigV4Error::UnknownAccessKey.aws_error(),
            (
                "UnrecognizedClientException",
                "The security token included in the request is invalid.".to_owned()
            )
        );
        assert_eq!(
            SigV4Error::SignatureMismatch.aws_error(),
            (
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. Consult the service \
                 documentation for details."
                    .to_owned()
            )
        );
        assert_eq!(
            SigV4Error::WrongService("cognito-idp".to_owned()).aws_error(),
            (
                "InvalidSignatureException",
                "Credential should be scoped to correct service: 'cognito-idp'. ".to_owned()
            )
        );
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?").expect("hmac");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// The worked example of the AWS documentation ("GET /?Action=ListUsers"
    /// against IAM), checked against its published signature.
    #[test]
    fn aws_documentation_example() {
        let headers = vec![
            (
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
            ),
            ("Host".to_owned(), "iam.amazonaws.com".to_owned()),
            ("X-Amz-Date".to_owned(), "20150830T123600Z".to_owned()),
            (
                "Authorization".to_owned(),
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date, \
                 Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
                    .to_owned(),
            ),
        ];
        let request = SignedRequest {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &headers,
            body: b"",
        };
        let mut keys = HashMap::new();
        keys.insert(
            "AKIDEXAMPLE".to_owned(),
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_owned(),
        );
        let now = time::parse_amz_date("20150830T123600Z").expect("valid");
        assert_eq!(
            verify(&request, &keys, "iam", now, 300),
            Ok(Verified {
                access_key_id: "AKIDEXAMPLE".to_owned(),
                region: "us-east-1".to_owned(),
                service: "iam".to_owned(),
            })
        );
    }
}
