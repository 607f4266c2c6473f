//! Triggers (issue 9): pools name functions by Lambda ARN in `LambdaConfig`; cogito maps them
//! to HTTP endpoints and `POST`s Cognito's event, signed. The receivers here are real HTTP
//! servers built with `cogito-trigger` (and the example trigger service), started by the test;
//! every event is recorded so its fields can be checked, and each failure mode is checked to
//! leave nothing written.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cogito_server::triggers::TriggerSettings;
use cogito_testkit::sdk::types::{
    ExplicitAuthFlowsType as F, LambdaConfigType, PreTokenGenerationLambdaVersionType,
    PreTokenGenerationVersionConfigType,
};
use cogito_testkit::{TestApp, TestOptions};
use cogito_trigger::{Event, TriggerError};
use serde_json::{Value, json};

use crate::helpers::{attr, confirmed_user, err};

pub(crate) const SECRET: &[u8] = b"trigger-test-secret";
pub(crate) const PW: &str = "Passw0rd!long";

pub(crate) fn arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

/// A trigger endpoint started by the test; `events` holds every event it was sent, in order.
pub(crate) struct Receiver {
    pub url: String,
    pub events: Arc<Mutex<Vec<Event>>>,
}

impl Receiver {
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }

    pub fn sources(&self) -> Vec<String> {
        self.events()
            .into_iter()
            .map(|e| e.trigger_source)
            .collect()
    }
}

pub(crate) async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

/// A receiver running `function` (with the SDK's signature check) and recording each event.
pub(crate) async fn receiver<F>(function: F) -> Receiver
where
    F: Fn(Event) -> Result<Event, TriggerError> + Clone + Send + Sync + 'static,
{
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let router = cogito_trigger::router(SECRET.to_vec(), move |event: Event| {
        let (seen, function) = (seen.clone(), function.clone());
        async move {
            seen.lock().unwrap().push(event.clone());
            function(event)
        }
    });
    Receiver {
        url: serve(router).await,
        events,
    }
}

/// An app whose functions `names` all go to `url` (one path per function), with a short
/// timeout so the slow-function case stays quick.
pub(crate) async fn app_with(url: &str, names: &[&str]) -> TestApp {
    let pairs: Vec<String> = names.iter().map(|n| format!("{n}={url}/{n}")).collect();
    let mut settings = TriggerSettings::parse(&pairs, SECRET.to_vec()).unwrap();
    settings.timeout = Duration::from_millis(700);
    TestApp::spawn_with(TestOptions {
        triggers: Some(settings),
        ..Default::default()
    })
    .await
}

/// A pool (e-mail auto-verified) with these triggers and a client allowing password sign-in.
pub(crate) async fn pool_with(app: &TestApp, config: LambdaConfigType) -> (String, String) {
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("triggers")
        .auto_verified_attributes(cogito_testkit::sdk::types::VerifiedAttributeType::Email)
        .lambda_config(config)
        .send()
        .await
        .unwrap()
        .user_pool
        .and_then(|p| p.id)
        .unwrap();
    let (client, _) = crate::helpers::client_with(
        app,
        &pool,
        &[
            F::AllowUserPasswordAuth,
            F::AllowAdminUserPasswordAuth,
            F::AllowRefreshTokenAuth,
            F::AllowCustomAuth,
        ],
        false,
        true,
    )
    .await;
    (pool, client)
}

/// Gives an existing pool these triggers (`UpdateUserPool`, e-mail auto-verified as in
/// [`pool_with`]).
async fn set_triggers(app: &TestApp, pool: &str, config: LambdaConfigType) {
    app.sdk
        .update_user_pool()
        .user_pool_id(pool)
        .auto_verified_attributes(cogito_testkit::sdk::types::VerifiedAttributeType::Email)
        .lambda_config(config)
        .send()
        .await
        .unwrap();
}

/// `LambdaConfig` naming the `pre-token` function as pre token generation of `version`.
fn pre_token(version: PreTokenGenerationLambdaVersionType) -> LambdaConfigType {
    LambdaConfigType::builder()
        .pre_token_generation_config(
            PreTokenGenerationVersionConfigType::builder()
                .lambda_version(version)
                .lambda_arn(arn("pre-token"))
                .build()
                .unwrap(),
        )
        .build()
}

pub(crate) async fn user_exists(app: &TestApp, pool: &str, name: &str) -> bool {
    app.sdk
        .admin_get_user()
        .user_pool_id(pool)
        .username(name)
        .send()
        .await
        .is_ok()
}

#[tokio::test]
async fn a_function_without_an_endpoint_is_refused_and_a_mapped_one_is_echoed() {
    let app = app_with("http://127.0.0.1:9", &["pre-signup"]).await;
    let (code, message) = err(app
        .sdk
        .create_user_pool()
        .pool_name("p")
        .lambda_config(
            LambdaConfigType::builder()
                .pre_sign_up(arn("unmapped"))
                .build(),
        )
        .send()
        .await);
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains(&arn("unmapped")), "{message}");
    // Mapped by function name, any account or region.
    let mapped = "arn:aws:lambda:eu-west-1:999999999999:function:pre-signup";
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("p")
        .lambda_config(LambdaConfigType::builder().pre_sign_up(mapped).build())
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(pool.lambda_config.unwrap().pre_sign_up(), Some(mapped));
    let id = pool.id.unwrap();
    let (code, _) = err(app
        .sdk
        .update_user_pool()
        .user_pool_id(&id)
        .lambda_config(
            LambdaConfigType::builder()
                .post_confirmation(arn("nope"))
                .build(),
        )
        .send()
        .await);
    assert_eq!(code, "InvalidParameterException");
    let described = app
        .sdk
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(described.lambda_config.unwrap().pre_sign_up(), Some(mapped));
}

