//! FUZZ-02: sequences of operations on one pool, with safety properties after each step:
//! tokens only for a proven password, a signed-out or deleted user's tokens never work again,
//! at most one user per name, and no server fault.
#![no_main]

use cogito_fuzz::{PASSWORD, assert_client_error, harness};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let h = harness();
    let names = ["bob", "Bob", "carol", "dave"];
    let passwords = [PASSWORD, "Wrong-Passw0rd!", "short", "Passw0rd!!"];
    // Tokens issued so far, by the name they were issued to; each user's password (the model).
    let mut issued: Vec<(&str, String)> = Vec::new();
    let mut passwords_of: std::collections::HashMap<&str, &str> = Default::default();
    for step in data.chunks(3).take(24) {
        let [op, a, b] = [
            step[0],
            *step.get(1).unwrap_or(&0),
            *step.get(2).unwrap_or(&0),
        ];
        let name = names[usize::from(a) % names.len()];
        let password = passwords[usize::from(b) % passwords.len()];
        let (op_name, input) = match op % 6 {
            0 => (
                "SignUp",
                json!({ "ClientId": h.client, "Username": name, "Password": password }),
            ),
            1 => (
                "AdminConfirmSignUp",
                json!({ "UserPoolId": h.pool, "Username": name }),
            ),
            2 => (
                "InitiateAuth",
                json!({ "ClientId": h.client, "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": { "USERNAME": name, "PASSWORD": password } }),
            ),
            3 => (
                "AdminUserGlobalSignOut",
                json!({ "UserPoolId": h.pool, "Username": name }),
            ),
            4 => (
                "AdminDeleteUser",
                json!({ "UserPoolId": h.pool, "Username": name }),
            ),
            _ => (
                "AdminSetUserPassword",
                json!({ "UserPoolId": h.pool, "Username": name, "Password": password, "Permanent": true }),
            ),
        };
        let result = h.call(op_name, input);
        assert_client_error(op_name, &result);
        if result.is_ok() {
            match op % 6 {
                0 | 5 => {
                    passwords_of.insert(name, password);
                }
                4 => {
                    passwords_of.remove(name);
                }
                _ => {}
            }
        }
        if let Ok(v) = &result
            && let Some(token) = v["AuthenticationResult"]["AccessToken"].as_str()
        {
            assert_eq!(
                passwords_of.get(name),
                Some(&password),
                "tokens for {name} without its password"
            );
            let me = h.call("GetUser", json!({ "AccessToken": token }));
            assert!(me.is_ok(), "a fresh token does not work: {me:?}");
            issued.push((name, token.to_owned()));
        }
        if matches!(op % 6, 3 | 4) && result.is_ok() {
            for (_, token) in issued.iter().filter(|(n, _)| *n == name) {
                let r = h.call("GetUser", json!({ "AccessToken": token }));
                assert!(
                    r.is_err(),
                    "{name}'s token works after sign-out or deletion"
                );
            }
            issued.retain(|(n, _)| *n != name);
        }
    }
    // Clean up so the next input starts from the same pool contents.
    for name in names {
        let _ = h.call(
            "AdminDeleteUser",
            json!({ "UserPoolId": h.pool, "Username": name }),
        );
    }
    let users = h
        .call("ListUsers", json!({ "UserPoolId": h.pool }))
        .expect("list");
    let listed = users["Users"].as_array().map_or(0, Vec::len);
    assert_eq!(listed, 1, "only alice remains: {users}");
});
