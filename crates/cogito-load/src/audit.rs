//! The audit after the load (security bar §2.1, "nothing acknowledged lost"): every
//! acknowledged sign-up is there (confirmed when its confirmation was acknowledged), every
//! user AdminCreateUser acknowledged exists, and every revoked session stays revoked on every
//! instance — on PostgreSQL with two instances, a write acknowledged by one is checked on the
//! other.

use serde_json::json;

use crate::ops::{self, Outcome};
use crate::signed;
use crate::world::World;

/// What the audit found wrong (empty when it passed), and a summary line.
pub async fn audit(w: &World) -> (Vec<String>, String) {
    let (signed_up, created, revoked) = {
        let l = w.ledger.lock().expect("ledger");
        (l.signed_up.clone(), l.created.clone(), l.revoked.clone())
    };
    let mut found = Vec::new();
    // Reads go to the last instance: the other one, for writes the first acknowledged.
    let reader = w.targets.last().expect("an instance");
    let get = |name: &str| {
        let body = json!({"UserPoolId": w.pool, "Username": name});
        async move { signed::call(&w.http, reader, "AdminGetUser", &body).await }
    };
    for (name, confirmed) in &signed_up {
        match get(name).await {
            Ok(u) => {
                let status = u.get("UserStatus").and_then(|s| s.as_str());
                if *confirmed && status != Some("CONFIRMED") {
                    found.push(format!("{name}: confirmed, but {status:?}"));
                }
            }
            Err(e) => found.push(format!("acknowledged sign-up {name} not found: {e:?}")),
        }
    }
    for name in &created {
        if let Err(e) = get(name).await {
            found.push(format!("created user {name} not found: {e:?}"));
        }
    }
    for token in &revoked {
        for url in &w.targets {
            let body = json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": w.client,
                "AuthParameters": {"REFRESH_TOKEN": token}});
            match ops::call(&w.http, url, "InitiateAuth", &body).await {
                Err(Outcome::Failed(m)) if m.contains(" NotAuthorizedException ") => {}
                other => found.push(format!(
                    "a revoked refresh token answered {other:?} at {url}"
                )),
            }
        }
    }
    let summary = format!(
        "audit: {} sign-ups, {} created users, {} revoked sessions (on {} instance(s)) checked",
        signed_up.len(),
        created.len(),
        revoked.len(),
        w.targets.len()
    );
    (found, summary)
}
