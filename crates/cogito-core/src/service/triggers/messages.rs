//! The custom-message trigger (reference §6.4): before a prepared message is committed, the
//! pool's function may replace its text. It gets the placeholders (`{####}` for the code or
//! temporary password, `{username}` for invitations) and answers `smsMessage`, `emailMessage`
//! and `emailSubject` containing them; cogito substitutes the real values. E-mail bodies may
//! be HTML. A message the function leaves alone keeps the pool's template.

use serde_json::{Value, json};

use super::{Caller, Event};
use crate::error::{CoreError, CoreResult};
use crate::model::{DeliveryMedium, TriggerKind, User, UserPool};
use crate::service::Cogito;
use crate::service::messages::Mail;

/// The code placeholder.
const CODE: &str = "{####}";
/// The username placeholder of invitations.
const USERNAME: &str = "{username}";
/// The longest SMS and e-mail body after substitution.
const MAX_SMS: usize = 1600;
const MAX_EMAIL: usize = 20_000;

/// `triggerSource` of a message, by what it was composed for.
fn source(purpose: &str) -> &'static str {
    match purpose {
        "SignUp" => "CustomMessage_SignUp",
        "ResendCode" => "CustomMessage_ResendCode",
        "ForgotPassword" | "AdminResetUserPassword" => "CustomMessage_ForgotPassword",
        "AdminCreateUser" => "CustomMessage_AdminCreateUser",
        "UpdateUserAttribute" => "CustomMessage_UpdateUserAttribute",
        "mfa" => "CustomMessage_Authentication",
        _ => "CustomMessage_VerifyUserAttribute",
    }
}

fn bad(why: &str) -> CoreError {
    CoreError::InvalidLambdaResponse(format!("CustomMessage: {why}"))
}

impl Cogito {
    /// Runs the pool's custom-message function on every message prepared in `mail` for
    /// `user`, before the operation commits it.
    pub(crate) async fn custom_messages(
        &self,
        pool: &UserPool,
        user: &User,
        mail: &mut Mail,
        caller: Caller<'_>,
    ) -> CoreResult<()> {
        if pool.triggers.arn(TriggerKind::CustomMessage).is_none() {
            return Ok(());
        }
        for i in 0..mail.prepared().len() {
            let message = mail.prepared()[i].clone();
            let invitation = message.purpose == "AdminCreateUser";
            let event = Event::new(
                TriggerKind::CustomMessage,
                source(&message.purpose),
                &user.username,
                caller,
            )
            .with_user(user)
            .with("codeParameter", json!(CODE))
            .with("linkParameter", json!("{##Click Here##}"))
            .with(
                "usernameParameter",
                if invitation {
                    json!(USERNAME)
                } else {
                    Value::Null
                },
            );
            let Some(response) = self.run_trigger(pool, event).await? else {
                continue;
            };
            let text = |k: &str| response.get(k).and_then(Value::as_str).map(str::to_owned);
            let (body, subject) = match message.medium {
                DeliveryMedium::Sms => (text("smsMessage"), None),
                DeliveryMedium::Email => (text("emailMessage"), text("emailSubject")),
            };
            let mut changed = message.clone();
            if let Some(body) = body {
                if !body.contains(CODE) {
                    return Err(bad("the message must contain the code parameter {####}"));
                }
                if invitation && !body.contains(USERNAME) {
                    return Err(bad(
                        "an invitation must contain the username parameter {username}",
                    ));
                }
                changed.body = body
                    .replace(CODE, message.code.as_deref().unwrap_or_default())
                    .replace(USERNAME, &user.username);
                let limit = match message.medium {
                    DeliveryMedium::Sms => MAX_SMS,
                    DeliveryMedium::Email => MAX_EMAIL,
                };
                if changed.body.chars().count() > limit {
                    return Err(bad("the message is too long"));
                }
            }
            if let Some(subject) = subject {
                changed.subject = subject;
            }
            if changed != message {
                let sealed = self.seal_message(&changed);
                mail.replace(i, changed, sealed);
            }
        }
        Ok(())
    }
}
