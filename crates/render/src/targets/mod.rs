//! Render targets: one file each, one trait, registered once in [`ALL`].

mod authelia;
mod caddy;
pub mod compose;
pub mod deploy;
pub mod dns;
mod docs;
mod firewall;
mod nginx;
mod oauth2_proxy;
pub mod quote;
pub mod routes;
mod site;
mod ssh;
mod stacks;
mod systemd;
mod wireguard;

pub use docs::plan_markdown;

use cloudctl_plan::Plan;
use cloudctl_spec::Spec;

use crate::{Engine, RenderedFile, Result, View};

/// What a target gets to render from.
pub struct Context<'a> {
    /// The spec.
    pub spec: &'a Spec,
    /// The spec resolved.
    pub view: &'a View,
    /// Capacity, cost and availability views.
    pub plan: &'a Plan,
    /// The template engine.
    pub engine: &'a Engine,
}

impl Context<'_> {
    /// The data every template sees: `project`, `spec`, `view`, `plan` and `domain`.
    pub fn template_data(&self) -> minijinja::Value {
        minijinja::context! {
            project => minijinja::Value::from(minijinja::value::Serde(&self.spec.project)),
            spec => minijinja::Value::from(minijinja::value::Serde(self.spec)),
            view => minijinja::Value::from(minijinja::value::Serde(self.view)),
            plan => minijinja::Value::from(minijinja::value::Serde(self.plan)),
            domain => self.spec.domains.keys().next().cloned().unwrap_or_default(),
            generator => format!("cloudctl {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// A kind of output: docs, compose files, proxy configs, …
pub trait Target: Sync {
    /// The name used on the command line: `docs`, `compose`, …
    fn name(&self) -> &'static str;
    /// One line for `--help` and listings.
    fn describe(&self) -> &'static str;
    /// The files it renders.
    fn render(&self, context: &Context<'_>) -> Result<Vec<RenderedFile>>;
}

/// Every target, in the order they are listed.
pub static ALL: &[&dyn Target] = &[
    &docs::Docs,
    &compose::Compose,
    &nginx::Nginx,
    &caddy::Caddy,
    &authelia::Authelia,
    &oauth2_proxy::Oauth2Proxy,
    &firewall::Firewall,
    &wireguard::Wireguard,
    &ssh::Ssh,
    &dns::Dns,
    &systemd::Systemd,
    &site::Site,
];

/// The target called `name`.
pub fn find(name: &str) -> Option<&'static dyn Target> {
    ALL.iter().copied().find(|target| target.name() == name)
}
