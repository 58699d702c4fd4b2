use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a secret lives: an environment variable or a file, never the value itself.
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    /// Name of the environment variable that holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// Path of the file that holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// What it is for, shown in `.env.example` and documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

// Only references are stored, but Debug stays terse so nothing resembling a value is ever logged.
impl fmt::Debug for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.env, &self.file) {
            (Some(env), _) => write!(f, "SecretRef(env:{env})"),
            (None, Some(file)) => write!(f, "SecretRef(file:{file})"),
            (None, None) => f.write_str("SecretRef(unset)"),
        }
    }
}
