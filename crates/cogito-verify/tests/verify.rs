//! `cogito-verify` against a spawned cogito: real tokens pass; expired, future, foreign-issuer,
//! wrong-use, wrong-client, tampered, `alg: none`, HS256-with-the-public-key and unknown-`kid`
//! tokens fail with distinct errors; key rotation is picked up by a rate-limited refetch; a
//! Cognito-style issuer verifies offline from a preloaded JWKS; the axum extractor and layer
//! answer 200/401/403.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRef, State};
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use axum::{Extension, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cogito_testkit::sdk::types::{
    AttributeDataType, AttributeType, AuthFlowType, MessageActionType, SchemaAttributeType,
};
use cogito_testkit::{TestApp, TestOptions};
use cogito_verify::axum::{Authenticated, VerifyLayer};
use cogito_verify::{Claims, TokenUse, Verifier, VerifyError};
use serde_json::{Value, json};
use tower::ServiceExt;

const PW: &str = "Passw0rd!";

// ---- fixtures ----

/// A pool with a `custom:team` attribute, a client, and user `alice` (group `admins`) and
/// `bob` (no group).
struct Fixture {
    app: TestApp,
    pool: String,
    client: String,
    issuer: String,
}

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

async fn fixture_with(opts: TestOptions) -> Fixture {
    let cognito = opts.cognito_issuer;
    let app = TestApp::spawn_with(opts).await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("verify")
        .schema(
            SchemaAttributeType::builder()
                .name("team")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let (client, _) = app.client(&pool, false).await;
    for user in ["alice", "bob"] {
        app.sdk
            .admin_create_user()
            .user_pool_id(&pool)
            .username(user)
            .user_attributes(attr("email", &format!("{user}@example.com")))
            .user_attributes(attr("email_verified", "true"))
            .user_attributes(attr("custom:team", "blue"))
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        app.sdk
            .admin_set_user_password()
            .user_pool_id(&pool)
            .username(user)
            .password(PW)
            .permanent(true)
            .send()
            .await
            .unwrap();
    }
    app.sdk
        .create_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .send()
        .await
        .unwrap();
    app.sdk
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("alice")
        .group_name("admins")
        .send()
        .await
        .unwrap();
    let issuer = if cognito {
        format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}")
    } else {
        format!("{}/{pool}", app.url)
    };
    Fixture {
        app,
        pool,
        client,
        issuer,
    }
}

async fn fixture() -> Fixture {
    fixture_with(TestOptions::default()).await
}

/// `(id_token, access_token)` of an AdminInitiateAuth sign-in.
async fn login(f: &Fixture, client: &str, user: &str) -> (String, String) {
    let r = f
        .app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&f.pool)
        .client_id(client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", user)
        .auth_parameters("PASSWORD", PW)
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    (r.id_token.unwrap(), r.access_token.unwrap())
}

fn jwks_url(f: &Fixture) -> String {
    format!("{}/{}/.well-known/jwks.json", f.app.url, f.pool)
}

async fn jwks(f: &Fixture) -> String {
    reqwest::get(jwks_url(f))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// A verifier for the fixture's pool, fetching the JWKS from the server.
fn verifier(f: &Fixture) -> Verifier {
    Verifier::builder(&f.issuer)
        .jwks_url(jwks_url(f))
        .client_ids([f.client.clone()])
        .build()
        .unwrap()
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

fn part(token: &str, i: usize) -> Value {
    let p = token.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

fn payload(token: &str) -> Value {
    part(token, 1)
}

fn kid(token: &str) -> String {
    part(token, 0)["kid"].as_str().unwrap().to_owned()
}

/// A fresh RSA-2048 key pair, unknown to cogito.
fn fresh_key() -> aws_lc_rs::signature::RsaKeyPair {
    use aws_lc_rs::encoding::AsDer;
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let der = pair.as_der().unwrap();
    aws_lc_rs::signature::RsaKeyPair::from_pkcs8(der.as_ref()).unwrap()
}

/// A properly RS256-signed token with `claims`, signed by `key` and naming `kid`.
fn forge(kid: &str, key: &aws_lc_rs::signature::RsaKeyPair, claims: &Value) -> String {
    cogito_core::token::jwt::sign(kid, key, claims)
}

// ---- DER, for the public key as an HMAC secret ----

fn der_len(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        let mut out = vec![0x80 | bytes.len() as u8];
        out.extend(bytes);
        out
    }
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(der_len(content.len()));
    out.extend_from_slice(content);
    out
}

fn der_uint(bytes: &[u8]) -> Vec<u8> {
    let mut v = bytes.to_vec();
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    der(0x02, &v)
}

/// The JWK's public key as PEM (`BEGIN PUBLIC KEY`, SubjectPublicKeyInfo) and raw modulus.
fn public_key_forms(jwk: &Value) -> (String, Vec<u8>) {
    let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
    let e = URL_SAFE_NO_PAD.decode(jwk["e"].as_str().unwrap()).unwrap();
    let rsa = der(0x30, &[der_uint(&n), der_uint(&e)].concat());
    // rsaEncryption OID 1.2.840.113549.1.1.1, NULL parameters.
    let alg = der(
        0x30,
        &[
            der(
                0x06,
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
            ),
            vec![0x05, 0x00],
        ]
        .concat(),
    );
    let bits = der(0x03, &[&[0u8][..], &rsa].concat());
    let spki = der(0x30, &[alg, bits].concat());
    let b = STANDARD.encode(spki);
    let lines: Vec<&str> = b
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    );
    (pem, n)
}

// ---- valid tokens ----

#[tokio::test]
async fn valid_id_and_access_tokens_verify_with_their_claims() {
    let f = fixture().await;
    let (id, access) = login(&f, &f.client, "alice").await;
    let v = verifier(&f);

    let c = v.verify_id(&id).await.expect("ID token verifies");
    let raw = payload(&id);
    assert_eq!(c.sub, raw["sub"].as_str().unwrap());
    assert_eq!(c.username, "alice");
    assert_eq!(c.groups, ["admins"]);
    assert!(c.has_group("admins") && !c.has_group("users"));
    assert!(c.scopes.is_empty());
    assert_eq!(c.token_use, "id");
    assert_eq!(c.client_id, f.client);
    assert_eq!(c.issuer, f.issuer);
    assert_eq!(c.exp, raw["exp"].as_i64().unwrap());
    assert_eq!(c.iat, raw["iat"].as_i64().unwrap());
    assert_eq!(c.auth_time, raw["auth_time"].as_i64());
    assert_eq!(c.email.as_deref(), Some("alice@example.com"));
    assert_eq!(
        c.custom.get("custom:team").map(String::as_str),
        Some("blue")
    );
    assert_eq!(c.raw, raw);

    let c = v
        .verify_access(&access)
        .await
        .expect("access token verifies");
    assert_eq!(c.username, "alice");
    assert_eq!(c.token_use, "access");
    assert_eq!(c.client_id, f.client);
    assert_eq!(c.scopes, ["aws.cognito.signin.user.admin"]);
    assert!(c.has_scope("aws.cognito.signin.user.admin"));
    assert_eq!(c.groups, ["admins"]);
    assert!(c.custom.is_empty());

    // The default token use accepts both.
    v.verify(&id).await.unwrap();
    v.verify(&access).await.unwrap();
    // So does a verifier that checks no client, and one built from a trailing-slash issuer.
    let any = Verifier::builder(format!("{}/", f.issuer)).build().unwrap();
    any.verify(&id).await.unwrap();
    any.verify(&access).await.unwrap();
    // Required groups and scopes that are present.
    let strict = Verifier::builder(&f.issuer)
        .client_ids(["other", f.client.as_str()])
        .token_use(TokenUse::Access)
        .required_groups(["admins"])
        .required_scopes(["aws.cognito.signin.user.admin"])
        .build()
        .unwrap();
    strict.verify(&access).await.unwrap();
}

// ---- each refusal has its own error ----

#[tokio::test]
async fn expired_and_future_tokens_fail() {
    let f = fixture().await;
    // Issued two hours ago: a one-hour token expired an hour ago.
    f.app.clock.advance_secs(-2 * 3600);
    let (id, access) = login(&f, &f.client, "alice").await;
    // Issued two hours from now.
    f.app.clock.advance_secs(4 * 3600);
    let (future_id, future_access) = login(&f, &f.client, "alice").await;
    let v = verifier(&f);
    assert_eq!(v.verify(&id).await, Err(VerifyError::Expired));
    assert_eq!(v.verify(&access).await, Err(VerifyError::Expired));
    assert_eq!(v.verify(&future_id).await, Err(VerifyError::NotYetValid));
    assert_eq!(
        v.verify(&future_access).await,
        Err(VerifyError::NotYetValid)
    );
    // A leeway wider than the skew accepts them.
    let lenient = Verifier::builder(&f.issuer)
        .jwks_url(jwks_url(&f))
        .leeway(Duration::from_secs(3 * 3600))
        .build()
        .unwrap();
    lenient.verify(&id).await.unwrap();
    lenient.verify(&future_access).await.unwrap();
}

#[tokio::test]
async fn wrong_issuer_fails() {
    let f = fixture().await;
    let (id, access) = login(&f, &f.client, "alice").await;
    for issuer in [
        format!("{}/us-east-1_Other", f.app.url),
        format!("https://cognito-idp.us-east-1.amazonaws.com/{}", f.pool),
    ] {
        let v = Verifier::builder(issuer)
            .jwks_url(jwks_url(&f))
            .build()
            .unwrap();
        assert_eq!(v.verify(&id).await, Err(VerifyError::WrongIssuer));
        assert_eq!(v.verify(&access).await, Err(VerifyError::WrongIssuer));
    }
}

#[tokio::test]
async fn wrong_token_use_fails() {
    let f = fixture().await;
    let (id, access) = login(&f, &f.client, "alice").await;
    let v = verifier(&f);
    assert_eq!(v.verify_access(&id).await, Err(VerifyError::WrongTokenUse));
    assert_eq!(v.verify_id(&access).await, Err(VerifyError::WrongTokenUse));
    let only_id = Verifier::builder(&f.issuer)
        .jwks_url(jwks_url(&f))
        .token_use(TokenUse::Id)
        .build()
        .unwrap();
    assert_eq!(
        only_id.verify(&access).await,
        Err(VerifyError::WrongTokenUse)
    );
    only_id.verify(&id).await.unwrap();
}

#[tokio::test]
async fn wrong_client_fails() {
    let f = fixture().await;
    let (other, _) = f.app.client(&f.pool, false).await;
    let (id, access) = login(&f, &other, "alice").await;
    let v = verifier(&f);
    assert_eq!(v.verify(&id).await, Err(VerifyError::WrongClient));
    assert_eq!(v.verify(&access).await, Err(VerifyError::WrongClient));
    let (id, access) = login(&f, &f.client, "alice").await;
    let strangers = Verifier::builder(&f.issuer)
        .jwks_url(jwks_url(&f))
        .client_ids(["someone-else"])
        .build()
        .unwrap();
    assert_eq!(strangers.verify(&id).await, Err(VerifyError::WrongClient));
    assert_eq!(
        strangers.verify(&access).await,
        Err(VerifyError::WrongClient)
    );
}

#[tokio::test]
async fn missing_group_or_scope_fails() {
    let f = fixture().await;
    let (bob_id, bob_access) = login(&f, &f.client, "bob").await;
    let v = Verifier::builder(&f.issuer)
        .jwks_url(jwks_url(&f))
        .required_groups(["admins"])
        .build()
        .unwrap();
    assert_eq!(
        v.verify(&bob_id).await,
        Err(VerifyError::MissingGroup("admins".into()))
    );
    assert_eq!(
        v.verify(&bob_access).await,
        Err(VerifyError::MissingGroup("admins".into()))
    );
    let v = Verifier::builder(&f.issuer)
        .jwks_url(jwks_url(&f))
        .required_scopes(["orders/read"])
        .build()
        .unwrap();
    assert_eq!(
        v.verify_access(&bob_access).await,
        Err(VerifyError::MissingScope("orders/read".into()))
    );
}

#[tokio::test]
async fn tampered_tokens_fail_with_bad_signature() {
    let f = fixture().await;
    let (id, access) = login(&f, &f.client, "bob").await;
    let v = verifier(&f);
    for token in [&id, &access] {
        let parts: Vec<&str> = token.split('.').collect();
        // Payload changed (escalate to a group), signature kept.
        let mut claims = payload(token);
        claims["cognito:groups"] = json!(["admins"]);
        let tampered = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);
        assert_eq!(v.verify(&tampered).await, Err(VerifyError::BadSignature));
        // Signature changed.
        let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        sig[10] ^= 1;
        let flipped = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig));
        assert_eq!(v.verify(&flipped).await, Err(VerifyError::BadSignature));
        // No signature at all.
        let sig_only = format!("{}.{}.", parts[0], parts[1]);
        assert_eq!(v.verify(&sig_only).await, Err(VerifyError::BadSignature));
    }
    // Signed by a foreign key but naming a real kid.
    let forged = forge(&kid(&id), &fresh_key(), &payload(&id));
    assert_eq!(v.verify(&forged).await, Err(VerifyError::BadSignature));
    // The untouched tokens still pass.
    v.verify(&id).await.unwrap();
    v.verify(&access).await.unwrap();
}

