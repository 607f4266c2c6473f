//! User pools: the settings that change behaviour (password policy, schema, username and alias
//! attributes, verification, invitation templates, lockout-relevant limits) plus everything
//! else a pool was given, kept verbatim for `DescribeUserPool`. Plain records: the wire shape
//! lives at the edge (`cogito-server`) and the stored shape in `cogito-store`.

use std::collections::BTreeMap;

/// `Policies.PasswordPolicy` (reference §8.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// 6–99.
    pub minimum_length: u32,
    /// Needs an uppercase letter.
    pub require_uppercase: bool,
    /// Needs a lowercase letter.
    pub require_lowercase: bool,
    /// Needs a digit.
    pub require_numbers: bool,
    /// Needs a symbol.
    pub require_symbols: bool,
    /// Previous passwords that may not be reused (0–24).
    pub password_history_size: Option<u32>,
    /// Validity of temporary passwords in days (0 = 7).
    pub temporary_password_validity_days: u32,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            minimum_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
            password_history_size: None,
            temporary_password_validity_days: 7,
        }
    }
}

/// Constraints on a string attribute.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StringConstraints {
    /// Minimum length, as a decimal string.
    pub min_length: Option<String>,
    /// Maximum length, as a decimal string.
    pub max_length: Option<String>,
}

/// Constraints on a number attribute.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NumberConstraints {
    /// Minimum value, as a decimal string.
    pub min_value: Option<String>,
    /// Maximum value, as a decimal string.
    pub max_value: Option<String>,
}

/// One attribute of the pool schema (`SchemaAttributeType`). `name` is the full name
/// (`email`, `custom:age`, `dev:x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaAttribute {
    /// Full attribute name.
    pub name: String,
    /// `String`, `Number`, `DateTime` or `Boolean`.
    pub attribute_data_type: String,
    /// Only admins can see or write it (`dev:` attributes).
    pub developer_only_attribute: bool,
    /// Can change after creation.
    pub mutable: bool,
    /// Must be given at sign-up.
    pub required: bool,
    /// String length limits.
    pub string_attribute_constraints: Option<StringConstraints>,
    /// Number limits.
    pub number_attribute_constraints: Option<NumberConstraints>,
}

/// A message template with `{####}` (and `{username}` for invitations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageTemplates {
    /// E-mail subject.
    pub email_subject: String,
    /// E-mail body.
    pub email_message: String,
    /// SMS text.
    pub sms_message: String,
}

/// One entry of `AccountRecoverySetting.RecoveryMechanisms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryMechanism {
    /// 1 is tried first.
    pub priority: u32,
    /// `verified_email`, `verified_phone_number` or `admin_only`.
    pub name: String,
}

/// `UnusedAccountValidityDays` when a pool does not say.
pub const DEFAULT_UNUSED_ACCOUNT_VALIDITY_DAYS: u32 = 7;

/// `DefaultEmailOption` when a pool does not say.
pub const DEFAULT_EMAIL_OPTION: &str = "CONFIRM_WITH_CODE";

