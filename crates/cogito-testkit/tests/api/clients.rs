//! App clients: `CreateUserPoolClient` defaults (reference §8.6), secrets, token validity and
//! units (§3.4), auth-flow rules, attribute lists, full-replacement `UpdateUserPoolClient`,
//! `DeleteUserPoolClient`, `ListUserPoolClients` pagination, not-found errors.

use std::collections::HashSet;

use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::{
    AttributeDataType, AuthFlowType, ExplicitAuthFlowsType as F, PreventUserExistenceErrorTypes,
    SchemaAttributeType, TimeUnitsType, TokenValidityUnitsType, UserPoolClientType,
};

use crate::helpers::{admin_login, confirmed_user, err};

const PW: &str = "Passw0rd!";
const MISSING_CLIENT: &str = "nosuchclient0000000000000a";

async fn describe(app: &TestApp, pool: &str, client: &str) -> UserPoolClientType {
    app.sdk
        .describe_user_pool_client()
        .user_pool_id(pool)
        .client_id(client)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .expect("client")
}

fn client_not_found(client: &str) -> (String, String) {
    (
        "ResourceNotFoundException".into(),
        format!("User pool client {client} does not exist."),
    )
}

fn units(
    access: TimeUnitsType,
    id: TimeUnitsType,
    refresh: TimeUnitsType,
) -> TokenValidityUnitsType {
    TokenValidityUnitsType::builder()
        .access_token(access)
        .id_token(id)
        .refresh_token(refresh)
        .build()
}

/// A pool with a custom attribute, for attribute-list tests.
async fn pool_with_custom(app: &TestApp) -> String {
    app.sdk
        .create_user_pool()
        .pool_name("attrs")
        .schema(
            SchemaAttributeType::builder()
                .name("tenant")
                .attribute_data_type(AttributeDataType::String)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap()
}

#[tokio::test]
async fn create_with_only_a_name_applies_the_reference_defaults() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let c = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let id = c.client_id().unwrap();
    assert!(!id.is_empty() && id.len() <= 128);
    assert!(
        id.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '+'),
        "{id}"
    );
    assert_eq!(c.user_pool_id(), Some(pool.as_str()));
    assert_eq!(c.client_name(), Some("web"));
    assert!(c.client_secret().is_none());
    let flows: HashSet<&F> = c.explicit_auth_flows().iter().collect();
    assert_eq!(
        flows,
        HashSet::from([
            &F::AllowRefreshTokenAuth,
            &F::AllowUserSrpAuth,
            &F::AllowCustomAuth
        ])
    );
    assert_eq!(c.explicit_auth_flows().len(), 3);
    assert_eq!(c.refresh_token_validity(), 30);
    assert_eq!(c.enable_token_revocation(), Some(true));
    assert_eq!(
        c.prevent_user_existence_errors(),
        Some(&PreventUserExistenceErrorTypes::Legacy)
    );
    assert_eq!(c.auth_session_validity(), Some(3));
    assert_eq!(c.allowed_o_auth_flows_user_pool_client(), Some(false));
    assert_eq!(
        c.enable_propagate_additional_user_context_data(),
        Some(false)
    );
    assert!(c.read_attributes().is_empty() && c.write_attributes().is_empty());
    assert!(c.creation_date().is_some());
    assert_eq!(c.creation_date(), c.last_modified_date());

    // Describe returns the same client.
    assert_eq!(describe(&app, &pool, id).await, c);
}

#[tokio::test]
async fn generated_secret_is_returned_by_create_and_describe() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let c = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("backend")
        .generate_secret(true)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let secret = c.client_secret().expect("secret on create").to_string();
    assert!((24..=64).contains(&secret.len()), "{secret}");
    assert!(
        secret
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '+'),
        "{secret}"
    );
    let d = describe(&app, &pool, c.client_id().unwrap()).await;
    assert_eq!(d.client_secret(), Some(secret.as_str()));

    // Each client has its own secret; GenerateSecret false gives none.
    let (_, other) = app.client(&pool, true).await;
    assert_ne!(other.as_deref(), Some(secret.as_str()));
    let (plain, none) = app.client(&pool, false).await;
    assert!(none.is_none());
    assert!(
        describe(&app, &pool, &plain)
            .await
            .client_secret()
            .is_none()
    );
}

