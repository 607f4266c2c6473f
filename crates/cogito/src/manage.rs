//! The management commands for people without the AWS CLI: `cogito pools|clients|groups|users
//! list|get|create|delete`, talking to a running server through its API with SigV4
//! ([`crate::api`]); a table by default, the API's JSON with `--output json`.

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Map, Value, json};

use crate::api::{Api, Endpoint};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Columns for people.
    Table,
    /// The API's JSON.
    Json,
}

/// Options every management command takes.
#[derive(Debug, Args)]
pub struct Common {
    /// The server.
    #[command(flatten)]
    pub endpoint: Endpoint,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

/// `cogito pools …`.
#[derive(Debug, Subcommand)]
pub enum PoolsAction {
    /// List pools.
    List(Common),
    /// Show a pool.
    Get {
        /// Pool id.
        id: String,
        #[command(flatten)]
        common: Common,
    },
    /// Create a pool.
    Create {
        /// Pool name.
        name: String,
        /// More `CreateUserPool` members, as JSON.
        #[arg(long)]
        input: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Delete a pool.
    Delete {
        /// Pool id.
        id: String,
        #[command(flatten)]
        common: Common,
    },
}

/// `cogito clients|groups|users …` (within a pool).
#[derive(Debug, Subcommand)]
pub enum MemberAction {
    /// List them.
    List {
        /// Pool id.
        #[arg(long)]
        pool: String,
        /// `ListUsers` filter, e.g. `email ^= "alice"` (users only).
        #[arg(long)]
        filter: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Show one.
    Get {
        /// Pool id.
        #[arg(long)]
        pool: String,
        /// Client id, group name or username.
        name: String,
        #[command(flatten)]
        common: Common,
    },
    /// Create one.
    Create {
        /// Pool id.
        #[arg(long)]
        pool: String,
        /// Client name, group name or username.
        name: String,
        /// More members of the create operation, as JSON.
        #[arg(long)]
        input: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Delete one.
    Delete {
        /// Pool id.
        #[arg(long)]
        pool: String,
        /// Client id, group name or username.
        name: String,
        #[command(flatten)]
        common: Common,
    },
}

/// What a member command works on.
#[derive(Debug, Clone, Copy)]
pub enum Member {
    /// App clients.
    Clients,
    /// Groups.
    Groups,
    /// Users.
    Users,
}

/// How one kind of thing is listed, read, created and deleted.
struct Ops {
    list: &'static str,
    items: &'static str,
    token: &'static str,
    page: (&'static str, u32),
    get: &'static str,
    got: &'static str,
    create: &'static str,
    created: &'static str,
    delete: &'static str,
    key: &'static str,
    name_key: &'static str,
    columns: &'static [&'static str],
}

const fn ops(member: Member) -> Ops {
    match member {
        Member::Clients => Ops {
            list: "ListUserPoolClients",
            items: "UserPoolClients",
            token: "NextToken",
            page: ("MaxResults", 60),
            get: "DescribeUserPoolClient",
            got: "UserPoolClient",
            create: "CreateUserPoolClient",
            created: "UserPoolClient",
            delete: "DeleteUserPoolClient",
            key: "ClientId",
            name_key: "ClientName",
            columns: &["ClientId", "ClientName"],
        },
        Member::Groups => Ops {
            list: "ListGroups",
            items: "Groups",
            token: "NextToken",
            page: ("Limit", 60),
            get: "GetGroup",
            got: "Group",
            create: "CreateGroup",
            created: "Group",
            delete: "DeleteGroup",
            key: "GroupName",
            name_key: "GroupName",
            columns: &["GroupName", "Precedence", "Description"],
        },
        Member::Users => Ops {
            list: "ListUsers",
            items: "Users",
            token: "PaginationToken",
            page: ("Limit", 60),
            get: "AdminGetUser",
            got: "",
            create: "AdminCreateUser",
            created: "User",
            delete: "AdminDeleteUser",
            key: "Username",
            name_key: "Username",
            columns: &["Username", "UserStatus", "Enabled", "email"],
        },
    }
}

fn extra(input: Option<&str>) -> anyhow::Result<Map<String, Value>> {
    match input {
        None => Ok(Map::new()),
        Some(text) => match serde_json::from_str(text).context("--input is not JSON")? {
            Value::Object(m) => Ok(m),
            _ => anyhow::bail!("--input must be a JSON object"),
        },
    }
}

/// Runs `cogito pools …`.
pub async fn pools(action: PoolsAction) -> anyhow::Result<()> {
    match action {
        PoolsAction::List(common) => {
            let api = Api::new(&common.endpoint)?;
            let pools = api
                .list_all(
                    "ListUserPools",
                    json!({ "MaxResults": 60 }),
                    "UserPools",
                    "NextToken",
                )
                .await?;
            show_list(common.output, &pools, &["Id", "Name", "CreationDate"]);
        }
        PoolsAction::Get { id, common } => {
            let api = Api::new(&common.endpoint)?;
            let out = api
                .call("DescribeUserPool", &json!({ "UserPoolId": id }))
                .await?;
            show_one(common.output, &out["UserPool"]);
        }
        PoolsAction::Create {
            name,
            input,
            common,
        } => {
            let api = Api::new(&common.endpoint)?;
            let mut body = extra(input.as_deref())?;
            body.insert("PoolName".into(), json!(name));
            let out = api.call("CreateUserPool", &Value::Object(body)).await?;
            show_one(common.output, &out["UserPool"]);
        }
        PoolsAction::Delete { id, common } => {
            let api = Api::new(&common.endpoint)?;
            api.call("DeleteUserPool", &json!({ "UserPoolId": id }))
                .await?;
            println!("deleted pool {id}");
        }
    }
    Ok(())
}

/// Runs `cogito clients|groups|users …`.
pub async fn members(member: Member, action: MemberAction) -> anyhow::Result<()> {
    let o = ops(member);
    match action {
        MemberAction::List {
            pool,
            filter,
            common,
        } => {
            let api = Api::new(&common.endpoint)?;
            let mut input = json!({ "UserPoolId": pool, o.page.0: o.page.1 });
            if let Some(f) = filter {
                input["Filter"] = json!(f);
            }
            let items = api.list_all(o.list, input, o.items, o.token).await?;
            show_list(common.output, &items, o.columns);
        }
        MemberAction::Get { pool, name, common } => {
            let api = Api::new(&common.endpoint)?;
            let out = api
                .call(o.get, &json!({ "UserPoolId": pool, o.key: name }))
                .await?;
            show_one(
                common.output,
                if o.got.is_empty() { &out } else { &out[o.got] },
            );
        }
        MemberAction::Create {
            pool,
            name,
            input,
            common,
        } => {
            let api = Api::new(&common.endpoint)?;
            let mut body = extra(input.as_deref())?;
            body.insert("UserPoolId".into(), json!(pool));
            body.insert(o.name_key.into(), json!(name));
            let out = api.call(o.create, &Value::Object(body)).await?;
            show_one(common.output, &out[o.created]);
        }
        MemberAction::Delete { pool, name, common } => {
            let api = Api::new(&common.endpoint)?;
            api.call(o.delete, &json!({ "UserPoolId": pool, o.key: name }))
                .await?;
            println!("deleted {name}");
        }
    }
    Ok(())
}

/// A cell: a member, or a user attribute of that name.
fn cell(item: &Value, column: &str) -> String {
    let value = match &item[column] {
        Value::Null => item["Attributes"]
            .as_array()
            .and_then(|attrs| attrs.iter().find(|a| a["Name"] == column))
            .map_or(Value::Null, |a| a["Value"].clone()),
        v => v.clone(),
    };
    match value {
        Value::Null => String::new(),
        Value::String(s) => s,
        other => other.to_string(),
    }
}

fn show_list(output: Output, items: &[Value], columns: &[&str]) {
    if output == Output::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(items).unwrap_or_default()
        );
        return;
    }
    if items.is_empty() {
        println!("(none)");
        return;
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| columns.iter().map(|c| cell(i, c)).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(n, c)| {
            rows.iter()
                .map(|r| r[n].chars().count())
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    println!(
        "{}",
        line(columns.iter().map(|c| (*c).to_owned()).collect())
    );
    for row in rows {
        println!("{}", line(row));
    }
}

fn show_one(output: Output, item: &Value) {
    if output == Output::Json {
        println!("{}", serde_json::to_string_pretty(item).unwrap_or_default());
        return;
    }
    let Some(map) = item.as_object() else {
        println!("{item}");
        return;
    };
    let width = map.keys().map(String::len).max().unwrap_or(0);
    for (k, v) in map {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        println!("{k:<width$}  {text}");
    }
}
