//! CloudFormation / SAM templates: the `AWS::Cognito::UserPool`, `UserPoolClient`,
//! `UserPoolDomain`, `UserPoolGroup`, `UserPoolResourceServer` and `UserPoolUser` resources
//! become [`PoolSpec`]s. Their properties are the API's members under the same names (the pool's
//! `UserPoolName` is `PoolName`); `Ref` and `Fn::GetAtt` to a pool tie the other resources to
//! it, `Ref` to a group or user of the template is its name, `Ref` to a parameter takes
//! `--parameter` or the parameter's `Default`, and `Fn::Sub` fills in parameters and
//! `AWS::Region`. Group attachments are applied after every user, whatever the order of the
//! resources. Other resource types are skipped and named.

use anyhow::{Context, bail};
use serde_json::{Map, Value};

use super::PoolSpec;

/// The pools of a CloudFormation template.
pub fn pools(doc: &Value, parameters: &[(String, String)]) -> anyhow::Result<Vec<PoolSpec>> {
    let resources = doc
        .get("Resources")
        .and_then(Value::as_object)
        .context("Resources must be a mapping")?;
    // What `Ref` to a group or a user of the template means: its name.
    let names: Vec<(String, String)> = resources
        .iter()
        .filter_map(|(id, r)| {
            let member = match r["Type"].as_str()? {
                "AWS::Cognito::UserPoolGroup" => "GroupName",
                "AWS::Cognito::UserPoolUser" => "Username",
                _ => return None,
            };
            let name = r["Properties"][member].as_str().unwrap_or(id);
            Some((id.clone(), name.to_owned()))
        })
        .collect();
    let scope = Scope {
        doc,
        parameters,
        names: &names,
    };
    let mut pools: Vec<(String, PoolSpec)> = Vec::new();
    for (id, resource) in resources {
        if resource["Type"] == "AWS::Cognito::UserPool" {
            let mut props = scope.resolve_props(resource)?;
            let name = match props.remove("UserPoolName") {
                Some(Value::String(name)) => name,
                _ => id.clone(),
            };
            // Not CreateUserPool members: MFA factors are set with SetUserPoolMfaConfig.
            props.remove("EnabledMfas");
            pools.push((
                id.clone(),
                PoolSpec {
                    name,
                    settings: props,
                    ..PoolSpec::default()
                },
            ));
        }
    }
    // Attachments last: they name users created by other resources.
    let attachment = |r: &Value| r["Type"] == "AWS::Cognito::UserPoolUserToGroupAttachment";
    let ordered = resources
        .iter()
        .filter(|(_, r)| !attachment(r))
        .chain(resources.iter().filter(|(_, r)| attachment(r)));
    for (id, resource) in ordered {
        let kind = resource["Type"].as_str().unwrap_or_default();
        if kind == "AWS::Cognito::UserPool" {
            continue;
        }
        let Some(short) = kind.strip_prefix("AWS::Cognito::") else {
            eprintln!("skipped {id}: {kind} is not a Cognito resource");
            continue;
        };
        let mut props = scope.resolve_props(resource)?;
        let pool_ref = pool_of(resource).with_context(|| format!("{id}: UserPoolId"))?;
        props.remove("UserPoolId");
        let Some((_, pool)) = pools.iter_mut().find(|(pid, _)| *pid == pool_ref) else {
            bail!("{id}: UserPoolId refers to {pool_ref}, not a pool of this template");
        };
        match short {
            "UserPoolClient" => {
                props
                    .entry("ClientName")
                    .or_insert_with(|| Value::String(id.clone()));
                pool.clients.push(props);
            }
            "UserPoolDomain" => {
                pool.domain = props
                    .get("Domain")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
            }
            "UserPoolGroup" => {
                props
                    .entry("GroupName")
                    .or_insert_with(|| Value::String(id.clone()));
                pool.groups.push(props);
            }
            "UserPoolResourceServer" => pool.resource_servers.push(props),
            "UserPoolUser" => {
                props
                    .entry("Username")
                    .or_insert_with(|| Value::String(id.clone()));
                pool.users.push(props);
            }
            "UserPoolUserToGroupAttachment" => {
                let user = props.get("Username").and_then(Value::as_str).unwrap_or("");
                let group = props.get("GroupName").cloned().unwrap_or(Value::Null);
                match pool
                    .users
                    .iter_mut()
                    .find(|u| u.get("Username").and_then(Value::as_str) == Some(user))
                {
                    Some(u) => u
                        .entry("Groups")
                        .or_insert_with(|| Value::Array(Vec::new()))
                        .as_array_mut()
                        .map(|g| g.push(group)),
                    None => {
                        eprintln!("skipped {id}: user {user} is not created by this template");
                        None
                    }
                };
            }
            other => eprintln!("skipped {id}: AWS::Cognito::{other} is not applied by cogito"),
        }
    }
    Ok(pools.into_iter().map(|(_, p)| p).collect())
}