/// A user pool.
#[derive(Debug, Clone, PartialEq)]
pub struct UserPool {
    /// `<region>_<suffix>`.
    pub id: String,
    /// `PoolName`.
    pub name: String,
    /// Creation, epoch ms.
    pub created_ms: i64,
    /// Last modification, epoch ms.
    pub modified_ms: i64,
    /// Password rules.
    pub password_policy: PasswordPolicy,
    /// All attributes: standard ones and custom ones.
    pub schema: Vec<SchemaAttribute>,
    /// `email` / `phone_number` that get a code at sign-up.
    pub auto_verified_attributes: Vec<String>,
    /// Aliases users may sign in with.
    pub alias_attributes: Vec<String>,
    /// E-mail / phone used as the username.
    pub username_attributes: Vec<String>,
    /// `UsernameConfiguration.CaseSensitive`.
    pub case_sensitive: bool,
    /// Sign-up only by administrators.
    pub allow_admin_create_user_only: bool,
    /// Verification message (`{####}`).
    pub verification: MessageTemplates,
    /// Invitation message (`{username}`, `{####}`).
    pub invitation: MessageTemplates,
    /// `ACTIVE` blocks deletion.
    pub deletion_protection: bool,
    /// `OFF`, `ON`, `OPTIONAL`.
    pub mfa_configuration: String,
    /// The factors offered (`SetUserPoolMfaConfig`).
    pub mfa: super::PoolMfa,
    /// `DeviceConfiguration`: remembered devices are tracked when set.
    pub devices: Option<super::DeviceConfig>,
    /// `AccountRecoverySetting.RecoveryMechanisms`, in the order given; `None` when the pool
    /// was created without one (the legacy rule of reference §8.3 applies).
    pub account_recovery: Option<Vec<RecoveryMechanism>>,
    /// `AdminCreateUserConfig.UnusedAccountValidityDays`: days a temporary password is valid.
    pub unused_account_validity_days: u32,
    /// `VerificationMessageTemplate.DefaultEmailOption`: `CONFIRM_WITH_CODE` or
    /// `CONFIRM_WITH_LINK`.
    pub default_email_option: String,
    /// `LambdaConfig`: the functions run on the pool's events.
    pub triggers: super::PoolTriggers,
    /// Every other member the pool was created or updated with, echoed by `DescribeUserPool`.
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl UserPool {
    /// The schema entry for an attribute name.
    pub fn attribute(&self, name: &str) -> Option<&SchemaAttribute> {
        self.schema.iter().find(|a| a.name == name)
    }

    /// `MfaConfiguration` (an unknown stored value reads as `ON`: fail closed).
    pub fn mfa_mode(&self) -> super::MfaMode {
        super::MfaMode::parse(&self.mfa_configuration).unwrap_or(super::MfaMode::On)
    }

    /// Whether users sign up with their e-mail or phone number as username.
    pub fn uses_username_attributes(&self) -> bool {
        !self.username_attributes.is_empty()
    }
}

/// Default verification message (reference §6.5).
pub fn default_verification() -> MessageTemplates {
    MessageTemplates {
        email_subject: "Your verification code".into(),
        email_message: "Your verification code is {####}. ".into(),
        sms_message: "Your verification code is {####}. ".into(),
    }
}

/// Default invitation message (reference §6.5).
pub fn default_invitation() -> MessageTemplates {
    MessageTemplates {
        email_subject: "Your temporary password".into(),
        email_message: "Your username is {username} and temporary password is {####}. ".into(),
        sms_message: "Your username is {username} and temporary password is {####}. ".into(),
    }
}

/// The standard attributes every pool lists (reference §8.5).
pub fn standard_schema() -> Vec<SchemaAttribute> {
    let string =
        |name: &str, min: &str, max: &str, mutable: bool, required: bool| SchemaAttribute {
            name: name.into(),
            attribute_data_type: "String".into(),
            developer_only_attribute: false,
            mutable,
            required,
            string_attribute_constraints: Some(StringConstraints {
                min_length: Some(min.into()),
                max_length: Some(max.into()),
            }),
            number_attribute_constraints: None,
        };
    let boolean = |name: &str| SchemaAttribute {
        name: name.into(),
        attribute_data_type: "Boolean".into(),
        developer_only_attribute: false,
        mutable: true,
        required: false,
        string_attribute_constraints: None,
        number_attribute_constraints: None,
    };
    let mut v = vec![string("sub", "1", "2048", false, true)];
    for name in [
        "name",
        "given_name",
        "family_name",
        "middle_name",
        "nickname",
        "preferred_username",
        "profile",
        "picture",
        "website",
        "email",
    ] {
        v.push(string(name, "0", "2048", true, false));
    }
    v.push(boolean("email_verified"));
    v.push(string("gender", "0", "2048", true, false));
    v.push(string("birthdate", "10", "10", true, false));
    for name in ["zoneinfo", "locale", "phone_number"] {
        v.push(string(name, "0", "2048", true, false));
    }
    v.push(boolean("phone_number_verified"));
    v.push(string("address", "0", "2048", true, false));
    v.push(SchemaAttribute {
        name: "updated_at".into(),
        attribute_data_type: "Number".into(),
        developer_only_attribute: false,
        mutable: true,
        required: false,
        string_attribute_constraints: None,
        number_attribute_constraints: Some(NumberConstraints {
            min_value: Some("0".into()),
            max_value: None,
        }),
    });
    v
}
