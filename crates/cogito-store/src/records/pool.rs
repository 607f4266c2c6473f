//! The stored shape of a user pool (`pools.record`).
//!
//! Before the stored shapes were split from the core models, nested settings were written with
//! Cognito's PascalCase names (`MinimumLength`, `Name`, `EmailSubject`, …) and
//! `AccountRecoverySetting`, `UnusedAccountValidityDays` and `DefaultEmailOption` lived in
//! `extra`; both forms are still read.

use std::collections::BTreeMap;

use cogito_core::model::mfa::EmailMfaTemplate;
use cogito_core::model::pool::{
    DEFAULT_EMAIL_OPTION, DEFAULT_UNUSED_ACCOUNT_VALIDITY_DAYS, MessageTemplates,
    NumberConstraints, RecoveryMechanism, StringConstraints,
};
use cogito_core::model::{
    DeviceConfig, PasswordPolicy, PoolMfa, PoolTriggers, PreTokenVersion, SchemaAttribute,
    TriggerKind, UserPool,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Record, take_legacy};

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredPool {
    id: String,
    name: String,
    created_ms: i64,
    modified_ms: i64,
    password_policy: StoredPasswordPolicy,
    schema: Vec<StoredAttribute>,
    auto_verified_attributes: Vec<String>,
    alias_attributes: Vec<String>,
    username_attributes: Vec<String>,
    case_sensitive: bool,
    allow_admin_create_user_only: bool,
    verification: StoredTemplates,
    invitation: StoredTemplates,
    deletion_protection: bool,
    mfa_configuration: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_recovery: Option<Vec<StoredRecovery>>,
    #[serde(default)]
    unused_account_validity_days: Option<u32>,
    #[serde(default)]
    default_email_option: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mfa: Option<StoredMfa>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    devices: Option<StoredDevices>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    triggers: Option<StoredTriggers>,
    #[serde(default)]
    extra: BTreeMap<String, Value>,
}

/// `LambdaConfig`: function ARN by trigger name (`PreSignUp`, …) and the pre-token-generation
/// event version (`V1_0`, …). Records written before triggers ran kept `LambdaConfig` in
/// `extra`, with the same names.
#[derive(Serialize, Deserialize, Default)]
struct StoredTriggers {
    functions: BTreeMap<String, String>,
    #[serde(default)]
    pre_token_version: Option<String>,
}

impl StoredTriggers {
    fn from_core(t: &PoolTriggers) -> Option<Self> {
        (!t.functions.is_empty()).then(|| Self {
            functions: t
                .functions
                .iter()
                .map(|(k, arn)| (k.as_str().to_owned(), arn.clone()))
                .collect(),
            pre_token_version: Some(t.pre_token_version.as_str().to_owned()),
        })
    }

    fn into_core(self) -> PoolTriggers {
        PoolTriggers {
            functions: self
                .functions
                .into_iter()
                .filter_map(|(k, arn)| Some((TriggerKind::parse(&k)?, arn)))
                .collect(),
            pre_token_version: self
                .pre_token_version
                .as_deref()
                .and_then(PreTokenVersion::parse)
                .unwrap_or_default(),
        }
    }

