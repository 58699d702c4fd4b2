//! `manifest.json`: the resolved spec, versioned, for the dashboard and other tools. It holds the
//! spec itself (secrets are references there, never values) and the resolved [`View`], so the spec
//! can be read back from it losslessly.

use cloudctl_spec::Spec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::view::View;

/// The manifest format version; bumped only for incompatible changes.
pub const MANIFEST_VERSION: u32 = 1;

/// The manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// JSON Schema of this file.
    #[serde(rename = "$schema")]
    pub schema: String,
    /// Manifest format version.
    pub manifest_version: u32,
    /// What wrote it: `cloudctl <version>`.
    pub generator: String,
    /// The spec, as loaded (defaults applied).
    pub spec: Spec,
    /// Every reference followed.
    pub resolved: View,
}

impl Manifest {
    /// The manifest of `spec`.
    pub fn new(spec: &Spec) -> Self {
        Manifest {
            schema: "manifest.schema.json".into(),
            manifest_version: MANIFEST_VERSION,
            generator: format!("cloudctl {}", env!("CARGO_PKG_VERSION")),
            spec: spec.clone(),
            resolved: View::new(spec),
        }
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> crate::Result<String> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(text)
    }

    /// Reads a manifest back.
    pub fn from_json(text: &str) -> crate::Result<Self> {
        Ok(serde_json::from_str(text)?)
    }
}

/// The manifest's JSON Schema, pretty, with a trailing newline.
pub fn schema() -> String {
    let mut schema = schemars::schema_for!(Manifest);
    schema.insert(
        "$id".into(),
        "https://cloudctl.dev/schema/manifest.schema.json".into(),
    );
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
