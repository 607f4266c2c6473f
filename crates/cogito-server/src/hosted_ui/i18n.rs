//! Texts of the hosted pages: a `key = text` table per language (English and French built in,
//! English is the fallback for missing keys), language negotiation (`lang=` query parameter,
//! then `Accept-Language`), and per-pool/per-client overrides (`messages.<lang>.txt` in the UI
//! directory or in the stored customisation), which can also add languages.

use std::collections::HashMap;

/// Languages shipped with cogito: `(code, table)`.
const BUILTIN: &[(&str, &str)] = &[
    ("en", include_str!("../../templates/hosted_ui/i18n/en.txt")),
    ("fr", include_str!("../../templates/hosted_ui/i18n/fr.txt")),
];

/// The fallback language.
pub const DEFAULT_LANG: &str = "en";

/// Parses a `key = text` table (`#` starts a comment line).
pub fn parse(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.lines().filter_map(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let (k, v) = line.split_once('=')?;
        Some((k.trim().to_string(), v.trim().to_string()))
    })
}

/// Whether cogito ships a table for `lang`.
pub fn is_builtin(lang: &str) -> bool {
    BUILTIN.iter().any(|(code, _)| *code == lang)
}

/// Codes of the built-in languages.
pub fn builtin_codes() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(code, _)| *code)
}

/// A language tag reduced to its primary subtag (`fr-CA` → `fr`), if well-formed.
pub fn primary_tag(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    ((2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase()))
        .then_some(primary)
}

/// Picks the page language: the `lang` parameter if available, else the best
/// `Accept-Language` entry that is available, else English.
pub fn negotiate(
    query_lang: Option<&str>,
    accept_language: Option<&str>,
    available: impl Fn(&str) -> bool,
) -> String {
    if let Some(l) = query_lang.and_then(primary_tag).filter(|l| available(l)) {
        return l;
    }
    let mut ranked: Vec<(f32, usize, String)> = accept_language
        .unwrap_or_default()
        .split(',')
        .enumerate()
        .filter_map(|(i, item)| {
            let mut parts = item.split(';');
            let tag = primary_tag(parts.next()?)?;
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (q > 0.0).then_some((q, i, tag))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked
        .into_iter()
        .map(|(_, _, tag)| tag)
        .find(|t| available(t))
        .unwrap_or_else(|| DEFAULT_LANG.to_string())
}

/// The texts of one page language.
#[derive(Debug, Clone)]
pub struct Messages {
    /// Language code (`<html lang>`).
    pub lang: String,
    map: HashMap<String, String>,
}

impl Messages {
    /// English, then the built-in table of `lang`, then `overrides` (least specific first).
    pub fn load(lang: &str, overrides: &[String]) -> Self {
        let mut map = HashMap::new();
        for (code, table) in BUILTIN {
            if *code == DEFAULT_LANG {
                map.extend(parse(table));
            }
        }
        for (code, table) in BUILTIN {
            if *code == lang && *code != DEFAULT_LANG {
                map.extend(parse(table));
            }
        }
        for text in overrides {
            map.extend(parse(text));
        }
        Self {
            lang: lang.to_string(),
            map,
        }
    }

    /// The text of `key` (the key itself when unknown), `{0}`, `{1}`… replaced by `args`.
    pub fn text(&self, key: &str, args: &[&str]) -> String {
        let mut out = self
            .map
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_string());
        for (i, a) in args.iter().enumerate() {
            out = out.replace(&format!("{{{i}}}"), a);
        }
        out
    }

    /// The text of `key` if the table has it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }

    /// The native name of a language, from its own table.
    pub fn language_name(code: &str) -> String {
        BUILTIN
            .iter()
            .find(|(c, _)| *c == code)
            .and_then(|(_, table)| {
                parse(table)
                    .find(|(k, _)| k == "language_name")
                    .map(|(_, v)| v)
            })
            .unwrap_or_else(|| code.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_table_has_the_english_keys() {
        let en: Vec<String> = parse(BUILTIN[0].1).map(|(k, _)| k).collect();
        for (code, table) in BUILTIN {
            let keys: Vec<String> = parse(table).map(|(k, _)| k).collect();
            for k in &en {
                assert!(keys.contains(k), "{code} lacks {k}");
            }
        }
    }

    #[test]
    fn negotiation_prefers_the_parameter_then_the_header() {
        let avail = |l: &str| is_builtin(l);
        assert_eq!(negotiate(Some("fr"), None, avail), "fr");
        assert_eq!(negotiate(Some("FR-ca"), Some("en"), avail), "fr");
        assert_eq!(
            negotiate(Some("xx"), Some("de;q=0.9, fr;q=0.8"), avail),
            "fr"
        );
        assert_eq!(negotiate(None, Some("fr;q=0.5, en;q=0.7"), avail), "en");
        assert_eq!(negotiate(None, Some("de, fr;q=0"), avail), "en");
        assert_eq!(negotiate(None, None, avail), "en");
    }

    #[test]
    fn texts_fall_back_to_english_and_take_arguments() {
        let fr = Messages::load("fr", &["sign_in_title = Entrer".to_string()]);
        assert_eq!(fr.text("sign_in_title", &[]), "Entrer");
        assert_eq!(fr.text("sign_in_lead", &["App"]), "Continuer vers App");
        assert_eq!(fr.text("no.such.key", &[]), "no.such.key");
        assert_eq!(Messages::language_name("fr"), "Français");
    }
}
