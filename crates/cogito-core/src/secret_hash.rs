//! `SECRET_HASH` (reference §5.7): Base64(HMAC-SHA256(clientSecret, username || clientId)).

use base64::Engine;
use hmac::{KeyInit, Mac};

use crate::crypto::secrets_equal;
use crate::error::{CoreError, CoreResult};
use crate::model::AppClient;

/// Computes the secret hash for a username.
pub fn compute(secret: &str, username: &str, client_id: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts any key length");
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks the secret hash a request carried, when the client has a secret. Any of `usernames`
/// may have been used by the caller (what they typed, or the internal username).
pub fn check(client: &AppClient, usernames: &[&str], provided: Option<&str>) -> CoreResult<()> {
    let Some(secret) = &client.secret else {
        return Ok(());
    };
    let id = &client.client_id;
    let Some(provided) = provided.filter(|p| !p.is_empty()) else {
        return Err(CoreError::NotAuthorized(format!(
            "Client {id} is configured for secret but secret was not received"
        )));
    };
    let ok = usernames
        .iter()
        .any(|u| secrets_equal(compute(secret, u, id).as_bytes(), provided.as_bytes()));
    if ok {
        Ok(())
    } else {
        Err(CoreError::NotAuthorized(format!(
            "Unable to verify secret hash for client {id}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_value() {
        // Computed independently with Python's hmac module.
        assert_eq!(
            compute("secret", "alice", "client"),
            "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0="
        );
    }
}
