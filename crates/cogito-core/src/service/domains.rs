//! User-pool domains (`CreateUserPoolDomain`, `DescribeUserPoolDomain`, `UpdateUserPoolDomain`,
//! `DeleteUserPoolDomain`): one domain per pool, names unique across the instance. Also the
//! look-ups the OAuth endpoints and the hosted UI use to find a pool from its domain.

use super::Cogito;
use crate::error::{CoreError, CoreResult};
use crate::model::Domain;
use crate::store::StoreError;

/// `ManagedLoginVersion` when none is given: 1, the classic hosted UI.
pub const DEFAULT_MANAGED_LOGIN_VERSION: i64 = 1;

fn domain_taken() -> CoreError {
    CoreError::invalid("Domain already associated with another user pool.")
}

// The message real Cognito answers for an unknown domain or one owned by another pool.
fn no_such_domain() -> CoreError {
    CoreError::invalid("No such domain or user pool exists.")
}

fn check_managed_login_version(v: i64) -> CoreResult<()> {
    if matches!(v, 1 | 2) {
        Ok(())
    } else {
        Err(CoreError::invalid(format!(
            "ManagedLoginVersion must be 1 or 2, got {v}."
        )))
    }
}

/// What `CreateUserPoolDomain` asks for.
#[derive(Debug, Clone, Default)]
pub struct DomainSpec {
    /// A custom domain (full host name, `CustomDomainConfig` given) rather than a prefix.
    pub custom: bool,
    /// `ManagedLoginVersion`; `None` = 1.
    pub managed_login_version: Option<i64>,
}

impl Cogito {
    /// `CreateUserPoolDomain`.
    pub async fn create_domain(
        &self,
        pool_id: &str,
        name: &str,
        spec: DomainSpec,
    ) -> CoreResult<Domain> {
        self.pool(pool_id).await?;
        let version = spec
            .managed_login_version
            .unwrap_or(DEFAULT_MANAGED_LOGIN_VERSION);
        check_managed_login_version(version)?;
        let name = name.to_ascii_lowercase();
        if self.domain_of_pool(pool_id).await?.is_some() {
            return Err(CoreError::invalid(
                "User pool already has a domain configured.",
            ));
        }
        if self.domain(&name).await?.is_some() {
            return Err(domain_taken());
        }
        let domain = Domain {
            domain: name,
            pool_id: pool_id.into(),
            custom: spec.custom,
            managed_login_version: version,
            created_ms: self.clock.now_ms(),
        };
        self.store
            .insert_domain(&domain)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => domain_taken(),
                StoreError::NotFound => CoreError::pool_not_found(pool_id),
                e => CoreError::from_store("insert domain", e),
            })?;
        Ok(domain)
    }

    /// A domain by its name (prefix or custom host); `None` when nobody has it
    /// (`DescribeUserPoolDomain` answers an empty description then).
    pub async fn domain(&self, name: &str) -> CoreResult<Option<Domain>> {
        match self.store.get_domain(&name.to_ascii_lowercase()).await {
            Ok(d) => Ok(Some(d)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(CoreError::from_store("get domain", e)),
        }
    }

    /// The domain of a pool, if it has one.
    pub async fn domain_of_pool(&self, pool_id: &str) -> CoreResult<Option<Domain>> {
        match self.store.domain_of_pool(pool_id).await {
            Ok(d) => Ok(Some(d)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(CoreError::from_store("domain of pool", e)),
        }
    }

    /// The domain `name` if `pool_id` exists and owns it.
    async fn owned_domain(&self, pool_id: &str, name: &str) -> CoreResult<Domain> {
        self.pool(pool_id).await?;
        match self.domain(name).await? {
            Some(d) if d.pool_id == pool_id => Ok(d),
            _ => Err(no_such_domain()),
        }
    }

    /// `UpdateUserPoolDomain`: changes the managed-login version (and, for custom domains, the
    /// certificate, which cogito does not use).
    pub async fn update_domain(
        &self,
        pool_id: &str,
        name: &str,
        managed_login_version: Option<i64>,
        custom_config_given: bool,
    ) -> CoreResult<Domain> {
        let domain = self.owned_domain(pool_id, name).await?;
        if custom_config_given && !domain.custom {
            return Err(CoreError::invalid(
                "CustomDomainConfig can only be given for a custom domain.",
            ));
        }
        let Some(v) = managed_login_version else {
            return Ok(domain);
        };
        check_managed_login_version(v)?;
        self.store
            .set_domain_login_version(pool_id, &domain.domain, v)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => no_such_domain(),
                e => CoreError::from_store("update domain", e),
            })
    }

    /// `DeleteUserPoolDomain`: the pool must own the domain.
    pub async fn delete_domain(&self, pool_id: &str, name: &str) -> CoreResult<()> {
        let domain = self.owned_domain(pool_id, name).await?;
        self.store
            .delete_domain(&domain.domain)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => no_such_domain(),
                e => CoreError::from_store("delete domain", e),
            })
    }

    /// The host name a domain is reachable at (`CloudFrontDomain` on the wire): a custom domain
    /// is its own host; a prefix is `<prefix>.auth.<host of the public URL>`, with `localhost`
    /// standing in when the public URL names an IP address.
    pub fn domain_host(&self, domain: &Domain) -> String {
        if domain.custom {
            return domain.domain.clone();
        }
        let base = url::Url::parse(&self.config.public_url)
            .ok()
            .and_then(|u| match u.host() {
                Some(url::Host::Domain(d)) => Some(d.trim_end_matches('.').to_ascii_lowercase()),
                _ => None,
            })
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into());
        format!("{}.auth.{base}", domain.domain)
    }
}