#[tokio::test]
async fn token_validity_is_read_in_its_unit() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let c = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("long")
        .explicit_auth_flows(F::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(F::AllowRefreshTokenAuth)
        .access_token_validity(10)
        .id_token_validity(5)
        .refresh_token_validity(60)
        .token_validity_units(units(
            TimeUnitsType::Hours,
            TimeUnitsType::Minutes,
            TimeUnitsType::Minutes,
        ))
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(c.access_token_validity(), Some(10));
    assert_eq!(c.id_token_validity(), Some(5));
    assert_eq!(c.refresh_token_validity(), 60);
    let client = c.client_id().unwrap().to_string();
    let d = describe(&app, &pool, &client).await;
    let u = d.token_validity_units().expect("units echoed");
    assert_eq!(u.access_token(), Some(&TimeUnitsType::Hours));
    assert_eq!(u.id_token(), Some(&TimeUnitsType::Minutes));
    assert_eq!(u.refresh_token(), Some(&TimeUnitsType::Minutes));
    assert_eq!(
        (
            d.access_token_validity(),
            d.id_token_validity(),
            d.refresh_token_validity()
        ),
        (Some(10), Some(5), 60)
    );

    // The lifetime is honoured: 10 hours.
    confirmed_user(&app, &pool, "alice", PW).await;
    let r = admin_login(&app, &pool, &client, "alice", PW).await;
    assert_eq!(r.expires_in, 36_000);
}

#[tokio::test]
async fn token_validity_outside_the_allowed_range_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let create = || {
        app.sdk
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("c")
    };
    let ipe = |r: (String, String)| assert_eq!(r.0, "InvalidParameterException", "{r:?}");

    // Access token: 5 minutes to 1 day.
    let u = units(
        TimeUnitsType::Minutes,
        TimeUnitsType::Hours,
        TimeUnitsType::Days,
    );
    ipe(err(create()
        .access_token_validity(2)
        .token_validity_units(u.clone())
        .send()
        .await));
    ipe(err(create().access_token_validity(25).send().await)); // hours by default
    let u = units(
        TimeUnitsType::Days,
        TimeUnitsType::Hours,
        TimeUnitsType::Days,
    );
    ipe(err(create()
        .access_token_validity(2)
        .token_validity_units(u)
        .send()
        .await));
    // ID token.
    let u = units(
        TimeUnitsType::Hours,
        TimeUnitsType::Seconds,
        TimeUnitsType::Days,
    );
    ipe(err(create()
        .id_token_validity(299)
        .token_validity_units(u)
        .send()
        .await));
    // Refresh token: 60 minutes to 10 years.
    let u = units(
        TimeUnitsType::Hours,
        TimeUnitsType::Hours,
        TimeUnitsType::Minutes,
    );
    ipe(err(create()
        .refresh_token_validity(59)
        .token_validity_units(u)
        .send()
        .await));
    ipe(err(create().refresh_token_validity(3651).send().await)); // days by default
    // Auth session: 3 to 15 minutes.
    ipe(err(create().auth_session_validity(16).send().await));
    ipe(err(create().auth_session_validity(2).send().await));

    let listed = app
        .sdk
        .list_user_pool_clients()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert!(
        listed.user_pool_clients().is_empty(),
        "refused clients must not be created"
    );

    // The boundaries themselves are allowed.
    let ok = create()
        .access_token_validity(1)
        .id_token_validity(300)
        .refresh_token_validity(3650)
        .auth_session_validity(15)
        .token_validity_units(units(
            TimeUnitsType::Days,
            TimeUnitsType::Seconds,
            TimeUnitsType::Days,
        ))
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(ok.access_token_validity(), Some(1));
    assert_eq!(ok.id_token_validity(), Some(300));
    assert_eq!(ok.refresh_token_validity(), 3650);
    assert_eq!(ok.auth_session_validity(), Some(15));
}

