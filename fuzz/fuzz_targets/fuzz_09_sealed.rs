//! FUZZ-09: sealed blobs (codes, secrets, auth sessions and cookies are sealed with AES-256-GCM
//! under the master key): any input opens to an error, and so does any change of a genuine
//! blob; an auth `Session` of any shape is refused by the challenge answer.
#![no_main]

use std::sync::OnceLock;

use cogito_core::crypto::MasterKey;
use cogito_fuzz::{assert_client_error, harness};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fn key() -> &'static MasterKey {
    static KEY: OnceLock<MasterKey> = OnceLock::new();
    KEY.get_or_init(|| MasterKey::from_hex(&MasterKey::generate_hex()).expect("key"))
}

fuzz_target!(|data: &[u8]| {
    let key = key();
    assert!(key.open(data).is_err(), "a forged blob opened");
    if let [at, with, ..] = data {
        let mut sealed = key.seal(b"sealed secret");
        let i = usize::from(*at) % sealed.len();
        if sealed[i] != *with {
            sealed[i] = *with;
            assert!(key.open(&sealed).is_err(), "a changed blob opened");
        }
    }
    let h = harness();
    let session = String::from_utf8_lossy(data);
    let answer = h.call(
        "RespondToAuthChallenge",
        json!({ "ClientId": h.client, "ChallengeName": "SMS_MFA", "Session": session,
            "ChallengeResponses": { "USERNAME": "alice", "SMS_MFA_CODE": "123456" } }),
    );
    assert_client_error("RespondToAuthChallenge", &answer);
    assert!(answer.is_err(), "a forged session was accepted");
});
