use cloudctl_spec::{Availability, Spec, Tier};
use serde::Serialize;

use crate::cents;

/// What a host costs a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostCost {
    /// Host id.
    pub host: String,
    /// Provider id.
    pub provider: String,
    /// Free or paid.
    pub tier: Tier,
    /// The price as written (`$0.024/h`).
    pub price: String,
    /// Dollars a month if it ran 24/7.
    pub always_on_monthly: f64,
    /// Hours a day it is expected to run (24 unless it wakes on demand).
    pub hours_per_day: f64,
    /// Dollars a month at the expected hours.
    pub expected_monthly: f64,
    /// What waking on demand saves a month.
    pub savings_monthly: f64,
}

/// What a provider charges a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderCost {
    /// Provider id.
    pub provider: String,
    /// Display name.
    pub title: String,
    /// Dollars a month: its hosts at expected hours plus its counted cost items.
    pub monthly: f64,
}

/// A cost item other than a host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemCost {
    /// Item id.
    pub id: String,
    /// What it is.
    pub title: String,
    /// Provider id.
    pub provider: String,
    /// The price as written (`$10/yr`).
    pub price: String,
    /// Dollars a month added to the total (yearly prices prorated; 0 when planned).
    pub monthly: f64,
    /// False for planned items, listed but not added.
    pub counted: bool,
}

/// A service's share of its host's cost, by its share of the host's allocated RAM.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceCost {
    /// Service id.
    pub service: String,
    /// Host id.
    pub host: String,
    /// Fraction of the host's allocated RAM (0–1).
    pub share: f64,
    /// Dollars a month.
    pub monthly: f64,
}

/// The B4 view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostPlan {
    /// Per host.
    pub hosts: Vec<HostCost>,
    /// Per provider.
    pub providers: Vec<ProviderCost>,
    /// Other items.
    pub items: Vec<ItemCost>,
    /// Per service.
    pub services: Vec<ServiceCost>,
    /// Dollars a month, at expected hours.
    pub total_monthly: f64,
    /// Dollars a year, at expected hours.
    pub total_yearly: f64,
    /// Dollars a month if every host ran 24/7.
    pub always_on_monthly: f64,
    /// What waking on demand saves a month.
    pub savings_monthly: f64,
}

/// Monthly cost per host, provider, item and service.
pub fn cost(spec: &Spec) -> CostPlan {
    let hosts: Vec<HostCost> = spec
        .hosts
        .iter()
        .map(|(id, host)| {
            let hours_per_day = match (host.availability, &host.wake) {
                (Availability::OnDemand | Availability::PayPerUse, Some(wake)) => {
                    wake.expected_hours_per_day
                }
                _ => 24.0,
            };
            let always_on = host.price.monthly();
            let expected = host.price.monthly_at(hours_per_day);
            HostCost {
                host: id.clone(),
                provider: host.provider.clone(),
                tier: host.tier,
                price: host.price.to_string(),
                always_on_monthly: cents(always_on),
                hours_per_day,
                expected_monthly: cents(expected),
                savings_monthly: cents(always_on - expected),
            }
        })
        .collect();
    let items: Vec<ItemCost> = spec
        .costs
        .iter()
        .map(|(id, item)| ItemCost {
            id: id.clone(),
            title: item.title.clone(),
            provider: item.provider.clone(),
            price: item.price.to_string(),
            monthly: cents(item.monthly()),
            counted: item.status != cloudctl_spec::Lifecycle::Planned,
        })
        .collect();
    let providers = spec
        .providers
        .iter()
        .map(|(id, provider)| {
            let from_hosts: f64 = hosts
                .iter()
                .filter(|h| h.provider == *id)
                .map(|h| h.expected_monthly)
                .sum();
            let from_items: f64 = items
                .iter()
                .filter(|i| i.provider == *id)
                .map(|i| i.monthly)
                .sum();
            ProviderCost {
                provider: id.clone(),
                title: provider.title.clone(),
                monthly: cents(from_hosts + from_items),
            }
        })
        .collect();
    let services = service_shares(spec, &hosts);
    let items_total: f64 = items.iter().map(|i| i.monthly).sum();
    let expected_hosts: f64 = hosts.iter().map(|h| h.expected_monthly).sum();
    let always_on_hosts: f64 = hosts.iter().map(|h| h.always_on_monthly).sum();
    let total_monthly = cents(expected_hosts + items_total);
    CostPlan {
        hosts,
        providers,
        items,
        services,
        total_monthly,
        total_yearly: cents(total_monthly * 12.0),
        always_on_monthly: cents(always_on_hosts + items_total),
        savings_monthly: cents(always_on_hosts - expected_hosts),
    }
}

fn service_shares(spec: &Spec, hosts: &[HostCost]) -> Vec<ServiceCost> {
    let mut shares = Vec::new();
    for host in hosts {
        let on_host: Vec<(&String, f64)> = spec
            .services_on(&host.host)
            .map(|(id, service)| {
                let ram: f64 = service
                    .components
                    .values()
                    .filter_map(|c| c.resources.ram)
                    .map(|r| r.as_f64())
                    .sum();
                (id, ram)
            })
            .collect();
        let total: f64 = on_host.iter().map(|(_, ram)| ram).sum();
        let count = on_host.len() as f64;
        for (id, ram) in on_host {
            let share = if total > 0.0 {
                ram / total
            } else {
                1.0 / count
            };
            shares.push(ServiceCost {
                service: id.clone(),
                host: host.host.clone(),
                share: (share * 10_000.0).round() / 10_000.0,
                monthly: cents(host.expected_monthly * share),
            });
        }
    }
    shares
}