#[tokio::test]
async fn omitted_refresh_validity_defaults_to_30_days_in_any_unit() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let hours = units(
        TimeUnitsType::Hours,
        TimeUnitsType::Hours,
        TimeUnitsType::Hours,
    );
    let c = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("c")
        .token_validity_units(hours.clone())
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(c.refresh_token_validity(), 720);
    let id = c.client_id().unwrap();

    // Same rule on update (0 / omitted is replaced by the 30-day default).
    let minutes = units(
        TimeUnitsType::Hours,
        TimeUnitsType::Hours,
        TimeUnitsType::Minutes,
    );
    let u = app
        .sdk
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(id)
        .client_name("c")
        .token_validity_units(minutes)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(u.refresh_token_validity(), 43_200);
    let u = app
        .sdk
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(id)
        .client_name("c")
        .refresh_token_validity(0)
        .token_validity_units(hours)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(u.refresh_token_validity(), 720);
}

#[tokio::test]
async fn legacy_and_allow_flows_cannot_be_mixed() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let r = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("mixed")
        .explicit_auth_flows(F::AdminNoSrpAuth)
        .explicit_auth_flows(F::AllowRefreshTokenAuth)
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");

    // Legacy-only is accepted and echoed as given.
    let c = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("legacy")
        .explicit_auth_flows(F::AdminNoSrpAuth)
        .explicit_auth_flows(F::UserPasswordAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(
        c.explicit_auth_flows(),
        &[F::AdminNoSrpAuth, F::UserPasswordAuth]
    );

    // Mixing is refused on update too, and the client is left unchanged.
    let id = c.client_id().unwrap();
    let r = app
        .sdk
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(id)
        .client_name("legacy")
        .explicit_auth_flows(F::UserPasswordAuth)
        .explicit_auth_flows(F::AllowUserSrpAuth)
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    assert_eq!(
        describe(&app, &pool, id).await.explicit_auth_flows(),
        &[F::AdminNoSrpAuth, F::UserPasswordAuth]
    );
}

#[tokio::test]
async fn explicit_flows_decide_which_sign_ins_work() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    // Defaults do not include password flows.
    let c = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("srp")
        .send()
        .await
        .unwrap();
    let client = c.user_pool_client.unwrap().client_id.unwrap();
    let r = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    // After enabling the flow it works.
    app.sdk
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&client)
        .client_name("srp")
        .explicit_auth_flows(F::AllowAdminUserPasswordAuth)
        .send()
        .await
        .unwrap();
    let tokens = admin_login(&app, &pool, &client, "alice", PW).await;
    assert!(tokens.access_token.is_some());
}

#[tokio::test]
async fn read_and_write_attributes_are_echoed() {
    let app = TestApp::spawn().await;
    let pool = pool_with_custom(&app).await;
    let c = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("attrs")
        .read_attributes("email")
        .read_attributes("email_verified")
        .read_attributes("custom:tenant")
        .write_attributes("email")
        .write_attributes("custom:tenant")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(
        c.read_attributes(),
        &["email", "email_verified", "custom:tenant"]
    );
    assert_eq!(c.write_attributes(), &["email", "custom:tenant"]);
    let d = describe(&app, &pool, c.client_id().unwrap()).await;
    assert_eq!(d.read_attributes(), c.read_attributes());
    assert_eq!(d.write_attributes(), c.write_attributes());
}

#[tokio::test]
async fn unknown_read_or_write_attributes_are_refused() {
    let app = TestApp::spawn().await;
    let pool = pool_with_custom(&app).await;
    let create = || {
        app.sdk
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("c")
    };
    assert_eq!(
        err(create().read_attributes("custom:nope").send().await).0,
        "InvalidParameterException"
    );
    assert_eq!(
        err(create().read_attributes("shoe_size").send().await).0,
        "InvalidParameterException"
    );
    assert_eq!(
        err(create().write_attributes("custom:nope").send().await).0,
        "InvalidParameterException"
    );
    // `sub` is never writable.
    assert_eq!(
        err(create().write_attributes("sub").send().await).0,
        "InvalidParameterException"
    );
    let listed = app
        .sdk
        .list_user_pool_clients()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert!(listed.user_pool_clients().is_empty());
}

