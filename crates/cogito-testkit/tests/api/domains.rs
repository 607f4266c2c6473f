//! User-pool domains: `CreateUserPoolDomain` (prefix pattern, one domain per pool, names unique
//! across pools), `DescribeUserPoolDomain` (empty description when unknown, reference §2),
//! `UpdateUserPoolDomain`, `DeleteUserPoolDomain` (the pool must own the domain), and the core
//! look-ups the OAuth endpoints use.

use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::{CustomDomainConfigType, DomainDescriptionType, DomainStatusType};

use crate::helpers::err;

const NO_SUCH_DOMAIN: &str = "No such domain or user pool exists.";
const MISSING_POOL: &str = "us-east-1_Missing00";

async fn create(app: &TestApp, pool: &str, domain: &str) -> String {
    app.sdk
        .create_user_pool_domain()
        .user_pool_id(pool)
        .domain(domain)
        .send()
        .await
        .unwrap()
        .cloud_front_domain
        .expect("CloudFrontDomain")
}

/// What `DescribeUserPoolDomain` answers for an unknown domain: `{"DomainDescription": {}}`.
fn empty() -> DomainDescriptionType {
    DomainDescriptionType::builder().build()
}

fn invalid(msg: &str) -> (String, String) {
    ("InvalidParameterException".into(), msg.into())
}

#[tokio::test]
async fn create_then_describe_a_prefix_domain() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let out = app
        .sdk
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("myapp-login")
        .send()
        .await
        .unwrap();
    // The test server's public URL names 127.0.0.1, so the host part is `localhost`.
    assert_eq!(out.cloud_front_domain(), Some("myapp-login.auth.localhost"));
    assert_eq!(out.managed_login_version(), Some(1));

    let d = app
        .sdk
        .describe_user_pool_domain()
        .domain("myapp-login")
        .send()
        .await
        .unwrap()
        .domain_description
        .expect("description");
    assert_eq!(d.user_pool_id(), Some(pool.as_str()));
    assert_eq!(d.domain(), Some("myapp-login"));
    assert_eq!(d.status(), Some(&DomainStatusType::Active));
    assert_eq!(d.managed_login_version(), Some(1));
    assert_eq!(
        d.cloud_front_distribution(),
        Some("myapp-login.auth.localhost")
    );
    assert!(d.version().is_some_and(|v| !v.is_empty()));
    assert!(d.custom_domain_config().is_none());
}

#[tokio::test]
async fn describe_an_unknown_domain_is_an_empty_description() {
    let app = TestApp::spawn().await;
    let d = app
        .sdk
        .describe_user_pool_domain()
        .domain("nobody-has-this")
        .send()
        .await
        .unwrap()
        .domain_description
        .expect("an empty DomainDescription, not an absent one");
    assert_eq!(d, empty());
}

#[tokio::test]
async fn managed_login_version_two_is_kept() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let out = app
        .sdk
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("v2-login")
        .managed_login_version(2)
        .send()
        .await
        .unwrap();
    assert_eq!(out.managed_login_version(), Some(2));
    let r = app
        .sdk
        .create_user_pool_domain()
        .user_pool_id(app.pool("q").await)
        .domain("v3-login")
        .managed_login_version(3)
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
}

#[tokio::test]
async fn a_custom_domain_is_its_own_host() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let out = app
        .sdk
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("auth.example.com")
        .custom_domain_config(
            CustomDomainConfigType::builder()
                .certificate_arn("arn:aws:acm:us-east-1:123456789012:certificate/abc")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.cloud_front_domain(), Some("auth.example.com"));
    let d = app
        .state
        .core
        .domain("auth.example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(d.custom);
}

#[tokio::test]
async fn a_domain_taken_by_another_pool_is_refused() {
    let app = TestApp::spawn().await;
    let a = app.pool("a").await;
    let b = app.pool("b").await;
    create(&app, &a, "shared-name").await;
    let r = app
        .sdk
        .create_user_pool_domain()
        .user_pool_id(&b)
        .domain("shared-name")
        .send()
        .await;
    assert_eq!(
        err(r),
        invalid("Domain already associated with another user pool.")
    );
    // The owner is unchanged.
    let d = app.state.core.domain("shared-name").await.unwrap().unwrap();
    assert_eq!(d.pool_id, a);
}

#[tokio::test]
async fn a_pool_has_at_most_one_domain() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    create(&app, &pool, "first-name").await;
    let r = app
        .sdk
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("second-name")
        .send()
        .await;
    assert_eq!(
        err(r),
        invalid("User pool already has a domain configured.")
    );
    let d = app
        .sdk
        .describe_user_pool_domain()
        .domain("second-name")
        .send()
        .await
        .unwrap();
    assert_eq!(d.domain_description, Some(empty()));
}

#[tokio::test]
async fn prefixes_must_follow_the_model_pattern() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    for bad in [
        "UpperCase",
        "has.dot",
        "-leading",
        "trailing-",
        "under_score",
        "",
    ] {
        let r = app
            .sdk
            .create_user_pool_domain()
            .user_pool_id(&pool)
            .domain(bad)
            .send()
            .await;
        assert_eq!(err(r).0, "InvalidParameterException", "{bad:?}");
    }
    let long = "a".repeat(64);
    let r = app
        .sdk
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain(&long)
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    assert_eq!(app.state.core.domain_of_pool(&pool).await.unwrap(), None);
}

#[tokio::test]
async fn create_in_an_unknown_pool_is_not_found() {
    let app = TestApp::spawn().await;
    let r = app
        .sdk
        .create_user_pool_domain()
        .user_pool_id(MISSING_POOL)
        .domain("orphan")
        .send()
        .await;
    assert_eq!(
        err(r),
        (
            "ResourceNotFoundException".into(),
            format!("User pool {MISSING_POOL} does not exist.")
        )
    );
}