    /// The legacy `extra.LambdaConfig` (the wire member as given).
    fn from_legacy(config: &Value) -> Self {
        let mut out = Self::default();
        for (k, v) in config.as_object().into_iter().flatten() {
            if let (Some(_), Some(arn)) = (TriggerKind::parse(k), v.as_str()) {
                out.functions.insert(k.clone(), arn.to_owned());
            }
        }
        if let Some(c) = config.get("PreTokenGenerationConfig") {
            if let Some(arn) = c.get("LambdaArn").and_then(Value::as_str) {
                out.functions
                    .insert("PreTokenGeneration".into(), arn.to_owned());
            }
            out.pre_token_version = c
                .get("LambdaVersion")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        out
    }
}

/// The factors a pool offers (absent in records written before MFA: none).
#[derive(Serialize, Deserialize, Default)]
struct StoredMfa {
    #[serde(default)]
    sms: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sms_message: Option<String>,
    #[serde(default)]
    totp: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<StoredEmailMfa>,
}

/// `DeviceConfiguration` (device tracking on when present).
#[derive(Serialize, Deserialize)]
struct StoredDevices {
    challenge_required_on_new_device: bool,
    only_remembered_on_user_prompt: bool,
}

#[derive(Serialize, Deserialize)]
struct StoredEmailMfa {
    subject: String,
    message: String,
}

#[derive(Serialize, Deserialize)]
struct StoredPasswordPolicy {
    #[serde(alias = "MinimumLength")]
    minimum_length: u32,
    #[serde(alias = "RequireUppercase")]
    require_uppercase: bool,
    #[serde(alias = "RequireLowercase")]
    require_lowercase: bool,
    #[serde(alias = "RequireNumbers")]
    require_numbers: bool,
    #[serde(alias = "RequireSymbols")]
    require_symbols: bool,
    #[serde(default, alias = "PasswordHistorySize")]
    password_history_size: Option<u32>,
    #[serde(alias = "TemporaryPasswordValidityDays")]
    temporary_password_validity_days: u32,
}

#[derive(Serialize, Deserialize)]
struct StoredAttribute {
    #[serde(alias = "Name")]
    name: String,
    #[serde(alias = "AttributeDataType")]
    data_type: String,
    #[serde(alias = "DeveloperOnlyAttribute")]
    developer_only: bool,
    #[serde(alias = "Mutable")]
    mutable: bool,
    #[serde(alias = "Required")]
    required: bool,
    #[serde(
        default,
        alias = "StringAttributeConstraints",
        skip_serializing_if = "Option::is_none"
    )]
    string_constraints: Option<StoredRange>,
    #[serde(
        default,
        alias = "NumberAttributeConstraints",
        skip_serializing_if = "Option::is_none"
    )]
    number_constraints: Option<StoredRange>,
}

/// Both constraint kinds: a string attribute's length or a number attribute's value.
#[derive(Serialize, Deserialize)]
struct StoredRange {
    #[serde(
        default,
        alias = "MinLength",
        alias = "MinValue",
        skip_serializing_if = "Option::is_none"
    )]
    min: Option<String>,
    #[serde(
        default,
        alias = "MaxLength",
        alias = "MaxValue",
        skip_serializing_if = "Option::is_none"
    )]
    max: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct StoredTemplates {
    #[serde(alias = "EmailSubject")]
    email_subject: String,
    #[serde(alias = "EmailMessage")]
    email_message: String,
    #[serde(alias = "SmsMessage")]
    sms_message: String,
}

#[derive(Serialize, Deserialize)]
struct StoredRecovery {
    #[serde(alias = "Priority")]
    priority: u32,
    #[serde(alias = "Name")]
    name: String,
}

/// The legacy `extra.AccountRecoverySetting`.
#[derive(Deserialize)]
struct LegacyRecovery {
    #[serde(rename = "RecoveryMechanisms")]
    mechanisms: Vec<StoredRecovery>,
}

impl Record for UserPool {
    type Stored = StoredPool;

    fn to_stored(&self) -> StoredPool {
        let p = &self.password_policy;
        StoredPool {
            id: self.id.clone(),
            name: self.name.clone(),
            created_ms: self.created_ms,
            modified_ms: self.modified_ms,
            password_policy: StoredPasswordPolicy {
                minimum_length: p.minimum_length,
                require_uppercase: p.require_uppercase,
                require_lowercase: p.require_lowercase,
                require_numbers: p.require_numbers,
                require_symbols: p.require_symbols,
                password_history_size: p.password_history_size,
                temporary_password_validity_days: p.temporary_password_validity_days,
            },
            schema: self.schema.iter().map(stored_attribute).collect(),
            auto_verified_attributes: self.auto_verified_attributes.clone(),
            alias_attributes: self.alias_attributes.clone(),
            username_attributes: self.username_attributes.clone(),
            case_sensitive: self.case_sensitive,
            allow_admin_create_user_only: self.allow_admin_create_user_only,
            verification: stored_templates(&self.verification),
            invitation: stored_templates(&self.invitation),
            deletion_protection: self.deletion_protection,
            mfa_configuration: self.mfa_configuration.clone(),
            account_recovery: self.account_recovery.as_ref().map(|list| {
                list.iter()
                    .map(|m| StoredRecovery {
                        priority: m.priority,
                        name: m.name.clone(),
                    })
                    .collect()
            }),
            unused_account_validity_days: Some(self.unused_account_validity_days),
            default_email_option: Some(self.default_email_option.clone()),
            mfa: Some(StoredMfa {
                sms: self.mfa.sms,
                sms_message: self.mfa.sms_message.clone(),
                totp: self.mfa.totp,
                email: self.mfa.email.as_ref().map(|e| StoredEmailMfa {
                    subject: e.subject.clone(),
                    message: e.message.clone(),
                }),
            }),
            devices: self.devices.map(|d| StoredDevices {
                challenge_required_on_new_device: d.challenge_required_on_new_device,
                only_remembered_on_user_prompt: d.only_remembered_on_user_prompt,
            }),
            triggers: StoredTriggers::from_core(&self.triggers),
            extra: self.extra.clone(),
        }
    }

