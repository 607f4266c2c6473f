//! User pool management: create (defaults, schema, keys), describe, full-replacement update,
//! delete (deletion protection), list, custom attributes. Changes of a stored pool are
//! optimistic read-modify-writes on its revision, retried when another write came first.

use super::Cogito;
use crate::error::{CoreError, CoreResult};
use crate::model::pool::standard_schema;
use crate::model::{SchemaAttribute, UserPool};
use crate::store::{Page, StoreError};

const STANDARD_ALIAS: &[&str] = &["email", "phone_number", "preferred_username"];

/// Builds the full schema from the standard attributes and the `Schema` members given at
/// creation (standard ones may be made required or get other length limits, never another data
/// type or developer-only; others become `custom:`/`dev:`), validated as Cognito does.
pub fn build_schema(inputs: &[SchemaAttribute]) -> CoreResult<Vec<SchemaAttribute>> {
    let mut schema = standard_schema();
    for input in inputs {
        if let Some(existing) = schema.iter_mut().find(|a| a.name == input.name) {
            let retyped = !input.attribute_data_type.is_empty()
                && input.attribute_data_type != existing.attribute_data_type;
            if retyped || input.developer_only_attribute {
                return Err(CoreError::invalid(format!(
                    "You can not change AttributeDataType or set developerOnlyAttribute for \
                     standard schema attribute {}",
                    input.name
                )));
            }
            let checked = constrained(input, &existing.attribute_data_type)?;
            existing.required = input.required;
            existing.mutable = input.mutable;
            if checked.string_attribute_constraints.is_some() {
                existing.string_attribute_constraints = checked.string_attribute_constraints;
            }
            if checked.number_attribute_constraints.is_some() {
                existing.number_attribute_constraints = checked.number_attribute_constraints;
            }
            continue;
        }
        schema.push(custom_attribute(input)?);
    }
    Ok(schema)
}

/// Length of the longest string attribute.
const MAX_STRING_LENGTH: u64 = 2048;

/// `input` with only the constraints its data type has, each checked: numbers that parse,
/// string lengths up to 2048, minimum not above maximum.
fn constrained(input: &SchemaAttribute, data_type: &str) -> CoreResult<SchemaAttribute> {
    let name = &input.name;
    let mut out = input.clone();
    out.string_attribute_constraints = None;
    out.number_attribute_constraints = None;
    let parse = |v: &Option<String>, kind: &str| -> CoreResult<Option<i64>> {
        v.as_deref()
            .map(|t| {
                t.trim().parse::<i64>().map_err(|_| {
                    CoreError::invalid(format!("Invalid {kind} for schema attribute {name}"))
                })
            })
            .transpose()
    };
    match data_type {
        "String" => {
            if let Some(c) = &input.string_attribute_constraints {
                let kind = "StringAttributeConstraints";
                let (min, max) = (parse(&c.min_length, kind)?, parse(&c.max_length, kind)?);
                let too_long =
                    |n: Option<i64>| n.is_some_and(|n| n < 0 || n as u64 > MAX_STRING_LENGTH);
                if too_long(min) || too_long(max) {
                    return Err(CoreError::invalid(format!(
                        "user.{name}: String attributes cannot have a length of more than 2048"
                    )));
                }
                if let (Some(min), Some(max)) = (min, max)
                    && min > max
                {
                    return Err(CoreError::invalid(format!(
                        "user.{name}: Max length cannot be less than min length."
                    )));
                }
                out.string_attribute_constraints = Some(c.clone());
            }
        }
        "Number" => {
            if let Some(c) = &input.number_attribute_constraints {
                let kind = "NumberAttributeConstraints";
                let (min, max) = (parse(&c.min_value, kind)?, parse(&c.max_value, kind)?);
                if let (Some(min), Some(max)) = (min, max)
                    && min > max
                {
                    return Err(CoreError::invalid(format!(
                        "user.{name}: Max value cannot be less than min value."
                    )));
                }
                out.number_attribute_constraints = Some(c.clone());
            }
        }
        _ => {}
    }
    Ok(out)
}

