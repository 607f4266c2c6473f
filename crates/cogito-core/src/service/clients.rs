//! App client management: create (secret, flows, token validity, attribute lists), describe,
//! full-replacement update, delete, list.

use super::Cogito;
use super::groups::map_cursor;
use crate::error::{CoreError, CoreResult};
use crate::model::client::unit_seconds;
use crate::model::{AppClient, UserPool};
use crate::store::{Page, StoreError};

const ALLOW_FLOWS: &[&str] = &[
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_AUTH",
];
const LEGACY_FLOWS: &[&str] = &[
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
];

/// Default `ExplicitAuthFlows` (reference §8.6).
pub fn default_flows() -> Vec<String> {
    [
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_CUSTOM_AUTH",
    ]
    .map(String::from)
    .to_vec()
}

fn validate_client(pool: &UserPool, c: &AppClient) -> CoreResult<()> {
    let legacy = c
        .explicit_auth_flows
        .iter()
        .any(|f| LEGACY_FLOWS.contains(&f.as_str()));
    let modern = c
        .explicit_auth_flows
        .iter()
        .any(|f| ALLOW_FLOWS.contains(&f.as_str()));
    if legacy && modern {
        return Err(CoreError::invalid(
            "ExplicitAuthFlows cannot contain both legacy and ALLOW_ values.",
        ));
    }
    let units = c.units();
    let check =
        |name: &str, value: Option<i64>, unit: &str, min: i64, max: i64| -> CoreResult<()> {
            let Some(v) = value else { return Ok(()) };
            let secs = v * unit_seconds(unit).unwrap_or(1);
            if secs < min || secs > max {
                return Err(CoreError::invalid(format!(
                    "{name} must be between {} and {} {unit}.",
                    min / unit_seconds(unit).unwrap_or(1),
                    max / unit_seconds(unit).unwrap_or(1)
                )));
            }
            Ok(())
        };
    check(
        "AccessTokenValidity",
        c.access_token_validity,
        &units.access_token,
        300,
        86400,
    )?;
    check(
        "IdTokenValidity",
        c.id_token_validity,
        &units.id_token,
        300,
        86400,
    )?;
    check(
        "RefreshTokenValidity",
        Some(c.refresh_token_validity),
        &units.refresh_token,
        3600,
        315_360_000,
    )?;
    if !(3..=15).contains(&c.auth_session_validity) {
        return Err(CoreError::invalid(
            "AuthSessionValidity must be between 3 and 15 minutes.",
        ));
    }
    for list in [&c.read_attributes, &c.write_attributes]
        .into_iter()
        .flatten()
    {
        for a in list {
            if pool.attribute(a).is_none() {
                return Err(CoreError::invalid(format!(
                    "Invalid read/write attribute: {a}"
                )));
            }
        }
    }
    if let Some(w) = &c.write_attributes
        && w.iter().any(|a| a == "sub")
    {
        return Err(CoreError::invalid(
            "Invalid write attributes specified while creating a client",
        ));
    }
    Ok(())
}

/// `RefreshTokenValidity` 0 (or omitted) means the default 30 days, expressed in the client's unit.
fn default_refresh_validity(client: &mut AppClient) {
    if client.refresh_token_validity == 0 {
        client.refresh_token_validity =
            30 * 86400 / unit_seconds(&client.units().refresh_token).unwrap_or(86400);
    }
}

impl Cogito {
    /// `CreateUserPoolClient`: `client_id` and timestamps are assigned here; with
    /// `generate_secret` a secret is generated.
    pub async fn create_client(
        &self,
        mut client: AppClient,
        generate_secret: bool,
    ) -> CoreResult<AppClient> {
        let pool = self.pool(&client.pool_id).await?;
        default_refresh_validity(&mut client);
        validate_client(&pool, &client)?;
        let now = self.clock.now_ms();
        client.client_id = crate::ids::new_client_id();
        if generate_secret && client.secret.is_none() {
            client.secret = Some(crate::ids::new_client_secret());
        }
        client.created_ms = now;
        client.modified_ms = now;
        self.store
            .insert_client(&client)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::pool_not_found(&client.pool_id),
                e => CoreError::from_store("insert client", e),
            })?;
        Ok(client)
    }

    /// `UpdateUserPoolClient`: full replacement; id, secret and creation time are kept.
    pub async fn update_client(&self, mut next: AppClient) -> CoreResult<AppClient> {
        let pool = self.pool(&next.pool_id).await?;
        let current = self.pool_client(&next.pool_id, &next.client_id).await?;
        next.secret = current.secret;
        next.created_ms = current.created_ms;
        next.modified_ms = self.clock.now_ms();
        if next.name.is_empty() {
            next.name = current.name;
        }
        default_refresh_validity(&mut next);
        validate_client(&pool, &next)?;
        self.store
            .update_client(&next)
            .await
            .map_err(|e| CoreError::from_store("update client", e))?;
        Ok(next)
    }

    /// `DeleteUserPoolClient`.
    pub async fn delete_client(&self, pool_id: &str, client_id: &str) -> CoreResult<()> {
        self.pool(pool_id).await?;
        self.store
            .delete_client(pool_id, client_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::client_not_found(client_id),
                e => CoreError::from_store("delete client", e),
            })
    }

    /// `ListUserPoolClients`.
    pub async fn list_clients(
        &self,
        pool_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> CoreResult<Page<AppClient>> {
        self.pool(pool_id).await?;
        self.store
            .list_clients(pool_id, cursor, limit)
            .await
            .map_err(map_cursor)
    }
}
