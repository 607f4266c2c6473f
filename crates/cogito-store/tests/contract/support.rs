//! Record constructors and small helpers shared by the contract tests.

use std::collections::BTreeMap;

use cogito_core::model::oauth::ResourceServerScope;
use cogito_core::model::pool::{default_invitation, default_verification, standard_schema};
use cogito_core::model::user::{LoginKey, LoginKeyKind};
use cogito_core::model::{
    AppClient, AuthSession, AuthorizationCode, Code, CodePurpose, DeliveryMedium, DeliveryStatus,
    Domain, Group, HostedSession, OutboxMessage, PasswordPolicy, RefreshSession, ResourceServer,
    UiCustomization, User, UserPool, UserStatus,
};
use cogito_core::store::{Effects, KeyPolicy, Page, Store, StoreError, UniqueKey};

/// The login-key rules the contract tests use: the username and the e-mail are keys.
pub fn email_keys() -> KeyPolicy {
    KeyPolicy {
        username_attributes: vec!["email".into()],
        alias_attributes: vec![],
        case_sensitive: false,
    }
}

/// A pool with Cognito's defaults.
pub fn pool(id: &str) -> UserPool {
    UserPool {
        id: id.into(),
        name: format!("name of {id}"),
        created_ms: 1_000,
        modified_ms: 1_000,
        password_policy: PasswordPolicy::default(),
        schema: standard_schema(),
        auto_verified_attributes: vec!["email".into()],
        alias_attributes: vec![],
        username_attributes: vec![],
        case_sensitive: false,
        allow_admin_create_user_only: false,
        verification: default_verification(),
        invitation: default_invitation(),
        deletion_protection: false,
        mfa_configuration: "OFF".into(),
        mfa: Default::default(),
        devices: None,
        account_recovery: None,
        unused_account_validity_days: 7,
        default_email_option: "CONFIRM_WITH_CODE".into(),
        triggers: Default::default(),
        extra: BTreeMap::from([("UserPoolTags".into(), serde_json::json!({"team": "a"}))]),
    }
}

/// An app client without secret.
pub fn client(pool_id: &str, client_id: &str) -> AppClient {
    AppClient {
        pool_id: pool_id.into(),
        client_id: client_id.into(),
        name: format!("client {client_id}"),
        secret: None,
        explicit_auth_flows: vec!["ALLOW_USER_PASSWORD_AUTH".into()],
        access_token_validity: None,
        id_token_validity: Some(2),
        refresh_token_validity: 30,
        units: None,
        read_attributes: None,
        write_attributes: Some(vec!["email".into()]),
        prevent_user_existence_errors: "ENABLED".into(),
        enable_token_revocation: true,
        auth_session_validity: 3,
        created_ms: 1_000,
        modified_ms: 1_000,
        oauth: Default::default(),
        refresh_token_rotation: None,
        extra: BTreeMap::new(),
    }
}

/// A confirmed user created at 1000 ms with an e-mail derived from the username.
pub fn user(pool_id: &str, username: &str, sub: &str) -> User {
    user_at(pool_id, username, sub, 1_000)
}

/// A confirmed user created at `created_ms`.
pub fn user_at(pool_id: &str, username: &str, sub: &str, created_ms: i64) -> User {
    User {
        pool_id: pool_id.into(),
        username: username.into(),
        sub: sub.into(),
        status: UserStatus::Confirmed,
        enabled: true,
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        srp_verifier: None,
        password_set_ms: created_ms,
        password_history: vec!["old-hash".into()],
        attributes: BTreeMap::from([
            ("email".into(), format!("{username}@example.com")),
            ("email_verified".into(), "true".into()),
        ]),
        created_ms,
        modified_ms: created_ms,
        failed_attempts: 0,
        locked_until_ms: 0,
        last_failure_ms: 0,
        mfa: Default::default(),
    }
}

/// The username login key (lower-cased, as for a case-insensitive pool).
pub fn username_key(value: &str) -> LoginKey {
    LoginKey {
        kind: LoginKeyKind::Username,
        value: value.to_lowercase(),
    }
}

/// An e-mail login key.
pub fn email_key(value: &str) -> LoginKey {
    LoginKey {
        kind: LoginKeyKind::Email,
        value: value.to_lowercase(),
    }
}

/// A group with a description and precedence.
pub fn group(pool_id: &str, name: &str) -> Group {
    Group {
        pool_id: pool_id.into(),
        name: name.into(),
        description: Some(format!("the {name} group")),
        precedence: Some(3),
        role_arn: None,
        created_ms: 1_000,
        modified_ms: 1_000,
    }
}

/// A fresh code.
pub fn code(pool_id: &str, sub: &str, purpose: CodePurpose, hash: &str) -> Code {
    Code {
        pool_id: pool_id.into(),
        user_sub: sub.into(),
        purpose,
        code_hash: hash.into(),
        expires_ms: 99_000,
        attempts: 0,
        destination_attribute: Some("email".into()),
    }
}

/// An auth-challenge session.
pub fn auth_session(pool_id: &str, sub: &str, id_hash: &str) -> AuthSession {
    AuthSession {
        id_hash: id_hash.into(),
        pool_id: pool_id.into(),
        client_id: "client-1".into(),
        user_sub: sub.into(),
        challenge: "NEW_PASSWORD_REQUIRED".into(),
        expires_ms: 50_000,
        state: Some("state".into()),
        attempts: 0,
    }
}

