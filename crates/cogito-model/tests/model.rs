//! Loading the embedded model: operations, public marker, patterns, metadata.

use std::collections::BTreeSet;

use cogito_model::{MODEL_JSON, NO_AUTH_SCHEME, ServiceModel, lower_camel, model};

/// The 34 public operations listed in the reference (§1.4).
const PUBLIC: &[&str] = &[
    "SignUp",
    "ConfirmSignUp",
    "ResendConfirmationCode",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "InitiateAuth",
    "RespondToAuthChallenge",
    "RevokeToken",
    "GetTokensFromRefreshToken",
    "ChangePassword",
    "GetUser",
    "UpdateUserAttributes",
    "DeleteUserAttributes",
    "DeleteUser",
    "GetUserAttributeVerificationCode",
    "VerifyUserAttribute",
    "GlobalSignOut",
    "ConfirmDevice",
    "GetDevice",
    "ListDevices",
    "ForgetDevice",
    "UpdateDeviceStatus",
    "SetUserMFAPreference",
    "SetUserSettings",
    "GetUserAuthFactors",
    "ListUserSessions",
    "RevokeUserSession",
    "StartWebAuthnRegistration",
    "CompleteWebAuthnRegistration",
    "ListWebAuthnCredentials",
    "DeleteWebAuthnCredential",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
    "UpdateAuthEventFeedback",
];

#[test]
fn embedded_model_parses() {
    // Proves the `expect` in `model()` never fires.
    let parsed = ServiceModel::from_json(MODEL_JSON);
    assert!(parsed.is_ok(), "{parsed:?}");
    assert_eq!(model().operations().count(), 141);
}

#[test]
fn metadata() {
    let m = model();
    assert_eq!(m.api_version(), "2016-04-18");
    assert_eq!(m.target_prefix(), "AWSCognitoIdentityProviderService");
    assert_eq!(m.signing_name(), "cognito-idp");
    assert_eq!(m.protocol(), "json");
    assert_eq!(m.json_version(), Some("1.1"));
}

#[test]
fn operations_are_sorted_and_unique() {
    let names: Vec<&str> = model().operations().map(|o| o.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(names, sorted);
    assert_eq!(names.len(), 141);
    for name in &names {
        assert_eq!(
            model().operation(name).map(|o| o.name.as_str()),
            Some(*name)
        );
    }
}

#[test]
fn lookup_by_name_and_target() {
    let m = model();
    assert!(m.operation("InitiateAuth").is_some());
    assert!(m.operation("initiateAuth").is_none());
    assert!(m.operation("NoSuchOperation").is_none());
    assert!(m.operation("").is_none());
    let op = m.operation_for_target("AWSCognitoIdentityProviderService.AdminCreateUser");
    assert_eq!(op.map(|o| o.name.as_str()), Some("AdminCreateUser"));
    assert!(
        m.operation_for_target("AWSCognitoIdentityProviderServiceAdminCreateUser")
            .is_none()
    );
    assert!(m.operation_for_target("Other.AdminCreateUser").is_none());
}

#[test]
fn operation_details() {
    let op = model().operation("SignUp").expect("SignUp");
    assert_eq!(op.input_shape.as_deref(), Some("SignUpRequest"));
    assert_eq!(op.output_shape.as_deref(), Some("SignUpResponse"));
    assert!(op.errors.iter().any(|e| e == "UsernameExistsException"));
    assert!(op.declares_error("InvalidPasswordException"));
    assert!(!op.declares_error("UserNotFoundException"));
    for op in model().operations() {
        assert!(op.input_shape.is_some(), "{} has an input", op.name);
        for e in &op.errors {
            assert!(model().is_error_shape(e), "{} lists {e}", op.name);
        }
    }
}

#[test]
fn public_marker() {
    let m = model();
    assert_eq!(NO_AUTH_SCHEME, "smithy.api#noAuth");
    for name in [
        "SignUp",
        "InitiateAuth",
        "GetUser",
        "RespondToAuthChallenge",
        "RevokeToken",
    ] {
        assert!(
            m.operation(name).is_some_and(|o| o.public),
            "{name} is public"
        );
    }
    for name in [
        "AdminCreateUser",
        "CreateUserPool",
        "AdminInitiateAuth",
        "ListUsers",
        "GetClientToken",
    ] {
        assert!(
            m.operation(name).is_some_and(|o| !o.public),
            "{name} needs SigV4"
        );
    }
}

#[test]
fn exactly_the_34_reference_operations_are_public() {
    let public: BTreeSet<&str> = model()
        .operations()
        .filter(|o| o.public)
        .map(|o| o.name.as_str())
        .collect();
    let expected: BTreeSet<&str> = PUBLIC.iter().copied().collect();
    assert_eq!(expected.len(), 34);
    assert_eq!(public, expected);
}

#[test]
fn every_model_pattern_compiles() {
    let m = model();
    let patterns: Vec<&str> = m.patterns().collect();
    assert_eq!(patterns.len(), 42, "distinct patterns in the model");
    assert!(patterns.contains(&r"[\w-]+_[0-9a-zA-Z]+"));
    let failing = m.precompile_patterns();
    assert!(
        failing.is_empty(),
        "patterns that do not compile: {failing:?}"
    );
}

#[test]
fn error_shapes() {
    let m = model();
    assert!(m.is_error_shape("NotAuthorizedException"));
    assert!(!m.is_error_shape("SignUpRequest"));
    assert!(!m.is_error_shape("Nope"));
    assert!(m.is_fault("InternalErrorException"));
    assert!(!m.is_fault("NotAuthorizedException"));
    assert!(m.has_shape("UserPoolIdType"));
    assert!(!m.has_shape("Nope"));
}

#[test]
fn invalid_models_are_rejected() {
    assert!(ServiceModel::from_json("not json").is_err());
    assert!(ServiceModel::from_json("{}").is_err());
    let dangling = r#"{
        "metadata": {"apiVersion": "1", "targetPrefix": "T", "endpointPrefix": "e", "protocol": "json"},
        "operations": {"Op": {"name": "Op", "input": {"shape": "Missing"}}},
        "shapes": {}
    }"#;
    let err = ServiceModel::from_json(dangling).expect_err("dangling reference");
    assert!(err.to_string().contains("Missing"), "{err}");
}

#[test]
fn minimal_model_from_json() {
    let json = r#"{
        "metadata": {"apiVersion": "1", "targetPrefix": "T", "endpointPrefix": "svc", "protocol": "json"},
        "operations": {
            "B": {"name": "B", "input": {"shape": "In"}, "auth": ["smithy.api#noAuth"]},
            "A": {"name": "A", "input": {"shape": "In"}, "authtype": "none"},
            "C": {"name": "C", "input": {"shape": "In"}}
        },
        "shapes": {"In": {"type": "structure", "members": {}}}
    }"#;
    let m = ServiceModel::from_json(json).expect("valid");
    let names: Vec<(&str, bool)> = m
        .operations()
        .map(|o| (o.name.as_str(), o.public))
        .collect();
    assert_eq!(names, vec![("A", true), ("B", true), ("C", false)]);
    assert_eq!(m.signing_name(), "svc");
    assert_eq!(m.json_version(), None);
}

#[test]
fn lower_camel_case() {
    assert_eq!(lower_camel("UserPoolId"), "userPoolId");
    assert_eq!(lower_camel("ClientId"), "clientId");
    assert_eq!(lower_camel("SMSMfaSettings"), "sMSMfaSettings");
    assert_eq!(lower_camel("already"), "already");
    assert_eq!(lower_camel("A"), "a");
    assert_eq!(lower_camel(""), "");
}
