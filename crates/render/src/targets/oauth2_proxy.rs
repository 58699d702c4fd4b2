//! `oauth2-proxy`: the GitHub login of B11 path 1 — OAuth2-Proxy's config file with provider
//! github, the allowed users and organisation from `access.github`, and cookies for the session
//! domain. The client and cookie secrets are named as files (`*_file`) when the spec keeps them in
//! files; otherwise the compose file passes them as OAuth2-Proxy's own variables.

use cloudctl_spec::Spec;
use serde::Serialize;

use super::{Context, Target, deploy, quote};
use crate::{RenderedFile, Result};

/// The OAuth2-Proxy target.
pub struct Oauth2Proxy;

#[derive(Serialize)]
struct Data {
    host: String,
    client_id: String,
    client_secret_file: Option<String>,
    cookie_secret_file: Option<String>,
    users: Vec<String>,
    org: Option<String>,
    other_orgs: Vec<String>,
    http_address: String,
    redirect_url: String,
    cookie_domain: String,
    status: String,
    generator: String,
}

impl Target for Oauth2Proxy {
    fn name(&self) -> &'static str {
        "oauth2-proxy"
    }

    fn describe(&self) -> &'static str {
        "GitHub login (B11 path 1): oauth2-proxy.cfg on the host that runs OAuth2-Proxy"
    }

    fn render(&self, context: &Context<'_>) -> Result<Vec<RenderedFile>> {
        let Some(data) = data(context.spec) else {
            return Ok(Vec::new());
        };
        let text = context.engine.render(
            "oauth2-proxy/oauth2-proxy.cfg.j2",
            minijinja::Value::from(minijinja::value::Serde(&data)),
        )?;
        Ok(vec![RenderedFile::new(
            format!("{}/oauth2-proxy/oauth2-proxy.cfg", data.host),
            text,
        )])
    }
}

fn data(spec: &Spec) -> Option<Data> {
    let github = spec.access.github.as_ref()?;
    let (service_id, service, component) = spec
        .containers()
        .find(|(_, _, _, c)| deploy::is_oauth2_proxy(c))
        .map(|(sid, s, _, c)| (sid, s, c))?;
    let host = service.host.clone()?;
    let base = service.url.as_deref()?.trim_end_matches('/');
    // OAuth2-Proxy serves its own endpoints under /oauth2.
    let redirect_url = if service.url_path().trim_end_matches('/') == "/oauth2" {
        format!("{base}/callback")
    } else {
        format!("{base}/oauth2/callback")
    };
    let cookie_domain = spec
        .access
        .session_domain
        .clone()
        .or_else(|| deploy::domain_of(spec, service.url_host()?).map(|(d, _)| d.clone()))?;
    let file = |id: &str| {
        spec.secrets
            .get(id)
            .and_then(|s| s.file.as_ref())
            .map(|_| quote::double(&deploy::secret_mount(id)))
    };
    let quoted = |items: &[String]| items.iter().map(|i| quote::double(i)).collect::<Vec<_>>();
    Some(Data {
        host,
        client_id: quote::double(&github.client_id),
        client_secret_file: file(&github.client_secret),
        cookie_secret_file: file(&github.cookie_secret),
        users: quoted(&github.users),
        org: github.orgs.first().map(|o| quote::double(o)),
        other_orgs: github.orgs.iter().skip(1).cloned().collect(),
        http_address: quote::double(&format!("0.0.0.0:{}", component.port.unwrap_or(4180))),
        redirect_url: quote::double(&redirect_url),
        cookie_domain: quote::double(&format!(".{cookie_domain}")),
        status: format!("{service_id} is {}", service.status.label()),
        generator: format!("cloudctl {}", env!("CARGO_PKG_VERSION")),
    })
}
