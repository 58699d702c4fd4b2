//! The reverse proxy's routing table, shared by the nginx, NPM and Caddy targets and the audit:
//! one site per public name, one route per deployed service under it, each with its upstream on
//! the mesh, whether the auth gateway guards it, and the paths that skip the gateway.

use cloudctl_spec::{AuthPolicy, Spec};
use serde::Serialize;

use super::deploy;

/// The routing table.
#[derive(Debug, Clone, Serialize)]
pub struct Routes {
    /// The host that runs the proxy.
    pub host: String,
    /// Auth portal URL, without a trailing slash.
    pub portal: Option<String>,
    /// The gateway's `ip:port` on the mesh, when it is deployed.
    pub gateway: Option<String>,
    /// One per public name, sorted by name.
    pub sites: Vec<Site>,
}

/// A public name.
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    /// `vault.example.com`.
    pub name: String,
    /// Certificate chain path.
    pub certificate: String,
    /// Private key path.
    pub certificate_key: String,
    /// Routes, longest path first so nested paths win in every proxy.
    pub routes: Vec<Route>,
    /// True when a route needs the gateway.
    pub gateway: bool,
}

/// One service under a name.
#[derive(Debug, Clone, Serialize)]
pub struct Route {
    /// Service id.
    pub service: String,
    /// Service title.
    pub title: String,
    /// Path prefix: `/` or `/oauth2`.
    pub path: String,
    /// `ip:port` on the mesh; none when the service's host has no mesh address or no entry port.
    pub upstream: Option<String>,
    /// Needs WebSocket upgrades.
    pub websocket: bool,
    /// The spec's auth policy.
    pub policy: String,
    /// Guarded by the forward-auth gateway.
    pub gateway: bool,
    /// Why it is not guarded (bypass, built-in) or why some paths are not.
    pub reason: Option<String>,
    /// Paths that skip the gateway.
    pub bypass: Vec<Bypass>,
}

/// A path that skips the gateway.
#[derive(Debug, Clone, Serialize)]
pub struct Bypass {
    /// The path as written.
    pub path: String,
    /// `/webhook/` (a trailing slash) is a prefix; anything else is matched exactly.
    pub prefix: bool,
    /// The same, as a regular expression for Authelia's `resources`.
    pub regex: String,
}

/// The routing table of `spec`, or none when no host has the proxy role.
pub fn routes(spec: &Spec) -> Option<Routes> {
    let (proxy_host, _) = deploy::proxy_host(spec)?;
    let mut sites: Vec<Site> = Vec::new();
    for (id, service) in &spec.services {
        let Some(name) = service.url_host() else {
            continue;
        };
        if service.external.is_some() || !deploy::deployed(service) {
            continue;
        }
        let policy = service.auth.unwrap_or(AuthPolicy::TwoFactor);
        let route = Route {
            service: id.clone(),
            title: super::quote::comment(&service.title),
            path: service.url_path().trim_end_matches('/').to_owned(),
            upstream: deploy::upstream(spec, service),
            websocket: service.entry_component().is_some_and(|(_, c)| c.websocket),
            policy: policy.label().to_owned(),
            gateway: service.auth.is_none_or(AuthPolicy::uses_gateway),
            reason: service.auth_reason.as_deref().map(super::quote::comment),
            bypass: service.bypass_paths.iter().map(|p| bypass(p)).collect(),
        };
        let route = Route {
            path: if route.path.is_empty() {
                "/".to_owned()
            } else {
                route.path
            },
            ..route
        };
        match sites.iter_mut().find(|s| s.name == name) {
            Some(site) => site.routes.push(route),
            None => {
                let (certificate, certificate_key) = deploy::certificate(spec, name);
                sites.push(Site {
                    name: name.to_owned(),
                    certificate,
                    certificate_key,
                    routes: vec![route],
                    gateway: false,
                });
            }
        }
    }
    for site in &mut sites {
        site.routes
            .sort_by(|a, b| b.path.len().cmp(&a.path.len()).then(a.path.cmp(&b.path)));
        site.gateway = site.routes.iter().any(|r| r.gateway);
    }
    sites.sort_by(|a, b| a.name.cmp(&b.name));
    Some(Routes {
        host: proxy_host.clone(),
        portal: deploy::portal_url(spec),
        gateway: deploy::gateway_upstream(spec),
        sites,
    })
}

fn bypass(path: &str) -> Bypass {
    let prefix = path.ends_with('/');
    let escaped: String = path
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '-' || c == '_' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect();
    let regex = if prefix {
        format!("^{escaped}.*$")
    } else {
        format!("^{escaped}([?].*)?$")
    };
    Bypass {
        path: path.to_owned(),
        prefix,
        regex,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bypass_paths_become_exact_or_prefix_rules() {
        let exact = bypass("/matomo.php");
        assert!(!exact.prefix);
        assert_eq!(exact.regex, r"^/matomo\.php([?].*)?$");
        let prefix = bypass("/webhook/");
        assert!(prefix.prefix);
        assert_eq!(prefix.regex, "^/webhook/.*$");
    }
}
