//! The hosted login pages (reference §4.4) driven like a browser (a cookie jar, no redirect
//! following): sign-in → code at the callback → tokens, wrong credentials, sign-up and
//! confirmation (code and e-mail link), password reset, invited users' new password, the error
//! page, French texts. Customisation lives in `customization`; security rows in
//! `sec_hosted_ui`.

mod customization;
mod support;

pub use support::*;

use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::MessageActionType;

use crate::helpers::attr;

#[tokio::test]
async fn sign_in_form_leads_to_a_code_and_tokens() {
    let s = site().await;
    let mut b = Browser::new();
    let page = b.get(&s.page("/login")).await;
    assert_eq!(page.status, 200);
    for needle in [
        "<html lang=\"en\">",
        "<form id=\"login-form\" class=\"form\" method=\"post\"",
        "id=\"username\" name=\"username\"",
        "id=\"password\" name=\"password\" type=\"password\"",
        "name=\"_csrf\"",
        "<button id=\"submit\"",
        "id=\"forgot-link\"",
        "id=\"signup-link\"",
        "<label for=\"username\">",
        "Web App",
        "/static/hosted.css",
    ] {
        assert!(page.body.contains(needle), "missing {needle}");
    }
    let forgot = format!(
        "href=\"{}/forgotPassword?response_type=code&amp;client_id=",
        s.base
    );
    assert!(page.body.contains(&forgot), "{}", page.body);

    let done = s.sign_in(&mut b, "alice", PASSWORD).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let location = done.location().unwrap();
    assert!(
        done.set_cookies()
            .iter()
            .any(|c| c.starts_with("cogito_session="))
    );
    let tokens = s.redeem(&location).await;
    assert!(tokens["id_token"].is_string(), "{tokens}");
    assert!(tokens["refresh_token"].is_string());

    let css = b.get(&format!("{}/static/hosted.css", s.base)).await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(css.body.contains("--cg-primary"));
}

#[tokio::test]
async fn wrong_credentials_rerender_with_the_same_error_for_unknown_users() {
    let s = site().await;
    let mut b = Browser::new();
    let wrong = s.sign_in(&mut b, "alice", "Wrong-passw0rd").await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.location().is_none());
    assert!(
        wrong
            .body
            .contains("<div id=\"error\" class=\"alert\" role=\"alert\">")
    );
    assert!(wrong.body.contains("aria-describedby=\"error\""));
    assert!(wrong.body.contains("aria-invalid=\"true\""));
    assert!(wrong.body.contains("Incorrect username or password."));
    assert!(
        wrong.body.contains("value=\"alice\""),
        "the username is kept"
    );
    let unknown = s.sign_in(&mut b, "nobody", "Wrong-passw0rd").await;
    assert_eq!(unknown.status, 400);
    let error_of = |p: &Page| {
        let start = p.body.find("role=\"alert\"").unwrap();
        p.body[start..start + 400].to_string()
    };
    assert_eq!(error_of(&wrong), error_of(&unknown));
    assert!(!b.cookies.contains_key("cogito_session"));
}

