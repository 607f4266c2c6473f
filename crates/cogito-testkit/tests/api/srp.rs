//! SRP sign-in through the SDK (reference §5.4–§5.5; security bar SEC-34, SEC-35): the
//! `USER_SRP_AUTH` → `PASSWORD_VERIFIER` exchange with and without a client secret, through
//! `InitiateAuth` and `AdminInitiateAuth`, and every way a claim must be refused. The client side
//! here is the reference's description written out (the real client libraries are in
//! `srp_clients.rs`).

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cogito_core::Clock;
use cogito_core::srp::client::{Challenge, ClientSide};
use cogito_core::srp::{G, N, format_timestamp, private_key};
use cogito_testkit::TestApp;
use cogito_testkit::sdk;
use cogito_testkit::sdk::types::{AuthFlowType as Flow, ChallengeNameType, ExplicitAuthFlowsType};
use num_bigint::BigUint;
use sdk::error::ProvideErrorMetadata;

use crate::helpers::{alias_pool, attr, client_with, confirmed_user, secret_hash};

const PW: &str = "Passw0rd!";

/// A pool (e-mail alias, existence errors as given) with an SRP client; `(pool, client, secret)`.
pub(crate) async fn srp_pool(
    app: &TestApp,
    secret: bool,
    prevent: bool,
) -> (String, String, Option<String>) {
    let pool = alias_pool(app, "srp").await;
    let flows = [
        ExplicitAuthFlowsType::AllowUserSrpAuth,
        ExplicitAuthFlowsType::AllowUserPasswordAuth,
        ExplicitAuthFlowsType::AllowRefreshTokenAuth,
    ];
    let (client, client_secret) = client_with(app, &pool, &flows, secret, prevent).await;
    (pool, client, client_secret)
}

/// The client's half of one exchange: its secret `a` and public `A`.
pub(crate) type Ephemeral = ClientSide;

pub(crate) fn ephemeral() -> Ephemeral {
    ClientSide::new()
}

/// Step 1 with `SRP_A`; the challenge parameters.
pub(crate) async fn initiate(
    app: &TestApp,
    client: &str,
    username: &str,
    srp_a: &str,
    secret: Option<&str>,
) -> Result<HashMap<String, String>, (String, String)> {
    let mut req = app
        .sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(Flow::UserSrpAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("SRP_A", srp_a);
    if let Some(s) = secret {
        req = req.auth_parameters("SECRET_HASH", secret_hash(s, username, client));
    }
    match req.send().await {
        Ok(out) => {
            assert_eq!(
                out.challenge_name,
                Some(ChallengeNameType::PasswordVerifier)
            );
            assert_eq!(out.session, None, "PASSWORD_VERIFIER has no Session");
            Ok(out.challenge_parameters.unwrap_or_default())
        }
        Err(e) => Err((
            e.code().unwrap_or_default().to_string(),
            e.message().unwrap_or_default().to_string(),
        )),
    }
}

/// The claim a client holding `password` answers with, signed at the server's time plus
/// `skew_secs`: `(PASSWORD_CLAIM_SECRET_BLOCK, TIMESTAMP, PASSWORD_CLAIM_SIGNATURE)`.
pub(crate) fn claim(
    app: &TestApp,
    pool: &str,
    params: &HashMap<String, String>,
    eph: &Ephemeral,
    password: &str,
    skew_secs: i64,
) -> (String, String, String) {
    let timestamp = format_timestamp(app.clock.now_ms() / 1000 + skew_secs);
    claim_at(pool, params, eph, password, timestamp)
}

/// The claim over any `TIMESTAMP` string.
fn claim_at(
    pool: &str,
    params: &HashMap<String, String>,
    eph: &Ephemeral,
    password: &str,
    timestamp: String,
) -> (String, String, String) {
    let realm = pool.split_once('_').unwrap().1;
    let user_id = &params["USER_ID_FOR_SRP"];
    let salt = BigUint::parse_bytes(params["SALT"].as_bytes(), 16).unwrap();
    let big_b = BigUint::parse_bytes(params["SRP_B"].as_bytes(), 16).unwrap();
    let block_text = params["SECRET_BLOCK"].clone();
    let block = STANDARD.decode(&block_text).unwrap();
    let challenge = Challenge {
        realm,
        user_id,
        salt: &salt,
        big_b: &big_b,
        secret_block: &block,
    };
    let signature = STANDARD.encode(eph.claim(&challenge, password, &timestamp));
    (block_text, timestamp, signature)
}

/// Step 2.
pub(crate) async fn respond(
    app: &TestApp,
    client: &str,
    user_id: &str,
    (block, timestamp, signature): &(String, String, String),
    secret: Option<&str>,
) -> Result<sdk::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput, (String, String)>
{
    let mut req = app
        .sdk
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", user_id)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", block)
        .challenge_responses("TIMESTAMP", timestamp)
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", signature);
    if let Some(s) = secret {
        req = req.challenge_responses("SECRET_HASH", secret_hash(s, user_id, client));
    }
    req.send().await.map_err(|e| {
        (
            e.code().unwrap_or_default().to_string(),
            e.message().unwrap_or_default().to_string(),
        )
    })
}