    fn from_stored(s: StoredPool) -> UserPool {
        let mut extra = s.extra;
        let account_recovery = s
            .account_recovery
            .or_else(|| {
                take_legacy::<LegacyRecovery>(&mut extra, "AccountRecoverySetting")
                    .map(|l| l.mechanisms)
            })
            .map(|list| {
                list.into_iter()
                    .map(|m| RecoveryMechanism {
                        priority: m.priority,
                        name: m.name,
                    })
                    .collect()
            });
        let unused_account_validity_days = s
            .unused_account_validity_days
            .or_else(|| take_legacy(&mut extra, "UnusedAccountValidityDays"))
            .unwrap_or(DEFAULT_UNUSED_ACCOUNT_VALIDITY_DAYS);
        let default_email_option = s
            .default_email_option
            .or_else(|| take_legacy(&mut extra, "DefaultEmailOption"))
            .unwrap_or_else(|| DEFAULT_EMAIL_OPTION.to_owned());
        let triggers = match s.triggers {
            Some(t) => t.into_core(),
            None => extra
                .remove("LambdaConfig")
                .map(|c| StoredTriggers::from_legacy(&c).into_core())
                .unwrap_or_default(),
        };
        let p = s.password_policy;
        let mfa = s.mfa.unwrap_or_default();
        UserPool {
            id: s.id,
            name: s.name,
            created_ms: s.created_ms,
            modified_ms: s.modified_ms,
            password_policy: PasswordPolicy {
                minimum_length: p.minimum_length,
                require_uppercase: p.require_uppercase,
                require_lowercase: p.require_lowercase,
                require_numbers: p.require_numbers,
                require_symbols: p.require_symbols,
                password_history_size: p.password_history_size,
                temporary_password_validity_days: p.temporary_password_validity_days,
            },
            schema: s.schema.into_iter().map(core_attribute).collect(),
            auto_verified_attributes: s.auto_verified_attributes,
            alias_attributes: s.alias_attributes,
            username_attributes: s.username_attributes,
            case_sensitive: s.case_sensitive,
            allow_admin_create_user_only: s.allow_admin_create_user_only,
            verification: core_templates(s.verification),
            invitation: core_templates(s.invitation),
            deletion_protection: s.deletion_protection,
            mfa_configuration: s.mfa_configuration,
            account_recovery,
            unused_account_validity_days,
            default_email_option,
            mfa: PoolMfa {
                sms: mfa.sms,
                sms_message: mfa.sms_message,
                totp: mfa.totp,
                email: mfa.email.map(|e| EmailMfaTemplate {
                    subject: e.subject,
                    message: e.message,
                }),
            },
            devices: s.devices.map(|d| DeviceConfig {
                challenge_required_on_new_device: d.challenge_required_on_new_device,
                only_remembered_on_user_prompt: d.only_remembered_on_user_prompt,
            }),
            triggers,
            extra,
        }
    }
}

fn stored_attribute(a: &SchemaAttribute) -> StoredAttribute {
    StoredAttribute {
        name: a.name.clone(),
        data_type: a.attribute_data_type.clone(),
        developer_only: a.developer_only_attribute,
        mutable: a.mutable,
        required: a.required,
        string_constraints: a
            .string_attribute_constraints
            .as_ref()
            .map(|c| StoredRange {
                min: c.min_length.clone(),
                max: c.max_length.clone(),
            }),
        number_constraints: a
            .number_attribute_constraints
            .as_ref()
            .map(|c| StoredRange {
                min: c.min_value.clone(),
                max: c.max_value.clone(),
            }),
    }
}

fn core_attribute(a: StoredAttribute) -> SchemaAttribute {
    SchemaAttribute {
        name: a.name,
        attribute_data_type: a.data_type,
        developer_only_attribute: a.developer_only,
        mutable: a.mutable,
        required: a.required,
        string_attribute_constraints: a.string_constraints.map(|c| StringConstraints {
            min_length: c.min,
            max_length: c.max,
        }),
        number_attribute_constraints: a.number_constraints.map(|c| NumberConstraints {
            min_value: c.min,
            max_value: c.max,
        }),
    }
}

