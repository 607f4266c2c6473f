//! MFA operations: `GetUserPoolMfaConfig`, `SetUserPoolMfaConfig`, `AssociateSoftwareToken`,
//! `VerifySoftwareToken`, `SetUserMFAPreference`, `AdminSetUserMFAPreference`,
//! `SetUserSettings`, `AdminSetUserSettings`; and the MFA members of `GetUser` / `AdminGetUser`.

use std::sync::Arc;

use cogito_core::model::mfa::EmailMfaTemplate;
use cogito_core::model::{MfaFactor, MfaMode, MfaPreference, User, UserPool};
use cogito_core::service::Cogito;
use cogito_core::service::mfa_settings::{PoolMfaChange, TotpOwner};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::wire::{OpResult, decode};
use crate::error::ApiError;

/// `UserMFASettingList`, `PreferredMfaSetting` and `MFAOptions` of a user, as `GetUser` and
/// `AdminGetUser` answer them.
pub fn user_mfa_members(user: &User, out: &mut Map<String, Value>) {
    let enabled: Vec<&str> = MfaFactor::ALL
        .into_iter()
        .filter(|f| user.mfa.enabled(*f))
        .map(MfaFactor::as_str)
        .collect();
    out.insert("UserMFASettingList".into(), json!(enabled));
    if let Some(p) = user.mfa.preferred {
        out.insert("PreferredMfaSetting".into(), json!(p.as_str()));
    }
    if user.mfa.sms {
        out.insert(
            "MFAOptions".into(),
            json!([{ "DeliveryMedium": "SMS", "AttributeName": "phone_number" }]),
        );
    }
}

