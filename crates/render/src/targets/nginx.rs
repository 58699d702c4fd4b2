//! `nginx`: the reverse proxy on the proxy host — one server block per public name, TLS with the
//! spec's certificate paths, HTTP → HTTPS, the B13 security headers on every answer, WebSocket
//! upgrades where the service needs them, and forward authentication through Authelia's
//! `/api/authz/auth-request` (401 becomes a 302 to the portal) except for bypassed services and
//! paths. The same rules are written as Nginx Proxy Manager "Advanced" snippets under `npm/`.

use serde::Serialize;

use super::routes::{self, Routes, Site};
use super::{Context, Target, quote};
use crate::{RenderedFile, Result};

/// The nginx target.
pub struct Nginx;

/// Snippets every site includes, by file name.
const SNIPPETS: &[&str] = &["security-headers", "proxy", "websocket", "tls", "anonymous"];

/// Snippets written only when a site uses the gateway.
const GATEWAY_SNIPPETS: &[&str] = &["authelia-location", "authelia-authrequest"];

#[derive(Serialize)]
struct Data<'a> {
    routes: &'a Routes,
    site: Option<&'a Site>,
    /// Header name → value, quoted for nginx.
    headers: Vec<(String, String)>,
    /// Every public name, for the HTTP → HTTPS server.
    names: String,
    /// Where visitors without a session go when Authelia names no URL.
    login_fallback: String,
    /// True when some site is guarded by a deployed gateway.
    uses_gateway: bool,
    /// Inline the snippets (for NPM's Advanced box).
    npm: bool,
    generator: String,
}

impl Target for Nginx {
    fn name(&self) -> &'static str {
        "nginx"
    }

    fn describe(&self) -> &'static str {
        "proxy host: nginx.conf, snippets and a server block per public name (forward auth to Authelia), and NPM Advanced snippets"
    }

    fn render(&self, context: &Context<'_>) -> Result<Vec<RenderedFile>> {
        let Some(routes) = routes::routes(context.spec) else {
            return Ok(Vec::new());
        };
        let portal = routes.portal.clone().unwrap_or_default();
        let mut data = Data {
            routes: &routes,
            site: None,
            headers: context
                .spec
                .security
                .headers
                .iter()
                .map(|(name, value)| (quote::nginx(name), quote::nginx(value)))
                .collect(),
            names: if routes.sites.is_empty() {
                "_".to_owned()
            } else {
                routes
                    .sites
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            },
            login_fallback: quote::nginx(&format!("{portal}/?rd=$scheme://$http_host$request_uri")),
            uses_gateway: routes.gateway.is_some() && routes.sites.iter().any(|s| s.gateway),
            npm: false,
            generator: format!("cloudctl {}", env!("CARGO_PKG_VERSION")),
        };
        let render = |template: &str, data: &Data<'_>| {
            context.engine.render(
                template,
                minijinja::Value::from(minijinja::value::Serde(data)),
            )
        };
        let dir = format!("{}/nginx", routes.host);
        let mut files = vec![RenderedFile::new(
            format!("{dir}/nginx.conf"),
            render("nginx/nginx.conf.j2", &data)?,
        )];
        let mut snippets: Vec<&str> = SNIPPETS.to_vec();
        if data.uses_gateway {
            snippets.extend(GATEWAY_SNIPPETS);
        }
        for snippet in snippets {
            files.push(RenderedFile::new(
                format!("{dir}/snippets/{snippet}.conf"),
                render(&format!("nginx/snippets/{snippet}.conf.j2"), &data)?,
            ));
        }
        for site in &routes.sites {
            data.site = Some(site);
            data.npm = false;
            files.push(RenderedFile::new(
                format!("{dir}/sites/{}.conf", site.name),
                render("nginx/site.conf.j2", &data)?,
            ));
            data.npm = true;
            files.push(RenderedFile::new(
                format!("{}/npm/{}.conf", routes.host, site.name),
                render("npm/advanced.conf.j2", &data)?,
            ));
        }
        Ok(files)
    }
}
