//! Customisation beyond Cognito: templates, CSS, logo and texts per pool and per client, from
//! the UI directory (`<ui_dir>/<poolId>[/<clientId>]/…`) and through `SetUICustomization` or
//! the stored template overrides. Client beats pool beats built-in; CSS cascades; another
//! pool never sees them; a broken or runaway template falls back to the built-in one.

use std::path::PathBuf;

use cogito_core::model::UiCustomization;
use cogito_testkit::sdk::primitives::Blob;

use super::{Browser, PASSWORD, Site, code_of, domain, oauth_client, site};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRcogito-test-logo";

/// A custom sign-in page that keeps the form contract.
const POOL_LOGIN: &str = r#"{% extends "base.html" %}
{% block heading %}Welcome to pool A{% endblock %}
{% block content %}<p class="pool-a-marker">{{ display_name }} / {{ state_probe }}</p>
<form id="login-form" method="post" action="{{ action }}">
<input type="hidden" name="_csrf" value="{{ csrf }}">
<input id="username" name="username"><input id="password" name="password" type="password">
<button id="submit" type="submit">Go</button></form>{% endblock %}"#;

fn ui_dir(s: &Site) -> PathBuf {
    s.app.dir.path().join("ui")
}

fn write(path: PathBuf, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[tokio::test]
async fn data_dir_template_and_css_apply_to_their_pool_only() {
    let s = site().await;
    let pool_b = s.app.pool("other").await;
    let base_b = domain(&s.app, &pool_b, "other").await;
    let client_b = oauth_client(&s.app, &pool_b, "Other App").await;
    let dir = ui_dir(&s).join(&s.pool);
    write(dir.join("login.html"), POOL_LOGIN);
    write(dir.join("custom.css"), ".pool-a-css { color: teal }");
    write(dir.join("messages.en.txt"), "sign_up_title = Join pool A");
    write(dir.join("messages.de.txt"), "sign_in_title = Anmelden");

    let mut b = Browser::new();
    let a = b.get(&s.page("/login")).await;
    assert_eq!(a.status, 200);
    assert!(a.body.contains("Welcome to pool A") && a.body.contains("pool-a-marker"));
    assert!(
        a.body
            .contains(&format!("{}/ui/custom.css?client_id={}", s.base, s.client))
    );
    let css = b
        .get(&format!("{}/ui/custom.css?client_id={}", s.base, s.client))
        .await;
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(css.body.contains(".pool-a-css"));
    // The custom page still signs in.
    let done = s.sign_in(&mut b, "alice", PASSWORD).await;
    assert_eq!(done.status, 303, "{}", done.body);
    code_of(&done.location().unwrap());
    // Texts: overridden, and a language added by a file.
    let signup = b.get(&s.page("/signup")).await;
    assert!(signup.body.contains("Join pool A") && signup.body.contains("/ui/custom.css"));
    let de = b.get(&s.page_with("/login", "lang=de")).await;
    assert!(de.body.contains("<html lang=\"de\">"));

    let other = b
        .get(&format!("{base_b}/login?{}", s.query_for(&client_b)))
        .await;
    assert_eq!(other.status, 200);
    assert!(!other.body.contains("Welcome to pool A"));
    assert!(!other.body.contains("/ui/custom.css"));
    let other_signup = b
        .get(&format!("{base_b}/signup?{}", s.query_for(&client_b)))
        .await;
    assert!(other_signup.body.contains("Create your account"));
    let other_css = b
        .get(&format!("{base_b}/ui/custom.css?client_id={client_b}"))
        .await;
    assert!(other_css.body.trim().is_empty());
    let other_de = b
        .get(&format!(
            "{base_b}/login?lang=de&{}",
            s.query_for(&client_b)
        ))
        .await;
    assert!(other_de.body.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn client_files_beat_pool_files() {
    let s = site().await;
    let second = oauth_client(&s.app, &s.pool, "Second").await;
    let dir = ui_dir(&s).join(&s.pool);
    write(
        dir.join("login.html"),
        "{% extends \"base.html\" %}{% block heading %}POOL-LEVEL{% endblock %}",
    );
    write(
        dir.join(&second).join("login.html"),
        "{% extends \"base.html\" %}{% block heading %}CLIENT-LEVEL{% endblock %}",
    );
    write(dir.join(&second).join("custom.css"), ".second-client {}");
    write(dir.join("custom.css"), ".whole-pool {}");
    let mut b = Browser::new();
    let first = b.get(&s.page("/login")).await;
    assert!(first.body.contains("POOL-LEVEL"));
    let page = b
        .get(&format!("{}/login?{}", s.base, s.query_for(&second)))
        .await;
    assert!(page.body.contains("CLIENT-LEVEL") && !page.body.contains("POOL-LEVEL"));
    let css = b
        .get(&format!("{}/ui/custom.css?client_id={second}", s.base))
        .await;
    let (pool_at, client_at) = (
        css.body.find(".whole-pool").unwrap(),
        css.body.find(".second-client").unwrap(),
    );
    assert!(
        pool_at < client_at,
        "pool CSS first, the client's overrides it"
    );
    let first_css = b
        .get(&format!("{}/ui/custom.css?client_id={}", s.base, s.client))
        .await;
    assert!(!first_css.body.contains(".second-client"));
}

#[tokio::test]
async fn set_ui_customization_css_logo_and_stored_templates() {
    let s = site().await;
    let second = oauth_client(&s.app, &s.pool, "Second").await;
    let third = oauth_client(&s.app, &s.pool, "Third").await;
    s.app
        .sdk
        .set_ui_customization()
        .user_pool_id(&s.pool)
        .client_id("ALL")
        .css(".pool-api { color: navy }")
        .image_file(Blob::new(PNG))
        .send()
        .await
        .unwrap();
    s.app
        .sdk
        .set_ui_customization()
        .user_pool_id(&s.pool)
        .client_id(&s.client)
        .css(".client-api { color: maroon }")
        .send()
        .await
        .unwrap();
    let mut b = Browser::new();
    let page = b.get(&s.page("/login")).await;
    assert!(
        page.body
            .contains(&format!("{}/ui/logo?client_id={}", s.base, s.client))
    );
    assert!(page.body.contains("class=\"brand-logo\""));
    let css = b
        .get(&format!("{}/ui/custom.css?client_id={}", s.base, s.client))
        .await;
    assert!(css.body.find(".pool-api").unwrap() < css.body.find(".client-api").unwrap());
    let logo = b
        .get(&format!("{}/ui/logo?client_id={}", s.base, s.client))
        .await;
    assert_eq!(logo.status, 200);
    assert_eq!(logo.header("content-type").as_deref(), Some("image/png"));
    let api_logo = b
        .get(&format!("{}/_ui/{}/ALL/logo", s.app.url, s.pool))
        .await;
    assert_eq!(api_logo.status, 200);
    assert_eq!(
        api_logo.header("content-type").as_deref(),
        Some("image/png")
    );
    let second_css = b
        .get(&format!("{}/ui/custom.css?client_id={second}", s.base))
        .await;
    assert!(second_css.body.contains(".pool-api") && !second_css.body.contains(".client-api"));

    // Stored template overrides: the pool's, and one client's own.
    let store = &s.app.state.core.store_for_harness();
    let mut pool_ui = store.get_ui_customization(&s.pool, None).await.unwrap();
    pool_ui.templates.insert(
        "login.html".into(),
        "{% extends \"base.html\" %}{% block heading %}STORED-POOL{% endblock %}".into(),
    );
    store.put_ui_customization(&pool_ui).await.unwrap();
    let mut client_ui = UiCustomization {
        pool_id: s.pool.clone(),
        client_id: Some(second.clone()),
        ..UiCustomization::default()
    };
    client_ui.templates.insert(
        "login.html".into(),
        "{% extends \"base.html\" %}{% block heading %}STORED-SECOND{% endblock %}".into(),
    );
    store.put_ui_customization(&client_ui).await.unwrap();
    let third_page = b
        .get(&format!("{}/login?{}", s.base, s.query_for(&third)))
        .await;
    assert!(third_page.body.contains("STORED-POOL"));
    let second_page = b
        .get(&format!("{}/login?{}", s.base, s.query_for(&second)))
        .await;
    assert!(second_page.body.contains("STORED-SECOND"));
    // A client directory beats the client's stored template.
    write(
        ui_dir(&s).join(&s.pool).join(&second).join("login.html"),
        "{% extends \"base.html\" %}{% block heading %}FILE-SECOND{% endblock %}",
    );
    let second_page = b
        .get(&format!("{}/login?{}", s.base, s.query_for(&second)))
        .await;
    assert!(second_page.body.contains("FILE-SECOND"));
}

#[tokio::test]
async fn broken_or_runaway_templates_fall_back_to_the_built_in_page() {
    let s = site().await;
    let dir = ui_dir(&s).join(&s.pool);
    write(dir.join("login.html"), "{% if %}broken");
    write(
        dir.join("signup.html"),
        "{% for i in range(100000) %}{% for j in range(100000) %}{{ j }}{% endfor %}{% endfor %}",
    );
    write(dir.join("../../escape.html"), "outside");
    let mut b = Browser::new();
    let login = b.get(&s.page("/login")).await;
    assert_eq!(login.status, 200);
    assert!(login.body.contains("id=\"login-form\""));
    let signup = b.get(&s.page("/signup")).await;
    assert_eq!(signup.status, 200);
    assert!(signup.body.contains("id=\"signup-form\""));
    let logo = b
        .get(&format!("{}/ui/logo?client_id={}", s.base, s.client))
        .await;
    assert_eq!(logo.status, 404);
}
