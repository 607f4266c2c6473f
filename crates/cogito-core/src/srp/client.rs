//! The client's side of an SRP sign-in, as amazon-cognito-identity-js and the AWS SDKs compute
//! it: the server never runs it. It is here, next to the server's side, for the test suites and
//! the load generator, which sign in as real clients do, so that the arithmetic is written once.

use num_bigint::BigUint;

use super::{G, K, N, private_key, scrambler, session_key};
use crate::crypto::{fill_random, hmac_sha256};

/// A client's ephemeral pair.
#[derive(Debug, Clone)]
pub struct ClientSide {
    /// The secret `a` (1024 random bits).
    pub a: BigUint,
    /// `A = g^a mod N`, sent as `SRP_A`.
    pub big_a: BigUint,
}

/// What a `PASSWORD_VERIFIER` (or `DEVICE_PASSWORD_VERIFIER`) challenge gives the client.
#[derive(Debug, Clone, Copy)]
pub struct Challenge<'a> {
    /// The pool's name (the part of its id after `_`), or the device group.
    pub realm: &'a str,
    /// `USER_ID_FOR_SRP`, or the device key.
    pub user_id: &'a str,
    /// `SALT`.
    pub salt: &'a BigUint,
    /// `SRP_B`.
    pub big_b: &'a BigUint,
    /// `SECRET_BLOCK`, decoded.
    pub secret_block: &'a [u8],
}

impl Default for ClientSide {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientSide {
    /// A fresh pair.
    pub fn new() -> Self {
        let mut bytes = [0u8; 128];
        fill_random(&mut bytes);
        let a = BigUint::from_bytes_be(&bytes);
        Self {
            big_a: G.modpow(&a, &N),
            a,
        }
    }

    /// `PASSWORD_CLAIM_SIGNATURE` for `challenge`, signed with the key that `password` gives:
    /// `S = (B − k·g^x)^(a + u·x)`, then `HMAC(K, realm || user_id || block || timestamp)`.
    pub fn claim(&self, challenge: &Challenge<'_>, password: &str, timestamp: &str) -> [u8; 32] {
        let Challenge {
            realm,
            user_id,
            salt,
            big_b,
            secret_block,
        } = *challenge;
        let u = scrambler(&self.big_a, big_b);
        let x = private_key(salt, realm, user_id, password);
        let kgx = (&*K * G.modpow(&x, &N)) % &*N;
        let s = ((big_b + &*N - kgx) % &*N).modpow(&(&self.a + &u * &x), &N);
        let key = session_key(&u, &s);
        let msg = [
            realm.as_bytes(),
            user_id.as_bytes(),
            secret_block,
            timestamp.as_bytes(),
        ]
        .concat();
        hmac_sha256(&key, &msg)
    }
}

/// The `TIMESTAMP` a client signs, from its own wall clock (the server checks it against its).
pub fn timestamp_now() -> String {
    #[allow(clippy::disallowed_methods)] // a client signs with its own wall clock
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    super::format_timestamp(now)
}
