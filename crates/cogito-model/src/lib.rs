//! The Cognito user-pools service model (botocore `cognito-idp` 2016-04-18, Apache-2.0 data),
//! embedded and resolved once.
//!
//! * [`model`] — the parsed model: operations ([`Operation`]), whether each is public
//!   (`smithy.api#noAuth`, see [`NO_AUTH_SCHEME`]), input/output/error shape names.
//! * [`validate_input`] — checks a request body against an operation's input shape and
//!   produces the `InvalidParameterException` / `SerializationException` messages Cognito
//!   (Coral) sends.
//! * [`Operation::redact_input`] / [`Operation::redact_output`] — walk a body along its shapes
//!   so the values the model marks `sensitive` can be masked ([`Visit`]).
//! * [`lower_camel`] — the member-name form used in validation messages.

mod pattern;
mod raw;
mod redact;
mod service;
mod shape;
mod validate;

use std::sync::LazyLock;

pub use redact::Visit;
pub use service::{ModelError, NO_AUTH_AUTHTYPE, NO_AUTH_SCHEME, Operation, ServiceModel};
pub use validate::{ValidationError, validate_input};

/// The botocore model file, embedded at compile time.
pub const MODEL_JSON: &str = include_str!("../model/cognito-idp-service-2.json");

static MODEL: LazyLock<ServiceModel> = LazyLock::new(|| {
    // The embedded file is fixed at compile time; the test-suite proves it loads.
    ServiceModel::from_json(MODEL_JSON).expect("the embedded cognito-idp service model is valid")
});

/// The embedded service model, parsed and resolved on first use (`std::sync::LazyLock`).
/// Regular expressions are compiled lazily, once per distinct pattern.
pub fn model() -> &'static ServiceModel {
    &MODEL
}

/// The member-name form Coral uses in validation messages: the first character lower-cased,
/// the rest unchanged (`UserPoolId` → `userPoolId`, `ClientId` → `clientId`,
/// `SMSMfaSettings` → `sMSMfaSettings`, like DynamoDB's `sSESpecification`).
pub fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
