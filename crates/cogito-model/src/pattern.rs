//! Java (Coral) regular expressions from the model, run with the `regex` crate.
//!
//! The service validates `pattern` traits with `java.util.regex.Pattern` and
//! `Matcher.matches()`, i.e. the whole value has to match. This module translates a Java
//! pattern into an equivalent `regex` pattern anchored as `^(?:...)$` and compiles it lazily,
//! once per distinct pattern (the model shares one [`Pattern`] between all shapes that use the
//! same source text).
//!
//! Translation rules (the Java semantics that differ from the `regex` crate):
//! * `\w \W \d \D \s \S` are ASCII-only in Java (no `UNICODE_CHARACTER_CLASS` flag), so they
//!   become explicit ASCII classes; inside a character class they become nested classes,
//!   which the `regex` crate treats as a union just like Java.
//! * `.` outside a class excludes all Java line terminators (`\n \r \u0085 \u2028 \u2029`)
//!   unless the pattern turns on `(?s)`.
//! * A `-` inside a class that directly follows a range or a class escape (`[0-9-_]`,
//!   `[\w-]`) is a literal in Java; it is escaped explicitly.
//! * Look-around is not supported by the `regex` crate; the one model pattern that uses it
//!   has a hand-written equivalent in [`OVERRIDES`].

use std::fmt;
use std::sync::OnceLock;

use regex::Regex;

/// Java patterns whose translation cannot be mechanical, with an equivalent `regex` body
/// (without the outer `^(?:...)$` anchoring, which is added as for every pattern).
const OVERRIDES: &[(&str, &str)] = &[(
    // "Only these characters, and not ending in a dot" (negative look-behind at the end).
    r"^[0-9A-Za-z\.\-_]*(?<!\.)$",
    r"(?:[0-9A-Za-z.\-_]*[0-9A-Za-z\-_])?",
)];

/// ASCII class bodies for Java's predefined classes.
const WORD: &str = "0-9A-Za-z_";
const DIGIT: &str = "0-9";
const SPACE: &str = r"\t\n\x0B\x0C\r ";
const NOT_LINE_TERMINATOR: &str = r"[^\n\r\x{85}\x{2028}\x{2029}]";

/// One distinct `pattern` trait value of the model, with its lazily compiled regex.
pub(crate) struct Pattern {
    source: String,
    translated: String,
    compiled: OnceLock<Option<Regex>>,
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pattern")
            .field("source", &self.source)
            .field("translated", &self.translated)
            .finish()
    }
}

impl Pattern {
    /// Wraps a Java pattern; nothing is compiled yet.
    pub(crate) fn new(source: &str) -> Self {
        Self {
            source: source.to_owned(),
            translated: translate(source),
            compiled: OnceLock::new(),
        }
    }

    /// The pattern text as written in the model (what error messages show).
    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// The anchored `regex` crate pattern.
    #[cfg(test)]
    pub(crate) fn translated(&self) -> &str {
        &self.translated
    }

    /// The compiled regex, built on first use. `None` only if the translation does not
    /// compile, which the test-suite rules out for every pattern in the embedded model.
    pub(crate) fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| Regex::new(&self.translated).ok())
            .as_ref()
    }

    /// Whether the whole `value` matches. A pattern that failed to compile accepts everything
    /// (validation must never take the service down).
    pub(crate) fn is_match(&self, value: &str) -> bool {
        self.regex().is_none_or(|re| re.is_match(value))
    }
}

/// Translates a Java pattern into an anchored `regex` crate pattern (see module docs).
pub(crate) fn translate(java: &str) -> String {
    let body = match OVERRIDES.iter().find(|(src, _)| *src == java) {
        Some((_, replacement)) => (*replacement).to_owned(),
        None => translate_body(java),
    };
    format!("^(?:{body})$")
}

