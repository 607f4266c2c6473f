//! MFA end to end through the SDK (reference §5.2 step 8, §5.3): TOTP set up with an access
//! token and inside `MFA_SETUP`, codes computed by an independent TOTP implementation
//! (`totp-lite`); SMS and e-mail codes read from the outbox; `SELECT_MFA_TYPE`; `OPTIONAL` with
//! and without a factor; and a pool with MFA `ON` that never issues tokens on a password alone,
//! on every flow: password, admin password, SRP, and after `NEW_PASSWORD_REQUIRED`.

use cogito_core::Clock;
use cogito_testkit::TestApp;
use cogito_testkit::sdk;
use sdk::types::{
    AuthFlowType as Flow, ChallengeNameType as Ch, ExplicitAuthFlowsType as F,
    SoftwareTokenMfaConfigType, SoftwareTokenMfaSettingsType, UserPoolMfaType,
};

use crate::helpers::{attr, client_with, confirmed_user, err};
use crate::srp::{claim, ephemeral, initiate, respond};

const PW: &str = "Passw0rd!";

/// RFC 4648 base32 (no padding), decoded here rather than by the server's crate.
pub(crate) fn base32(text: &str) -> Vec<u8> {
    let mut bits = 0u64;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("not base32: {c}"),
        };
        bits = (bits << 5) | u64::from(v);
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

/// The TOTP code of `secret` at the server's clock plus `offset_secs`.
pub(crate) fn totp(app: &TestApp, secret: &str, offset_secs: i64) -> String {
    let t = u64::try_from(app.clock.now_ms() / 1000 + offset_secs).unwrap();
    totp_lite::totp_custom::<totp_lite::Sha1>(30, 6, &base32(secret), t)
}

/// A pool with TOTP (and SMS and e-mail when asked) at the given MFA mode, and a client with
/// the password, admin and SRP flows; `(pool, client)`.
async fn mfa_pool(app: &TestApp, mode: UserPoolMfaType, sms_and_email: bool) -> (String, String) {
    let pool = app.pool("mfa").await;
    let mut req = app
        .sdk
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(mode)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        );
    if sms_and_email {
        req = req
            .sms_mfa_configuration(
                sdk::types::SmsMfaConfigType::builder()
                    .sms_authentication_message("Your code is {####}")
                    .sms_configuration(
                        sdk::types::SmsConfigurationType::builder()
                            .sns_caller_arn("arn:aws:iam::000000000000:role/sms")
                            .build(),
                    )
                    .build(),
            )
            .email_mfa_configuration(
                sdk::types::EmailMfaConfigType::builder()
                    .subject("Sign-in code")
                    .message("Your sign-in code is {####}")
                    .build(),
            );
    }
    req.send().await.unwrap();
    let flows = [
        F::AllowUserPasswordAuth,
        F::AllowAdminUserPasswordAuth,
        F::AllowUserSrpAuth,
        F::AllowRefreshTokenAuth,
    ];
    let (client, _) = client_with(app, &pool, &flows, false, true).await;
    (pool, client)
}

async fn password_sign_in(
    app: &TestApp,
    client: &str,
    user: &str,
) -> sdk::operation::initiate_auth::InitiateAuthOutput {
    app.sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(Flow::UserPasswordAuth)
        .auth_parameters("USERNAME", user)
        .auth_parameters("PASSWORD", PW)
        .send()
        .await
        .unwrap()
}

async fn answer(
    app: &TestApp,
    client: &str,
    challenge: Ch,
    session: &str,
    user: &str,
    key: &str,
    value: &str,
) -> Result<sdk::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput, (String, String)>
{
    let r = app
        .sdk
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(challenge)
        .session(session)
        .challenge_responses("USERNAME", user)
        .challenge_responses(key, value)
        .send()
        .await;
    match r {
        Ok(o) => Ok(o),
        Err(_) => Err(err(r)),
    }
}

