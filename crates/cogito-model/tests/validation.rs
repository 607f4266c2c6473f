//! Input validation: message formats for every constraint kind, type mismatches, valid inputs.

use cogito_model::{Operation, ServiceModel, ValidationError, model, validate_input};
use serde_json::{Value, json};

fn op(name: &str) -> &'static Operation {
    model()
        .operation(name)
        .unwrap_or_else(|| panic!("no operation {name}"))
}

fn check(name: &str, input: Value) -> Result<(), ValidationError> {
    validate_input(op(name), &input)
}

/// Asserts an `InvalidParameterException` with exactly this message.
fn invalid(name: &str, input: Value, message: &str) {
    let err = check(name, input).expect_err("validation must fail");
    assert_eq!(err.type_name, "InvalidParameterException", "{err:?}");
    assert!(err.is_invalid_parameter());
    assert_eq!(err.message, message);
}

/// Asserts a `SerializationException` with exactly this message.
fn serialization(name: &str, input: Value, message: &str) {
    let err = check(name, input).expect_err("validation must fail");
    assert_eq!(err.type_name, "SerializationException", "{err:?}");
    assert!(err.is_serialization());
    assert_eq!(err.message, message);
}

const POOL: &str = "us-east-1_AbC123xyz";
const POOL_PATTERN: &str = r"[\w-]+_[0-9a-zA-Z]+";

// ---------------------------------------------------------------- valid inputs

#[test]
fn valid_create_user_pool() {
    let input = json!({
        "PoolName": "my pool-1",
        "Policies": {"PasswordPolicy": {
            "MinimumLength": 8, "RequireUppercase": true, "RequireLowercase": true,
            "RequireNumbers": false, "RequireSymbols": false, "TemporaryPasswordValidityDays": 7
        }},
        "DeletionProtection": "INACTIVE",
        "AutoVerifiedAttributes": ["email"],
        "UsernameAttributes": ["email"],
        "MfaConfiguration": "OFF",
        "SmsVerificationMessage": "Your code is {####}",
        "EmailVerificationMessage": "Your code is {####}",
        "EmailVerificationSubject": "Your code",
        "VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_CODE"},
        "AdminCreateUserConfig": {
            "AllowAdminCreateUserOnly": false,
            "InviteMessageTemplate": {"SMSMessage": "User {username} code {####}", "EmailSubject": "Welcome"}
        },
        "Schema": [
            {"Name": "email", "AttributeDataType": "String", "Required": true, "Mutable": true},
            {"Name": "tenant", "AttributeDataType": "String", "Mutable": true,
             "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"}}
        ],
        "UserPoolTags": {"team": "identity", "env": ""},
        "AccountRecoverySetting": {"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
        "UserPoolAddOns": {"AdvancedSecurityMode": "OFF"},
        "UsernameConfiguration": {"CaseSensitive": false},
        "UnknownMember": {"anything": [1, 2, 3]}
    });
    assert_eq!(check("CreateUserPool", input), Ok(()));
    assert_eq!(check("CreateUserPool", json!({"PoolName": "p"})), Ok(()));
}

#[test]
fn valid_admin_create_user() {
    let input = json!({
        "UserPoolId": POOL,
        "Username": "alice@example.com",
        "UserAttributes": [
            {"Name": "email", "Value": "alice@example.com"},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "custom:tenant"}
        ],
        "TemporaryPassword": "Temp#Passw0rd",
        "ForceAliasCreation": false,
        "MessageAction": "SUPPRESS",
        "DesiredDeliveryMediums": ["EMAIL", "SMS"],
        "ClientMetadata": {"source": "import"}
    });
    assert_eq!(check("AdminCreateUser", input), Ok(()));
}

#[test]
fn valid_initiate_auth() {
    let input = json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": "1example23456789abcdefghij",
        "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!", "SECRET_HASH": "abc="},
        "ClientMetadata": {},
        "AnalyticsMetadata": {"AnalyticsEndpointId": "x"},
        "UserContextData": {"EncodedData": "data"}
    });
    assert_eq!(check("InitiateAuth", input), Ok(()));
}

#[test]
fn empty_input_is_fine_when_nothing_is_required() {
    assert_eq!(check("ListUserPools", json!({"MaxResults": 10})), Ok(()));
    assert_eq!(check("GetUser", json!({"AccessToken": "a.b.c"})), Ok(()));
}

