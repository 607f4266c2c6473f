//! FUZZ-04: JWKS parsing by `cogito-verify` — any document: no panic, and a genuine token is
//! accepted only when the document holds its key.
#![no_main]

use cogito_fuzz::{PUBLIC_URL, harness};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let h = harness();
    let jwks = String::from_utf8_lossy(data);
    let Ok(verifier) = cogito_verify::Verifier::builder(format!("{PUBLIC_URL}/{}", h.pool))
        .jwks_json(&jwks)
        .build()
    else {
        return;
    };
    let verified = h.runtime.block_on(verifier.verify(&h.access_token));
    if verified.is_ok() {
        // Only the pool's own key verifies its token.
        let genuine: serde_json::Value = serde_json::from_str(&h.jwks).expect("JWKS");
        let moduli: Vec<&str> = genuine["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| k["n"].as_str())
            .collect();
        assert!(
            moduli.iter().any(|n| jwks.contains(n)),
            "accepted with a document that lacks the key: {jwks}"
        );
    }
});