/// A whole SRP sign-in; the ID token's `cognito:username` on success.
pub(crate) async fn srp_sign_in(
    app: &TestApp,
    pool: &str,
    client: &str,
    username: &str,
    password: &str,
) -> Result<String, (String, String)> {
    let eph = ephemeral();
    let params = initiate(app, client, username, &eph.big_a.to_str_radix(16), None).await?;
    let c = claim(app, pool, &params, &eph, password, 0);
    let out = respond(app, client, &params["USER_ID_FOR_SRP"], &c, None).await?;
    let id = out.authentication_result.unwrap().id_token.unwrap();
    let payload = id.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    Ok(claims["cognito:username"].as_str().unwrap().to_string())
}

fn incorrect() -> (String, String) {
    (
        "NotAuthorizedException".into(),
        "Incorrect username or password.".into(),
    )
}

#[tokio::test]
async fn srp_sign_in_by_username_or_alias_returns_tokens() {
    let app = TestApp::spawn().await;
    let (pool, client, _) = srp_pool(&app, false, true).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    for name in ["alice", "alice@example.com"] {
        assert_eq!(
            srp_sign_in(&app, &pool, &client, name, PW).await,
            Ok("alice".into())
        );
    }
    let eph = ephemeral();
    let params = initiate(
        &app,
        &client,
        "alice@example.com",
        &eph.big_a.to_str_radix(16),
        None,
    )
    .await
    .unwrap();
    assert_eq!(params["USER_ID_FOR_SRP"], "alice");
    assert_eq!(params["USERNAME"], "alice");
    assert!(params["SALT"].chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        srp_sign_in(&app, &pool, &client, "alice", "Wrong#pass1").await,
        Err(incorrect())
    );
}

