//! `OAuthStore`: domains (CRUD, name and one-per-pool conflicts), resource servers (CRUD,
//! pages), single-use authorization codes (also under concurrency), hosted-UI sessions, UI
//! customisation (pool-wide vs per client), and what `delete_pool` / `delete_user` /
//! `delete_client` take with them. Durability across a reopen is in `oauth_survives_reopen`.

use std::sync::Arc;

use cogito_core::model::oauth::ResourceServerScope;
use cogito_core::store::{Store, StoreError, UniqueKey};
use cogito_store::open_store;

use crate::support::*;

const CONFLICT: Result<(), StoreError> = Err(StoreError::Conflict(UniqueKey::Id));

pub async fn domain_crud(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    assert_not_found(store.get_domain("auth-p").await);
    assert_not_found(store.domain_of_pool("p").await);

    let mut d = domain("auth-p", "p");
    store.insert_domain(&d).await.unwrap();
    assert_eq!(store.get_domain("auth-p").await.unwrap(), d);
    assert_eq!(store.domain_of_pool("p").await.unwrap(), d);
    assert_not_found(store.get_domain("auth-q").await);
    assert_not_found(store.domain_of_pool("q").await);

    d.managed_login_version = 2;
    assert_eq!(
        store
            .set_domain_login_version("p", "auth-p", 2)
            .await
            .unwrap(),
        d
    );
    assert_eq!(store.get_domain("auth-p").await.unwrap(), d);
    assert_eq!(store.domain_of_pool("p").await.unwrap(), d);
    assert_not_found(store.set_domain_login_version("p", "missing", 2).await);
    // Only the owning pool changes its domain.
    assert_not_found(store.set_domain_login_version("q", "auth-p", 1).await);
    assert_eq!(store.get_domain("auth-p").await.unwrap(), d);

    store.delete_domain("auth-p").await.unwrap();
    assert_not_found(store.get_domain("auth-p").await);
    assert_not_found(store.domain_of_pool("p").await);
    assert_not_found(store.delete_domain("auth-p").await);
    assert_not_found(store.set_domain_login_version("p", "auth-p", 1).await);
    // Once deleted, the pool can take a domain again, and the name is free again.
    store
        .insert_domain(&domain("login.example.com", "p"))
        .await
        .unwrap();
    assert_eq!(
        store.domain_of_pool("p").await.unwrap().domain,
        "login.example.com"
    );
    seed_pool(&*store, "q").await;
    store.insert_domain(&domain("auth-p", "q")).await.unwrap();
    assert_eq!(store.get_domain("auth-p").await.unwrap().pool_id, "q");
}

pub async fn domain_conflicts_and_missing_pool(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_pool(&*store, "q").await;
    store.insert_domain(&domain("auth-p", "p")).await.unwrap();
    // The name is taken across the instance, whatever the pool.
    assert_eq!(store.insert_domain(&domain("auth-p", "q")).await, CONFLICT);
    assert_eq!(store.insert_domain(&domain("auth-p", "p")).await, CONFLICT);
    // One domain per pool.
    assert_eq!(store.insert_domain(&domain("auth-p2", "p")).await, CONFLICT);
    assert_not_found(store.get_domain("auth-p2").await);
    assert_not_found(store.domain_of_pool("q").await);
    assert_eq!(store.get_domain("auth-p").await.unwrap().pool_id, "p");
    // No pool, no domain.
    assert_not_found(store.insert_domain(&domain("auth-x", "missing")).await);
    assert_not_found(store.get_domain("auth-x").await);

    // A pool cannot change another pool's domain.
    store.insert_domain(&domain("auth-q", "q")).await.unwrap();
    assert_not_found(store.set_domain_login_version("p", "auth-q", 2).await);
    assert_eq!(
        store.domain_of_pool("q").await.unwrap(),
        domain("auth-q", "q")
    );
}