#[tokio::test]
async fn update_is_a_full_replacement_that_keeps_the_secret() {
    let app = TestApp::spawn().await;
    let pool = pool_with_custom(&app).await;
    let created = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("before")
        .generate_secret(true)
        .explicit_auth_flows(F::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(F::AllowRefreshTokenAuth)
        .access_token_validity(2)
        .id_token_validity(2)
        .refresh_token_validity(7)
        .token_validity_units(units(
            TimeUnitsType::Hours,
            TimeUnitsType::Hours,
            TimeUnitsType::Days,
        ))
        .read_attributes("email")
        .write_attributes("custom:tenant")
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .enable_token_revocation(false)
        .auth_session_validity(10)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let id = created.client_id().unwrap().to_string();
    let secret = created.client_secret().unwrap().to_string();

    app.clock.advance_secs(60);
    let updated = app
        .sdk
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .client_name("after")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let d = describe(&app, &pool, &id).await;
    assert_eq!(d, updated, "update returns what describe shows");

    assert_eq!(d.client_id(), Some(id.as_str()));
    assert_eq!(d.client_name(), Some("after"));
    assert_eq!(
        d.client_secret(),
        Some(secret.as_str()),
        "the secret is kept"
    );
    let flows: HashSet<&F> = d.explicit_auth_flows().iter().collect();
    assert_eq!(
        flows,
        HashSet::from([
            &F::AllowRefreshTokenAuth,
            &F::AllowUserSrpAuth,
            &F::AllowCustomAuth
        ])
    );
    assert_eq!(d.refresh_token_validity(), 30);
    assert_eq!(d.access_token_validity(), None);
    assert_eq!(d.id_token_validity(), None);
    assert!(d.token_validity_units().is_none());
    assert!(d.read_attributes().is_empty() && d.write_attributes().is_empty());
    assert_eq!(
        d.prevent_user_existence_errors(),
        Some(&PreventUserExistenceErrorTypes::Legacy)
    );
    assert_eq!(d.enable_token_revocation(), Some(true));
    assert_eq!(d.auth_session_validity(), Some(3));
    assert_eq!(d.creation_date(), created.creation_date());
    let (c, m) = (
        created.last_modified_date().unwrap().secs(),
        d.last_modified_date().unwrap().secs(),
    );
    assert!(m >= c + 60, "LastModifiedDate must move: {c} → {m}");
}

#[tokio::test]
async fn update_applies_the_given_settings() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (id, _) = app.client(&pool, false).await;
    let u = app
        .sdk
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .client_name("renamed")
        .explicit_auth_flows(F::AllowUserPasswordAuth)
        .access_token_validity(30)
        .token_validity_units(units(
            TimeUnitsType::Minutes,
            TimeUnitsType::Hours,
            TimeUnitsType::Days,
        ))
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .enable_token_revocation(false)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(u.client_name(), Some("renamed"));
    assert_eq!(u.explicit_auth_flows(), &[F::AllowUserPasswordAuth]);
    assert_eq!(u.access_token_validity(), Some(30));
    assert_eq!(
        u.token_validity_units().and_then(|t| t.access_token()),
        Some(&TimeUnitsType::Minutes)
    );
    assert_eq!(
        u.prevent_user_existence_errors(),
        Some(&PreventUserExistenceErrorTypes::Enabled)
    );
    assert_eq!(u.enable_token_revocation(), Some(false));
    assert!(u.client_secret().is_none(), "update never creates a secret");

    // An invalid update is refused and leaves the client as it was.
    let r = app
        .sdk
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .client_name("renamed")
        .access_token_validity(2)
        .token_validity_units(units(
            TimeUnitsType::Minutes,
            TimeUnitsType::Hours,
            TimeUnitsType::Days,
        ))
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    assert_eq!(
        describe(&app, &pool, &id).await.access_token_validity(),
        Some(30)
    );
}