#[test]
fn unknown_members_are_ignored() {
    let input = json!({"UserPoolId": POOL, "Username": "bob", "Bogus": 1, "userPoolId": 5});
    assert_eq!(check("AdminGetUser", input), Ok(()));
    // Unknown members inside nested structures as well.
    let input = json!({"UserPoolId": POOL, "Username": "bob",
        "UserAttributes": [{"Name": "email", "Value": "x", "Extra": [true]}]});
    assert_eq!(check("AdminCreateUser", input), Ok(()));
}

#[test]
fn null_is_absent() {
    let input = json!({"UserPoolId": POOL, "Username": "bob", "TemporaryPassword": null,
        "MessageAction": null, "UserAttributes": null});
    assert_eq!(check("AdminCreateUser", input), Ok(()));
    invalid(
        "AdminGetUser",
        json!({"UserPoolId": null, "Username": "bob"}),
        "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: \
         Member must not be null",
    );
}

// ---------------------------------------------------------------- constraint kinds

#[test]
fn required_member_missing() {
    invalid(
        "AdminGetUser",
        json!({"UserPoolId": POOL}),
        "1 validation error detected: Value null at 'username' failed to satisfy constraint: \
         Member must not be null",
    );
    invalid(
        "AdminGetUser",
        json!({}),
        "2 validation errors detected: \
         Value null at 'userPoolId' failed to satisfy constraint: Member must not be null; \
         Value null at 'username' failed to satisfy constraint: Member must not be null",
    );
}

#[test]
fn pattern() {
    invalid(
        "ListUsers",
        json!({"UserPoolId": "nounderscore"}),
        &format!(
            "1 validation error detected: Value 'nounderscore' at 'userPoolId' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: {POOL_PATTERN}"
        ),
    );
    // The pattern must match the whole value, not a substring.
    invalid(
        "ListUsers",
        json!({"UserPoolId": "us-east-1_abc!"}),
        &format!(
            "1 validation error detected: Value 'us-east-1_abc!' at 'userPoolId' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: {POOL_PATTERN}"
        ),
    );
}

#[test]
fn string_length_max_and_min() {
    let long = format!("us-east-1_{}", "a".repeat(50));
    invalid(
        "ListUsers",
        json!({"UserPoolId": long}),
        &format!(
            "1 validation error detected: Value '{long}' at 'userPoolId' failed to satisfy \
             constraint: Member must have length less than or equal to 55"
        ),
    );
    // Empty string: too short and does not match the pattern — two failures.
    invalid(
        "ListUsers",
        json!({"UserPoolId": ""}),
        &format!(
            "2 validation errors detected: \
             Value '' at 'userPoolId' failed to satisfy constraint: Member must have length greater than or equal to 1; \
             Value '' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: {POOL_PATTERN}"
        ),
    );
}

#[test]
fn length_counts_characters_not_bytes() {
    // EmailVerificationSubjectType: 1..140 characters. 140 multi-byte characters are fine.
    let subject = "é".repeat(140);
    assert_eq!(
        check(
            "CreateUserPool",
            json!({"PoolName": "p", "EmailVerificationSubject": subject})
        ),
        Ok(())
    );
    let subject = "é".repeat(141);
    let err = check(
        "CreateUserPool",
        json!({"PoolName": "p", "EmailVerificationSubject": subject}),
    )
    .expect_err("too long");
    assert!(
        err.message
            .ends_with("Member must have length less than or equal to 140"),
        "{}",
        err.message
    );
}

#[test]
fn enum_value_set() {
    invalid(
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": "bob", "MessageAction": "DROP"}),
        "1 validation error detected: Value 'DROP' at 'messageAction' failed to satisfy constraint: \
         Member must satisfy enum value set: [RESEND, SUPPRESS]",
    );
    invalid(
        "InitiateAuth",
        json!({"AuthFlow": "PASSWORD", "ClientId": "abc"}),
        "1 validation error detected: Value 'PASSWORD' at 'authFlow' failed to satisfy constraint: \
         Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, \
         CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]",
    );
}