#[tokio::test]
async fn srp_with_a_client_secret_and_through_admin_initiate_auth() {
    let app = TestApp::spawn().await;
    let (pool, client, secret) = srp_pool(&app, true, true).await;
    let secret = secret.unwrap();
    confirmed_user(&app, &pool, "alice", PW).await;
    // Step 1 hashes the name typed, step 2 the internal username (reference §5.5).
    let eph = ephemeral();
    let params = initiate(
        &app,
        &client,
        "alice@example.com",
        &eph.big_a.to_str_radix(16),
        Some(&secret),
    )
    .await
    .unwrap();
    let c = claim(&app, &pool, &params, &eph, PW, 0);
    let out = respond(&app, &client, "alice", &c, Some(&secret))
        .await
        .unwrap();
    assert!(out.authentication_result.unwrap().access_token.is_some());
    // Without SECRET_HASH the first step is refused.
    let missing = initiate(&app, &client, "alice", &eph.big_a.to_str_radix(16), None).await;
    assert_eq!(missing.unwrap_err().0, "NotAuthorizedException");

    let eph = ephemeral();
    let admin = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(Flow::UserSrpAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("SRP_A", eph.big_a.to_str_radix(16))
        .auth_parameters("SECRET_HASH", secret_hash(&secret, "alice", &client))
        .send()
        .await
        .unwrap();
    let params = admin.challenge_parameters.unwrap();
    let (block, timestamp, signature) = claim(&app, &pool, &params, &eph, PW, 0);
    let out = app
        .sdk
        .admin_respond_to_auth_challenge()
        .user_pool_id(&pool)
        .client_id(&client)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", block)
        .challenge_responses("TIMESTAMP", timestamp)
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", signature)
        .challenge_responses("SECRET_HASH", secret_hash(&secret, "alice", &client))
        .send()
        .await
        .unwrap();
    assert!(out.authentication_result.unwrap().id_token.is_some());
}

/// SEC-35: `A ≡ 0 (mod N)` would let anyone in; it is refused, as is an `SRP_A` that is not hex
/// or longer than `N`.
#[tokio::test]
async fn sec_35_srp_a_zero_mod_n_or_malformed_is_refused() {
    let app = TestApp::spawn().await;
    let (_pool, client, _) = srp_pool(&app, false, true).await;
    let n = N.to_str_radix(16);
    let two_n = (&*N * 2u32).to_str_radix(16);
    for zero in ["0".to_string(), n.clone(), two_n, format!("0000{n}")] {
        let r = initiate(&app, &client, "alice", &zero, None).await;
        assert_eq!(r.unwrap_err().0, "NotAuthorizedException", "{zero}");
    }
    for bad in ["xyz".to_string(), "f".repeat(2000)] {
        let r = initiate(&app, &client, "alice", &bad, None).await;
        assert_eq!(r.unwrap_err().0, "InvalidParameterException");
    }
}

/// SEC-35: the secret block is single-use, cannot be altered or moved to another user, expires,
/// and the signed timestamp must be well-formed and near the server's time.
#[tokio::test]
async fn sec_35_secret_blocks_are_single_use_sealed_and_expire() {
    let app = TestApp::spawn().await;
    let (pool, client, _) = srp_pool(&app, false, true).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    confirmed_user(&app, &pool, "bob", PW).await;
    let start = |name: &'static str| {
        let (app, client) = (&app, &client);
        async move {
            let eph = ephemeral();
            let p = initiate(app, client, name, &eph.big_a.to_str_radix(16), None)
                .await
                .unwrap();
            (eph, p)
        }
    };
    // Replay: the identical answer a second time.
    let (eph, params) = start("alice").await;
    let c = claim(&app, &pool, &params, &eph, PW, 0);
    respond(&app, &client, "alice", &c, None).await.unwrap();
    assert_eq!(
        respond(&app, &client, "alice", &c, None).await.unwrap_err(),
        incorrect()
    );

    // One byte of the block flipped (the claim signed over the altered block).
    let (eph, mut params) = start("alice").await;
    let mut block = STANDARD.decode(&params["SECRET_BLOCK"]).unwrap();
    block[20] ^= 1;
    params.insert("SECRET_BLOCK".into(), STANDARD.encode(&block));
    let c = claim(&app, &pool, &params, &eph, PW, 0);
    assert_eq!(
        respond(&app, &client, "alice", &c, None).await.unwrap_err(),
        incorrect()
    );

    // Bob's block with Alice's proof.
    let (eph, mut params) = start("alice").await;
    let (_, bob) = start("bob").await;
    params.insert("SECRET_BLOCK".into(), bob["SECRET_BLOCK"].clone());
    let c = claim(&app, &pool, &params, &eph, PW, 0);
    assert_eq!(
        respond(&app, &client, "alice", &c, None).await.unwrap_err(),
        incorrect()
    );

    // Expired: AuthSessionValidity is 3 minutes.
    let (eph, params) = start("alice").await;
    app.clock.advance_secs(4 * 60);
    let c = claim(&app, &pool, &params, &eph, PW, 0);
    assert_eq!(
        respond(&app, &client, "alice", &c, None).await.unwrap_err(),
        incorrect()
    );

    // Timestamps: too far from the server's clock, or not in the strict format.
    let (eph, params) = start("alice").await;
    let c = claim(&app, &pool, &params, &eph, PW, 600);
    assert_eq!(
        respond(&app, &client, "alice", &c, None).await.unwrap_err(),
        incorrect()
    );
    // A claim correctly signed over a timestamp Cognito would not accept.
    let (eph, params) = start("alice").await;
    let now = format_timestamp(app.clock.now_ms() / 1000);
    let c = claim_at(&pool, &params, &eph, PW, now.replace(" UTC ", " GMT "));
    assert_eq!(
        respond(&app, &client, "alice", &c, None).await.unwrap_err(),
        incorrect()
    );
}

