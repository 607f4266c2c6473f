//! The README's compatibility table is generated from the dispatch table. This test fails when
//! they disagree; `COGITO_UPDATE_README=1 cargo test -p cogito-server --test readme` rewrites it.

const START: &str = "<!-- compat:start -->\n";
const END: &str = "<!-- compat:end -->";

#[test]
fn readme_compatibility_table_matches_the_dispatch_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let start = readme.find(START).expect("compat:start marker") + START.len();
    let end = readme.find(END).expect("compat:end marker");
    let table = cogito_server::cognito_api::ops::compat_table();
    // Only an explicit `=1` rewrites the tracked README; a test run never changes it.
    if std::env::var("COGITO_UPDATE_README").is_ok_and(|v| v == "1") {
        let updated = format!("{}{}{}", &readme[..start], table, &readme[end..]);
        std::fs::write(&path, updated).expect("write README");
        return;
    }
    assert_eq!(
        &readme[start..end],
        table,
        "README table is stale: run COGITO_UPDATE_README=1 cargo test -p cogito-server --test readme"
    );
}
