//! A small client for the hub's alert and probe API, for `cloudctl alerts`.

use cloudctl_probes::{Secret, TlsOptions};
use hyper::{Method, Uri};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::notify::http;

/// Talks to one hub.
#[derive(Debug, Clone)]
pub struct ApiClient {
    base: String,
    token: Option<Secret>,
    tls: TlsOptions,
}

impl ApiClient {
    /// A client for the hub at `base` (e.g. `http://127.0.0.1:8787`), with a read token if the hub
    /// wants one.
    pub fn new(base: &str, token: Option<Secret>, tls: TlsOptions) -> Result<Self> {
        http::parse_url(base).map_err(|e| Error::Config(format!("hub URL: {e}")))?;
        Ok(ApiClient {
            base: base.trim_end_matches('/').to_owned(),
            token,
            tls,
        })
    }

    /// Sends a request to `path` (e.g. `/api/v1/alerts`); returns the status and the JSON answer.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value)> {
        let url: Uri = format!("{}{path}", self.base)
            .parse()
            .map_err(|e| Error::Config(format!("`{path}`: {e}")))?;
        let headers: Vec<(&str, String)> = self
            .token
            .iter()
            .map(|t| ("authorization", format!("Bearer {}", t.expose())))
            .collect();
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let tls = self
            .tls
            .client_config("hub")
            .map_err(|e| Error::Config(e.to_string()))?;
        let (status, answer) = http::send(method, &url, "application/json", &headers, body, tls)
            .await
            .map_err(|e| Error::Send {
                notifier: "hub".into(),
                message: e,
            })?;
        let json = if answer.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&answer)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&answer).into_owned()))
        };
        Ok((status.as_u16(), json))
    }
}
