//! User attributes against the pool schema (reference §8.9): which names exist, who may write
//! them, value formats, and the login keys (username, e-mail/phone username, aliases) a user's
//! attributes produce.

use crate::error::{CoreError, CoreResult};
use crate::model::User;
use crate::model::UserPool;
use crate::model::user::{LoginKey, LoginKeyKind};
use crate::store::KeyPolicy;

/// Who is writing attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer<'a> {
    /// An administrator (IAM): may write `dev:` attributes, ignores client write lists.
    Admin,
    /// A user through a client: limited to the client's `WriteAttributes`.
    Client(Option<&'a [String]>),
}

fn schema_error(msg: String) -> CoreError {
    CoreError::InvalidParameter(format!("Attributes did not conform to the schema: {msg}"))
}

/// Validates attribute writes and returns them as stored: Boolean values (`email_verified`,
/// custom booleans) accepted in any case, as Cognito does, and written `true` / `false`.
/// `creating` allows immutable attributes to be set.
pub fn validate_writes(
    pool: &UserPool,
    attrs: &[(String, String)],
    writer: Writer<'_>,
    creating: bool,
) -> CoreResult<Vec<(String, String)>> {
    let mut out = Vec::with_capacity(attrs.len());
    for (name, value) in attrs {
        if name == "sub" {
            return Err(CoreError::invalid(
                "Cannot modify the non-mutable attribute sub",
            ));
        }
        let Some(schema) = pool.attribute(name) else {
            return Err(schema_error(format!(
                "{name}: Attribute does not exist in the schema."
            )));
        };
        if let Writer::Client(allowed) = writer {
            // Users never vouch for their own contact details (security bar SEC-46).
            let permitted = !name.starts_with("dev:")
                && name != "email_verified"
                && name != "phone_number_verified"
                && allowed.is_none_or(|list| list.iter().any(|a| a == name));
            if !permitted {
                return Err(CoreError::NotAuthorized(
                    "A client attempted to write unauthorized attribute".into(),
                ));
            }
        }
        if !schema.mutable && !creating {
            return Err(CoreError::invalid(format!(
                "Cannot modify the non-mutable attribute {name}"
            )));
        }
        if value.is_empty() {
            out.push((name.clone(), value.clone()));
            continue; // blank deletes
        }
        let value = if schema.attribute_data_type == "Boolean" {
            value.to_ascii_lowercase()
        } else {
            value.clone()
        };
        check_value(name, &schema.attribute_data_type, schema, &value)?;
        out.push((name.clone(), value));
    }
    Ok(out)
}

fn check_value(
    name: &str,
    data_type: &str,
    schema: &crate::model::SchemaAttribute,
    value: &str,
) -> CoreResult<()> {
    if value.len() > 2048 {
        return Err(schema_error(format!(
            "{name}: String must be no longer than 2048 characters"
        )));
    }
    match data_type {
        "Boolean" if value != "true" && value != "false" => {
            return Err(schema_error(format!(
                "{name}: Attribute value must be true or false"
            )));
        }
        "Number" => {
            let n: f64 = value
                .parse()
                .map_err(|_| schema_error(format!("{name}: Number must be a valid number")))?;
            if let Some(c) = &schema.number_attribute_constraints {
                let below = c
                    .min_value
                    .as_deref()
                    .and_then(|m| m.parse::<f64>().ok())
                    .is_some_and(|m| n < m);
                let above = c
                    .max_value
                    .as_deref()
                    .and_then(|m| m.parse::<f64>().ok())
                    .is_some_and(|m| n > m);
                if below || above {
                    return Err(schema_error(format!("{name}: Number is out of range")));
                }
            }
        }
        _ => {}
    }
    if let Some(c) = &schema.string_attribute_constraints {
        let len = value.chars().count();
        if let Some(min) = c
            .min_length
            .as_deref()
            .and_then(|m| m.parse::<usize>().ok())
            && len < min
        {
            return Err(schema_error(format!(
                "{name}: String must be at least {min} characters"
            )));
        }
        if let Some(max) = c
            .max_length
            .as_deref()
            .and_then(|m| m.parse::<usize>().ok())
            && len > max
        {
            return Err(schema_error(format!(
                "{name}: String must be no longer than {max} characters"
            )));
        }
    }
    match name {
        "email" if !looks_like_email(value) => {
            Err(CoreError::invalid("Invalid email address format."))
        }
        "phone_number" if !looks_like_phone(value) => {
            Err(CoreError::invalid("Invalid phone number format."))
        }
        _ => Ok(()),
    }
}

/// A plausible e-mail address: one `@`, non-empty local part and domain, no spaces.
pub fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !s.contains(char::is_whitespace)
}