#[tokio::test]
async fn update_changes_the_managed_login_version() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    create(&app, &pool, "upd-login").await;
    let out = app
        .sdk
        .update_user_pool_domain()
        .user_pool_id(&pool)
        .domain("upd-login")
        .managed_login_version(2)
        .send()
        .await
        .unwrap();
    assert_eq!(out.managed_login_version(), Some(2));
    assert_eq!(out.cloud_front_domain(), Some("upd-login.auth.localhost"));
    let d = app
        .sdk
        .describe_user_pool_domain()
        .domain("upd-login")
        .send()
        .await
        .unwrap()
        .domain_description
        .unwrap();
    assert_eq!(d.managed_login_version(), Some(2));
}

#[tokio::test]
async fn update_needs_the_owning_pool() {
    let app = TestApp::spawn().await;
    let owner = app.pool("owner").await;
    let other = app.pool("other").await;
    create(&app, &owner, "owned-login").await;
    let r = app
        .sdk
        .update_user_pool_domain()
        .user_pool_id(&other)
        .domain("owned-login")
        .managed_login_version(2)
        .send()
        .await;
    assert_eq!(err(r), invalid(NO_SUCH_DOMAIN));
    let r = app
        .sdk
        .update_user_pool_domain()
        .user_pool_id(&owner)
        .domain("not-a-domain")
        .managed_login_version(2)
        .send()
        .await;
    assert_eq!(err(r), invalid(NO_SUCH_DOMAIN));
    let d = app.state.core.domain("owned-login").await.unwrap().unwrap();
    assert_eq!(d.managed_login_version, 1);
}

#[tokio::test]
async fn delete_needs_the_owning_pool_and_frees_the_name() {
    let app = TestApp::spawn().await;
    let owner = app.pool("owner").await;
    let other = app.pool("other").await;
    create(&app, &owner, "freed-login").await;

    let r = app
        .sdk
        .delete_user_pool_domain()
        .user_pool_id(&other)
        .domain("freed-login")
        .send()
        .await;
    assert_eq!(err(r), invalid(NO_SUCH_DOMAIN));
    assert!(
        app.state
            .core
            .domain("freed-login")
            .await
            .unwrap()
            .is_some()
    );

    app.sdk
        .delete_user_pool_domain()
        .user_pool_id(&owner)
        .domain("freed-login")
        .send()
        .await
        .unwrap();
    let d = app
        .sdk
        .describe_user_pool_domain()
        .domain("freed-login")
        .send()
        .await
        .unwrap();
    assert_eq!(d.domain_description, Some(empty()));
    assert_eq!(app.state.core.domain_of_pool(&owner).await.unwrap(), None);

    // Deleting again: nothing to delete.
    let r = app
        .sdk
        .delete_user_pool_domain()
        .user_pool_id(&owner)
        .domain("freed-login")
        .send()
        .await;
    assert_eq!(err(r), invalid(NO_SUCH_DOMAIN));

    // The name can now be taken by the other pool.
    assert_eq!(
        create(&app, &other, "freed-login").await,
        "freed-login.auth.localhost"
    );
}

#[tokio::test]
async fn delete_in_an_unknown_pool_is_not_found() {
    let app = TestApp::spawn().await;
    let r = app
        .sdk
        .delete_user_pool_domain()
        .user_pool_id(MISSING_POOL)
        .domain("whatever")
        .send()
        .await;
    assert_eq!(err(r).0, "ResourceNotFoundException");
}

#[tokio::test]
async fn core_lookups_find_a_domain_by_name_and_by_pool() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let core = &app.state.core;
    assert_eq!(core.domain_of_pool(&pool).await.unwrap(), None);
    assert_eq!(core.domain("lookup-me").await.unwrap(), None);
    create(&app, &pool, "lookup-me").await;
    let by_pool = core.domain_of_pool(&pool).await.unwrap().expect("by pool");
    let by_name = core.domain("lookup-me").await.unwrap().expect("by name");
    assert_eq!(by_pool, by_name);
    assert_eq!(by_name.pool_id, pool);
    assert_eq!(by_name.domain, "lookup-me");
    assert!(!by_name.custom);
    assert_eq!(by_name.managed_login_version, 1);
    assert_eq!(core.domain_host(&by_name), "lookup-me.auth.localhost");
}

#[tokio::test]
async fn a_pool_with_a_domain_cannot_be_deleted_until_the_domain_is() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    create(&app, &pool, "keepme").await;
    let r = app.sdk.delete_user_pool().user_pool_id(&pool).send().await;
    assert_eq!(
        err(r),
        invalid(
            "User pool cannot be deleted. It has a domain configured that should be deleted first."
        )
    );
    app.sdk
        .delete_user_pool_domain()
        .user_pool_id(&pool)
        .domain("keepme")
        .send()
        .await
        .unwrap();
    app.sdk
        .delete_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_custom_domain_must_be_a_host_name() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let cfg = CustomDomainConfigType::builder()
        .certificate_arn("arn:aws:acm:us-east-1:123456789012:certificate/abc")
        .build()
        .unwrap();
    for bad in [
        "auth..example.com",
        "-auth.example.com",
        "Auth.Example.com",
        "nodots",
    ] {
        let r = app
            .sdk
            .create_user_pool_domain()
            .user_pool_id(&pool)
            .domain(bad)
            .custom_domain_config(cfg.clone())
            .send()
            .await;
        assert_eq!(err(r).0, "InvalidParameterException", "{bad}");
    }
}
