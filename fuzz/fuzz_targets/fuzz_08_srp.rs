//! FUZZ-08: the SRP server's inputs — `SRP_A` and `TIMESTAMP` parsing (`A ≡ 0 mod N` never
//! accepted, oversized `A` refused before any arithmetic, timestamps round-trip), and the
//! `PASSWORD_VERIFIER` step with arbitrary fields never signs anyone in.
#![no_main]

use cogito_core::srp::{MAX_A_HEX, format_timestamp, parse_a, parse_timestamp};
use cogito_fuzz::{assert_client_error, harness, parts};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 4);
    if parse_a(&p[0]).is_ok() {
        assert!(p[0].len() <= MAX_A_HEX, "an oversized A was parsed");
        assert!(!p[0].trim_start_matches('0').is_empty(), "A = 0 accepted");
    }
    if let Some(secs) = parse_timestamp(&p[1]) {
        assert_eq!(format_timestamp(secs), p[1]);
    }
    let h = harness();
    let started = h.call(
        "InitiateAuth",
        json!({ "ClientId": h.client, "AuthFlow": "USER_SRP_AUTH",
            "AuthParameters": { "USERNAME": "alice", "SRP_A": p[0] } }),
    );
    assert_client_error("InitiateAuth", &started);
    let Ok(challenge) = started else {
        return;
    };
    let answer = h.call(
        "RespondToAuthChallenge",
        json!({ "ClientId": h.client, "ChallengeName": "PASSWORD_VERIFIER",
            "Session": challenge["Session"],
            "ChallengeResponses": { "USERNAME": "alice", "TIMESTAMP": p[1],
                "PASSWORD_CLAIM_SECRET_BLOCK": p[2], "PASSWORD_CLAIM_SIGNATURE": p[3] } }),
    );
    assert_client_error("RespondToAuthChallenge", &answer);
    assert!(
        answer.is_err(),
        "signed in without the password: {answer:?}"
    );
});
