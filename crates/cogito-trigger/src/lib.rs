//! Write cogito triggers in a few lines.
//!
//! cogito calls a pool's trigger functions (Cognito's `LambdaConfig`) by `POST`ing Cognito's
//! event JSON to the endpoint its configuration maps the function's ARN to. Each request carries
//! `X-Cogito-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` under the
//! installation's trigger secret. A function answers `200` with the whole event, `response`
//! filled in, or a non-2xx status with `{"errorMessage": "…"}`, which cogito reports to the
//! caller as `UserLambdaValidationException` (`<Trigger> failed with error <message>.`).
//!
//! ```no_run
//! use cogito_trigger::{Event, TriggerError, router};
//!
//! # async fn run() {
//! let app = router(b"the trigger secret".to_vec(), |mut event: Event| async move {
//!     if event.trigger_source == "PreSignUp_SignUp" {
//!         let email = event.user_attribute("email").unwrap_or_default();
//!         if !email.ends_with("@example.com") {
//!             return Err(TriggerError::new("Only example.com addresses may sign up"));
//!         }
//!         event.response["autoConfirmUser"] = true.into();
//!     }
//!     Ok(event)
//! });
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8099").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```

pub mod event;
pub mod handler;
pub mod signature;

pub use event::Event;
pub use handler::{TriggerError, router};
pub use signature::{SIGNATURE_HEADER, SignatureError, sign, verify};
