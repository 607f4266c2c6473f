//! Token issuing and checking: per-pool RSA signing keys (encrypted at rest, parsed once and
//! cached), JWT compact serialisation signed with aws-lc-rs, the claim sets of reference
//! §3.2/§3.3, JWKS, and verification of our own access tokens for token-authorised calls.

pub mod claims;
pub mod jwt;
pub mod keys;
pub mod verified;

pub use keys::{KeyRing, PoolKeys, Rotation, SigningKey};
