//! Benchmarks of the hot paths: token issue (sign-in without the password check), access-token
//! verification (what every token-authorised call does first), `GetUser` over HTTP through the
//! SDK, and a `ListUsers` filter on a pool of 5,000 users. Run with `cargo bench -p cogito-testkit`.

use cogito_core::model::UserStatus;
use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::{AttributeType, AuthFlowType, MessageActionType};
use criterion::{Criterion, criterion_group, criterion_main};

const PW: &str = "Passw0rd!";

async fn setup() -> (TestApp, String, String, String) {
    let app = TestApp::spawn().await;
    let pool = app.pool("bench").await;
    let (client, _) = app.client(&pool, false).await;
    for i in 0..5000 {
        let user = cogito_core::service::signup::new_user(
            &app.state.core.pool(&pool).await.unwrap(),
            &format!("user{i:05}"),
            &[("email".into(), format!("user{i:05}@example.com"))],
            0,
        )
        .unwrap();
        let keys =
            cogito_core::attributes::login_keys(&app.state.core.pool(&pool).await.unwrap(), &user);
        app.state
            .core
            .store_for_harness()
            .insert_user(&user, &keys, false, &cogito_core::store::Effects::none())
            .await
            .unwrap();
    }
    let email = |v: &str| {
        AttributeType::builder()
            .name("email")
            .value(v)
            .build()
            .unwrap()
    };
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(email("alice@example.com"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    app.sdk
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .password(PW)
        .permanent(true)
        .send()
        .await
        .unwrap();
    let r = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await
        .unwrap();
    let token = r.authentication_result.unwrap().access_token.unwrap();
    (app, pool, client, token)
}

fn hot_paths(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (app, pool, client, token) = rt.block_on(setup());
    let core = app.state.core.clone();
    let (p, cl, user) = rt.block_on(async {
        let p = core.pool(&pool).await.unwrap();
        let cl = core.pool_client(&pool, &client).await.unwrap();
        let user = core.user(&p, "alice").await.unwrap();
        assert_eq!(user.status, UserStatus::Confirmed);
        (p, cl, user)
    });
    c.bench_function("token issue (sign_in)", |b| {
        b.to_async(&rt)
            .iter(|| async { core.sign_in(&p, &cl, &user).await.unwrap() })
    });
    c.bench_function("access token verify", |b| {
        b.to_async(&rt)
            .iter(|| async { core.authorize_access_token(&token).await.unwrap() })
    });
    c.bench_function("GetUser over HTTP (SDK)", |b| {
        b.to_async(&rt).iter(|| async {
            app.sdk
                .get_user()
                .access_token(&token)
                .send()
                .await
                .unwrap()
        })
    });
    c.bench_function("ListUsers email ^= filter, 5000 users", |b| {
        b.to_async(&rt).iter(|| async {
            core.list_users(&pool, Some("email ^= \"user0123\""), None, 60)
                .await
                .unwrap()
        })
    });
}

criterion_group!(benches, hot_paths);
criterion_main!(benches);