/// E.164: `+` then 1–15 digits.
pub fn looks_like_phone(s: &str) -> bool {
    s.strip_prefix('+')
        .is_some_and(|d| !d.is_empty() && d.len() <= 15 && d.chars().all(|c| c.is_ascii_digit()))
}

/// Required attributes (other than `sub`) that are missing from `attrs`.
pub fn missing_required(pool: &UserPool, present: impl Fn(&str) -> bool) -> Vec<String> {
    pool.schema
        .iter()
        .filter(|a| a.required && a.name != "sub" && !present(&a.name))
        .map(|a| a.name.clone())
        .collect()
}

/// Normalises a username as the pool compares it.
pub fn normalize_username(pool: &UserPool, username: &str) -> String {
    if pool.case_sensitive {
        username.to_string()
    } else {
        username.to_lowercase()
    }
}

/// The login keys a user holds: its username, its e-mail/phone when they are username
/// attributes, and its verified aliases.
pub fn login_keys(pool: &UserPool, user: &User) -> Vec<LoginKey> {
    keys_of(&key_policy(pool), user)
}

/// The login-key rules of a pool, for the store to recompute keys inside a transaction.
pub fn key_policy(pool: &UserPool) -> KeyPolicy {
    KeyPolicy {
        username_attributes: pool.username_attributes.clone(),
        alias_attributes: pool.alias_attributes.clone(),
        case_sensitive: pool.case_sensitive,
    }
}

/// The login keys a user holds under `pool`'s rules (see [`login_keys`]).
pub fn keys_of(pool: &KeyPolicy, user: &User) -> Vec<LoginKey> {
    let username = if pool.case_sensitive {
        user.username.clone()
    } else {
        user.username.to_lowercase()
    };
    let mut keys = vec![LoginKey {
        kind: LoginKeyKind::Username,
        value: username,
    }];
    let mut add = |kind: LoginKeyKind, attr: &str, verified_attr: Option<&str>| {
        let is_username_attr = pool.username_attributes.iter().any(|a| a == attr);
        let is_alias = pool.alias_attributes.iter().any(|a| a == attr);
        let verified = verified_attr.is_none_or(|v| user.attr_is_true(v));
        if let Some(value) = user.attr(attr)
            && (is_username_attr || (is_alias && verified))
        {
            let value = if attr == "phone_number" {
                value.to_string()
            } else {
                value.to_lowercase()
            };
            keys.push(LoginKey { kind, value });
        }
    };
    add(LoginKeyKind::Email, "email", Some("email_verified"));
    add(
        LoginKeyKind::PhoneNumber,
        "phone_number",
        Some("phone_number_verified"),
    );
    add(LoginKeyKind::PreferredUsername, "preferred_username", None);
    keys
}

/// The keys a name given at sign-in may match, most specific first.
pub fn candidate_keys(pool: &UserPool, name: &str) -> Vec<LoginKey> {
    let mut keys = vec![LoginKey {
        kind: LoginKeyKind::Username,
        value: normalize_username(pool, name),
    }];
    let has = |attr: &str| {
        pool.username_attributes.iter().any(|a| a == attr)
            || pool.alias_attributes.iter().any(|a| a == attr)
    };
    if has("email") && name.contains('@') {
        keys.push(LoginKey {
            kind: LoginKeyKind::Email,
            value: name.to_lowercase(),
        });
    }
    if has("phone_number") && name.starts_with('+') {
        keys.push(LoginKey {
            kind: LoginKeyKind::PhoneNumber,
            value: name.to_string(),
        });
    }
    if has("preferred_username") {
        keys.push(LoginKey {
            kind: LoginKeyKind::PreferredUsername,
            value: name.to_lowercase(),
        });
    }
    keys
}

/// Masks a delivery destination like Cognito: `a***@e***` or `+*******1234`.
pub fn mask_destination(destination: &str) -> String {
    if let Some((local, domain)) = destination.split_once('@') {
        let l: String = local.chars().take(1).collect();
        let d: String = domain.chars().take(1).collect();
        format!("{l}***@{d}***")
    } else {
        let tail: String = destination
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("+*******{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_cognito() {
        assert_eq!(mask_destination("alice@example.com"), "a***@e***");
        assert_eq!(mask_destination("+14325551212"), "+*******1212");
    }

    #[test]
    fn formats() {
        assert!(looks_like_email("a@b.c"));
        assert!(!looks_like_email("a b@c"));
        assert!(!looks_like_email("abc"));
        assert!(looks_like_phone("+14325551212"));
        assert!(!looks_like_phone("14325551212"));
        assert!(!looks_like_phone("+1-432"));
    }
}
