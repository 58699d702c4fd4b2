use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Availability, Component, Id};

/// A service the owner uses or the cloud needs: one or more components on one host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Display name: "Web Terminal".
    pub title: String,
    /// One line on what it is for.
    #[serde(default)]
    pub description: String,
    /// An emoji or icon name for cards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// `category/group`, e.g. `fridge/terminals`.
    pub category: String,
    /// The hub service this one belongs under (terminals → terminal, jupyter, ide, ai-chat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Id>,
    /// Public URL (`https://vault.example.com`, `https://auth.example.com/oauth2`); none = internal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The host it runs on (required unless `external`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Id>,
    /// Served by a third party instead of a host of ours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<External>,
    /// Where it is in its life.
    pub status: Lifecycle,
    /// When it should run.
    pub availability: Availability,
    /// Who may reach its URL through the auth gateway (required for public services).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthPolicy>,
    /// Why `bypass` or `built_in` is safe here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_reason: Option<String>,
    /// Paths under the URL that skip the gateway (tracking endpoints, webhooks); needs `auth_reason`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bypass_paths: Vec<String>,
    /// The component the reverse proxy sends traffic to; defaults to the first container with a
    /// port among front, app, admin and api components.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<Id>,
    /// The traffic it sees and why it runs when it does (the plan's B20 matrix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand: Option<Demand>,
    /// Its parts, keyed by id (`vault-app`, `vault-db0`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub components: IndexMap<Id, Component>,
    /// Free text shown in documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl Service {
    /// The component the proxy routes to: `entry`, else the first container with a port among
    /// front, app, admin and api components.
    pub fn entry_component(&self) -> Option<(&Id, &Component)> {
        if let Some(entry) = &self.entry {
            return self.components.get_key_value(entry);
        }
        use super::ComponentKind as K;
        self.components.iter().find(|(_, c)| {
            c.is_container()
                && c.port.is_some()
                && matches!(c.kind, K::Front | K::App | K::Admin | K::Api)
        })
    }

    /// The host part of the URL (`vault.example.com`), if public.
    pub fn url_host(&self) -> Option<&str> {
        let url = self.url.as_deref()?;
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        Some(rest.split(['/', ':']).next().unwrap_or(rest))
    }

    /// The path part of the URL (`/oauth2`), `/` when none.
    pub fn url_path(&self) -> &str {
        let Some(url) = self.url.as_deref() else {
            return "/";
        };
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        rest.find('/').map_or("/", |i| &rest[i..])
    }

    /// True when it has a public URL.
    pub fn is_public(&self) -> bool {
        self.url.is_some()
    }
}

/// A third party that serves the service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct External {
    /// The provider id.
    pub provider: Id,
    /// Where DNS should point: a hostname (CNAME) or an IP address.
    pub target: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Where a service is in its life (the plan's status column).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    /// Running and in use.
    On,
    /// Running, being built.
    Dev,
    /// Paused on purpose.
    Hold,
    /// Down.
    Offline,
    /// In the plan, not deployed yet.
    Planned,
}

impl Lifecycle {
    /// The plan's word.
    pub fn label(self) -> &'static str {
        match self {
            Lifecycle::On => "on",
            Lifecycle::Dev => "dev",
            Lifecycle::Hold => "hold",
            Lifecycle::Offline => "offline",
            Lifecycle::Planned => "planned",
        }
    }

    /// True when containers should be running (on or dev).
    pub fn is_deployed(self) -> bool {
        matches!(self, Lifecycle::On | Lifecycle::Dev)
    }
}

/// Who may reach a service's URL (Authelia's policies, plus apps that log users in themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthPolicy {
    /// Password and a second factor (TOTP, passkey) or GitHub.
    TwoFactor,
    /// Password only.
    OneFactor,
    /// No gateway; anyone may reach it. Needs `auth_reason`.
    Bypass,
    /// The app's own login only (e.g. Vaultwarden, the Authelia portal itself). Needs `auth_reason`.
    #[serde(alias = "built-in")]
    BuiltIn,
}

impl AuthPolicy {
    /// The plan's word.
    pub fn label(self) -> &'static str {
        match self {
            AuthPolicy::TwoFactor => "two_factor",
            AuthPolicy::OneFactor => "one_factor",
            AuthPolicy::Bypass => "bypass",
            AuthPolicy::BuiltIn => "built_in",
        }
    }

    /// True when the forward-auth gateway guards the URL.
    pub fn uses_gateway(self) -> bool {
        matches!(self, AuthPolicy::TwoFactor | AuthPolicy::OneFactor)
    }
}

/// The traffic a service sees and why it runs when it does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Demand {
    /// Traffic pattern.
    pub traffic: Traffic,
    /// Why the availability fits.
    pub reason: String,
}

/// Traffic patterns of the B20 matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Traffic {
    /// All day.
    Continuous,
    /// At set times.
    Scheduled,
    /// Now and then.
    Sporadic,
    /// Batch jobs.
    Burst,
}

/// The name of the probe an agent runs for a service's component: the component id when it
/// already reads `SERVICE-…` (`vault-app`), else `SERVICE-COMPONENT`. The hub uses the same
/// name to know which service an agent's probe belongs to.
pub fn component_probe_name(service_id: &str, component_id: &str) -> String {
    match component_id.strip_prefix(service_id) {
        Some(rest) if rest.starts_with('-') => component_id.to_owned(),
        _ => format!("{service_id}-{component_id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::component_probe_name;

    #[test]
    fn probe_names_carry_the_service_once() {
        assert_eq!(component_probe_name("vault", "vault-app"), "vault-app");
        assert_eq!(
            component_probe_name("photos", "photo-app"),
            "photos-photo-app"
        );
        assert_eq!(component_probe_name("vault", "vaultish"), "vault-vaultish");
    }
}
