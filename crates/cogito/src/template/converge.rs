//! Brings a server in line with a template: reads what is there through the API, lists the
//! differences, and (when applying) makes the calls that remove them. A setting counts as
//! different only when the template names it and the server holds another value, so applying
//! the same file twice changes nothing the second time. `Update…` operations replace every
//! member, so an update sends the current values with the template's on top
//! ([`update_input`], shared with the admin console).

use serde_json::{Map, Value, json};

use super::PoolSpec;
use cogito_server::cognito_api::wire::update_input;

use crate::api::{Api, is_error};

/// Pool settings fixed at creation.
const POOL_CREATE_ONLY: &[&str] = &[
    "Schema",
    "AliasAttributes",
    "UsernameAttributes",
    "UsernameConfiguration",
];

/// Client settings fixed at creation.
const CLIENT_CREATE_ONLY: &[&str] = &["GenerateSecret", "ClientSecret"];

/// How the children of one kind are read, created and updated.
struct Kind {
    /// In messages.
    label: &'static str,
    /// The member naming one.
    key: &'static str,
    describe: &'static str,
    /// The member of the describe output holding it.
    described: &'static str,
    create: &'static str,
    update: &'static str,
}

const RESOURCE_SERVERS: Kind = Kind {
    label: "resource server",
    key: "Identifier",
    describe: "DescribeResourceServer",
    described: "ResourceServer",
    create: "CreateResourceServer",
    update: "UpdateResourceServer",
};

const GROUPS: Kind = Kind {
    label: "group",
    key: "GroupName",
    describe: "GetGroup",
    described: "Group",
    create: "CreateGroup",
    update: "UpdateGroup",
};

/// What a run found (and, when applying, did).
#[derive(Debug, Default)]
pub struct Outcome {
    /// One line per change: `+` create, `~` update.
    pub changes: Vec<String>,
    /// Things to tell: client secrets (shown once), settings that cannot change.
    pub notes: Vec<String>,
}

/// Compares the server with `pools` and, with `apply`, makes it match.
pub async fn converge(api: &Api, pools: &[PoolSpec], apply: bool) -> anyhow::Result<Outcome> {
    let mut out = Outcome::default();
    let existing = api
        .list_all(
            "ListUserPools",
            json!({ "MaxResults": 60 }),
            "UserPools",
            "NextToken",
        )
        .await?;
    for pool in pools {
        let id = existing
            .iter()
            .find(|p| p["Name"] == pool.name.as_str())
            .and_then(|p| p["Id"].as_str())
            .map(str::to_owned);
        Converger {
            api,
            apply,
            out: &mut out,
        }
        .pool(pool, id)
        .await?;
    }
    Ok(out)
}

struct Converger<'a> {
    api: &'a Api,
    apply: bool,
    out: &'a mut Outcome,
}

