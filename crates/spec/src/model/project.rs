use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Id;

/// Who the cloud belongs to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// A name for headings: "Diego's Cloud Infrastructure".
    #[serde(default)]
    pub name: String,
    /// The owner, for documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// One paragraph about the cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A domain the services live under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    /// The provider that serves its DNS (e.g. `cloudflare`).
    pub dns: Id,
    /// The provider it is registered with, if different.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registrar: Option<Id>,
    /// Whether records go through the DNS provider's proxy/CDN by default (Cloudflare's orange cloud).
    #[serde(default = "yes")]
    pub proxied: bool,
    /// TLS certificate chain (a file path on the proxy host) served for this domain's names;
    /// default `/etc/letsencrypt/live/<domain>/fullchain.pem`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// Path of that certificate's private key on the proxy host; default
    /// `/etc/letsencrypt/live/<domain>/privkey.pem`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_key: Option<String>,
}

fn yes() -> bool {
    true
}

/// Capacity-planning settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Planning {
    /// Share of each host's capacity kept free, in percent: allocations inside it warn.
    #[serde(default = "default_headroom")]
    pub headroom_percent: f64,
    /// Currency of every price (only USD is supported).
    #[serde(default = "default_currency")]
    pub currency: String,
}

fn default_headroom() -> f64 {
    10.0
}

fn default_currency() -> String {
    "USD".into()
}

impl Default for Planning {
    fn default() -> Self {
        Planning {
            headroom_percent: default_headroom(),
            currency: default_currency(),
        }
    }
}
