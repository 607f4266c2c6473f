//! User pool operations: `CreateUserPool`, `DescribeUserPool`, `UpdateUserPool`,
//! `DeleteUserPool`, `ListUserPools`, `AddCustomAttributes`; and the `UserPoolType` wire shape.

use std::sync::Arc;

use cogito_core::model::pool::{
    DEFAULT_EMAIL_OPTION, DEFAULT_UNUSED_ACCOUNT_VALIDITY_DAYS, MessageTemplates,
    NumberConstraints, RecoveryMechanism, StringConstraints, default_invitation,
    default_verification,
};
use cogito_core::model::{
    DeviceConfig, PasswordPolicy, PoolMfa, PoolTriggers, PreTokenVersion, SchemaAttribute,
    TriggerKind, UserPool,
};
use cogito_core::service::Cogito;
use cogito_core::service::pools::build_schema;
use serde_json::{Map, Value, json};

use super::wire::{OpResult, limit, timestamp};
use crate::error::ApiError;

/// Members mapped onto typed settings; everything else is kept verbatim in `extra`.
const TYPED: &[&str] = &[
    "UserPoolId",
    "PoolName",
    "Policies",
    "Schema",
    "AutoVerifiedAttributes",
    "AliasAttributes",
    "UsernameAttributes",
    "UsernameConfiguration",
    "AdminCreateUserConfig",
    "VerificationMessageTemplate",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "SmsVerificationMessage",
    "DeletionProtection",
    "MfaConfiguration",
    "AccountRecoverySetting",
    "LambdaConfig",
];

use super::wire::string_member as s;

fn strings(v: &Value, k: &str) -> Vec<String> {
    super::wire::string_list(v, k).unwrap_or_default()
}

fn password_policy(input: &Value) -> PasswordPolicy {
    let Some(p) = input.get("Policies").and_then(|p| p.get("PasswordPolicy")) else {
        return PasswordPolicy::default();
    };
    let b = |k: &str| p.get(k).and_then(Value::as_bool).unwrap_or(false);
    let n = |k: &str| p.get(k).and_then(Value::as_u64).map(|x| x as u32);
    PasswordPolicy {
        minimum_length: n("MinimumLength").unwrap_or(8),
        require_uppercase: b("RequireUppercase"),
        require_lowercase: b("RequireLowercase"),
        require_numbers: b("RequireNumbers"),
        require_symbols: b("RequireSymbols"),
        password_history_size: n("PasswordHistorySize"),
        temporary_password_validity_days: n("TemporaryPasswordValidityDays").unwrap_or(7),
    }
}

/// Parses `SchemaAttributeType` inputs (names as given, without prefix).
pub fn schema_inputs(list: Option<&Value>) -> Vec<SchemaAttribute> {
    let Some(items) = list.and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .map(|a| SchemaAttribute {
            name: s(a, "Name").unwrap_or_default(),
            attribute_data_type: s(a, "AttributeDataType").unwrap_or_default(),
            developer_only_attribute: a
                .get("DeveloperOnlyAttribute")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            mutable: a.get("Mutable").and_then(Value::as_bool).unwrap_or(true),
            required: a.get("Required").and_then(Value::as_bool).unwrap_or(false),
            string_attribute_constraints: a.get("StringAttributeConstraints").map(|c| {
                StringConstraints {
                    min_length: s(c, "MinLength"),
                    max_length: s(c, "MaxLength"),
                }
            }),
            number_attribute_constraints: a.get("NumberAttributeConstraints").map(|c| {
                NumberConstraints {
                    min_value: s(c, "MinValue"),
                    max_value: s(c, "MaxValue"),
                }
            }),
        })
        .collect()
}

fn templates(input: &Value) -> (MessageTemplates, MessageTemplates) {
    let mut verification = default_verification();
    let vt = input
        .get("VerificationMessageTemplate")
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(m) = s(&vt, "EmailMessage").or_else(|| s(input, "EmailVerificationMessage")) {
        verification.email_message = m;
    }
    if let Some(m) = s(&vt, "EmailSubject").or_else(|| s(input, "EmailVerificationSubject")) {
        verification.email_subject = m;
    }
    if let Some(m) = s(&vt, "SmsMessage").or_else(|| s(input, "SmsVerificationMessage")) {
        verification.sms_message = m;
    }
    let mut invitation = default_invitation();
    let it = input
        .get("AdminCreateUserConfig")
        .and_then(|c| c.get("InviteMessageTemplate"))
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(m) = s(&it, "EmailMessage") {
        invitation.email_message = m;
    }
    if let Some(m) = s(&it, "EmailSubject") {
        invitation.email_subject = m;
    }
    if let Some(m) = s(&it, "SMSMessage") {
        invitation.sms_message = m;
    }
    (verification, invitation)
}

