//! The operations of the load and their mixes (security bar §2.1, profile M1), sent as a real
//! client sends them: the JSON API over HTTP (public operations unsigned, admin operations
//! SigV4-signed with aws-sigv4), the OAuth token endpoint as a form post.
//!
//! Deviations from M1, because the instances run without `--dev` and so show nobody their
//! outbox: a sign-up is confirmed with AdminConfirmSignUp instead of ConfirmSignUp, and the
//! forgotten-password share sends ForgotPassword only.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cogito_core::srp::client::{Challenge, ClientSide, timestamp_now};
use num_bigint::BigUint;
use serde_json::{Value, json};

use crate::signed;
use crate::world::{PASSWORD, World, session_of};

/// One kind of request of the load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    /// InitiateAuth REFRESH_TOKEN_AUTH.
    Refresh,
    /// GetUser.
    GetUser,
    /// InitiateAuth USER_PASSWORD_AUTH.
    Password,
    /// InitiateAuth USER_SRP_AUTH, then RespondToAuthChallenge PASSWORD_VERIFIER.
    Srp,
    /// `/oauth2/token` with the refresh_token grant.
    OAuthRefresh,
    /// SignUp, then AdminConfirmSignUp.
    SignUp,
    /// AdminCreateUser, AdminUpdateUserAttributes or ListUsers, in turn.
    Admin,
    /// ListUsers alone (a calibration class).
    ListUsers,
    /// RevokeToken of a spare session (from a password sign-in).
    Revoke,
    /// A password sign-in of a user who signed up during the load, then GlobalSignOut (each
    /// such user once, so that no other session of the load is signed out with it).
    SignOut,
    /// ForgotPassword.
    Forgot,
}

impl Op {
    /// Whether the operation hashes a password or runs SRP (the slower latency objective).
    pub fn heavy(self) -> bool {
        matches!(
            self,
            Op::Password | Op::Srp | Op::SignUp | Op::Admin | Op::SignOut
        )
    }

    /// Whether the operation is one call (a refusal's latency is then the refused call's).
    pub fn single_call(self) -> bool {
        !matches!(self, Op::Srp | Op::SignUp | Op::SignOut)
    }

    /// The name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Op::Refresh => "refresh",
            Op::GetUser => "GetUser",
            Op::Password => "password sign-in",
            Op::Srp => "SRP sign-in",
            Op::OAuthRefresh => "oauth2/token refresh",
            Op::SignUp => "SignUp+confirm",
            Op::Admin => "admin ops",
            Op::ListUsers => "ListUsers",
            Op::Revoke => "RevokeToken",
            Op::SignOut => "sign-in+GlobalSignOut",
            Op::Forgot => "ForgotPassword",
        }
    }
}

/// Shares of operations: request `i` runs `ops[(i * STRIDE) % ops.len()]`.
#[derive(Debug, Clone)]
pub struct Mix {
    /// The name in reports.
    pub name: &'static str,
    ops: Vec<Op>,
}

/// Spreads each operation's share over the sequence.
const STRIDE: u64 = 37;

impl Mix {
    /// Profile M1 of the security bar (shares per hundred requests).
    pub fn m1() -> Self {
        let shares = [
            (Op::Refresh, 50),
            (Op::GetUser, 20),
            (Op::Password, 10),
            (Op::Srp, 5),
            (Op::OAuthRefresh, 5),
            (Op::SignUp, 4),
            (Op::Admin, 3),
            (Op::Revoke, 1),
            (Op::SignOut, 1),
            (Op::Forgot, 1),
        ];
        let ops = shares
            .iter()
            .flat_map(|&(op, n)| std::iter::repeat_n(op, n))
            .collect();
        Self { name: "M1", ops }
    }

    /// One operation alone.
    pub fn only(op: Op) -> Self {
        Self {
            name: op.name(),
            ops: vec![op],
        }
    }

    /// The operation of request `i`.
    pub fn pick(&self, i: u64) -> Op {
        self.ops[((i * STRIDE) % self.ops.len() as u64) as usize]
    }
}

/// How a request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done as asked.
    Ok,
    /// Refused as overload: `TooManyRequestsException` (400), or 503/429 with `Retry-After` from
    /// an OAuth endpoint.
    Shed,
    /// Any other answer (`"<status> <error>"`).
    Failed(String),
    /// No answer (connection refused or reset, timeout).
    Transport(String),
}

/// Calls a public JSON API operation; the answer's body, or how it failed.
pub async fn call(
    http: &reqwest::Client,
    url: &str,
    op: &str,
    body: &Value,
) -> Result<Value, Outcome> {
    let sent = http
        .post(url)
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .body(body.to_string())
        .send()
        .await;
    answer(op, sent).await
}

/// A request that got no answer, with the causes of its error (reqwest's own message names
/// only the step, e.g. "error sending request for url (…)").
fn transport(e: &reqwest::Error) -> Outcome {
    let mut message = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        message.push_str(": ");
        message.push_str(&c.to_string());
        cause = c.source();
    }
    Outcome::Transport(message)
}

