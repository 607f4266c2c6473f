//! End-to-end checks of `cogito_sigv4::verify` against requests signed by the
//! official `aws-sigv4` signer (the one the AWS SDK for Rust uses).

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use cogito_sigv4::{CredentialLookup, SigV4Error, SignedRequest, Verified, verify};
use http::{HeaderValue, Request};

const AKID: &str = "AKIDCOGITOEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SERVICE: &str = "cognito-idp";
const REGION: &str = "us-east-1";
const ENDPOINT: &str = "https://cognito-idp.us-east-1.amazonaws.com/";
const HOST: &str = "cognito-idp.us-east-1.amazonaws.com";
/// 2026-11-24T04:20:15Z
const NOW: i64 = 1_795_494_015;
const SKEW: i64 = 300;
const BODY: &str = r#"{"UserPoolId":"us-east-1_AbCdEfGhI","Username":"alice"}"#;

/// Credential store of the tests.
struct Keys(HashMap<String, String>);

impl Keys {
    fn new() -> Self {
        Self(HashMap::from([(AKID.to_owned(), SECRET.to_owned())]))
    }
}

impl CredentialLookup for Keys {
    fn secret_for(&self, access_key_id: &str) -> Option<String> {
        self.0.get(access_key_id).cloned()
    }
}

/// How a test request gets signed.
struct Signing {
    access_key_id: &'static str,
    secret: &'static str,
    session_token: Option<&'static str>,
    region: &'static str,
    service: &'static str,
    epoch_secs: i64,
    settings: SigningSettings,
}

impl Default for Signing {
    fn default() -> Self {
        Self {
            access_key_id: AKID,
            secret: SECRET,
            session_token: None,
            region: REGION,
            service: SERVICE,
            epoch_secs: NOW,
            settings: SigningSettings::default(),
        }
    }
}

fn system_time(epoch_secs: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(epoch_secs).expect("after 1970"))
}

/// An unsigned Cognito `AdminGetUser` call as the SDKs build it.
fn cognito_request(uri: &str, body: &str) -> Request<Vec<u8>> {
    Request::builder()
        .method("POST")
        .uri(uri)
        .header("host", HOST)
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.AdminGetUser",
        )
        .body(body.as_bytes().to_vec())
        .expect("valid request")
}

/// Signs `request` in place with the official signer.
fn sign_with(request: &mut Request<Vec<u8>>, signing: Signing) {
    let identity = Credentials::new(
        signing.access_key_id,
        signing.secret,
        signing.session_token.map(str::to_owned),
        None,
        "cogito-sigv4-tests",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(signing.region)
        .name(signing.service)
        .time(system_time(signing.epoch_secs))
        .settings(signing.settings)
        .build()
        .expect("signing params")
        .into();
    let uri = request.uri().to_string();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().expect("ascii header").to_owned(),
            )
        })
        .collect();
    let signable = SignableRequest::new(
        request.method().as_str(),
        uri,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(request.body()),
    )
    .expect("signable request");
    let (instructions, _signature) = sign(signable, &params).expect("signs").into_parts();
    instructions.apply_to_request_http1x(request);
}

fn signed(signing: Signing) -> Request<Vec<u8>> {
    let mut request = cognito_request(ENDPOINT, BODY);
    sign_with(&mut request, signing);
    request
}

/// The request as the server sees it: header names and values as received.
fn wire_headers(request: &Request<Vec<u8>>) -> Vec<(String, String)> {
    request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().expect("ascii header").to_owned(),
            )
        })
        .collect()
}

fn verify_parts(
    request: &Request<Vec<u8>>,
    headers: &[(String, String)],
    body: &[u8],
    now: i64,
) -> Result<Verified, SigV4Error> {
    let signed_request = SignedRequest {
        method: request.method().as_str(),
        path: request.uri().path(),
        query: request.uri().query().unwrap_or(""),
        headers,
        body,
    };
    verify(&signed_request, &Keys::new(), SERVICE, now, SKEW)
}

fn verify_at(request: &Request<Vec<u8>>, now: i64) -> Result<Verified, SigV4Error> {
    verify_parts(request, &wire_headers(request), request.body(), now)
}

fn verify_now(request: &Request<Vec<u8>>) -> Result<Verified, SigV4Error> {
    verify_at(request, NOW)
}

