//! FUZZ-15: attribute validation and conversion — any name and value through AdminCreateUser:
//! refused as a client error, or stored and read back exactly (after Cognito's conversions of
//! booleans).
#![no_main]

use cogito_fuzz::{assert_client_error, harness, parts};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 2);
    let (name, value) = (&p[0], &p[1]);
    let h = harness();
    let created = h.call(
        "AdminCreateUser",
        json!({ "UserPoolId": h.pool, "Username": "fuzzed", "MessageAction": "SUPPRESS",
            "UserAttributes": [{ "Name": name, "Value": value }] }),
    );
    assert_client_error("AdminCreateUser", &created);
    if created.is_ok() {
        let user = h
            .call(
                "AdminGetUser",
                json!({ "UserPoolId": h.pool, "Username": "fuzzed" }),
            )
            .expect("the created user");
        let stored = user["UserAttributes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["Name"] == name.as_str())
            .and_then(|a| a["Value"].as_str())
            .map(str::to_owned);
        if let Some(stored) = stored {
            assert!(
                stored == *value || stored.eq_ignore_ascii_case(value),
                "{name} stored as {stored:?}, given {value:?}"
            );
        }
        let _ = h.call(
            "AdminDeleteUser",
            json!({ "UserPoolId": h.pool, "Username": "fuzzed" }),
        );
    }
});
