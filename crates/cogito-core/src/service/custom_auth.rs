//! `CUSTOM_AUTH` (reference §5.9): the pool's define-auth-challenge function decides each step
//! from the session so far; create-auth-challenge makes a `CUSTOM_CHALLENGE` whose private half
//! stays in the sealed auth session; verify-auth-challenge-response judges the answer. A flow
//! started with `SRP_A` proves the password first (`PASSWORD_VERIFIER`). Under
//! `PreventUserExistenceErrors=ENABLED` an unknown name runs the same loop with `userNotFound`,
//! and can never be issued tokens. A flow has at most [`MAX_ROUNDS`] steps. When the define
//! function issues tokens, the pool's second factor still follows, as after a password.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::Cogito;
use super::auth::{AuthOutcome, Challenge, ChallengeName, param};
use super::challenge::{OpenSession, SessionState};
use super::mfa::Next;
use super::triggers::{Caller, Event, flag, user_attributes};
use crate::error::{CoreError, CoreResult};
use crate::model::{AppClient, TriggerKind, User, UserPool};

/// The most steps (challenges asked, including the password proof) one flow may take.
pub const MAX_ROUNDS: usize = 10;

/// One finished step of the flow, as the triggers' `session` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Round {
    /// `SRP_A`, `PASSWORD_VERIFIER`, `CUSTOM_CHALLENGE`.
    pub challenge_name: String,
    /// Whether the step succeeded.
    pub challenge_result: bool,
    /// `challengeMetadata` the create function gave the challenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_metadata: Option<String>,
}

/// Whose flow it is: a user, or (existence errors hidden) a name no user has.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one short-lived value per request
pub(crate) enum Who {
    User(User),
    Unknown(String),
}

impl Who {
    fn name(&self) -> &str {
        match self {
            Self::User(u) => &u.username,
            Self::Unknown(n) => n,
        }
    }

    fn attributes(&self) -> Value {
        match self {
            Self::User(u) => user_attributes(u),
            Self::Unknown(_) => json!({}),
        }
    }

    /// An event of the challenge loop about this user or name.
    fn event<'a>(
        &'a self,
        kind: TriggerKind,
        source: &'static str,
        client: &'a AppClient,
    ) -> Event<'a> {
        let event = Event::new(kind, source, self.name(), Caller::of(&client.client_id))
            .with("userAttributes", self.attributes());
        match self {
            Self::User(_) => event,
            Self::Unknown(_) => event.with("userNotFound", Value::Bool(true)),
        }
    }
}

fn rounds_json(rounds: &[Round]) -> Value {
    Value::Array(
        rounds
            .iter()
            .map(|r| {
                json!({
                    "challengeName": r.challenge_name,
                    "challengeResult": r.challenge_result,
                    "challengeMetadata": r.challenge_metadata,
                })
            })
            .collect(),
    )
}