pub async fn resource_server_crud(store: Arc<dyn Store>) {
    let id = "https://api.example.com";
    seed_pool(&*store, "p").await;
    seed_pool(&*store, "q").await;
    assert_not_found(store.get_resource_server("p", id).await);

    let mut rs = resource_server("p", id);
    store.insert_resource_server(&rs).await.unwrap();
    assert_eq!(store.get_resource_server("p", id).await.unwrap(), rs);
    assert_not_found(store.get_resource_server("q", id).await);
    assert_eq!(store.insert_resource_server(&rs).await, CONFLICT);
    // Identifiers are unique per pool only.
    store
        .insert_resource_server(&resource_server("q", id))
        .await
        .unwrap();
    assert_not_found(
        store
            .insert_resource_server(&resource_server("missing", id))
            .await,
    );

    rs.name = "renamed".into();
    rs.scopes = vec![ResourceServerScope {
        name: "admin".into(),
        description: "Everything".into(),
    }];
    store.update_resource_server(&rs).await.unwrap();
    assert_eq!(store.get_resource_server("p", id).await.unwrap(), rs);
    assert_eq!(
        store.get_resource_server("q", id).await.unwrap(),
        resource_server("q", id)
    );
    rs.scopes.clear();
    store.update_resource_server(&rs).await.unwrap();
    assert!(
        store
            .get_resource_server("p", id)
            .await
            .unwrap()
            .scopes
            .is_empty()
    );
    assert_not_found(
        store
            .update_resource_server(&resource_server("p", "urn:missing"))
            .await,
    );

    store.delete_resource_server("p", id).await.unwrap();
    assert_not_found(store.get_resource_server("p", id).await);
    assert_not_found(store.delete_resource_server("p", id).await);
    assert_not_found(store.update_resource_server(&rs).await);
    assert!(store.get_resource_server("q", id).await.is_ok());
}

pub async fn resource_server_list_pages(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_pool(&*store, "q").await;
    for id in ["rs5", "rs3", "rs1", "rs4", "rs2", "rs6", "rs7"] {
        store
            .insert_resource_server(&resource_server("p", id))
            .await
            .unwrap();
    }
    store
        .insert_resource_server(&resource_server("q", "rs0"))
        .await
        .unwrap();
    let (sizes, servers) = all_pages(3, |cursor| {
        let store = store.clone();
        async move { store.list_resource_servers("p", cursor.as_deref(), 3).await }
    })
    .await;
    assert_eq!(sizes, vec![3, 3, 1]);
    let ids: Vec<_> = servers.iter().map(|s| s.identifier.as_str()).collect();
    assert_eq!(ids, ["rs1", "rs2", "rs3", "rs4", "rs5", "rs6", "rs7"]);
    assert_eq!(servers[0], resource_server("p", "rs1"));

    // A page that ends exactly at the last item has no cursor.
    let (sizes, _) = all_pages(7, |cursor| {
        let store = store.clone();
        async move { store.list_resource_servers("p", cursor.as_deref(), 7).await }
    })
    .await;
    assert_eq!(sizes, vec![7]);
    // 0 is the default page size.
    let all = store.list_resource_servers("p", None, 0).await.unwrap();
    assert_eq!((all.items.len(), all.next), (7, None));

    let q = store.list_resource_servers("q", None, 10).await.unwrap();
    assert_eq!((q.items.len(), q.next), (1, None));
    assert!(
        store
            .list_resource_servers("empty", None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_not_found(
        store
            .list_resource_servers("p", Some("not a cursor"), 3)
            .await,
    );
}

pub async fn authorization_code_single_use(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    let code = authorization_code("p", "s-a", "ch-1");
    store.insert_authorization_code(&code).await.unwrap();
    let mut bare = authorization_code("p", "s-a", "ch-2");
    bare.nonce = None;
    bare.code_challenge = None;
    store.insert_authorization_code(&bare).await.unwrap();

    // First redemption: the record as inserted (unused).
    assert_eq!(
        store.redeem_authorization_code("ch-1", 10_000).await,
        Ok(code.clone())
    );
    store.set_code_origin("ch-1", "jti-1").await.unwrap();
    // A replay sees when it was first used and what that redemption issued; the first use time
    // is never overwritten.
    let replay = store
        .redeem_authorization_code("ch-1", 20_000)
        .await
        .unwrap();
    assert_eq!(replay.used_ms, Some(10_000));
    assert_eq!(replay.issued_origin_jti.as_deref(), Some("jti-1"));
    let again = store
        .redeem_authorization_code("ch-1", 30_000)
        .await
        .unwrap();
    assert_eq!(again, code.used(10_000, Some("jti-1")));

    // Other codes are untouched.
    assert_eq!(
        store.redeem_authorization_code("ch-2", 40_000).await,
        Ok(bare)
    );

    assert_not_found(store.redeem_authorization_code("unknown", 1).await);
    assert_not_found(store.set_code_origin("unknown", "jti-x").await);
    assert_eq!(store.insert_authorization_code(&code).await, CONFLICT);
    assert_not_found(
        store
            .insert_authorization_code(&authorization_code("p", "nobody", "ch-3"))
            .await,
    );
    assert_not_found(store.redeem_authorization_code("ch-3", 1).await);
}

/// Building the expected state of a redeemed code.
trait AuthorizationCodeExt {
    fn used(&self, at_ms: i64, origin_jti: Option<&str>) -> Self;
}

impl AuthorizationCodeExt for cogito_core::model::AuthorizationCode {
    fn used(&self, at_ms: i64, origin_jti: Option<&str>) -> Self {
        Self {
            used_ms: Some(at_ms),
            issued_origin_jti: origin_jti.map(str::to_owned),
            ..self.clone()
        }
    }
}

pub async fn set_code_origin_before_and_after_use(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    let code = authorization_code("p", "s-a", "ch");
    store.insert_authorization_code(&code).await.unwrap();
    // Setting the origin does not redeem the code.
    store.set_code_origin("ch", "jti-1").await.unwrap();
    store.set_code_origin("ch", "jti-2").await.unwrap();
    let first = store.redeem_authorization_code("ch", 5).await.unwrap();
    assert_eq!(first.used_ms, None);
    assert_eq!(first.issued_origin_jti.as_deref(), Some("jti-2"));
    store.set_code_origin("ch", "jti-3").await.unwrap();
    assert_eq!(
        store.redeem_authorization_code("ch", 6).await.unwrap(),
        code.used(5, Some("jti-3"))
    );
}

pub async fn authorization_code_redeemed_once_under_concurrency(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    let code = authorization_code("p", "s-a", "contested");
    store.insert_authorization_code(&code).await.unwrap();
    let start = Arc::new(tokio::sync::Barrier::new(20));
    let tasks: Vec<_> = (0..20_i64)
        .map(|i| {
            let store = store.clone();
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                (
                    i,
                    store
                        .redeem_authorization_code("contested", 1_000 + i)
                        .await,
                )
            })
        })
        .collect();
    let mut first = Vec::new();
    let mut replays = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (i, Ok(seen)) if seen.used_ms.is_none() => {
                assert_eq!(seen, code);
                first.push(i);
            }
            (_, Ok(seen)) => replays.push(seen.used_ms),
            (i, Err(e)) => panic!("redeemer {i} failed with {e:?}"),
        }
    }
    assert_eq!(first.len(), 1, "first redemptions: {first:?}");
    let used_at = Some(1_000 + first[0]);
    assert_eq!(replays.len(), 19);
    assert!(replays.iter().all(|r| *r == used_at), "{replays:?}");
    assert_eq!(
        store
            .redeem_authorization_code("contested", 9_999)
            .await
            .unwrap()
            .used_ms,
        used_at
    );
}

