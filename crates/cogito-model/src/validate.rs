//! Request-body validation against an operation's input shape, with AWS-compatible errors.
//!
//! Two error kinds exist, mirroring how Coral processes a request:
//!
//! * **Deserialization** (`SerializationException`): a value of the wrong JSON type, e.g. a
//!   number where a string is expected, a fractional number for an integer, a string that is
//!   not base64 for a blob, or a body that is not a JSON object. The first such problem stops
//!   validation; the message uses Jackson's token vocabulary and names the member, e.g.
//!   `STRING_VALUE can not be converted to an Integer at 'limit'`.
//! * **Constraints** (`InvalidParameterException`): all failures are collected into one
//!   message, `N validation error(s) detected: <failure>; <failure>`, each failure being
//!   `Value '<v>' at '<path>' failed to satisfy constraint: <constraint>`.
//!
//! Conventions of the constraint messages:
//!
//! * The path joins the lower-camel member names with `.` (see [`crate::lower_camel`]);
//!   elements of a list of structures are addressed as `<list>.<1-based index>.member`
//!   (`userAttributes.1.member.name`), values of a map of structures as `<map>.<key>`.
//! * A list of scalars whose elements violate their constraints yields one failure for the
//!   list, listing all constraints of the element shape:
//!   `Value '[a, b]' at 'attributesToGet' failed to satisfy constraint: Member must satisfy
//!   constraint: [Member must have length less than or equal to 32, ...]`. Maps of scalars do
//!   the same with `Map keys must satisfy constraint: [...]` and
//!   `Map value must satisfy constraint: [...]`.
//! * A missing (or JSON `null`) required member: `Value null at 'username' failed to satisfy
//!   constraint: Member must not be null`.
//! * Values of sensitive shapes — and aggregates containing one, and anything below a
//!   sensitive shape — are never echoed: `Value at 'password' failed to satisfy constraint: ...`.
//! * Echoed values: strings as-is, numbers and booleans as text, lists as `[a, b]`, objects as
//!   `{Key=value, ...}` (Java `toString` style).
//! * Members not in the model are ignored; JSON `null` means absent.

use std::fmt;
use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT;
use serde_json::Value;

use crate::service::Operation;
use crate::shape::{Bounds, Kind, Node, ShapeArena, ShapeId};

/// Why a request body was rejected; maps directly onto an AWS JSON error response
/// (`{"__type": type_name, "message": message}`, HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// [`ValidationError::INVALID_PARAMETER`] or [`ValidationError::SERIALIZATION`].
    pub type_name: &'static str,
    /// The AWS-style message.
    pub message: String,
}

impl ValidationError {
    /// Error type for constraint violations.
    pub const INVALID_PARAMETER: &'static str = "InvalidParameterException";
    /// Error type for values of the wrong JSON type.
    pub const SERIALIZATION: &'static str = "SerializationException";

    fn serialization(message: String) -> Self {
        Self {
            type_name: Self::SERIALIZATION,
            message,
        }
    }

    fn constraints(failures: &[String]) -> Self {
        let n = failures.len();
        let plural = if n == 1 { "error" } else { "errors" };
        Self {
            type_name: Self::INVALID_PARAMETER,
            message: format!("{n} validation {plural} detected: {}", failures.join("; ")),
        }
    }

    /// `true` for a constraint violation (`InvalidParameterException`).
    pub fn is_invalid_parameter(&self) -> bool {
        self.type_name == Self::INVALID_PARAMETER
    }

    /// `true` for a type mismatch (`SerializationException`).
    pub fn is_serialization(&self) -> bool {
        self.type_name == Self::SERIALIZATION
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.type_name, self.message)
    }
}

impl std::error::Error for ValidationError {}

impl Operation {
    /// Same as [`validate_input`]`(self, input)`.
    pub fn validate_input(&self, input: &Value) -> Result<(), ValidationError> {
        validate_input(self, input)
    }
}

