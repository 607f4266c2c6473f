//! FUZZ-06: `application/x-www-form-urlencoded` parsing of the OAuth endpoints and pages — no
//! panic on bad percent-encoding or UTF-8; a repeated name is reported, and the first value
//! of each name is kept.
#![no_main]

use cogito_server::oauth2::params::{Params, authorize_params};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let p = Params::parse(&text);
    for name in &p.repeated {
        assert!(p.values.contains_key(name), "{name} repeated but absent");
    }
    let again = Params::parse(&text);
    assert_eq!(p.values, again.values);
    let _ = authorize_params(&text);
});
