//! A generic JSON webhook: the notification as JSON, POSTed to a URL, with an optional bearer
//! token.

use std::sync::Arc;

use cloudctl_probes::{Secret, TlsOptions};
use hyper::Uri;
use rustls::ClientConfig;
use serde::{Deserialize, Serialize};

use super::{BoxFuture, Notifier, config_error, http, send_error};
use crate::error::Result;
use crate::model::Notification;

/// Configuration of a webhook notifier.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where to POST.
    pub url: String,
    /// Sent as `Authorization: Bearer …`, resolved by the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<Secret>,
    /// Certificate checks for https URLs.
    #[serde(default)]
    pub tls: TlsOptions,
}

struct Webhook {
    name: String,
    url: Uri,
    token: Option<Secret>,
    tls: Arc<ClientConfig>,
}

pub(crate) fn build(name: &str, c: &WebhookConfig) -> Result<Box<dyn Notifier>> {
    let url = http::parse_url(&c.url).map_err(|e| config_error(name, format!("url: {e}")))?;
    let tls = c
        .tls
        .client_config(name)
        .map_err(|e| config_error(name, e))?;
    Ok(Box::new(Webhook {
        name: name.to_owned(),
        url,
        token: c.bearer_token.clone(),
        tls,
    }))
}

impl Notifier for Webhook {
    fn name(&self) -> &str {
        &self.name
    }

    fn send<'a>(&'a self, n: &'a Notification) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let body = serde_json::to_vec(n).map_err(|e| send_error(&self.name, e))?;
            let headers: Vec<(&str, String)> = self
                .token
                .iter()
                .map(|t| ("authorization", format!("Bearer {}", t.expose())))
                .collect();
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
