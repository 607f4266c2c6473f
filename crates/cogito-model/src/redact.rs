//! Walking a request or response body along its operation's shapes, so a caller can replace
//! the values the model marks `sensitive` (passwords, secrets, tokens, sessions, user names,
//! attribute values, …) wherever they sit: top-level members, nested structures
//! (`AuthenticationResult.AccessToken`, `UserPoolClient.ClientSecret`), list elements and map
//! values. What replaces a value is the caller's choice (see [`Visit`]); members the model does
//! not know (an error's `__type`, a misspelt key) and documents are kept as they are.

use serde_json::{Map, Value};

use crate::Operation;
use crate::shape::{Kind, ShapeArena, ShapeId};

/// One value met on the walk: the name of its shape, whether the model marks that shape
/// `sensitive`, and the value itself.
#[derive(Debug, Clone, Copy)]
pub struct Visit<'a> {
    /// Shape name, e.g. `PasswordType`.
    pub shape: &'a str,
    /// The shape carries `"sensitive": true`.
    pub sensitive: bool,
    /// The value at that shape (never `null`).
    pub value: &'a Value,
}

impl Operation {
    /// `input` (a request body of this operation) with every value for which `replace`
    /// answers `Some` replaced by that answer; the walk does not descend into a replaced
    /// value. Without an input shape the body comes back unchanged.
    pub fn redact_input(
        &self,
        input: &Value,
        replace: &dyn Fn(Visit<'_>) -> Option<Value>,
    ) -> Value {
        walk(&self.shapes, self.input, input, replace)
    }

    /// The same for a response body (the output shape).
    pub fn redact_output(
        &self,
        output: &Value,
        replace: &dyn Fn(Visit<'_>) -> Option<Value>,
    ) -> Value {
        walk(&self.shapes, self.output, output, replace)
    }
}

fn walk(
    shapes: &ShapeArena,
    shape: Option<ShapeId>,
    value: &Value,
    replace: &dyn Fn(Visit<'_>) -> Option<Value>,
) -> Value {
    let Some(id) = shape else {
        return value.clone();
    };
    if value.is_null() {
        return Value::Null;
    }
    let node = shapes.node(id);
    let visit = Visit {
        shape: &node.name,
        sensitive: node.sensitive,
        value,
    };
    if let Some(replaced) = replace(visit) {
        return replaced;
    }
    match (&node.kind, value) {
        (Kind::Structure { members }, Value::Object(fields)) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| {
                    let member = members.iter().find(|m| m.name == *k).map(|m| m.shape);
                    (k.clone(), walk(shapes, member, v, replace))
                })
                .collect::<Map<String, Value>>(),
        ),
        (Kind::List { member, .. }, Value::Array(items)) => Value::Array(
            items
                .iter()
                .map(|v| walk(shapes, Some(*member), v, replace))
                .collect(),
        ),
        (Kind::Map { value: inner, .. }, Value::Object(entries)) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), walk(shapes, Some(*inner), v, replace)))
                .collect(),
        ),
        _ => value.clone(),
    }
}
