//! Extraction of the SigV4 authentication parameters from either the
//! `Authorization` header or the presigned-URL query parameters.

use crate::SigV4Error;

/// The only signing algorithm this crate verifies.
pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Longest validity a presigned request may claim (seven days, as AWS).
const MAX_PRESIGN_EXPIRES_SECS: i64 = 604_800;

/// Query parameter names used by presigned (query-string) authentication.
pub(crate) mod param {
    pub(crate) const ALGORITHM: &str = "X-Amz-Algorithm";
    pub(crate) const CREDENTIAL: &str = "X-Amz-Credential";
    pub(crate) const DATE: &str = "X-Amz-Date";
    pub(crate) const EXPIRES: &str = "X-Amz-Expires";
    pub(crate) const SIGNED_HEADERS: &str = "X-Amz-SignedHeaders";
    pub(crate) const SIGNATURE: &str = "X-Amz-Signature";
}

/// Where the signature was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    /// `Authorization` header; the date comes from the `X-Amz-Date` header.
    Header,
    /// Presigned URL; the date and validity come from query parameters.
    Query {
        /// Value of `X-Amz-Expires`, in seconds.
        expires_secs: i64,
    },
}

/// The `<access key>/<date>/<region>/<service>/aws4_request` credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Credential {
    pub(crate) access_key_id: String,
    pub(crate) date: String,
    pub(crate) region: String,
    pub(crate) service: String,
    pub(crate) terminator: String,
}

impl Credential {
    /// Splits a credential string; `None` unless it has exactly five
    /// `/`-separated parts and a non-empty access key id.
    pub(crate) fn parse(credential: &str) -> Option<Self> {
        let mut parts = credential.split('/');
        let access_key_id = parts.next()?.to_owned();
        let date = parts.next()?.to_owned();
        let region = parts.next()?.to_owned();
        let service = parts.next()?.to_owned();
        let terminator = parts.next()?.to_owned();
        if parts.next().is_some() || access_key_id.is_empty() {
            return None;
        }
        Some(Self {
            access_key_id,
            date,
            region,
            service,
            terminator,
        })
    }

    /// The credential scope, `<date>/<region>/<service>/<terminator>`.
    pub(crate) fn scope(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.date, self.region, self.service, self.terminator
        )
    }
}

/// Everything needed to recompute a signature, before any check against the
/// clock, the credential store or the request contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthParams {
    pub(crate) location: Location,
    pub(crate) credential: String,
    /// The `SignedHeaders` value exactly as sent.
    pub(crate) signed_headers: String,
    pub(crate) signature: String,
    /// The request time exactly as sent (`X-Amz-Date` header or parameter).
    pub(crate) amz_date: String,
}

/// Parses an `Authorization` header value together with the request's
/// `X-Amz-Date` header value (if any).
///
/// Missing parts are reported together, the way AWS words them.
pub(crate) fn from_header(
    authorization: &str,
    amz_date: Option<&str>,
) -> Result<AuthParams, SigV4Error> {
    let authorization = authorization.trim();
    let (algorithm, rest) = authorization
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((authorization, ""));

    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for component in rest.split(',') {
        let Some((key, value)) = component.split_once('=') else {
            continue;
        };
        let slot = match key.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => continue,
        };
        if slot.is_some() {
            return Err(SigV4Error::Malformed(format!(
                "Authorization header has more than one '{}' parameter. Authorization={authorization}",
                key.trim()
            )));
        }
        let value = value.trim();
        if !value.is_empty() {
            *slot = Some(value.to_owned());
        }
    }

    let mut problems = Vec::new();
    if credential.is_none() {
        problems.push("Authorization header requires 'Credential' parameter.");
    }
    if signature.is_none() {
        problems.push("Authorization header requires 'Signature' parameter.");
    }
    if signed_headers.is_none() {
        problems.push("Authorization header requires 'SignedHeaders' parameter.");
    }
    if amz_date.is_none() {
        problems.push("Authorization header requires existence of a 'X-Amz-Date' header.");
    }
    match (credential, signed_headers, signature, amz_date) {
        (Some(credential), Some(signed_headers), Some(signature), Some(amz_date)) => {
            if algorithm != ALGORITHM {
                return Err(SigV4Error::Malformed(format!(
                    "Unsupported AWS 'algorithm': '{algorithm}'."
                )));
            }
            Ok(AuthParams {
                location: Location::Header,
                credential,
                signed_headers,
                signature,
                amz_date: amz_date.trim().to_owned(),
            })
        }
        _ => Err(SigV4Error::Malformed(format!(
            "{} Authorization={authorization}",
            problems.join(" ")
        ))),
    }
}