pub async fn hosted_session_lifecycle(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    seed_user(&*store, "p", "bob", "s-b").await;
    assert_not_found(store.get_hosted_session("hs-1").await);

    let s1 = hosted_session("p", "s-a", "hs-1");
    let s2 = hosted_session("p", "s-b", "hs-2");
    store.put_hosted_session(&s1).await.unwrap();
    store.put_hosted_session(&s2).await.unwrap();
    assert_eq!(store.get_hosted_session("hs-1").await.unwrap(), s1);
    assert_eq!(store.get_hosted_session("hs-2").await.unwrap(), s2);
    // Reading does not consume.
    assert_eq!(store.get_hosted_session("hs-1").await.unwrap(), s1);

    // Put replaces the session with the same id hash.
    let mut renewed = s1.clone();
    renewed.auth_time += 60;
    renewed.expires_ms += 60_000;
    store.put_hosted_session(&renewed).await.unwrap();
    assert_eq!(store.get_hosted_session("hs-1").await.unwrap(), renewed);

    store.delete_hosted_session("hs-1").await.unwrap();
    assert_not_found(store.get_hosted_session("hs-1").await);
    // Idempotent.
    store.delete_hosted_session("hs-1").await.unwrap();
    store.delete_hosted_session("never-existed").await.unwrap();
    assert_eq!(store.get_hosted_session("hs-2").await.unwrap(), s2);

    assert_not_found(
        store
            .put_hosted_session(&hosted_session("p", "nobody", "hs-3"))
            .await,
    );
    assert_not_found(store.get_hosted_session("hs-3").await);
}

