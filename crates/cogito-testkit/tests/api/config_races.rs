//! Races of configuration writes through the real SDK (issue 7): changes of one pool that
//! arrive at the same time are all kept. Each request reads the stored pool, changes its part and
//! writes it back only if nobody wrote in between (else it re-reads and retries); without that
//! check the last writer silently drops what the others wrote.

use cogito_testkit::TestApp;
use cogito_testkit::sdk::Client;
use cogito_testkit::sdk::types::{
    AttributeDataType, SchemaAttributeType, UserPoolType, VerificationMessageTemplateType,
};

async fn describe(app: &TestApp, pool: &str) -> UserPoolType {
    app.sdk
        .describe_user_pool()
        .user_pool_id(pool)
        .send()
        .await
        .unwrap()
        .user_pool
        .expect("pool")
}

fn has_attribute(pool: &UserPoolType, name: &str) -> bool {
    pool.schema_attributes()
        .iter()
        .any(|a| a.name() == Some(name))
}

async fn add_attribute(sdk: &Client, pool: &str, name: &str) {
    sdk.add_custom_attributes()
        .user_pool_id(pool)
        .custom_attributes(
            SchemaAttributeType::builder()
                .name(name)
                .attribute_data_type(AttributeDataType::String)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("AddCustomAttributes {name}: {e:?}"));
}

async fn set_email_subject(sdk: &Client, pool: &str, subject: &str) {
    sdk.update_user_pool()
        .user_pool_id(pool)
        .verification_message_template(
            VerificationMessageTemplateType::builder()
                .email_subject(subject)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("UpdateUserPool {subject}: {e:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_add_custom_attributes_keep_every_attribute() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let (sdk, pool) = (app.sdk.clone(), pool.clone());
            tokio::spawn(async move { add_attribute(&sdk, &pool, &format!("a{i}")).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let after = describe(&app, &pool).await;
    let missing: Vec<_> = (0..10)
        .map(|i| format!("custom:a{i}"))
        .filter(|name| !has_attribute(&after, name))
        .collect();
    assert!(missing.is_empty(), "lost attributes: {missing:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_user_pool_racing_add_custom_attributes_loses_neither() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    for round in 0..15 {
        let subject = format!("Subject {round}");
        let attribute = format!("r{round}");
        let (a, p, s) = (app.sdk.clone(), pool.clone(), subject.clone());
        let update = tokio::spawn(async move { set_email_subject(&a, &p, &s).await });
        let (a, p, n) = (app.sdk.clone(), pool.clone(), attribute.clone());
        let add = tokio::spawn(async move { add_attribute(&a, &p, &n).await });
        update.await.unwrap();
        add.await.unwrap();

        let after = describe(&app, &pool).await;
        let kept_subject = after
            .verification_message_template()
            .and_then(|t| t.email_subject());
        assert_eq!(kept_subject, Some(subject.as_str()), "round {round}");
        for earlier in 0..=round {
            let name = format!("custom:r{earlier}");
            assert!(has_attribute(&after, &name), "round {round}: {name} lost");
        }
    }
}
