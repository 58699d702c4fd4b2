//! The spec's types: what the user writes, after all files are merged.

mod access;
mod alerting;
mod allocation;
mod category;
mod component;
mod cost;
mod host;
mod monitoring;
mod project;
mod provider;
mod secret;
mod security;
mod service;

pub use access::{Access, AuthMethod, GithubAccess, SmtpRelay, User};
pub use alerting::{Check, CheckKind, CheckSecurity, MinSeverity, Overrides, Routes, RuleOverride};
pub use allocation::Allocation;
pub use category::{Category, Group};
pub use component::{
    Component, ComponentKind, Hardening, Healthcheck, Protocol, Publish, Resources, Volume,
};
pub use cost::CostItem;
pub use host::{Arch, Availability, Capacity, Host, Role, Ssh, Tier, Wake};
pub use monitoring::{HubSettings, Monitoring, Notify, ProbeDefaults, Threshold, Thresholds};
pub use project::{Domain, Planning, Project};
pub use provider::{CostModel, FreeTier, Provider, ProviderKind};
pub use secret::SecretRef;
pub use security::{ContainerDefaults, InboundRule, SecurityPolicy, Source};
pub use service::{
    AuthPolicy, Demand, External, Lifecycle, Service, Traffic, component_probe_name,
};

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An identifier: lowercase letters, digits, `-` and `_`, starting with a letter or digit.
pub type Id = String;

/// The current spec format version.
pub const SPEC_VERSION: u32 = 1;

/// A whole cloud: what should exist, where, at what cost, and under which rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// JSON Schema reference for editors; ignored by cloudctl.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Spec format version; this cloudctl reads version 1.
    #[serde(default = "spec_version")]
    pub version: u32,
    /// Who this cloud is for.
    #[serde(default)]
    pub project: Project,
    /// Domains the services live under, keyed by domain name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub domains: IndexMap<String, Domain>,
    /// Cloud and service providers, keyed by id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub providers: IndexMap<Id, Provider>,
    /// Virtual machines, keyed by id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub hosts: IndexMap<Id, Host>,
    /// The service hierarchy's top level (the plan's FRIDGE and KITCHEN) and its groups.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub categories: IndexMap<Id, Category>,
    /// Services, keyed by id, in the order they are shown.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub services: IndexMap<Id, Service>,
    /// Cost items that are not a host's own price: domains, plans, pay-per-use workloads.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub costs: IndexMap<Id, CostItem>,
    /// Secrets, as references only (an environment variable or a file), keyed by id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub secrets: IndexMap<Id, SecretRef>,
    /// Who may log in and how (the plan's B11 dual authentication).
    #[serde(default)]
    pub access: Access,
    /// Firewall, headers and container hardening (the plan's B13).
    #[serde(default)]
    pub security: SecurityPolicy,
    /// Alert thresholds, probe defaults and where the hub runs.
    #[serde(default)]
    pub monitoring: Monitoring,
    /// Capacity-planning settings.
    #[serde(default)]
    pub planning: Planning,
}

fn spec_version() -> u32 {
    SPEC_VERSION
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            schema: None,
            version: SPEC_VERSION,
            project: Project::default(),
            domains: IndexMap::new(),
            providers: IndexMap::new(),
            hosts: IndexMap::new(),
            categories: IndexMap::new(),
            services: IndexMap::new(),
            costs: IndexMap::new(),
            secrets: IndexMap::new(),
            access: Access::default(),
            security: SecurityPolicy::default(),
            monitoring: Monitoring::default(),
            planning: Planning::default(),
        }
    }
}

impl Spec {
    /// Every container component with its service id, component id and host id.
    pub fn containers(&self) -> impl Iterator<Item = (&Id, &Service, &Id, &Component)> {
        self.services.iter().flat_map(|(service_id, service)| {
            service
                .components
                .iter()
                .filter(|(_, component)| component.is_container())
                .map(move |(component_id, component)| {
                    (service_id, service, component_id, component)
                })
        })
    }

    /// The services placed on `host`.
    pub fn services_on<'a>(&'a self, host: &'a str) -> impl Iterator<Item = (&'a Id, &'a Service)> {
        self.services
            .iter()
            .filter(move |(_, service)| service.host.as_deref() == Some(host))
    }

    /// The hosts that have `role`.
    pub fn hosts_with_role(&self, role: Role) -> impl Iterator<Item = (&Id, &Host)> {
        self.hosts
            .iter()
            .filter(move |(_, host)| host.roles.contains(&role))
    }
}