fn incorrect() -> CoreError {
    CoreError::incorrect_credentials()
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), text)
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Cogito {
    /// `InitiateAuth` / `AdminInitiateAuth` with `CUSTOM_AUTH`.
    pub(crate) async fn custom_auth(
        &self,
        pool: &UserPool,
        client: &AppClient,
        params: &HashMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        if pool
            .triggers
            .arn(TriggerKind::DefineAuthChallenge)
            .is_none()
        {
            return Err(CoreError::invalid(
                "Custom auth lambda trigger is not configured for the user pool.",
            ));
        }
        let username = param(params, "USERNAME")?;
        let secret_hash = params.get("SECRET_HASH").map(String::as_str);
        let user = self
            .public_user(client, pool, username, secret_hash)
            .await?;
        let who = match user {
            Some(u) => {
                if !client.prevents_existence_errors() {
                    self.sign_in_gates(&u)?;
                }
                Who::User(u)
            }
            None if client.prevents_existence_errors() => Who::Unknown(username.to_owned()),
            None => return Err(CoreError::user_not_found()),
        };
        let caller = Caller::of(&client.client_id);
        let known = match &who {
            Who::User(u) => Some(u),
            Who::Unknown(_) => None,
        };
        self.pre_authentication(pool, username, known, caller)
            .await?;
        let rounds = match params.get("SRP_A") {
            Some(_) => vec![Round {
                challenge_name: "SRP_A".into(),
                challenge_result: true,
                challenge_metadata: None,
            }],
            None => Vec::new(),
        };
        match self
            .custom_step(pool, client, who, rounds, Some(params))
            .await?
        {
            Step::Next(next) => self.outcome(pool, client, next, None).await,
            Step::Srp(rounds) => self.srp_challenge(pool, client, params, Some(rounds)).await,
        }
    }

    /// Asks the define function what follows `rounds`: failure, tokens, or the next challenge.
    pub(crate) async fn custom_step(
        &self,
        pool: &UserPool,
        client: &AppClient,
        who: Who,
        rounds: Vec<Round>,
        start: Option<&HashMap<String, String>>,
    ) -> CoreResult<Step> {
        if rounds.len() >= MAX_ROUNDS {
            return Err(incorrect());
        }
        let define = who
            .event(
                TriggerKind::DefineAuthChallenge,
                "DefineAuthChallenge_Authentication",
                client,
            )
            .with("session", rounds_json(&rounds));
        let decision = self.run_trigger(pool, define).await?.unwrap_or_default();
        if flag(&decision, "failAuthentication") {
            return Err(incorrect());
        }
        if flag(&decision, "issueTokens") {
            let Who::User(user) = who else {
                return Err(incorrect());
            };
            self.sign_in_gates(&user)?;
            // As after a password: a pool's second factor is still asked for (MFA `ON` never
            // issues tokens on a custom proof alone).
            let next = self.after_password(pool, client, user, None).await?;
            return Ok(Step::Next(next));
        }
        match decision.get("challengeName").and_then(Value::as_str) {
            Some("CUSTOM_CHALLENGE") => self.custom_challenge(pool, client, who, rounds).await,
            Some("PASSWORD_VERIFIER")
                if start.is_some_and(|p| p.contains_key("SRP_A")) && rounds.len() == 1 =>
            {
                Ok(Step::Srp(rounds))
            }
            _ => Err(CoreError::InvalidLambdaResponse(
                "Unrecognizable lambda output".into(),
            )),
        }
    }

    async fn custom_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        who: Who,
        rounds: Vec<Round>,
    ) -> CoreResult<Step> {
        let create = who
            .event(
                TriggerKind::CreateAuthChallenge,
                "CreateAuthChallenge_Authentication",
                client,
            )
            .with("challengeName", json!("CUSTOM_CHALLENGE"))
            .with("session", rounds_json(&rounds));
        let made = self.run_trigger(pool, create).await?.unwrap_or_default();
        let mut parameters = string_map(made.get("publicChallengeParameters"));
        parameters.insert("USERNAME".into(), who.name().to_owned());
        let private = made
            .get("privateChallengeParameters")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new()));
        let state = SessionState::Custom {
            rounds,
            private: private.to_string(),
            metadata: made
                .get("challengeMetadata")
                .and_then(Value::as_str)
                .map(str::to_owned),
            unknown: match &who {
                Who::Unknown(n) => Some(n.clone()),
                Who::User(_) => None,
            },
        };
        let sub = match &who {
            Who::User(u) => u.sub.as_str(),
            Who::Unknown(_) => "",
        };
        let session = self
            .issue_session_of(pool, client, sub, ChallengeName::CustomChallenge, &state)
            .await?;
        Ok(Step::Next(Next::Challenge(Challenge {
            name: ChallengeName::CustomChallenge,
            session,
            parameters,
        })))
    }

    /// The answer to a `CUSTOM_CHALLENGE`: judged by the verify function, added to the
    /// session's rounds, then the define function decides again.
    pub(crate) async fn answer_custom(
        &self,
        pool: &UserPool,
        client: &AppClient,
        open: OpenSession,
        responses: &HashMap<String, String>,
    ) -> CoreResult<Next> {
        let SessionState::Custom {
            rounds,
            private,
            metadata,
            unknown,
        } = &open.state
        else {
            return Err(super::challenge::session_expired());
        };
        let username = param(responses, "USERNAME")?;
        let answer = param(responses, "ANSWER")?;
        let who = match unknown {
            Some(name) => Who::Unknown(name.clone()),
            None => Who::User(self.session_user(pool, &open).await?),
        };
        crate::secret_hash::check(
            client,
            &[username, who.name()],
            responses.get("SECRET_HASH").map(String::as_str),
        )?;
        let private: Value = serde_json::from_str(private).unwrap_or_default();
        let verify = who
            .event(
                TriggerKind::VerifyAuthChallengeResponse,
                "VerifyAuthChallengeResponse_Authentication",
                client,
            )
            .with("privateChallengeParameters", private)
            .with("challengeAnswer", Value::String(answer.to_owned()));
        let judged = self.run_trigger(pool, verify).await?.unwrap_or_default();
        let mut rounds = rounds.clone();
        rounds.push(Round {
            challenge_name: "CUSTOM_CHALLENGE".into(),
            challenge_result: flag(&judged, "answerCorrect"),
            challenge_metadata: metadata.clone(),
        });
        self.close_session(&open).await?;
        match self.custom_step(pool, client, who, rounds, None).await? {
            Step::Next(next) => Ok(next),
            Step::Srp(_) => Err(incorrect()),
        }
    }
}

/// What the define function asked for.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one short-lived value per request
pub(crate) enum Step {
    /// Tokens or a challenge.
    Next(Next),
    /// The SRP password proof first (the flow was started with `SRP_A`).
    Srp(Vec<Round>),
}
