//! The JSON Schema of the spec, generated from the types, for editors and CI's drift check.

use crate::model::Spec;

/// The spec's JSON Schema as pretty JSON with a trailing newline (what `schema/cloudctl.schema.json` holds).
pub fn spec_schema() -> String {
    let mut schema = schemars::schema_for!(Spec);
    schema.insert(
        "$id".into(),
        "https://cloudctl.dev/schema/cloudctl.schema.json".into(),
    );
    schema.insert(
        "description".into(),
        "A cloudctl spec file. A spec is a folder of such files, merged: mappings deep-merge and any other value may be defined once.".into(),
    );
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