#[tokio::test]
async fn delete_client_then_describe_is_not_found() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (gone, _) = app.client(&pool, false).await;
    let (kept, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    app.sdk
        .delete_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&gone)
        .send()
        .await
        .unwrap();

    let r = app
        .sdk
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&gone)
        .send()
        .await;
    assert_eq!(err(r), client_not_found(&gone));
    let r = app
        .sdk
        .delete_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&gone)
        .send()
        .await;
    assert_eq!(err(r), client_not_found(&gone));
    let r = app
        .sdk
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&gone)
        .client_name("x")
        .send()
        .await;
    assert_eq!(err(r), client_not_found(&gone));
    // A deleted client cannot sign anybody in.
    let r = app
        .sdk
        .initiate_auth()
        .client_id(&gone)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await;
    assert_eq!(err(r).0, "ResourceNotFoundException");

    let listed = app
        .sdk
        .list_user_pool_clients()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = listed
        .user_pool_clients()
        .iter()
        .filter_map(|c| c.client_id())
        .collect();
    assert_eq!(ids, vec![kept.as_str()]);
    assert!(
        admin_login(&app, &pool, &kept, "alice", PW)
            .await
            .access_token
            .is_some()
    );
}

#[tokio::test]
async fn clients_are_scoped_to_their_pool() {
    let app = TestApp::spawn().await;
    let a = app.pool("a").await;
    let b = app.pool("b").await;
    let (client, _) = app.client(&a, false).await;
    let r = app
        .sdk
        .describe_user_pool_client()
        .user_pool_id(&b)
        .client_id(&client)
        .send()
        .await;
    assert_eq!(err(r), client_not_found(&client));
    let r = app
        .sdk
        .delete_user_pool_client()
        .user_pool_id(&b)
        .client_id(&client)
        .send()
        .await;
    assert_eq!(err(r), client_not_found(&client));
    let r = app
        .sdk
        .update_user_pool_client()
        .user_pool_id(&b)
        .client_id(&client)
        .client_name("x")
        .send()
        .await;
    assert_eq!(err(r), client_not_found(&client));
    assert_eq!(
        describe(&app, &a, &client).await.client_id(),
        Some(client.as_str())
    );
}

#[tokio::test]
async fn unknown_pool_or_client_is_resource_not_found() {
    let app = TestApp::spawn().await;
    let missing = "us-east-1_NoSuchPool";
    let pool_nf = (
        "ResourceNotFoundException".to_string(),
        format!("User pool {missing} does not exist."),
    );
    let r = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(missing)
        .client_name("c")
        .send()
        .await;
    assert_eq!(err(r), pool_nf);
    let r = app
        .sdk
        .list_user_pool_clients()
        .user_pool_id(missing)
        .max_results(10)
        .send()
        .await;
    assert_eq!(err(r), pool_nf);
    let r = app
        .sdk
        .describe_user_pool_client()
        .user_pool_id(missing)
        .client_id(MISSING_CLIENT)
        .send()
        .await;
    assert_eq!(err(r).0, "ResourceNotFoundException");

    let pool = app.pool("p").await;
    let r = app
        .sdk
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(MISSING_CLIENT)
        .send()
        .await;
    assert_eq!(err(r), client_not_found(MISSING_CLIENT));
}

#[tokio::test]
async fn list_clients_paginates() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let other = app.pool("other").await;
    app.client(&other, false).await;
    let mut created = HashSet::new();
    for i in 0..5 {
        let c = app
            .sdk
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name(format!("client-{i}"))
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap();
        created.insert((c.client_id.unwrap(), c.client_name.unwrap()));
    }
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let r = app
            .sdk
            .list_user_pool_clients()
            .user_pool_id(&pool)
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages.push(r.user_pool_clients().len());
        for c in r.user_pool_clients() {
            assert_eq!(c.user_pool_id(), Some(pool.as_str()));
            seen.push((
                c.client_id().unwrap().to_string(),
                c.client_name().unwrap().to_string(),
            ));
        }
        token = r.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
        assert!(pages.len() < 10, "pagination does not end");
    }
    assert_eq!(pages, vec![2, 2, 1]);
    assert_eq!(seen.len(), 5);
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), created);

    // Without MaxResults everything fits on one page.
    let all = app
        .sdk
        .list_user_pool_clients()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(all.user_pool_clients().len(), 5);
    assert!(all.next_token().is_none());

    let r = app
        .sdk
        .list_user_pool_clients()
        .user_pool_id(&pool)
        .max_results(2)
        .next_token("garbage")
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    let r = app
        .sdk
        .list_user_pool_clients()
        .user_pool_id(&pool)
        .max_results(61)
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
}
