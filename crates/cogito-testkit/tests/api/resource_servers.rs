//! Resource servers: create/describe/list round trip, duplicate identifiers, full-replacement
//! `UpdateResourceServer`, delete, `ListResourceServers` pagination (MaxResults 1–50), scope
//! constraints (model pattern, at most 100, no duplicates), not-found errors.

use std::collections::HashSet;

use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::{ResourceServerScopeType, ResourceServerType};

use crate::helpers::err;

const API: &str = "https://api.example.com";
const MISSING_POOL: &str = "us-east-1_Missing00";

fn scope(name: &str, description: &str) -> ResourceServerScopeType {
    ResourceServerScopeType::builder()
        .scope_name(name)
        .scope_description(description)
        .build()
        .unwrap()
}

async fn create(
    app: &TestApp,
    pool: &str,
    identifier: &str,
    scopes: &[&str],
) -> ResourceServerType {
    let mut req = app
        .sdk
        .create_resource_server()
        .user_pool_id(pool)
        .identifier(identifier)
        .name("My API");
    for s in scopes {
        req = req.scopes(scope(s, &format!("{s} access")));
    }
    req.send().await.unwrap().resource_server.unwrap()
}

async fn describe(
    app: &TestApp,
    pool: &str,
    identifier: &str,
) -> Result<ResourceServerType, (String, String)> {
    let r = app
        .sdk
        .describe_resource_server()
        .user_pool_id(pool)
        .identifier(identifier)
        .send()
        .await;
    match r {
        Ok(o) => Ok(o.resource_server.unwrap()),
        Err(_) => Err(err(r)),
    }
}

fn not_found(identifier: &str) -> (String, String) {
    (
        "ResourceNotFoundException".into(),
        format!("Resource server {identifier} does not exist."),
    )
}

#[tokio::test]
async fn create_describe_and_list_round_trip() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let created = create(&app, &pool, API, &["read", "write"]).await;
    assert_eq!(created.user_pool_id(), Some(pool.as_str()));
    assert_eq!(created.identifier(), Some(API));
    assert_eq!(created.name(), Some("My API"));
    assert_eq!(
        created.scopes(),
        &[scope("read", "read access"), scope("write", "write access")]
    );

    assert_eq!(describe(&app, &pool, API).await.unwrap(), created);

    let listed = app
        .sdk
        .list_resource_servers()
        .user_pool_id(&pool)
        .max_results(10)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.resource_servers(), &[created]);
    assert!(listed.next_token().is_none());
}

#[tokio::test]
async fn a_server_without_scopes_is_allowed() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let s = create(&app, &pool, "bare", &[]).await;
    assert!(s.scopes().is_empty());
}

#[tokio::test]
async fn duplicate_identifier_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    create(&app, &pool, API, &["read"]).await;
    let r = app
        .sdk
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .name("Other")
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    // The first one is untouched.
    assert_eq!(
        describe(&app, &pool, API).await.unwrap().name(),
        Some("My API")
    );

    // The same identifier in another pool is fine.
    let other = app.pool("q").await;
    create(&app, &other, API, &["read"]).await;
}

#[tokio::test]
async fn update_is_a_full_replacement() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    create(&app, &pool, API, &["read", "write"]).await;
    let updated = app
        .sdk
        .update_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .name("Renamed")
        .scopes(scope("admin", "everything"))
        .send()
        .await
        .unwrap()
        .resource_server
        .unwrap();
    assert_eq!(updated.name(), Some("Renamed"));
    assert_eq!(updated.scopes(), &[scope("admin", "everything")]);
    assert_eq!(describe(&app, &pool, API).await.unwrap(), updated);

    // Omitting Scopes removes them all.
    app.sdk
        .update_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .name("Renamed")
        .send()
        .await
        .unwrap();
    assert!(
        describe(&app, &pool, API)
            .await
            .unwrap()
            .scopes()
            .is_empty()
    );
}

#[tokio::test]
async fn delete_removes_the_server() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    create(&app, &pool, API, &["read"]).await;
    app.sdk
        .delete_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .send()
        .await
        .unwrap();
    assert_eq!(
        describe(&app, &pool, API).await.unwrap_err(),
        not_found(API)
    );
    let r = app
        .sdk
        .delete_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .send()
        .await;
    assert_eq!(err(r), not_found(API));
    // The identifier can be used again.
    create(&app, &pool, API, &["read"]).await;
}

