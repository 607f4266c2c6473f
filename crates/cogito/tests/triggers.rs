//! `cogito serve` calls trigger functions mapped with `--trigger` and signs them with the secret
//! `cogito trigger-secret` prints (generated on first start and stored sealed when none is
//! configured): the example trigger service, checking signatures with that printed secret,
//! auto-confirms a company sign-up.

mod support;

use std::ffi::OsString;
use std::process::Command;

use support::{Server, attr, pool_and_client};

const ADMIN: (&str, &str) = ("AKIATRIGGERTEST00001", "trigger-test-admin-secret");

#[tokio::test]
async fn the_printed_trigger_secret_is_the_one_the_server_signs_with() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let args: Vec<OsString> = vec![
        "--data-dir".into(),
        data.clone().into(),
        "--trigger".into(),
        format!("cogito-example-triggers={url}").into(),
    ];
    let server = Server::start(dir.path(), "triggers", ADMIN, &args).await;
    let printed = Command::new(env!("CARGO_BIN_EXE_cogito"))
        .args(["trigger-secret", "--data-dir"])
        .arg(&data)
        .env_remove("COGITO_CONFIG")
        .env_remove("COGITO_TRIGGER_SECRET")
        .env_remove("COGITO_MASTER_KEY")
        .output()
        .unwrap();
    assert!(printed.status.success(), "{printed:?}");
    let secret = String::from_utf8(printed.stdout).unwrap().trim().to_owned();
    assert!(secret.len() >= 32, "a generated secret: {secret}");
    let service = cogito_example_triggers::app(secret.into_bytes(), "corp.example".into());
    tokio::spawn(async move { axum::serve(listener, service).await });

    let sdk = server.sdk();
    let (pool, client) = pool_and_client(&sdk, "triggers").await;
    let arn = "arn:aws:lambda:eu-west-1:111122223333:function:cogito-example-triggers";
    sdk.update_user_pool()
        .user_pool_id(&pool)
        .lambda_config(
            cogito_testkit::sdk::types::LambdaConfigType::builder()
                .pre_sign_up(arn)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = sdk
        .sign_up()
        .client_id(&client)
        .username("worker")
        .password("Passw0rd!long")
        .user_attributes(attr("email", "worker@corp.example"))
        .send()
        .await
        .unwrap();
    assert!(
        out.user_confirmed,
        "the trigger accepted cogito's signature and confirmed"
    );
    // An ARN no endpoint is mapped to is refused.
    let refused = sdk
        .update_user_pool()
        .user_pool_id(&pool)
        .lambda_config(
            cogito_testkit::sdk::types::LambdaConfigType::builder()
                .post_confirmation("arn:aws:lambda:eu-west-1:111122223333:function:elsewhere")
                .build(),
        )
        .send()
        .await;
    assert!(refused.is_err());
    server.stop().await;
}
