//! The stored shape of an app client (`clients.record`). The secret arrives sealed by the core
//! and is stored as it is.
//!
//! Before the stored shapes were split from the core models, `units` was written with Cognito's
//! names (`AccessToken`, …) and `RefreshTokenRotation` lived in `extra`; both are still read.

use std::collections::BTreeMap;

use cogito_core::model::client::{RefreshTokenRotation, TokenValidityUnits};
use cogito_core::model::{AppClient, OAuthSettings};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Record, take_legacy};

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredClient {
    pool_id: String,
    client_id: String,
    name: String,
    secret: Option<String>,
    explicit_auth_flows: Vec<String>,
    access_token_validity: Option<i64>,
    id_token_validity: Option<i64>,
    refresh_token_validity: i64,
    units: Option<StoredUnits>,
    read_attributes: Option<Vec<String>>,
    write_attributes: Option<Vec<String>>,
    prevent_user_existence_errors: String,
    enable_token_revocation: bool,
    auth_session_validity: i64,
    created_ms: i64,
    modified_ms: i64,
    #[serde(default)]
    oauth: StoredOAuth,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token_rotation: Option<StoredRotation>,
    #[serde(default)]
    extra: BTreeMap<String, Value>,
}

#[derive(Serialize, Deserialize)]
struct StoredUnits {
    #[serde(alias = "AccessToken")]
    access_token: String,
    #[serde(alias = "IdToken")]
    id_token: String,
    #[serde(alias = "RefreshToken")]
    refresh_token: String,
}

#[derive(Serialize, Deserialize, Default)]
struct StoredOAuth {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    flows: Vec<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    callback_urls: Vec<String>,
    #[serde(default)]
    logout_urls: Vec<String>,
    #[serde(default)]
    default_redirect_uri: Option<String>,
    #[serde(default)]
    identity_providers: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct StoredRotation {
    enabled: bool,
    retry_grace_period_seconds: i64,
}

/// The legacy `extra.RefreshTokenRotation` (the wire member as given).
#[derive(Deserialize)]
struct LegacyRotation {
    #[serde(rename = "Feature")]
    feature: Option<String>,
    #[serde(rename = "RetryGracePeriodSeconds", default)]
    grace: i64,
}

impl Record for AppClient {
    type Stored = StoredClient;

    fn to_stored(&self) -> StoredClient {
        let o = &self.oauth;
        StoredClient {
            pool_id: self.pool_id.clone(),
            client_id: self.client_id.clone(),
            name: self.name.clone(),
            secret: self.secret.clone(),
            explicit_auth_flows: self.explicit_auth_flows.clone(),
            access_token_validity: self.access_token_validity,
            id_token_validity: self.id_token_validity,
            refresh_token_validity: self.refresh_token_validity,
            units: self.units.as_ref().map(|u| StoredUnits {
                access_token: u.access_token.clone(),
                id_token: u.id_token.clone(),
                refresh_token: u.refresh_token.clone(),
            }),
            read_attributes: self.read_attributes.clone(),
            write_attributes: self.write_attributes.clone(),
            prevent_user_existence_errors: self.prevent_user_existence_errors.clone(),
            enable_token_revocation: self.enable_token_revocation,
            auth_session_validity: self.auth_session_validity,
            created_ms: self.created_ms,
            modified_ms: self.modified_ms,
            oauth: StoredOAuth {
                enabled: o.enabled,
                flows: o.flows.clone(),
                scopes: o.scopes.clone(),
                callback_urls: o.callback_urls.clone(),
                logout_urls: o.logout_urls.clone(),
                default_redirect_uri: o.default_redirect_uri.clone(),
                identity_providers: o.identity_providers.clone(),
            },
            refresh_token_rotation: self.refresh_token_rotation.map(|r| StoredRotation {
                enabled: r.enabled,
                retry_grace_period_seconds: r.retry_grace_period_seconds,
            }),
            extra: self.extra.clone(),
        }
    }