pub async fn ui_customization_pool_and_client(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_pool(&*store, "q").await;
    store.insert_client(&client("p", "c1")).await.unwrap();
    store.insert_client(&client("p", "c2")).await.unwrap();
    store.insert_client(&client("q", "cq")).await.unwrap();
    assert_not_found(store.get_ui_customization("p", None).await);
    assert_not_found(store.get_ui_customization("p", Some("c1")).await);

    let pool_wide = ui_customization("p", None);
    store.put_ui_customization(&pool_wide).await.unwrap();
    assert_eq!(
        store.get_ui_customization("p", None).await,
        Ok(pool_wide.clone())
    );
    // No fallback: a client without its own customisation is NotFound.
    assert_not_found(store.get_ui_customization("p", Some("c1")).await);
    assert_not_found(store.get_ui_customization("q", None).await);

    let mut c1 = ui_customization("p", Some("c1"));
    c1.css = Some(".c1 {}".into());
    c1.templates.insert("signup.html".into(), "sign up".into());
    store.put_ui_customization(&c1).await.unwrap();
    assert_eq!(store.get_ui_customization("p", Some("c1")).await, Ok(c1));
    assert_eq!(store.get_ui_customization("p", None).await, Ok(pool_wide));
    assert_not_found(store.get_ui_customization("p", Some("c2")).await);
    assert_not_found(store.get_ui_customization("q", Some("c1")).await);

    // Put replaces everything, including clearing fields.
    let cleared = cogito_core::model::UiCustomization {
        pool_id: "p".into(),
        client_id: Some("c1".into()),
        modified_ms: 2_000,
        ..Default::default()
    };
    store.put_ui_customization(&cleared).await.unwrap();
    assert_eq!(
        store.get_ui_customization("p", Some("c1")).await,
        Ok(cleared)
    );
    let mut empty_image = ui_customization("p", None);
    empty_image.image = Some(Vec::new());
    empty_image.templates.clear();
    store.put_ui_customization(&empty_image).await.unwrap();
    assert_eq!(store.get_ui_customization("p", None).await, Ok(empty_image));

    // The pool, and the client within that pool, must exist.
    assert_not_found(
        store
            .put_ui_customization(&ui_customization("missing", None))
            .await,
    );
    assert_not_found(
        store
            .put_ui_customization(&ui_customization("p", Some("nope")))
            .await,
    );
    assert_not_found(
        store
            .put_ui_customization(&ui_customization("p", Some("cq")))
            .await,
    );
    assert_not_found(store.get_ui_customization("p", Some("cq")).await);
}

pub async fn ui_customization_goes_with_its_client(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    store.insert_client(&client("p", "c1")).await.unwrap();
    store.insert_client(&client("p", "c2")).await.unwrap();
    for ui in [
        ui_customization("p", None),
        ui_customization("p", Some("c1")),
        ui_customization("p", Some("c2")),
    ] {
        store.put_ui_customization(&ui).await.unwrap();
    }
    store.delete_client("p", "c1").await.unwrap();
    assert_not_found(store.get_ui_customization("p", Some("c1")).await);
    assert!(store.get_ui_customization("p", Some("c2")).await.is_ok());
    assert!(store.get_ui_customization("p", None).await.is_ok());
    // A client created again under the same id starts without customisation.
    store.insert_client(&client("p", "c1")).await.unwrap();
    assert_not_found(store.get_ui_customization("p", Some("c1")).await);
}

/// Inserts one of every OAuth record for pool `p` and its user `{p}-sub`.
async fn seed_oauth(store: &dyn Store, p: &str) {
    let sub = format!("{p}-sub");
    store
        .insert_client(&client(p, &format!("{p}-client")))
        .await
        .unwrap();
    seed_user(store, p, "alice", &sub).await;
    store
        .insert_domain(&domain(&format!("auth-{p}"), p))
        .await
        .unwrap();
    store
        .insert_resource_server(&resource_server(p, "https://api"))
        .await
        .unwrap();
    store
        .insert_authorization_code(&authorization_code(p, &sub, &format!("{p}-ch")))
        .await
        .unwrap();
    store
        .put_hosted_session(&hosted_session(p, &sub, &format!("{p}-hs")))
        .await
        .unwrap();
    store
        .put_ui_customization(&ui_customization(p, None))
        .await
        .unwrap();
    store
        .put_ui_customization(&ui_customization(p, Some(&format!("{p}-client"))))
        .await
        .unwrap();
}

/// Asserts that pool `p` has (`present`) or has not any of the records of [`seed_oauth`].
async fn assert_oauth_state(store: &dyn Store, p: &str, present: bool) {
    let client_id = format!("{p}-client");
    let found = [
        store.get_domain(&format!("auth-{p}")).await.is_ok(),
        store.domain_of_pool(p).await.is_ok(),
        store.get_resource_server(p, "https://api").await.is_ok(),
        !store
            .list_resource_servers(p, None, 10)
            .await
            .unwrap()
            .items
            .is_empty(),
        store
            .redeem_authorization_code(&format!("{p}-ch"), 1)
            .await
            .is_ok(),
        store.get_hosted_session(&format!("{p}-hs")).await.is_ok(),
        store.get_ui_customization(p, None).await.is_ok(),
        store
            .get_ui_customization(p, Some(&client_id))
            .await
            .is_ok(),
    ];
    assert_eq!(found, [present; 8], "OAuth state of pool {p}");
}

