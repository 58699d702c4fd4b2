//! ntfy: a push to a topic, published as JSON to the server's root (so titles need no header
//! encoding), with an optional access token.

use std::sync::Arc;

use cloudctl_probes::{Secret, TlsOptions};
use hyper::Uri;
use rustls::ClientConfig;
use serde::{Deserialize, Serialize};

use super::{BoxFuture, Notifier, config_error, http, send_error};
use crate::error::Result;
use crate::model::{Notification, Severity, Status};

/// Configuration of an ntfy notifier.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NtfyConfig {
    /// The server, e.g. `https://ntfy.example.org`.
    pub server: String,
    /// The topic to publish to.
    pub topic: String,
    /// An access token, resolved by the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
    /// Certificate checks for https servers.
    #[serde(default)]
    pub tls: TlsOptions,
}

struct Ntfy {
    name: String,
    url: Uri,
    topic: String,
    token: Option<Secret>,
    tls: Arc<ClientConfig>,
}

pub(crate) fn build(name: &str, c: &NtfyConfig) -> Result<Box<dyn Notifier>> {
    let url = http::parse_url(&c.server).map_err(|e| config_error(name, format!("server: {e}")))?;
    if c.topic.is_empty() || c.topic.contains('/') {
        return Err(config_error(
            name,
            format!("topic `{}` must be one non-empty path segment", c.topic),
        ));
    }
    let tls = c
        .tls
        .client_config(name)
        .map_err(|e| config_error(name, e))?;
    Ok(Box::new(Ntfy {
        name: name.to_owned(),
        url,
        topic: c.topic.clone(),
        token: c.token.clone(),
        tls,
    }))
}

/// ntfy priorities: 5 urgent … 1 min.
fn priority(n: &Notification) -> u8 {
    match (n.status, n.severity) {
        (Status::Resolved, _) => 2,
        (_, Severity::Critical) => 5,
        (_, Severity::Warning) => 4,
        (_, Severity::Info) => 3,
    }
}

impl Notifier for Ntfy {
    fn name(&self) -> &str {
        &self.name
    }

    fn send<'a>(&'a self, n: &'a Notification) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let tag = match n.status {
                Status::Resolved => "white_check_mark",
                Status::Firing => "rotating_light",
            };
            let body = serde_json::json!({
                "topic": self.topic,
                "title": n.subject(),
                "message": format!("{}\nLikely cause: {}", n.summary, n.cause),
                "priority": priority(n),
                "tags": [tag, n.alertname],
            });
            let headers: Vec<(&str, String)> = self
                .token
                .iter()
                .map(|t| ("authorization", format!("Bearer {}", t.expose())))
                .collect();
            let body = serde_json::to_vec(&body).map_err(|e| send_error(&self.name, e))?;
            http::post(
                &self.url,
                "application/json",
                &headers,
                body,
                self.tls.clone(),
            )
            .await
            .map_err(|e| send_error(&self.name, e))
        })
    }
}