#[test]
fn integer_range() {
    invalid(
        "ListUsers",
        json!({"UserPoolId": POOL, "Limit": 61}),
        "1 validation error detected: Value '61' at 'limit' failed to satisfy constraint: \
         Member must have value less than or equal to 60",
    );
    invalid(
        "ListUsers",
        json!({"UserPoolId": POOL, "Limit": -1}),
        "1 validation error detected: Value '-1' at 'limit' failed to satisfy constraint: \
         Member must have value greater than or equal to 0",
    );
    assert_eq!(
        check("ListUsers", json!({"UserPoolId": POOL, "Limit": 0})),
        Ok(())
    );
    assert_eq!(
        check("ListUsers", json!({"UserPoolId": POOL, "Limit": 60})),
        Ok(())
    );
    // An integral float is an integer.
    assert_eq!(
        check("ListUsers", json!({"UserPoolId": POOL, "Limit": 5.0})),
        Ok(())
    );
    invalid(
        "CreateUserPool",
        json!({"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": 5}}}),
        "1 validation error detected: Value '5' at 'policies.passwordPolicy.minimumLength' failed to \
         satisfy constraint: Member must have value greater than or equal to 6",
    );
}

#[test]
fn list_and_map_length() {
    invalid(
        "CreateUserPool",
        json!({"PoolName": "p", "Schema": []}),
        "1 validation error detected: Value '[]' at 'schema' failed to satisfy constraint: \
         Member must have length greater than or equal to 1",
    );
    let mut links = serde_json::Map::new();
    for i in 0..14 {
        links.insert(format!("k{i:02}"), json!("https://example.com"));
    }
    let err = check(
        "CreateTerms",
        json!({"UserPoolId": POOL, "ClientId": "abc", "TermsName": "terms-of-use",
               "TermsSource": "LINK", "Enforcement": "NONE", "Links": links}),
    )
    .expect_err("too many links");
    assert!(
        err.message.contains("at 'links' failed to satisfy constraint: Member must have length less than or equal to 13"),
        "{}",
        err.message
    );
}

#[test]
fn sensitive_values_are_not_echoed() {
    invalid(
        "AdminSetUserPassword",
        json!({"UserPoolId": POOL, "Username": "bob", "Password": "has space"}),
        r"1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\S]+",
    );
    // ClientId and Username are sensitive too.
    invalid(
        "InitiateAuth",
        json!({"AuthFlow": "USER_AUTH", "ClientId": "bad client!"}),
        r"1 validation error detected: Value at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+]+",
    );
    let err = check(
        "AdminGetUser",
        json!({"UserPoolId": POOL, "Username": "a b"}),
    )
    .expect_err("space");
    assert!(
        err.message
            .starts_with("1 validation error detected: Value at 'username' failed"),
        "{}",
        err.message
    );
    assert!(!err.message.contains("a b"));
}

#[test]
fn multiple_errors_are_counted_and_joined() {
    invalid(
        "AdminCreateUser",
        json!({"UserPoolId": "bad", "MessageAction": "X", "DesiredDeliveryMediums": ["EMAIL"]}),
        &format!(
            "3 validation errors detected: \
             Value 'bad' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: {POOL_PATTERN}; \
             Value null at 'username' failed to satisfy constraint: Member must not be null; \
             Value 'X' at 'messageAction' failed to satisfy constraint: Member must satisfy enum value set: [RESEND, SUPPRESS]"
        ),
    );
}

#[test]
fn nested_list_element_path() {
    invalid(
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": "bob", "UserAttributes": [
            {"Name": "email", "Value": "a@b.c"},
            {"Value": "x"},
            {"Name": "this_attribute_name_is_far_too_long_for_cognito", "Value": "x"}
        ]}),
        "2 validation errors detected: \
         Value null at 'userAttributes.2.member.name' failed to satisfy constraint: Member must not be null; \
         Value 'this_attribute_name_is_far_too_long_for_cognito' at 'userAttributes.3.member.name' \
         failed to satisfy constraint: Member must have length less than or equal to 32",
    );
    // Coral lower-cases only the first character of each member name.
    invalid(
        "SetUserSettings",
        json!({"AccessToken": "a.b.c", "MFAOptions": [{"DeliveryMedium": "PIGEON"}]}),
        "1 validation error detected: Value 'PIGEON' at 'mFAOptions.1.member.deliveryMedium' failed \
         to satisfy constraint: Member must satisfy enum value set: [SMS, EMAIL]",
    );
}

