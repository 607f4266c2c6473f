//! Hosted-UI customisation: `SetUICustomization` / `GetUICustomization` for the pool (`ALL`)
//! and for one client, the client falling back to the pool-wide one, logo and CSS checks, and
//! cogito's template overrides surviving a `SetUICustomization`.

use cogito_testkit::TestApp;
use cogito_testkit::sdk::primitives::Blob;

use crate::helpers::err;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
const JPEG: &[u8] = &[0xff, 0xd8, 0xff, 0xe0, 0, 0x10, b'J', b'F', b'I', b'F'];

#[tokio::test]
async fn pool_wide_customization_round_trip() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let set = app
        .sdk
        .set_ui_customization()
        .user_pool_id(&pool)
        .css(".banner-customizable { background-color: #123456; }")
        .image_file(Blob::new(PNG))
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(set.user_pool_id(), Some(pool.as_str()));
    assert_eq!(set.client_id(), Some("ALL"));
    assert_eq!(
        set.css(),
        Some(".banner-customizable { background-color: #123456; }")
    );
    assert!(set.css_version().is_some());
    assert_eq!(
        set.image_url(),
        Some(format!("{}/_ui/{pool}/ALL/logo", app.url).as_str())
    );
    assert!(set.creation_date().is_some() && set.last_modified_date().is_some());

    let got = app
        .sdk
        .get_ui_customization()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(got, set);
    // `ALL` names the same record.
    let all = app
        .sdk
        .get_ui_customization()
        .user_pool_id(&pool)
        .client_id("ALL")
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(all, set);
    let stored = app
        .state
        .core
        .ui_customization(&pool, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.image.as_deref(), Some(PNG));
}

#[tokio::test]
async fn a_client_falls_back_to_the_pool_wide_customization() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;

    // Nothing set yet: only the ids.
    let none = app
        .sdk
        .get_ui_customization()
        .user_pool_id(&pool)
        .client_id(&client)
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(none.user_pool_id(), Some(pool.as_str()));
    assert!(none.css().is_none() && none.image_url().is_none());

    app.sdk
        .set_ui_customization()
        .user_pool_id(&pool)
        .client_id("ALL")
        .css(".label-customizable { font-weight: 400; }")
        .send()
        .await
        .unwrap();
    let fallback = app
        .sdk
        .get_ui_customization()
        .user_pool_id(&pool)
        .client_id(&client)
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(fallback.client_id(), Some("ALL"));
    assert_eq!(
        fallback.css(),
        Some(".label-customizable { font-weight: 400; }")
    );
    assert!(fallback.image_url().is_none());

    let own = app
        .sdk
        .set_ui_customization()
        .user_pool_id(&pool)
        .client_id(&client)
        .css(".submitButton-customizable { color: red; }")
        .image_file(Blob::new(JPEG))
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(own.client_id(), Some(client.as_str()));
    assert_eq!(
        own.image_url(),
        Some(format!("{}/_ui/{pool}/{client}/logo", app.url).as_str())
    );
    let got = app
        .sdk
        .get_ui_customization()
        .user_pool_id(&pool)
        .client_id(&client)
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(got, own);
    // The pool-wide one is unchanged.
    let pool_wide = app
        .sdk
        .get_ui_customization()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(
        pool_wide.css(),
        Some(".label-customizable { font-weight: 400; }")
    );
}

#[tokio::test]
async fn set_replaces_css_and_logo() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    app.sdk
        .set_ui_customization()
        .user_pool_id(&pool)
        .css(".a { color: red; }")
        .image_file(Blob::new(PNG))
        .send()
        .await
        .unwrap();
    let second = app
        .sdk
        .set_ui_customization()
        .user_pool_id(&pool)
        .css(".b { color: blue; }")
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap();
    assert_eq!(second.css(), Some(".b { color: blue; }"));
    assert!(second.image_url().is_none());
}

#[tokio::test]
async fn unknown_pool_or_client_is_not_found() {
    let app = TestApp::spawn().await;
    let r = app
        .sdk
        .set_ui_customization()
        .user_pool_id("us-east-1_Missing00")
        .css(".a{}")
        .send()
        .await;
    assert_eq!(err(r).0, "ResourceNotFoundException");
    let r = app
        .sdk
        .get_ui_customization()
        .user_pool_id("us-east-1_Missing00")
        .send()
        .await;
    assert_eq!(err(r).0, "ResourceNotFoundException");

    let pool = app.pool("p").await;
    let missing = "nosuchclient0000000000000a";
    let r = app
        .sdk
        .set_ui_customization()
        .user_pool_id(&pool)
        .client_id(missing)
        .css(".a{}")
        .send()
        .await;
    assert_eq!(
        err(r),
        (
            "ResourceNotFoundException".into(),
            format!("User pool client {missing} does not exist.")
        )
    );
    let r = app
        .sdk
        .get_ui_customization()
        .user_pool_id(&pool)
        .client_id(missing)
        .send()
        .await;
    assert_eq!(err(r).0, "ResourceNotFoundException");
}

#[tokio::test]
async fn logo_must_be_png_or_jpeg_and_css_must_not_hold_markup() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    for bad in [
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".as_slice(),
        b"GIF89a".as_slice(),
        b"not an image".as_slice(),
    ] {
        let r = app
            .sdk
            .set_ui_customization()
            .user_pool_id(&pool)
            .image_file(Blob::new(bad))
            .send()
            .await;
        assert_eq!(err(r).0, "InvalidParameterException");
    }
    let r = app
        .sdk
        .set_ui_customization()
        .user_pool_id(&pool)
        .css(".a { color: red; }</style><script>alert(1)</script>")
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    assert!(
        app.state
            .core
            .ui_customization(&pool, None)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn template_overrides_survive_set_ui_customization() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let mut ui = cogito_core::model::UiCustomization {
        pool_id: pool.clone(),
        ..Default::default()
    };
    ui.templates
        .insert("login.html".into(), "<p>custom login</p>".into());
    app.state
        .core
        .store_for_harness()
        .put_ui_customization(&ui)
        .await
        .unwrap();

    app.sdk
        .set_ui_customization()
        .user_pool_id(&pool)
        .css(".a { color: red; }")
        .send()
        .await
        .unwrap();
    let stored = app
        .state
        .core
        .ui_customization(&pool, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.css.as_deref(), Some(".a { color: red; }"));
    assert_eq!(
        stored.templates.get("login.html").map(String::as_str),
        Some("<p>custom login</p>")
    );
}
