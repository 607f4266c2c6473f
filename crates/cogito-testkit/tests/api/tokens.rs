//! Tokens checked by an independent verifier: the pool JWKS fetched over HTTP, `jsonwebtoken`
//! for RS256 signatures and the standard claims, then every claim of reference §3.2/§3.3,
//! lifetimes (§3.4), groups, refresh (§3.5), discovery and issuer configuration.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cogito_core::Clock;
use cogito_testkit::sdk::operation::create_user_pool_client::builders::CreateUserPoolClientFluentBuilder;
use cogito_testkit::sdk::types::{
    AttributeDataType, AuthFlowType, AuthenticationResultType, ExplicitAuthFlowsType,
    MessageActionType, NumberAttributeConstraintsType, SchemaAttributeType,
    StringAttributeConstraintsType, TimeUnitsType, TokenValidityUnitsType,
};
use cogito_testkit::{TestApp, TestOptions};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde_json::{Value, json};

use crate::helpers::{admin_login, attr, confirmed_user};

const PW: &str = "Passw0rd!";

// ---- an independent verifier ----

/// The pool's JWKS, fetched over HTTP.
async fn jwks(app: &TestApp, pool: &str) -> Value {
    let r = reqwest::get(format!("{}/{pool}/.well-known/jwks.json", app.url))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// The decoded JOSE header, as raw JSON.
fn header(token: &str) -> Value {
    let h = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap()
}

/// The JWK whose `kid` the token names.
fn key_for<'a>(set: &'a Value, token: &str) -> &'a Value {
    let kid = header(token)["kid"].as_str().expect("kid").to_string();
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("kid is in the JWKS")
}

fn decoding_key(jwk: &Value) -> DecodingKey {
    DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
        .unwrap()
}

/// Verifies a token with `jsonwebtoken`: RS256, issuer, `exp`, and `aud` when given.
fn verify(
    set: &Value,
    token: &str,
    issuer: &str,
    aud: Option<&str>,
) -> jsonwebtoken::errors::Result<Value> {
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[issuer]);
    match aud {
        Some(a) => v.set_audience(&[a]),
        None => v.validate_aud = false,
    }
    v.set_required_spec_claims(&["exp", "iss", "sub"]);
    jsonwebtoken::decode::<Value>(token, &decoding_key(key_for(set, token)), &v).map(|d| d.claims)
}

/// ID and access claims of a sign-in, verified.
async fn verified(
    app: &TestApp,
    pool: &str,
    client: &str,
    t: &AuthenticationResultType,
) -> (Value, Value) {
    let set = jwks(app, pool).await;
    let issuer = format!("{}/{pool}", app.url);
    let id = verify(&set, t.id_token.as_deref().unwrap(), &issuer, Some(client))
        .expect("ID token verifies");
    let access = verify(&set, t.access_token.as_deref().unwrap(), &issuer, None)
        .expect("access token verifies");
    (id, access)
}

fn keys_of(v: &Value) -> BTreeSet<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn is_uuid(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    let groups: Vec<usize> = s.split('-').map(str::len).collect();
    groups == [8, 4, 4, 4, 12] && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

async fn custom_client(
    app: &TestApp,
    pool: &str,
    f: impl FnOnce(CreateUserPoolClientFluentBuilder) -> CreateUserPoolClientFluentBuilder,
) -> String {
    let b = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("tokens")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth);
    f(b).send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap()
}

async fn refresh(app: &TestApp, client: &str, token: &str) -> AuthenticationResultType {
    app.sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", token)
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap()
}

/// A pool with custom attributes `custom:age` (Number) and `custom:team` (String).
async fn pool_with_custom_attributes(app: &TestApp) -> String {
    app.sdk
        .create_user_pool()
        .pool_name("custom")
        .schema(
            SchemaAttributeType::builder()
                .name("age")
                .attribute_data_type(AttributeDataType::Number)
                .mutable(true)
                .number_attribute_constraints(
                    NumberAttributeConstraintsType::builder()
                        .min_value("0")
                        .max_value("200")
                        .build(),
                )
                .build(),
        )
        .schema(
            SchemaAttributeType::builder()
                .name("team")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .string_attribute_constraints(
                    StringAttributeConstraintsType::builder()
                        .max_length("20")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap()
}

// ---- keys and headers ----

#[tokio::test]
async fn jwks_publishes_two_rsa_signing_keys() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let set = jwks(&app, &pool).await;
    let keys = set["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    for k in keys {
        assert_eq!(k["kty"], "RSA");
        assert_eq!(k["use"], "sig");
        assert_eq!(k["alg"], "RS256");
        assert_eq!(k["e"], "AQAB");
        let n = URL_SAFE_NO_PAD
            .decode(k["n"].as_str().unwrap())
            .expect("n is base64url");
        assert_eq!(n.len(), 256, "2048-bit modulus");
        let kid = k["kid"].as_str().unwrap();
        assert_eq!(kid.len(), 44, "Cognito-style kid: {kid}");
        base64::engine::general_purpose::STANDARD
            .decode(kid)
            .expect("kid is standard base64");
        DecodingKey::from_rsa_components(k["n"].as_str().unwrap(), k["e"].as_str().unwrap())
            .unwrap();
    }
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);
    // Stable across requests.
    assert_eq!(jwks(&app, &pool).await, set);
}