#[test]
fn nested_structure_path() {
    invalid(
        "CreateUserPool",
        json!({"PoolName": "p", "AdminCreateUserConfig": {"InviteMessageTemplate": {"SMSMessage": "hi"}}}),
        "1 validation error detected: Value 'hi' at 'adminCreateUserConfig.inviteMessageTemplate.sMSMessage' \
         failed to satisfy constraint: Member must have length greater than or equal to 6",
    );
    invalid(
        "CreateUserPool",
        json!({"PoolName": "p", "SmsVerificationMessage": "no placeholder"}),
        r"1 validation error detected: Value 'no placeholder' at 'smsVerificationMessage' failed to satisfy constraint: Member must satisfy regular expression pattern: .*\{####\}.*",
    );
}

#[test]
fn list_of_scalars_reports_element_constraints_once() {
    invalid(
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": "bob", "DesiredDeliveryMediums": ["EMAIL", "FAX", "PHONE"]}),
        "1 validation error detected: Value '[EMAIL, FAX, PHONE]' at 'desiredDeliveryMediums' failed \
         to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [SMS, EMAIL]]",
    );
    invalid(
        "ListUsers",
        json!({"UserPoolId": POOL, "AttributesToGet": ["email", ""]}),
        r"1 validation error detected: Value '[email, ]' at 'attributesToGet' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 32, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r ]+]",
    );
}

#[test]
fn map_keys_and_values() {
    let long_key = "k".repeat(129);
    invalid(
        "CreateUserPool",
        json!({"PoolName": "p", "UserPoolTags": {long_key.clone(): "v"}}),
        &format!(
            "1 validation error detected: Value '{{{long_key}=v}}' at 'userPoolTags' failed to satisfy \
             constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, \
             Member must have length greater than or equal to 1]"
        ),
    );
    let long_value = "v".repeat(257);
    invalid(
        "CreateUserPool",
        json!({"PoolName": "p", "UserPoolTags": {"k": long_value.clone()}}),
        &format!(
            "1 validation error detected: Value '{{k={long_value}}}' at 'userPoolTags' failed to satisfy \
             constraint: Map value must satisfy constraint: [Member must have length less than or equal to 256, \
             Member must have length greater than or equal to 0]"
        ),
    );
}

#[test]
fn sensitive_map_is_not_echoed() {
    let huge = "x".repeat(131_073);
    let err = check(
        "InitiateAuth",
        json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "abc", "AuthParameters": {"PASSWORD": huge}}),
    )
    .expect_err("value too long");
    assert_eq!(
        err.message,
        "1 validation error detected: Value at 'authParameters' failed to satisfy constraint: \
         Map value must satisfy constraint: [Member must have length less than or equal to 131072, \
         Member must have length greater than or equal to 0]"
    );
}

#[test]
fn aggregates_containing_sensitive_values_are_not_echoed() {
    // Structures without sensitive members are echoed Java-style.
    let schema: Vec<Value> = (0..51).map(|_| json!({"Name": "n"})).collect();
    let err = check("CreateUserPool", json!({"PoolName": "p", "Schema": schema}))
        .expect_err("schema too long");
    assert!(
        err.message
            .starts_with("1 validation error detected: Value '[{Name=n}, {Name=n}, "),
        "{}",
        err.message
    );
    assert!(err.message.ends_with("}]' at 'schema' failed to satisfy constraint: Member must have length less than or equal to 50"));
    // AttributeType.Value is sensitive: a list of attributes is never echoed (synthetic
    // model, because the real attribute lists have no length bounds).
    let err = synthetic(json!({"Secrets": [{"Word": "a"}, {"Word": "b"}]})).expect_err("too many");
    assert_eq!(
        err.message,
        "1 validation error detected: Value at 'secrets' failed to satisfy constraint: \
         Member must have length less than or equal to 1"
    );
    // Message with a sensitive element nested in a list of structures.
    let err = check(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": POOL, "Username": "bob", "UserAttributes": [{"Name": "", "Value": "secret"}]}),
    )
    .expect_err("empty name");
    assert!(
        err.message
            .contains("Value '' at 'userAttributes.1.member.name'"),
        "{}",
        err.message
    );
    assert!(!err.message.contains("secret"));
}

