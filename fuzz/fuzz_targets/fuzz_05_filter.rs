//! FUZZ-05: the `ListUsers` filter parser and its query — any string: no panic, and a filter
//! the parser accepts runs on the store (both SQL builders use bound parameters only).
#![no_main]

use cogito_fuzz::{assert_client_error, harness};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.len() > 512 {
        return;
    }
    let parsed = cogito_core::filter::parse(text);
    let h = harness();
    let listed = h.call("ListUsers", json!({ "UserPoolId": h.pool, "Filter": text }));
    assert_client_error("ListUsers", &listed);
    if let (Ok(Some(_)), Ok(v)) = (&parsed, &listed) {
        assert!(v["Users"].as_array().is_some_and(|u| u.len() <= 1), "{v}");
    }
});
