//! FUZZ-03: access-token verification, by the server (`GetUser`) and by `cogito-verify` with
//! the pool's JWKS. Accepted only if byte-identical to a genuine token: any change, `alg`
//! swap or re-encoding is refused.
#![no_main]

use cogito_fuzz::{PUBLIC_URL, harness};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let h = harness();
    // Half the inputs mutate a genuine token: byte `data[0]` of it replaced by `data[1]`.
    let token = match data {
        [0, at, with, ..] => {
            let mut t = h.access_token.clone().into_bytes();
            let i = usize::from(*at) % t.len();
            t[i] = *with;
            String::from_utf8_lossy(&t).into_owned()
        }
        _ => String::from_utf8_lossy(data).into_owned(),
    };
    let genuine = token == h.access_token || token == h.id_token;
    let server = h.call("GetUser", json!({ "AccessToken": token }));
    if token != h.access_token {
        assert!(
            server.is_err(),
            "the server accepted a token it did not sign: {token}"
        );
    }
    let verifier = cogito_verify::Verifier::builder(format!("{PUBLIC_URL}/{}", h.pool))
        .jwks_json(&h.jwks)
        .build();
    if let Ok(verifier) = verifier {
        let verified = h.runtime.block_on(verifier.verify(&token));
        assert!(
            genuine || verified.is_err(),
            "cogito-verify accepted {token}"
        );
    }
});
