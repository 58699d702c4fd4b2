//! `dns`: the records of every public URL, per domain — a BIND-style zone file (what Cloudflare's
//! import reads, with its `cf-proxied` tags) and the JSON bodies Cloudflare's API takes
//! (`POST /zones/{zone_id}/dns_records`, one per array item). Services behind our proxy point at
//! the proxy host; external services at their target; a mail host gets the MX record, never
//! proxied, since a CDN cannot carry SMTP. The zone file also carries SOA and NS records (module
//! `authority`), so that it is a complete zone that `named-checkzone` accepts.

use std::net::IpAddr;

use cloudctl_spec::{Role, Spec};
use serde::Serialize;

use super::{Context, Target, deploy, quote};
use crate::{RenderedFile, Result};
use authority::Authority;

mod authority;

/// The DNS target.
pub struct Dns;

/// One record.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// Fully qualified name, without the trailing dot.
    pub name: String,
    /// Name relative to the zone (`@` for the apex).
    pub label: String,
    /// `A`, `AAAA`, `CNAME` or `MX`.
    pub kind: String,
    /// Address or target name.
    pub content: String,
    /// Through Cloudflare's proxy; none for record types it cannot proxy.
    pub proxied: Option<bool>,
    /// MX preference.
    pub priority: Option<u16>,
    /// Why the record exists.
    pub comment: String,
}

impl Target for Dns {
    fn name(&self) -> &'static str {
        "dns"
    }

    fn describe(&self) -> &'static str {
        "dns/<domain>.zone (BIND) and dns/<domain>.cloudflare.json (API bodies) for every public URL"
    }

    fn render(&self, context: &Context<'_>) -> Result<Vec<RenderedFile>> {
        let mut files = Vec::new();
        for domain in context.spec.domains.keys() {
            let records = records(context.spec, domain);
            let authority = Authority::of(context.spec, domain, &records);
            let zone = context.engine.render(
                "dns/zone.j2",
                minijinja::context! {
                    domain => domain,
                    records => minijinja::Value::from(minijinja::value::Serde(&records)),
                    authority => minijinja::Value::from(minijinja::value::Serde(&authority)),
                    generator => format!("cloudctl {}", env!("CARGO_PKG_VERSION")),
                },
            )?;
            files.push(RenderedFile::new(format!("dns/{domain}.zone"), zone));
            let bodies: Vec<serde_json::Value> = records.iter().map(cloudflare_body).collect();
            let mut json = serde_json::to_string_pretty(&bodies)?;
            json.push('\n');
            files.push(RenderedFile::new(
                format!("dns/{domain}.cloudflare.json"),
                json,
            ));
        }
        Ok(files)
    }
}

/// Every record of `domain`, in a stable order: by name, then type.
pub fn records(spec: &Spec, domain: &str) -> Vec<Record> {
    let proxied = spec.domains.get(domain).is_none_or(|d| d.proxied);
    let proxy_ip = deploy::proxy_host(spec).and_then(|(_, h)| h.public_ip);
    let mut records: Vec<Record> = Vec::new();
    let mut add = |record: Record| {
        if !records
            .iter()
            .any(|r| r.name == record.name && r.kind == record.kind)
        {
            records.push(record);
        }
    };
    for (id, service) in &spec.services {
        let Some(name) = service.url_host() else {
            continue;
        };
        if !deploy::deployed(service) || !in_domain(name, domain) {
            continue;
        }
        let comment = quote::comment(&format!("{} ({id})", service.title));
        let (kind, content) = match &service.external {
            Some(external) => match external.target.parse::<IpAddr>() {
                Ok(ip) => (address_kind(ip), ip.to_string()),
                Err(_) => ("CNAME", external.target.trim_end_matches('.').to_owned()),
            },
            None => match proxy_ip {
                Some(ip) => (address_kind(ip), ip.to_string()),
                None => continue,
            },
        };
        add(Record {
            name: name.to_owned(),
            label: label(name, domain),
            kind: kind.to_owned(),
            content,
            proxied: Some(proxied),
            priority: None,
            comment,
        });
    }
    for (id, host) in spec.hosts_with_role(Role::Mail) {
        let Some(ip) = host.public_ip else { continue };
        let mx = format!("mx.{domain}");
        add(Record {
            name: mx.clone(),
            label: "mx".into(),
            kind: address_kind(ip).to_owned(),
            content: ip.to_string(),
            proxied: Some(false),
            priority: None,
            comment: format!("mail host {id}: SMTP and IMAP cannot pass a CDN"),
        });
        add(Record {
            name: domain.to_owned(),
            label: "@".into(),
            kind: "MX".into(),
            content: mx,
            proxied: None,
            priority: Some(10),
            comment: format!("mail for {domain} goes to {id}"),
        });
    }
    records.sort_by(|a, b| (&a.name, &a.kind).cmp(&(&b.name, &b.kind)));
    records
}

fn in_domain(name: &str, domain: &str) -> bool {
    name == domain || name.ends_with(&format!(".{domain}"))
}

fn label(name: &str, domain: &str) -> String {
    if name == domain {
        "@".into()
    } else {
        name.strip_suffix(&format!(".{domain}"))
            .unwrap_or(name)
            .to_owned()
    }
}

fn address_kind(ip: IpAddr) -> &'static str {
    if ip.is_ipv4() { "A" } else { "AAAA" }
}

/// The body of Cloudflare's "create DNS record" call; `ttl: 1` is Cloudflare's "automatic".
fn cloudflare_body(record: &Record) -> serde_json::Value {
    let mut body = serde_json::json!({
        "type": record.kind,
        "name": record.name,
        "content": record.content,
        "ttl": 1,
    });
    if let Some(proxied) = record.proxied {
        body["proxied"] = proxied.into();
    }
    if let Some(priority) = record.priority {
        body["priority"] = priority.into();
    }
    body["comment"] = record.comment.clone().into();
    body
}
