//! FUZZ-11: client authentication at the token endpoint — any `Authorization` header, query and
//! body: no panic, and credentials taken from the header only when it is `Basic`.
#![no_main]

use axum::http::{HeaderMap, HeaderValue};
use cogito_fuzz::parts;
use cogito_server::oauth2::token::authenticated_form;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 3);
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    if let Ok(v) = HeaderValue::from_str(&p[0]) {
        headers.insert("authorization", v);
    }
    let query = (!p[1].is_empty()).then_some(p[1].as_str());
    if let Ok(form) = authenticated_form(&headers, query, p[2].as_bytes())
        && form.basic
    {
        assert!(
            p[0].trim_start()
                .get(..6)
                .is_some_and(|s| s.eq_ignore_ascii_case("basic ")),
            "Basic credentials from a header that is not Basic: {:?}",
            p[0]
        );
    }
});