#[tokio::test]
async fn headers_name_a_published_key_and_id_and_access_keys_differ() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    let set = jwks(&app, &pool).await;
    let (id, access) = (
        t.id_token.as_deref().unwrap(),
        t.access_token.as_deref().unwrap(),
    );
    for token in [id, access] {
        let h = header(token);
        assert_eq!(
            keys_of(&h),
            BTreeSet::from(["alg", "kid"]),
            "header is exactly kid + alg: {h}"
        );
        assert_eq!(h["alg"], "RS256");
        assert_eq!(key_for(&set, token)["kid"], h["kid"]);
        let parsed = jsonwebtoken::decode_header(token).unwrap();
        assert_eq!(parsed.alg, Algorithm::RS256);
        assert!(parsed.typ.is_none());
    }
    assert_ne!(header(id)["kid"], header(access)["kid"]);
    // Each token verifies only with its own key.
    let issuer = format!("{}/{pool}", app.url);
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[&issuer]);
    v.validate_aud = false;
    let access_key = decoding_key(key_for(&set, access));
    let e = jsonwebtoken::decode::<Value>(id, &access_key, &v).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidSignature);
    verified(&app, &pool, &client, &t).await;
}

// ---- claims ----

#[tokio::test]
async fn id_token_carries_every_documented_claim() {
    let app = TestApp::spawn().await;
    let pool = pool_with_custom_attributes(&app).await;
    let (client, _) = app.client(&pool, false).await;
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("email", "alice@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .user_attributes(attr("custom:age", "12"))
        .user_attributes(attr("custom:team", "blue"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    app.sdk
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .password(PW)
        .permanent(true)
        .send()
        .await
        .unwrap();
    let sub = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap()
        .user_attributes
        .unwrap()
        .into_iter()
        .find(|a| a.name == "sub")
        .and_then(|a| a.value)
        .unwrap();
    let now = app.clock.now_secs();
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    let (id, access) = verified(&app, &pool, &client, &t).await;

    assert_eq!(id["sub"], sub.as_str());
    assert_eq!(id["iss"], format!("{}/{pool}", app.url));
    assert_eq!(id["aud"], client.as_str());
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["auth_time"], json!(now));
    assert_eq!(id["iat"], json!(now));
    assert_eq!(id["exp"], json!(now + 3600));
    assert!(is_uuid(&id["event_id"]), "event_id: {}", id["event_id"]);
    assert!(is_uuid(&id["jti"]), "jti: {}", id["jti"]);
    assert!(
        is_uuid(&id["origin_jti"]),
        "origin_jti: {}",
        id["origin_jti"]
    );
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(
        id["email_verified"],
        json!(true),
        "email_verified is a JSON bool"
    );
    assert_eq!(
        id["custom:age"],
        json!("12"),
        "custom attributes are strings"
    );
    assert_eq!(id["custom:team"], json!("blue"));
    assert!(id.get("cognito:groups").is_none());
    assert!(
        id.get("username").is_none() && id.get("client_id").is_none() && id.get("scope").is_none()
    );

    // Both tokens share the authentication event.
    assert_eq!(access["event_id"], id["event_id"]);
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert_ne!(access["jti"], id["jti"]);
}

#[tokio::test]
async fn access_token_carries_every_documented_claim() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let now = app.clock.now_secs();
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    let (id, access) = verified(&app, &pool, &client, &t).await;
    let expected = BTreeSet::from([
        "sub",
        "iss",
        "client_id",
        "token_use",
        "scope",
        "auth_time",
        "iat",
        "exp",
        "username",
        "event_id",
        "jti",
        "origin_jti",
    ]);
    assert_eq!(keys_of(&access), expected, "access claims: {access}");
    assert_eq!(access["sub"], id["sub"]);
    assert_eq!(access["iss"], format!("{}/{pool}", app.url));
    assert_eq!(access["client_id"], client.as_str());
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["auth_time"], json!(now));
    assert_eq!(access["iat"], json!(now));
    assert_eq!(access["exp"], json!(now + 3600));
    assert_eq!(access["username"], "alice");
    for c in ["event_id", "jti", "origin_jti"] {
        assert!(is_uuid(&access[c]), "{c}: {}", access[c]);
    }
    // The ID token of a plain pool: no more than the documented set plus readable attributes.
    let id_expected = BTreeSet::from([
        "sub",
        "iss",
        "aud",
        "token_use",
        "auth_time",
        "iat",
        "exp",
        "cognito:username",
        "event_id",
        "jti",
        "origin_jti",
        "email",
        "email_verified",
    ]);
    assert_eq!(keys_of(&id), id_expected, "ID claims: {id}");
}