fn stored_templates(t: &MessageTemplates) -> StoredTemplates {
    StoredTemplates {
        email_subject: t.email_subject.clone(),
        email_message: t.email_message.clone(),
        sms_message: t.sms_message.clone(),
    }
}

fn core_templates(t: StoredTemplates) -> MessageTemplates {
    MessageTemplates {
        email_subject: t.email_subject,
        email_message: t.email_message,
        sms_message: t.sms_message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{decode, encode};

    /// A pool record exactly as the store wrote it before the stored shapes were split from the
    /// core models (PascalCase nested members, typed settings in `extra`).
    const LEGACY: &str = r#"{"id":"us-east-1_abc","name":"p","created_ms":1,"modified_ms":2,
        "password_policy":{"MinimumLength":9,"RequireUppercase":true,"RequireLowercase":false,
          "RequireNumbers":true,"RequireSymbols":false,"PasswordHistorySize":3,
          "TemporaryPasswordValidityDays":5},
        "schema":[{"Name":"custom:age","AttributeDataType":"Number","DeveloperOnlyAttribute":false,
          "Mutable":true,"Required":false,"NumberAttributeConstraints":{"MinValue":"1","MaxValue":"9"}},
          {"Name":"email","AttributeDataType":"String","DeveloperOnlyAttribute":false,
          "Mutable":true,"Required":true,"StringAttributeConstraints":{"MinLength":"0","MaxLength":"2048"}}],
        "auto_verified_attributes":["email"],"alias_attributes":[],"username_attributes":["email"],
        "case_sensitive":false,"allow_admin_create_user_only":true,
        "verification":{"EmailSubject":"s","EmailMessage":"m {####}","SmsMessage":"t {####}"},
        "invitation":{"EmailSubject":"is","EmailMessage":"im","SmsMessage":"it"},
        "deletion_protection":true,"mfa_configuration":"OFF",
        "extra":{"AccountRecoverySetting":{"RecoveryMechanisms":[{"Priority":2,"Name":"verified_email"},
          {"Priority":1,"Name":"verified_phone_number"}]},
          "UnusedAccountValidityDays":3,"DefaultEmailOption":"CONFIRM_WITH_LINK",
          "UserPoolTags":{"team":"a"}}}"#;

    #[test]
    fn a_legacy_record_reads_into_typed_fields() {
        let pool: UserPool = decode(LEGACY).unwrap();
        assert_eq!(pool.password_policy.minimum_length, 9);
        assert_eq!(pool.password_policy.password_history_size, Some(3));
        assert_eq!(pool.schema[0].name, "custom:age");
        let n = pool.schema[0]
            .number_attribute_constraints
            .as_ref()
            .unwrap();
        assert_eq!(
            (n.min_value.as_deref(), n.max_value.as_deref()),
            (Some("1"), Some("9"))
        );
        let s = pool.schema[1]
            .string_attribute_constraints
            .as_ref()
            .unwrap();
        assert_eq!(s.max_length.as_deref(), Some("2048"));
        assert_eq!(pool.verification.email_message, "m {####}");
        let recovery = pool.account_recovery.as_ref().unwrap();
        assert_eq!(
            (recovery[0].priority, recovery[0].name.as_str()),
            (2, "verified_email")
        );
        assert_eq!(pool.unused_account_validity_days, 3);
        assert_eq!(pool.default_email_option, "CONFIRM_WITH_LINK");
        // Moved members leave `extra`; behaviour-free ones stay.
        assert_eq!(pool.extra.keys().collect::<Vec<_>>(), ["UserPoolTags"]);
    }

    #[test]
    fn a_record_round_trips_and_is_written_without_wire_names() {
        let pool: UserPool = decode(LEGACY).unwrap();
        let text = encode(&pool).unwrap();
        for wire in [
            "MinimumLength",
            "AttributeDataType",
            "EmailSubject",
            "RecoveryMechanisms",
        ] {
            assert!(!text.contains(wire), "{wire} in {text}");
        }
        assert_eq!(decode::<UserPool>(&text).unwrap(), pool);
    }

    #[test]
    fn defaults_apply_when_a_record_has_no_setting() {
        let mut v: Value = serde_json::from_str(LEGACY).unwrap();
        v["extra"] = serde_json::json!({});
        let pool: UserPool = decode(&v.to_string()).unwrap();
        assert_eq!(pool.account_recovery, None);
        assert_eq!(
            pool.unused_account_validity_days,
            DEFAULT_UNUSED_ACCOUNT_VALIDITY_DAYS
        );
        assert_eq!(pool.default_email_option, DEFAULT_EMAIL_OPTION);
    }
}
