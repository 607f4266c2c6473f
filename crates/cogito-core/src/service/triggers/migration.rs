//! User migration (reference §6.4): a name that matches no user is offered to the pool's
//! migration function, with the password typed at sign-in (`UserMigration_Authentication`) or
//! without one on `ForgotPassword` (`UserMigration_ForgotPassword`). When the function knows
//! the user, the user is created in the pool with the attributes it returns — and, at sign-in,
//! with the password that was typed — so the next sign-in never calls the function again.

use serde_json::Value;

use super::{Caller, Event, flag};
use crate::attributes::{Writer, login_keys, validate_writes};
use crate::error::{CoreError, CoreResult};
use crate::model::{AppClient, TriggerKind, User, UserPool, UserStatus};
use crate::service::Cogito;
use crate::service::signup::{insert_error, new_user};
use crate::store::{Effects, StoreError};

/// A user found for a sign-in or a password reset.
#[derive(Debug)]
pub(crate) enum Found {
    /// Already in the pool.
    Stored(User),
    /// Created just now by the migration function; at sign-in, the typed password is the
    /// one the function accepted, so it needs no second check.
    Migrated(User),
}

impl Found {
    /// The user.
    pub(crate) fn user(self) -> User {
        match self {
            Self::Stored(u) | Self::Migrated(u) => u,
        }
    }
}

fn attribute_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Cogito {
    /// For a name no user has (the caller looked it up and checked the request's secret hash):
    /// the user the pool's migration function creates, or `None` when the pool has no such
    /// function or the function does not know the name. `password` is the typed password at
    /// sign-in, `None` for a password reset.
    pub(crate) async fn migrate_user(
        &self,
        pool: &UserPool,
        client: &AppClient,
        name: &str,
        password: Option<&str>,
    ) -> CoreResult<Option<Found>> {
        if pool.triggers.arn(TriggerKind::UserMigration).is_none() {
            return Ok(None);
        }
        let source = match password {
            Some(_) => "UserMigration_Authentication",
            None => "UserMigration_ForgotPassword",
        };
        let caller = Caller::of(&client.client_id);
        let mut event = Event::new(TriggerKind::UserMigration, source, name, caller);
        if let Some(p) = password {
            event = event.with("password", Value::String(p.to_owned()));
        }
        // The request's `ClientMetadata` is also the sign-in's validation data.
        if let Some(m) = super::request_metadata().filter(|m| !m.is_empty()) {
            event = event.with("validationData", super::string_map(&m));
        }
        let response = match self.run_trigger(pool, event).await {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(None),
            // The function refusing the user (unknown to it too, or a wrong old password) is
            // answered like an unknown name.
            Err(CoreError::UserLambdaValidation(m)) => {
                tracing::debug!(message = %m, "the migration function refused a user");
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let given: Vec<(String, String)> = match response.get("userAttributes") {
            Some(Value::Object(a)) if !a.is_empty() => a
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), attribute_value(v)?)))
                .collect(),
            // An empty answer: the function does not know the user.
            _ => return Ok(None),
        };
        let attributes = validate_writes(pool, &given, Writer::Admin, true)
            .map_err(|e| CoreError::InvalidLambdaResponse(e.to_string()))?;
        let mut user = new_user(pool, name, &attributes, self.clock.now_ms())?;
        let confirmed = password.is_some()
            && response.get("finalUserStatus").and_then(Value::as_str) == Some("CONFIRMED");
        user.status = if confirmed {
            UserStatus::Confirmed
        } else {
            UserStatus::ResetRequired
        };
        if let (true, Some(p)) = (confirmed, password) {
            // The old system's password is taken as it is, not checked against the policy.
            self.stored_password(pool, &user, p, 1)
                .await?
                .set_on_new(&mut user);
        }
        let keys = login_keys(pool, &user);
        match self
            .store
            .insert_user(
                &user,
                &keys,
                flag(&response, "forceAliasCreation"),
                &Effects::none(),
            )
            .await
        {
            Ok(()) => {
                tracing::info!(pool = %pool.id, source, "user migrated in");
                Ok(Some(Found::Migrated(user)))
            }
            // A parallel sign-in migrated the user first: that user stands.
            Err(e @ StoreError::Conflict(_)) => match self.lookup_user(pool, name).await? {
                Some(u) => Ok(Some(Found::Stored(u))),
                None => Err(insert_error(pool, e, "User account already exists")),
            },
            Err(e) => Err(CoreError::from_store("migrate user", e)),
        }
    }
}