#[tokio::test]
async fn every_sign_in_gets_fresh_identifiers() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let a = admin_login(&app, &pool, &client, "alice", PW).await;
    let b = admin_login(&app, &pool, &client, "alice", PW).await;
    let (ia, aa) = verified(&app, &pool, &client, &a).await;
    let (ib, ab) = verified(&app, &pool, &client, &b).await;
    for c in ["jti", "origin_jti", "event_id"] {
        assert_ne!(ia[c], ib[c], "{c}");
        assert_ne!(aa[c], ab[c], "{c}");
    }
}

// ---- lifetimes ----

#[tokio::test]
async fn lifetimes_follow_the_client_settings() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let client = custom_client(&app, &pool, |b| {
        b.access_token_validity(10)
            .id_token_validity(2)
            .token_validity_units(
                TokenValidityUnitsType::builder()
                    .access_token(TimeUnitsType::Minutes)
                    .id_token(TimeUnitsType::Hours)
                    .build(),
            )
    })
    .await;
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    assert_eq!(t.expires_in, 600);
    let (id, access) = verified(&app, &pool, &client, &t).await;
    assert_eq!(
        access["exp"].as_i64().unwrap() - access["iat"].as_i64().unwrap(),
        600
    );
    assert_eq!(
        id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(),
        7200
    );
    // Refreshed tokens get the same lifetimes.
    app.clock.advance_secs(30);
    let r = refresh(&app, &client, t.refresh_token.as_deref().unwrap()).await;
    assert_eq!(r.expires_in, 600);
    let (id, access) = verified(&app, &pool, &client, &r).await;
    assert_eq!(
        access["exp"].as_i64().unwrap() - access["iat"].as_i64().unwrap(),
        600
    );
    assert_eq!(
        id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(),
        7200
    );
}

#[tokio::test]
async fn lifetimes_default_to_hours_when_no_units_are_given() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let client = custom_client(&app, &pool, |b| {
        b.access_token_validity(2).id_token_validity(3)
    })
    .await;
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    assert_eq!(t.expires_in, 7200);
    let (id, access) = verified(&app, &pool, &client, &t).await;
    assert_eq!(
        access["exp"].as_i64().unwrap() - access["iat"].as_i64().unwrap(),
        7200
    );
    assert_eq!(
        id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(),
        3 * 3600
    );
}

#[tokio::test]
async fn expired_tokens_fail_verification_and_token_authorised_calls() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let client = custom_client(&app, &pool, |b| {
        b.access_token_validity(5).token_validity_units(
            TokenValidityUnitsType::builder()
                .access_token(TimeUnitsType::Minutes)
                .build(),
        )
    })
    .await;
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    let at = t.access_token.unwrap();
    app.sdk.get_user().access_token(&at).send().await.unwrap();
    app.clock.advance_secs(5 * 60);
    let r = app.sdk.get_user().access_token(&at).send().await;
    assert_eq!(
        crate::helpers::err(r),
        (
            "NotAuthorizedException".into(),
            "Access Token has expired".into()
        )
    );
}

// ---- groups ----