#[tokio::test]
async fn pre_sign_up_gets_cognitos_event_and_can_confirm_and_verify() {
    let r = receiver(|mut e: Event| {
        if e.trigger_source == "PreSignUp_SignUp" {
            e.response["autoConfirmUser"] = true.into();
            e.response["autoVerifyEmail"] = true.into();
        }
        Ok(e)
    })
    .await;
    let app = app_with(&r.url, &["pre-signup", "post-confirm"]).await;
    let (pool, client) = pool_with(
        &app,
        LambdaConfigType::builder()
            .pre_sign_up(arn("pre-signup"))
            .post_confirmation(arn("post-confirm"))
            .build(),
    )
    .await;
    let out = app
        .sdk
        .sign_up()
        .client_id(&client)
        .username("bob")
        .password(PW)
        .user_attributes(attr("email", "bob@example.com"))
        .validation_data(attr("invite", "X1"))
        .client_metadata("origin", "test")
        .send()
        .await
        .unwrap();
    assert!(out.user_confirmed);
    assert!(
        out.code_delivery_details.is_none(),
        "no code for a confirmed user"
    );
    assert!(app.outbox("bob").await.is_empty());

    let events = r.events();
    assert_eq!(
        r.sources(),
        ["PreSignUp_SignUp", "PostConfirmation_ConfirmSignUp"]
    );
    let e = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(e["version"], "1");
    assert_eq!(e["region"], "us-east-1");
    assert_eq!(e["userPoolId"], pool.as_str());
    assert_eq!(e["userName"], "bob");
    assert_eq!(e["callerContext"]["clientId"], client.as_str());
    assert!(e["callerContext"]["awsSdkVersion"].is_string());
    assert_eq!(e["request"]["userAttributes"]["email"], "bob@example.com");
    assert_eq!(e["request"]["validationData"], json!({ "invite": "X1" }));
    assert_eq!(e["request"]["clientMetadata"], json!({ "origin": "test" }));
    assert_eq!(e["response"], json!({}));
    let confirmed = serde_json::to_value(&events[1]).unwrap();
    let attrs = &confirmed["request"]["userAttributes"];
    assert_eq!(attrs["cognito:user_status"], "CONFIRMED");
    assert_eq!(attrs["email_verified"], "true");
    assert!(attrs["sub"].as_str().is_some_and(|s| s.len() == 36));

    let user = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_status.unwrap().as_str(), "CONFIRMED");
    // Signs in at once.
    app.sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(cogito_testkit::sdk::types::AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "bob")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await
        .unwrap();
}

/// A receiver that misbehaves in one way for every event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    Refuse,
    Slow,
    NotJson,
    WrongShape,
    ServerError,
}

async fn faulty(fault: Fault, calls: Arc<Mutex<u32>>) -> String {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let router = axum::Router::new().fallback(move || {
        let calls = calls.clone();
        async move {
            *calls.lock().unwrap() += 1;
            match fault {
                Fault::Refuse => (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({ "errorType": "Error", "errorMessage": "Registration from this domain is not allowed" })),
                )
                    .into_response(),
                Fault::Slow => {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    axum::Json(json!({ "response": {} })).into_response()
                }
                Fault::NotJson => "not json".into_response(),
                Fault::WrongShape => axum::Json(json!({ "response": "yes" })).into_response(),
                Fault::ServerError => StatusCode::BAD_GATEWAY.into_response(),
            }
        }
    });
    serve(router).await
}

#[tokio::test]
async fn each_failure_of_pre_sign_up_gives_cognitos_exception_and_creates_nobody() {
    let cases = [
        (
            Fault::Refuse,
            "UserLambdaValidationException",
            Some("PreSignUp failed with error Registration from this domain is not allowed."),
            1,
        ),
        (Fault::Slow, "UnexpectedLambdaException", None, 1),
        (Fault::NotJson, "InvalidLambdaResponseException", None, 1),
        (Fault::WrongShape, "InvalidLambdaResponseException", None, 1),
        (Fault::ServerError, "UnexpectedLambdaException", None, 3),
    ];
    for (fault, want, message, attempts) in cases {
        let calls = Arc::new(Mutex::new(0));
        let url = faulty(fault, calls.clone()).await;
        let app = app_with(&url, &["pre-signup"]).await;
        let (pool, client) = pool_with(
            &app,
            LambdaConfigType::builder()
                .pre_sign_up(arn("pre-signup"))
                .build(),
        )
        .await;
        let (code, got) = err(app
            .sdk
            .sign_up()
            .client_id(&client)
            .username("eve")
            .password(PW)
            .user_attributes(attr("email", "eve@example.com"))
            .send()
            .await);
        assert_eq!(code, want, "{fault:?}: {got}");
        if let Some(m) = message {
            assert_eq!(got, m);
        }
        assert_eq!(*calls.lock().unwrap(), attempts, "{fault:?}: attempts");
        assert!(
            !user_exists(&app, &pool, "eve").await,
            "{fault:?}: user written"
        );
        assert!(
            app.outbox("eve").await.is_empty(),
            "{fault:?}: message sent"
        );
        // AdminCreateUser runs the same trigger and creates nobody either.
        let (code, _) = err(app
            .sdk
            .admin_create_user()
            .user_pool_id(&pool)
            .username("mallory")
            .send()
            .await);
        assert_eq!(code, want, "{fault:?}: AdminCreateUser");
        assert!(!user_exists(&app, &pool, "mallory").await);
    }
}

