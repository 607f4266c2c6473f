//! Remembered devices through the SDK (reference §5.8): `NewDeviceMetadata` and the
//! `device_key` claim, `ConfirmDevice`, `GetDevice` / `ListDevices` / `UpdateDeviceStatus` /
//! `ForgetDevice` and their admin variants, and `DEVICE_SRP_AUTH` → `DEVICE_PASSWORD_VERIFIER`
//! with a wrong claim refused. The device's SRP side is the reference's description written out
//! here; amazon-cognito-identity-js does the same against cogito in `srp_clients.rs`.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cogito_core::Clock;
use cogito_core::crypto::fill_random;
use cogito_core::srp::client::Challenge;
use cogito_core::srp::{G, N, format_timestamp, pad, private_key};
use cogito_testkit::TestApp;
use cogito_testkit::sdk;
use num_bigint::BigUint;
use sdk::types::{
    AuthFlowType as Flow, ChallengeNameType as Ch, DeviceConfigurationType,
    DeviceRememberedStatusType as Status, DeviceSecretVerifierConfigType,
    ExplicitAuthFlowsType as F,
};
use serde_json::Value;

use crate::helpers::{client_with, confirmed_user, err};
use crate::srp::ephemeral;

const PW: &str = "Passw0rd!";
const DEVICE_PASSWORD: &str = "device-secret-0123456789";

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn device_pool(app: &TestApp, tracking: bool) -> (String, String) {
    let mut req = app.sdk.create_user_pool().pool_name("devices");
    if tracking {
        req = req.device_configuration(
            DeviceConfigurationType::builder()
                .challenge_required_on_new_device(true)
                .device_only_remembered_on_user_prompt(true)
                .build(),
        );
    }
    let pool = req
        .send()
        .await
        .unwrap()
        .user_pool
        .and_then(|p| p.id)
        .unwrap();
    let flows = [F::AllowUserPasswordAuth, F::AllowRefreshTokenAuth];
    let (client, _) = client_with(app, &pool, &flows, false, true).await;
    (pool, client)
}

async fn sign_in(
    app: &TestApp,
    client: &str,
    user: &str,
    device: Option<&str>,
) -> sdk::operation::initiate_auth::InitiateAuthOutput {
    let mut req = app
        .sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(Flow::UserPasswordAuth)
        .auth_parameters("USERNAME", user)
        .auth_parameters("PASSWORD", PW);
    if let Some(d) = device {
        req = req.auth_parameters("DEVICE_KEY", d);
    }
    req.send().await.unwrap()
}

/// The `DeviceSecretVerifierConfig` of a device password: `(verifier, salt)` in base64.
fn verifier_config(group_key: &str, device_key: &str) -> (String, String) {
    let mut salt = [0u8; 16];
    fill_random(&mut salt);
    let salt = BigUint::from_bytes_be(&salt);
    let x = private_key(&salt, group_key, device_key, DEVICE_PASSWORD);
    let v = G.modpow(&x, &N);
    (STANDARD.encode(pad(&v)), STANDARD.encode(pad(&salt)))
}

