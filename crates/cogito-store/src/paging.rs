//! Backend-neutral helpers for paged listings and filters: page sizes, the opaque cursors handed
//! to callers, the exclusive upper bound that turns a prefix match into an index range, and the
//! value normalisation shared by the attribute index and `ListUsers` filters.
//!
//! Nothing here knows SQL; every backend builds its own queries from these values.

use cogito_core::store::{FilterOp, Page, StoreError, StoreResult};

/// Page size used when a caller passes `limit == 0`.
pub const DEFAULT_PAGE_SIZE: u32 = 60;

/// Largest page size a backend returns, whatever the caller asks for.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Number of outbox messages returned when a query passes `limit == 0`.
pub const DEFAULT_OUTBOX_LIMIT: u32 = 100;

/// The page size in force for a requested `limit`: 0 means [`DEFAULT_PAGE_SIZE`], anything above
/// [`MAX_PAGE_SIZE`] is capped.
pub fn page_size(limit: u32) -> u32 {
    match limit {
        0 => DEFAULT_PAGE_SIZE,
        n => n.min(MAX_PAGE_SIZE),
    }
}

/// Cuts a result fetched with `size + 1` rows down to `size` and derives the next cursor from the
/// last item kept, only when the extra row proved that more rows exist.
pub fn finish_page<T>(mut items: Vec<T>, size: u32, cursor_of: impl Fn(&T) -> String) -> Page<T> {
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    if items.len() > size {
        items.truncate(size);
        let next = items.last().map(cursor_of);
        Page { items, next }
    } else {
        Page { items, next: None }
    }
}

/// Cursor of a listing ordered by one string key (pool id, client id, group name).
pub fn key_cursor(key: &str) -> String {
    hex_encode(key.as_bytes())
}

/// Decodes a [`key_cursor`]. A cursor this crate did not produce is [`StoreError::NotFound`]
/// (the ports have no "invalid argument" error; the position it names does not exist).
pub fn parse_key_cursor(cursor: &str) -> StoreResult<String> {
    hex_decode(cursor)
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or(StoreError::NotFound)
}

/// Cursor of a listing of users ordered by `(created_ms, sub)`.
pub fn user_cursor(created_ms: i64, sub: &str) -> String {
    hex_encode(format!("{created_ms}:{sub}").as_bytes())
}

/// Decodes a [`user_cursor`] into `(created_ms, sub)`; see [`parse_key_cursor`] for errors.
pub fn parse_user_cursor(cursor: &str) -> StoreResult<(i64, String)> {
    let text = parse_key_cursor(cursor)?;
    let (created, sub) = text.split_once(':').ok_or(StoreError::NotFound)?;
    let created = created.parse::<i64>().map_err(|_| StoreError::NotFound)?;
    Ok((created, sub.to_owned()))
}

/// The normalised form of a user attribute or username used by filters: lower-cased.
pub fn normalise(value: &str) -> String {
    value.to_lowercase()
}

/// The smallest string greater than every string that starts with `prefix`, in code-point order
/// (which is also UTF-8 byte order); `None` when no such string exists (empty prefix, or a prefix
/// made only of `char::MAX`). `value >= prefix AND value < bound` is then exactly "starts with".
pub fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = next_char(last) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Which values of the `enabled` flag a `status` filter (`"true"` / `"false"`) selects.
pub fn enabled_values(op: FilterOp, value: &str) -> Vec<bool> {
    let matches = |candidate: &str| match op {
        FilterOp::Equals => candidate == value,
        FilterOp::Prefix => candidate.starts_with(value),
    };
    [true, false]
        .into_iter()
        .filter(|b| matches(if *b { "true" } else { "false" }))
        .collect()
}

fn next_char(c: char) -> Option<char> {
    match c {
        '\u{D7FF}' => Some('\u{E000}'),
        char::MAX => None,
        c => char::from_u32(u32::from(c) + 1),
    }
}

fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |d: u8| {
        char::from(d)
            .to_digit(16)
            .and_then(|v| u8::try_from(v).ok())
    };
    digits
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        assert_eq!(
            parse_key_cursor(&key_cursor("us-east-1_Ab:c")).unwrap(),
            "us-east-1_Ab:c"
        );
        assert_eq!(
            parse_user_cursor(&user_cursor(-5, "a:b")).unwrap(),
            (-5, "a:b".to_owned())
        );
        assert_eq!(parse_key_cursor("zz"), Err(StoreError::NotFound));
        assert_eq!(parse_key_cursor("abc"), Err(StoreError::NotFound));
        assert_eq!(
            parse_user_cursor(&key_cursor("nocolon")),
            Err(StoreError::NotFound)
        );
    }

    #[test]
    fn prefix_bounds_are_exact() {
        assert_eq!(prefix_upper_bound("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_upper_bound(""), None);
        assert_eq!(prefix_upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
        assert_eq!(
            prefix_upper_bound("x\u{D7FF}").as_deref(),
            Some("x\u{E000}")
        );
        let bound = prefix_upper_bound("ab").unwrap();
        for s in ["ab", "ab\u{10FFFF}\u{10FFFF}", "abz"] {
            assert!(s >= "ab" && s < bound.as_str(), "{s}");
        }
        assert!("ac" >= bound.as_str());
    }

    #[test]
    fn page_sizes_and_pages() {
        assert_eq!(page_size(0), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(5), 5);
        assert_eq!(page_size(u32::MAX), MAX_PAGE_SIZE);
        let p = finish_page(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!((p.items, p.next), (vec![1, 2], Some("2".to_owned())));
        let p = finish_page(vec![1, 2], 2, |n| n.to_string());
        assert_eq!((p.items, p.next), (vec![1, 2], None));
    }

    #[test]
    fn enabled_filter_values() {
        assert_eq!(enabled_values(FilterOp::Equals, "true"), vec![true]);
        assert_eq!(enabled_values(FilterOp::Equals, "false"), vec![false]);
        assert_eq!(enabled_values(FilterOp::Prefix, "f"), vec![false]);
        assert_eq!(enabled_values(FilterOp::Prefix, ""), vec![true, false]);
        assert!(enabled_values(FilterOp::Equals, "yes").is_empty());
    }
}