/// Builds pool settings from a `CreateUserPool` / `UpdateUserPool` input.
pub fn pool_from_input(input: &Value) -> Result<UserPool, ApiError> {
    let (verification, invitation) = templates(input);
    let mfa = s(input, "MfaConfiguration").unwrap_or_else(|| "OFF".into());
    let extra = super::wire::extra_members(input, TYPED);
    Ok(UserPool {
        id: s(input, "UserPoolId").unwrap_or_default(),
        name: s(input, "PoolName").unwrap_or_default(),
        created_ms: 0,
        modified_ms: 0,
        password_policy: password_policy(input),
        schema: build_schema(&schema_inputs(input.get("Schema")))?,
        auto_verified_attributes: strings(input, "AutoVerifiedAttributes"),
        alias_attributes: strings(input, "AliasAttributes"),
        username_attributes: strings(input, "UsernameAttributes"),
        case_sensitive: input
            .get("UsernameConfiguration")
            .and_then(|u| u.get("CaseSensitive"))
            .and_then(Value::as_bool)
            .unwrap_or(true),
        allow_admin_create_user_only: input
            .get("AdminCreateUserConfig")
            .and_then(|c| c.get("AllowAdminCreateUserOnly"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        verification,
        invitation,
        deletion_protection: s(input, "DeletionProtection").as_deref() == Some("ACTIVE"),
        mfa_configuration: mfa,
        devices: input.get("DeviceConfiguration").map(|d| DeviceConfig {
            challenge_required_on_new_device: d
                .get("ChallengeRequiredOnNewDevice")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            only_remembered_on_user_prompt: d
                .get("DeviceOnlyRememberedOnUserPrompt")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }),
        mfa: PoolMfa {
            sms: input.get("SmsConfiguration").is_some(),
            sms_message: s(input, "SmsAuthenticationMessage"),
            ..PoolMfa::default()
        },
        account_recovery: account_recovery(input),
        unused_account_validity_days: input
            .get("AdminCreateUserConfig")
            .and_then(|c| c.get("UnusedAccountValidityDays"))
            .and_then(Value::as_u64)
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(DEFAULT_UNUSED_ACCOUNT_VALIDITY_DAYS),
        default_email_option: input
            .get("VerificationMessageTemplate")
            .and_then(|c| s(c, "DefaultEmailOption"))
            .unwrap_or_else(|| DEFAULT_EMAIL_OPTION.to_owned()),
        triggers: lambda_config(input.get("LambdaConfig"))?,
        extra,
    })
}

/// `LambdaConfig`: a function ARN per trigger; `PreTokenGenerationConfig` gives the
/// pre-token-generation function with its event version (and must agree with the legacy
/// `PreTokenGeneration` member when both are given).
fn lambda_config(config: Option<&Value>) -> Result<PoolTriggers, ApiError> {
    let mut triggers = PoolTriggers::default();
    let Some(config) = config.and_then(Value::as_object) else {
        return Ok(triggers);
    };
    for (member, value) in config {
        match (TriggerKind::parse(member), value) {
            (Some(kind), Value::String(arn)) => {
                triggers.functions.insert(kind, arn.clone());
            }
            (None, _) if member == "PreTokenGenerationConfig" => {}
            (None, _)
                if ["CustomSMSSender", "CustomEmailSender", "KMSKeyID"]
                    .contains(&member.as_str()) =>
            {
                return Err(ApiError::invalid(format!(
                    "{member} is not supported by cogito: it sends messages itself (SMTP, the \
                     SMS webhook, the outbox); use a CustomMessage trigger to change them."
                )));
            }
            _ => {}
        }
    }
    if let Some(c) = config.get("PreTokenGenerationConfig") {
        let version = s(c, "LambdaVersion").unwrap_or_default();
        triggers.pre_token_version = PreTokenVersion::parse(&version).ok_or_else(|| {
            ApiError::invalid(format!(
                "Invalid LambdaVersion {version} in PreTokenGenerationConfig."
            ))
        })?;
        let arn = s(c, "LambdaArn").unwrap_or_default();
        match triggers.functions.get(&TriggerKind::PreTokenGeneration) {
            Some(legacy) if *legacy != arn => {
                return Err(ApiError::invalid(
                    "PreTokenGeneration and PreTokenGenerationConfig.LambdaArn must name the same function.",
                ));
            }
            _ => {
                triggers
                    .functions
                    .insert(TriggerKind::PreTokenGeneration, arn);
            }
        }
    }
    Ok(triggers)
}

/// `LambdaConfigType` of a pool's triggers.
fn lambda_config_type(triggers: &PoolTriggers) -> Value {
    let mut out: Map<String, Value> = triggers
        .functions
        .iter()
        .map(|(kind, arn)| (kind.as_str().to_owned(), json!(arn)))
        .collect();
    if let Some(arn) = triggers.arn(TriggerKind::PreTokenGeneration) {
        out.insert(
            "PreTokenGenerationConfig".into(),
            json!({ "LambdaVersion": triggers.pre_token_version.as_str(), "LambdaArn": arn }),
        );
    }
    Value::Object(out)
}

/// `AccountRecoverySetting.RecoveryMechanisms`, in the order given.
fn account_recovery(input: &Value) -> Option<Vec<RecoveryMechanism>> {
    let list = input
        .get("AccountRecoverySetting")?
        .get("RecoveryMechanisms")?
        .as_array()?;
    Some(
        list.iter()
            .filter_map(|m| {
                Some(RecoveryMechanism {
                    priority: u32::try_from(m.get("Priority")?.as_u64()?).ok()?,
                    name: s(m, "Name")?,
                })
            })
            .collect(),
    )
}

/// `PasswordPolicyType`.
fn password_policy_type(p: &PasswordPolicy) -> Value {
    let mut out = json!({
        "MinimumLength": p.minimum_length,
        "RequireUppercase": p.require_uppercase,
        "RequireLowercase": p.require_lowercase,
        "RequireNumbers": p.require_numbers,
        "RequireSymbols": p.require_symbols,
        "TemporaryPasswordValidityDays": p.temporary_password_validity_days,
    });
    if let Some(n) = p.password_history_size {
        out["PasswordHistorySize"] = json!(n);
    }
    out
}

/// `SchemaAttributeType`.
pub fn schema_attribute_type(a: &SchemaAttribute) -> Value {
    let mut out = json!({
        "Name": a.name,
        "AttributeDataType": a.attribute_data_type,
        "DeveloperOnlyAttribute": a.developer_only_attribute,
        "Mutable": a.mutable,
        "Required": a.required,
    });
    if let Some(c) = &a.string_attribute_constraints {
        let mut m = Map::new();
        if let Some(v) = &c.min_length {
            m.insert("MinLength".into(), json!(v));
        }
        if let Some(v) = &c.max_length {
            m.insert("MaxLength".into(), json!(v));
        }
        out["StringAttributeConstraints"] = Value::Object(m);
    }
    if let Some(c) = &a.number_attribute_constraints {
        let mut m = Map::new();
        if let Some(v) = &c.min_value {
            m.insert("MinValue".into(), json!(v));
        }
        if let Some(v) = &c.max_value {
            m.insert("MaxValue".into(), json!(v));
        }
        out["NumberAttributeConstraints"] = Value::Object(m);
    }
    out
}

/// `UserPoolType`.
pub fn pool_type(pool: &UserPool, estimated_users: u64) -> Value {
    let region = cogito_core::ids::pool_region(&pool.id);
    let mut out: Map<String, Value> = pool
        .extra
        .iter()
        .filter(|(k, _)| !TYPED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let v = &pool.verification;
    let i = &pool.invitation;
    let fields = json!({
        "Id": pool.id,
        "Name": pool.name,
        "Arn": format!("arn:aws:cognito-idp:{region}:000000000000:userpool/{}", pool.id),
        "CreationDate": timestamp(pool.created_ms),
        "LastModifiedDate": timestamp(pool.modified_ms),
        "Policies": { "PasswordPolicy": password_policy_type(&pool.password_policy) },
        "SchemaAttributes": pool.schema.iter().map(schema_attribute_type).collect::<Vec<_>>(),
        "AutoVerifiedAttributes": pool.auto_verified_attributes,
        "UsernameConfiguration": { "CaseSensitive": pool.case_sensitive },
        "VerificationMessageTemplate": {
            "EmailMessage": v.email_message, "EmailSubject": v.email_subject, "SmsMessage": v.sms_message,
            "DefaultEmailOption": pool.default_email_option,
        },
        "EmailVerificationMessage": v.email_message,
        "EmailVerificationSubject": v.email_subject,
        "SmsVerificationMessage": v.sms_message,
        "AdminCreateUserConfig": {
            "AllowAdminCreateUserOnly": pool.allow_admin_create_user_only,
            "UnusedAccountValidityDays": pool.unused_account_validity_days,
            "InviteMessageTemplate": { "EmailMessage": i.email_message, "EmailSubject": i.email_subject, "SMSMessage": i.sms_message },
        },
        "MfaConfiguration": pool.mfa_configuration,
        "DeletionProtection": if pool.deletion_protection { "ACTIVE" } else { "INACTIVE" },
        "EstimatedNumberOfUsers": estimated_users,
    });
    if let Value::Object(f) = fields {
        out.extend(f);
    }
    if !pool.alias_attributes.is_empty() {
        out.insert("AliasAttributes".into(), json!(pool.alias_attributes));
    }
    if !pool.username_attributes.is_empty() {
        out.insert("UsernameAttributes".into(), json!(pool.username_attributes));
    }
    if let Some(list) = &pool.account_recovery {
        let mechanisms: Vec<Value> = list
            .iter()
            .map(|m| json!({ "Priority": m.priority, "Name": m.name }))
            .collect();
        out.insert(
            "AccountRecoverySetting".into(),
            json!({ "RecoveryMechanisms": mechanisms }),
        );
    }
    out.insert("LambdaConfig".into(), lambda_config_type(&pool.triggers));
    out.entry("EmailConfiguration")
        .or_insert(json!({ "EmailSendingAccount": "COGNITO_DEFAULT" }));
    out.entry("UserPoolTier").or_insert(json!("ESSENTIALS"));
    Value::Object(out)
}

fn pool_id(input: &Value) -> String {
    s(input, "UserPoolId").unwrap_or_default()
}

/// `CreateUserPool`.
pub async fn create_user_pool(core: Arc<Cogito>, input: Value) -> OpResult {
    let pool = core.create_pool(pool_from_input(&input)?).await?;
    Ok(json!({ "UserPool": pool_type(&pool, 0) }))
}

/// `DescribeUserPool`.
pub async fn describe_user_pool(core: Arc<Cogito>, input: Value) -> OpResult {
    let pool = core.pool(&pool_id(&input)).await?;
    let n = core.count_users(&pool.id).await?;
    let mut described = pool_type(&pool, n);
    // Cognito names the pool's domain prefix in its description.
    if let Some(domain) = core.domain_of_pool(&pool.id).await? {
        let member = if domain.custom {
            "CustomDomain"
        } else {
            "Domain"
        };
        described[member] = json!(domain.domain);
    }
    Ok(json!({ "UserPool": described }))
}

/// `UpdateUserPool` (full replacement of the mutable settings).
pub async fn update_user_pool(core: Arc<Cogito>, input: Value) -> OpResult {
    core.update_pool(pool_from_input(&input)?).await?;
    Ok(json!({}))
}

/// `DeleteUserPool`.
pub async fn delete_user_pool(core: Arc<Cogito>, input: Value) -> OpResult {
    core.delete_pool(&pool_id(&input)).await?;
    Ok(json!({}))
}

/// `ListUserPools`.
pub async fn list_user_pools(core: Arc<Cogito>, input: Value) -> OpResult {
    let max = limit(
        input
            .get("MaxResults")
            .and_then(Value::as_u64)
            .map(|n| n as u32),
    );
    let page = core
        .list_pools(input.get("NextToken").and_then(Value::as_str), max)
        .await?;
    Ok(super::wire::page(page, "UserPools", "NextToken", |p| {
        json!({
            "Id": p.id, "Name": p.name, "LambdaConfig": lambda_config_type(&p.triggers),
            "CreationDate": timestamp(p.created_ms), "LastModifiedDate": timestamp(p.modified_ms),
        })
    }))
}

/// `AddCustomAttributes`.
pub async fn add_custom_attributes(core: Arc<Cogito>, input: Value) -> OpResult {
    let attrs = schema_inputs(input.get("CustomAttributes"));
    core.add_custom_attributes(&pool_id(&input), &attrs).await?;
    Ok(json!({}))
}
