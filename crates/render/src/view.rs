//! The resolved view of a spec: every default applied and every reference followed (a service's
//! host title and address, its entry container and port, the hierarchy with titles). Templates read
//! it, and `manifest.json` carries it beside the spec so other tools need not resolve anything.

use cloudctl_spec::units::human_bytes;
use cloudctl_spec::{Component, Spec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Everything resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct View {
    /// The hierarchy: categories → groups → service ids, in spec order.
    pub categories: Vec<CategoryView>,
    /// Every service, in spec order.
    pub services: Vec<ServiceView>,
    /// Every host, in spec order.
    pub hosts: Vec<HostView>,
}

/// A category with its groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CategoryView {
    /// Category id.
    pub id: String,
    /// Heading.
    pub title: String,
    /// Its groups.
    pub groups: Vec<GroupView>,
}

/// A group with its services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GroupView {
    /// Group id.
    pub id: String,
    /// Heading.
    pub title: String,
    /// Service ids, hubs before the services under them.
    pub services: Vec<String>,
}

/// A service with references followed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceView {
    /// Service id.
    pub id: String,
    /// Display name.
    pub title: String,
    /// What it is for.
    pub description: String,
    /// Emoji or icon name.
    pub icon: Option<String>,
    /// `category/group`.
    pub category: String,
    /// The hub service it sits under.
    pub parent: Option<String>,
    /// Public URL; none when internal.
    pub url: Option<String>,
    /// Host id, or the external provider's id.
    pub host: String,
    /// True when a third party serves it.
    pub external: bool,
    /// Where its traffic goes: `10.8.0.4:7681`, or the external target.
    pub address: Option<String>,
    /// Lifecycle status.
    pub status: String,
    /// `24/7`, `on-demand`, `pay-per-use`.
    pub availability: String,
    /// Auth policy, `none` for internal services without one.
    pub auth: String,
    /// The container the proxy routes to.
    pub entry_container: Option<String>,
    /// Its port.
    pub entry_port: Option<u16>,
    /// Every component.
    pub components: Vec<ComponentView>,
}

/// A component, with its container name resolved and amounts printed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ComponentView {
    /// Component id.
    pub id: String,
    /// `front`, `app`, `db`, …
    pub kind: String,
    /// What it does.
    pub description: Option<String>,
    /// What it is built with.
    pub stack: String,
    /// Image, for containers.
    pub image: Option<String>,
    /// Container name, for containers.
    pub container: Option<String>,
    /// Port.
    pub port: Option<u16>,
    /// RAM, printed (`256 MB`), empty when not allocated.
    pub ram: String,
    /// vCPU, printed.
    pub cpu: String,
    /// Storage, printed.
    pub storage: String,
    /// Bandwidth, printed (`50 GB/mo`).
    pub bandwidth: String,
}

/// A host with its services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HostView {
    /// Host id.
    pub id: String,
    /// Display name.
    pub title: String,
    /// Provider id.
    pub provider: String,
    /// Provider display name.
    pub provider_title: String,
    /// Public address.
    pub public_ip: Option<String>,
    /// Mesh address.
    pub private_ip: Option<String>,
    /// vCPU.
    pub vcpu: f64,
    /// RAM, printed.
    pub ram: String,
    /// Storage, printed.
    pub storage: String,
    /// Bandwidth allowance as written (`1GB/day`).
    pub bandwidth: String,
    /// VRAM, printed, or `-`.
    pub vram: String,
    /// `free` or `paid`.
    pub tier: String,
    /// `24/7`, `on-demand`, `pay-per-use`.
    pub availability: String,
    /// Price as written.
    pub price: String,
    /// Roles.
    pub roles: Vec<String>,
    /// Service ids placed here.
    pub services: Vec<String>,
    /// Container names running here.
    pub containers: Vec<String>,
    /// Free text.
    pub notes: Option<String>,
}

impl View {
    /// Resolves `spec`.
    pub fn new(spec: &Spec) -> Self {
        View {
            categories: categories(spec),
            services: services(spec),
            hosts: hosts(spec),
        }
    }
}

