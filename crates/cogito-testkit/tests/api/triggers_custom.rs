//! `CUSTOM_AUTH` (issue 9, reference §5.9): an e-mail-code challenge built from the three
//! challenge triggers (define, create, verify) in a receiver started by the test, signed in
//! end to end through the AWS SDK and through amazon-cognito-identity-js's custom-auth calls
//! (`tests/compat-srp/custom.mjs`); three wrong answers fail the flow; a flow started with
//! `SRP_A` proves the password first; an unknown name runs the loop with `userNotFound` and is
//! never signed in.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::{
    AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType as F, LambdaConfigType,
};
use cogito_trigger::{Event, TriggerError};
use serde_json::{Value, json};

use crate::helpers::{client_with, confirmed_user, err};
use crate::triggers::{PW, SECRET, app_with, arn, serve};

/// The codes "e-mailed" by the create function, by user name, and every event seen.
#[derive(Clone, Default)]
struct Mailbox {
    codes: Arc<Mutex<HashMap<String, String>>>,
    events: Arc<Mutex<Vec<Event>>>,
    sent: Arc<Mutex<u64>>,
}

impl Mailbox {
    fn code(&self, user: &str) -> String {
        self.codes.lock().unwrap()[user].clone()
    }

    fn events(&self, source: &str) -> Vec<Value> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.trigger_source == source)
            .map(|e| serde_json::to_value(e).unwrap())
            .collect()
    }
}

/// The e-mail-code challenge: a password proof first when the flow started with `SRP_A`,
/// then a code; three wrong codes fail the flow.
fn email_code(mailbox: &Mailbox, mut e: Event) -> Result<Event, TriggerError> {
    mailbox.events.lock().unwrap().push(e.clone());
    match e.trigger_source.as_str() {
        "DefineAuthChallenge_Authentication" => {
            let session = e.request["session"].as_array().cloned().unwrap_or_default();
            let wrong = session
                .iter()
                .filter(|s| {
                    s["challengeName"] == "CUSTOM_CHALLENGE" && s["challengeResult"] == false
                })
                .count();
            let last = session.last();
            let name = |n: &str| last.is_some_and(|s| s["challengeName"] == n);
            let passed = last.is_some_and(|s| s["challengeResult"] == true);
            let (challenge, tokens, fail) = if name("SRP_A") {
                ("PASSWORD_VERIFIER", false, false)
            } else if name("CUSTOM_CHALLENGE") && passed {
                ("", true, false)
            } else if wrong >= 3 || (name("PASSWORD_VERIFIER") && !passed) {
                ("", false, true)
            } else {
                ("CUSTOM_CHALLENGE", false, false)
            };
            let r = e.response_mut();
            r.insert("challengeName".into(), json!(challenge));
            r.insert("issueTokens".into(), json!(tokens));
            r.insert("failAuthentication".into(), json!(fail));
        }
        "CreateAuthChallenge_Authentication" => {
            let n = {
                let mut sent = mailbox.sent.lock().unwrap();
                *sent += 1;
                *sent
            };
            let code = format!("{:06}", (n * 7919 + 104_729) % 1_000_000);
            mailbox
                .codes
                .lock()
                .unwrap()
                .insert(e.user_name.clone(), code.clone());
            let r = e.response_mut();
            r.insert(
                "publicChallengeParameters".into(),
                json!({ "delivery": "EMAIL" }),
            );
            r.insert("privateChallengeParameters".into(), json!({ "code": code }));
            r.insert("challengeMetadata".into(), json!(format!("CODE-{n}")));
        }
        "VerifyAuthChallengeResponse_Authentication" => {
            let right =
                e.request["challengeAnswer"] == e.request["privateChallengeParameters"]["code"];
            e.response_mut()
                .insert("answerCorrect".into(), json!(right));
        }
        _ => {}
    }
    Ok(e)
}

