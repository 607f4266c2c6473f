//! `cogito.toml`: the layer between defaults and the environment. Each top-level key
//! `some_setting = value` provides `COGITO_SOME_SETTING` unless the environment already sets it,
//! so the precedence is defaults → `cogito.toml` → `COGITO_*` environment → flags.

use std::path::Path;

use anyhow::Context;

/// The config file in force: `COGITO_CONFIG`, else `./cogito.toml` when it exists.
pub fn path() -> Option<std::path::PathBuf> {
    match std::env::var_os("COGITO_CONFIG") {
        Some(p) => Some(p.into()),
        None => Some(Path::new("cogito.toml").to_path_buf()).filter(|p| p.exists()),
    }
}

/// `(environment variable, value)` pairs the file provides.
pub fn read(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let table: toml::Table = text
        .parse()
        .with_context(|| format!("parsing {}", path.display()))?;
    let mut out = Vec::new();
    for (key, value) in table {
        if key == "triggers" {
            out.push(("COGITO_TRIGGERS".to_owned(), triggers(path, value)?));
            continue;
        }
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => anyhow::bail!(
                "{}: `{key}` must be a string, number or boolean, not {}",
                path.display(),
                other.type_str()
            ),
        };
        out.push((
            format!("COGITO_{}", key.to_uppercase().replace('-', "_")),
            value,
        ));
    }
    Ok(out)
}

/// The `[triggers]` table (`"<ARN or function name>" = "<URL>"`) as `COGITO_TRIGGERS`
/// (`ARN=URL,…`).
fn triggers(path: &Path, value: toml::Value) -> anyhow::Result<String> {
    let toml::Value::Table(table) = value else {
        anyhow::bail!(
            "{}: `triggers` must be a table of ARN = URL",
            path.display()
        );
    };
    let mut pairs = Vec::new();
    for (function, url) in table {
        let toml::Value::String(url) = url else {
            anyhow::bail!(
                "{}: trigger `{function}` must be a URL string",
                path.display()
            );
        };
        pairs.push(format!("{function}={url}"));
    }
    Ok(pairs.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_environment_names() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cogito.toml");
        std::fs::write(
            &p,
            "listen = \"0.0.0.0:80\"\nhash-memory-kib = 1024\ndev = true\n",
        )
        .unwrap();
        let mut pairs = read(&p).unwrap();
        pairs.sort();
        assert_eq!(
            pairs,
            vec![
                ("COGITO_DEV".to_string(), "true".to_string()),
                ("COGITO_HASH_MEMORY_KIB".to_string(), "1024".to_string()),
                ("COGITO_LISTEN".to_string(), "0.0.0.0:80".to_string()),
            ]
        );
        std::fs::write(&p, "listen = [1]\n").unwrap();
        assert!(read(&p).is_err());
        std::fs::write(
            &p,
            "[triggers]\n\"arn:aws:lambda:us-east-1:123456789012:function:pre-signup\" = \"http://127.0.0.1:8099/pre-signup\"\nmigrate = \"http://127.0.0.1:8099/migrate\"\n",
        )
        .unwrap();
        assert_eq!(
            read(&p).unwrap(),
            vec![(
                "COGITO_TRIGGERS".to_string(),
                "arn:aws:lambda:us-east-1:123456789012:function:pre-signup=http://127.0.0.1:8099/pre-signup,migrate=http://127.0.0.1:8099/migrate".to_string()
            )]
        );
    }
}
