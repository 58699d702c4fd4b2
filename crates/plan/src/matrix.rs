use cloudctl_spec::Spec;
use serde::Serialize;

/// One row of the always-on vs on-demand matrix (B20).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixRow {
    /// Service id.
    pub service: String,
    /// Display name.
    pub title: String,
    /// Host id, or the external provider's id.
    pub host: String,
    /// The service's availability: `24/7`, `on-demand`, `pay-per-use`.
    pub decision: &'static str,
    /// The host's availability, when it runs on one of ours.
    pub host_availability: Option<&'static str>,
    /// Traffic pattern, when the spec gives one.
    pub traffic: Option<String>,
    /// Why, when the spec says.
    pub reason: Option<String>,
    /// Lifecycle status.
    pub status: &'static str,
}

/// Every service with where and when it runs.
pub fn matrix(spec: &Spec) -> Vec<MatrixRow> {
    spec.services
        .iter()
        .map(|(id, service)| {
            let host = match (&service.host, &service.external) {
                (Some(host), _) => host.clone(),
                (None, Some(external)) => external.provider.clone(),
                (None, None) => String::new(),
            };
            let host_availability = service
                .host
                .as_ref()
                .and_then(|h| spec.hosts.get(h))
                .map(|h| h.availability.label());
            MatrixRow {
                service: id.clone(),
                title: service.title.clone(),
                host,
                decision: service.availability.label(),
                host_availability,
                traffic: service
                    .demand
                    .as_ref()
                    .map(|d| format!("{:?}", d.traffic).to_lowercase()),
                reason: service.demand.as_ref().map(|d| d.reason.clone()),
                status: service.status.label(),
            }
        })
        .collect()
}