#[tokio::test]
async fn pre_and_post_authentication_can_refuse_a_sign_in_and_no_tokens_are_issued() {
    let r = receiver(|e: Event| match e.trigger_source.as_str() {
        "PreAuthentication_Authentication" if e.user_name == "blocked" => {
            Err(TriggerError::new("Account blocked"))
        }
        "PostAuthentication_Authentication" if e.user_name == "late" => {
            Err(TriggerError::new("Audit log unavailable"))
        }
        _ => Ok(e),
    })
    .await;
    let app = app_with(&r.url, &["pre-auth", "post-auth"]).await;
    let (pool, client) = pool_with(
        &app,
        LambdaConfigType::builder()
            .pre_authentication(arn("pre-auth"))
            .post_authentication(arn("post-auth"))
            .build(),
    )
    .await;
    for name in ["blocked", "late", "fine"] {
        confirmed_user(&app, &pool, name, PW).await;
    }
    let sign_in = |name: &'static str| {
        app.sdk
            .initiate_auth()
            .client_id(&client)
            .auth_flow(cogito_testkit::sdk::types::AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", name)
            .auth_parameters("PASSWORD", PW)
            .client_metadata("k", "v")
            .send()
    };
    let (code, message) = err(sign_in("blocked").await);
    assert_eq!(code, "UserLambdaValidationException");
    assert_eq!(
        message,
        "PreAuthentication failed with error Account blocked."
    );
    let (code, message) = err(sign_in("late").await);
    assert_eq!(code, "UserLambdaValidationException");
    assert_eq!(
        message,
        "PostAuthentication failed with error Audit log unavailable."
    );
    sign_in("fine").await.unwrap();
    let events = r.events();
    let fine: Vec<Value> = events
        .iter()
        .filter(|e| e.user_name == "fine")
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    assert_eq!(fine.len(), 2);
    assert_eq!(fine[0]["triggerSource"], "PreAuthentication_Authentication");
    assert_eq!(fine[0]["request"]["validationData"], json!({ "k": "v" }));
    assert_eq!(fine[1]["request"]["clientMetadata"], json!({ "k": "v" }));
    assert_eq!(
        fine[0]["request"]["userAttributes"]["email"],
        "fine@example.com"
    );
    assert_eq!(
        fine[1]["triggerSource"],
        "PostAuthentication_Authentication"
    );
    assert_eq!(fine[1]["request"]["newDeviceUsed"], false);
    // An unknown name with existence errors hidden reaches the trigger with `userNotFound`.
    let _ = sign_in("ghost").await;
    let ghost = r
        .events()
        .into_iter()
        .find(|e| e.user_name == "ghost")
        .expect("an event for the unknown name");
    assert_eq!(ghost.request["userNotFound"], true);
}

/// The ID and access tokens as an independent verifier (`jsonwebtoken`, the JWKS over HTTP)
/// sees them must carry the example service's changes.
async fn assert_tenant_tokens(app: &TestApp, pool: &str, id: &str, access: &str) {
    let id = crate::oauth_support::verify_jwt(app, pool, id, None).await;
    let access = crate::oauth_support::verify_jwt(app, pool, access, None).await;
    assert_eq!(id["tenant"], "example.com", "{id}");
    assert_eq!(id["email"], "alice@example.com", "other claims stay");
    assert!(id.get("phone_number").is_none(), "suppressed: {id}");
    assert!(
        id.get("phone_number_verified").is_none(),
        "suppressed: {id}"
    );
    assert_eq!(access["tenant"], "example.com", "{access}");
    let scopes: Vec<&str> = access["scope"].as_str().unwrap().split(' ').collect();
    assert!(scopes.contains(&"tenant/example.com"), "{scopes:?}");
    assert_eq!(access["token_use"], "access", "protected claims unchanged");
}