/// An app, a pool with the three challenge functions, a client allowing CUSTOM_AUTH (and SRP
/// for the password proof), user `dora`; the receiver also serves `GET /code/<user>`, the
/// latest code "e-mailed" to a user (the JS client reads its mail there).
async fn setup() -> (TestApp, String, String, Mailbox, String) {
    let mailbox = Mailbox::default();
    let m = mailbox.clone();
    let triggers = cogito_trigger::router(SECRET.to_vec(), move |e: Event| {
        let m = m.clone();
        async move { email_code(&m, e) }
    });
    let m = mailbox.clone();
    let mail = axum::Router::new().route(
        "/code/{user}",
        axum::routing::get(
            move |axum::extract::Path(user): axum::extract::Path<String>| {
                let m = m.clone();
                async move {
                    m.codes
                        .lock()
                        .unwrap()
                        .get(&user)
                        .cloned()
                        .unwrap_or_default()
                }
            },
        ),
    );
    let url = serve(triggers.merge(mail)).await;
    let app = app_with(&url, &["define", "create", "verify"]).await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("custom")
        .lambda_config(
            LambdaConfigType::builder()
                .define_auth_challenge(arn("define"))
                .create_auth_challenge(arn("create"))
                .verify_auth_challenge_response(arn("verify"))
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .and_then(|p| p.id)
        .unwrap();
    let (client, _) = client_with(
        &app,
        &pool,
        &[
            F::AllowCustomAuth,
            F::AllowUserSrpAuth,
            F::AllowRefreshTokenAuth,
        ],
        false,
        true,
    )
    .await;
    confirmed_user(&app, &pool, "dora", PW).await;
    (app, pool, client, mailbox, url)
}

async fn answer(
    app: &TestApp,
    client: &str,
    session: &str,
    code: &str,
) -> Result<
    cogito_testkit::sdk::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput,
    (String, String),
> {
    app.sdk
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::CustomChallenge)
        .session(session)
        .challenge_responses("USERNAME", "dora")
        .challenge_responses("ANSWER", code)
        .send()
        .await
        .map_err(|e| {
            use cogito_testkit::sdk::error::ProvideErrorMetadata;
            (
                e.code().unwrap_or_default().to_owned(),
                e.message().unwrap_or_default().to_owned(),
            )
        })
}

async fn start(app: &TestApp, client: &str, name: &str) -> (String, HashMap<String, String>) {
    let out = app
        .sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::CustomChallenge)
    );
    (
        out.session().unwrap().to_owned(),
        out.challenge_parameters().cloned().unwrap_or_default(),
    )
}

#[tokio::test]
async fn an_email_code_challenge_signs_in_through_the_sdk_and_three_wrong_codes_fail() {
    let (app, pool, client, mailbox, _) = setup().await;
    let (session, params) = start(&app, &client, "dora").await;
    assert_eq!(
        params["delivery"], "EMAIL",
        "public parameters reach the client"
    );
    assert_eq!(params["USERNAME"], "dora");
    assert!(
        !params.contains_key("code"),
        "private parameters stay on the server"
    );
    let out = answer(&app, &client, &session, &mailbox.code("dora"))
        .await
        .unwrap();
    let tokens = out.authentication_result.expect("tokens");
    let id = crate::oauth_support::verify_jwt(&app, &pool, tokens.id_token().unwrap(), None).await;
    assert_eq!(id["cognito:username"], "dora");
    // The define function saw the flow so far, with the create function's metadata.
    let defines = mailbox.events("DefineAuthChallenge_Authentication");
    assert_eq!(defines[0]["request"]["session"], json!([]));
    let last = &defines[1]["request"]["session"][0];
    assert_eq!(last["challengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(last["challengeResult"], true);
    assert!(
        last["challengeMetadata"]
            .as_str()
            .unwrap()
            .starts_with("CODE-")
    );
    assert_eq!(
        defines[0]["request"]["userAttributes"]["email"],
        "dora@example.com"
    );
    let create = &mailbox.events("CreateAuthChallenge_Authentication")[0];
    assert_eq!(create["request"]["challengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(create["request"]["session"], json!([]));
    assert_eq!(
        create["request"]["userAttributes"]["email"],
        "dora@example.com"
    );
    let verify = &mailbox.events("VerifyAuthChallengeResponse_Authentication")[0];
    assert_eq!(
        verify["request"]["challengeAnswer"],
        verify["request"]["privateChallengeParameters"]["code"]
    );
    assert!(verify["request"].get("userNotFound").is_none());

    // Three wrong codes: the third ends the flow.
    let (mut session, _) = start(&app, &client, "dora").await;
    for n in 1..=3 {
        match answer(&app, &client, &session, "000000").await {
            Ok(out) if n < 3 => {
                assert_eq!(
                    out.challenge_name(),
                    Some(&ChallengeNameType::CustomChallenge)
                );
                session = out.session().unwrap().to_owned();
            }
            Err(e) if n == 3 => assert_eq!(
                e,
                (
                    "NotAuthorizedException".into(),
                    "Incorrect username or password.".into()
                )
            ),
            other => panic!("answer {n}: {other:?}"),
        }
    }
    // A used session cannot be answered again.
    let (code, _) = answer(&app, &client, &session, &mailbox.code("dora"))
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
}

#[tokio::test]
async fn a_custom_flow_started_with_srp_a_proves_the_password_first() {
    let (app, pool, client, mailbox, _) = setup().await;
    let eph = crate::srp::ephemeral();
    let out = app
        .sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "dora")
        .auth_parameters("SRP_A", eph.big_a.to_str_radix(16))
        .auth_parameters("CHALLENGE_NAME", "SRP_A")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    let params = out.challenge_parameters().cloned().unwrap();
    let claim = crate::srp::claim(&app, &pool, &params, &eph, PW, 0);
    let out = crate::srp::respond(&app, &client, &params["USER_ID_FOR_SRP"], &claim, None)
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::CustomChallenge)
    );
    let out = answer(&app, &client, out.session().unwrap(), &mailbox.code("dora"))
        .await
        .unwrap();
    assert!(out.authentication_result.is_some());
    let defines = mailbox.events("DefineAuthChallenge_Authentication");
    assert_eq!(
        defines[0]["request"]["session"],
        json!([{ "challengeName": "SRP_A", "challengeResult": true, "challengeMetadata": null }])
    );
    assert_eq!(
        defines[1]["request"]["session"][1]["challengeName"],
        "PASSWORD_VERIFIER"
    );

    // A wrong password ends the flow like a wrong password.
    let eph = crate::srp::ephemeral();
    let out = app
        .sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "dora")
        .auth_parameters("SRP_A", eph.big_a.to_str_radix(16))
        .send()
        .await
        .unwrap();
    let params = out.challenge_parameters().cloned().unwrap();
    let claim = crate::srp::claim(&app, &pool, &params, &eph, "Wrong!pass1", 0);
    let e = crate::srp::respond(&app, &client, &params["USER_ID_FOR_SRP"], &claim, None)
        .await
        .unwrap_err();
    assert_eq!(e.0, "NotAuthorizedException");
}