fn verified(region: &str) -> Result<Verified, SigV4Error> {
    Ok(Verified {
        access_key_id: AKID.to_owned(),
        region: region.to_owned(),
        service: SERVICE.to_owned(),
    })
}

fn header(request: &Request<Vec<u8>>, name: &str) -> String {
    request
        .headers()
        .get(name)
        .expect("header present")
        .to_str()
        .expect("ascii")
        .to_owned()
}

fn set_header(request: &mut Request<Vec<u8>>, name: &'static str, value: &str) {
    request
        .headers_mut()
        .insert(name, HeaderValue::from_str(value).expect("valid value"));
}

fn malformed_message(result: Result<Verified, SigV4Error>) -> String {
    match result {
        Err(SigV4Error::Malformed(message)) => message,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn correctly_signed_request_verifies() {
    let request = signed(Signing::default());
    let authorization = header(&request, "authorization");
    assert!(authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDCOGITOEXAMPLE/20261124/"));
    assert_eq!(header(&request, "x-amz-date"), "20261124T042015Z");
    assert_eq!(verify_now(&request), verified(REGION));
}

#[test]
fn any_region_is_accepted_and_reported() {
    let request = signed(Signing {
        region: "eu-west-1",
        ..Signing::default()
    });
    assert_eq!(verify_now(&request), verified("eu-west-1"));
}

#[test]
fn wrong_secret_is_a_signature_mismatch() {
    let request = signed(Signing {
        secret: "not-the-configured-secret",
        ..Signing::default()
    });
    assert_eq!(verify_now(&request), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn unknown_access_key() {
    let request = signed(Signing {
        access_key_id: "AKIDSOMEONEELSE",
        ..Signing::default()
    });
    assert_eq!(verify_now(&request), Err(SigV4Error::UnknownAccessKey));
    assert_eq!(
        SigV4Error::UnknownAccessKey.aws_error().0,
        "UnrecognizedClientException"
    );
}

#[test]
fn tampered_body_is_a_signature_mismatch() {
    let request = signed(Signing::default());
    let tampered = BODY.replace("alice", "admin");
    assert_eq!(
        verify_parts(&request, &wire_headers(&request), tampered.as_bytes(), NOW),
        Err(SigV4Error::SignatureMismatch)
    );
    assert_eq!(
        verify_parts(&request, &wire_headers(&request), b"", NOW),
        Err(SigV4Error::SignatureMismatch)
    );
}

#[test]
fn tampered_target_is_a_signature_mismatch() {
    let mut request = signed(Signing::default());
    set_header(
        &mut request,
        "x-amz-target",
        "AWSCognitoIdentityProviderService.AdminDeleteUser",
    );
    assert_eq!(verify_now(&request), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn tampered_signed_header_value_or_method_or_path_is_a_mismatch() {
    let mut request = signed(Signing::default());
    set_header(&mut request, "content-type", "application/json");
    assert_eq!(verify_now(&request), Err(SigV4Error::SignatureMismatch));

    let mut request = signed(Signing::default());
    set_header(&mut request, "host", "evil.example.com");
    assert_eq!(verify_now(&request), Err(SigV4Error::SignatureMismatch));

    let mut request = signed(Signing::default());
    *request.method_mut() = http::Method::PUT;
    assert_eq!(verify_now(&request), Err(SigV4Error::SignatureMismatch));

    let mut request = signed(Signing::default());
    *request.uri_mut() = "https://cognito-idp.us-east-1.amazonaws.com/other"
        .parse()
        .expect("uri");
    assert_eq!(verify_now(&request), Err(SigV4Error::SignatureMismatch));

    let mut request = signed(Signing::default());
    *request.uri_mut() = "https://cognito-idp.us-east-1.amazonaws.com/?extra=1"
        .parse()
        .expect("uri");
    assert_eq!(verify_now(&request), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn tampered_signature_is_a_mismatch() {
    let mut request = signed(Signing::default());
    let authorization = header(&request, "authorization");
    let (prefix, signature) = authorization
        .rsplit_once("Signature=")
        .expect("has signature");
    let mut flipped: Vec<char> = signature.chars().collect();
    flipped[0] = if flipped[0] == '0' { '1' } else { '0' };
    let flipped: String = flipped.into_iter().collect();
    set_header(
        &mut request,
        "authorization",
        &format!("{prefix}Signature={flipped}"),
    );
    assert_eq!(verify_now(&request), Err(SigV4Error::SignatureMismatch));

    set_header(
        &mut request,
        "authorization",
        &format!("{prefix}Signature={}", signature.to_uppercase()),
    );
    assert_eq!(verify_now(&request), Err(SigV4Error::SignatureMismatch));

    set_header(
        &mut request,
        "authorization",
        &format!("{prefix}Signature={}", &signature[..63]),
    );
    assert_eq!(verify_now(&request), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn no_authorization_is_missing() {
    let mut request = signed(Signing::default());
    request.headers_mut().remove("authorization");
    assert_eq!(verify_now(&request), Err(SigV4Error::Missing));
    assert_eq!(
        SigV4Error::Missing.aws_error(),
        (
            "MissingAuthenticationTokenException",
            "Missing Authentication Token".to_owned()
        )
    );

    set_header(&mut request, "authorization", "   ");
    assert_eq!(verify_now(&request), Err(SigV4Error::Missing));

    let unsigned = cognito_request(ENDPOINT, BODY);
    assert_eq!(verify_now(&unsigned), Err(SigV4Error::Missing));
}

#[test]
fn garbage_authorization_is_malformed() {
    let mut request = signed(Signing::default());
    for garbage in [
        "garbage",
        "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 Credential=AKIDCOGITOEXAMPLE",
        "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=",
        "AWS4-HMAC-SHA256 Credential=AKIDCOGITOEXAMPLE/20261124/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date",
        "AWS4-HMAC-SHA1 Credential=AKIDCOGITOEXAMPLE/20261124/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKIDCOGITOEXAMPLE/20261124/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKIDCOGITOEXAMPLE/20261124//cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKIDCOGITOEXAMPLE/20261124/us-east-1/cognito-idp/aws5_request, SignedHeaders=host;x-amz-date, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKIDCOGITOEXAMPLE/20261124/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;;x-amz-date, Signature=00",
    ] {
        set_header(&mut request, "authorization", garbage);
        let result = verify_now(&request);
        assert!(
            matches!(result, Err(SigV4Error::Malformed(_))),
            "{garbage:?} gave {result:?}"
        );
    }

    set_header(&mut request, "authorization", "garbage");
    let error = verify_now(&request).expect_err("malformed");
    let (kind, message) = error.aws_error();
    assert_eq!(kind, "IncompleteSignatureException");
    assert_eq!(
        message,
        "Authorization header requires 'Credential' parameter. \
         Authorization header requires 'Signature' parameter. \
         Authorization header requires 'SignedHeaders' parameter. \
         Authorization=garbage"
    );
}

#[test]
fn two_authorization_headers_are_malformed() {
    let mut request = signed(Signing::default());
    let authorization = request
        .headers()
        .get("authorization")
        .expect("signed")
        .clone();
    request.headers_mut().append("authorization", authorization);
    malformed_message(verify_now(&request));
}

#[test]
fn missing_or_bad_amz_date_is_malformed() {
    let mut request = signed(Signing::default());
    request.headers_mut().remove("x-amz-date");
    let message = malformed_message(verify_now(&request));
    assert!(message.contains("'X-Amz-Date'"), "{message}");

    set_header(&mut request, "x-amz-date", "2026-11-24T04:20:15Z");
    let message = malformed_message(verify_now(&request));
    assert_eq!(
        message,
        "Date must be in ISO-8601 'basic format'. Got '2026-11-24T04:20:15Z'. \
         See http://en.wikipedia.org/wiki/ISO_8601"
    );

    set_header(&mut request, "x-amz-date", "20261131T042015Z");
    malformed_message(verify_now(&request));
}

#[test]
fn credential_date_must_match_request_date() {
    let mut request = signed(Signing::default());
    let authorization = header(&request, "authorization").replace("/20261124/", "/20261123/");
    set_header(&mut request, "authorization", &authorization);
    assert_eq!(
        malformed_message(verify_now(&request)),
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
         from HTTP: '20261123' != '20261124', from '20261124T042015Z'."
    );
}

#[test]
fn host_must_be_signed() {
    let mut settings = SigningSettings::default();
    settings
        .excluded_headers
        .get_or_insert_with(Vec::new)
        .push("host".into());
    let request = signed(Signing {
        settings,
        ..Signing::default()
    });
    assert!(!header(&request, "authorization").contains("host"));
    assert_eq!(
        malformed_message(verify_now(&request)),
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    );
}

#[test]
fn amz_date_must_be_signed() {
    let mut request = signed(Signing::default());
    let authorization = header(&request, "authorization").replace(";x-amz-date", "");
    set_header(&mut request, "authorization", &authorization);
    let message = malformed_message(verify_now(&request));
    assert!(
        message.contains("'X-Amz-Date' must be a 'SignedHeader'"),
        "{message}"
    );
}

#[test]
fn ten_minutes_off_is_expired() {
    let request = signed(Signing::default());

    let later = verify_at(&request, NOW + 600);
    assert_eq!(
        later,
        Err(SigV4Error::Expired {
            request_time: "20261124T042015Z".to_owned(),
            server_time: "20261124T043015Z".to_owned(),
        })
    );
    assert_eq!(
        later.expect_err("expired").aws_error(),
        (
            "InvalidSignatureException",
            "Signature expired: 20261124T042015Z is now earlier than 20261124T042515Z \
             (20261124T043015Z - 5 min.)"
                .to_owned()
        )
    );

    let earlier = verify_at(&request, NOW - 600);
    assert_eq!(
        earlier,
        Err(SigV4Error::Expired {
            request_time: "20261124T042015Z".to_owned(),
            server_time: "20261124T041015Z".to_owned(),
        })
    );
    assert_eq!(
        earlier.expect_err("expired").aws_error().1,
        "Signature not yet current: 20261124T042015Z is still later than 20261124T041515Z \
         (20261124T041015Z + 5 min.)"
    );
}

#[test]
fn request_signed_ten_minutes_off_is_expired() {
    let past = signed(Signing {
        epoch_secs: NOW - 600,
        ..Signing::default()
    });
    assert!(matches!(verify_now(&past), Err(SigV4Error::Expired { .. })));
    let future = signed(Signing {
        epoch_secs: NOW + 600,
        ..Signing::default()
    });
    assert!(matches!(
        verify_now(&future),
        Err(SigV4Error::Expired { .. })
    ));
}

#[test]
fn within_four_minutes_is_accepted() {
    let request = signed(Signing::default());
    for offset in [-240, -60, 0, 60, 240, -SKEW, SKEW] {
        assert_eq!(
            verify_at(&request, NOW + offset),
            verified(REGION),
            "{offset}"
        );
    }
    for offset in [-SKEW - 1, SKEW + 1] {
        assert!(matches!(
            verify_at(&request, NOW + offset),
            Err(SigV4Error::Expired { .. })
        ));
    }
    let signed_earlier = signed(Signing {
        epoch_secs: NOW - 240,
        ..Signing::default()
    });
    assert_eq!(verify_now(&signed_earlier), verified(REGION));
    let signed_later = signed(Signing {
        epoch_secs: NOW + 240,
        ..Signing::default()
    });
    assert_eq!(verify_now(&signed_later), verified(REGION));
}

#[test]
fn other_service_in_scope_is_wrong_service() {
    let request = signed(Signing {
        service: "s3",
        ..Signing::default()
    });
    let error = verify_now(&request).expect_err("wrong service");
    assert_eq!(error, SigV4Error::WrongService(SERVICE.to_owned()));
    assert_eq!(
        error.aws_error(),
        (
            "InvalidSignatureException",
            "Credential should be scoped to correct service: 'cognito-idp'. ".to_owned()
        )
    );
}

#[test]
fn extra_and_duplicate_unsigned_headers_are_ignored() {
    let mut request = signed(Signing::default());
    let headers = request.headers_mut();
    headers.insert("user-agent", HeaderValue::from_static("aws-cli/2.22.0"));
    headers.append("x-forwarded-for", HeaderValue::from_static("10.0.0.1"));
    headers.append("x-forwarded-for", HeaderValue::from_static("10.0.0.2"));
    headers.append("accept-encoding", HeaderValue::from_static("identity"));
    headers.append("accept-encoding", HeaderValue::from_static("gzip"));
    headers.insert(
        "x-amzn-trace-id",
        HeaderValue::from_static("Root=1-5759e988-bd862e3fe1be46a994272793"),
    );
    assert_eq!(verify_now(&request), verified(REGION));
}

#[test]
fn duplicate_signed_header_is_a_mismatch() {
    let mut request = signed(Signing::default());
    request.headers_mut().append(
        "x-amz-target",
        HeaderValue::from_static("AWSCognitoIdentityProviderService.AdminDeleteUser"),
    );
    assert_eq!(verify_now(&request), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn header_names_match_case_insensitively() {
    let request = signed(Signing::default());
    let shouted: Vec<(String, String)> = wire_headers(&request)
        .into_iter()
        .map(|(name, value)| {
            let name = if name == "authorization" {
                "Authorization".to_owned()
            } else {
                name.to_ascii_uppercase()
            };
            (name, value)
        })
        .collect();
    assert_eq!(
        verify_parts(&request, &shouted, request.body(), NOW),
        verified(REGION)
    );
}

#[test]
fn header_order_on_the_wire_does_not_matter() {
    let request = signed(Signing::default());
    let mut reversed = wire_headers(&request);
    reversed.reverse();
    assert_eq!(
        verify_parts(&request, &reversed, request.body(), NOW),
        verified(REGION)
    );
}

#[test]
fn session_token_signed_header_verifies() {
    let mut request = signed(Signing {
        session_token: Some("IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJGMEQCIEXAMPLE="),
        ..Signing::default()
    });
    assert!(
        header(&request, "authorization").contains("x-amz-security-token"),
        "token should be signed"
    );
    assert_eq!(verify_now(&request), verified(REGION));

    set_header(&mut request, "x-amz-security-token", "SomeOtherToken");
    assert_eq!(verify_now(&request), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn content_sha256_header_is_checked_against_the_body() {
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let mut request = signed(Signing {
        settings,
        ..Signing::default()
    });
    assert!(header(&request, "authorization").contains("x-amz-content-sha256"));
    assert_eq!(verify_now(&request), verified(REGION));

    // Announced hash and body disagree.
    assert_eq!(
        verify_parts(&request, &wire_headers(&request), b"{}", NOW),
        Err(SigV4Error::SignatureMismatch)
    );
    set_header(&mut request, "x-amz-content-sha256", "UNSIGNED-PAYLOAD");
    assert_eq!(verify_now(&request), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn unsigned_content_sha256_header_must_still_match_the_body() {
    let mut request = signed(Signing::default());
    set_header(&mut request, "x-amz-content-sha256", "UNSIGNED-PAYLOAD");
    assert_eq!(verify_now(&request), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn multi_valued_and_padded_signed_headers() {
    let mut request = cognito_request(ENDPOINT, BODY);
    let headers = request.headers_mut();
    headers.append("x-cogito-multi", HeaderValue::from_static("one"));
    headers.append(
        "x-cogito-multi",
        HeaderValue::from_static("  two   and  three "),
    );
    headers.insert("x-cogito-padded", HeaderValue::from_static("  a    b  c  "));
    sign_with(&mut request, Signing::default());
    let authorization = header(&request, "authorization");
    assert!(
        authorization.contains("x-cogito-multi;x-cogito-padded"),
        "{authorization}"
    );
    assert_eq!(verify_now(&request), verified(REGION));

    // The same values folded into one comma-separated header line.
    let folded: Vec<(String, String)> = wire_headers(&request)
        .into_iter()
        .filter(|(name, _)| name != "x-cogito-multi")
        .chain([("X-Cogito-Multi".to_owned(), "one,two and three".to_owned())])
        .collect();
    assert_eq!(
        verify_parts(&request, &folded, request.body(), NOW),
        verified(REGION)
    );

    // Order of the values of a signed header matters.
    let swapped: Vec<(String, String)> = wire_headers(&request)
        .into_iter()
        .filter(|(name, _)| name != "x-cogito-multi")
        .chain([
            ("x-cogito-multi".to_owned(), "two and three".to_owned()),
            ("x-cogito-multi".to_owned(), "one".to_owned()),
        ])
        .collect();
    assert_eq!(
        verify_parts(&request, &swapped, request.body(), NOW),
        Err(SigV4Error::SignatureMismatch)
    );
}

#[test]
fn path_and_query_are_canonicalised_like_the_signer() {
    let uri = "https://cognito-idp.us-east-1.amazonaws.com/some%20dir/a:b/./x/../item\
               ?zeta=last&alpha=two%20words&alpha=1&flag&tilde=~x&plus=a%2Bb&space=a+b&sym=%21%2A";
    let mut request = cognito_request(uri, BODY);
    sign_with(&mut request, Signing::default());
    assert_eq!(verify_now(&request), verified(REGION));
}

#[test]
fn empty_body_verifies() {
    let mut request = cognito_request(ENDPOINT, "");
    sign_with(&mut request, Signing::default());
    assert_eq!(verify_now(&request), verified(REGION));
    assert_eq!(
        verify_parts(&request, &wire_headers(&request), b"{}", NOW),
        Err(SigV4Error::SignatureMismatch)
    );
}

#[test]
fn host_with_port_added_by_the_http_client() {
    // Like hyper/reqwest: the signer derives `host` from the URI and the HTTP
    // client adds the header when sending.
    let mut request = Request::builder()
        .method("POST")
        .uri("http://localhost:9229/")
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.ListUsers",
        )
        .body(BODY.as_bytes().to_vec())
        .expect("valid request");
    sign_with(&mut request, Signing::default());
    assert!(request.headers().get("host").is_none());
    let mut headers = wire_headers(&request);
    headers.push(("Host".to_owned(), "localhost:9229".to_owned()));
    assert_eq!(
        verify_parts(&request, &headers, request.body(), NOW),
        verified(REGION)
    );
    let last = headers.len() - 1;
    headers[last].1 = "localhost:9230".to_owned();
    assert_eq!(
        verify_parts(&request, &headers, request.body(), NOW),
        Err(SigV4Error::SignatureMismatch)
    );
}

fn presigned(mut signing: Signing) -> Request<Vec<u8>> {
    signing.settings.signature_location = SignatureLocation::QueryParams;
    signing.settings.expires_in = Some(Duration::from_secs(120));
    signed(signing)
}

#[test]
fn presigned_url_verifies_until_it_expires() {
    let request = presigned(Signing::default());
    let query = request.uri().query().expect("has query").to_owned();
    assert!(query.contains("X-Amz-Signature="), "{query}");
    assert!(request.headers().get("authorization").is_none());

    assert_eq!(verify_now(&request), verified(REGION));
    assert_eq!(verify_at(&request, NOW + 120), verified(REGION));
    assert_eq!(verify_at(&request, NOW - SKEW), verified(REGION));
    assert!(matches!(
        verify_at(&request, NOW + 121),
        Err(SigV4Error::Expired { .. })
    ));
    assert!(matches!(
        verify_at(&request, NOW - SKEW - 1),
        Err(SigV4Error::Expired { .. })
    ));
}

#[test]
fn presigned_url_tampering_and_errors() {
    let request = presigned(Signing::default());
    let uri = request.uri().to_string();

    let mut tampered = presigned(Signing::default());
    *tampered.uri_mut() = uri
        .replace("X-Amz-Expires=120", "X-Amz-Expires=600")
        .parse()
        .expect("uri");
    assert_eq!(verify_now(&tampered), Err(SigV4Error::SignatureMismatch));

    let mut tampered = presigned(Signing::default());
    set_header(
        &mut tampered,
        "x-amz-target",
        "AWSCognitoIdentityProviderService.AdminDeleteUser",
    );
    assert_eq!(verify_now(&tampered), Err(SigV4Error::SignatureMismatch));

    let wrong_secret = presigned(Signing {
        secret: "nope",
        ..Signing::default()
    });
    assert_eq!(
        verify_now(&wrong_secret),
        Err(SigV4Error::SignatureMismatch)
    );

    let wrong_service = presigned(Signing {
        service: "s3",
        ..Signing::default()
    });
    assert_eq!(
        verify_now(&wrong_service),
        Err(SigV4Error::WrongService(SERVICE.to_owned()))
    );

    let mut incomplete = presigned(Signing::default());
    *incomplete.uri_mut() = uri
        .replace("X-Amz-Credential=", "X-Amz-Credentia1=")
        .parse()
        .expect("uri");
    malformed_message(verify_now(&incomplete));

    let mut both = request;
    let header_signed = signed(Signing::default());
    set_header(
        &mut both,
        "authorization",
        &header(&header_signed, "authorization"),
    );
    malformed_message(verify_now(&both));
}

#[test]
fn presigned_url_with_session_token() {
    let request = presigned(Signing {
        session_token: Some("SessionTokenForPresigning"),
        ..Signing::default()
    });
    assert!(
        request
            .uri()
            .query()
            .expect("query")
            .contains("X-Amz-Security-Token=SessionTokenForPresigning")
    );
    assert_eq!(verify_now(&request), verified(REGION));
}