fn categories(spec: &Spec) -> Vec<CategoryView> {
    spec.categories
        .iter()
        .map(|(category_id, category)| CategoryView {
            id: category_id.clone(),
            title: category.title.clone(),
            groups: category
                .groups
                .iter()
                .map(|(group_id, group)| {
                    let path = format!("{category_id}/{group_id}");
                    let in_group: Vec<&String> = spec
                        .services
                        .iter()
                        .filter(|(_, s)| s.category == path)
                        .map(|(id, _)| id)
                        .collect();
                    // Hubs first, each followed by the services under it, then the rest.
                    let mut ordered: Vec<String> = Vec::new();
                    for id in &in_group {
                        let parent_in_group = spec.services[*id]
                            .parent
                            .as_ref()
                            .is_some_and(|p| in_group.contains(&p));
                        if parent_in_group {
                            continue;
                        }
                        ordered.push((*id).clone());
                        for child in in_group
                            .iter()
                            .filter(|c| spec.services[**c].parent.as_ref() == Some(*id))
                        {
                            ordered.push((*child).clone());
                        }
                    }
                    GroupView {
                        id: group_id.clone(),
                        title: group.title.clone(),
                        services: ordered,
                    }
                })
                .collect(),
        })
        .collect()
}

fn services(spec: &Spec) -> Vec<ServiceView> {
    spec.services
        .iter()
        .map(|(id, service)| {
            let entry = service.entry_component();
            let private_ip = service
                .host
                .as_ref()
                .and_then(|h| spec.hosts.get(h))
                .and_then(|h| h.private_ip);
            let address = match (&service.external, entry, private_ip) {
                (Some(external), _, _) => Some(external.target.clone()),
                (None, Some((_, component)), Some(ip)) => {
                    component.port.map(|port| format!("{ip}:{port}"))
                }
                _ => None,
            };
            ServiceView {
                id: id.clone(),
                title: service.title.clone(),
                description: service.description.clone(),
                icon: service.icon.clone(),
                category: service.category.clone(),
                parent: service.parent.clone(),
                url: service.url.clone(),
                host: service
                    .host
                    .clone()
                    .or_else(|| service.external.as_ref().map(|e| e.provider.clone()))
                    .unwrap_or_default(),
                external: service.external.is_some(),
                address,
                status: service.status.label().to_owned(),
                availability: service.availability.label().to_owned(),
                auth: service.auth.map_or("none", |a| a.label()).to_owned(),
                entry_container: entry.map(|(cid, c)| c.container_name(cid).to_owned()),
                entry_port: entry.and_then(|(_, c)| c.port),
                components: service
                    .components
                    .iter()
                    .map(|(cid, c)| component(cid, c))
                    .collect(),
            }
        })
        .collect()
}

fn component(id: &str, component: &Component) -> ComponentView {
    let resources = &component.resources;
    ComponentView {
        id: id.to_owned(),
        kind: component.kind.label().to_owned(),
        description: component.description.clone(),
        stack: component.stack.clone(),
        image: component.image.clone(),
        container: component
            .is_container()
            .then(|| component.container_name(id).to_owned()),
        port: component.port,
        ram: resources.ram.map(|s| s.human()).unwrap_or_default(),
        cpu: resources.cpu.map(|c| c.to_string()).unwrap_or_default(),
        storage: resources.storage.map(|s| s.human()).unwrap_or_default(),
        bandwidth: resources
            .bandwidth
            .map(|b| format!("{}/mo", human_bytes(b.per_month())))
            .unwrap_or_default(),
    }
}

fn hosts(spec: &Spec) -> Vec<HostView> {
    spec.hosts
        .iter()
        .map(|(id, host)| HostView {
            id: id.clone(),
            title: host.title.clone().unwrap_or_else(|| id.clone()),
            provider: host.provider.clone(),
            provider_title: spec
                .providers
                .get(&host.provider)
                .map_or_else(|| host.provider.clone(), |p| p.title.clone()),
            public_ip: host.public_ip.map(|ip| ip.to_string()),
            private_ip: host.private_ip.map(|ip| ip.to_string()),
            vcpu: host.capacity.vcpu,
            ram: host.capacity.ram.human(),
            storage: host.capacity.storage.human(),
            bandwidth: host.capacity.bandwidth.to_string(),
            vram: host
                .capacity
                .vram
                .map_or_else(|| "-".to_owned(), |v| v.human()),
            tier: format!("{:?}", host.tier).to_lowercase(),
            availability: host.availability.label().to_owned(),
            price: host.price.to_string(),
            roles: host
                .roles
                .iter()
                .map(|r| format!("{r:?}").to_lowercase())
                .collect(),
            services: spec.services_on(id).map(|(s, _)| s.clone()).collect(),
            containers: spec
                .containers()
                .filter(|(_, s, _, _)| s.host.as_deref() == Some(id))
                .map(|(_, _, cid, c)| c.container_name(cid).to_owned())
                .collect(),
            notes: host.notes.clone(),
        })
        .collect()
}
