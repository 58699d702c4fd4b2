use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Id;

/// A top-level category of services (the plan's FRIDGE: what the owner uses; KITCHEN: what runs it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Heading: "FRIDGE".
    pub title: String,
    /// What belongs here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Groups, in display order.
    #[serde(default)]
    pub groups: IndexMap<Id, Group>,
}

/// A group of services inside a category: "Terminals", "User Productivity".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Heading.
    pub title: String,
    /// What belongs here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}
