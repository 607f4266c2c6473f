//! AWS Cognito's user-import CSV (`GetCSVHeader`'s columns): the header names attributes plus
//! `cognito:username` and `cognito:mfa_enabled`; each row is a user who arrives
//! `RESET_REQUIRED` with a new `sub`, as on Cognito. Read by `cogito users import` and by
//! import jobs.

use std::collections::BTreeMap;

use super::{PortableMfa, PortableUser};
use crate::model::{UserPool, UserStatus};

/// A row: its line number and the user, or why it cannot be read.
pub type Row = (usize, Result<PortableUser, String>);

/// The header of a pool's import CSV: its attributes (but `sub`), then `cognito:mfa_enabled`
/// and `cognito:username`.
pub fn header(pool: &UserPool) -> Vec<String> {
    pool.schema
        .iter()
        .map(|a| a.name.clone())
        .filter(|n| n != "sub")
        .chain(["cognito:mfa_enabled".into(), "cognito:username".into()])
        .collect()
}

/// Reads a CSV (`first` is its first line, already read; `rest` the remainder). `Err` when the
/// header lacks `cognito:username`.
pub fn read(first: String, rest: impl std::io::Read) -> Result<Vec<Row>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(std::io::Read::chain(first.as_bytes(), rest));
    let headers = reader
        .headers()
        .map_err(|e| format!("reading the CSV header: {e}"))?
        .clone();
    if !headers.iter().any(|h| h == "cognito:username") {
        return Err("the CSV header has no cognito:username column".into());
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(i + 2, |p| usize::try_from(p.line()).unwrap_or(i + 2));
        rows.push((line, user(&headers, record)));
    }
    Ok(rows)
}

fn user(
    headers: &csv::StringRecord,
    record: Result<csv::StringRecord, csv::Error>,
) -> Result<PortableUser, String> {
    let record = record.map_err(|e| format!("unreadable CSV row: {e}"))?;
    if record.len() != headers.len() {
        return Err(format!(
            "the row has {} columns, the header {}",
            record.len(),
            headers.len()
        ));
    }
    let mut user = PortableUser {
        username: String::new(),
        sub: None,
        status: UserStatus::ResetRequired,
        enabled: true,
        attributes: BTreeMap::new(),
        groups: Vec::new(),
        password_hash: None,
        srp_verifier: None,
        mfa: PortableMfa::default(),
        created_ms: None,
        modified_ms: None,
        password_set_ms: None,
    };
    for (name, value) in headers.iter().zip(record.iter()) {
        match name {
            "cognito:username" => value.clone_into(&mut user.username),
            "cognito:mfa_enabled" => {
                user.mfa.sms =
                    parse_bool(value).ok_or("cognito:mfa_enabled must be true or false")?;
            }
            _ if value.is_empty() => {}
            _ => {
                user.attributes.insert(name.to_owned(), value.to_owned());
            }
        }
    }
    if user.username.is_empty() {
        return Err("cognito:username is empty".into());
    }
    Ok(user)
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" | "" => Some(false),
        _ => None,
    }
}
