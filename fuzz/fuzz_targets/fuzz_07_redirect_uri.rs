//! FUZZ-07: redirect-URI matching — a match is byte equality, or a registered loopback URI
//! without a port matching the same URI with any port; nothing else.
#![no_main]

use cogito_core::service::oauth::redirect_matches;
use cogito_fuzz::parts;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 3);
    let registered = vec![p[0].clone(), p[1].clone()];
    let given = &p[2];
    let matched = redirect_matches(&registered, given);
    if registered.contains(given) {
        assert!(matched);
    }
    if matched && !registered.contains(given) {
        let loopback = ["http://127.0.0.1:", "http://[::1]:", "http://localhost:"];
        assert!(
            loopback.iter().any(|l| given.starts_with(l)),
            "{given} matched {registered:?} without being one of them"
        );
    }
});
