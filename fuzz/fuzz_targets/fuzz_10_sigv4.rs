//! FUZZ-10: the SigV4 verifier — any `Authorization`, `X-Amz-Date`, query and body: no panic,
//! and nothing verifies without the secret key.
#![no_main]

use cogito_fuzz::parts;
use cogito_sigv4::{CredentialLookup, SignedRequest, verify};
use libfuzzer_sys::fuzz_target;

struct OneKey;

impl CredentialLookup for OneKey {
    fn secret_for(&self, access_key_id: &str) -> Option<String> {
        (access_key_id == "AKIDEXAMPLE").then(|| "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into())
    }
}

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 5);
    let headers = vec![
        (
            "host".to_string(),
            "cognito-idp.us-east-1.amazonaws.com".to_string(),
        ),
        ("authorization".to_string(), p[0].clone()),
        ("x-amz-date".to_string(), p[1].clone()),
        ("x-amz-content-sha256".to_string(), p[2].clone()),
    ];
    let req = SignedRequest {
        method: "POST",
        path: "/",
        query: &p[3],
        headers: &headers,
        body: p[4].as_bytes(),
    };
    let verified = verify(&req, &OneKey, "cognito-idp", 1_440_938_160, 300);
    assert!(
        verified.is_err(),
        "verified without a valid signature: {p:?}"
    );
});
