//! Declarative templates: `cogito apply -f`, `cogito plan -f` and `cogito export-config`.
//!
//! A template names pools and, inside each, its domain, app clients, resource servers, groups
//! and seed users, with their settings spelled as the Cognito API spells its inputs
//! (`CreateUserPool`, `CreateUserPoolClient`, …), so nothing new has to be learnt:
//!
//! ```yaml
//! Pools:
//!   - PoolName: shop
//!     AutoVerifiedAttributes: [email]
//!     Domain: shop-auth
//!     Clients:
//!       - ClientName: web
//!         CallbackURLs: [https://shop.example/callback]
//!     Groups:
//!       - GroupName: admins
//! ```
//!
//! A CloudFormation / SAM template is read too ([`cloudformation`]): its `AWS::Cognito::*`
//! resources become the same description. Applying goes through the running server's API
//! ([`converge`]) and is idempotent; things the file does not name are left alone.

pub mod cloudformation;
pub mod converge;
pub mod export;

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde_json::{Map, Value};

use crate::api::Endpoint;

/// A pool and what belongs to it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolSpec {
    /// `PoolName`: pools are matched by name.
    pub name: String,
    /// The other `CreateUserPool` members.
    pub settings: Map<String, Value>,
    /// Domain prefix.
    pub domain: Option<String>,
    /// App clients (matched by `ClientName`).
    pub clients: Vec<Map<String, Value>>,
    /// Resource servers (matched by `Identifier`).
    pub resource_servers: Vec<Map<String, Value>>,
    /// Groups (matched by `GroupName`).
    pub groups: Vec<Map<String, Value>>,
    /// Seed users (`AdminCreateUser` members, plus `Password` and `Groups`): created when
    /// missing, never changed.
    pub users: Vec<Map<String, Value>>,
}

/// `cogito apply` / `cogito plan`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The template: cogito's YAML/JSON, or a CloudFormation / SAM template.
    #[arg(long, short)]
    pub file: PathBuf,
    /// A CloudFormation parameter value, `Name=Value` (repeatable).
    #[arg(long = "parameter")]
    pub parameters: Vec<String>,
    /// The server.
    #[command(flatten)]
    pub endpoint: Endpoint,
}

/// `cogito export-config`.
#[derive(Debug, Args)]
pub struct ExportConfigArgs {
    /// Only this pool (id); default: every pool.
    #[arg(long)]
    pub pool: Option<String>,
    /// The server.
    #[command(flatten)]
    pub endpoint: Endpoint,
}

/// Reads a template file (YAML or JSON; CloudFormation when it has `Resources`).
pub fn load(path: &Path, parameters: &[String]) -> anyhow::Result<Vec<PoolSpec>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text)
        .with_context(|| format!("{} is not YAML or JSON", path.display()))?;
    let doc = to_json(yaml);
    if doc.get("Resources").is_some() {
        let params = parameters
            .iter()
            .map(|p| {
                p.split_once('=')
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .with_context(|| format!("--parameter {p}: expected Name=Value"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        return cloudformation::pools(&doc, &params);
    }
    pools_of(&doc)
}

/// The pools of a cogito template.
pub fn pools_of(doc: &Value) -> anyhow::Result<Vec<PoolSpec>> {
    let pools = doc
        .get("Pools")
        .and_then(Value::as_array)
        .context("the template has no `Pools` list (nor CloudFormation `Resources`)")?;
    pools
        .iter()
        .enumerate()
        .map(|(i, p)| pool_spec(p).with_context(|| format!("Pools[{i}]")))
        .collect()
}

fn pool_spec(value: &Value) -> anyhow::Result<PoolSpec> {
    let mut settings = value
        .as_object()
        .context("a pool must be a mapping")?
        .clone();
    let name = take_string(&mut settings, "PoolName").context("PoolName is required")?;
    let domain = take_string(&mut settings, "Domain");
    let mut list = |key: &str, id: &str| -> anyhow::Result<Vec<Map<String, Value>>> {
        match settings.remove(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::Object(m) if m.get(id).and_then(Value::as_str).is_some() => Ok(m),
                    _ => anyhow::bail!("each of {key} needs {id}"),
                })
                .collect(),
            Some(_) => anyhow::bail!("{key} must be a list"),
        }
    };
    Ok(PoolSpec {
        clients: list("Clients", "ClientName")?,
        resource_servers: list("ResourceServers", "Identifier")?,
        groups: list("Groups", "GroupName")?,
        users: list("Users", "Username")?,
        name,
        domain,
        settings,
    })
}

fn take_string(map: &mut Map<String, Value>, key: &str) -> Option<String> {
    match map.remove(key)? {
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

/// YAML to JSON; CloudFormation's short tags become their long forms (`!Ref X` →
/// `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`, `!Sub s` → `{"Fn::Sub": s}`).
pub fn to_json(yaml: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        other => serde_yaml_ng::to_string(&other)
                            .unwrap_or_default()
                            .trim()
                            .to_owned(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let tag = tag.trim_start_matches('!');
            let value = to_json(tagged.value);
            match tag {
                "Ref" => serde_json::json!({ "Ref": value }),
                "GetAtt" => {
                    let parts = match value {
                        Value::String(s) => s
                            .splitn(2, '.')
                            .map(|p| Value::String(p.to_owned()))
                            .collect(),
                        Value::Array(a) => a,
                        other => vec![other],
                    };
                    serde_json::json!({ "Fn::GetAtt": parts })
                }
                other => serde_json::json!({ format!("Fn::{other}"): value }),
            }
        }
    }
}

/// `cogito apply` (`really`) or `cogito plan`.
pub async fn apply(args: ApplyArgs, really: bool) -> anyhow::Result<()> {
    let pools = load(&args.file, &args.parameters)?;
    let api = crate::api::Api::new(&args.endpoint)?;
    let outcome = converge::converge(&api, &pools, really).await?;
    for change in &outcome.changes {
        println!("{change}");
    }
    for note in &outcome.notes {
        println!("note: {note}");
    }
    match (outcome.changes.len(), really) {
        (0, _) => println!("no changes"),
        (n, true) => println!("applied {n} change(s)"),
        (n, false) => println!("{n} change(s) to apply"),
    }
    Ok(())
}

/// `cogito export-config`: the template on standard output.
pub async fn export_config(args: ExportConfigArgs) -> anyhow::Result<()> {
    let api = crate::api::Api::new(&args.endpoint)?;
    let template = export::export(&api, args.pool.as_deref()).await?;
    print!("{}", serde_yaml_ng::to_string(&template)?);
    Ok(())
}