fn custom_attribute(input: &SchemaAttribute) -> CoreResult<SchemaAttribute> {
    let bare = input
        .name
        .trim_start_matches("custom:")
        .trim_start_matches("dev:");
    if bare.is_empty() || bare.chars().count() > 20 {
        return Err(CoreError::invalid(format!(
            "Invalid custom attribute name: {}",
            input.name
        )));
    }
    let data_type = match input.attribute_data_type.as_str() {
        "" => {
            return Err(CoreError::invalid(
                "Invalid AttributeDataType input, consider using the provided AttributeDataType \
                 enum.",
            ));
        }
        t @ ("String" | "Number" | "DateTime" | "Boolean") => t,
        t => {
            return Err(CoreError::invalid(format!(
                "Validation error detected: Value '{t}' failed to satisfy constraint: Member must \
                 satisfy enum value set: [Boolean, Number, String, DateTime]"
            )));
        }
    };
    if input.required {
        return Err(CoreError::invalid(
            "Required custom attributes are not supported currently.",
        ));
    }
    let prefix = if input.developer_only_attribute {
        "dev:"
    } else {
        "custom:"
    };
    Ok(SchemaAttribute {
        name: format!("{prefix}{bare}"),
        attribute_data_type: data_type.into(),
        ..constrained(input, data_type)?
    })
}

/// `MfaConfiguration` is a known value, and a pool that asks for MFA offers a factor.
pub(crate) fn check_mfa(pool: &UserPool) -> CoreResult<()> {
    let Some(mode) = crate::model::MfaMode::parse(&pool.mfa_configuration) else {
        return Err(CoreError::invalid(format!(
            "1 validation error detected: Value '{}' at 'mfaConfiguration' failed to satisfy \
             constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]",
            pool.mfa_configuration
        )));
    };
    let offers_any = crate::model::MfaFactor::ALL
        .into_iter()
        .any(|f| pool.mfa.offers(f));
    if mode != crate::model::MfaMode::Off && !offers_any {
        return Err(CoreError::invalid(
            "SMS configuration is required when MFA is enabled",
        ));
    }
    Ok(())
}

fn validate_pool(pool: &UserPool) -> CoreResult<()> {
    check_mfa(pool)?;
    if !pool.alias_attributes.is_empty() && !pool.username_attributes.is_empty() {
        return Err(CoreError::invalid(
            "Only one of the UsernameAttributes or AliasAttributes can be set in a User Pool.",
        ));
    }
    for a in &pool.alias_attributes {
        if !STANDARD_ALIAS.contains(&a.as_str()) {
            return Err(CoreError::invalid(format!("Invalid alias attribute: {a}")));
        }
    }
    for a in pool
        .username_attributes
        .iter()
        .chain(&pool.auto_verified_attributes)
    {
        if a != "email" && a != "phone_number" {
            return Err(CoreError::invalid(format!("Invalid attribute: {a}")));
        }
    }
    for (name, t) in [
        ("verification", &pool.verification),
        ("invitation", &pool.invitation),
    ] {
        if !t.email_message.contains("{####}") || !t.sms_message.contains("{####}") {
            return Err(CoreError::invalid(format!(
                "The {name} message template must contain {{####}}"
            )));
        }
    }
    if !pool.invitation.email_message.contains("{username}")
        || !pool.invitation.sms_message.contains("{username}")
    {
        return Err(CoreError::invalid(
            "The invitation message template must contain {username}",
        ));
    }
    Ok(())
}

impl Cogito {
    /// Creates a pool from settings (its `id` and timestamps are assigned here) and its keys.
    pub async fn create_pool(&self, mut pool: UserPool) -> CoreResult<UserPool> {
        validate_pool(&pool)?;
        self.check_trigger_mappings(&pool)?;
        let now = self.clock.now_ms();
        pool.id = crate::ids::new_pool_id(&self.config.region);
        pool.created_ms = now;
        pool.modified_ms = now;
        self.store
            .insert_pool(&pool)
            .await
            .map_err(|e| CoreError::from_store("insert pool", e))?;
        if let Err(e) = self.keys.create_for_pool(&pool.id).await {
            let _ = self.store.delete_pool(&pool.id).await;
            return Err(e);
        }
        Ok(pool)
    }