#[tokio::test]
async fn totp_is_set_up_and_used_through_the_api() {
    let app = TestApp::spawn().await;
    let (pool, client) = mfa_pool(&app, UserPoolMfaType::Optional, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;

    // OPTIONAL without a factor: the password is enough.
    let first = password_sign_in(&app, &client, "alice").await;
    let token = first.authentication_result.unwrap().access_token.unwrap();

    // TOTP cannot be turned on before it is verified.
    let r = app
        .sdk
        .set_user_mfa_preference()
        .access_token(&token)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .build(),
        )
        .send()
        .await;
    assert_eq!(
        err(r),
        (
            "InvalidParameterException".into(),
            "User has not verified software token mfa".into()
        )
    );
    let secret = app
        .sdk
        .associate_software_token()
        .access_token(&token)
        .send()
        .await
        .unwrap()
        .secret_code
        .unwrap();
    assert!(secret.len() >= 16 && secret.bytes().all(|c| c.is_ascii_alphanumeric()));
    // A code of no step the server may accept (one step of drift, and one more in case the
    // step changes between here and there): the right one plus one could be the code of a
    // neighbouring step, by chance.
    let near: Vec<u32> = (-2..=2)
        .map(|k| totp(&app, &secret, 30 * k).parse().unwrap())
        .collect();
    let mut n = near[2];
    while near.contains(&n) {
        n = (n + 1) % 1_000_000;
    }
    let wrong = format!("{n:06}");
    let r = app
        .sdk
        .verify_software_token()
        .access_token(&token)
        .user_code(&wrong)
        .send()
        .await;
    assert_eq!(
        err(r),
        (
            "EnableSoftwareTokenMFAException".into(),
            "Code mismatch and fail enable Software Token MFA".into()
        )
    );
    // The right code of the associated secret verifies it.
    let used = totp(&app, &secret, 0);
    let ok = app
        .sdk
        .verify_software_token()
        .access_token(&token)
        .user_code(&used)
        .friendly_device_name("phone")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok.status,
        Some(sdk::types::VerifySoftwareTokenResponseType::Success)
    );
    app.sdk
        .set_user_mfa_preference()
        .access_token(&token)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let me = app
        .sdk
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);
    assert_eq!(me.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
    let admin = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(admin.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);

    // Now the password alone is not enough.
    let step = password_sign_in(&app, &client, "alice").await;
    assert_eq!(step.challenge_name, Some(Ch::SoftwareTokenMfa));
    assert!(step.authentication_result.is_none());
    let session = step.session.unwrap();
    // A wrong code, then the code already used to verify (same time step): both refused.
    let r = answer(
        &app,
        &client,
        Ch::SoftwareTokenMfa,
        &session,
        "alice",
        "SOFTWARE_TOKEN_MFA_CODE",
        &wrong,
    )
    .await;
    assert_eq!(
        r.unwrap_err(),
        (
            "CodeMismatchException".into(),
            "Invalid code received for user".into()
        )
    );
    let r = answer(
        &app,
        &client,
        Ch::SoftwareTokenMfa,
        &session,
        "alice",
        "SOFTWARE_TOKEN_MFA_CODE",
        &used,
    )
    .await;
    assert_eq!(
        r.unwrap_err().0,
        "CodeMismatchException",
        "a code is accepted once"
    );
    // The next time step's code signs in.
    app.clock.advance_secs(30);
    let fresh = totp(&app, &secret, 0);
    let done = answer(
        &app,
        &client,
        Ch::SoftwareTokenMfa,
        &session,
        "alice",
        "SOFTWARE_TOKEN_MFA_CODE",
        &fresh,
    )
    .await
    .unwrap();
    assert!(done.authentication_result.unwrap().id_token.is_some());
    // The session is used up, and the same code does not sign in again.
    let r = answer(
        &app,
        &client,
        Ch::SoftwareTokenMfa,
        &session,
        "alice",
        "SOFTWARE_TOKEN_MFA_CODE",
        &fresh,
    )
    .await;
    assert_eq!(r.unwrap_err().0, "NotAuthorizedException");
    let again = password_sign_in(&app, &client, "alice")
        .await
        .session
        .unwrap();
    let r = answer(
        &app,
        &client,
        Ch::SoftwareTokenMfa,
        &again,
        "alice",
        "SOFTWARE_TOKEN_MFA_CODE",
        &fresh,
    )
    .await;
    assert_eq!(r.unwrap_err().0, "CodeMismatchException");
    // A session takes three answers, then it is gone even for the right code.
    let r = answer(
        &app,
        &client,
        Ch::SoftwareTokenMfa,
        &again,
        "alice",
        "SOFTWARE_TOKEN_MFA_CODE",
        &wrong,
    )
    .await;
    assert_eq!(r.unwrap_err().0, "CodeMismatchException");
    app.clock.advance_secs(30);
    let next = totp(&app, &secret, 0);
    let r = answer(
        &app,
        &client,
        Ch::SoftwareTokenMfa,
        &again,
        "alice",
        "SOFTWARE_TOKEN_MFA_CODE",
        &wrong,
    )
    .await;
    assert_eq!(r.unwrap_err().0, "CodeMismatchException");
    let r = answer(
        &app,
        &client,
        Ch::SoftwareTokenMfa,
        &again,
        "alice",
        "SOFTWARE_TOKEN_MFA_CODE",
        &next,
    )
    .await;
    assert_eq!(
        r.unwrap_err(),
        (
            "NotAuthorizedException".into(),
            "Invalid session for the user, session is expired.".into()
        )
    );
}