impl Converger<'_> {
    async fn pool(&mut self, spec: &PoolSpec, id: Option<String>) -> anyhow::Result<()> {
        let name = &spec.name;
        let (id, described) = match id {
            Some(id) => {
                let described = self
                    .api
                    .call("DescribeUserPool", &json!({ "UserPoolId": id }))
                    .await?["UserPool"]
                    .clone();
                (Some(id), described)
            }
            None => {
                self.out.changes.push(format!("+ pool {name}"));
                let id = if self.apply {
                    let mut input = spec.settings.clone();
                    input.insert("PoolName".into(), json!(name));
                    let created = self
                        .api
                        .call("CreateUserPool", &Value::Object(input))
                        .await?;
                    created["UserPool"]["Id"].as_str().map(str::to_owned)
                } else {
                    None
                };
                (id, Value::Null)
            }
        };
        if !described.is_null() {
            let id = id.as_deref().unwrap_or_default();
            let mut changed = Vec::new();
            for (key, want) in &spec.settings {
                let mut diffs = Vec::new();
                if key == "Schema" {
                    schema_diff(want, &described["SchemaAttributes"], &mut diffs);
                } else {
                    diff(key, want, &described[key.as_str()], &mut diffs);
                }
                if diffs.is_empty() {
                    continue;
                }
                if POOL_CREATE_ONLY.contains(&key.as_str()) {
                    self.out.notes.push(format!(
                        "pool {name}: {key} is fixed at creation; not changed"
                    ));
                } else {
                    changed.extend(diffs);
                }
            }
            if !changed.is_empty() {
                self.out
                    .changes
                    .push(format!("~ pool {name}: {}", changed.join("; ")));
                if self.apply {
                    let input = update_input(
                        "UpdateUserPool",
                        &ids(&[("UserPoolId", id)]),
                        &described,
                        &spec.settings,
                    );
                    self.api.call("UpdateUserPool", &input).await?;
                }
            }
        }
        self.domain(spec, id.as_deref(), &described).await?;
        self.clients(spec, id.as_deref()).await?;
        self.children(
            spec,
            id.as_deref(),
            &spec.resource_servers,
            &RESOURCE_SERVERS,
        )
        .await?;
        self.children(spec, id.as_deref(), &spec.groups, &GROUPS)
            .await?;
        self.users(spec, id.as_deref()).await
    }

    async fn domain(
        &mut self,
        spec: &PoolSpec,
        id: Option<&str>,
        described: &Value,
    ) -> anyhow::Result<()> {
        let Some(want) = &spec.domain else {
            return Ok(());
        };
        let current = described["Domain"].as_str();
        if current == Some(want.as_str()) {
            return Ok(());
        }
        let name = &spec.name;
        match current {
            Some(old) => self
                .out
                .changes
                .push(format!("~ domain of pool {name}: {old} -> {want}")),
            None => self
                .out
                .changes
                .push(format!("+ domain {want} of pool {name}")),
        }
        if let (true, Some(id)) = (self.apply, id) {
            // The new prefix must be free before the old one is given up.
            let taken = self
                .api
                .call("DescribeUserPoolDomain", &json!({ "Domain": want }))
                .await?;
            if taken["DomainDescription"]["UserPoolId"].is_string() {
                anyhow::bail!("domain {want} is already taken");
            }
            if let Some(old) = current {
                self.api
                    .call(
                        "DeleteUserPoolDomain",
                        &json!({ "UserPoolId": id, "Domain": old }),
                    )
                    .await?;
            }
            self.api
                .call(
                    "CreateUserPoolDomain",
                    &json!({ "UserPoolId": id, "Domain": want }),
                )
                .await?;
        }
        Ok(())
    }

    async fn clients(&mut self, spec: &PoolSpec, id: Option<&str>) -> anyhow::Result<()> {
        let existing = match id {
            Some(id) if !spec.clients.is_empty() => {
                self.api
                    .list_all(
                        "ListUserPoolClients",
                        json!({ "UserPoolId": id, "MaxResults": 60 }),
                        "UserPoolClients",
                        "NextToken",
                    )
                    .await?
            }
            _ => Vec::new(),
        };
        for client in &spec.clients {
            let name = client["ClientName"].as_str().unwrap_or_default();
            let found = existing
                .iter()
                .find(|c| c["ClientName"] == name)
                .and_then(|c| c["ClientId"].as_str());
            let Some(client_id) = found else {
                self.out
                    .changes
                    .push(format!("+ client {name} of pool {}", spec.name));
                if let (true, Some(id)) = (self.apply, id) {
                    let mut input = client.clone();
                    input.insert("UserPoolId".into(), json!(id));
                    let created = self
                        .api
                        .call("CreateUserPoolClient", &Value::Object(input))
                        .await?;
                    let c = &created["UserPoolClient"];
                    if let Some(secret) = c["ClientSecret"].as_str() {
                        self.out.notes.push(format!(
                            "client {name}: id {}, secret {secret} (shown once)",
                            c["ClientId"].as_str().unwrap_or_default()
                        ));
                    }
                }
                continue;
            };
            let described = self
                .api
                .call(
                    "DescribeUserPoolClient",
                    &json!({ "UserPoolId": id, "ClientId": client_id }),
                )
                .await?["UserPoolClient"]
                .clone();
            let mut changed = Vec::new();
            for (key, want) in client {
                if CLIENT_CREATE_ONLY.contains(&key.as_str()) {
                    continue;
                }
                diff(key, want, &described[key.as_str()], &mut changed);
            }
            if changed.is_empty() {
                continue;
            }
            self.out.changes.push(format!(
                "~ client {name} of pool {}: {}",
                spec.name,
                changed.join("; ")
            ));
            if self.apply {
                let input = update_input(
                    "UpdateUserPoolClient",
                    &ids(&[
                        ("UserPoolId", id.unwrap_or_default()),
                        ("ClientId", client_id),
                    ]),
                    &described,
                    client,
                );
                self.api.call("UpdateUserPoolClient", &input).await?;
            }
        }
        Ok(())
    }

    /// Children of one kind (resource servers, groups): read by their key, created when
    /// missing, updated when a setting the template names differs.
    async fn children(
        &mut self,
        spec: &PoolSpec,
        id: Option<&str>,
        items: &[Map<String, Value>],
        kind: &Kind,
    ) -> anyhow::Result<()> {
        for item in items {
            let key = item[kind.key].as_str().unwrap_or_default();
            let described = match id {
                Some(id) => {
                    let got = self
                        .api
                        .call(kind.describe, &json!({ "UserPoolId": id, kind.key: key }))
                        .await;
                    match got {
                        Ok(v) => v[kind.described].clone(),
                        Err(e) if is_error(&e, "ResourceNotFoundException") => Value::Null,
                        Err(e) => return Err(e),
                    }
                }
                None => Value::Null,
            };
            if described.is_null() {
                self.out
                    .changes
                    .push(format!("+ {} {key} of pool {}", kind.label, spec.name));
                if let (true, Some(id)) = (self.apply, id) {
                    let mut input = item.clone();
                    input.insert("UserPoolId".into(), json!(id));
                    self.api.call(kind.create, &Value::Object(input)).await?;
                }
                continue;
            }
            let mut changed = Vec::new();
            for (k, want) in item {
                diff(k, want, &described[k.as_str()], &mut changed);
            }
            if changed.is_empty() {
                continue;
            }
            self.out.changes.push(format!(
                "~ {} {key} of pool {}: {}",
                kind.label,
                spec.name,
                changed.join("; ")
            ));
            if self.apply {
                let input = update_input(
                    kind.update,
                    &ids(&[("UserPoolId", id.unwrap_or_default())]),
                    &described,
                    item,
                );
                self.api.call(kind.update, &input).await?;
            }
        }
        Ok(())
    }

    async fn users(&mut self, spec: &PoolSpec, id: Option<&str>) -> anyhow::Result<()> {
        for user in &spec.users {
            let name = user["Username"].as_str().unwrap_or_default();
            if let Some(id) = id {
                let got = self
                    .api
                    .call(
                        "AdminGetUser",
                        &json!({ "UserPoolId": id, "Username": name }),
                    )
                    .await;
                match got {
                    // Seed users are created once; only their groups are completed (an apply
                    // interrupted after the creation finishes the job next time).
                    Ok(_) => {
                        self.user_groups(spec, id, name, user).await?;
                        continue;
                    }
                    Err(e) if is_error(&e, "UserNotFoundException") => {}
                    Err(e) => return Err(e),
                }
            }
            self.out
                .changes
                .push(format!("+ user {name} of pool {}", spec.name));
            let Some(id) = id.filter(|_| self.apply) else {
                continue;
            };
            let mut input = user.clone();
            let password = input.remove("Password");
            let groups = input.remove("Groups");
            input.insert("UserPoolId".into(), json!(id));
            if password.is_some() {
                input
                    .entry("MessageAction")
                    .or_insert_with(|| json!("SUPPRESS"));
            }
            self.api
                .call("AdminCreateUser", &Value::Object(input))
                .await?;
            if let Some(password) = password {
                self.api
                    .call(
                        "AdminSetUserPassword",
                        &json!({ "UserPoolId": id, "Username": name,
                                 "Password": password, "Permanent": true }),
                    )
                    .await?;
            }
            for group in groups
                .as_ref()
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                self.api
                    .call(
                        "AdminAddUserToGroup",
                        &json!({ "UserPoolId": id, "Username": name, "GroupName": group }),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}

/// The template's `Schema` (create-style names: `tenant` for `custom:tenant`) against the
/// described `SchemaAttributes`.
fn schema_diff(want: &Value, have: &Value, out: &mut Vec<String>) {
    for attr in want.as_array().into_iter().flatten() {
        let name = attr["Name"].as_str().unwrap_or_default();
        let found = have.as_array().into_iter().flatten().find(|a| {
            a["Name"] == name || a["Name"].as_str() == Some(format!("custom:{name}").as_str())
        });
        let mut rest = attr.clone();
        if let Some(m) = rest.as_object_mut() {
            m.remove("Name");
        }
        match found {
            Some(have) => diff(&format!("Schema.{name}"), &rest, have, out),
            None => out.push(format!("Schema.{name}: (unset) -> {rest}")),
        }
    }
}

impl Converger<'_> {
    /// Adds an existing seed user to the template's groups it is missing from.
    async fn user_groups(
        &mut self,
        spec: &PoolSpec,
        id: &str,
        name: &str,
        user: &Map<String, Value>,
    ) -> anyhow::Result<()> {
        let Some(wanted) = user.get("Groups").and_then(Value::as_array) else {
            return Ok(());
        };
        let have = self
            .api
            .call(
                "AdminListGroupsForUser",
                &json!({ "UserPoolId": id, "Username": name, "Limit": 60 }),
            )
            .await?;
        for group in wanted {
            let member = have["Groups"]
                .as_array()
                .is_some_and(|gs| gs.iter().any(|g| g["GroupName"] == *group));
            if member {
                continue;
            }
            self.out.changes.push(format!(
                "~ user {name} of pool {}: + group {}",
                spec.name,
                group.as_str().unwrap_or_default()
            ));
            if self.apply {
                self.api
                    .call(
                        "AdminAddUserToGroup",
                        &json!({ "UserPoolId": id, "Username": name, "GroupName": group }),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}

/// The id members of an update.
fn ids(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect()
}

/// Appends `path: current -> wanted` for every part of `want` that `have` does not hold. Objects
/// compare by the keys the template names; lists as sets; `8` equals `"8"` (YAML).
pub fn diff(path: &str, want: &Value, have: &Value, out: &mut Vec<String>) {
    match want {
        Value::Object(w) => {
            if !have.is_object() {
                out.push(format!("{path}: {} -> {}", show(have), show(want)));
                return;
            }
            for (k, v) in w {
                diff(&format!("{path}.{k}"), v, &have[k.as_str()], out);
            }
        }
        _ if !holds(want, have) => out.push(format!("{path}: {} -> {}", show(have), show(want))),
        _ => {}
    }
}

/// Whether `have` holds everything of `want`.
fn holds(want: &Value, have: &Value) -> bool {
    match (want, have) {
        (Value::Object(w), Value::Object(h)) => w
            .iter()
            .all(|(k, v)| holds(v, h.get(k).unwrap_or(&Value::Null))),
        (Value::Array(w), Value::Array(h)) => {
            w.len() == h.len() && w.iter().all(|x| h.iter().any(|y| holds(x, y)))
        }
        (Value::Array(w), Value::Null) => w.is_empty(),
        (Value::String(w), other) | (other, Value::String(w)) if !other.is_string() => {
            !other.is_null() && serde_json::from_str::<Value>(w).ok().as_ref() == Some(other)
        }
        (w, h) => w == h,
    }
}

fn show(v: &Value) -> String {
    if v.is_null() {
        "(unset)".into()
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_named_settings_that_differ_count() {
        let have = json!({"Policies": {"PasswordPolicy": {"MinimumLength": 8, "RequireNumbers": true}},
                          "CallbackURLs": ["https://a/cb", "https://b/cb"], "Precedence": 3});
        let mut out = Vec::new();
        diff(
            "Policies",
            &json!({"PasswordPolicy": {"MinimumLength": "8"}}),
            &have["Policies"],
            &mut out,
        );
        diff(
            "CallbackURLs",
            &json!(["https://b/cb", "https://a/cb"]),
            &have["CallbackURLs"],
            &mut out,
        );
        diff("Precedence", &json!(3), &have["Precedence"], &mut out);
        assert!(out.is_empty(), "{out:?}");
        diff(
            "CallbackURLs",
            &json!(["https://c/cb"]),
            &have["CallbackURLs"],
            &mut out,
        );
        diff("Description", &json!("x"), &Value::Null, &mut out);
        assert_eq!(
            out,
            [
                r#"CallbackURLs: ["https://a/cb","https://b/cb"] -> ["https://c/cb"]"#,
                r#"Description: (unset) -> "x""#
            ]
        );
    }
}
