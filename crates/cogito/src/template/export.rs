//! `cogito export-config`: the server's pools, with their domains, clients, resource servers and
//! groups, written as a template that `cogito apply` takes back (users move with
//! `cogito users export`; client secrets are never written).

use serde_json::{Map, Value, json};

use crate::api::Api;

/// Members of a described pool that are state, not settings.
const POOL_STATE: &[&str] = &[
    "Id",
    "Name",
    "Arn",
    "Status",
    "CreationDate",
    "LastModifiedDate",
    "EstimatedNumberOfUsers",
    "SchemaAttributes",
    "Domain",
    "CustomDomain",
    "SmsConfigurationFailure",
    "EmailConfigurationFailure",
];

/// Members of a described client that are state or secret.
const CLIENT_STATE: &[&str] = &[
    "UserPoolId",
    "ClientId",
    "ClientSecret",
    "CreationDate",
    "LastModifiedDate",
    "ClientType",
];

/// The template of every pool (or of `only`).
pub async fn export(api: &Api, only: Option<&str>) -> anyhow::Result<Value> {
    let ids: Vec<String> = match only {
        Some(id) => vec![id.to_owned()],
        None => api
            .list_all(
                "ListUserPools",
                json!({ "MaxResults": 60 }),
                "UserPools",
                "NextToken",
            )
            .await?
            .iter()
            .filter_map(|p| p["Id"].as_str().map(str::to_owned))
            .collect(),
    };
    let mut pools = Vec::new();
    for id in ids {
        pools.push(pool(api, &id).await?);
    }
    Ok(json!({ "Pools": pools }))
}

fn without(value: &Value, drop: &[&str]) -> Map<String, Value> {
    value
        .as_object()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, v)| !drop.contains(&k.as_str()) && !v.is_null())
        .collect()
}

async fn pool(api: &Api, id: &str) -> anyhow::Result<Value> {
    let described = api
        .call("DescribeUserPool", &json!({ "UserPoolId": id }))
        .await?["UserPool"]
        .clone();
    let mut out = Map::new();
    out.insert("PoolName".into(), described["Name"].clone());
    out.extend(without(&described, POOL_STATE));
    // Custom attributes are the part of the schema a template creates.
    let custom: Vec<Value> = described["SchemaAttributes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let name = a["Name"].as_str()?.strip_prefix("custom:")?;
            let mut a = a.as_object()?.clone();
            a.insert("Name".into(), json!(name));
            Some(Value::Object(a))
        })
        .collect();
    if !custom.is_empty() {
        out.insert("Schema".into(), Value::Array(custom));
    }
    if let Some(domain) = described["Domain"].as_str() {
        out.insert("Domain".into(), json!(domain));
    }
    let mut clients = Vec::new();
    for c in api
        .list_all(
            "ListUserPoolClients",
            json!({ "UserPoolId": id, "MaxResults": 60 }),
            "UserPoolClients",
            "NextToken",
        )
        .await?
    {
        let client_id = c["ClientId"].as_str().unwrap_or_default();
        let d = api
            .call(
                "DescribeUserPoolClient",
                &json!({ "UserPoolId": id, "ClientId": client_id }),
            )
            .await?["UserPoolClient"]
            .clone();
        let mut client = without(&d, CLIENT_STATE);
        if d["ClientSecret"].is_string() {
            client.insert("GenerateSecret".into(), json!(true));
        }
        clients.push(Value::Object(client));
    }
    if !clients.is_empty() {
        out.insert("Clients".into(), Value::Array(clients));
    }
    let servers: Vec<Value> = api
        .list_all(
            "ListResourceServers",
            json!({ "UserPoolId": id, "MaxResults": 50 }),
            "ResourceServers",
            "NextToken",
        )
        .await?
        .iter()
        .map(|s| Value::Object(without(s, &["UserPoolId"])))
        .collect();
    if !servers.is_empty() {
        out.insert("ResourceServers".into(), Value::Array(servers));
    }
    let groups: Vec<Value> = api
        .list_all(
            "ListGroups",
            json!({ "UserPoolId": id, "Limit": 60 }),
            "Groups",
            "NextToken",
        )
        .await?
        .iter()
        .map(|g| {
            Value::Object(without(
                g,
                &["UserPoolId", "CreationDate", "LastModifiedDate"],
            ))
        })
        .collect();
    if !groups.is_empty() {
        out.insert("Groups".into(), Value::Array(groups));
    }
    Ok(Value::Object(out))
}
