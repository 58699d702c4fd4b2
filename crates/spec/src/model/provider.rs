use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::units::Size;

/// A company that hosts, routes or relays something for the cloud.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// What kind of provider, for rendering provider-specific files.
    pub kind: ProviderKind,
    /// Display name: "Google Cloud".
    pub title: String,
    /// What the cloud uses it for: "DNS", "CDN", "1 VM (e2-micro)".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// How it charges.
    pub cost_model: CostModel,
    /// The plan's words on the cost model: "Free Tier + Flex".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_note: Option<String>,
    /// Region: `us-central1`, `eu-frankfurt-1`, or `global`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Always-free allowance shared by all of this provider's free-tier hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_tier: Option<FreeTier>,
}

/// Kinds of provider cloudctl knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// Google Cloud.
    Gcp,
    /// Oracle Cloud Infrastructure.
    Oci,
    /// Cloudflare (DNS, CDN, proxy).
    Cloudflare,
    /// GitHub (Pages, OAuth apps).
    Github,
    /// Gmail (SMTP relay).
    Gmail,
    /// Anything else (GPU clouds, website builders, registrars).
    Other,
}

/// How a provider charges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CostModel {
    /// Nothing to pay.
    Free,
    /// Free within an allowance, paid beyond it.
    FreeTier,
    /// Free tier plus paid resources.
    Mixed,
    /// Billed by use (per hour, per GB).
    PayPerUse,
    /// A fixed subscription.
    Subscription,
}

/// The always-free allowance of a provider, summed over its free-tier hosts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FreeTier {
    /// Most free-tier hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_hosts: Option<u32>,
    /// Total vCPU of free-tier hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcpu: Option<f64>,
    /// Total RAM of free-tier hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ram: Option<Size>,
    /// Total storage (boot and block volumes) of free-tier hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<Size>,
    /// Where the allowance is written down, for the hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}
