//! `cogito apply`, `plan`, `export-config` and the management commands with the real binary
//! against `cogito serve` with SigV4:
//! - applying a template twice changes nothing the second time; `plan` shows a changed callback
//!   URL before `apply` makes it, and an update keeps the settings the template does not name;
//! - `export-config` writes a template that rebuilds the pools on a fresh server and that
//!   applies to its own server without a change;
//! - a CloudFormation template with the Cognito resources (and `Ref`, `Fn::GetAtt`, `Fn::Sub`,
//!   parameters) applies, and its pool works with the AWS SDK;
//! - `cogito pools|clients|groups|users …` list, show, create and delete, with credentials from
//!   the environment or from a profile in `~/.aws/credentials`.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use cogito_testkit::sdk;
use sdk::types::AuthFlowType;

mod support;

use support::Server;

const KEY_ID: &str = "AKIATEMPLATES0000001";
const SECRET: &str = "templates-secret-access-key-0123456789abcd";

async fn serve(dir: &Path) -> Server {
    let args: Vec<std::ffi::OsString> = vec!["--data-dir".into(), dir.into()];
    Server::start(dir, "templates", (KEY_ID, SECRET), &args).await
}

/// Runs `cogito <args>` against `server` with the admin keys in the environment.
fn cogito(server: &Server, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cogito"))
        .args(args)
        .env_remove("COGITO_CONFIG")
        .env_remove("AWS_PROFILE")
        .env("COGITO_ENDPOINT_URL", &server.url)
        .env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run cogito")
}

