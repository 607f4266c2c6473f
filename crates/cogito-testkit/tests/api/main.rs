//! Compatibility suite: the official AWS SDK for Rust (real SigV4 signing, endpoint override)
//! against a spawned cogito. One binary, one module per operation family.

mod alias_races;
mod auth;
mod bad_input;
mod clients;
mod config_cache;
mod config_races;
mod dev_trace;
mod domain_hosts;
mod domains;
mod faults;
mod groups;
mod hardening;
mod helpers;
mod hosted_ui;
mod integrity_races;
mod oauth_clients;
mod oauth_oidc_client;
mod oauth_scopes;
mod oauth_support;
mod pools;
mod races;
mod resource_servers;
mod sec_authorize;
mod sec_code;
mod sec_hosted_ui;
mod sec_jwt;
mod sec_token;
mod self_service;
mod signup;
mod sigv4;
mod smtp;
mod tokens;
mod ui_customization;
mod users_admin;