/// The logical id of the pool a resource's `UserPoolId` refers to.
fn pool_of(resource: &Value) -> anyhow::Result<String> {
    let id = &resource["Properties"]["UserPoolId"];
    if let Some(name) = id["Ref"].as_str() {
        return Ok(name.to_owned());
    }
    if let Some(parts) = id["Fn::GetAtt"].as_array() {
        return parts
            .first()
            .and_then(Value::as_str)
            .map(str::to_owned)
            .context("Fn::GetAtt without a resource");
    }
    bail!("must be a Ref or Fn::GetAtt of a pool of this template")
}

struct Scope<'a> {
    doc: &'a Value,
    parameters: &'a [(String, String)],
    /// Logical id → name of the template's groups and users.
    names: &'a [(String, String)],
}

impl Scope<'_> {
    fn parameter(&self, name: &str) -> Option<String> {
        if let Some((_, n)) = self.names.iter().find(|(id, _)| id == name) {
            return Some(n.clone());
        }
        if name == "AWS::Region" {
            return Some(std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into()));
        }
        self.parameters
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .or_else(|| {
                self.doc["Parameters"][name]["Default"]
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| {
                        let d = &self.doc["Parameters"][name]["Default"];
                        (!d.is_null()).then(|| d.to_string())
                    })
            })
    }

    fn resolve_props(&self, resource: &Value) -> anyhow::Result<Map<String, Value>> {
        let props = resource
            .get("Properties")
            .cloned()
            .unwrap_or(Value::Object(Map::new()));
        let mut props = match props {
            Value::Object(m) => m,
            _ => bail!("Properties must be a mapping"),
        };
        let pool_id = props.remove("UserPoolId");
        let mut resolved = Map::new();
        for (k, v) in props {
            resolved.insert(k, self.resolve(v)?);
        }
        if let Some(id) = pool_id {
            resolved.insert("UserPoolId".into(), id);
        }
        Ok(resolved)
    }

    /// Resolves intrinsic functions inside a property value.
    fn resolve(&self, value: Value) -> anyhow::Result<Value> {
        Ok(match value {
            Value::Object(map) if map.len() == 1 && map.contains_key("Ref") => {
                let name = map["Ref"].as_str().unwrap_or_default();
                Value::String(
                    self.parameter(name)
                        .with_context(|| format!("Ref {name}: no such parameter"))?,
                )
            }
            Value::Object(map) if map.len() == 1 && map.contains_key("Fn::Sub") => {
                let text = match &map["Fn::Sub"] {
                    Value::String(s) => s.clone(),
                    Value::Array(a) => a.first().and_then(Value::as_str).unwrap_or("").to_owned(),
                    _ => bail!("Fn::Sub needs a string"),
                };
                Value::String(self.substitute(&text)?)
            }
            Value::Object(map) if map.len() == 1 && map.keys().all(|k| k.starts_with("Fn::")) => {
                let name = map.keys().next().cloned().unwrap_or_default();
                bail!("{name} is not supported by cogito apply")
            }
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| Ok((k, self.resolve(v)?)))
                    .collect::<anyhow::Result<_>>()?,
            ),
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|v| self.resolve(v))
                    .collect::<anyhow::Result<_>>()?,
            ),
            other => other,
        })
    }

    fn substitute(&self, text: &str) -> anyhow::Result<String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}').context("Fn::Sub: unclosed ${")?;
            let name = &rest[start + 2..start + end];
            out.push_str(
                &self
                    .parameter(name)
                    .with_context(|| format!("Fn::Sub: no parameter {name}"))?,
            );
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}