/// Runs and requires success; stdout.
fn ok(server: &Server, args: &[&str]) -> String {
    let out = cogito(server, args);
    assert!(
        out.status.success(),
        "cogito {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const TEMPLATE: &str = r#"
Pools:
  - PoolName: shop
    AutoVerifiedAttributes: [email]
    Policies:
      PasswordPolicy:
        MinimumLength: 10
        RequireSymbols: false
    Domain: shop-auth-CALLBACK_PORT
    Clients:
      - ClientName: web
        ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
        CallbackURLs: [https://shop.example/callback]
        AllowedOAuthFlows: [code]
        AllowedOAuthScopes: [openid, email]
        AllowedOAuthFlowsUserPoolClient: true
        SupportedIdentityProviders: [COGNITO]
      - ClientName: backend
        GenerateSecret: true
        ExplicitAuthFlows: [ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
    ResourceServers:
      - Identifier: https://api.shop.example
        Name: api
        Scopes:
          - ScopeName: read
            ScopeDescription: Read things
    Groups:
      - GroupName: admins
        Precedence: 1
        Description: Shop admins
    Users:
      - Username: owner
        UserAttributes:
          - Name: email
            Value: owner@shop.example
        Password: Owner-Passw0rd
        Groups: [admins]
"#;

async fn pool_id(sdk: &sdk::Client, name: &str) -> String {
    sdk.list_user_pools()
        .max_results(60)
        .send()
        .await
        .unwrap()
        .user_pools()
        .iter()
        .find(|p| p.name() == Some(name))
        .and_then(|p| p.id().map(str::to_owned))
        .unwrap_or_else(|| panic!("no pool {name}"))
}

async fn client_of(sdk: &sdk::Client, pool: &str, name: &str) -> sdk::types::UserPoolClientType {
    let id = sdk
        .list_user_pool_clients()
        .user_pool_id(pool)
        .max_results(60)
        .send()
        .await
        .unwrap()
        .user_pool_clients()
        .iter()
        .find(|c| c.client_name() == Some(name))
        .and_then(|c| c.client_id().map(str::to_owned))
        .unwrap_or_else(|| panic!("no client {name}"));
    sdk.describe_user_pool_client()
        .user_pool_id(pool)
        .client_id(id)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
}

async fn sign_in(sdk: &sdk::Client, client: &str, user: &str, password: &str) -> serde_json::Value {
    let out = sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", user)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .expect("sign-in");
    let id = out.authentication_result.unwrap().id_token.unwrap();
    let payload = id.split('.').nth(1).unwrap();
    use base64::Engine;
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_is_idempotent_and_plan_shows_a_change_before_it_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path()).await;
    let sdk = server.sdk();
    let file = dir.path().join("pools.yaml");
    let template = TEMPLATE.replace("CALLBACK_PORT", &std::process::id().to_string());
    std::fs::write(&file, &template).unwrap();
    let path = file.to_str().unwrap();

    let first = ok(&server, &["apply", "-f", path]);
    for line in [
        "+ pool shop",
        "+ client web of pool shop",
        "+ client backend of pool shop",
        "+ group admins of pool shop",
        "+ resource server https://api.shop.example of pool shop",
        "+ user owner of pool shop",
        "applied 7 change(s)",
    ] {
        assert!(first.contains(line), "{line}: {first}");
    }
    assert!(first.contains("note: client backend: id "), "{first}");
    assert!(first.contains("(shown once)"), "{first}");
    let again = ok(&server, &["apply", "-f", path]);
    assert_eq!(again.trim(), "no changes", "{again}");

    let pool = pool_id(&sdk, "shop").await;
    let described = sdk
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    let policy = described.policies().unwrap().password_policy().unwrap();
    assert_eq!(policy.minimum_length(), Some(10));
    assert!(described.domain().unwrap().starts_with("shop-auth-"));
    let web = client_of(&sdk, &pool, "web").await;
    let claims = sign_in(&sdk, web.client_id().unwrap(), "owner", "Owner-Passw0rd").await;
    assert_eq!(claims["cognito:groups"], serde_json::json!(["admins"]));

    // A changed callback URL: `plan` shows it and changes nothing; `apply` makes it, and the
    // client keeps the settings the change does not touch.
    let changed = template.replace("https://shop.example/callback", "https://shop.example/cb2");
    std::fs::write(&file, changed).unwrap();
    let plan = ok(&server, &["plan", "-f", path]);
    assert!(
        plan.contains(
            r#"~ client web of pool shop: CallbackURLs: ["https://shop.example/callback"] -> ["https://shop.example/cb2"]"#
        ),
        "{plan}"
    );
    assert!(plan.contains("1 change(s) to apply"), "{plan}");
    let web = client_of(&sdk, &pool, "web").await;
    assert_eq!(web.callback_urls(), ["https://shop.example/callback"]);
    let applied = ok(&server, &["apply", "-f", path]);
    assert!(applied.contains("applied 1 change(s)"), "{applied}");
    let web = client_of(&sdk, &pool, "web").await;
    assert_eq!(web.callback_urls(), ["https://shop.example/cb2"]);
    assert_eq!(web.allowed_o_auth_scopes().len(), 2);
    assert_eq!(ok(&server, &["plan", "-f", path]).trim(), "no changes");
    // A group's precedence: updated, its description kept.
    let regrouped = std::fs::read_to_string(&file)
        .unwrap()
        .replace("Precedence: 1", "Precedence: 5");
    std::fs::write(&file, regrouped).unwrap();
    let plan = ok(&server, &["plan", "-f", path]);
    assert!(
        plan.contains("~ group admins of pool shop: Precedence: 1 -> 5"),
        "{plan}"
    );
    ok(&server, &["apply", "-f", path]);
    let group = sdk
        .get_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .send()
        .await
        .unwrap()
        .group
        .unwrap();
    assert_eq!(group.precedence(), Some(5));
    assert_eq!(group.description(), Some("Shop admins"));

    // export-config: the same server takes it without a change; a fresh one is rebuilt by it.
    let exported = ok(&server, &["export-config"]);
    assert!(exported.contains("PoolName: shop"), "{exported}");
    assert!(
        !exported.contains("ClientSecret"),
        "secrets are never exported"
    );
    let exported_file = dir.path().join("exported.yaml");
    std::fs::write(&exported_file, &exported).unwrap();
    let exported_path = exported_file.to_str().unwrap();
    assert_eq!(
        ok(&server, &["plan", "-f", exported_path]).trim(),
        "no changes"
    );
    let other_dir = tempfile::tempdir().unwrap();
    let other = serve(other_dir.path()).await;
    let rebuilt = ok(&other, &["apply", "-f", exported_path]);
    assert!(rebuilt.contains("+ pool shop"), "{rebuilt}");
    assert_eq!(
        ok(&other, &["plan", "-f", exported_path]).trim(),
        "no changes"
    );
    let other_sdk = other.sdk();
    let other_pool = pool_id(&other_sdk, "shop").await;
    let web = client_of(&other_sdk, &other_pool, "web").await;
    assert_eq!(web.callback_urls(), ["https://shop.example/cb2"]);
    other.stop().await;
    server.stop().await;
}

const CLOUDFORMATION: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: !Sub "orders-${Stage}"
      UsernameAttributes: [email]
      AutoVerifiedAttributes: [email]
      Policies:
        PasswordPolicy:
          MinimumLength: 8
      Schema:
        - Name: tenant
          AttributeDataType: String
          Mutable: true
  WebClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref UserPool
      ClientName: web
      ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  Domain:
    Type: AWS::Cognito::UserPoolDomain
    Properties:
      UserPoolId: !Ref UserPool
      Domain: !Sub "orders-${Stage}-DOMAIN_SUFFIX"
  Admins:
    Type: AWS::Cognito::UserPoolGroup
    Properties:
      UserPoolId: !Ref UserPool
      GroupName: admins
      Precedence: 0
  Api:
    Type: AWS::Cognito::UserPoolResourceServer
    Properties:
      UserPoolId: !GetAtt UserPool.UserPoolId
      Identifier: orders-api
      Name: Orders API
      Scopes:
        - ScopeName: read
          ScopeDescription: Read orders
  Alice:
    Type: AWS::Cognito::UserPoolUser
    Properties:
      UserPoolId: !Ref UserPool
      Username: alice@orders.example
      MessageAction: SUPPRESS
      UserAttributes:
        - Name: email
          Value: alice@orders.example
  AAdminAttachment:
    Type: AWS::Cognito::UserPoolUserToGroupAttachment
    Properties:
      UserPoolId: !Ref UserPool
      Username: !Ref Alice
      GroupName: !Ref Admins
  Queue:
    Type: AWS::SQS::Queue
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_cloudformation_template_applies_and_its_pool_works_with_the_sdk() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path()).await;
    let sdk = server.sdk();
    let file = dir.path().join("template.yaml");
    std::fs::write(
        &file,
        CLOUDFORMATION.replace("DOMAIN_SUFFIX", &std::process::id().to_string()),
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let out = cogito(&server, &["apply", "-f", path, "--parameter", "Stage=test"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("+ pool orders-test"), "{stdout}");
    assert!(
        stderr.contains("skipped Queue: AWS::SQS::Queue"),
        "{stderr}"
    );
    let again = ok(&server, &["apply", "-f", path, "--parameter", "Stage=test"]);
    assert_eq!(again.trim(), "no changes", "{again}");

    let pool = pool_id(&sdk, "orders-test").await;
    let described = sdk
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(described.username_attributes().len(), 1);
    assert!(
        described
            .schema_attributes()
            .iter()
            .any(|a| a.name() == Some("custom:tenant"))
    );
    assert!(described.domain().unwrap().starts_with("orders-test-"));
    let server_scopes = sdk
        .describe_resource_server()
        .user_pool_id(&pool)
        .identifier("orders-api")
        .send()
        .await
        .unwrap();
    assert_eq!(server_scopes.resource_server().unwrap().scopes().len(), 1);
    // The template's user signs in once given a password, with the template's group.
    sdk.admin_set_user_password()
        .user_pool_id(&pool)
        .username("alice@orders.example")
        .password("Alice-Passw0rd!")
        .permanent(true)
        .send()
        .await
        .unwrap();
    let web = client_of(&sdk, &pool, "web").await;
    let claims = sign_in(
        &sdk,
        web.client_id().unwrap(),
        "alice@orders.example",
        "Alice-Passw0rd!",
    )
    .await;
    assert_eq!(claims["cognito:groups"], serde_json::json!(["admins"]));
    assert_eq!(claims["email"], "alice@orders.example");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn management_commands_list_show_create_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path()).await;
    let created = ok(&server, &["pools", "create", "crm", "--output", "json"]);
    let pool: serde_json::Value = serde_json::from_str(&created).unwrap();
    let pool = pool["Id"].as_str().unwrap().to_owned();
    let table = ok(&server, &["pools", "list"]);
    let header = table.lines().next().unwrap();
    assert!(
        header.starts_with("Id") && header.contains("Name"),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with(&pool) && l.contains("crm")),
        "{table}"
    );
    ok(
        &server,
        &[
            "users",
            "create",
            "--pool",
            &pool,
            "dana",
            "--input",
            r#"{"UserAttributes":[{"Name":"email","Value":"dana@crm.example"}],"MessageAction":"SUPPRESS"}"#,
        ],
    );
    let users = ok(&server, &["users", "list", "--pool", &pool]);
    assert!(
        users.lines().any(|l| l.starts_with("dana")
            && l.contains("FORCE_CHANGE_PASSWORD")
            && l.contains("dana@crm.example")),
        "{users}"
    );
    let filtered = ok(
        &server,
        &[
            "users",
            "list",
            "--pool",
            &pool,
            "--filter",
            "email ^= \"nobody\"",
        ],
    );
    assert_eq!(filtered.trim(), "(none)");
    ok(&server, &["groups", "create", "--pool", &pool, "ops"]);
    let group = ok(
        &server,
        &["groups", "get", "--pool", &pool, "ops", "--output", "json"],
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&group).unwrap()["GroupName"],
        "ops"
    );
    let client = ok(
        &server,
        &[
            "clients", "create", "--pool", &pool, "cli-app", "--output", "json",
        ],
    );
    let client_id = serde_json::from_str::<serde_json::Value>(&client).unwrap()["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(ok(&server, &["clients", "list", "--pool", &pool]).contains(&client_id));
    ok(&server, &["clients", "delete", "--pool", &pool, &client_id]);
    assert!(!ok(&server, &["clients", "list", "--pool", &pool]).contains(&client_id));
    ok(&server, &["users", "delete", "--pool", &pool, "dana"]);

    // An API error is one line naming the exception.
    let missing = cogito(&server, &["groups", "get", "--pool", &pool, "nope"]);
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ResourceNotFoundException"),
        "{stderr}"
    );

    // Credentials from a profile, as the AWS CLI reads them.
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        format!(
            "[other]\naws_access_key_id = AKIAWRONG\naws_secret_access_key = wrong\n\n\
             [cogito]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
        ),
    )
    .unwrap();
    let by_profile = Command::new(env!("CARGO_BIN_EXE_cogito"))
        .args([
            "pools",
            "list",
            "--profile",
            "cogito",
            "--endpoint-url",
            &server.url,
        ])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .env_remove("COGITO_CONFIG")
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(
        by_profile.status.success(),
        "{}",
        String::from_utf8_lossy(&by_profile.stderr)
    );
    assert!(String::from_utf8_lossy(&by_profile.stdout).contains("crm"));
    ok(&server, &["pools", "delete", &pool]);
    server.stop().await;
}