#[test]
fn blob_base64_and_length() {
    assert_eq!(
        check(
            "SetUICustomization",
            json!({"UserPoolId": POOL, "ImageFile": "aGVsbG8="})
        ),
        Ok(())
    );
    serialization(
        "SetUICustomization",
        json!({"UserPoolId": POOL, "ImageFile": "not base64!"}),
        "STRING_VALUE is not valid base64 and can not be converted to a Blob at 'imageFile'",
    );
    serialization(
        "SetUICustomization",
        json!({"UserPoolId": POOL, "ImageFile": 12}),
        "NUMBER_VALUE can not be converted to a Blob at 'imageFile'",
    );
}

// ---------------------------------------------------------------- type mismatches

#[test]
fn body_must_be_an_object() {
    serialization(
        "SignUp",
        json!([1]),
        "Start of list found where not expected",
    );
    serialization(
        "SignUp",
        json!("x"),
        "STRING_VALUE can not be converted to a Structure",
    );
    serialization(
        "SignUp",
        json!(null),
        "VALUE_NULL can not be converted to a Structure",
    );
    serialization(
        "SignUp",
        json!(3),
        "NUMBER_VALUE can not be converted to a Structure",
    );
}

#[test]
fn type_mismatches() {
    serialization(
        "AdminGetUser",
        json!({"UserPoolId": 12, "Username": "bob"}),
        "NUMBER_VALUE can not be converted to a String at 'userPoolId'",
    );
    serialization(
        "ListUsers",
        json!({"UserPoolId": POOL, "Limit": "10"}),
        "STRING_VALUE can not be converted to an Integer at 'limit'",
    );
    serialization(
        "ListUsers",
        json!({"UserPoolId": POOL, "Limit": 1.5}),
        "NUMBER_VALUE can not be converted to an Integer at 'limit'",
    );
    serialization(
        "ListUsers",
        json!({"UserPoolId": POOL, "Limit": 3_000_000_000_i64}),
        "NUMBER_VALUE can not be converted to an Integer at 'limit'",
    );
    serialization(
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": "bob", "ForceAliasCreation": "true"}),
        "STRING_VALUE can not be converted to a Boolean at 'forceAliasCreation'",
    );
    serialization(
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": "bob", "UserAttributes": {"Name": "email"}}),
        "Start of structure or map found where not expected at 'userAttributes'",
    );
    serialization(
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": "bob", "UserAttributes": ["email"]}),
        "STRING_VALUE can not be converted to a Structure at 'userAttributes.1.member'",
    );
    serialization(
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": "bob", "UserAttributes": [{"Name": true}]}),
        "TRUE_VALUE can not be converted to a String at 'userAttributes.1.member.name'",
    );
    serialization(
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": "bob", "DesiredDeliveryMediums": ["EMAIL", 1]}),
        "NUMBER_VALUE can not be converted to a String at 'desiredDeliveryMediums.2.member'",
    );
    serialization(
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": "bob", "ClientMetadata": {"k": false}}),
        "FALSE_VALUE can not be converted to a String at 'clientMetadata.k'",
    );
    serialization(
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": "bob", "ClientMetadata": ["k"]}),
        "Start of list found where not expected at 'clientMetadata'",
    );
    serialization(
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": ["bob"]}),
        "Start of list found where not expected at 'username'",
    );
}

#[test]
fn serialization_errors_win_over_constraint_failures() {
    // The missing Username would be a constraint failure, but deserialization fails first.
    serialization(
        "AdminCreateUser",
        json!({"UserPoolId": "bad", "ForceAliasCreation": 1}),
        "NUMBER_VALUE can not be converted to a Boolean at 'forceAliasCreation'",
    );
}

#[test]
fn display_and_operation_method() {
    let err = op("AdminGetUser")
        .validate_input(&json!({"UserPoolId": POOL}))
        .expect_err("missing");
    assert!(
        err.to_string()
            .starts_with("InvalidParameterException: 1 validation error detected")
    );
    assert_eq!(
        ValidationError::INVALID_PARAMETER,
        "InvalidParameterException"
    );
    assert_eq!(ValidationError::SERIALIZATION, "SerializationException");
}

// ---------------------------------------------------------------- synthetic model

