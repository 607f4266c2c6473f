//! A plain SRP sign-in (`USER_SRP_AUTH` → `PASSWORD_VERIFIER`, reference §5.4–§5.5) over any SDK
//! client, timestamped with the wall clock: for tests of servers run as separate processes.
//! The API suite's own SRP tests (`tests/api/srp.rs`) drive each step separately, with the fake
//! clock.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cogito_core::crypto::{fill_random, hmac_sha256};
use cogito_core::srp::{G, K, N, format_timestamp, private_key, scrambler, session_key};
use num_bigint::BigUint;

use crate::sdk;
use sdk::error::ProvideErrorMetadata;
use sdk::types::{AuthFlowType, AuthenticationResultType, ChallengeNameType};

/// Signs `username` in with SRP through `client` of `pool`; the tokens, or the error's code
/// and message.
pub async fn srp_sign_in(
    sdk: &sdk::Client,
    pool: &str,
    client: &str,
    username: &str,
    password: &str,
) -> Result<AuthenticationResultType, (String, String)> {
    let fail = |code: Option<&str>, message: Option<&str>| {
        (
            code.unwrap_or_default().to_owned(),
            message.unwrap_or_default().to_owned(),
        )
    };
    let mut bytes = [0u8; 128];
    fill_random(&mut bytes);
    let a = BigUint::from_bytes_be(&bytes);
    let big_a = G.modpow(&a, &N);
    let started = sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("SRP_A", big_a.to_str_radix(16))
        .send()
        .await
        .map_err(|e| fail(e.code(), e.message()))?;
    assert_eq!(
        started.challenge_name,
        Some(ChallengeNameType::PasswordVerifier)
    );
    let params = started.challenge_parameters.unwrap_or_default();
    let realm = pool.split_once('_').map_or(pool, |(_, name)| name);
    let user_id = &params["USER_ID_FOR_SRP"];
    let salt = BigUint::parse_bytes(params["SALT"].as_bytes(), 16).expect("SALT");
    let big_b = BigUint::parse_bytes(params["SRP_B"].as_bytes(), 16).expect("SRP_B");
    let u = scrambler(&big_a, &big_b);
    let x = private_key(&salt, realm, user_id, password);
    let kgx = (&*K * G.modpow(&x, &N)) % &*N;
    let s = ((&big_b + &*N - kgx) % &*N).modpow(&(&a + &u * &x), &N);
    let key = session_key(&u, &s);
    let block = &params["SECRET_BLOCK"];
    #[allow(clippy::disallowed_methods)] // the server checks the claim against its wall clock
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let timestamp = format_timestamp(now);
    let msg = [
        realm.as_bytes(),
        user_id.as_bytes(),
        &STANDARD.decode(block).expect("SECRET_BLOCK"),
        timestamp.as_bytes(),
    ]
    .concat();
    sdk.respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", user_id)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", block)
        .challenge_responses("TIMESTAMP", timestamp)
        .challenge_responses(
            "PASSWORD_CLAIM_SIGNATURE",
            STANDARD.encode(hmac_sha256(&key, &msg)),
        )
        .send()
        .await
        .map_err(|e| fail(e.code(), e.message()))?
        .authentication_result
        .ok_or_else(|| fail(Some("NoTokens"), Some("no authentication result")))
}