#[tokio::test]
async fn devices_are_handed_out_confirmed_listed_and_forgotten() {
    let app = TestApp::spawn().await;
    let (pool, client) = device_pool(&app, true).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    confirmed_user(&app, &pool, "bob", PW).await;

    let first = sign_in(&app, &client, "alice", None).await;
    let result = first.authentication_result.unwrap();
    let meta = result
        .new_device_metadata
        .clone()
        .expect("NewDeviceMetadata");
    let key = meta.device_key.unwrap();
    let group = meta.device_group_key.unwrap();
    let region = pool.split('_').next().unwrap();
    assert!(
        key.starts_with(&format!("{region}_")) && key.len() == region.len() + 37,
        "{key}"
    );
    let token = result.access_token.unwrap();
    assert_eq!(claims(&token)["device_key"], key.as_str());

    let (verifier, salt) = verifier_config(&group, &key);
    let config = DeviceSecretVerifierConfigType::builder()
        .password_verifier(&verifier)
        .salt(&salt)
        .build();
    let confirmed = app
        .sdk
        .confirm_device()
        .access_token(&token)
        .device_key(&key)
        .device_name("laptop")
        .device_secret_verifier_config(config.clone())
        .send()
        .await
        .unwrap();
    assert!(confirmed.user_confirmation_necessary);
    let again = app
        .sdk
        .confirm_device()
        .access_token(&token)
        .device_key(&key)
        .device_secret_verifier_config(config)
        .send()
        .await;
    assert_eq!(err(again).0, "DeviceKeyExistsException");

    let got = app
        .sdk
        .get_device()
        .access_token(&token)
        .device_key(&key)
        .send()
        .await
        .unwrap()
        .device
        .unwrap();
    let attr = |name: &str| {
        got.device_attributes()
            .iter()
            .find(|a| a.name() == name)
            .and_then(|a| a.value())
            .map(str::to_owned)
    };
    assert_eq!(attr("device_name").as_deref(), Some("laptop"));
    assert_eq!(
        attr("dev:device_remembered_status").as_deref(),
        Some("not_remembered")
    );

    // Bob sees nothing of alice's device.
    let bob = sign_in(&app, &client, "bob", None).await;
    let bob_token = bob.authentication_result.unwrap().access_token.unwrap();
    let r = app
        .sdk
        .get_device()
        .access_token(&bob_token)
        .device_key(&key)
        .send()
        .await;
    assert_eq!(
        err(r),
        (
            "ResourceNotFoundException".into(),
            "Device does not exist.".into()
        )
    );

    // A known device that is not remembered: tokens carry it, no new device is handed out.
    let known = sign_in(&app, &client, "alice", Some(&key)).await;
    let known = known.authentication_result.unwrap();
    assert!(known.new_device_metadata.is_none());
    assert_eq!(
        claims(known.access_token().unwrap())["device_key"],
        key.as_str()
    );

    app.sdk
        .update_device_status()
        .access_token(&token)
        .device_key(&key)
        .device_remembered_status(Status::Remembered)
        .send()
        .await
        .unwrap();
    let listed = app
        .sdk
        .admin_list_devices()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.devices().len(), 1);

    // Remembered: the device proves itself after the password.
    let step = sign_in(&app, &client, "alice", Some(&key)).await;
    assert_eq!(step.challenge_name, Some(Ch::DeviceSrpAuth));
    assert!(step.authentication_result.is_none());
    let tokens = device_srp(&app, &client, &key, &group, step.session.unwrap(), true)
        .await
        .unwrap();
    assert_eq!(claims(&tokens)["device_key"], key.as_str());
    // A wrong device password is refused.
    let step = sign_in(&app, &client, "alice", Some(&key)).await;
    let wrong = device_srp(&app, &client, &key, &group, step.session.unwrap(), false).await;
    assert_eq!(
        wrong.unwrap_err(),
        (
            "NotAuthorizedException".into(),
            "Incorrect username or password.".into()
        )
    );

    app.sdk
        .admin_forget_device()
        .user_pool_id(&pool)
        .username("alice")
        .device_key(&key)
        .send()
        .await
        .unwrap();
    let r = app
        .sdk
        .admin_get_device()
        .user_pool_id(&pool)
        .username("alice")
        .device_key(&key)
        .send()
        .await;
    assert_eq!(err(r).0, "ResourceNotFoundException");
    let listed = app
        .sdk
        .list_devices()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    assert!(listed.devices().is_empty());
}

/// Answers `DEVICE_SRP_AUTH` and `DEVICE_PASSWORD_VERIFIER` with the device password (or a
/// wrong one); the access token on success.
async fn device_srp(
    app: &TestApp,
    client: &str,
    key: &str,
    group: &str,
    session: String,
    right: bool,
) -> Result<String, (String, String)> {
    let eph = ephemeral();
    let challenge = app
        .sdk
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(Ch::DeviceSrpAuth)
        .session(session)
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("DEVICE_KEY", key)
        .challenge_responses("SRP_A", eph.big_a.to_str_radix(16))
        .send()
        .await
        .unwrap();
    assert_eq!(challenge.challenge_name, Some(Ch::DevicePasswordVerifier));
    let p = challenge.challenge_parameters.unwrap();
    assert_eq!(p["DEVICE_KEY"], key);
    let salt = BigUint::parse_bytes(p["SALT"].as_bytes(), 16).unwrap();
    let big_b = BigUint::parse_bytes(p["SRP_B"].as_bytes(), 16).unwrap();
    let password = if right {
        DEVICE_PASSWORD
    } else {
        "not-the-device-password"
    };
    let block = STANDARD.decode(&p["SECRET_BLOCK"]).unwrap();
    let timestamp = format_timestamp(app.clock.now_ms() / 1000);
    let asked = Challenge {
        realm: group,
        user_id: key,
        salt: &salt,
        big_b: &big_b,
        secret_block: &block,
    };
    let signature = eph.claim(&asked, password, &timestamp);
    let r = app
        .sdk
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(Ch::DevicePasswordVerifier)
        .session(challenge.session.unwrap())
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("DEVICE_KEY", key)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"])
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", STANDARD.encode(signature))
        .challenge_responses("TIMESTAMP", timestamp)
        .send()
        .await;
    match r {
        Ok(o) => Ok(o.authentication_result.unwrap().access_token.unwrap()),
        Err(_) => Err(err(r)),
    }
}

#[tokio::test]
async fn pools_without_device_tracking_hand_out_no_devices() {
    let app = TestApp::spawn().await;
    let (pool, client) = device_pool(&app, false).await;
    confirmed_user(&app, &pool, "carol", PW).await;
    let out = sign_in(
        &app,
        &client,
        "carol",
        Some("us-east-1_00000000-0000-0000-0000-000000000000"),
    )
    .await;
    let result = out.authentication_result.unwrap();
    assert!(result.new_device_metadata.is_none());
    assert!(
        claims(result.access_token().unwrap())
            .get("device_key")
            .is_none()
    );
}