/// The body of a JSON API answer, or how the call failed.
pub async fn answer(
    op: &str,
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<Value, Outcome> {
    let resp = sent.map_err(|e| transport(&e))?;
    let status = resp.status().as_u16();
    let text = resp.text().await.map_err(|e| transport(&e))?;
    let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if status == 200 {
        return Ok(answer);
    }
    let kind = answer
        .get("__type")
        .and_then(Value::as_str)
        .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned())
        .unwrap_or_default();
    let message = answer
        .get("message")
        .or_else(|| answer.get("Message"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind == "TooManyRequestsException" && status == 400 {
        Err(Outcome::Shed)
    } else {
        Err(Outcome::Failed(format!("{op} {status} {kind} ({message})")))
    }
}

fn outcome(r: Result<Value, Outcome>) -> Outcome {
    r.map_or_else(|o| o, |_| Outcome::Ok)
}

/// A well-spread function of the request number (splitmix64), so that the user a request
/// picks does not follow the operation it runs.
fn mix64(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Runs request `i` of operation `op`.
pub async fn run(w: &World, op: Op, i: u64) -> Outcome {
    let t = (i % w.targets.len() as u64) as usize;
    let url = &w.targets[t];
    let user = &w.users[(mix64(i) % w.users.len() as u64) as usize];
    match op {
        Op::Refresh => {
            let refresh = user.session.lock().expect("session").refresh.clone();
            let body = json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": w.client,
                "AuthParameters": {"REFRESH_TOKEN": refresh}});
            match call(&w.http, url, "InitiateAuth", &body).await {
                Ok(answer) => {
                    if let Some(access) = answer
                        .pointer("/AuthenticationResult/AccessToken")
                        .and_then(Value::as_str)
                    {
                        user.session.lock().expect("session").access = access.to_owned();
                    }
                    Outcome::Ok
                }
                Err(o) => o,
            }
        }
        Op::GetUser => {
            let access = user.session.lock().expect("session").access.clone();
            outcome(call(&w.http, url, "GetUser", &json!({"AccessToken": access})).await)
        }
        Op::Password => {
            let body = json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": w.client,
                "AuthParameters": {"USERNAME": user.name, "PASSWORD": PASSWORD}});
            match call(&w.http, url, "InitiateAuth", &body).await {
                Ok(answer) => match session_of(&answer) {
                    Some(s) => {
                        w.keep_spare(s);
                        Outcome::Ok
                    }
                    None => Outcome::Failed("InitiateAuth gave no tokens".into()),
                },
                Err(o) => o,
            }
        }
        Op::Srp => srp(w, url, &user.name).await,
        Op::OAuthRefresh => oauth_refresh(w, url, user).await,
        Op::SignUp => sign_up(w, t).await,
        Op::Admin => admin(w, t, i, &user.name).await,
        Op::ListUsers => list_users(w, t).await,
        Op::Revoke => revoke(w, url).await,
        Op::SignOut => sign_out(w, url).await,
        Op::Forgot => {
            let turn = w
                .forgotten
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let user = &w.users[(turn % w.users.len() as u64) as usize];
            let body = json!({"ClientId": w.client, "Username": user.name});
            outcome(call(&w.http, url, "ForgotPassword", &body).await)
        }
    }
}

async fn oauth_refresh(w: &World, url: &str, user: &crate::world::User) -> Outcome {
    let refresh = user.session.lock().expect("session").refresh.clone();
    let form = format!(
        "grant_type=refresh_token&client_id={}&refresh_token={}",
        w.client,
        form_encode(&refresh)
    );
    let resp = w
        .http
        .post(format!("{url}/domain/{}/oauth2/token", w.domain))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await;
    match resp {
        Ok(r) if r.status().is_success() => match r.bytes().await {
            Ok(_) => Outcome::Ok,
            Err(e) => transport(&e),
        },
        // Refused as overload (503) or by a rate limit (429), with when to come back.
        Ok(r)
            if matches!(r.status().as_u16(), 429 | 503)
                && r.headers().contains_key("retry-after") =>
        {
            Outcome::Shed
        }
        Ok(r) => Outcome::Failed(format!("oauth2/token {}", r.status().as_u16())),
        Err(e) => transport(&e),
    }
}

/// `application/x-www-form-urlencoded` escaping of a value.
fn form_encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn sign_up(w: &World, t: usize) -> Outcome {
    let name = w.fresh_name("signup");
    let body = json!({"ClientId": w.client, "Username": name, "Password": PASSWORD,
        "UserAttributes": [{"Name": "email", "Value": format!("{name}@load.example")}]});
    if let Err(o) = call(&w.http, &w.targets[t], "SignUp", &body).await {
        return o;
    }
    let body = json!({"UserPoolId": w.pool, "Username": name});
    let confirmed =
        outcome(signed::call(&w.http, &w.targets[t], "AdminConfirmSignUp", &body).await);
    let acked = confirmed == Outcome::Ok;
    if acked {
        w.signed_up
            .lock()
            .expect("signed up")
            .push_back(name.clone());
    }
    w.ledger
        .lock()
        .expect("ledger")
        .signed_up
        .push((name, acked));
    confirmed
}