#[tokio::test]
async fn an_unknown_name_runs_the_loop_with_user_not_found_and_is_never_signed_in() {
    let (app, _, client, mailbox, _) = setup().await;
    let (session, params) = start(&app, &client, "nobody").await;
    assert_eq!(params["USERNAME"], "nobody");
    let e = app
        .sdk
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::CustomChallenge)
        .session(session)
        .challenge_responses("USERNAME", "nobody")
        .challenge_responses("ANSWER", mailbox.code("nobody"))
        .send()
        .await;
    let (code, message) = err(e);
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(message, "Incorrect username or password.");
    let defines = mailbox.events("DefineAuthChallenge_Authentication");
    assert!(defines.iter().all(|d| d["request"]["userNotFound"] == true));
    // Without a define function the flow is refused.
    let plain = app.pool("plain").await;
    let (other, _) = client_with(&app, &plain, &[F::AllowCustomAuth], false, true).await;
    let (code, message) = err(app
        .sdk
        .initiate_auth()
        .client_id(&other)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "dora")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "Custom auth lambda trigger is not configured for the user pool."
    );
}

#[tokio::test]
async fn amazon_cognito_identity_js_answers_the_custom_challenge() {
    let (app, pool, client, _, url) = setup().await;
    let code_url = format!("{url}/code/dora");
    let verdict = crate::srp_clients::run(
        "node",
        &[
            "custom.mjs",
            &app.url,
            &pool,
            &client,
            "dora",
            PW,
            &code_url,
        ],
    )
    .await;
    assert_eq!(
        verdict["threeWrong"], "NotAuthorizedException: Incorrect username or password.",
        "{verdict}"
    );
    assert_eq!(verdict["custom"], "dora", "{verdict}");
    assert_eq!(verdict["srpThenCustom"], "dora", "{verdict}");
}

#[tokio::test]
async fn a_pool_with_mfa_on_asks_for_the_second_factor_after_a_custom_flow() {
    use cogito_testkit::sdk::types::{SoftwareTokenMfaConfigType, UserPoolMfaType};
    let (app, pool, client, mailbox, _) = setup().await;
    app.sdk
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::On)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .unwrap();
    let (session, _) = start(&app, &client, "dora").await;
    let out = answer(&app, &client, &session, &mailbox.code("dora"))
        .await
        .unwrap();
    assert!(
        out.authentication_result.is_none(),
        "no tokens on a custom proof alone"
    );
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::MfaSetup));
}
