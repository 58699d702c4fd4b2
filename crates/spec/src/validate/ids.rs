//! Ids are well-formed; component ids are unique across the spec; container names are unique per
//! host (two containers of one name cannot run side by side).

use std::collections::HashMap;

use super::Context;
use crate::diag::Diagnostic;
use crate::load::path::child;

/// True for `a-z`, `0-9`, `-` and `_`, starting with a letter or digit.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && id.len() <= 63
}

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let spec = cx.spec;
    let sections: [(&str, Vec<&String>); 6] = [
        ("providers", spec.providers.keys().collect()),
        ("hosts", spec.hosts.keys().collect()),
        ("services", spec.services.keys().collect()),
        ("costs", spec.costs.keys().collect()),
        ("secrets", spec.secrets.keys().collect()),
        ("categories", spec.categories.keys().collect()),
    ];
    for (section, ids) in sections {
        for id in ids {
            if !is_valid_id(id) {
                out.push(bad_id(&child(section, id), id));
            }
        }
    }

    let mut components: HashMap<&str, String> = HashMap::new();
    let mut containers: HashMap<(&str, &str), String> = HashMap::new();
    for (service_id, service) in &spec.services {
        let service_path = child("services", service_id);
        for (component_id, component) in &service.components {
            let path = child(&child(&service_path, "components"), component_id);
            if !is_valid_id(component_id) {
                out.push(bad_id(&path, component_id));
            }
            if let Some(first) = components.insert(component_id, path.clone()) {
                out.push(
                    Diagnostic::error(
                        "ids.duplicate-component",
                        &path,
                        format!("component id `{component_id}` is also used at `{first}`"),
                    )
                    .hint("component ids name containers and documents: give each a unique id"),
                );
            }
            let (Some(host), true) = (&service.host, component.is_container()) else {
                continue;
            };
            let name = component.container_name(component_id);
            if let Some(first) = containers.insert((host, name), path.clone()) {
                out.push(
                    Diagnostic::error(
                        "ids.duplicate-container",
                        &path,
                        format!(
                            "container name `{name}` is also used on host `{host}` by `{first}`"
                        ),
                    )
                    .hint("two containers on one host need different names: set `container:`"),
                );
            }
        }
    }
}

fn bad_id(path: &str, id: &str) -> Diagnostic {
    Diagnostic::error("ids.format", path, format!("`{id}` is not a valid id")).hint(
        "use lowercase letters, digits, `-` and `_`, starting with a letter or digit (at most 63)",
    )
}
