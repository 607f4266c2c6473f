//! Building blocks of the SigV4 canonical request: URI encoding, path
//! normalisation, canonical query string and header value normalisation.
//!
//! The rules mirror the official AWS signers (notably `aws-sigv4` for Rust) so
//! that whatever a client signed, the server rebuilds byte for byte.

use std::borrow::Cow;

/// Whether `b` belongs to the RFC 3986 "unreserved" set that SigV4 never encodes.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Appends `input` to `out`, percent-encoding (upper-case hex) every byte
/// outside the unreserved set, except `/` when `keep_slash` is set.
fn uri_encode_into(out: &mut String, input: &[u8], keep_slash: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in input {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// SigV4 `UriEncode` of `input` (every byte outside the unreserved set,
/// including `/`, is percent-encoded).
pub(crate) fn uri_encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len());
    uri_encode_into(&mut out, input, false);
    out
}

/// The canonical URI for a non-S3 service.
///
/// The raw (already percent-encoded) path is normalised (empty and `.`
/// segments dropped, `..` resolved, as RFC 3986 §5.2.4 and the AWS signers do)
/// and then URI-encoded once more, keeping `/` separators. So `/` stays `/`
/// and `/a%20b` becomes `/a%2520b`.
pub(crate) fn canonical_uri(raw_path: &str) -> String {
    let normalized = normalize_path(raw_path);
    let mut out = String::with_capacity(normalized.len());
    uri_encode_into(&mut out, normalized.as_bytes(), true);
    out
}

/// Removes dot segments and empty segments from an absolute path the way the
/// AWS SDK signers do.
fn normalize_path(path: &str) -> Cow<'_, str> {
    if path.is_empty() {
        return Cow::Borrowed("/");
    }
    let absolute: Cow<'_, str> = if path.starts_with('/') {
        Cow::Borrowed(path)
    } else {
        Cow::Owned(format!("/{path}"))
    };
    if !(absolute.contains('.') || absolute.contains("//")) {
        return absolute;
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in absolute.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut result = String::with_capacity(absolute.len());
    for segment in &segments {
        result.push('/');
        result.push_str(segment);
    }
    let ends_with_slash = ["/", "/.", "/./", "/..", "/../"]
        .iter()
        .any(|suffix| absolute.ends_with(suffix));
    if result.is_empty() || (ends_with_slash && !result.ends_with('/')) {
        result.push('/');
    }
    Cow::Owned(result)
}

/// Value of one ASCII hex digit.
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one `application/x-www-form-urlencoded` component: `+` becomes a
/// space, valid `%XX` escapes are decoded and invalid ones are kept verbatim;
/// invalid UTF-8 is replaced lossily (as the AWS signers do).
pub(crate) fn form_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let decoded = bytes
                    .get(i + 1)
                    .and_then(|&h| hex_value(h))
                    .zip(bytes.get(i + 2).and_then(|&l| hex_value(l)));
                if let Some((hi, lo)) = decoded {
                    out.push(hi << 4 | lo);
                    i += 3;
                } else {
                    out.push(b'%');
                    i += 1;
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a raw query string into decoded `(name, value)` pairs, in order.
/// Empty `&`-separated pieces are skipped; a piece without `=` has an empty
/// value.
pub(crate) fn parse_query(raw_query: &str) -> Vec<(String, String)> {
    raw_query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            (form_decode(name), form_decode(value))
        })
        .collect()
}

/// The canonical query string: every decoded pair re-encoded with
/// [`uri_encode`], sorted by encoded name then encoded value, joined with `&`.
/// Pairs whose decoded name equals `skip` (the signature itself, for presigned
/// requests) are left out.
pub(crate) fn canonical_query(params: &[(String, String)], skip: Option<&str>) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .filter(|(name, _)| skip != Some(name.as_str()))
        .map(|(name, value)| (uri_encode(name.as_bytes()), uri_encode(value.as_bytes())))
        .collect();
    encoded.sort();
    let mut out = String::new();
    for (i, (name, value)) in encoded.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// Trims leading and trailing spaces and collapses runs of inner spaces into
/// one, as SigV4 requires for canonical header values. Only the space
/// character is affected (as in the AWS signers).
pub(crate) fn trim_all(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut previous_space = false;
    for c in value.trim_matches(' ').chars() {
        if c == ' ' {
            if !previous_space {
                out.push(c);
            }
            previous_space = true;
        } else {
            out.push(c);
            previous_space = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_encoding_keeps_only_unreserved() {
        assert_eq!(uri_encode(b"AZaz09-._~"), "AZaz09-._~");
        assert_eq!(
            uri_encode(b":/?#[]@!$&'()*+,;=% "),
            "%3A%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25%20"
        );
        assert_eq!(uri_encode("é".as_bytes()), "%C3%A9");
    }

    #[test]
    fn canonical_uri_for_non_s3() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/a b/c"), "/a%20b/c");
        assert_eq!(canonical_uri("/a%20b/c"), "/a%2520b/c");
        assert_eq!(canonical_uri("/foo//bar/./baz/../qux/"), "/foo/bar/qux/");
        assert_eq!(canonical_uri("/.."), "/");
        assert_eq!(canonical_uri("/foo/.."), "/");
        assert_eq!(canonical_uri("/foo/bar/."), "/foo/bar/");
        assert_eq!(canonical_uri("relative"), "/relative");
    }

    #[test]
    fn query_is_decoded_reencoded_and_sorted() {
        let params = parse_query("b=2&a=3&a=1&c=x%20y+z&&flag&e=%zz&d=%7e");
        assert_eq!(
            canonical_query(&params, None),
            "a=1&a=3&b=2&c=x%20y%20z&d=~&e=%25zz&flag="
        );
        assert_eq!(canonical_query(&[], None), "");
        let presigned = parse_query("X-Amz-Signature=abc&X-Amz-Date=20261124T042015Z");
        assert_eq!(
            canonical_query(&presigned, Some("X-Amz-Signature")),
            "X-Amz-Date=20261124T042015Z"
        );
    }

    #[test]
    fn header_values_are_trimmed_and_collapsed() {
        assert_eq!(trim_all("  Some  example   text  "), "Some example text");
        assert_eq!(trim_all("plain"), "plain");
        assert_eq!(trim_all(""), "");
        assert_eq!(trim_all("   "), "");
        assert_eq!(trim_all("a\t\tb"), "a\t\tb");
    }
}
