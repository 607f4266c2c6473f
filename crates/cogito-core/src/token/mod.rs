//! Token issuing: RSA signing keys per pool (encrypted at rest, parsed once), JWT claims and signing, JWKS.