    /// Full-replacement update; immutable settings (schema, username/alias attributes, case
    /// sensitivity, name) are kept from the stored pool as it is when the write lands.
    pub async fn update_pool(&self, next: UserPool) -> CoreResult<UserPool> {
        self.check_trigger_mappings(&next)?;
        let pool_id = next.id.clone();
        self.revise_pool(&pool_id, |pool| {
            let mut merged = next.clone();
            merged.name = std::mem::take(&mut pool.name);
            merged.schema = std::mem::take(&mut pool.schema);
            merged.username_attributes = std::mem::take(&mut pool.username_attributes);
            merged.alias_attributes = std::mem::take(&mut pool.alias_attributes);
            merged.case_sensitive = pool.case_sensitive;
            merged.created_ms = pool.created_ms;
            // TOTP and e-mail MFA are set with SetUserPoolMfaConfig, not UpdateUserPool.
            merged.mfa.totp = pool.mfa.totp;
            merged.mfa.email = pool.mfa.email.take();
            validate_pool(&merged)?;
            *pool = merged;
            Ok(())
        })
        .await
    }

    /// Applies `change` to the stored pool and writes it back only if nobody wrote the pool in
    /// between (its [`crate::store::Revision`]); after losing such a race it re-reads the pool
    /// and applies `change` again, so concurrent changes of different settings all land.
    pub(crate) async fn revise_pool(
        &self,
        pool_id: &str,
        change: impl Fn(&mut UserPool) -> CoreResult<()>,
    ) -> CoreResult<UserPool> {
        for _ in 0..super::REVISE_ATTEMPTS {
            let read = self.store.get_pool_revised(pool_id).await;
            let read = read.map_err(|e| missing_pool(pool_id, e))?;
            let (mut record, revision) = (read.record, read.revision);
            change(&mut record)?;
            record.modified_ms = self.clock.now_ms();
            match self.store.update_pool(&record, revision).await {
                Ok(_) => {
                    self.config_changed(pool_id);
                    return Ok(record);
                }
                Err(StoreError::Stale) => tokio::task::yield_now().await,
                Err(e) => return Err(missing_pool(pool_id, e)),
            }
        }
        Err(super::concurrently_modified(pool_id))
    }

    /// Deletes a pool unless deletion protection is active.
    pub async fn delete_pool(&self, pool_id: &str) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        if pool.deletion_protection {
            return Err(CoreError::invalid(
                "The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.",
            ));
        }
        if self.domain_of_pool(pool_id).await?.is_some() {
            return Err(CoreError::invalid(
                "User pool cannot be deleted. It has a domain configured that should be deleted first.",
            ));
        }
        self.store.delete_pool(pool_id).await.map_err(|e| match e {
            StoreError::NotFound => CoreError::pool_not_found(pool_id),
            e => CoreError::from_store("delete pool", e),
        })?;
        self.keys.forget(pool_id);
        Ok(())
    }

    /// Lists pools.
    pub async fn list_pools(&self, cursor: Option<&str>, limit: u32) -> CoreResult<Page<UserPool>> {
        self.store
            .list_pools(cursor, limit)
            .await
            .map_err(super::groups::map_cursor)
    }

    /// Number of users in a pool (`EstimatedNumberOfUsers`).
    pub async fn count_users(&self, pool_id: &str) -> CoreResult<u64> {
        self.store
            .count_users(pool_id)
            .await
            .map_err(|e| CoreError::from_store("count users", e))
    }

    /// `AddCustomAttributes`.
    pub async fn add_custom_attributes(
        &self,
        pool_id: &str,
        attrs: &[SchemaAttribute],
    ) -> CoreResult<()> {
        self.revise_pool(pool_id, |pool| {
            for input in attrs {
                let attr = custom_attribute(input)?;
                if pool.attribute(&attr.name).is_some() {
                    return Err(CoreError::invalid(format!(
                        "Existing attribute already has name {}.",
                        attr.name
                    )));
                }
                pool.schema.push(attr);
            }
            Ok(())
        })
        .await?;
        Ok(())
    }
}

fn missing_pool(pool_id: &str, e: StoreError) -> CoreError {
    match e {
        StoreError::NotFound => CoreError::pool_not_found(pool_id),
        e => CoreError::from_store("update pool", e),
    }
}