/// Parses presigned-URL authentication from the decoded query parameters.
pub(crate) fn from_query(params: &[(String, String)]) -> Result<AuthParams, SigV4Error> {
    let single = |name: &str| -> Result<Option<&str>, SigV4Error> {
        let mut values = params.iter().filter(|(n, _)| n == name);
        let first = values.next().map(|(_, v)| v.as_str());
        if values.next().is_some() {
            return Err(SigV4Error::Malformed(format!(
                "Query-string authentication requires a single '{name}' parameter."
            )));
        }
        Ok(first.filter(|v| !v.is_empty()))
    };
    let algorithm = single(param::ALGORITHM)?;
    let credential = single(param::CREDENTIAL)?;
    let amz_date = single(param::DATE)?;
    let expires = single(param::EXPIRES)?;
    let signed_headers = single(param::SIGNED_HEADERS)?;
    let signature = single(param::SIGNATURE)?;

    let (
        Some(algorithm),
        Some(credential),
        Some(amz_date),
        Some(expires),
        Some(signed_headers),
        Some(signature),
    ) = (
        algorithm,
        credential,
        amz_date,
        expires,
        signed_headers,
        signature,
    )
    else {
        return Err(SigV4Error::Malformed(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, \
             X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, \
             and X-Amz-Expires parameters."
                .to_owned(),
        ));
    };
    if algorithm != ALGORITHM {
        return Err(SigV4Error::Malformed(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'."
        )));
    }
    let expires_secs: i64 = expires
        .parse()
        .map_err(|_| SigV4Error::Malformed("X-Amz-Expires should be a number.".to_owned()))?;
    if !(0..=MAX_PRESIGN_EXPIRES_SECS).contains(&expires_secs) {
        return Err(SigV4Error::Malformed(format!(
            "X-Amz-Expires must be between 0 and {MAX_PRESIGN_EXPIRES_SECS} seconds \
             (one week), not {expires_secs}."
        )));
    }
    Ok(AuthParams {
        location: Location::Query { expires_secs },
        credential: credential.to_owned(),
        signed_headers: signed_headers.to_owned(),
        signature: signature.to_owned(),
        amz_date: amz_date.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATE: &str = "20261124T042015Z";

    fn malformed(result: Result<AuthParams, SigV4Error>) -> String {
        match result {
            Err(SigV4Error::Malformed(message)) => message,
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn parses_a_well_formed_header() {
        let params = from_header(
            "AWS4-HMAC-SHA256 Credential=AKID/20261124/us-east-1/cognito-idp/aws4_request, \
             SignedHeaders=host;x-amz-date,Signature=abc123",
            Some(DATE),
        )
        .expect("parses");
        assert_eq!(params.location, Location::Header);
        assert_eq!(
            params.credential,
            "AKID/20261124/us-east-1/cognito-idp/aws4_request"
        );
        assert_eq!(params.signed_headers, "host;x-amz-date");
        assert_eq!(params.signature, "abc123");
        assert_eq!(params.amz_date, DATE);
    }

    #[test]
    fn reports_every_missing_part_like_aws() {
        assert_eq!(
            malformed(from_header("garbage", None)),
            "Authorization header requires 'Credential' parameter. \
             Authorization header requires 'Signature' parameter. \
             Authorization header requires 'SignedHeaders' parameter. \
             Authorization header requires existence of a 'X-Amz-Date' header. \
             Authorization=garbage"
        );
        assert_eq!(
            malformed(from_header(
                "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host",
                Some(DATE)
            )),
            "Authorization header requires 'Signature' parameter. \
             Authorization=AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host"
        );
    }

    #[test]
    fn rejects_other_algorithms_and_duplicates() {
        assert_eq!(
            malformed(from_header(
                "AWS4-HMAC-SHA512 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=00",
                Some(DATE)
            )),
            "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'."
        );
        assert!(
            malformed(from_header(
                "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host, \
                 Signature=00, Signature=01",
                Some(DATE)
            ))
            .contains("more than one 'Signature'")
        );
    }

    #[test]
    fn credential_needs_five_parts() {
        let credential =
            Credential::parse("AKID/20261124/us-east-1/cognito-idp/aws4_request").expect("parses");
        assert_eq!(credential.access_key_id, "AKID");
        assert_eq!(
            credential.scope(),
            "20261124/us-east-1/cognito-idp/aws4_request"
        );
        assert_eq!(
            Credential::parse("AKID/20261124/us-east-1/cognito-idp"),
            None
        );
        assert_eq!(
            Credential::parse("AKID/20261124/us-east-1/cognito-idp/aws4_request/x"),
            None
        );
        assert_eq!(
            Credential::parse("/20261124/us-east-1/cognito-idp/aws4_request"),
            None
        );
    }

    #[test]
    fn presigned_parameters() {
        let params: Vec<(String, String)> = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            (
                "X-Amz-Credential",
                "AKID/20261124/us-east-1/cognito-idp/aws4_request",
            ),
            ("X-Amz-Date", DATE),
            ("X-Amz-Expires", "300"),
            ("X-Amz-SignedHeaders", "host"),
            ("X-Amz-Signature", "abc"),
        ]
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
        let parsed = from_query(&params).expect("parses");
        assert_eq!(parsed.location, Location::Query { expires_secs: 300 });
        assert_eq!(parsed.signature, "abc");

        let mut missing = params.clone();
        missing.retain(|(n, _)| n != "X-Amz-Expires");
        assert!(malformed(from_query(&missing)).starts_with("Query-string authentication"));

        let mut too_long = params.clone();
        too_long[3].1 = "604801".to_owned();
        assert!(malformed(from_query(&too_long)).contains("X-Amz-Expires"));

        let mut duplicated = params;
        duplicated.push(("X-Amz-Signature".to_owned(), "def".to_owned()));
        assert!(malformed(from_query(&duplicated)).contains("single 'X-Amz-Signature'"));
    }
}
