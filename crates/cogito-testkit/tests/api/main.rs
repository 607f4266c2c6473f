//! Compatibility suite: the official AWS SDK for Rust (real SigV4 signing, endpoint override)
//! against a spawned cogito. One binary, one module per operation family.

mod auth;
mod bad_input;
mod clients;
mod groups;
mod helpers;
mod pools;
mod self_service;
mod signup;
mod sigv4;
mod smtp;
mod tokens;
mod users_admin;