fn translate_body(java: &str) -> String {
    let chars: Vec<char> = java.chars().collect();
    let mut out = String::with_capacity(java.len() + 16);
    let dotall = java.starts_with("(?s)");
    // Nesting depth of character classes.
    let mut class_depth = 0usize;
    // Inside a class: the previous item was a range end or a class escape, so a following
    // `-` cannot start a range and is a literal in Java.
    let mut after_range_or_class = false;
    // Inside a class: the position right after `[` or `[^` (where `]` and `-` are literals).
    let mut class_start = false;
    // Inside a class: the escape being read is the end point of a range (`\x23-\x5B`).
    let mut escaped_range_end = false;
    let mut i = 0usize;

    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&e) = chars.get(i + 1) else {
                out.push('\\');
                break;
            };
            i += 2;
            let class = match e {
                'w' => Some((false, WORD)),
                'W' => Some((true, WORD)),
                'd' => Some((false, DIGIT)),
                'D' => Some((true, DIGIT)),
                's' => Some((false, SPACE)),
                'S' => Some((true, SPACE)),
                _ => None,
            };
            if let Some((negated, body)) = class {
                out.push('[');
                if negated {
                    out.push('^');
                }
                out.push_str(body);
                out.push(']');
                after_range_or_class = true;
            } else if e == 'p' || e == 'P' || e == 'x' || e == 'u' {
                // Escapes with an argument: copy `\p{..}` / `\pL` / `\xhh` / `\x{..}` / `\uhhhh`.
                out.push('\\');
                if e == 'u' {
                    let hex: String = chars.iter().skip(i).take(4).collect();
                    out.push_str(&format!("x{{{hex}}}"));
                    i += hex.chars().count();
                } else {
                    out.push(e);
                    if chars.get(i) == Some(&'{') {
                        while let Some(&a) = chars.get(i) {
                            out.push(a);
                            i += 1;
                            if a == '}' {
                                break;
                            }
                        }
                    } else {
                        let take = if e == 'x' { 2 } else { 1 };
                        for _ in 0..take {
                            if let Some(&a) = chars.get(i) {
                                out.push(a);
                                i += 1;
                            }
                        }
                    }
                }
                after_range_or_class = e == 'p' || e == 'P' || escaped_range_end;
            } else {
                out.push('\\');
                out.push(e);
                after_range_or_class = escaped_range_end;
            }
            escaped_range_end = false;
            class_start = false;
            continue;
        }

        if class_depth > 0 {
            match c {
                '[' => {
                    class_depth += 1;
                    out.push('[');
                    class_start = true;
                    after_range_or_class = false;
                    if chars.get(i + 1) == Some(&'^') {
                        out.push('^');
                        i += 1;
                    }
                }
                ']' if !class_start => {
                    class_depth -= 1;
                    out.push(']');
                    after_range_or_class = class_depth > 0;
                }
                ']' => {
                    out.push_str(r"\]");
                    class_start = false;
                }
                '-' => {
                    let next = chars.get(i + 1).copied();
                    if class_start || after_range_or_class || next == Some(']') || next.is_none() {
                        out.push_str(r"\-");
                        after_range_or_class = false;
                    } else {
                        // A range: copy `-` and its end point.
                        out.push('-');
                        after_range_or_class = true;
                        i += 1;
                        if next == Some('\\') {
                            // Escaped range end, e.g. `\x7E`: let the loop copy it.
                            escaped_range_end = true;
                            class_start = false;
                            continue;
                        }
                        if let Some(n) = next {
                            push_class_literal(&mut out, n);
                        }
                    }
                    class_start = false;
                }
                '&' if chars.get(i + 1) == Some(&'&') => {
                    out.push_str("&&");
                    i += 1;
                    class_start = false;
                    after_range_or_class = false;
                }
                _ => {
                    push_class_literal(&mut out, c);
                    class_start = false;
                    after_range_or_class = false;
                }
            }
            i += 1;
            continue;
        }

        match c {
            '[' => {
                class_depth = 1;
                out.push('[');
                class_start = true;
                after_range_or_class = false;
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
            }
            '.' if !dotall => out.push_str(NOT_LINE_TERMINATOR),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Pushes a literal character inside a class, escaping what the `regex` crate would read as
/// syntax there (`[`, `~`, `&`, `-` are set operators or nesting in `regex`, not in Java).
fn push_class_literal(out: &mut String, c: char) {
    if matches!(c, '[' | ']' | '~' | '&' | '-' | '^' | '\\') {
        out.push('\\');
    }
    out.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(java: &str, value: &str) -> bool {
        let p = Pattern::new(java);
        assert!(p.regex().is_some(), "{java} -> {}", p.translated());
        p.is_match(value)
    }

    #[test]
    fn whole_value_must_match() {
        assert!(matches(r"[\w-]+_[0-9a-zA-Z]+", "us-east-1_AbC123"));
        assert!(!matches(r"[\w-]+_[0-9a-zA-Z]+", "us-east-1_AbC123 "));
        assert!(!matches(r"[\w-]+_[0-9a-zA-Z]+", "x us-east-1_AbC"));
        assert!(matches("Level[1-4]", "Level3"));
        assert!(!matches("Level[1-4]", "Level5"));
    }

    #[test]
    fn java_shorthand_classes_are_ascii() {
        // Java's \w does not include non-ASCII letters.
        assert!(!matches(r"[\w+]+", "é"));
        assert!(matches(r"[\w+]+", "abc+_9"));
        // Java's \S matches everything but ASCII whitespace.
        assert!(matches(r"[\S]+", "pässwörd\u{a0}"));
        assert!(!matches(r"[\S]+", "two words"));
        assert!(matches(r"[\w\s+=,.@-]+", "a b+=,.@-"));
    }

    #[test]
    fn dash_after_range_is_literal() {
        assert!(matches("[A-Za-z0-9-_=.]+", "a-b_c=.9"));
        assert!(!matches("[A-Za-z0-9-_=.]+", "a b"));
        assert!(matches("[A-Za-z0-9-_+/=.]+", "a+/="));
    }

    #[test]
    fn dot_excludes_line_terminators_unless_dotall() {
        assert!(matches(r".*\{####\}.*", "Code {####} here"));
        assert!(!matches(r".*\{####\}.*", "Code {####}\nhere"));
        assert!(matches("(?s).*", "a\nb"));
    }

    #[test]
    fn lookbehind_override() {
        let p = r"^[0-9A-Za-z\.\-_]*(?<!\.)$";
        assert!(matches(p, ""));
        assert!(matches(p, "a.b-c_d"));
        assert!(!matches(p, "abc."));
        assert!(!matches(p, "."));
        assert!(!matches(p, "a b"));
    }

    #[test]
    fn hex_escapes_and_unicode_classes() {
        let p = r"[\x21\x23-\x5B\x5D-\x7E]+";
        assert!(matches(p, "abc#!~"));
        assert!(!matches(p, "a\"b"));
        assert!(!matches(p, "a\\b"));
        assert!(matches(
            r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+",
            "Jürgen@example.com"
        ));
        assert!(!matches(r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+", "has space"));
        assert!(matches(
            r"[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+",
            "abcd"
        ));
        assert!(!matches(
            r"[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+",
            "_bcd"
        ));
    }

    #[test]
    fn model_identifier_patterns() {
        let domain = r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$";
        assert!(matches(domain, "my-domain"));
        assert!(!matches(domain, "-bad"));
        assert!(!matches(domain, "Upper"));
        let session = r"^(tkn|sso)[a-z0-9]{25}$";
        assert!(matches(session, &format!("tkn{}", "a".repeat(25))));
        assert!(!matches(session, &format!("abc{}", "a".repeat(25))));
        let device = r"[\w-]+_[0-9a-f-]+";
        assert!(matches(
            device,
            "us-east-1_0b2c4d6e-1234-4abc-8def-0123456789ab"
        ));
        let template = r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*\{####\}[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*";
        assert!(matches(template, "Your code:\n {####} *"));
        assert!(!matches(template, "Your code"));
        let arn = r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?";
        assert!(matches(
            arn,
            "arn:aws:lambda:us-east-1:123456789012:function:my-fn"
        ));
        assert!(!matches(arn, "arn:aws:lambda"));
    }

    #[test]
    fn translation_output() {
        assert_eq!(
            translate(r"[\w-]+_[0-9a-zA-Z]+"),
            r"^(?:[[0-9A-Za-z_]\-]+_[0-9a-zA-Z]+)$"
        );
        assert_eq!(translate(r"[\S]+"), r"^(?:[[^\t\n\x0B\x0C\r ]]+)$");
        assert_eq!(translate("[A-Za-z0-9-_=.]+"), r"^(?:[A-Za-z0-9\-_=.]+)$");
    }
}
