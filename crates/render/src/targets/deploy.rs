//! What the deploy targets share: which services are deployed, which host runs the reverse proxy,
//! where the auth gateway answers, where each service's traffic goes, which certificate covers a
//! name, and how the gateway's own containers are wired to the files the other targets write.

use std::net::IpAddr;

use cloudctl_spec::{Component, Domain, Host, Id, Role, Service, Spec};

/// The UDP port of the WireGuard mesh between the VMs.
pub const MESH_PORT: u16 = 51820;

/// True when the service's containers should run, so its configs are rendered (status on or dev).
pub fn deployed(service: &Service) -> bool {
    service.status.is_deployed()
}

/// The host that runs the reverse proxy: the first with the `proxy` role.
pub fn proxy_host(spec: &Spec) -> Option<(&Id, &Host)> {
    spec.hosts_with_role(Role::Proxy).next()
}

/// The service whose URL is the auth portal (`access.portal`): Authelia.
pub fn portal(spec: &Spec) -> Option<(&Id, &Service)> {
    let portal = spec.access.portal.as_deref()?.trim_end_matches('/');
    spec.services.iter().find(|(_, service)| {
        service.url.as_deref().map(|u| u.trim_end_matches('/')) == Some(portal)
    })
}

/// The portal's URL without a trailing slash.
pub fn portal_url(spec: &Spec) -> Option<String> {
    spec.access
        .portal
        .as_deref()
        .map(|p| p.trim_end_matches('/').to_owned())
}

/// `ip:port` (`[ip]:port` for IPv6) of a host's mesh address.
pub fn socket(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("{v4}:{port}"),
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    }
}

/// Where the proxy sends a service's traffic: its host's mesh address and its entry port.
pub fn upstream(spec: &Spec, service: &Service) -> Option<String> {
    let host = spec.hosts.get(service.host.as_ref()?)?;
    let (_, entry) = service.entry_component()?;
    Some(socket(host.private_ip?, entry.port?))
}

/// The auth gateway's `ip:port` when its service is deployed and reachable over the mesh.
pub fn gateway_upstream(spec: &Spec) -> Option<String> {
    let (_, service) = portal(spec)?;
    if !deployed(service) {
        return None;
    }
    upstream(spec, service)
}

/// The declared domain a name belongs to (the longest suffix match).
pub fn domain_of<'a>(spec: &'a Spec, name: &str) -> Option<(&'a String, &'a Domain)> {
    spec.domains
        .iter()
        .filter(|(domain, _)| name == domain.as_str() || name.ends_with(&format!(".{domain}")))
        .max_by_key(|(domain, _)| domain.len())
}

/// The certificate and key paths served for `name`.
pub fn certificate(spec: &Spec, name: &str) -> (String, String) {
    let (domain, settings) = match domain_of(spec, name) {
        Some((domain, settings)) => (domain.as_str(), Some(settings)),
        None => (name, None),
    };
    let live = format!("/etc/letsencrypt/live/{domain}");
    (
        settings
            .and_then(|s| s.certificate.clone())
            .unwrap_or_else(|| format!("{live}/fullchain.pem")),
        settings
            .and_then(|s| s.certificate_key.clone())
            .unwrap_or_else(|| format!("{live}/privkey.pem")),
    )
}

/// A secret as a container receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretUse {
    /// The variable it fills; a file secret fills `<VAR>_FILE` with its mounted path. None: the
    /// file is only mounted (a config file names its path).
    pub var: Option<String>,
    /// The secret's id.
    pub secret: Id,
}

/// What a gateway container needs beyond its component: the files other targets render, and the
/// secrets those files refer to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wiring {
    /// Extra mounts, `./relative/file:/path[:ro]` beside the compose file.
    pub volumes: Vec<String>,
    /// Extra secrets.
    pub secrets: Vec<SecretUse>,
    /// The container's command, when it must be given one.
    pub command: Vec<String>,
}

/// Authelia's variables for the gateway's secrets, by `access.gateway_secrets` purpose.
pub const AUTHELIA_SECRET_VARS: &[(&str, &str)] = &[
    (
        "jwt",
        "AUTHELIA_IDENTITY_VALIDATION_RESET_PASSWORD_JWT_SECRET",
    ),
    ("session", "AUTHELIA_SESSION_SECRET"),
    ("storage_encryption", "AUTHELIA_STORAGE_ENCRYPTION_KEY"),
];

/// Authelia's variable for the SMTP relay's password.
pub const AUTHELIA_SMTP_PASSWORD_VAR: &str = "AUTHELIA_NOTIFIER_SMTP_PASSWORD";

/// Where the oauth2-proxy config is mounted in its container.
pub const OAUTH2_PROXY_CONFIG: &str = "/etc/oauth2-proxy/oauth2-proxy.cfg";

/// True for the OAuth2-Proxy component (GitHub login, B11 path 1).
pub fn is_oauth2_proxy(component: &Component) -> bool {
    component.is_container()
        && component
            .stack
            .to_ascii_lowercase()
            .contains("oauth2-proxy")
}

/// The extra wiring of `component` (of `service_id`): Authelia's entry container gets its rendered
/// configuration and the gateway secrets; OAuth2-Proxy gets its rendered config and GitHub secrets.
pub fn wiring(spec: &Spec, service_id: &str, component_id: &str, component: &Component) -> Wiring {
    let mut wiring = Wiring::default();
    let is_portal_entry = portal(spec).is_some_and(|(id, service)| {
        id == service_id
            && service
                .entry_component()
                .is_some_and(|(cid, _)| cid == component_id)
    });
    if is_portal_entry {
        wiring.volumes = vec![
            "./authelia/configuration.yml:/config/configuration.yml:ro".into(),
            "./authelia/users_database.yml:/config/users_database.yml".into(),
        ];
        for (purpose, var) in AUTHELIA_SECRET_VARS {
            if let Some(secret) = spec.access.gateway_secrets.get(*purpose) {
                wiring.secrets.push(SecretUse {
                    var: Some((*var).to_owned()),
                    secret: secret.clone(),
                });
            }
        }
        if let Some(smtp) = &spec.access.smtp {
            wiring.secrets.push(SecretUse {
                var: Some(AUTHELIA_SMTP_PASSWORD_VAR.to_owned()),
                secret: smtp.password.clone(),
            });
        }
    } else if let (true, Some(github)) = (is_oauth2_proxy(component), &spec.access.github) {
        wiring.volumes = vec![format!(
            "./oauth2-proxy/oauth2-proxy.cfg:{OAUTH2_PROXY_CONFIG}:ro"
        )];
        wiring.command = vec![format!("--config={OAUTH2_PROXY_CONFIG}")];
        // A file secret is named in the config by its mounted path; an environment secret reaches
        // oauth2-proxy through its own variable.
        for (secret, var) in [
            (&github.client_secret, "OAUTH2_PROXY_CLIENT_SECRET"),
            (&github.cookie_secret, "OAUTH2_PROXY_COOKIE_SECRET"),
        ] {
            let is_file = spec.secrets.get(secret).is_some_and(|s| s.file.is_some());
            wiring.secrets.push(SecretUse {
                var: (!is_file).then(|| var.to_owned()),
                secret: secret.clone(),
            });
        }
    }
    wiring
}

/// Where a file secret is mounted inside a container.
pub fn secret_mount(secret: &str) -> String {
    format!("/run/secrets/{secret}")
}

/// True when `user` means root.
pub fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}