pub async fn oauth_delete_pool_cascades(store: Arc<dyn Store>) {
    for p in ["doomed", "kept"] {
        seed_pool(&*store, p).await;
        seed_oauth(&*store, p).await;
    }
    store.delete_pool("doomed").await.unwrap();
    assert_oauth_state(&*store, "doomed", false).await;
    assert_oauth_state(&*store, "kept", true).await;
    // The names the doomed pool held are free again.
    seed_pool(&*store, "doomed").await;
    seed_oauth(&*store, "doomed").await;
    assert_oauth_state(&*store, "doomed", true).await;
}

pub async fn oauth_delete_user_cascades(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    seed_user(&*store, "p", "bob", "s-b").await;
    for sub in ["s-a", "s-b"] {
        store
            .insert_authorization_code(&authorization_code("p", sub, &format!("{sub}-ch")))
            .await
            .unwrap();
        store
            .put_hosted_session(&hosted_session("p", sub, &format!("{sub}-hs")))
            .await
            .unwrap();
    }
    store.delete_user("p", "s-a").await.unwrap();
    assert_not_found(store.redeem_authorization_code("s-a-ch", 1).await);
    assert_not_found(store.get_hosted_session("s-a-hs").await);
    assert!(store.redeem_authorization_code("s-b-ch", 1).await.is_ok());
    assert!(store.get_hosted_session("s-b-hs").await.is_ok());
}

pub async fn oauth_survives_reopen(url: String) {
    let store = open_store(&url).await.unwrap();
    seed_pool(&*store, "p").await;
    seed_oauth(&*store, "p").await;
    let mut scoped = refresh("p", "p-sub", "jti", "th");
    scoped.scope = Some("openid email https://api/read".into());
    store.insert_refresh(&scoped).await.unwrap();
    store.redeem_authorization_code("p-ch", 7).await.unwrap();
    store.set_code_origin("p-ch", "jti").await.unwrap();
    drop(store);

    let store = open_store(&url).await.unwrap();
    assert_eq!(
        store.get_domain("auth-p").await.unwrap(),
        domain("auth-p", "p")
    );
    assert_eq!(
        store.get_resource_server("p", "https://api").await.unwrap(),
        resource_server("p", "https://api")
    );
    assert_eq!(
        store.redeem_authorization_code("p-ch", 8).await.unwrap(),
        authorization_code("p", "p-sub", "p-ch").used(7, Some("jti"))
    );
    assert_eq!(
        store.get_hosted_session("p-hs").await.unwrap(),
        hosted_session("p", "p-sub", "p-hs")
    );
    assert_eq!(
        store.get_ui_customization("p", None).await.unwrap(),
        ui_customization("p", None)
    );
    assert_eq!(
        store
            .get_ui_customization("p", Some("p-client"))
            .await
            .unwrap(),
        ui_customization("p", Some("p-client"))
    );
    assert_eq!(store.get_refresh_by_origin("jti").await.unwrap(), scoped);
}

/// `set_ui_look` writes CSS and logo only: a new row gets no templates, an existing row keeps
/// its template overrides; the pool and client must exist.
pub async fn ui_look_keeps_the_template_overrides(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    store.insert_client(&client("p", "c1")).await.unwrap();
    let fresh = store
        .set_ui_look("p", Some("c1"), Some(".a {}"), None, 5)
        .await
        .unwrap();
    assert!(fresh.templates.is_empty());
    assert_eq!(store.get_ui_customization("p", Some("c1")).await, Ok(fresh));

    let seeded = ui_customization("p", None);
    store.put_ui_customization(&seeded).await.unwrap();
    let logo = [0x89, b'P', 0x00];
    let written = store
        .set_ui_look("p", None, None, Some(&logo), 7)
        .await
        .unwrap();
    let expected = cogito_core::model::UiCustomization {
        css: None,
        image: Some(logo.to_vec()),
        modified_ms: 7,
        ..seeded
    };
    assert_eq!(written, expected);
    assert_eq!(store.get_ui_customization("p", None).await, Ok(expected));

    assert_not_found(store.set_ui_look("missing", None, None, None, 1).await);
    assert_not_found(store.set_ui_look("p", Some("nope"), None, None, 1).await);
}