const SYNTHETIC: &str = r#"{
    "metadata": {"apiVersion": "1", "targetPrefix": "T", "endpointPrefix": "svc", "protocol": "json"},
    "operations": {"Op": {"name": "Op", "input": {"shape": "In"}}, "NoInput": {"name": "NoInput"}},
    "shapes": {
        "In": {"type": "structure", "members": {
            "Count": {"shape": "Big"}, "When": {"shape": "Time"}, "Ratio": {"shape": "Ratio"},
            "Doc": {"shape": "Doc"}, "Nested": {"shape": "Nested"}, "Secret": {"shape": "Secret"},
            "Tree": {"shape": "Tree"}, "Secrets": {"shape": "Secrets"}
        }},
        "Big": {"type": "long", "min": 1, "max": 10000000000},
        "Time": {"type": "timestamp"},
        "Ratio": {"type": "double"},
        "Doc": {"type": "structure", "members": {}, "document": true},
        "Nested": {"type": "map", "key": {"shape": "Key"}, "value": {"shape": "Inner"}},
        "Key": {"type": "string", "pattern": "[a-z]+"},
        "Inner": {"type": "structure", "required": ["Id"], "members": {"Id": {"shape": "Key"}}},
        "Secret": {"type": "structure", "sensitive": true, "members": {"Word": {"shape": "Key"}}},
        "Tree": {"type": "structure", "members": {"Label": {"shape": "Key"}, "Children": {"shape": "Trees"}}},
        "Trees": {"type": "list", "member": {"shape": "Tree"}},
        "Secrets": {"type": "list", "member": {"shape": "Secret"}, "max": 1}
    }
}"#;

fn synthetic(input: Value) -> Result<(), ValidationError> {
    let m = ServiceModel::from_json(SYNTHETIC).expect("synthetic model");
    let op = m.operation("Op").expect("Op");
    validate_input(op, &input)
}

#[test]
fn synthetic_long_timestamp_double_document() {
    assert_eq!(
        synthetic(
            json!({"Count": 10_000_000_000_i64, "When": 1_700_000_000.123, "Ratio": 0.5,
                         "Doc": {"any": ["thing", 1, null]}})
        ),
        Ok(())
    );
    let err = synthetic(json!({"Count": 10_000_000_001_i64})).expect_err("too big");
    assert_eq!(
        err.message,
        "1 validation error detected: Value '10000000001' at 'count' failed to satisfy constraint: \
         Member must have value less than or equal to 10000000000"
    );
    let err = synthetic(json!({"When": "2024-01-01T00:00:00Z"})).expect_err("string timestamp");
    assert_eq!(
        err.message,
        "STRING_VALUE can not be converted to a Timestamp at 'when'"
    );
    let err = synthetic(json!({"Ratio": "half"})).expect_err("string double");
    assert_eq!(
        err.message,
        "STRING_VALUE can not be converted to a Double at 'ratio'"
    );
    let err = synthetic(json!({"Count": 1e30})).expect_err("huge");
    assert_eq!(
        err.message,
        "NUMBER_VALUE can not be converted to a Long at 'count'"
    );
}

#[test]
fn synthetic_map_of_structures_and_recursion() {
    let err = synthetic(json!({"Nested": {"abc": {"Id": "ABC"}, "x": {}}})).expect_err("bad");
    assert_eq!(
        err.message,
        "2 validation errors detected: \
         Value 'ABC' at 'nested.abc.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+; \
         Value null at 'nested.x.id' failed to satisfy constraint: Member must not be null"
    );
    let err = synthetic(json!({"Tree": {"Label": "root", "Children": [{"Label": "a"}, {"Children": [{"Label": "B"}]}]}}))
        .expect_err("bad leaf");
    assert_eq!(
        err.message,
        "1 validation error detected: Value 'B' at 'tree.children.2.member.children.1.member.label' failed to \
         satisfy constraint: Member must satisfy regular expression pattern: [a-z]+"
    );
}

#[test]
fn synthetic_values_below_a_sensitive_shape_are_not_echoed() {
    let err = synthetic(json!({"Secret": {"Word": "UPPER"}})).expect_err("bad");
    assert_eq!(
        err.message,
        "1 validation error detected: Value at 'secret.word' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: [a-z]+"
    );
}

#[test]
fn operation_without_input_accepts_any_object() {
    let m = ServiceModel::from_json(SYNTHETIC).expect("synthetic model");
    let op = m.operation("NoInput").expect("NoInput");
    assert_eq!(validate_input(op, &json!({"x": 1})), Ok(()));
    assert!(validate_input(op, &json!([])).is_err_and(|e| e.is_serialization()));
}