#[tokio::test]
async fn pre_token_generation_v2_of_the_example_service_shapes_api_refresh_and_hosted_tokens() {
    use crate::oauth_support::{PASSWORD, fixture, pub_tokens};
    let url = serve(cogito_example_triggers::app(
        SECRET.to_vec(),
        "example.com".into(),
    ))
    .await;
    let app = app_with(&url, &["pre-token"]).await;
    let fx = fixture(&app).await;
    set_triggers(
        &app,
        &fx.pool,
        pre_token(PreTokenGenerationLambdaVersionType::V20),
    )
    .await;
    app.sdk
        .admin_update_user_attributes()
        .user_pool_id(&fx.pool)
        .username("alice")
        .user_attributes(attr("phone_number", "+15555550100"))
        .user_attributes(attr("phone_number_verified", "true"))
        .send()
        .await
        .unwrap();
    let (client, _) = crate::helpers::client_with(
        &app,
        &fx.pool,
        &[F::AllowAdminUserPasswordAuth, F::AllowRefreshTokenAuth],
        false,
        true,
    )
    .await;
    let signed_in = crate::helpers::admin_login(&app, &fx.pool, &client, "alice", PASSWORD).await;
    assert_tenant_tokens(
        &app,
        &fx.pool,
        signed_in.id_token().unwrap(),
        signed_in.access_token().unwrap(),
    )
    .await;
    let refreshed = app
        .sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(cogito_testkit::sdk::types::AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", signed_in.refresh_token().unwrap())
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    assert_tenant_tokens(
        &app,
        &fx.pool,
        refreshed.id_token().unwrap(),
        refreshed.access_token().unwrap(),
    )
    .await;
    let hosted = pub_tokens(&app, &fx, &[("scope", "openid email phone")]).await;
    assert_tenant_tokens(
        &app,
        &fx.pool,
        &hosted.str("id_token"),
        &hosted.str("access_token"),
    )
    .await;
    let access = crate::oauth_support::claims(&hosted.str("access_token"));
    assert!(
        access["scope"].as_str().unwrap().contains("openid"),
        "{access}"
    );
}

#[tokio::test]
async fn pre_token_generation_v1_changes_id_token_claims_and_groups() {
    let r = receiver(|mut e: Event| {
        e.response["claimsOverrideDetails"] = json!({
            "claimsToAddOrOverride": { "plan": "gold", "sub": "forged", "email": "other@example.com" },
            "claimsToSuppress": ["email"],
            "groupOverrideDetails": { "groupsToOverride": ["vip"] },
        });
        Ok(e)
    })
    .await;
    let app = app_with(&r.url, &["pre-token"]).await;
    let (pool, client) = pool_with(
        &app,
        LambdaConfigType::builder()
            .pre_token_generation(arn("pre-token"))
            .build(),
    )
    .await;
    confirmed_user(&app, &pool, "carol", PW).await;
    let tokens = crate::helpers::admin_login(&app, &pool, &client, "carol", PW).await;
    let id = crate::oauth_support::verify_jwt(&app, &pool, tokens.id_token().unwrap(), None).await;
    let access =
        crate::oauth_support::verify_jwt(&app, &pool, tokens.access_token().unwrap(), None).await;
    assert_eq!(id["plan"], "gold");
    assert!(
        id.get("email").is_none(),
        "suppression wins over an override"
    );
    assert_ne!(id["sub"], "forged", "sub is protected");
    assert_eq!(id["cognito:groups"], json!(["vip"]));
    assert_eq!(access["cognito:groups"], json!(["vip"]));
    assert!(access.get("plan").is_none(), "V1 changes the ID token only");
    let e = serde_json::to_value(&r.events()[0]).unwrap();
    assert_eq!(e["version"], "1");
    assert_eq!(e["triggerSource"], "TokenGeneration_Authentication");
    assert_eq!(
        e["request"]["groupConfiguration"]["groupsToOverride"],
        json!([])
    );
    // After NEW_PASSWORD_REQUIRED the event says so.
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("invited")
        .temporary_password("Temp0rary!pass")
        .message_action(cogito_testkit::sdk::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let challenge = app
        .sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(cogito_testkit::sdk::types::AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "invited")
        .auth_parameters("PASSWORD", "Temp0rary!pass")
        .send()
        .await
        .unwrap();
    app.sdk
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(cogito_testkit::sdk::types::ChallengeNameType::NewPasswordRequired)
        .session(challenge.session().unwrap())
        .challenge_responses("USERNAME", "invited")
        .challenge_responses("NEW_PASSWORD", PW)
        .send()
        .await
        .unwrap()
        .authentication_result
        .expect("tokens");
    let last = r.events().pop().unwrap();
    assert_eq!(last.trigger_source, "TokenGeneration_NewPasswordChallenge");
}

#[tokio::test]
async fn a_request_without_cogitos_signature_is_refused_by_the_trigger_sdk() {
    let r = receiver(Ok).await;
    let body = br#"{"version":"1","triggerSource":"PreSignUp_SignUp","region":"us-east-1","userPoolId":"p","userName":"u","callerContext":{"awsSdkVersion":"x","clientId":"c"},"request":{},"response":{}}"#;
    let http = reqwest::Client::new();
    let now = wall_clock();
    let send = |signature: String, body: &'static [u8]| {
        http.post(&r.url)
            .header(cogito_trigger::SIGNATURE_HEADER, signature)
            .body(body.to_vec())
            .send()
    };
    let good = cogito_trigger::sign(SECRET, now, body);
    assert_eq!(send(good.clone(), body).await.unwrap().status(), 200);
    let tampered: &'static [u8] = br#"{"version":"1","triggerSource":"PreSignUp_AdminCreateUser","region":"us-east-1","userPoolId":"p","userName":"u","callerContext":{"awsSdkVersion":"x","clientId":"c"},"request":{},"response":{}}"#;
    assert_eq!(send(good, tampered).await.unwrap().status(), 401);
    let stale = cogito_trigger::sign(SECRET, now - 3600, body);
    assert_eq!(send(stale, body).await.unwrap().status(), 401);
    let other = cogito_trigger::sign(b"another secret", now, body);
    assert_eq!(send(other, body).await.unwrap().status(), 401);
    assert_eq!(
        r.events().len(),
        1,
        "only the signed request reached the function"
    );
}

/// The receiver checks signatures against its wall clock, so the test signs with it too.
#[allow(clippy::disallowed_methods)]
fn wall_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The old system behind the migration function: `legacy` with `OldPassw0rd!` (and anyone on
/// a password reset gets `legacy`'s record if the name is `forgetful`).
fn old_system(mut e: Event) -> Result<Event, TriggerError> {
    let known = match (e.trigger_source.as_str(), e.user_name.as_str()) {
        ("UserMigration_Authentication", "legacy" | "legacy-web") => {
            e.request["password"] == "OldPassw0rd!"
        }
        ("UserMigration_ForgotPassword", "forgetful") => true,
        _ => false,
    };
    if !known {
        return Err(TriggerError::new("Bad password"));
    }
    let email = format!("{}@old.example", e.user_name);
    let r = e.response_mut();
    r.insert(
        "userAttributes".into(),
        json!({ "email": email, "email_verified": "true" }),
    );
    r.insert("finalUserStatus".into(), json!("CONFIRMED"));
    r.insert("messageAction".into(), json!("SUPPRESS"));
    Ok(e)
}

#[tokio::test]
async fn user_migration_brings_users_in_with_their_password_on_every_sign_in_path() {
    let r = receiver(old_system).await;
    let app = app_with(&r.url, &["migrate"]).await;
    let site = crate::hosted_ui::site_on(app, "migrating").await;
    let app = &site.app;
    set_triggers(
        app,
        &site.pool,
        LambdaConfigType::builder()
            .user_migration(arn("migrate"))
            .build(),
    )
    .await;
    let (client, _) = crate::helpers::client_with(
        app,
        &site.pool,
        &[F::AllowUserPasswordAuth, F::AllowUserSrpAuth],
        false,
        true,
    )
    .await;
    let password_sign_in = |name: &'static str, password: &'static str| {
        app.sdk
            .initiate_auth()
            .client_id(&client)
            .auth_flow(cogito_testkit::sdk::types::AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", name)
            .auth_parameters("PASSWORD", password)
            .client_metadata("app", "legacy-portal")
            .send()
    };
    // A wrong old password: refused like any wrong password, and nobody is created.
    let (code, message) = err(password_sign_in("legacy", "Wrong0ld!").await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Incorrect username or password.")
    );
    assert!(!user_exists(app, &site.pool, "legacy").await);
    // The right one: signed in, and the user now lives in the pool with that password.
    let out = password_sign_in("legacy", "OldPassw0rd!").await.unwrap();
    assert!(out.authentication_result.unwrap().id_token.is_some());
    let migration: Vec<Event> = r
        .events()
        .into_iter()
        .filter(|e| e.trigger_source == "UserMigration_Authentication")
        .collect();
    assert_eq!(migration.len(), 2);
    assert_eq!(migration[1].user_name, "legacy");
    assert_eq!(migration[1].request["password"], "OldPassw0rd!");
    assert_eq!(migration[1].caller_context.client_id, client);
    assert_eq!(
        migration[1].request["validationData"],
        json!({ "app": "legacy-portal" })
    );
    assert_eq!(
        migration[1].request["clientMetadata"],
        json!({ "app": "legacy-portal" })
    );
    let user = app
        .sdk
        .admin_get_user()
        .user_pool_id(&site.pool)
        .username("legacy")
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_status().unwrap().as_str(), "CONFIRMED");
    let email = user.user_attributes().iter().find(|a| a.name == "email");
    assert_eq!(email.and_then(|a| a.value()), Some("legacy@old.example"));
    // Next time: no call to the function, by password or by SRP.
    let calls = r.events().len();
    password_sign_in("legacy", "OldPassw0rd!").await.unwrap();
    let name = crate::srp::srp_sign_in(app, &site.pool, &client, "legacy", "OldPassw0rd!")
        .await
        .unwrap();
    assert_eq!(name, "legacy");
    assert_eq!(
        r.events().len(),
        calls,
        "the migrated user is not migrated again"
    );

    // The hosted UI migrates too.
    let mut b = crate::hosted_ui::Browser::new();
    let page = site.sign_in(&mut b, "legacy-web", "OldPassw0rd!").await;
    assert_eq!(page.status, 303, "{}", page.body);
    let tokens = site.redeem(&page.location().unwrap()).await;
    assert!(tokens["id_token"].is_string());
    assert!(user_exists(app, &site.pool, "legacy-web").await);

    // ForgotPassword of a name only the old system knows: migrated without a password, the
    // code goes to the verified e-mail, and the new password works.
    let sent = app
        .sdk
        .forgot_password()
        .client_id(&client)
        .username("forgetful")
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent.code_delivery_details.unwrap().attribute_name(),
        Some("email")
    );
    let last = r.events().pop().unwrap();
    assert_eq!(last.trigger_source, "UserMigration_ForgotPassword");
    assert!(last.request.get("password").is_none());
    let code = app.latest_code("forgetful").await;
    app.sdk
        .confirm_forgot_password()
        .client_id(&client)
        .username("forgetful")
        .confirmation_code(code)
        .password(PW)
        .send()
        .await
        .unwrap();
    password_sign_in("forgetful", PW).await.unwrap();
}

#[tokio::test]
async fn custom_message_rewrites_every_kind_of_message_and_a_bad_answer_sends_nothing() {
    let r = receiver(|mut e: Event| {
        let source = e.trigger_source.clone();
        if e.user_name == "broken" {
            e.response_mut()
                .insert("emailMessage".into(), json!("no code here"));
            return Ok(e);
        }
        let body = if source == "CustomMessage_AdminCreateUser" {
            "<p>Welcome {username}, your password is <b>{####}</b></p>".to_owned()
        } else {
            format!("<p>{source}: <b>{{####}}</b></p>")
        };
        let r = e.response_mut();
        r.insert("emailSubject".into(), json!(format!("Subject of {source}")));
        r.insert("emailMessage".into(), json!(body));
        Ok(e)
    })
    .await;
    let app = app_with(&r.url, &["messages"]).await;
    let (pool, client) = pool_with(
        &app,
        LambdaConfigType::builder()
            .custom_message(arn("messages"))
            .build(),
    )
    .await;
    let sign_up = |name: &'static str| {
        app.sdk
            .sign_up()
            .client_id(&client)
            .username(name)
            .password(PW)
            .user_attributes(attr("email", &format!("{name}@example.com")))
            .send()
    };
    sign_up("frank").await.unwrap();
    let sent = app.outbox("frank").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].subject, "Subject of CustomMessage_SignUp");
    let code = sent[0].code.clone().unwrap();
    assert_eq!(
        sent[0].body,
        format!("<p>CustomMessage_SignUp: <b>{code}</b></p>")
    );
    let e = serde_json::to_value(&r.events()[0]).unwrap();
    assert_eq!(e["request"]["codeParameter"], "{####}");
    assert_eq!(e["request"]["usernameParameter"], Value::Null);
    assert_eq!(e["request"]["userAttributes"]["email"], "frank@example.com");
    // The code in the custom message confirms the user.
    app.sdk
        .confirm_sign_up()
        .client_id(&client)
        .username("frank")
        .confirmation_code(&code)
        .send()
        .await
        .unwrap();
    app.sdk
        .forgot_password()
        .client_id(&client)
        .username("frank")
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.outbox("frank").await[0].subject,
        "Subject of CustomMessage_ForgotPassword"
    );
    // Resend, invitation, password reset.
    sign_up("gina").await.unwrap();
    app.sdk
        .resend_confirmation_code()
        .client_id(&client)
        .username("gina")
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.outbox("gina").await[0].subject,
        "Subject of CustomMessage_ResendCode"
    );
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("hugo")
        .user_attributes(attr("email", "hugo@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .desired_delivery_mediums(cogito_testkit::sdk::types::DeliveryMediumType::Email)
        .temporary_password("Temp0rary!pass")
        .send()
        .await
        .unwrap();
    let invite = &app.outbox("hugo").await[0];
    assert_eq!(
        invite.body,
        "<p>Welcome hugo, your password is <b>Temp0rary!pass</b></p>"
    );
    app.sdk
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("hugo")
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.outbox("hugo").await[0].subject,
        "Subject of CustomMessage_ForgotPassword"
    );
    // An answer without the code parameter: the sign-up fails and nothing is written or sent.
    let (code, _) = err(sign_up("broken").await);
    assert_eq!(code, "InvalidLambdaResponseException");
    assert!(!user_exists(&app, &pool, "broken").await);
    assert!(app.outbox("broken").await.is_empty());
}