/// Every flow of a pool with MFA `ON` ends in a challenge, never in tokens.
async fn assert_challenged_everywhere(
    app: &TestApp,
    pool: &str,
    client: &str,
    user: &str,
    want: Ch,
) {
    let out = password_sign_in(app, client, user).await;
    assert_eq!(out.challenge_name, Some(want.clone()), "USER_PASSWORD_AUTH");
    assert!(out.authentication_result.is_none());
    let out = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(pool)
        .client_id(client)
        .auth_flow(Flow::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", user)
        .auth_parameters("PASSWORD", PW)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name,
        Some(want.clone()),
        "ADMIN_USER_PASSWORD_AUTH"
    );
    assert!(out.authentication_result.is_none());
    let eph = ephemeral();
    let params = initiate(app, client, user, &eph.big_a.to_str_radix(16), None)
        .await
        .unwrap();
    let c = claim(app, pool, &params, &eph, PW, 0);
    let out = respond(app, client, &params["USER_ID_FOR_SRP"], &c, None)
        .await
        .unwrap();
    assert_eq!(out.challenge_name, Some(want), "USER_SRP_AUTH");
    assert!(out.authentication_result.is_none());
}

#[tokio::test]
async fn mfa_on_never_issues_tokens_without_a_second_factor() {
    let app = TestApp::spawn().await;
    let (pool, client) = mfa_pool(&app, UserPoolMfaType::On, false).await;
    confirmed_user(&app, &pool, "bob", PW).await;

    // No factor yet: every flow asks to set one up.
    assert_challenged_everywhere(&app, &pool, &client, "bob", Ch::MfaSetup).await;
    let out = password_sign_in(&app, &client, "bob").await;
    assert_eq!(
        out.challenge_parameters.unwrap()["MFAS_CAN_SETUP"],
        "[\"SOFTWARE_TOKEN_MFA\"]"
    );
    // Answering MFA_SETUP before a code was verified does not sign in.
    let r = answer(
        &app,
        &client,
        Ch::MfaSetup,
        out.session.as_deref().unwrap(),
        "bob",
        "ANSWER",
        "x",
    )
    .await;
    assert_eq!(r.unwrap_err().0, "InvalidParameterException");

    // Set-up inside the challenge: AssociateSoftwareToken and VerifySoftwareToken with sessions.
    let out = password_sign_in(&app, &client, "bob").await;
    let assoc = app
        .sdk
        .associate_software_token()
        .session(out.session.unwrap())
        .send()
        .await
        .unwrap();
    let secret = assoc.secret_code.unwrap();
    let verified = app
        .sdk
        .verify_software_token()
        .session(assoc.session.unwrap())
        .user_code(totp(&app, &secret, 0))
        .send()
        .await
        .unwrap();
    let done = answer(
        &app,
        &client,
        Ch::MfaSetup,
        &verified.session.unwrap(),
        "bob",
        "ANSWER",
        "",
    )
    .await
    .unwrap();
    assert!(done.authentication_result.unwrap().access_token.is_some());

    // From now on every flow asks for the TOTP code.
    assert_challenged_everywhere(&app, &pool, &client, "bob", Ch::SoftwareTokenMfa).await;
    app.clock.advance_secs(30);
    let out = password_sign_in(&app, &client, "bob").await;
    let ok = answer(
        &app,
        &client,
        Ch::SoftwareTokenMfa,
        &out.session.unwrap(),
        "bob",
        "SOFTWARE_TOKEN_MFA_CODE",
        &totp(&app, &secret, 0),
    )
    .await
    .unwrap();
    assert!(ok.authentication_result.is_some());

    // An invited user who sets a password is asked for a factor next, not given tokens.
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("carol")
        .temporary_password("Temp#pw12")
        .user_attributes(attr("email", "carol@example.com"))
        .message_action(sdk::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let out = app
        .sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(Flow::UserPasswordAuth)
        .auth_parameters("USERNAME", "carol")
        .auth_parameters("PASSWORD", "Temp#pw12")
        .send()
        .await
        .unwrap();
    assert_eq!(out.challenge_name, Some(Ch::NewPasswordRequired));
    let next = answer(
        &app,
        &client,
        Ch::NewPasswordRequired,
        &out.session.unwrap(),
        "carol",
        "NEW_PASSWORD",
        PW,
    )
    .await
    .unwrap();
    assert_eq!(next.challenge_name, Some(Ch::MfaSetup));
    assert!(next.authentication_result.is_none());
}

#[tokio::test]
async fn sms_and_email_codes_and_the_choice_between_them() {
    let app = TestApp::spawn().await;
    let (pool, client) = mfa_pool(&app, UserPoolMfaType::Optional, true).await;
    confirmed_user(&app, &pool, "dana", PW).await;
    app.sdk
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("dana")
        .user_attributes(attr("phone_number", "+15555550123"))
        .user_attributes(attr("phone_number_verified", "true"))
        .send()
        .await
        .unwrap();
    app.sdk
        .admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("dana")
        .sms_mfa_settings(
            sdk::types::SmsMfaSettingsType::builder()
                .enabled(true)
                .build(),
        )
        .send()
        .await
        .unwrap();

    // SMS: the code goes out through the outbox, to the masked number shown.
    let out = password_sign_in(&app, &client, "dana").await;
    assert_eq!(out.challenge_name, Some(Ch::SmsMfa));
    let params = out.challenge_parameters.unwrap();
    assert_eq!(params["CODE_DELIVERY_DELIVERY_MEDIUM"], "SMS");
    assert_eq!(params["CODE_DELIVERY_DESTINATION"], "+*******0123");
    let sms = app.outbox("dana").await.into_iter().next().unwrap();
    assert_eq!(sms.destination, "+15555550123");
    let code = sms.code.unwrap();
    assert_eq!(sms.body, format!("Your code is {code}"));
    let session = out.session.unwrap();
    let r = answer(
        &app,
        &client,
        Ch::SmsMfa,
        &session,
        "dana",
        "SMS_MFA_CODE",
        "000000",
    )
    .await;
    if code != "000000" {
        assert_eq!(r.unwrap_err().0, "CodeMismatchException");
    }
    let ok = answer(
        &app,
        &client,
        Ch::SmsMfa,
        &session,
        "dana",
        "SMS_MFA_CODE",
        &code,
    )
    .await
    .unwrap();
    assert!(ok.authentication_result.is_some());

    // Two factors on and none preferred: the user chooses.
    app.sdk
        .admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("dana")
        .email_mfa_settings(
            sdk::types::EmailMfaSettingsType::builder()
                .enabled(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = password_sign_in(&app, &client, "dana").await;
    assert_eq!(out.challenge_name, Some(Ch::SelectMfaType));
    let choose: Vec<String> =
        serde_json::from_str(&out.challenge_parameters.unwrap()["MFAS_CAN_CHOOSE"]).unwrap();
    assert_eq!(choose, ["SMS_MFA", "EMAIL_OTP"]);
    let r = answer(
        &app,
        &client,
        Ch::SelectMfaType,
        out.session.as_deref().unwrap(),
        "dana",
        "ANSWER",
        "SOFTWARE_TOKEN_MFA",
    )
    .await;
    assert_eq!(r.unwrap_err().0, "InvalidParameterException");
    let next = answer(
        &app,
        &client,
        Ch::SelectMfaType,
        &out.session.unwrap(),
        "dana",
        "ANSWER",
        "EMAIL_OTP",
    )
    .await
    .unwrap();
    assert_eq!(next.challenge_name, Some(Ch::EmailOtp));
    assert_eq!(
        next.challenge_parameters.as_ref().unwrap()["CODE_DELIVERY_DELIVERY_MEDIUM"],
        "EMAIL"
    );
    let mail = app.outbox("dana").await.into_iter().next().unwrap();
    assert_eq!(mail.destination, "dana@example.com");
    assert_eq!(mail.subject, "Sign-in code");
    let ok = answer(
        &app,
        &client,
        Ch::EmailOtp,
        &next.session.unwrap(),
        "dana",
        "EMAIL_OTP_CODE",
        &mail.code.unwrap(),
    )
    .await
    .unwrap();
    assert!(ok.authentication_result.is_some());

    let me = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("dana")
        .send()
        .await
        .unwrap();
    assert_eq!(me.user_mfa_setting_list(), ["SMS_MFA", "EMAIL_OTP"]);
    assert_eq!(me.preferred_mfa_setting(), None);
}

#[tokio::test]
async fn pool_mfa_config_round_trips_and_is_validated() {
    let app = TestApp::spawn().await;
    let pool = app.pool("cfg").await;
    let r = app
        .sdk
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::On)
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    let (pool_id, _) = mfa_pool(&app, UserPoolMfaType::Optional, true).await;
    let got = app
        .sdk
        .get_user_pool_mfa_config()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.mfa_configuration, Some(UserPoolMfaType::Optional));
    assert!(got.software_token_mfa_configuration.unwrap().enabled);
    assert_eq!(
        got.sms_mfa_configuration
            .unwrap()
            .sms_authentication_message
            .as_deref(),
        Some("Your code is {####}")
    );
    assert_eq!(
        got.email_mfa_configuration.unwrap().subject.as_deref(),
        Some("Sign-in code")
    );
    let described = app
        .sdk
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(described.mfa_configuration, Some(UserPoolMfaType::Optional));
    // A template without the code placeholder is refused.
    let r = app
        .sdk
        .set_user_pool_mfa_config()
        .user_pool_id(&pool_id)
        .email_mfa_configuration(
            sdk::types::EmailMfaConfigType::builder()
                .message("no code here")
                .build(),
        )
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    // UpdateUserPool keeps the TOTP setting.
    app.sdk
        .update_user_pool()
        .user_pool_id(&pool_id)
        .mfa_configuration(UserPoolMfaType::On)
        .send()
        .await
        .unwrap();
    let got = app
        .sdk
        .get_user_pool_mfa_config()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.mfa_configuration, Some(UserPoolMfaType::On));
    assert!(got.software_token_mfa_configuration.unwrap().enabled);
    // Nor can SMS be turned on for a user without a phone number.
    confirmed_user(&app, &pool_id, "erin", PW).await;
    let r = app
        .sdk
        .admin_set_user_mfa_preference()
        .user_pool_id(&pool_id)
        .username("erin")
        .sms_mfa_settings(
            sdk::types::SmsMfaSettingsType::builder()
                .enabled(true)
                .build(),
        )
        .send()
        .await;
    assert_eq!(
        err(r),
        (
            "InvalidParameterException".into(),
            "User does not have delivery config set to turn on SMS_MFA".into()
        )
    );
}
