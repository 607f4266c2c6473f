//! Verifies the JWTs issued by cogito and Amazon Cognito user pools:
//! RS256 ID and access tokens, keys from the pool's JWKS (`{issuer}/.well-known/jwks.json`).
//!
//! * [`Verifier`] checks the signature (RS256 only: `none`, `HS*` and every other algorithm are
//!   refused before any key is touched), `exp`/`nbf`/`iat` with a leeway, `iss` exactly,
//!   `token_use`, the app client (`aud` of ID tokens, `client_id` of access tokens), and
//!   optionally required groups and scopes; each failure is its own [`VerifyError`] variant.
//! * The JWKS is parsed once into ready keys; a token naming an unknown `kid` (key rotation)
//!   triggers one refetch, at most once per [`VerifierBuilder::min_refetch_interval`].
//! * A preloaded JWKS ([`VerifierBuilder::jwks_json`]) verifies offline.
//! * [`axum`] holds an extractor ([`axum::Authenticated`]) and a tower layer
//!   ([`axum::VerifyLayer`]).
//!
//! ```no_run
//! # async fn run(token: &str) -> Result<(), cogito_verify::VerifyError> {
//! use cogito_verify::{TokenUse, Verifier, VerifyError};
//!
//! // A cogito pool: issuer `{public_url}/{poolId}`.
//! let verifier = Verifier::builder("https://auth.example.com/us-east-1_AbC123xyz")
//!     .client_ids(["7c2h1ftmi1jetkbnr5nj5m8a4"])
//!     .required_groups(["admins"])
//!     .build()?;
//! match verifier.verify_access(token).await {
//!     Ok(claims) => println!("{} in {:?}", claims.username, claims.groups),
//!     Err(VerifyError::Expired) => println!("sign in again"),
//!     Err(e) => println!("refused: {e}"),
//! }
//!
//! // Amazon Cognito, or cogito with Cognito-style issuers, with keys known in advance.
//! let jwks = r#"{"keys":[]}"#;
//! let offline = Verifier::cognito("us-east-1", "us-east-1_AbC123xyz")
//!     .jwks_json(jwks)
//!     .token_use(TokenUse::Id)
//!     .build()?;
//! # let _ = offline; Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod axum;
mod claims;
mod error;
mod verifier;

pub use claims::{Claims, TokenUse};
pub use error::VerifyError;
pub use verifier::{Verifier, VerifierBuilder};
