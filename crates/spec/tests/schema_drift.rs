//! The committed JSON Schema equals a fresh one, so editors validate against what cloudctl reads.

#[test]
fn committed_schema_is_fresh() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../schema/cloudctl.schema.json"
    );
    let committed = std::fs::read_to_string(path).expect("schema/cloudctl.schema.json exists");
    let fresh = cloudctl_spec::schema::spec_schema();
    assert!(
        committed == fresh,
        "schema/cloudctl.schema.json is stale: run `cargo run -- schema --out schema/cloudctl.schema.json` and commit it"
    );
}

#[test]
fn every_default_spec_file_points_editors_at_the_schema() {
    for source in cloudctl_spec::load::default_sources() {
        let first = source.text.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("# yaml-language-server: $schema=")
                && first.ends_with("schema/cloudctl.schema.json"),
            "{} does not start with the schema line: {first}",
            source.name
        );
    }
}
