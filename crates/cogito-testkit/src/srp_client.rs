//! A plain SRP sign-in (`USER_SRP_AUTH` → `PASSWORD_VERIFIER`, reference §5.4–§5.5) over any SDK
//! client, timestamped with the wall clock: for tests of servers run as separate processes.
//! The API suite's own SRP tests (`tests/api/srp.rs`) drive each step separately, with the fake
//! clock.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cogito_core::srp::client::{Challenge, ClientSide, timestamp_now};
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
    let side = ClientSide::new();
    let started = sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("SRP_A", side.big_a.to_str_radix(16))
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
    let block = &params["SECRET_BLOCK"];
    let secret_block = STANDARD.decode(block).expect("SECRET_BLOCK");
    let challenge = Challenge {
        realm,
        user_id,
        salt: &salt,
        big_b: &big_b,
        secret_block: &secret_block,
    };
    let timestamp = timestamp_now();
    let signature = side.claim(&challenge, password, &timestamp);
    sdk.respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", user_id)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", block)
        .challenge_responses("TIMESTAMP", timestamp)
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", STANDARD.encode(signature))
        .send()
        .await
        .map_err(|e| fail(e.code(), e.message()))?
        .authentication_result
        .ok_or_else(|| fail(Some("NoTokens"), Some("no authentication result")))
}