/// Validates a request body (already parsed JSON) against the operation's input shape.
///
/// Returns a `SerializationException` for the first value of the wrong JSON type (including
/// a body that is not an object), otherwise an `InvalidParameterException` listing every
/// constraint failure, otherwise `Ok(())`. See the module documentation for the message
/// formats.
pub fn validate_input(op: &Operation, input: &Value) -> Result<(), ValidationError> {
    let Some(root) = op.input else {
        return match input {
            Value::Object(_) => Ok(()),
            other => Err(mismatch(other, "a Structure", "")),
        };
    };
    let mut walker = Walker {
        arena: &op.shapes,
        path: String::new(),
        failures: Vec::new(),
    };
    walker.value(root, input, false)?;
    if walker.failures.is_empty() {
        Ok(())
    } else {
        Err(ValidationError::constraints(&walker.failures))
    }
}

/// Recursive walk state.
struct Walker<'a> {
    arena: &'a ShapeArena,
    /// Current member path (`userAttributes.1.member.name`).
    path: String,
    failures: Vec<String>,
}

impl Walker<'_> {
    /// Validates a non-null `value` of shape `id` at the current path. `redacted` is set
    /// below a sensitive shape.
    fn value(&mut self, id: ShapeId, value: &Value, redacted: bool) -> Result<(), ValidationError> {
        let arena = self.arena;
        let node = arena.node(id);
        let echo = !(redacted || node.contains_sensitive);
        let redacted = redacted || node.sensitive;
        match &node.kind {
            Kind::Document => Ok(()),
            Kind::Structure { members } => {
                let Value::Object(object) = value else {
                    return Err(mismatch(value, "a Structure", &self.path));
                };
                for member in members {
                    let mark = self.push_member(&member.path_name);
                    match object.get(&member.name) {
                        None | Some(Value::Null) => {
                            if member.required {
                                let failure = format!(
                                    "Value null at '{}' failed to satisfy constraint: Member must not be null",
                                    self.path
                                );
                                self.failures.push(failure);
                            }
                        }
                        Some(v) => self.value(member.shape, v, redacted)?,
                    }
                    self.path.truncate(mark);
                }
                Ok(())
            }
            Kind::List { member, length } => {
                let Value::Array(items) = value else {
                    return Err(mismatch(value, "a List", &self.path));
                };
                self.check_length(items.len(), *length, value, echo);
                let element = arena.node(*member);
                let mut element_failed = false;
                for (i, item) in items.iter().enumerate() {
                    if item.is_null() {
                        continue;
                    }
                    let mark = self.path.len();
                    let _ = write!(self.path, ".{}.member", i + 1);
                    if element.is_scalar() {
                        element_failed |= !scalar_failures(element, item, &self.path)?.is_empty();
                    } else {
                        self.value(*member, item, redacted)?;
                    }
                    self.path.truncate(mark);
                }
                if element_failed {
                    self.aggregate_failure(value, echo, "Member must satisfy constraint", element);
                }
                Ok(())
            }
            Kind::Map {
                key,
                value: value_shape,
                length,
            } => {
                let Value::Object(object) = value else {
                    return Err(mismatch(value, "a Map", &self.path));
                };
                self.check_length(object.len(), *length, value, echo);
                let key_node = arena.node(*key);
                let value_node = arena.node(*value_shape);
                let mut key_failed = false;
                let mut value_failed = false;
                for (k, v) in object {
                    if let Kind::String {
                        length,
                        pattern,
                        enum_values,
                    } = &key_node.kind
                    {
                        let mut failed = Vec::new();
                        string_failures(
                            k,
                            *length,
                            pattern.as_deref(),
                            enum_values.as_deref(),
                            &mut failed,
                        );
                        key_failed |= !failed.is_empty();
                    }
                    if v.is_null() {
                        continue;
                    }
                    let mark = self.push_member(k);
                    if value_node.is_scalar() {
                        value_failed |= !scalar_failures(value_node, v, &self.path)?.is_empty();
                    } else {
                        self.value(*value_shape, v, redacted)?;
                    }
                    self.path.truncate(mark);
                }
                if key_failed {
                    self.aggregate_failure(
                        value,
                        echo,
                        "Map keys must satisfy constraint",
                        key_node,
                    );
                }
                if value_failed {
                    self.aggregate_failure(
                        value,
                        echo,
                        "Map value must satisfy constraint",
                        value_node,
                    );
                }
                Ok(())
            }
            _ => {
                for constraint in scalar_failures(node, value, &self.path)? {
                    let failure = format!(
                        "{} at '{}' failed to satisfy constraint: {constraint}",
                        describe(value, echo),
                        self.path
                    );
                    self.failures.push(failure);
                }
                Ok(())
            }
        }
    }

    /// Appends `.name` (or `name` at the top level); returns the length to truncate back to.
    fn push_member(&mut self, name: &str) -> usize {
        let mark = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(name);
        mark
    }

    /// Length constraints of a list or map.
    fn check_length(&mut self, len: usize, bounds: Bounds, value: &Value, echo: bool) {
        if bounds.is_empty() {
            return;
        }
        if let Some(constraint) = length_failures(len, bounds) {
            let failure = format!(
                "{} at '{}' failed to satisfy constraint: {constraint}",
                describe(value, echo),
                self.path
            );
            self.failures.push(failure);
        }
    }

    /// One failure for a list or map whose elements violate their constraints.
    fn aggregate_failure(&mut self, value: &Value, echo: bool, prefix: &str, element: &Node) {
        let failure = format!(
            "{} at '{}' failed to satisfy constraint: {prefix}: [{}]",
            describe(value, echo),
            self.path,
            all_constraints(element).join(", ")
        );
        self.failures.push(failure);
    }
}