#[tokio::test]
async fn groups_appear_in_both_tokens_after_joining() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let before = admin_login(&app, &pool, &client, "alice", PW).await;
    let (id, access) = verified(&app, &pool, &client, &before).await;
    assert!(id.get("cognito:groups").is_none());
    assert!(access.get("cognito:groups").is_none());
    for g in ["admins", "staff"] {
        app.sdk
            .create_group()
            .user_pool_id(&pool)
            .group_name(g)
            .send()
            .await
            .unwrap();
        app.sdk
            .admin_add_user_to_group()
            .user_pool_id(&pool)
            .username("alice")
            .group_name(g)
            .send()
            .await
            .unwrap();
    }
    let after = admin_login(&app, &pool, &client, "alice", PW).await;
    let (id, access) = verified(&app, &pool, &client, &after).await;
    let names = |v: &Value| -> BTreeSet<String> {
        v["cognito:groups"]
            .as_array()
            .expect("cognito:groups is an array")
            .iter()
            .map(|g| g.as_str().unwrap().to_string())
            .collect()
    };
    let expected = BTreeSet::from(["admins".to_string(), "staff".to_string()]);
    assert_eq!(names(&id), expected);
    assert_eq!(names(&access), expected);
    // Group changes also show up in tokens refreshed from the earlier sign-in.
    let r = refresh(&app, &client, before.refresh_token.as_deref().unwrap()).await;
    let (id, access) = verified(&app, &pool, &client, &r).await;
    assert_eq!(names(&id), expected);
    assert_eq!(names(&access), expected);
}

// ---- refresh ----

#[tokio::test]
async fn refresh_keeps_auth_time_and_origin_jti() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    let (id0, access0) = verified(&app, &pool, &client, &t).await;
    app.clock.advance_secs(120);
    let r = refresh(&app, &client, t.refresh_token.as_deref().unwrap()).await;
    let (id1, access1) = verified(&app, &pool, &client, &r).await;
    for (before, after) in [(&id0, &id1), (&access0, &access1)] {
        assert_eq!(after["auth_time"], before["auth_time"]);
        assert_eq!(after["origin_jti"], before["origin_jti"]);
        assert_eq!(after["sub"], before["sub"]);
        assert_ne!(after["jti"], before["jti"]);
        assert_eq!(
            after["iat"].as_i64().unwrap(),
            before["iat"].as_i64().unwrap() + 120
        );
        assert_eq!(
            after["exp"].as_i64().unwrap(),
            before["exp"].as_i64().unwrap() + 120
        );
    }
    assert_eq!(id1["token_use"], "id");
    assert_eq!(access1["token_use"], "access");
    assert_eq!(access1["scope"], "aws.cognito.signin.user.admin");
}

// ---- discovery and issuer ----

#[tokio::test]
async fn discovery_document_agrees_with_issuer_and_jwks() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let r = reqwest::get(format!(
        "{}/{pool}/.well-known/openid-configuration",
        app.url
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    let issuer = format!("{}/{pool}", app.url);
    assert_eq!(doc["issuer"], issuer.as_str());
    assert_eq!(doc["jwks_uri"], format!("{issuer}/.well-known/jwks.json"));
    assert!(
        doc["id_token_signing_alg_values_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("RS256"))
    );
    let from_uri: Value = reqwest::get(doc["jwks_uri"].as_str().unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(from_uri, jwks(&app, &pool).await);
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    let (id, access) = verified(&app, &pool, &client, &t).await;
    assert_eq!(id["iss"], doc["issuer"]);
    assert_eq!(access["iss"], doc["issuer"]);
}

#[tokio::test]
async fn cognito_style_issuer() {
    let app = TestApp::spawn_with(TestOptions {
        cognito_issuer: true,
        ..Default::default()
    })
    .await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    let issuer = format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}");
    let set = jwks(&app, &pool).await;
    let id = verify(&set, t.id_token.as_deref().unwrap(), &issuer, Some(&client))
        .expect("ID token verifies");
    let access = verify(&set, t.access_token.as_deref().unwrap(), &issuer, None)
        .expect("access token verifies");
    assert_eq!(id["iss"], issuer.as_str());
    assert_eq!(access["iss"], issuer.as_str());
    let doc: Value = reqwest::get(format!(
        "{}/{pool}/.well-known/openid-configuration",
        app.url
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(doc["issuer"], issuer.as_str());
    assert_eq!(doc["jwks_uri"], format!("{issuer}/.well-known/jwks.json"));
    // The tokens are still accepted by cogito itself.
    let me = app
        .sdk
        .get_user()
        .access_token(t.access_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.username, "alice");
    // The local-style issuer is not what these tokens carry.
    let local = format!("{}/{pool}", app.url);
    let e = verify(&set, t.id_token.as_deref().unwrap(), &local, Some(&client)).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidIssuer);
}

// ---- tampering and wrong inputs ----

#[tokio::test]
async fn tampered_payload_fails_verification() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    let set = jwks(&app, &pool).await;
    let issuer = format!("{}/{pool}", app.url);
    for (token, aud) in [
        (t.id_token.unwrap(), Some(client.as_str())),
        (t.access_token.unwrap(), None),
    ] {
        let parts: Vec<&str> = token.split('.').collect();
        let mut claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        claims["sub"] = json!("00000000-0000-0000-0000-000000000000");
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            parts[2]
        );
        let e = verify(&set, &forged, &issuer, aud).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::InvalidSignature);
        // cogito refuses it as well.
        if aud.is_none() {
            let r = app.sdk.get_user().access_token(&forged).send().await;
            assert_eq!(
                crate::helpers::err(r),
                (
                    "NotAuthorizedException".into(),
                    "Invalid Access Token".into()
                )
            );
        }
        // Untouched, it verifies.
        verify(&set, &token, &issuer, aud).unwrap();
    }
}