/// Rows per table, but for the counters an unknown name's failed sign-in keeps (SEC-38).
async fn rows(app: &TestApp) -> Vec<(&'static str, u64)> {
    cogito_store::copy::row_counts(&app.database_url())
        .await
        .unwrap()
        .into_iter()
        .filter(|(t, _)| *t != "unknown_login_failures")
        .collect()
}

#[tokio::test]
async fn each_failure_of_a_sign_in_or_message_trigger_gives_its_exception_and_writes_nothing() {
    type Config = fn(String) -> LambdaConfigType;
    let kinds: [(&str, Config); 6] = [
        ("PreAuthentication", |a| {
            LambdaConfigType::builder().pre_authentication(a).build()
        }),
        ("PostAuthentication", |a| {
            LambdaConfigType::builder().post_authentication(a).build()
        }),
        ("PreTokenGeneration", |a| {
            LambdaConfigType::builder().pre_token_generation(a).build()
        }),
        ("UserMigration", |a| {
            LambdaConfigType::builder().user_migration(a).build()
        }),
        ("CustomMessage", |a| {
            LambdaConfigType::builder().custom_message(a).build()
        }),
        ("DefineAuthChallenge", |a| {
            LambdaConfigType::builder().define_auth_challenge(a).build()
        }),
    ];
    for fault in [
        Fault::Refuse,
        Fault::Slow,
        Fault::NotJson,
        Fault::WrongShape,
    ] {
        let url = faulty(fault, Arc::new(Mutex::new(0))).await;
        let app = app_with(&url, &["f"]).await;
        for (kind, config) in kinds {
            let (pool, client) = pool_with(&app, config(arn("f"))).await;
            // Users made before the trigger matters (admin calls raise none of these).
            confirmed_user(&app, &pool, "ivy", PW).await;
            let before = rows(&app).await;
            let result = match kind {
                "CustomMessage" => err(app
                    .sdk
                    .sign_up()
                    .client_id(&client)
                    .username("newcomer")
                    .password(PW)
                    .user_attributes(attr("email", "newcomer@example.com"))
                    .send()
                    .await),
                "DefineAuthChallenge" => err(app
                    .sdk
                    .initiate_auth()
                    .client_id(&client)
                    .auth_flow(cogito_testkit::sdk::types::AuthFlowType::CustomAuth)
                    .auth_parameters("USERNAME", "ivy")
                    .send()
                    .await),
                _ => err(app
                    .sdk
                    .initiate_auth()
                    .client_id(&client)
                    .auth_flow(cogito_testkit::sdk::types::AuthFlowType::UserPasswordAuth)
                    .auth_parameters(
                        "USERNAME",
                        if kind == "UserMigration" {
                            "old-timer"
                        } else {
                            "ivy"
                        },
                    )
                    .auth_parameters("PASSWORD", PW)
                    .send()
                    .await),
            };
            let want = match (fault, kind) {
                // A migration function refusing a name reads as an unknown name.
                (Fault::Refuse, "UserMigration") => "NotAuthorizedException",
                (Fault::Refuse, _) => "UserLambdaValidationException",
                (Fault::Slow, _) => "UnexpectedLambdaException",
                _ => "InvalidLambdaResponseException",
            };
            assert_eq!(result.0, want, "{kind} {fault:?}: {}", result.1);
            if fault == Fault::Refuse && kind != "UserMigration" {
                assert_eq!(
                    result.1,
                    format!(
                        "{kind} failed with error Registration from this domain is not allowed."
                    )
                );
            }
            assert_eq!(rows(&app).await, before, "{kind} {fault:?} wrote something");
        }
    }
}