/// `Value '<v>'`, or `Value` alone when the value must not be echoed.
fn describe(value: &Value, echo: bool) -> String {
    if echo {
        let mut out = String::from("Value '");
        render(value, &mut out);
        out.push('\'');
        out
    } else {
        String::from("Value")
    }
}

/// Java `toString`-like rendering of a JSON value.
fn render(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                render(v, out);
            }
            out.push('}');
        }
    }
}

/// The Jackson token name of a scalar JSON value.
fn token(value: &Value) -> &'static str {
    match value {
        Value::Null => "VALUE_NULL",
        Value::Bool(true) => "TRUE_VALUE",
        Value::Bool(false) => "FALSE_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::String(_) => "STRING_VALUE",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// A `SerializationException` for `value` found where `target` (`"an Integer"`) was expected.
fn mismatch(value: &Value, target: &str, path: &str) -> ValidationError {
    let mut message = match value {
        Value::Object(_) => String::from("Start of structure or map found where not expected"),
        Value::Array(_) => String::from("Start of list found where not expected"),
        other => format!("{} can not be converted to {target}", token(other)),
    };
    if !path.is_empty() {
        let _ = write!(message, " at '{path}'");
    }
    ValidationError::serialization(message)
}

/// Type-checks a scalar value and returns the texts of the constraints it fails.
fn scalar_failures(node: &Node, value: &Value, path: &str) -> Result<Vec<String>, ValidationError> {
    let mut failed = Vec::new();
    match &node.kind {
        Kind::String {
            length,
            pattern,
            enum_values,
        } => {
            let Value::String(s) = value else {
                return Err(mismatch(value, "a String", path));
            };
            string_failures(
                s,
                *length,
                pattern.as_deref(),
                enum_values.as_deref(),
                &mut failed,
            );
        }
        Kind::Integer { range } => {
            let n = integral(value, i64::from(i32::MIN), i64::from(i32::MAX))
                .ok_or_else(|| mismatch(value, "an Integer", path))?;
            range_failures(n, *range, &mut failed);
        }
        Kind::Long { range } => {
            let n = integral(value, i64::MIN, i64::MAX)
                .ok_or_else(|| mismatch(value, "a Long", path))?;
            range_failures(n, *range, &mut failed);
        }
        Kind::Float => {
            if !value.is_number() {
                return Err(mismatch(value, "a Float", path));
            }
        }
        Kind::Double => {
            if !value.is_number() {
                return Err(mismatch(value, "a Double", path));
            }
        }
        Kind::Boolean => {
            if !value.is_boolean() {
                return Err(mismatch(value, "a Boolean", path));
            }
        }
        Kind::Timestamp => {
            if !value.is_number() {
                return Err(mismatch(value, "a Timestamp", path));
            }
        }
        Kind::Blob { length } => {
            let Value::String(s) = value else {
                return Err(mismatch(value, "a Blob", path));
            };
            let bytes = STANDARD_PAD_INDIFFERENT.decode(s).map_err(|_| {
                let mut message = String::from(
                    "STRING_VALUE is not valid base64 and can not be converted to a Blob",
                );
                if !path.is_empty() {
                    let _ = write!(message, " at '{path}'");
                }
                ValidationError::serialization(message)
            })?;
            failed.extend(length_failures(bytes.len(), *length));
        }
        // Aggregates are never passed here; accept rather than panic.
        Kind::Structure { .. } | Kind::Document | Kind::List { .. } | Kind::Map { .. } => {}
    }
    Ok(failed)
}

/// The integer value of a JSON number within `[lo, hi]`; integral floats (`5.0`) count.
fn integral(value: &Value, lo: i64, hi: i64) -> Option<i64> {
    let Value::Number(n) = value else {
        return None;
    };
    let i = match n.as_i64() {
        Some(i) => i,
        None => {
            let f = n.as_f64()?;
            // `i64::MAX as f64` is 2^63, so the half-open check keeps the cast exact.
            if f.fract() != 0.0 || f < i64::MIN as f64 || f >= i64::MAX as f64 {
                return None;
            }
            f as i64
        }
    };
    (lo..=hi).contains(&i).then_some(i)
}

fn string_failures(
    s: &str,
    length: Bounds,
    pattern: Option<&crate::pattern::Pattern>,
    enum_values: Option<&[String]>,
    out: &mut Vec<String>,
) {
    if !length.is_empty() {
        out.extend(length_failures(s.chars().count(), length));
    }
    if let Some(p) = pattern
        && !p.is_match(s)
    {
        out.push(format!(
            "Member must satisfy regular expression pattern: {}",
            p.source()
        ));
    }
    if let Some(values) = enum_values
        && !values.iter().any(|v| v == s)
    {
        out.push(enum_text(values));
    }
}

fn length_failures(len: usize, bounds: Bounds) -> Option<String> {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    if let Some(min) = bounds.min
        && len < min
    {
        return Some(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    if let Some(max) = bounds.max
        && len > max
    {
        return Some(format!(
            "Member must have length less than or equal to {max}"
        ));
    }
    None
}

fn range_failures(n: i64, range: Bounds, out: &mut Vec<String>) {
    if let Some(min) = range.min
        && n < min
    {
        out.push(format!(
            "Member must have value greater than or equal to {min}"
        ));
    }
    if let Some(max) = range.max
        && n > max
    {
        out.push(format!(
            "Member must have value less than or equal to {max}"
        ));
    }
}

fn enum_text(values: &[String]) -> String {
    format!(
        "Member must satisfy enum value set: [{}]",
        values.join(", ")
    )
}

/// Every constraint of a scalar shape, in Coral's order (max before min), for the
/// aggregated list / map messages.
fn all_constraints(node: &Node) -> Vec<String> {
    let mut out = Vec::new();
    let length = |out: &mut Vec<String>, b: &Bounds| {
        if let Some(max) = b.max {
            out.push(format!(
                "Member must have length less than or equal to {max}"
            ));
        }
        if let Some(min) = b.min {
            out.push(format!(
                "Member must have length greater than or equal to {min}"
            ));
        }
    };
    match &node.kind {
        Kind::String {
            length: b,
            pattern,
            enum_values,
        } => {
            length(&mut out, b);
            if let Some(p) = pattern {
                out.push(format!(
                    "Member must satisfy regular expression pattern: {}",
                    p.source()
                ));
            }
            if let Some(values) = enum_values {
                out.push(enum_text(values));
            }
        }
        Kind::Blob { length: b } => length(&mut out, b),
        Kind::Integer { range } | Kind::Long { range } => {
            if let Some(max) = range.max {
                out.push(format!(
                    "Member must have value less than or equal to {max}"
                ));
            }
            if let Some(min) = range.min {
                out.push(format!(
                    "Member must have value greater than or equal to {min}"
                ));
            }
        }
        _ => {}
    }
    out
}