async fn admin(w: &World, t: usize, i: u64, user: &str) -> Outcome {
    let url = &w.targets[t];
    match (i / 100) % 3 {
        0 => {
            let name = w.fresh_name("created");
            let body = json!({"UserPoolId": w.pool, "Username": name, "MessageAction": "SUPPRESS"});
            let o = outcome(signed::call(&w.http, url, "AdminCreateUser", &body).await);
            if o == Outcome::Ok {
                w.ledger.lock().expect("ledger").created.push(name);
            }
            o
        }
        1 => {
            let body = json!({"UserPoolId": w.pool, "Username": user,
                "UserAttributes": [{"Name": "name", "Value": format!("n{i}")}]});
            outcome(signed::call(&w.http, url, "AdminUpdateUserAttributes", &body).await)
        }
        _ => list_users(w, t).await,
    }
}

async fn list_users(w: &World, t: usize) -> Outcome {
    let body = json!({"UserPoolId": w.pool, "Limit": 10});
    outcome(signed::call(&w.http, &w.targets[t], "ListUsers", &body).await)
}

async fn revoke(w: &World, url: &str) -> Outcome {
    let spare = w.spare.lock().expect("spare").pop_front();
    let Some(s) = spare else {
        // No password sign-in has left a session yet: revoke a made-up token instead.
        let body = json!({"ClientId": w.client, "Token": "not-a-token"});
        return outcome(call(&w.http, url, "RevokeToken", &body).await).ignore_unauthorized();
    };
    let body = json!({"ClientId": w.client, "Token": s.refresh});
    let o = outcome(call(&w.http, url, "RevokeToken", &body).await);
    if o == Outcome::Ok {
        w.ledger.lock().expect("ledger").revoked.push(s.refresh);
    }
    o
}

async fn sign_out(w: &World, url: &str) -> Outcome {
    let Some(name) = w.signed_up.lock().expect("signed up").pop_front() else {
        // Nobody has signed up yet: sign out a made-up token instead.
        let body = json!({"AccessToken": "not-a-token"});
        return outcome(call(&w.http, url, "GlobalSignOut", &body).await).ignore_unauthorized();
    };
    let body = json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": w.client,
        "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD}});
    let s = match call(&w.http, url, "InitiateAuth", &body).await {
        Ok(answer) => match session_of(&answer) {
            Some(s) => s,
            None => return Outcome::Failed("InitiateAuth gave no tokens".into()),
        },
        Err(o) => return o,
    };
    let o = outcome(
        call(
            &w.http,
            url,
            "GlobalSignOut",
            &json!({"AccessToken": s.access}),
        )
        .await,
    );
    if o == Outcome::Ok {
        w.ledger.lock().expect("ledger").revoked.push(s.refresh);
    }
    o
}

impl Outcome {
    /// A `NotAuthorizedException` (the expected answer to a made-up token) counts as done.
    fn ignore_unauthorized(self) -> Outcome {
        match self {
            Outcome::Failed(m) if m.contains(" NotAuthorizedException ") => Outcome::Ok,
            other => other,
        }
    }
}

/// USER_SRP_AUTH then PASSWORD_VERIFIER, as amazon-cognito-identity-js computes them.
async fn srp(w: &World, url: &str, username: &str) -> Outcome {
    let side = ClientSide::new();
    let body = json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": w.client,
        "AuthParameters": {"USERNAME": username, "SRP_A": side.big_a.to_str_radix(16)}});
    let started = match call(&w.http, url, "InitiateAuth", &body).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let param = |k: &str| {
        started
            .pointer(&format!("/ChallengeParameters/{k}"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let realm = w.pool.split_once('_').map_or(w.pool.as_str(), |(_, n)| n);
    let user_id = param("USER_ID_FOR_SRP");
    let block = param("SECRET_BLOCK");
    let (Some(salt), Some(big_b), Ok(secret)) = (
        BigUint::parse_bytes(param("SALT").as_bytes(), 16),
        BigUint::parse_bytes(param("SRP_B").as_bytes(), 16),
        STANDARD.decode(&block),
    ) else {
        return Outcome::Failed("InitiateAuth USER_SRP_AUTH: malformed challenge".into());
    };
    let challenge = Challenge {
        realm,
        user_id: &user_id,
        salt: &salt,
        big_b: &big_b,
        secret_block: &secret,
    };
    let timestamp = timestamp_now();
    let signature = side.claim(&challenge, PASSWORD, &timestamp);
    let body = json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": w.client,
    "ChallengeResponses": {
        "USERNAME": user_id,
        "PASSWORD_CLAIM_SECRET_BLOCK": block,
        "TIMESTAMP": timestamp,
        "PASSWORD_CLAIM_SIGNATURE": STANDARD.encode(signature),
    }});
    match call(&w.http, url, "RespondToAuthChallenge", &body).await {
        Ok(answer) if session_of(&answer).is_some() => Outcome::Ok,
        Ok(_) => Outcome::Failed("PASSWORD_VERIFIER gave no tokens".into()),
        Err(o) => o,
    }
}