#[tokio::test]
async fn the_hosted_pages_honour_pre_sign_up_post_confirmation_and_pre_authentication() {
    let r = receiver(|mut e: Event| {
        match e.trigger_source.as_str() {
            "PreSignUp_SignUp" if e.user_attribute("email") == Some("newbie@corp.example") => {
                e.response["autoConfirmUser"] = true.into();
                e.response["autoVerifyEmail"] = true.into();
            }
            "PreSignUp_SignUp" => return Err(TriggerError::new("Only corp.example may sign up")),
            "PreAuthentication_Authentication" if e.user_name == "alice" => {
                return Err(TriggerError::new("Alice is on holiday"));
            }
            _ => {}
        }
        Ok(e)
    })
    .await;
    let app = app_with(&r.url, &["pre-signup", "post-confirm", "pre-auth"]).await;
    let site = crate::hosted_ui::site_on(app, "hosted-triggers").await;
    set_triggers(
        &site.app,
        &site.pool,
        LambdaConfigType::builder()
            .pre_sign_up(arn("pre-signup"))
            .post_confirmation(arn("post-confirm"))
            .pre_authentication(arn("pre-auth"))
            .build(),
    )
    .await;
    let mut b = crate::hosted_ui::Browser::new();
    // Refused by the function: its message is shown, nobody is created.
    let refused = b
        .submit(
            &site.page("/signup"),
            &[
                ("username", "outsider"),
                ("email", "outsider@example.com"),
                ("password", PW),
            ],
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("Only corp.example may sign up"),
        "{}",
        refused.body
    );
    assert!(!user_exists(&site.app, &site.pool, "outsider").await);
    // Confirmed by the function: straight to the sign-in page, no code sent.
    let done = b
        .submit(
            &site.page("/signup"),
            &[
                ("username", "newbie"),
                ("email", "newbie@corp.example"),
                ("password", PW),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(
        done.location().unwrap().contains("notice=confirmed"),
        "{:?}",
        done.location()
    );
    assert!(site.app.outbox("newbie").await.is_empty());
    assert!(
        r.sources()
            .contains(&"PostConfirmation_ConfirmSignUp".to_owned())
    );
    let page = site.sign_in(&mut b, "newbie", PW).await;
    assert_eq!(page.status, 303, "{}", page.body);
    // Pre authentication refuses alice on the login page, with its message.
    let mut b = crate::hosted_ui::Browser::new();
    let page = site
        .sign_in(&mut b, "alice", crate::oauth_support::PASSWORD)
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body
            .contains("PreAuthentication failed with error Alice is on holiday."),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn pre_token_generation_v3_shapes_client_credentials_tokens() {
    use crate::oauth_scopes::{API, client_credentials, machine_client, resource_server};
    let r = receiver(|mut e: Event| {
        e.response["claimsAndScopeOverrideDetails"] = json!({
            "accessTokenGeneration": {
                "claimsToAddOrOverride": { "tier": "gold" },
                "scopesToSuppress": [format!("{API}/write")],
            },
        });
        Ok(e)
    })
    .await;
    let app = app_with(&r.url, &["pre-token"]).await;
    let fx = crate::oauth_support::fixture(&app).await;
    resource_server(&app, &fx.pool).await;
    set_triggers(
        &app,
        &fx.pool,
        pre_token(PreTokenGenerationLambdaVersionType::V30),
    )
    .await;
    let (id, secret) = machine_client(&app, &fx.pool).await;
    let t = client_credentials(&fx, &id, &secret, None).await;
    assert_eq!(t.status, 200, "{:?}", t.body);
    let claims =
        crate::oauth_support::verify_jwt(&app, &fx.pool, &t.str("access_token"), None).await;
    assert_eq!(claims["tier"], "gold");
    assert_eq!(claims["scope"], format!("{API}/read"));
    let e = serde_json::to_value(&r.events()[0]).unwrap();
    assert_eq!(e["version"], "3");
    assert_eq!(e["triggerSource"], "TokenGeneration_ClientCredentials");
    assert_eq!(e["callerContext"]["clientId"], id.as_str());
    assert_eq!(e["request"]["scopes"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn slow_functions_never_outlast_the_request_deadline() {
    // Each function answers after 3 s, within its own 5 s; three of them in one sign-in would
    // pass the request's 8 s deadline, so the last one gets only the time left and is reported
    // as slow (UnexpectedLambdaException), not cut off with the request (a 500).
    let router = axum::Router::new().fallback(|body: axum::body::Bytes| async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let event: Value = serde_json::from_slice(&body).unwrap_or_default();
        axum::Json(event)
    });
    let url = serve(router).await;
    let pairs = vec![format!("slow={url}/")];
    let settings = TriggerSettings::parse(&pairs, SECRET.to_vec()).unwrap();
    assert_eq!(settings.timeout, Duration::from_secs(5));
    let app = TestApp::spawn_with(TestOptions {
        triggers: Some(settings),
        ..Default::default()
    })
    .await;
    let (pool, client) = pool_with(
        &app,
        LambdaConfigType::builder()
            .pre_authentication(arn("slow"))
            .post_authentication(arn("slow"))
            .pre_token_generation(arn("slow"))
            .build(),
    )
    .await;
    confirmed_user(&app, &pool, "patient", PW).await;
    let started = std::time::Instant::now();
    let (code, _) = err(app
        .sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(cogito_testkit::sdk::types::AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "patient")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await);
    assert_eq!(code, "UnexpectedLambdaException");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

/// A define function that asks for one custom challenge and issues tokens once it was passed.
fn one_challenge(mut e: Event) -> Result<Event, TriggerError> {
    let passed = e.request["session"]
        .as_array()
        .is_some_and(|s| s.iter().any(|r| r["challengeResult"] == true));
    let r = e.response_mut();
    r.insert("issueTokens".into(), json!(passed));
    r.insert("failAuthentication".into(), json!(false));
    r.insert(
        "challengeName".into(),
        json!(if passed { "" } else { "CUSTOM_CHALLENGE" }),
    );
    Ok(e)
}

#[tokio::test]
async fn each_failure_of_a_challenge_or_confirmation_trigger_gives_its_exception() {
    let good = receiver(|mut e: Event| {
        match e.trigger_source.as_str() {
            "DefineAuthChallenge_Authentication" => return one_challenge(e),
            "CreateAuthChallenge_Authentication" => {
                e.response["privateChallengeParameters"] = json!({ "answer": "42" });
            }
            _ => {}
        }
        Ok(e)
    })
    .await;
    for fault in [
        Fault::Refuse,
        Fault::Slow,
        Fault::NotJson,
        Fault::WrongShape,
    ] {
        let bad = faulty(fault, Arc::new(Mutex::new(0))).await;
        let pairs = [format!("good={}/", good.url), format!("bad={bad}/")];
        let mut settings = TriggerSettings::parse(&pairs, SECRET.to_vec()).unwrap();
        settings.timeout = Duration::from_millis(700);
        let app = TestApp::spawn_with(TestOptions {
            triggers: Some(settings),
            ..Default::default()
        })
        .await;
        let want = match fault {
            Fault::Refuse => "UserLambdaValidationException",
            Fault::Slow => "UnexpectedLambdaException",
            _ => "InvalidLambdaResponseException",
        };
        // Create fails: no challenge, no session.
        let (pool, client) = pool_with(
            &app,
            LambdaConfigType::builder()
                .define_auth_challenge(arn("good"))
                .create_auth_challenge(arn("bad"))
                .verify_auth_challenge_response(arn("good"))
                .build(),
        )
        .await;
        confirmed_user(&app, &pool, "jo", PW).await;
        let before = rows(&app).await;
        let start = |app: &TestApp| {
            app.sdk
                .initiate_auth()
                .client_id(&client)
                .auth_flow(cogito_testkit::sdk::types::AuthFlowType::CustomAuth)
                .auth_parameters("USERNAME", "jo")
                .send()
        };
        let (code, _) = err(start(&app).await);
        assert_eq!(code, want, "create {fault:?}");
        assert_eq!(rows(&app).await, before, "create {fault:?} wrote something");
        // Verify fails: the answer is refused and no tokens or session are issued.
        let (pool, client) = pool_with(
            &app,
            LambdaConfigType::builder()
                .define_auth_challenge(arn("good"))
                .create_auth_challenge(arn("good"))
                .verify_auth_challenge_response(arn("bad"))
                .build(),
        )
        .await;
        confirmed_user(&app, &pool, "jo", PW).await;
        let out = app
            .sdk
            .initiate_auth()
            .client_id(&client)
            .auth_flow(cogito_testkit::sdk::types::AuthFlowType::CustomAuth)
            .auth_parameters("USERNAME", "jo")
            .send()
            .await
            .unwrap();
        let before = rows(&app).await;
        let (code, _) = err(app
            .sdk
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(cogito_testkit::sdk::types::ChallengeNameType::CustomChallenge)
            .session(out.session().unwrap())
            .challenge_responses("USERNAME", "jo")
            .challenge_responses("ANSWER", "42")
            .send()
            .await);
        assert_eq!(code, want, "verify {fault:?}");
        assert_eq!(rows(&app).await, before, "verify {fault:?} wrote something");
        // Post confirmation fails: as on AWS, the error is answered and the user stays
        // confirmed (the function runs once the confirmation is committed).
        let (pool, client) = pool_with(
            &app,
            LambdaConfigType::builder()
                .post_confirmation(arn("bad"))
                .build(),
        )
        .await;
        app.sdk
            .sign_up()
            .client_id(&client)
            .username("kim")
            .password(PW)
            .user_attributes(attr("email", "kim@example.com"))
            .send()
            .await
            .unwrap();
        let code_sent = app.latest_code("kim").await;
        let (code, _) = err(app
            .sdk
            .confirm_sign_up()
            .client_id(&client)
            .username("kim")
            .confirmation_code(code_sent)
            .send()
            .await);
        assert_eq!(code, want, "post confirmation {fault:?}");
        let kim = app
            .sdk
            .admin_get_user()
            .user_pool_id(&pool)
            .username("kim")
            .send()
            .await
            .unwrap();
        assert_eq!(kim.user_status().unwrap().as_str(), "CONFIRMED");
    }
}
