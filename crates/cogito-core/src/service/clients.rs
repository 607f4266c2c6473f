//! App client management: create (secret, flows, token validity, attribute lists, OAuth
//! settings), describe, full-replacement update, delete, list.

use super::Cogito;
use super::groups::map_cursor;
use crate::error::{CoreError, CoreResult};
use crate::model::client::unit_seconds;
use crate::model::{AppClient, OAuthSettings, UserPool};
use crate::store::{Page, Revised, StoreError};

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

/// Most `CallbackURLs` / `LogoutURLs` per client (service model).
pub const MAX_REDIRECT_URLS: usize = 100;
/// Longest callback or logout URL (service model `RedirectUrlType`).
pub const MAX_REDIRECT_URL_LEN: usize = 1024;
/// Most `AllowedOAuthScopes` per client (service model `ScopeListType`).
pub const MAX_CLIENT_SCOPES: usize = 50;
const OAUTH_FLOWS: &[&str] = &["code", "implicit", "client_credentials"];
// Schemes that run code or read local files when a browser is sent to them.
const DANGEROUS_SCHEMES: &[&str] = &["javascript", "data", "vbscript", "file"];

/// Registration-time hygiene of a callback or logout URL (security bar SEC-03): absolute, no
/// fragment, at most 1024 characters, not a script/data/file scheme (in any letter case),
/// `https`, loopback `http` (`localhost`, `127.0.0.1`, `[::1]`, any port) or a private app
/// scheme such as `myapp://cb`. The error text names the problem.
pub fn check_redirect_url(raw: &str) -> Result<(), String> {
    if raw.is_empty() || raw.chars().count() > MAX_REDIRECT_URL_LEN {
        return Err(format!(
            "must be between 1 and {MAX_REDIRECT_URL_LEN} characters long"
        ));
    }
    if raw.contains('#') {
        return Err("must not contain a fragment".into());
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain whitespace or control characters".into());
    }
    let parsed = url::Url::parse(raw).map_err(|_| "must be an absolute URL".to_string())?;
    let scheme = parsed.scheme();
    if DANGEROUS_SCHEMES.contains(&scheme) {
        return Err(format!("must not use the {scheme}: scheme"));
    }
    let lower = raw.to_ascii_lowercase();
    match scheme {
        "https" if !lower.starts_with("https://") || parsed.host().is_none() => {
            Err("must be an absolute URL".into())
        }
        "http" => {
            let loopback = lower.starts_with("http://")
                && match parsed.host() {
                    Some(url::Host::Domain(d)) => d == "localhost",
                    Some(url::Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST,
                    Some(url::Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
                    None => false,
                };
            if loopback {
                Ok(())
            } else {
                Err("must use https (plain http is allowed only for localhost)".into())
            }
        }
        _ => Ok(()),
    }
}

fn check_url_list(what: &str, urls: &[String]) -> CoreResult<()> {
    if urls.len() > MAX_REDIRECT_URLS {
        return Err(CoreError::invalid(format!(
            "{what} can hold at most {MAX_REDIRECT_URLS} URLs."
        )));
    }
    for u in urls {
        check_redirect_url(u)
            .map_err(|why| CoreError::invalid(format!("Invalid URL in {what}: {u} {why}.")))?;
    }
    Ok(())
}

/// The rules of reference §4.9 that need no store: flows, client credentials, URL lists.
fn check_oauth_shape(o: &OAuthSettings, has_secret: bool) -> CoreResult<()> {
    if !o.flows.is_empty() && !o.enabled {
        return Err(CoreError::invalid(
            "AllowedOAuthFlowsUserPoolClient must be true to use AllowedOAuthFlows.",
        ));
    }
    if let Some(f) = o.flows.iter().find(|f| !OAUTH_FLOWS.contains(&f.as_str())) {
        return Err(CoreError::InvalidOAuthFlow(format!(
            "{f} is not a valid OAuth flow."
        )));
    }
    if o.flows.iter().any(|f| f == "client_credentials") {
        if o.flows.iter().any(|f| f != "client_credentials") {
            return Err(CoreError::InvalidOAuthFlow(
                "client_credentials flow can not be selected along with code flow or implicit flow."
                    .into(),
            ));
        }
        if !has_secret {
            return Err(CoreError::InvalidOAuthFlow(
                "client_credentials flow can not be selected if client does not have a client secret."
                    .into(),
            ));
        }
        if let Some(s) = o
            .scopes
            .iter()
            .find(|s| super::resource_servers::is_reserved_scope(s))
        {
            return Err(CoreError::InvalidOAuthFlow(format!(
                "{s} is not supported with client_credentials flow"
            )));
        }
    }
    if o.scopes.len() > MAX_CLIENT_SCOPES {
        return Err(CoreError::invalid(format!(
            "AllowedOAuthScopes can hold at most {MAX_CLIENT_SCOPES} scopes."
        )));
    }
    check_url_list("CallbackURLs", &o.callback_urls)?;
    check_url_list("LogoutURLs", &o.logout_urls)?;
    if let Some(d) = &o.default_redirect_uri
        && !o.callback_urls.contains(d)
    {
        return Err(CoreError::invalid(
            "DefaultRedirectURI must be one of the CallbackURLs.",
        ));
    }
    if o.callback_urls.is_empty() && o.flows.iter().any(|f| f == "code" || f == "implicit") {
        return Err(CoreError::invalid(
            "CallbackURLs must hold at least one URL for the code and implicit flows.",
        ));
    }
    Ok(())
}

impl Cogito {
    /// Validates an app client's OAuth settings (reference §4.9, security bar SEC-03).
    async fn validate_oauth(&self, c: &AppClient) -> CoreResult<()> {
        let o = &c.oauth;
        check_oauth_shape(o, c.secret.is_some())?;
        for s in &o.scopes {
            if !self.scope_exists(&c.pool_id, s).await? {
                return Err(CoreError::ScopeDoesNotExist(format!(
                    "Invalid scope requested: {s}"
                )));
            }
        }
        // Federation is not supported: COGNITO is the only provider a pool has.
        if let Some(p) = o.identity_providers.iter().find(|p| *p != "COGNITO") {
            return Err(CoreError::invalid(format!(
                "The provider {p} does not exist for User Pool {}",
                c.pool_id
            )));
        }
        Ok(())
    }

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
        self.validate_oauth(&client).await?;
        client.created_ms = now;
        client.modified_ms = now;
        self.store
            .insert_client(&self.sealed_client(&client))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::pool_not_found(&client.pool_id),
                e => CoreError::from_store("insert client", e),
            })?;
        Ok(client)
    }

    /// `UpdateUserPoolClient`: full replacement; id, secret and creation time are kept from the
    /// stored client as it is when the write lands (an optimistic write on its revision, retried
    /// when another write came first).
    pub async fn update_client(&self, mut next: AppClient) -> CoreResult<AppClient> {
        let pool = self.pool(&next.pool_id).await?;
        default_refresh_validity(&mut next);
        let missing = |e| match e {
            StoreError::NotFound => CoreError::client_not_found(&next.client_id),
            e => CoreError::from_store("update client", e),
        };
        for _ in 0..super::REVISE_ATTEMPTS {
            let read = self
                .store
                .get_client_revised(&next.pool_id, &next.client_id)
                .await;
            let Revised { record, revision } = read.map_err(missing)?;
            // The stored secret is sealed: it is written back as it is.
            let stored = AppClient {
                secret: record.secret.clone(),
                created_ms: record.created_ms,
                modified_ms: self.clock.now_ms(),
                name: if next.name.is_empty() {
                    record.name.clone()
                } else {
                    next.name.clone()
                },
                ..next.clone()
            };
            let opened = self.open_client(stored.clone())?;
            validate_client(&pool, &opened)?;
            self.validate_oauth(&opened).await?;
            match self.store.update_client(&stored, revision).await {
                Ok(_) => {
                    self.config_changed(&next.pool_id);
                    return Ok(opened);
                }
                Err(StoreError::Stale) => tokio::task::yield_now().await,
                Err(e) => return Err(missing(e)),
            }
        }
        Err(super::concurrently_modified(&next.client_id))
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
            })?;
        self.config_changed(pool_id);
        Ok(())
    }

    /// `ListUserPoolClients`.
    pub async fn list_clients(
        &self,
        pool_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> CoreResult<Page<AppClient>> {
        self.pool(pool_id).await?;
        let page = self
            .store
            .list_clients(pool_id, cursor, limit)
            .await
            .map_err(map_cursor)?;
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(|c| self.open_client(c))
                .collect::<CoreResult<_>>()?,
            next: page.next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::check_redirect_url;

    #[test]
    fn redirect_url_hygiene() {
        for ok in [
            "https://app.example/cb",
            "https://app.example:8443/cb?x=1",
            "http://localhost:3000/cb",
            "http://127.0.0.1/cb",
            "http://[::1]:8080/cb",
            "myapp://cb",
            "com.example.app:/oauth2redirect",
        ] {
            assert_eq!(check_redirect_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "/cb",
            "//app.example/cb",
            "http://app.example/cb",
            "http://localhost@evil.example/cb",
            "http://127.0.0.2/cb",
            "https://app.example/cb#f",
            "JaVaScRiPt:alert(1)",
            "data:text/html,x",
            "vbscript:x",
            "FILE:///etc/passwd",
            " https://app.example/cb",
            "https://app.example/c b",
            "https:app.example",
        ] {
            assert!(check_redirect_url(bad).is_err(), "{bad:?}");
        }
        let long = format!("https://app.example/{}", "a".repeat(1005));
        assert!(check_redirect_url(&long).is_err());
        assert_eq!(check_redirect_url(&long[..1024]), Ok(()));
    }
}