    fn from_stored(s: StoredClient) -> AppClient {
        let mut extra = s.extra;
        let refresh_token_rotation = match s.refresh_token_rotation {
            Some(r) => Some(RefreshTokenRotation {
                enabled: r.enabled,
                retry_grace_period_seconds: r.retry_grace_period_seconds,
            }),
            None => take_legacy::<LegacyRotation>(&mut extra, "RefreshTokenRotation").map(|l| {
                RefreshTokenRotation {
                    enabled: l.feature.as_deref() == Some("ENABLED"),
                    retry_grace_period_seconds: l.grace,
                }
            }),
        };
        let o = s.oauth;
        AppClient {
            pool_id: s.pool_id,
            client_id: s.client_id,
            name: s.name,
            secret: s.secret,
            explicit_auth_flows: s.explicit_auth_flows,
            access_token_validity: s.access_token_validity,
            id_token_validity: s.id_token_validity,
            refresh_token_validity: s.refresh_token_validity,
            units: s.units.map(|u| TokenValidityUnits {
                access_token: u.access_token,
                id_token: u.id_token,
                refresh_token: u.refresh_token,
            }),
            read_attributes: s.read_attributes,
            write_attributes: s.write_attributes,
            prevent_user_existence_errors: s.prevent_user_existence_errors,
            enable_token_revocation: s.enable_token_revocation,
            auth_session_validity: s.auth_session_validity,
            created_ms: s.created_ms,
            modified_ms: s.modified_ms,
            oauth: OAuthSettings {
                enabled: o.enabled,
                flows: o.flows,
                scopes: o.scopes,
                callback_urls: o.callback_urls,
                logout_urls: o.logout_urls,
                default_redirect_uri: o.default_redirect_uri,
                identity_providers: o.identity_providers,
            },
            refresh_token_rotation,
            extra,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{decode, encode};

    /// A client record exactly as the store wrote it before the stored shapes were split from
    /// the core models.
    const LEGACY: &str = r#"{"pool_id":"p","client_id":"c","name":"n","secret":"sealed",
        "explicit_auth_flows":["ALLOW_REFRESH_TOKEN_AUTH"],"access_token_validity":5,
        "id_token_validity":null,"refresh_token_validity":30,
        "units":{"AccessToken":"minutes","IdToken":"hours","RefreshToken":"days"},
        "read_attributes":null,"write_attributes":["email"],
        "prevent_user_existence_errors":"ENABLED","enable_token_revocation":true,
        "auth_session_validity":3,"created_ms":1,"modified_ms":2,
        "oauth":{"enabled":true,"flows":["code"],"scopes":["openid"],
          "callback_urls":["https://a/cb"],"logout_urls":[],"default_redirect_uri":null,
          "identity_providers":["COGNITO"]},
        "extra":{"RefreshTokenRotation":{"Feature":"ENABLED","RetryGracePeriodSeconds":10},
          "AnalyticsConfiguration":{"ApplicationId":"x"}}}"#;

    #[test]
    fn a_legacy_record_reads_into_typed_fields() {
        let c: AppClient = decode(LEGACY).unwrap();
        assert_eq!(c.units.as_ref().unwrap().access_token, "minutes");
        assert_eq!(c.oauth.callback_urls, ["https://a/cb"]);
        assert_eq!(
            c.refresh_token_rotation,
            Some(RefreshTokenRotation {
                enabled: true,
                retry_grace_period_seconds: 10
            })
        );
        assert_eq!(
            c.extra.keys().collect::<Vec<_>>(),
            ["AnalyticsConfiguration"]
        );
    }

    #[test]
    fn a_record_round_trips_and_is_written_without_wire_names() {
        let c: AppClient = decode(LEGACY).unwrap();
        let text = encode(&c).unwrap();
        for wire in ["AccessToken", "RefreshTokenRotation", "Feature"] {
            assert!(!text.contains(wire), "{wire} in {text}");
        }
        assert_eq!(decode::<AppClient>(&text).unwrap(), c);
    }
}
