//! An example trigger service for cogito, written with `cogito-trigger`:
//!
//! - **PreSignUp**: a sign-up with an e-mail address of the company's domain is confirmed and
//!   its e-mail marked verified at once; anyone else confirms with a code as usual, and a
//!   sign-up whose `ValidationData` carries `invite=refused` is refused.
//! - **PreTokenGeneration** (V2_0): every token carries a `tenant` claim (the e-mail's domain)
//!   and the access token the scope `tenant/<tenant>`; the phone number is kept out of ID tokens.
//!
//! Map the functions in `cogito.toml` (`[triggers] pre-signup = "http://127.0.0.1:8099/"`,
//! `pre-token = "http://127.0.0.1:8099/"`) and name them in the pool's `LambdaConfig`.

use cogito_trigger::{Event, TriggerError, router};
use serde_json::json;

/// The service: one router for both functions (the event says which one runs).
pub fn app(secret: Vec<u8>, company_domain: String) -> axum::Router {
    router(secret, move |event: Event| {
        let domain = company_domain.clone();
        async move { handle(event, &domain) }
    })
}

fn email_domain(event: &Event) -> Option<String> {
    let email = event.user_attribute("email")?;
    email.rsplit_once('@').map(|(_, d)| d.to_lowercase())
}

fn handle(mut event: Event, company_domain: &str) -> Result<Event, TriggerError> {
    match event.trigger_source.as_str() {
        "PreSignUp_SignUp" => {
            let invite = event
                .request
                .get("validationData")
                .and_then(|v| v.get("invite"))
                .and_then(|v| v.as_str());
            if invite == Some("refused") {
                return Err(TriggerError::new("This invitation was withdrawn"));
            }
            if email_domain(&event).as_deref() == Some(company_domain) {
                let r = event.response_mut();
                r.insert("autoConfirmUser".into(), true.into());
                r.insert("autoVerifyEmail".into(), true.into());
            }
        }
        source if source.starts_with("TokenGeneration_") => {
            let tenant = email_domain(&event).unwrap_or_else(|| "none".into());
            event.response_mut().insert(
                "claimsAndScopeOverrideDetails".into(),
                json!({
                    "idTokenGeneration": {
                        "claimsToAddOrOverride": { "tenant": tenant },
                        "claimsToSuppress": ["phone_number", "phone_number_verified"],
                    },
                    "accessTokenGeneration": {
                        "claimsToAddOrOverride": { "tenant": tenant },
                        "scopesToAdd": [format!("tenant/{tenant}")],
                    },
                }),
            );
        }
        _ => {}
    }
    Ok(event)
}
