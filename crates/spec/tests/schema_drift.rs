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

#[test]
fn every_default_spec_file_validates_against_the_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&cloudctl_spec::schema::spec_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    for source in cloudctl_spec::load::default_sources() {
        let loaded = cloudctl_spec::load::load(std::slice::from_ref(&source));
        let json = loaded.tree.to_json();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} does not validate: {errors:#?}",
            source.name
        );
    }
}

#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let schema: serde_json::Value =
        serde_json::from_str(&cloudctl_spec::schema::spec_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for bad in [
        serde_json::json!({"hosts": {"vm": {"provider": "p"}}}),
        serde_json::json!({"servics": {}}),
        serde_json::json!({"hosts": {"vm": {"provider": "p", "tier": "cheap", "availability": "always-on", "capacity": {"vcpu": 1, "ram": "1GB", "storage": "1GB", "bandwidth": "1GB/day"}}}}),
    ] {
        assert!(!validator.is_valid(&bad), "the schema accepts {bad}");
    }
}