/// SEC-35/SEC-36: every failed proof counts toward the lockout the password flows share.
#[tokio::test]
async fn sec_35_failed_srp_proofs_count_toward_lockout() {
    let app = TestApp::spawn().await;
    let (pool, client, _) = srp_pool(&app, false, true).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    for _ in 0..5 {
        assert_eq!(
            srp_sign_in(&app, &pool, &client, "alice", "Wrong#pass1").await,
            Err(incorrect())
        );
    }
    let locked = srp_sign_in(&app, &pool, &client, "alice", PW).await;
    assert_eq!(
        locked,
        Err((
            "NotAuthorizedException".into(),
            "Password attempts exceeded".into()
        ))
    );
}

/// SEC-34: the verifier is stored sealed (no plaintext `v` in the database), replaced with
/// every password change, and bound to its user: swapped between two users it opens for
/// neither (fail closed).
#[tokio::test]
async fn sec_34_verifiers_are_sealed_replaced_and_bound_to_their_user() {
    let app = TestApp::spawn().await;
    let (pool, client, _) = srp_pool(&app, false, true).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    confirmed_user(&app, &pool, "bob", PW).await;
    let eph = ephemeral();
    let params = initiate(&app, &client, "alice", &eph.big_a.to_str_radix(16), None)
        .await
        .unwrap();
    let salt = BigUint::parse_bytes(params["SALT"].as_bytes(), 16).unwrap();
    let realm = pool.split_once('_').unwrap().1;
    let v = G.modpow(&private_key(&salt, realm, "alice", PW), &N);
    let stored = app.stored_bytes().await;
    for needle in [v.to_str_radix(16).into_bytes(), v.to_bytes_be()] {
        assert!(
            !stored.windows(needle.len()).any(|w| w == needle.as_slice()),
            "plaintext verifier in the database"
        );
    }

    // A password change replaces the verifier.
    app.sdk
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .password("Changed#pw1")
        .permanent(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        srp_sign_in(&app, &pool, &client, "alice", PW).await,
        Err(incorrect())
    );
    assert_eq!(
        srp_sign_in(&app, &pool, &client, "alice", "Changed#pw1").await,
        Ok("alice".into())
    );

    // Swap the sealed verifiers of alice and bob.
    let store = app.state.core.store_for_harness();
    let alice = store
        .get_user_by_sub(&pool, &sub_of(&app, &pool, "alice").await)
        .await
        .unwrap();
    let bob = store
        .get_user_by_sub(&pool, &sub_of(&app, &pool, "bob").await)
        .await
        .unwrap();
    for (user, other) in [(&alice, &bob), (&bob, &alice)] {
        let update = cogito_core::store::UserUpdate {
            modified_ms: 1,
            password: Some(cogito_core::store::NewPassword {
                hash: user.password_hash.clone().unwrap(),
                srp_verifier: other.srp_verifier.clone(),
                set_ms: user.password_set_ms,
                keep_history: 1,
            }),
            ..Default::default()
        };
        store
            .update_user(
                &pool,
                &user.sub,
                &update,
                &cogito_core::store::Effects::none(),
            )
            .await
            .unwrap();
    }
    for (name, pw) in [("alice", "Changed#pw1"), ("bob", PW)] {
        let r = srp_sign_in(&app, &pool, &client, name, pw).await;
        assert_eq!(r.unwrap_err().0, "InternalErrorException", "{name}");
    }
}

async fn sub_of(app: &TestApp, pool: &str, username: &str) -> String {
    app.sdk
        .admin_get_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .unwrap()
        .user_attributes
        .unwrap()
        .into_iter()
        .find(|a| a.name == "sub")
        .and_then(|a| a.value)
        .unwrap()
}

