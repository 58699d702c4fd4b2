//! Every reference resolves: hosts to providers, services to hosts, categories, parents and their
//! own components, secrets to the `secrets` section, and so on.

use indexmap::IndexMap;

use super::Context;
use crate::diag::Diagnostic;
use crate::load::path::child;
use crate::suggest;

struct Refs<'a, 'c> {
    cx: &'a Context<'c>,
    out: &'a mut Vec<Diagnostic>,
}

impl Refs<'_, '_> {
    /// Reports `path` when `id` is not a key of `section` (parsed or merely written).
    fn expect<T>(&mut self, path: &str, id: &str, section: &str, entries: &IndexMap<String, T>) {
        if entries.contains_key(id) || self.cx.defined(section, id) {
            return;
        }
        let what = section.trim_end_matches('s');
        let hint = match suggest::closest(id, entries.keys().map(String::as_str)) {
            Some(name) => format!("did you mean `{name}`?"),
            None if entries.is_empty() => format!("define it under `{section}:`"),
            None => format!(
                "known {section}: {}",
                entries
                    .keys()
                    .take(12)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.out.push(
            Diagnostic::error("refs.unknown", path, format!("no {what} `{id}` is defined"))
                .hint(hint),
        );
    }
}

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let spec = cx.spec;
    let mut refs = Refs { cx, out };
    for (name, domain) in &spec.domains {
        let path = child("domains", name);
        refs.expect(
            &child(&path, "dns"),
            &domain.dns,
            "providers",
            &spec.providers,
        );
        if let Some(registrar) = &domain.registrar {
            refs.expect(
                &child(&path, "registrar"),
                registrar,
                "providers",
                &spec.providers,
            );
        }
    }
    for (id, host) in &spec.hosts {
        let path = child("hosts", id);
        refs.expect(
            &child(&path, "provider"),
            &host.provider,
            "providers",
            &spec.providers,
        );
        if let Some(ssh) = &host.ssh {
            refs.expect(
                &child(&child(&path, "ssh"), "key"),
                &ssh.key,
                "secrets",
                &spec.secrets,
            );
        }
    }
    for (id, cost) in &spec.costs {
        refs.expect(
            &child(&child("costs", id), "provider"),
            &cost.provider,
            "providers",
            &spec.providers,
        );
    }
    for (id, service) in &spec.services {
        check_service(&mut refs, id, service);
    }
    check_access(&mut refs);
    if let Some(host) = &spec.monitoring.hub.host {
        refs.expect("monitoring.hub.host", host, "hosts", &spec.hosts);
    }
    if let Some(service) = &spec.monitoring.hub.service {
        refs.expect(
            "monitoring.hub.service",
            service,
            "services",
            &spec.services,
        );
    }
    if let Some(webhook) = &spec.monitoring.notify.webhook {
        refs.expect(
            "monitoring.notify.webhook",
            webhook,
            "secrets",
            &spec.secrets,
        );
    }
    let overrides = &spec.monitoring.overrides;
    for host in overrides.hosts.keys() {
        let path = child("monitoring.overrides.hosts", host);
        refs.expect(&path, host, "hosts", &spec.hosts);
    }
    for service in overrides.services.keys() {
        let path = child("monitoring.overrides.services", service);
        refs.expect(&path, service, "services", &spec.services);
    }
    for (name, check) in &spec.monitoring.checks {
        let path = child("monitoring.checks", name);
        if let Some(service) = &check.service {
            refs.expect(
                &child(&path, "service"),
                service,
                "services",
                &spec.services,
            );
        }
        if let Some(host) = &check.host {
            refs.expect(&child(&path, "host"), host, "hosts", &spec.hosts);
        }
        if let Some(password) = &check.password {
            refs.expect(
                &child(&path, "password"),
                password,
                "secrets",
                &spec.secrets,
            );
        }
    }
}

fn check_service(refs: &mut Refs<'_, '_>, id: &str, service: &crate::model::Service) {
    let spec = refs.cx.spec;
    let path = child("services", id);
    match (&service.host, &service.external) {
        (Some(host), None) => refs.expect(&child(&path, "host"), host, "hosts", &spec.hosts),
        (None, Some(external)) => refs.expect(
            &child(&child(&path, "external"), "provider"),
            &external.provider,
            "providers",
            &spec.providers,
        ),
        (None, None) => refs.out.push(
            Diagnostic::error(
                "refs.no-host",
                &path,
                format!("service `{id}` has no `host`"),
            )
            .hint("set `host:` to the VM it runs on, or `external:` if a third party serves it"),
        ),
        (Some(_), Some(_)) => refs.out.push(
            Diagnostic::error(
                "refs.host-and-external",
                child(&path, "external"),
                "a service has either `host` or `external`, not both",
            )
            .hint("remove one"),
        ),
    }
    check_category(refs, &path, &service.category);
    if let Some(parent) = &service.parent {
        if parent == id {
            refs.out.push(
                Diagnostic::error(
                    "refs.parent",
                    child(&path, "parent"),
                    "a service cannot be its own parent",
                )
                .hint("remove `parent:`"),
            );
        } else {
            refs.expect(&child(&path, "parent"), parent, "services", &spec.services);
        }
    }
    if let Some(entry) = &service.entry
        && !service.components.contains_key(entry)
    {
        refs.out.push(
            Diagnostic::error(
                "refs.unknown",
                child(&path, "entry"),
                format!("service `{id}` has no component `{entry}`"),
            )
            .hint(format!(
                "name one of its components: {}",
                service
                    .components
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
    }
    for (component_id, component) in &service.components {
        let component_path = child(&child(&path, "components"), component_id);
        for (index, dependency) in component.depends_on.iter().enumerate() {
            if !service.components.contains_key(dependency) {
                refs.out.push(
                    Diagnostic::error(
                        "refs.unknown",
                        crate::load::path::index(&child(&component_path, "depends_on"), index),
                        format!("service `{id}` has no component `{dependency}`"),
                    )
                    .hint("depends_on names components of the same service"),
                );
            }
        }
        for (variable, secret) in &component.secrets {
            refs.expect(
                &child(&child(&component_path, "secrets"), variable),
                secret,
                "secrets",
                &spec.secrets,
            );
        }
    }
}

fn check_category(refs: &mut Refs<'_, '_>, service_path: &str, category: &str) {
    let spec = refs.cx.spec;
    let path = child(service_path, "category");
    let Some((top, group)) = category.split_once('/') else {
        refs.out.push(
            Diagnostic::error(
                "refs.category",
                &path,
                format!("`{category}` is not a category path"),
            )
            .hint("write `category/group`, e.g. `fridge/terminals`"),
        );
        return;
    };
    let Some(found) = spec.categories.get(top) else {
        refs.expect(&path, top, "categories", &spec.categories);
        return;
    };
    if !found.groups.contains_key(group) {
        let hint = match suggest::closest(group, found.groups.keys().map(String::as_str)) {
            Some(name) => format!("did you mean `{top}/{name}`?"),
            None => format!(
                "groups of `{top}`: {}",
                found.groups.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        };
        refs.out.push(
            Diagnostic::error(
                "refs.unknown",
                &path,
                format!("category `{top}` has no group `{group}`"),
            )
            .hint(hint),
        );
    }
}

fn check_access(refs: &mut Refs<'_, '_>) {
    let spec = refs.cx.spec;
    if let Some(github) = &spec.access.github {
        refs.expect(
            "access.github.client_secret",
            &github.client_secret,
            "secrets",
            &spec.secrets,
        );
        refs.expect(
            "access.github.cookie_secret",
            &github.cookie_secret,
            "secrets",
            &spec.secrets,
        );
    }
    if let Some(smtp) = &spec.access.smtp {
        refs.expect(
            "access.smtp.password",
            &smtp.password,
            "secrets",
            &spec.secrets,
        );
    }
    for (purpose, secret) in &spec.access.gateway_secrets {
        refs.expect(
            &child("access.gateway_secrets", purpose),
            secret,
            "secrets",
            &spec.secrets,
        );
    }
}
