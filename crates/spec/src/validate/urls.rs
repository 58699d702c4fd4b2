//! Public URLs are well-formed, under a declared domain, and no two services share one.

use std::collections::HashMap;

use super::Context;
use crate::diag::Diagnostic;
use crate::load::path::child;

/// Splits `https://host/path` into scheme, host and path; `None` when it is not such a URL.
pub fn split_url(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = host.split(':').next().unwrap_or(host);
    let valid_host = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    valid_host.then_some((scheme, host, path))
}

fn under_domain<'a>(host: &str, domains: impl IntoIterator<Item = &'a String>) -> bool {
    domains
        .into_iter()
        .any(|domain| host == domain || host.ends_with(&format!(".{domain}")))
}

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let spec = cx.spec;
    let declared = || spec.domains.keys();
    let known = if spec.domains.is_empty() {
        "no domains are declared: add one under `domains:`".to_owned()
    } else {
        format!(
            "declared domains: {}",
            spec.domains.keys().cloned().collect::<Vec<_>>().join(", ")
        )
    };
    let mut seen: HashMap<String, String> = HashMap::new();
    for (id, service) in &spec.services {
        let Some(url) = &service.url else { continue };
        let path = child(&child("services", id), "url");
        let Some((scheme, host, url_path)) = split_url(url) else {
            out.push(
                Diagnostic::error("urls.format", &path, format!("`{url}` is not a URL"))
                    .hint("write https://name.your-domain, optionally with a path"),
            );
            continue;
        };
        if scheme != "https" && scheme != "http" {
            out.push(
                Diagnostic::error(
                    "urls.format",
                    &path,
                    format!("`{scheme}` URLs cannot be proxied"),
                )
                .hint("use https://"),
            );
        }
        if !under_domain(host, declared()) {
            out.push(
                Diagnostic::error(
                    "urls.domain",
                    &path,
                    format!("`{host}` is not under a declared domain"),
                )
                .hint(known.clone()),
            );
        }
        let key = format!("{host}{}", url_path.trim_end_matches('/'));
        if let Some(first) = seen.insert(key, id.clone()) {
            out.push(
                Diagnostic::error(
                    "urls.duplicate",
                    &path,
                    format!("`{url}` is also the URL of service `{first}`"),
                )
                .hint("give each service its own host name or path"),
            );
        }
    }
    if let Some(portal) = &spec.access.portal {
        match split_url(portal) {
            Some((_, host, _)) if !under_domain(host, declared()) => out.push(
                Diagnostic::error(
                    "urls.domain",
                    "access.portal",
                    format!("`{host}` is not under a declared domain"),
                )
                .hint(known.clone()),
            ),
            None => out.push(
                Diagnostic::error(
                    "urls.format",
                    "access.portal",
                    format!("`{portal}` is not a URL"),
                )
                .hint("write https://auth.your-domain"),
            ),
            _ => {}
        }
    }
    if let Some(domain) = &spec.access.session_domain
        && !spec.domains.contains_key(domain)
    {
        out.push(
            Diagnostic::error(
                "urls.domain",
                "access.session_domain",
                format!("`{domain}` is not a declared domain"),
            )
            .hint(known),
        );
    }
}