/// A live refresh session.
pub fn refresh(pool_id: &str, sub: &str, origin_jti: &str, token_hash: &str) -> RefreshSession {
    RefreshSession {
        origin_jti: origin_jti.into(),
        token_hash: token_hash.into(),
        pool_id: pool_id.into(),
        client_id: "client-1".into(),
        user_sub: sub.into(),
        auth_time: 1,
        created_ms: 1_000,
        expires_ms: 9_000_000,
        revoked_ms: None,
        scope: None,
        device_key: None,
    }
}

/// An outbox e-mail.
pub fn message(id: &str, pool_id: &str, username: &str, created_ms: i64) -> OutboxMessage {
    OutboxMessage {
        id: id.into(),
        pool_id: pool_id.into(),
        username: username.into(),
        medium: DeliveryMedium::Email,
        destination: format!("{username}@example.com"),
        subject: "Your verification code".into(),
        body: "Your verification code is 123456. ".into(),
        code: Some("123456".into()),
        purpose: "SignUp".into(),
        created_ms,
        delivery: DeliveryStatus::pending(created_ms + 60_000),
    }
}

/// A prefix domain of a pool (managed login version 1).
pub fn domain(name: &str, pool_id: &str) -> Domain {
    Domain {
        domain: name.into(),
        pool_id: pool_id.into(),
        custom: false,
        managed_login_version: 1,
        created_ms: 1_000,
    }
}

/// A resource server with two scopes.
pub fn resource_server(pool_id: &str, identifier: &str) -> ResourceServer {
    ResourceServer {
        pool_id: pool_id.into(),
        identifier: identifier.into(),
        name: format!("server {identifier}"),
        scopes: vec![
            ResourceServerScope {
                name: "read".into(),
                description: "Read access".into(),
            },
            ResourceServerScope {
                name: "write".into(),
                description: "Write access".into(),
            },
        ],
    }
}

/// An unused authorization code (only its hash) with nonce and PKCE challenge.
pub fn authorization_code(pool_id: &str, sub: &str, code_hash: &str) -> AuthorizationCode {
    AuthorizationCode {
        code_hash: code_hash.into(),
        pool_id: pool_id.into(),
        client_id: "client-1".into(),
        user_sub: sub.into(),
        redirect_uri: "https://app.example.com/callback".into(),
        scope: "openid email".into(),
        nonce: Some("n-0S6_WzA2Mj".into()),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        auth_time: 1_700_000_000,
        expires_ms: 300_000,
        used_ms: None,
        issued_origin_jti: None,
    }
}

/// A hosted-UI session.
pub fn hosted_session(pool_id: &str, sub: &str, id_hash: &str) -> HostedSession {
    HostedSession {
        id_hash: id_hash.into(),
        pool_id: pool_id.into(),
        user_sub: sub.into(),
        auth_time: 1_700_000_000,
        expires_ms: 3_600_000,
    }
}

/// A UI customisation of a pool (`client_id: None`) or client with CSS, a logo and a template.
pub fn ui_customization(pool_id: &str, client_id: Option<&str>) -> UiCustomization {
    UiCustomization {
        pool_id: pool_id.into(),
        client_id: client_id.map(str::to_owned),
        css: Some(format!(
            ".banner-customizable {{ content: \"{pool_id}\"; }}"
        )),
        // PNG signature: non-UTF-8 bytes and a NUL must round-trip.
        image: Some(vec![
            0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff,
        ]),
        templates: BTreeMap::from([("login.html".into(), "<h1>{{ title }}</h1>".into())]),
        modified_ms: 1_000,
    }
}

/// Inserts a pool named `id`.
pub async fn seed_pool(store: &dyn Store, id: &str) {
    store.insert_pool(&pool(id)).await.expect("insert pool");
}

/// Inserts `user(pool, username, sub)` with its username and e-mail keys.
pub async fn seed_user(store: &dyn Store, pool_id: &str, username: &str, sub: &str) -> User {
    let u = user(pool_id, username, sub);
    insert_with_keys(store, &u).await;
    u
}

/// Inserts a user with its username key and (if set) e-mail key.
pub async fn insert_with_keys(store: &dyn Store, u: &User) {
    store
        .insert_user(u, &keys_of(u), false, &Effects::none())
        .await
        .expect("insert user");
}

/// The username key and, if the user has one, the e-mail key.
pub fn keys_of(u: &User) -> Vec<LoginKey> {
    let mut keys = vec![username_key(&u.username)];
    if let Some(email) = u.attr("email") {
        keys.push(email_key(email));
    }
    keys
}

/// Asserts a login-key conflict on `key`.
pub fn assert_key_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, key: &LoginKey) {
    match result {
        Err(StoreError::Conflict(UniqueKey::LoginKey(k))) => assert_eq!(&k, key),
        other => panic!("expected Conflict(LoginKey({key:?})), got {other:?}"),
    }
}

/// Reads every page of a listing with page size `limit`, checking that only the last page has
/// no cursor and that no page is larger than `limit`. Returns the pages' sizes and all items.
pub async fn all_pages<T, F, Fut>(limit: usize, mut fetch: F) -> (Vec<usize>, Vec<T>)
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, StoreError>>,
{
    let mut sizes = Vec::new();
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let page = fetch(cursor.take()).await.expect("page");
        assert!(page.items.len() <= limit, "page larger than the limit");
        sizes.push(page.items.len());
        items.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(sizes.len() < 1000, "pagination does not terminate");
    }
    (sizes, items)
}

/// The subs of a list of users.
pub fn subs(users: &[User]) -> Vec<String> {
    users.iter().map(|u| u.sub.clone()).collect()
}

/// Asserts `NotFound`.
#[track_caller]
pub fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    match result {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}