/// Unknown users: under ENABLED a challenge of the same shape whose salt and
/// `USER_ID_FOR_SRP` are stable per username, then `Incorrect username or password.`; under
/// LEGACY `UserNotFoundException` at once.
#[tokio::test]
async fn srp_for_an_unknown_user_looks_like_a_real_one() {
    let app = TestApp::spawn().await;
    let (pool, client, _) = srp_pool(&app, false, true).await;
    let a = ephemeral().big_a.to_str_radix(16);
    let first = initiate(&app, &client, "nobody", &a, None).await.unwrap();
    let again = initiate(&app, &client, "nobody", &a, None).await.unwrap();
    assert_eq!(first["SALT"], again["SALT"]);
    assert_eq!(first["USER_ID_FOR_SRP"], again["USER_ID_FOR_SRP"]);
    assert_ne!(first["SRP_B"], again["SRP_B"], "a fresh b every time");
    assert!(uuid_like(&first["USER_ID_FOR_SRP"]), "{first:?}");
    let other = initiate(&app, &client, "someone", &a, None).await.unwrap();
    assert_ne!(first["SALT"], other["SALT"]);
    assert_eq!(
        srp_sign_in(&app, &pool, &client, "nobody", PW).await,
        Err(incorrect())
    );

    let (_, legacy, _) = srp_pool(&app, false, false).await;
    let r = initiate(&app, &legacy, "nobody", &a, None).await;
    assert_eq!(r.unwrap_err().0, "UserNotFoundException");
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

/// An invited user proves the temporary password with SRP and gets `NEW_PASSWORD_REQUIRED`
/// (with a `Session`); a user whose status forbids sign-in learns it only after the proof under
/// ENABLED.
#[tokio::test]
async fn srp_continues_like_a_password_sign_in() {
    let app = TestApp::spawn().await;
    let (pool, client, _) = srp_pool(&app, false, true).await;
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("carol")
        .temporary_password("Temp#pass1")
        .user_attributes(attr("email", "carol@example.com"))
        .message_action(sdk::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let eph = ephemeral();
    let params = initiate(&app, &client, "carol", &eph.big_a.to_str_radix(16), None)
        .await
        .unwrap();
    let c = claim(&app, &pool, &params, &eph, "Temp#pass1", 0);
    let out = respond(&app, &client, "carol", &c, None).await.unwrap();
    assert_eq!(
        out.challenge_name,
        Some(ChallengeNameType::NewPasswordRequired)
    );
    assert!(out.session.is_some());

    confirmed_user(&app, &pool, "dave", PW).await;
    app.sdk
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("dave")
        .send()
        .await
        .unwrap();
    assert_eq!(
        srp_sign_in(&app, &pool, &client, "dave", "Wrong#pass1").await,
        Err(incorrect()),
        "the state is not told before the proof"
    );
    let (code, message) = srp_sign_in(&app, &pool, &client, "dave", PW)
        .await
        .unwrap_err();
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "User is disabled.")
    );
}

/// A password set before verifiers were stored (no verifier): SRP fails like a wrong password
/// until the next password sign-in stores the verifier, then SRP works.
#[tokio::test]
async fn a_password_sign_in_stores_a_missing_verifier() {
    let app = TestApp::spawn().await;
    let (pool, client, _) = srp_pool(&app, false, true).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let sub = sub_of(&app, &pool, "alice").await;
    let store = app.state.core.store_for_harness();
    let alice = store.get_user_by_sub(&pool, &sub).await.unwrap();
    let update = cogito_core::store::UserUpdate {
        modified_ms: 1,
        password: Some(cogito_core::store::NewPassword {
            hash: alice.password_hash.clone().unwrap(),
            srp_verifier: None,
            set_ms: alice.password_set_ms,
            keep_history: 1,
        }),
        ..Default::default()
    };
    store
        .update_user(&pool, &sub, &update, &cogito_core::store::Effects::none())
        .await
        .unwrap();
    assert_eq!(
        srp_sign_in(&app, &pool, &client, "alice", PW).await,
        Err(incorrect())
    );
    app.sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(Flow::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await
        .expect("password sign-in");
    assert_eq!(
        srp_sign_in(&app, &pool, &client, "alice", PW).await,
        Ok("alice".into())
    );
}
