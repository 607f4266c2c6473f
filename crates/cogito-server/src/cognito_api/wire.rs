//! Wire-shape helpers shared by the operation families: input decoding, timestamps, attribute
//! lists, `UserType`, `CodeDeliveryDetailsType`, pagination.

use cogito_core::model::User;
use cogito_core::service::messages::CodeDelivery;
use cogito_core::store::Page;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::ApiError;

/// Result of an operation handler.
pub type OpResult = Result<Value, ApiError>;

/// A string member of a JSON object.
pub fn string_member(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

/// A list-of-strings member of a JSON object.
pub fn string_list(v: &Value, k: &str) -> Option<Vec<String>> {
    v.get(k).and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect()
    })
}

/// The members of an input that are not in `typed`, kept verbatim and echoed back.
pub fn extra_members(input: &Value, typed: &[&str]) -> std::collections::BTreeMap<String, Value> {
    input
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| !typed.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Decodes an operation's input (already validated against the model).
pub fn decode<T: DeserializeOwned>(input: Value) -> Result<T, ApiError> {
    serde_json::from_value(input)
        .map_err(|e| ApiError::serialization(format!("Could not decode input: {e}")))
}

/// Epoch ms → the epoch-seconds number AWS JSON uses for timestamps.
pub fn timestamp(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

/// `[{Name, Value}]` → pairs.
pub fn attribute_pairs(list: &[AttributeType]) -> Vec<(String, String)> {
    list.iter()
        .map(|a| (a.name.clone(), a.value.clone().unwrap_or_default()))
        .collect()
}

/// `AttributeType`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeType {
    /// Name.
    pub name: String,
    /// Value.
    pub value: Option<String>,
}

/// A user's attributes as `[{Name, Value}]`, `sub` first; `keep` decides which are shown.
pub fn user_attributes(user: &User, keep: impl Fn(&str) -> bool) -> Value {
    let mut out = Vec::new();
    if keep("sub") {
        out.push(json!({ "Name": "sub", "Value": user.sub }));
    }
    for (name, value) in &user.attributes {
        if keep(name) {
            out.push(json!({ "Name": name, "Value": value }));
        }
    }
    Value::Array(out)
}

/// `UserType` (ListUsers, AdminCreateUser), attributes limited to `only` when given.
pub fn user_type(user: &User, only: Option<&[String]>) -> Value {
    let attrs = user_attributes(user, |n| only.is_none_or(|o| o.iter().any(|x| x == n)));
    json!({
        "Username": user.username,
        "Attributes": attrs,
        "UserCreateDate": timestamp(user.created_ms),
        "UserLastModifiedDate": timestamp(user.modified_ms),
        "Enabled": user.enabled,
        "UserStatus": user.status.as_str(),
    })
}

/// `CodeDeliveryDetailsType`.
pub fn delivery(d: &CodeDelivery) -> Value {
    json!({ "Destination": d.destination, "DeliveryMedium": d.medium.as_str(), "AttributeName": d.attribute })
}

/// Page size: absent or 0 → 60.
pub fn limit(v: Option<u32>) -> u32 {
    match v {
        None | Some(0) => 60,
        Some(n) => n,
    }
}

/// Maps a page with a response-token member name.
pub fn page<T>(
    page: Page<T>,
    items_name: &str,
    token_name: &str,
    f: impl Fn(&T) -> Value,
) -> Value {
    let mut out = serde_json::Map::new();
    out.insert(
        items_name.into(),
        Value::Array(page.items.iter().map(f).collect()),
    );
    if let Some(next) = page.next {
        out.insert(token_name.into(), json!(next));
    }
    Value::Object(out)
}

/// The input of an `Update…` operation that changes only `changes`: Cognito's updates replace
/// every member, so the members of `operation`'s input not named by `ids` or `changes` are
/// taken from `current` (its `Describe…` output), and a structure named by `changes` is merged
/// into its current value (`Policies: {PasswordPolicy: {MinimumLength: 12}}` keeps the other
/// rules; lists are replaced whole). The console and `cogito apply` both build their updates
/// with it.
pub fn update_input(
    operation: &str,
    ids: &serde_json::Map<String, Value>,
    current: &Value,
    changes: &serde_json::Map<String, Value>,
) -> Value {
    let members = cogito_model::model()
        .operation(operation)
        .map(|op| op.input_members())
        .unwrap_or_default();
    let mut input = ids.clone();
    for member in members {
        if input.contains_key(member) {
            continue;
        }
        if let Some(v) = changes.get(member) {
            let mut merged = current.get(member).cloned().unwrap_or(Value::Null);
            merge_into(&mut merged, v);
            input.insert(member.to_owned(), merged);
        } else if let Some(v) = current.get(member).filter(|v| !v.is_null()) {
            input.insert(member.to_owned(), v.clone());
        }
    }
    Value::Object(input)
}

/// Writes `change` over `target`: objects member by member, anything else whole.
fn merge_into(target: &mut Value, change: &Value) {
    match (target.as_object_mut(), change.as_object()) {
        (Some(t), Some(c)) => {
            for (k, v) in c {
                merge_into(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        _ => *target = change.clone(),
    }
}

#[cfg(test)]
mod update_tests {
    use serde_json::json;

    use super::update_input;

    #[test]
    fn an_update_keeps_what_it_does_not_name() {
        let current = json!({
            "Policies": {"PasswordPolicy": {"MinimumLength": 8, "RequireSymbols": true},
                         "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}},
            "AutoVerifiedAttributes": ["email"],
            "Id": "us-east-1_x",
        });
        let changes = json!({"Policies": {"PasswordPolicy": {"MinimumLength": 12}},
                             "AutoVerifiedAttributes": []});
        let ids = json!({"UserPoolId": "us-east-1_x"});
        let input = update_input(
            "UpdateUserPool",
            ids.as_object().unwrap(),
            &current,
            changes.as_object().unwrap(),
        );
        assert_eq!(input["UserPoolId"], "us-east-1_x");
        assert_eq!(input["Policies"]["PasswordPolicy"]["MinimumLength"], 12);
        assert_eq!(input["Policies"]["PasswordPolicy"]["RequireSymbols"], true);
        assert_eq!(
            input["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"],
            json!(["PASSWORD"])
        );
        assert_eq!(input["AutoVerifiedAttributes"], json!([]));
        assert!(input.get("Id").is_none(), "only UpdateUserPool's members");
    }
}