#[tokio::test]
async fn id_token_is_not_accepted_as_an_access_token() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    let r = app
        .sdk
        .get_user()
        .access_token(t.id_token.unwrap())
        .send()
        .await;
    assert_eq!(
        crate::helpers::err(r),
        (
            "NotAuthorizedException".into(),
            "Invalid Access Token".into()
        )
    );
}

#[tokio::test]
async fn unknown_pool_has_no_metadata() {
    let app = TestApp::spawn().await;
    app.pool("p").await;
    for path in ["jwks.json", "openid-configuration"] {
        let r = reqwest::get(format!(
            "{}/us-east-1_NoSuchPool/.well-known/{path}",
            app.url
        ))
        .await
        .unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn deleted_pool_has_no_metadata() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    jwks(&app, &pool).await;
    app.sdk
        .delete_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    for path in ["jwks.json", "openid-configuration"] {
        let r = reqwest::get(format!("{}/{pool}/.well-known/{path}", app.url))
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn pools_have_their_own_keys() {
    let app = TestApp::spawn().await;
    let a = app.pool("a").await;
    let b = app.pool("b").await;
    let (client, _) = app.client(&a, false).await;
    confirmed_user(&app, &a, "alice", PW).await;
    let t = admin_login(&app, &a, &client, "alice", PW).await;
    let (ka, kb) = (jwks(&app, &a).await, jwks(&app, &b).await);
    let kids = |s: &Value| -> BTreeSet<String> {
        s["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(kids(&ka).is_disjoint(&kids(&kb)));
    let kid = header(t.id_token.as_deref().unwrap())["kid"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(kids(&ka).contains(&kid) && !kids(&kb).contains(&kid));
}

#[tokio::test]
async fn read_attributes_limit_the_id_token() {
    let app = TestApp::spawn().await;
    let pool = pool_with_custom_attributes(&app).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    app.sdk
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("custom:team", "blue"))
        .send()
        .await
        .unwrap();
    let client = custom_client(&app, &pool, |b| {
        b.read_attributes("email").read_attributes("custom:team")
    })
    .await;
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    let (id, _) = verified(&app, &pool, &client, &t).await;
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["custom:team"], "blue");
    assert!(
        id.get("email_verified").is_none(),
        "email_verified is not readable: {id}"
    );
    // Claims that are not attributes stay.
    for c in ["sub", "cognito:username", "aud", "token_use"] {
        assert!(id.get(c).is_some(), "{c}");
    }
}

#[tokio::test]
async fn without_token_revocation_tokens_carry_no_jti() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let client = custom_client(&app, &pool, |b| b.enable_token_revocation(false)).await;
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    let (id, access) = verified(&app, &pool, &client, &t).await;
    assert!(
        id.get("jti").is_none() && id.get("origin_jti").is_none(),
        "ID claims: {id}"
    );
    assert!(access.get("jti").is_none(), "access claims: {access}");
    assert!(is_uuid(&id["event_id"]) && is_uuid(&access["event_id"]));
}

#[tokio::test]
async fn email_username_pool_tokens_carry_the_internal_username() {
    let app = TestApp::spawn().await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("by-email")
        .username_attributes(cogito_testkit::sdk::types::UsernameAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let (client, _) = app.client(&pool, false).await;
    let email = "alice@example.com";
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username(email)
        .user_attributes(attr("email", email))
        .user_attributes(attr("email_verified", "true"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    app.sdk
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username(email)
        .password(PW)
        .permanent(true)
        .send()
        .await
        .unwrap();
    let internal = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username(email)
        .send()
        .await
        .unwrap()
        .username;
    let t = admin_login(&app, &pool, &client, email, PW).await;
    let (id, access) = verified(&app, &pool, &client, &t).await;
    assert_eq!(id["cognito:username"], internal.as_str());
    assert_eq!(access["username"], internal.as_str());
    assert_eq!(id["email"], email);
    assert!(is_uuid(&id["cognito:username"]));
}
