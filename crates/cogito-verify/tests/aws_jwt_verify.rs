//! Compatibility with AWS's own verifier: `aws-jwt-verify`'s `CognitoJwtVerifier` (Node.js,
//! `tests/compat-js/verify.mjs`) accepts the ID and access tokens of a cogito run with
//! Cognito-style issuers, and rejects a tampered one. Node.js and `npm ci --prefix
//! tests/compat-js` are prerequisites (`cargo xtask test` installs them); a missing one fails
//! the test.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cogito_testkit::sdk::types::{AttributeType, AuthFlowType, MessageActionType};
use cogito_testkit::{TestApp, TestOptions};
use cogito_verify::Verifier;
use serde_json::Value;

const PW: &str = "Passw0rd!";

fn compat_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("workspace root")
        .join("tests/compat-js")
}

/// Runs `node verify.mjs` and returns its JSON verdict.
async fn aws_verify(pool: &str, token_use: &str, client: &str, token: &str, jwks: &str) -> Value {
    let dir = compat_dir();
    let module = dir.join("node_modules/aws-jwt-verify/package.json");
    assert!(
        module.is_file(),
        "{} is missing: run `npm ci --prefix tests/compat-js`; `cargo xtask test` does this",
        module.display()
    );
    let out = tokio::process::Command::new("node")
        .current_dir(&dir)
        .arg("verify.mjs")
        .args([pool, token_use, client, token, jwks])
        .output()
        .await
        .expect("node runs (install Node.js >= 18)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "verify.mjs failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test]
async fn aws_jwt_verify_accepts_cognito_issuer_tokens() {
    let app = TestApp::spawn_with(TestOptions {
        cognito_issuer: true,
        ..Default::default()
    })
    .await;
    let pool = app.pool("compat").await;
    let (client, _) = app.client(&pool, false).await;
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(
            AttributeType::builder()
                .name("email")
                .value("alice@example.com")
                .build()
                .unwrap(),
        )
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
    let tokens = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    let id = tokens.id_token.unwrap();
    let access = tokens.access_token.unwrap();
    let jwks = format!("{}/{pool}/.well-known/jwks.json", app.url);

    let r = aws_verify(&pool, "id", &client, &id, &jwks).await;
    assert_eq!(r["ok"], true, "ID token: {r}");
    assert_eq!(r["payload"]["cognito:username"], "alice");
    assert_eq!(r["payload"]["aud"], client.as_str());
    let r = aws_verify(&pool, "access", &client, &access, &jwks).await;
    assert_eq!(r["ok"], true, "access token: {r}");
    assert_eq!(r["payload"]["username"], "alice");
    assert_eq!(r["payload"]["client_id"], client.as_str());

    // The two verifiers agree on the same tokens.
    let ours = Verifier::cognito("us-east-1", &pool)
        .jwks_url(&jwks)
        .client_ids([client.clone()])
        .build()
        .unwrap();
    let sub = ours.verify_id(&id).await.unwrap().sub;
    assert_eq!(ours.verify_access(&access).await.unwrap().sub, sub);

    // A tampered payload is rejected.
    let parts: Vec<&str> = id.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).expect("payload");
    claims["cognito:username"] = "mallory".into();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    let r = aws_verify(&pool, "id", &client, &tampered, &jwks).await;
    assert_eq!(r["ok"], false, "tampered token: {r}");
    assert!(ours.verify_id(&tampered).await.is_err());
    // So are a token of the wrong use and one for another client.
    let r = aws_verify(&pool, "access", &client, &id, &jwks).await;
    assert_eq!(r["ok"], false, "ID token as access token: {r}");
    let r = aws_verify(&pool, "id", "someone-else", &id, &jwks).await;
    assert_eq!(r["ok"], false, "another client: {r}");
}
