//! Shared helpers for the suite: error inspection, secret hashes, confirmed users.

use cogito_testkit::TestApp;
use cogito_testkit::sdk;
use sdk::error::ProvideErrorMetadata;

/// `(__type, message)` of a failed SDK call.
pub fn err<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    r: Result<T, sdk::error::SdkError<E, R>>,
) -> (String, String) {
    let e = r.expect_err("call should have failed");
    let code = e
        .code()
        .unwrap_or_else(|| panic!("no error code in {e:?}"))
        .to_string();
    (code, e.message().unwrap_or_default().to_string())
}

/// `SECRET_HASH` computed independently of cogito.
pub fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    use base64::Engine;
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// An e-mail attribute.
pub fn attr(name: &str, value: &str) -> sdk::types::AttributeType {
    sdk::types::AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

/// Creates a CONFIRMED user with a permanent password via the admin API.
pub async fn confirmed_user(app: &TestApp, pool: &str, username: &str, password: &str) {
    app.sdk
        .admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .user_attributes(attr("email", &format!("{username}@example.com")))
        .user_attributes(attr("email_verified", "true"))
        .message_action(sdk::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    app.sdk
        .admin_set_user_password()
        .user_pool_id(pool)
        .username(username)
        .password(password)
        .permanent(true)
        .send()
        .await
        .unwrap();
}

/// Signs in with ADMIN_USER_PASSWORD_AUTH and returns the authentication result.
pub async fn admin_login(
    app: &TestApp,
    pool: &str,
    client: &str,
    username: &str,
    password: &str,
) -> sdk::types::AuthenticationResultType {
    app.sdk
        .admin_initiate_auth()
        .user_pool_id(pool)
        .client_id(client)
        .auth_flow(sdk::types::AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .unwrap()
        .authentication_result
        .expect("tokens")
}

/// A pool whose users may also sign in by their e-mail (`AliasAttributes=[email]`).
pub async fn alias_pool(app: &TestApp, name: &str) -> String {
    app.sdk
        .create_user_pool()
        .pool_name(name)
        .alias_attributes(sdk::types::AliasAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .and_then(|p| p.id)
        .unwrap()
}

/// An app client of `pool` allowing `flows`, with a secret when asked, and existence errors
/// hidden (`ENABLED`) or not (`LEGACY`); `(client_id, secret)`.
pub async fn client_with(
    app: &TestApp,
    pool: &str,
    flows: &[sdk::types::ExplicitAuthFlowsType],
    secret: bool,
    hide_existence: bool,
) -> (String, Option<String>) {
    use sdk::types::PreventUserExistenceErrorTypes as Prevent;
    let c = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("app")
        .generate_secret(secret)
        .set_explicit_auth_flows(Some(flows.to_vec()))
        .prevent_user_existence_errors(if hide_existence {
            Prevent::Enabled
        } else {
            Prevent::Legacy
        })
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    (c.client_id.unwrap(), c.client_secret)
}