#[tokio::test]
async fn alg_none_fails_as_unsupported_algorithm() {
    let f = fixture().await;
    let (id, access) = login(&f, &f.client, "alice").await;
    let v = verifier(&f);
    for token in [&id, &access] {
        let claims = payload(token);
        let bare = format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&claims));
        assert_eq!(
            v.verify(&bare).await,
            Err(VerifyError::UnsupportedAlgorithm("none".into()))
        );
        let with_kid = format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "kid": kid(token)})),
            b64(&claims)
        );
        assert_eq!(
            v.verify(&with_kid).await,
            Err(VerifyError::UnsupportedAlgorithm("none".into()))
        );
        let upper = format!("{}.{}.", b64(&json!({"alg": "None"})), b64(&claims));
        assert_eq!(
            v.verify(&upper).await,
            Err(VerifyError::UnsupportedAlgorithm("None".into()))
        );
    }
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_fails_as_unsupported_algorithm() {
    let f = fixture().await;
    let (id, access) = login(&f, &f.client, "alice").await;
    let set: Value = serde_json::from_str(&jwks(&f).await).unwrap();
    let v = verifier(&f);
    for token in [&id, &access] {
        let k = kid(token);
        let jwk = set["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["kid"] == k.as_str())
            .unwrap();
        let (pem, n) = public_key_forms(jwk);
        let e_raw = URL_SAFE_NO_PAD.decode(jwk["e"].as_str().unwrap()).unwrap();
        for secret in [pem.as_bytes().to_vec(), n.clone(), [n, e_raw].concat()] {
            let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
            header.kid = Some(k.clone());
            let forged = jsonwebtoken::encode(
                &header,
                &payload(token),
                &jsonwebtoken::EncodingKey::from_secret(&secret),
            )
            .unwrap();
            assert_eq!(
                v.verify(&forged).await,
                Err(VerifyError::UnsupportedAlgorithm("HS256".into()))
            );
        }
        // Other algorithms are refused the same way, before any key is used.
        for alg in ["HS512", "RS512", "PS256", "ES256"] {
            let t = format!(
                "{}.{}.AAAA",
                b64(&json!({"alg": alg, "kid": k})),
                b64(&payload(token))
            );
            assert_eq!(
                v.verify(&t).await,
                Err(VerifyError::UnsupportedAlgorithm(alg.into()))
            );
        }
    }
}

#[tokio::test]
async fn unknown_kid_and_malformed_tokens_fail() {
    let f = fixture().await;
    let (id, _) = login(&f, &f.client, "alice").await;
    let v = verifier(&f);
    let forged = forge("no-such-kid", &fresh_key(), &payload(&id));
    assert_eq!(
        v.verify(&forged).await,
        Err(VerifyError::UnknownKid("no-such-kid".into()))
    );
    for junk in [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!.!!.!!",
        &format!("{}.{}.", b64(&json!({"kid": kid(&id)})), b64(&payload(&id))),
        &format!("{}.{}.", b64(&json!({"alg": "RS256"})), b64(&payload(&id))),
        &format!(
            "{}.{}.",
            b64(&json!({"alg": "RS256", "kid": kid(&id), "crit": ["exp"]})),
            b64(&payload(&id))
        ),
        &"a".repeat(20_000),
    ] {
        assert_eq!(v.verify(junk).await, Err(VerifyError::Malformed), "{junk}");
    }
    // A validly signed token without `token_use`.
    let key = fresh_key();
    let mut claims = payload(&id);
    claims.as_object_mut().unwrap().remove("token_use");
    let own = Verifier::builder(&f.issuer)
        .jwks_json(&json!({"keys": [jwk_of(&key, "mine")]}).to_string())
        .build()
        .unwrap();
    assert_eq!(
        own.verify(&forge("mine", &key, &claims)).await,
        Err(VerifyError::Malformed)
    );
    own.verify(&forge("mine", &key, &payload(&id)))
        .await
        .expect("a self-made key in a preloaded JWKS verifies");
}

/// The public JWK of a key pair.
fn jwk_of(key: &aws_lc_rs::signature::RsaKeyPair, kid: &str) -> Value {
    use aws_lc_rs::signature::KeyPair;
    let pk = key.public_key();
    json!({
        "kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
        "n": URL_SAFE_NO_PAD.encode(pk.modulus().big_endian_without_leading_zero()),
        "e": URL_SAFE_NO_PAD.encode(pk.exponent().big_endian_without_leading_zero()),
    })
}

// ---- key rotation and refetching ----

/// A local JWKS server that relays cogito's JWKS and counts requests.
async fn counting_jwks(upstream: String) -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let app = Router::new().route(
        "/jwks.json",
        get(move || {
            let c = c.clone();
            let upstream = upstream.clone();
            async move {
                c.fetch_add(1, Ordering::SeqCst);
                let v: Value = reqwest::get(upstream).await.unwrap().json().await.unwrap();
                Json(v)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/jwks.json"), count)
}

/// New signing keys for the pool: the server signs with them from now on.
async fn rotate(f: &Fixture) {
    f.app
        .state
        .core
        .keys
        .create_for_pool(&f.pool)
        .await
        .unwrap();
    f.app.state.core.keys.forget(&f.pool);
}

#[tokio::test]
async fn key_rotation_is_picked_up_by_a_rate_limited_refetch() {
    let f = fixture().await;
    let (url, fetches) = counting_jwks(jwks_url(&f)).await;
    let (id1, _) = login(&f, &f.client, "alice").await;
    let v = Verifier::builder(&f.issuer)
        .jwks_url(&url)
        .jwks_json(&jwks(&f).await)
        .client_ids([f.client.clone()])
        .min_refetch_interval(Duration::from_secs(3600))
        .build()
        .unwrap();
    v.verify(&id1).await.unwrap();
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        0,
        "preloaded keys need no fetch"
    );

    rotate(&f).await;
    let (id2, access2) = login(&f, &f.client, "alice").await;
    assert_ne!(kid(&id1), kid(&id2), "the pool signs with a new key");
    v.verify(&id2).await.expect("the new key is fetched");
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    v.verify(&access2).await.unwrap();
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "both new keys came in one fetch"
    );

    // Another unknown kid within the interval: refused without a fetch.
    let forged = forge("rotated-away", &fresh_key(), &payload(&id2));
    assert_eq!(
        v.verify(&forged).await,
        Err(VerifyError::UnknownKid("rotated-away".into()))
    );
    assert_eq!(fetches.load(Ordering::SeqCst), 1);

    // An explicit refresh is not rate-limited.
    v.refresh_jwks().await.unwrap();
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn concurrent_misses_share_one_fetch_and_the_interval_expires() {
    let f = fixture().await;
    let (url, fetches) = counting_jwks(jwks_url(&f)).await;
    let (id, _) = login(&f, &f.client, "alice").await;
    // Real time: the interval must comfortably exceed what 16 debug-build verifications take
    // on a loaded 2-core machine (500 ms did not), and "within" is only judged while it holds.
    let interval = Duration::from_secs(2);
    let v = Verifier::builder(&f.issuer)
        .jwks_url(&url)
        .min_refetch_interval(interval)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let v = v.clone();
            let id = id.clone();
            tokio::spawn(async move { v.verify(&id).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().expect("verifies");
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "one fetch for 16 misses");

    let forged = forge("unknown", &fresh_key(), &payload(&id));
    assert_eq!(
        v.verify(&forged).await,
        Err(VerifyError::UnknownKid("unknown".into()))
    );
    if started.elapsed() < interval {
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "within the interval");
    }
    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    assert_eq!(
        v.verify(&forged).await,
        Err(VerifyError::UnknownKid("unknown".into()))
    );
    assert_eq!(fetches.load(Ordering::SeqCst), 2, "after the interval");
}

// ---- offline, Cognito-style issuer ----

/// A URL nothing listens on.
async fn closed_url() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}/jwks.json")
}

#[tokio::test]
async fn cognito_issuer_verifies_offline_with_a_preloaded_jwks() {
    let f = fixture_with(TestOptions {
        cognito_issuer: true,
        ..Default::default()
    })
    .await;
    let (id, access) = login(&f, &f.client, "alice").await;
    let set = jwks(&f).await;
    let v = Verifier::cognito("us-east-1", &f.pool)
        .jwks_json(&set)
        .jwks_url(closed_url().await)
        .client_ids([f.client.clone()])
        .build()
        .unwrap();
    assert_eq!(v.issuer(), f.issuer);
    let c = v.verify_id(&id).await.unwrap();
    assert_eq!(c.issuer, f.issuer);
    assert_eq!(c.username, "alice");
    v.verify_access(&access).await.unwrap();
    // The server going away changes nothing.
    drop(f.app);
    v.verify(&id).await.unwrap();
    // An unknown kid tries the (unreachable) JWKS URL and says so.
    let forged = forge("elsewhere", &fresh_key(), &payload(&id));
    assert!(matches!(v.verify(&forged).await, Err(VerifyError::Jwks(_))));
    // Default URL derivation for a Cognito issuer.
    let d = format!(
        "{:?}",
        Verifier::cognito("eu-west-1", "eu-west-1_X")
            .build()
            .unwrap()
    );
    assert!(
        d.contains("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X/.well-known/jwks.json"),
        "{d}"
    );
    // A broken preloaded document is refused at build time.
    assert!(matches!(
        Verifier::cognito("us-east-1", "p")
            .jwks_json("nope")
            .build(),
        Err(VerifyError::Jwks(_))
    ));
}

// ---- axum ----

#[derive(Clone)]
struct AppState {
    verifier: Verifier,
}

impl FromRef<AppState> for Verifier {
    fn from_ref(s: &AppState) -> Verifier {
        s.verifier.clone()
    }
}

async fn me(Authenticated(c): Authenticated) -> String {
    format!("{} {}", c.username, c.token_use)
}

async fn maybe(c: Option<Authenticated>) -> String {
    c.map_or_else(|| "anonymous".into(), |Authenticated(c)| c.username)
}

async fn call(app: &Router, path: &str, token: Option<&str>) -> (StatusCode, String, String) {
    let mut req = Request::get(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let challenge = resp
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, challenge, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn axum_extractor_and_layer() {
    let f = fixture().await;
    let (alice_id, alice_access) = login(&f, &f.client, "alice").await;
    let (_, bob_access) = login(&f, &f.client, "bob").await;
    let v = verifier(&f);
    let admins = Verifier::builder(&f.issuer)
        .jwks_url(jwks_url(&f))
        .client_ids([f.client.clone()])
        .required_groups(["admins"])
        .build()
        .unwrap();
    let admin_routes = Router::new()
        .route(
            "/admin",
            get(|Extension(c): Extension<Claims>| async move { format!("admin {}", c.username) }),
        )
        .route(
            "/admin/extract",
            get(|Authenticated(c): Authenticated| async move { c.sub }),
        )
        .layer(VerifyLayer::new(admins));
    let app = Router::new()
        .route("/me", get(me))
        .route("/maybe", get(maybe))
        .route(
            "/state",
            get(|State(s): State<AppState>| async move { s.verifier.issuer().to_owned() }),
        )
        .merge(admin_routes)
        .with_state(AppState { verifier: v });

    // Extractor.
    let (s, _, body) = call(&app, "/me", Some(&alice_access)).await;
    assert_eq!((s, body.as_str()), (StatusCode::OK, "alice access"));
    let (s, _, body) = call(&app, "/me", Some(&alice_id)).await;
    assert_eq!((s, body.as_str()), (StatusCode::OK, "alice id"));
    let (s, challenge, _) = call(&app, "/me", None).await;
    assert_eq!(
        (s, challenge.as_str()),
        (StatusCode::UNAUTHORIZED, "Bearer")
    );
    let tampered = format!("{alice_access}x");
    let (s, challenge, _) = call(&app, "/me", Some(&tampered)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        challenge.starts_with("Bearer error=\"invalid_token\", error_description=\""),
        "{challenge}"
    );
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none\"x"})),
        b64(&payload(&alice_access))
    );
    let (s, challenge, _) = call(&app, "/me", Some(&none)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenge,
        "Bearer error=\"invalid_token\", error_description=\"unsupported algorithm nonex\""
    );
    let (s, _, body) = call(&app, "/maybe", None).await;
    assert_eq!((s, body.as_str()), (StatusCode::OK, "anonymous"));
    let (s, _, body) = call(&app, "/maybe", Some(&alice_access)).await;
    assert_eq!((s, body.as_str()), (StatusCode::OK, "alice"));
    let (s, _, _) = call(&app, "/maybe", Some("junk")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Layer.
    let (s, _, body) = call(&app, "/admin", Some(&alice_access)).await;
    assert_eq!((s, body.as_str()), (StatusCode::OK, "admin alice"));
    let (s, _, body) = call(&app, "/admin/extract", Some(&alice_access)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body, payload(&alice_access)["sub"].as_str().unwrap());
    let (s, challenge, _) = call(&app, "/admin", Some(&bob_access)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        challenge,
        "Bearer error=\"insufficient_scope\", error_description=\"missing group admins\""
    );
    let (s, challenge, _) = call(&app, "/admin", None).await;
    assert_eq!(
        (s, challenge.as_str()),
        (StatusCode::UNAUTHORIZED, "Bearer")
    );
    let (s, challenge, _) = call(&app, "/admin", Some(&tampered)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    // Routes outside the layer are unaffected.
    let (s, _, body) = call(&app, "/state", None).await;
    assert_eq!((s, body), (StatusCode::OK, f.issuer.clone()));
}