#[tokio::test]
async fn sign_up_then_confirm_with_the_code_then_sign_in() {
    let s = site().await;
    let mut b = Browser::new();
    let form = b.get(&s.page("/signup")).await;
    assert_eq!(form.status, 200);
    for needle in [
        "id=\"username\"",
        "id=\"email\"",
        "id=\"password\"",
        "id=\"password-rules\"",
    ] {
        assert!(form.body.contains(needle), "missing {needle}");
    }
    let done = b
        .submit(
            &s.page("/signup"),
            &[
                ("username", "bob"),
                ("email", "bob@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let confirm = done.location().unwrap();
    assert!(
        confirm.starts_with(&format!("{}/confirmUser?username=bob&", s.base)),
        "{confirm}"
    );

    // A fresh code on request, then confirmation with it.
    let page = b.get(&confirm).await;
    assert!(page.body.contains("id=\"code\"") && page.body.contains("<button id=\"resend\""));
    assert!(page.body.contains("value=\"bob\""));
    let resent = b
        .post(
            &confirm,
            &[
                ("username", "bob"),
                ("action", "resend"),
                ("_csrf", &page.csrf()),
            ],
        )
        .await;
    assert_eq!(resent.status, 303);
    assert!(resent.location().unwrap().contains("notice=code_sent"));
    let bad = b
        .submit(&confirm, &[("username", "bob"), ("code", "000000")])
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("id=\"error\""));
    let code = s.app.latest_code("bob").await;
    let ok = b
        .submit(&confirm, &[("username", "bob"), ("code", &code)])
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let login = ok.location().unwrap();
    assert!(
        login.starts_with(&format!("{}/login?notice=confirmed&", s.base)),
        "{login}"
    );
    let notice = b.get(&login).await;
    assert!(notice.body.contains("id=\"notice\""));

    let signed_in = s.sign_in(&mut b, "bob", PASSWORD).await;
    assert_eq!(signed_in.status, 303);
    code_of(&signed_in.location().unwrap());
}

#[tokio::test]
async fn the_email_link_confirms_directly() {
    let s = site().await;
    let mut b = Browser::new();
    let done = b
        .submit(
            &s.page("/signup"),
            &[
                ("username", "dave"),
                ("email", "dave@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status, 303);
    let code = s.app.latest_code("dave").await;
    let link = format!(
        "{}/confirmUser?client_id={}&user_name=dave&confirmation_code={code}",
        s.base, s.client
    );
    let page = b.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Account confirmed"));
    let again = b.get(&link).await;
    assert_eq!(again.status, 400);
    assert_eq!(s.sign_in(&mut b, "dave", PASSWORD).await.status, 303);
}

#[tokio::test]
async fn forgot_password_then_reset_then_sign_in_with_the_new_password() {
    let s = site().await;
    let mut b = Browser::new();
    let asked = b
        .submit(&s.page("/forgotPassword"), &[("username", "alice")])
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    let reset = asked.location().unwrap();
    assert!(reset.starts_with(&format!("{}/confirmForgotPassword?username=alice&", s.base)));
    // An unknown user sees the same step (no enumeration).
    let unknown = b
        .submit(&s.page("/forgotPassword"), &[("username", "ghost")])
        .await;
    assert_eq!(unknown.status, 303);

    let code = s.app.latest_code("alice").await;
    let new_password = "N3w-Passw0rd!x";
    let page = b.get(&reset).await;
    assert!(page.body.contains("id=\"code\"") && page.body.contains("id=\"password\""));
    let wrong = b
        .submit(
            &reset,
            &[
                ("username", "alice"),
                ("code", "999999"),
                ("password", new_password),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400);
    let done = b
        .submit(
            &reset,
            &[
                ("username", "alice"),
                ("code", &code),
                ("password", new_password),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(
        done.location()
            .unwrap()
            .contains("/login?notice=password_reset&")
    );
    assert_eq!(s.sign_in(&mut b, "alice", PASSWORD).await.status, 400);
    let ok = s.sign_in(&mut b, "alice", new_password).await;
    assert_eq!(ok.status, 303);
    code_of(&ok.location().unwrap());
}

#[tokio::test]
async fn invited_user_chooses_a_password_and_fills_required_attributes() {
    let app = TestApp::spawn().await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("invites")
        .schema(
            cogito_testkit::sdk::types::SchemaAttributeType::builder()
                .name("name")
                .attribute_data_type(cogito_testkit::sdk::types::AttributeDataType::String)
                .required(true)
                .mutable(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let base = domain(&app, &pool, "invites").await;
    let client = oauth_client(&app, &pool, "Portal").await;
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("carol")
        .temporary_password("Temp-Passw0rd!")
        .user_attributes(attr("email", "carol@example.com"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let s = Site {
        app,
        pool,
        client,
        base,
        verifier: "w".repeat(60),
    };
    let mut b = Browser::new();
    let challenged = s.sign_in(&mut b, "carol", "Temp-Passw0rd!").await;
    assert_eq!(challenged.status, 303, "{}", challenged.body);
    let next = challenged.location().unwrap();
    assert!(
        next.starts_with(&format!("{}/newPassword?session=", s.base)),
        "{next}"
    );
    let page = b.get(&next).await;
    assert_eq!(page.status, 200);
    for needle in [
        "id=\"password\"",
        "id=\"password-confirm\"",
        "id=\"attr-name\" name=\"attr_name\"",
        "name=\"session\"",
    ] {
        assert!(
            page.body.contains(needle),
            "missing {needle}: {}",
            page.body
        );
    }
    let fresh = "Fresh-Passw0rd!";
    let mismatch = b
        .submit(
            &next,
            &[
                ("password", fresh),
                ("password_confirm", "other"),
                ("attr_name", "Carol"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, 400);
    // The session travels in the form: take it from the page.
    let session = next
        .split("session=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let session = session.replace("%2D", "-").replace("%5F", "_");
    let missing = b
        .submit(
            &next,
            &[
                ("session", &session),
                ("username", "carol"),
                ("password", fresh),
                ("password_confirm", fresh),
            ],
        )
        .await;
    assert_eq!(missing.status, 400, "the required attribute is missing");
    let done = b
        .submit(
            &next,
            &[
                ("session", &session),
                ("username", "carol"),
                ("password", fresh),
                ("password_confirm", fresh),
                ("attr_name", "Carol Example"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    code_of(&done.location().unwrap());
    assert_eq!(s.sign_in(&mut b, "carol", fresh).await.status, 303);
}

#[tokio::test]
async fn french_from_the_parameter_or_the_browser() {
    let s = site().await;
    let mut b = Browser::new();
    let fr = b.get(&s.page_with("/login", "lang=fr")).await;
    assert!(fr.body.contains("<html lang=\"fr\">"));
    assert!(fr.body.contains("Se connecter"));
    assert!(fr.body.contains("lang=fr"), "links keep the language");
    b.extra
        .push(("accept-language".into(), "fr-CA,fr;q=0.9,en;q=0.5".into()));
    let header = b.get(&s.page("/signup")).await;
    assert!(header.body.contains("<html lang=\"fr\">"));
    assert!(header.body.contains("Créez votre compte"));
    let wrong = s.sign_in(&mut b, "alice", "nope-nope").await;
    assert!(
        wrong
            .body
            .contains("Nom d&#x27;utilisateur ou mot de passe incorrect."),
        "{}",
        wrong.body
    );
}

#[tokio::test]
async fn invalid_requests_and_the_error_route_show_the_error_page() {
    let s = site().await;
    let mut b = Browser::new();
    let bad_client = b
        .get(&format!(
            "{}/login?response_type=code&client_id=nope&redirect_uri={}",
            s.base,
            enc(CB)
        ))
        .await;
    assert_eq!(bad_client.status, 400);
    assert!(bad_client.location().is_none());
    assert!(bad_client.body.contains("id=\"error-message\""));
    let bad_redirect = b
        .get(&format!(
            "{}/signup?response_type=code&client_id={}&redirect_uri={}",
            s.base,
            s.client,
            enc("https://evil.test/cb")
        ))
        .await;
    assert_eq!(bad_redirect.status, 400);
    assert!(bad_redirect.location().is_none());
    let error = b
        .get(&format!(
            "{}/error?error=redirect_mismatch&client_id={}",
            s.base, s.client
        ))
        .await;
    assert_eq!(error.status, 400);
    assert!(error.body.contains("not registered"));
    assert!(error.body.contains("Web App"));
    // Another error of a valid request goes back to the client, like /oauth2/authorize.
    let bad_scope = b
        .get(
            &s.page_with("/login", "x=1")
                .replace("scope=openid+email", "scope=phone"),
        )
        .await;
    assert_eq!(bad_scope.status, 303);
    assert!(
        bad_scope
            .location()
            .unwrap()
            .starts_with(&format!("{CB}?error=invalid_scope"))
    );
}