#[tokio::test]
async fn unknown_server_is_not_found_everywhere() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    assert_eq!(
        describe(&app, &pool, "ghost").await.unwrap_err(),
        not_found("ghost")
    );
    let r = app
        .sdk
        .update_resource_server()
        .user_pool_id(&pool)
        .identifier("ghost")
        .name("x")
        .send()
        .await;
    assert_eq!(err(r), not_found("ghost"));
    let r = app
        .sdk
        .delete_resource_server()
        .user_pool_id(&pool)
        .identifier("ghost")
        .send()
        .await;
    assert_eq!(err(r), not_found("ghost"));
}

#[tokio::test]
async fn unknown_pool_is_not_found() {
    let app = TestApp::spawn().await;
    let pool_missing = (
        "ResourceNotFoundException".to_string(),
        format!("User pool {MISSING_POOL} does not exist."),
    );
    let r = app
        .sdk
        .create_resource_server()
        .user_pool_id(MISSING_POOL)
        .identifier(API)
        .name("x")
        .send()
        .await;
    assert_eq!(err(r), pool_missing);
    assert_eq!(
        describe(&app, MISSING_POOL, API).await.unwrap_err(),
        pool_missing
    );
    let r = app
        .sdk
        .list_resource_servers()
        .user_pool_id(MISSING_POOL)
        .max_results(5)
        .send()
        .await;
    assert_eq!(err(r), pool_missing);
}

#[tokio::test]
async fn list_pages_through_every_server() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    for i in 0..5 {
        create(&app, &pool, &format!("api-{i}"), &["read"]).await;
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = app
            .sdk
            .list_resource_servers()
            .user_pool_id(&pool)
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.resource_servers().len() <= 2);
        seen.extend(
            page.resource_servers()
                .iter()
                .map(|s| s.identifier().unwrap().to_string()),
        );
        match page.next_token() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), 5);
    assert_eq!(seen.len(), 5);

    // Without MaxResults everything fits one page.
    let all = app
        .sdk
        .list_resource_servers()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(all.resource_servers().len(), 5);
}

#[tokio::test]
async fn list_limits_and_bad_tokens_are_invalid() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    for n in [0, 51] {
        let r = app
            .sdk
            .list_resource_servers()
            .user_pool_id(&pool)
            .max_results(n)
            .send()
            .await;
        assert_eq!(err(r).0, "InvalidParameterException", "MaxResults {n}");
    }
    let r = app
        .sdk
        .list_resource_servers()
        .user_pool_id(&pool)
        .max_results(5)
        .next_token("not-a-real-token")
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
}

#[tokio::test]
async fn scope_names_follow_the_model() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    for bad in ["has/slash", "has space", "quote\"d", ""] {
        let r = app
            .sdk
            .create_resource_server()
            .user_pool_id(&pool)
            .identifier(API)
            .name("x")
            .scopes(scope(bad, "d"))
            .send()
            .await;
        assert_eq!(err(r).0, "InvalidParameterException", "{bad:?}");
    }
    assert_eq!(
        describe(&app, &pool, API).await.unwrap_err(),
        not_found(API)
    );
}

#[tokio::test]
async fn at_most_100_scopes_and_no_duplicates() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let names: Vec<String> = (0..101).map(|i| format!("s{i}")).collect();
    let mut req = app
        .sdk
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .name("x");
    for n in &names {
        req = req.scopes(scope(n, "d"));
    }
    assert_eq!(err(req.send().await).0, "InvalidParameterException");

    let refs: Vec<&str> = names[..100].iter().map(String::as_str).collect();
    assert_eq!(create(&app, &pool, API, &refs).await.scopes().len(), 100);

    let r = app
        .sdk
        .update_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .name("x")
        .scopes(scope("dup", "one"))
        .scopes(scope("dup", "two"))
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    assert_eq!(
        describe(&app, &pool, API).await.unwrap().scopes().len(),
        100
    );
}

#[tokio::test]
async fn core_scope_lookup_knows_reserved_and_custom_scopes() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    create(&app, &pool, API, &["read"]).await;
    let core = &app.state.core;
    for yes in [
        "openid",
        "aws.cognito.signin.user.admin",
        "https://api.example.com/read",
    ] {
        assert!(core.scope_exists(&pool, yes).await.unwrap(), "{yes}");
    }
    for no in [
        "https://api.example.com/write",
        "other/read",
        "read",
        "admin",
    ] {
        assert!(!core.scope_exists(&pool, no).await.unwrap(), "{no}");
    }
}