fn pool_config(pool: &UserPool) -> Value {
    let mut out = Map::new();
    out.insert("MfaConfiguration".into(), json!(pool.mfa_configuration));
    if pool.mfa.sms {
        let mut sms = Map::new();
        if let Some(m) = &pool.mfa.sms_message {
            sms.insert("SmsAuthenticationMessage".into(), json!(m));
        }
        if let Some(c) = pool.extra.get("SmsConfiguration") {
            sms.insert("SmsConfiguration".into(), c.clone());
        }
        out.insert("SmsMfaConfiguration".into(), Value::Object(sms));
    }
    out.insert(
        "SoftwareTokenMfaConfiguration".into(),
        json!({ "Enabled": pool.mfa.totp }),
    );
    if let Some(e) = &pool.mfa.email {
        out.insert(
            "EmailMfaConfiguration".into(),
            json!({ "Message": e.message, "Subject": e.subject }),
        );
    }
    Value::Object(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PoolInput {
    user_pool_id: String,
    mfa_configuration: Option<String>,
    sms_mfa_configuration: Option<Value>,
    software_token_mfa_configuration: Option<Value>,
    email_mfa_configuration: Option<Value>,
}

/// `GetUserPoolMfaConfig`.
pub async fn get_user_pool_mfa_config(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: PoolInput = decode(input)?;
    Ok(pool_config(&core.pool(&i.user_pool_id).await?))
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// `SetUserPoolMfaConfig`: the factors given are offered, the others are not.
pub async fn set_user_pool_mfa_config(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: PoolInput = decode(input)?;
    let mode = i
        .mfa_configuration
        .as_deref()
        .map(|m| {
            MfaMode::parse(m).ok_or_else(|| {
                ApiError::invalid(format!(
                    "1 validation error detected: Value '{m}' at 'mfaConfiguration' failed to \
                     satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]"
                ))
            })
        })
        .transpose()?;
    let mut extra = Vec::new();
    let sms = i.sms_mfa_configuration.as_ref().map(|c| {
        let message = text(c, "SmsAuthenticationMessage");
        if let Some(conf) = c.get("SmsConfiguration") {
            extra.push(("SmsConfiguration".to_string(), conf.clone()));
        }
        if let Some(m) = &message {
            extra.push(("SmsAuthenticationMessage".to_string(), json!(m)));
        }
        message
    });
    let totp = i
        .software_token_mfa_configuration
        .as_ref()
        .and_then(|c| c.get("Enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let email = i
        .email_mfa_configuration
        .as_ref()
        .map(|c| EmailMfaTemplate {
            subject: text(c, "Subject")
                .unwrap_or_else(|| cogito_core::model::mfa::DEFAULT_EMAIL_MFA_SUBJECT.into()),
            message: text(c, "Message")
                .unwrap_or_else(|| cogito_core::model::mfa::DEFAULT_MFA_MESSAGE.into()),
        });
    let change = PoolMfaChange {
        mode,
        sms,
        totp,
        email,
        extra,
    };
    let pool = core.set_pool_mfa_config(&i.user_pool_id, change).await?;
    Ok(pool_config(&pool))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TotpInput {
    access_token: Option<String>,
    session: Option<String>,
    #[serde(default)]
    user_code: String,
}

fn owner(i: &TotpInput) -> Result<TotpOwner<'_>, ApiError> {
    match (&i.access_token, &i.session) {
        (Some(t), _) if !t.is_empty() => Ok(TotpOwner::AccessToken(t)),
        (_, Some(s)) if !s.is_empty() => Ok(TotpOwner::Session(s)),
        _ => Err(ApiError::invalid(
            "Either AccessToken or Session must be provided.",
        )),
    }
}

/// `AssociateSoftwareToken`.
pub async fn associate_software_token(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: TotpInput = decode(input)?;
    let step = core.associate_software_token(owner(&i)?).await?;
    let mut out = json!({ "SecretCode": step.secret_code });
    if let Some(s) = step.session {
        out["Session"] = json!(s);
    }
    Ok(out)
}

/// `VerifySoftwareToken`.
pub async fn verify_software_token(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: TotpInput = decode(input)?;
    let step = core.verify_software_token(owner(&i)?, &i.user_code).await?;
    let mut out = json!({ "Status": "SUCCESS" });
    if let Some(s) = step.session {
        out["Session"] = json!(s);
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Setting {
    enabled: Option<bool>,
    preferred_mfa: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PreferenceInput {
    access_token: Option<String>,
    user_pool_id: Option<String>,
    username: Option<String>,
    #[serde(rename = "SMSMfaSettings")]
    sms_mfa_settings: Option<Setting>,
    software_token_mfa_settings: Option<Setting>,
    email_mfa_settings: Option<Setting>,
    #[serde(rename = "MFAOptions")]
    mfa_options: Option<Vec<Value>>,
}

fn preference(i: &PreferenceInput) -> MfaPreference {
    let mut change = MfaPreference::default();
    for (factor, setting) in [
        (MfaFactor::Sms, &i.sms_mfa_settings),
        (MfaFactor::Totp, &i.software_token_mfa_settings),
        (MfaFactor::Email, &i.email_mfa_settings),
    ] {
        let Some(s) = setting else { continue };
        if let Some(on) = s.enabled {
            change.turn(factor, on);
        }
        if s.preferred_mfa == Some(true) {
            change.prefer = Some(factor);
        }
    }
    change
}

/// `MFAOptions` of the legacy `SetUserSettings`: SMS to `phone_number` on, or an empty list off.
fn legacy_options(options: &[Value]) -> Result<MfaPreference, ApiError> {
    let mut change = MfaPreference::default();
    for o in options {
        if text(o, "DeliveryMedium").as_deref() != Some("SMS")
            || text(o, "AttributeName").as_deref() != Some("phone_number")
        {
            return Err(ApiError::invalid(
                "Only SMS delivery to phone_number can be set with MFAOptions.",
            ));
        }
    }
    change.turn(MfaFactor::Sms, !options.is_empty());
    Ok(change)
}

async fn apply_preference(core: &Cogito, i: &PreferenceInput, change: MfaPreference) -> OpResult {
    let user = match (&i.access_token, &i.user_pool_id, &i.username) {
        (Some(token), _, _) => core.authorize_access_token(token).await?.user,
        (None, Some(pool_id), Some(username)) => {
            let pool = core.pool(pool_id).await?;
            core.user(&pool, username).await?
        }
        _ => return Err(ApiError::invalid("Missing required parameter AccessToken")),
    };
    core.set_mfa_preference(&user, change).await?;
    Ok(json!({}))
}

/// `SetUserMFAPreference` / `AdminSetUserMFAPreference`.
pub async fn set_user_mfa_preference(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: PreferenceInput = decode(input)?;
    apply_preference(&core, &i, preference(&i)).await
}

/// `SetUserSettings` / `AdminSetUserSettings`.
pub async fn set_user_settings(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: PreferenceInput = decode(input)?;
    let change = legacy_options(i.mfa_options.as_deref().unwrap_or_default())?;
    apply_preference(&core, &i, change).await
}
