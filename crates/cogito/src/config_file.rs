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
    }
}
