//! The `ListUsers` filter language (reference §8.10): `<attribute> <op> "<value>"` with `=` or
//! `^=`, one condition, backslash-escaped quotes.

use crate::error::{CoreError, CoreResult};
use crate::store::{FilterField, FilterOp, UserFilter};

const SEARCHABLE: &[&str] = &[
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
];

/// Parses a filter; an empty string means "no filter".
pub fn parse(filter: &str) -> CoreResult<Option<UserFilter>> {
    let f = filter.trim();
    if f.is_empty() {
        return Ok(None);
    }
    let bad = || CoreError::invalid("Error while parsing filter.");
    let name_end = f
        .find(|c: char| c.is_whitespace() || c == '=' || c == '^')
        .ok_or_else(bad)?;
    let (name, rest) = f.split_at(name_end);
    let rest = rest.trim_start();
    let (op, rest) = if let Some(r) = rest.strip_prefix("^=") {
        (FilterOp::Prefix, r)
    } else if let Some(r) = rest.strip_prefix('=') {
        (FilterOp::Equals, r)
    } else {
        return Err(bad());
    };
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .ok_or_else(bad)?;
    let mut value = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.push(chars.next().ok_or_else(bad)?),
            '"' => return Err(bad()),
            c => value.push(c),
        }
    }
    let field = match name {
        "username" => FilterField::Username,
        "cognito:user_status" => FilterField::Status,
        "status" => FilterField::Enabled,
        "sub" => FilterField::Sub,
        n if SEARCHABLE.contains(&n) => FilterField::Attribute(n.to_string()),
        n => return Err(CoreError::invalid(format!("Invalid search attribute: {n}"))),
    };
    let value = match &field {
        FilterField::Status => value.to_uppercase(),
        FilterField::Enabled => match value.as_str() {
            "Enabled" => "true".into(),
            "Disabled" => "false".into(),
            _ => {
                return Err(CoreError::invalid(
                    "Invalid value for status: must be Enabled or Disabled",
                ));
            }
        },
        FilterField::Sub => value,
        _ => value.to_lowercase(),
    };
    Ok(Some(UserFilter { field, op, value }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let f = parse(r#"email = "Alice@Example.com""#).unwrap().unwrap();
        assert_eq!(f.field, FilterField::Attribute("email".into()));
        assert_eq!(f.op, FilterOp::Equals);
        assert_eq!(f.value, "alice@example.com");
        let f = parse(r#"family_name ^= "Sm""#).unwrap().unwrap();
        assert_eq!(f.op, FilterOp::Prefix);
        let f = parse(r#"cognito:user_status = "unconfirmed""#)
            .unwrap()
            .unwrap();
        assert_eq!(
            (f.field, f.value.as_str()),
            (FilterField::Status, "UNCONFIRMED")
        );
        let f = parse(r#"status = "Disabled""#).unwrap().unwrap();
        assert_eq!((f.field, f.value.as_str()), (FilterField::Enabled, "false"));
        let f = parse(r#"name = "say \"hi\"""#).unwrap().unwrap();
        assert_eq!(f.value, "say \"hi\"");
        assert_eq!(parse("  ").unwrap(), None);
    }

    #[test]
    fn rejects_bad_filters() {
        assert!(parse("custom:age = \"1\"").is_err());
        assert!(parse("email \"x\"").is_err());
        assert!(parse("email = x").is_err());
        assert!(parse("email = \"a\" and").is_err());
    }
}
